"""An upload's statements planned once per session (sql/migrations/030_upload_plans.sql), and its
counts moved by the answers that differ between the versions only: after each kind of change (a yes
becoming no, an option replaced, a list's items added, removed and reordered, an answer cleared, a first
answer, a number) and after many partners at once, the stored counts and steps equal a fresh count."""
import concurrent.futures
import json

from cb import cli, new_city, post, psql, token_for_city
from test_stats import assert_consistent

API = "/api/submissions"


def upload(slug, tok, answers):
    r = post(API + "?clear=1", json.dumps({"city": slug, "survey": "2020", "answers": answers}),
             "application/json", tok)
    assert r.status == 201, (r.status, r.body[:300])


def test_each_kind_of_change_keeps_the_counts_exact():
    slug = new_city("pl", country="CA", region="Americas")
    tok = token_for_city(slug)
    steps = [
        {"dedicated_funding": True, "approach": "holistic", "funding_sources": ["municipal_budget"],
         "team1_staff": 3},
        {"dedicated_funding": False},
        {"approach": "policy_areas"},
        {"funding_sources": ["philanthropy", "municipal_budget", "private_sector"]},
        {"funding_sources": ["private_sector", "philanthropy", "municipal_budget"]},	# the same items
        {"funding_sources": ["national_government"]},
        {"approach": None, "dedicated_funding": None},	# cleared
        {"explicit_strategy": True, "team1_staff": 4, "policy_areas": []},
        {"funding_sources": None, "approach": "holistic", "dedicated_funding": True},
    ]
    for answers in steps:
        upload(slug, tok, answers)
        assert_consistent()
    # Both waves in one upload (two city-waves, a pair each), then a withdrawal (a pair too: the version
    # before the withdrawn one's changes comes back as a new version).
    r = post(API + "?clear=1", json.dumps([
        {"city": slug, "survey": "2020", "answers": {"approach": "both", "funding_sources": ["philanthropy"]}},
        {"city": slug, "survey": "2018", "answers": {"dedicated_funding": False, "team1_staff": 9}}]),
        "application/json", tok)
    assert r.status == 201, (r.status, r.body[:300])
    assert_consistent()
    r = post(API, json.dumps([
        {"city": slug, "survey": "2018", "answers": {"dedicated_funding": True}},
        {"city": slug, "survey": "2020", "answers": {"approach": "holistic"}}]), "application/json", tok)
    assert r.status == 201, (r.status, r.body[:300])
    sid = [x for x in r.json()["submissions"] if x["survey"] == "2020"][0]["id"]
    assert_consistent()
    cli("submission", "withdraw", str(sid))
    assert psql("select a.value #>> '{}' from answers a join current_submissions cs on cs.submission_id = "
                "a.submission_id join cities c on c.id = cs.city_id where c.slug = '%s' and cs.survey_id = "
                "'2020' and a.code = 'approach'" % slug) == "both"
    assert_consistent()


def test_partners_at_once_keep_the_counts_exact():
    cities = [new_city("pm", country=("CA", "US")[k % 2], region="Americas") for k in range(6)]
    toks = {c: token_for_city(c) for c in cities}
    options = ["holistic", "policy_areas", None]
    lists = [["municipal_budget"], ["philanthropy", "private_sector"], [], None]

    def one(i):
        c = cities[i % len(cities)]
        body = {"city": c, "survey": "2020", "answers": {"approach": options[i % 3],
                "funding_sources": lists[i % 4], "dedicated_funding": i % 2 == 0, "team2_staff": i}}
        return post(API + "?clear=1", json.dumps(body), "application/json", toks[c]).status

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        st = list(ex.map(one, range(24)))
    assert st == [201] * len(st), st
    assert_consistent()
    assert psql("select count(*) from counts_moves") == "0"


def test_the_upload_functions_keep_their_plans():
    """The functions an upload runs are PL/pgSQL (whose statements' plans live for the session) and those
    whose plans would be made again for every call keep the generic one."""
    lang = dict(l.split("|") for l in psql(
        "select p.proname, l.lanname from pg_proc p join pg_language l on l.oid = p.prolang "
        "where p.proname in ('city_facts_compute', 'city_facts_refresh', 'cb_trusted', 'stats_apply_moves', "
        "'stats_apply_counts')").splitlines())
    assert lang == {n: "plpgsql" for n in ("city_facts_compute", "city_facts_refresh", "cb_trusted",
                                          "stats_apply_moves", "stats_apply_counts")}, lang
    for name in ("city_facts_compute", "city_facts_refresh", "stats_apply_moves"):
        conf = psql("select array_to_string(proconfig, ' ') from pg_proc where proname = '%s'" % name)
        assert "plan_cache_mode=force_generic_plan" in conf, (name, conf)
