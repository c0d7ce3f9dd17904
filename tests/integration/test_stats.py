"""The stored cohort statistics (sql/migrations/002_stats.sql): what a profile reads for every city, a
region or a country must equal what the per-request path computes for the same cities given as a list,
and the stored tables must equal a fresh aggregate after uploads, racing uploads, imports, a city moving
region and a withdrawal."""
import concurrent.futures
import json
import os
import urllib.parse

from cb import cli, get_json, new_city, post, psql, token_for_city
from test_metrics import add_city, eventually

# The stored counts against a fresh count over the current answers, written independently of the
# triggers' submission_facts(): one row per difference.
COUNTS_DIFF = """
with scopes as (
  select cs.survey_id, cs.submission_id, s.scope, s.key from current_submissions cs
  join cities c on c.id = cs.city_id
  cross join lateral (values ('all', ''), ('region', c.region), ('country', c.country)) s(scope, key)),
ans as (
  select k.survey_id, k.scope, k.key, a.code, q.type, a.value from scopes k
  join answers a on a.submission_id = k.submission_id join questions q on q.code = a.code
  where a.value <> 'null'::jsonb),
fresh as (
  select survey_id, scope, key, '' as code, '' as option, count(*) as n from scopes group by 1, 2, 3
  union all select survey_id, scope, key, code, '', count(*) from ans group by 1, 2, 3, 4
  union all select survey_id, scope, key, code, case when value = 'true'::jsonb then 'yes' else 'no' end,
    count(*) from ans where type = 'bool' group by 1, 2, 3, 4, 5
  union all select survey_id, scope, key, code, value #>> '{}', count(*) from ans where type = 'single'
    group by 1, 2, 3, 4, 5
  union all select survey_id, scope, key, code, o, count(*) from ans, jsonb_array_elements_text(value) o
    where type = 'multi' group by 1, 2, 3, 4, 5)
select count(*) from (
  (select survey_id, scope, key, code, option, n::bigint from cohort_counts except select * from fresh)
  union all
  (select * from fresh except select survey_id, scope, key, code, option, n::bigint from cohort_counts)) d
"""

STEPS_DIFF = """
with vals as (
  select mv.metric_id, mv.survey_id, s.scope, s.key, mv.value from metric_values mv
  join current_submissions cs on cs.city_id = mv.city_id and cs.survey_id = mv.survey_id
  join cities c on c.id = mv.city_id
  cross join lateral (values ('all', ''), ('region', c.region), ('country', c.country)) s(scope, key)),
fresh as (
  select distinct metric_id, survey_id, scope, key, value,
    (count(*) over (partition by metric_id, survey_id, scope, key))::int as n,
    (count(*) over (partition by metric_id, survey_id, scope, key, value))::int as eq,
    (rank() over (partition by metric_id, survey_id, scope, key order by value desc) - 1)::int as gt
  from vals)
select count(*) from (
  (select metric_id, survey_id, scope, key, value, n, eq, gt from metric_steps except select * from fresh)
  union all
  (select * from fresh except select metric_id, survey_id, scope, key, value, n, eq, gt from metric_steps)) d
"""


def assert_consistent():
    assert psql(COUNTS_DIFF) == "0", "cohort_counts differs from a fresh count"
    assert psql(STEPS_DIFF) == "0", "metric_steps differs from a fresh count"
    assert psql("select count(*) from stats_dirty") == "0", "dirty statistics left behind"


def profile(slug, peers=None, wave=None):
    q = {}
    if peers is not None:
        q["peers"] = peers
    if wave:
        q["survey"] = wave
    return get_json("/cities/%s.json%s" % (slug, "?" + urllib.parse.urlencode(q) if q else ""))


def comparable(p):
    return {
        "cohort": p["cohort"],
        "cohort_size": p["cohort_size"],
        "metrics": [(m["id"], m["value"], m["rank"], m["of"], m["percentile"]) for m in p["metrics"]],
    }


def members(wave, where, arg):
    return psql("select string_agg(c.slug, ',' order by c.slug) from current_submissions cs "
                "join cities c on c.id = cs.city_id where cs.survey_id = '%s' and %s = '%s'"
                % (wave, where, arg.replace("'", "''"))).split(",")


def test_stored_statistics_match_a_fresh_count():
    assert_consistent()


def test_stored_cohorts_equal_the_same_cities_as_a_list():
    """region:R and country:CC read stored statistics; the same cities as a slug list are counted per
    request by other statements: every number of the profile must agree."""
    checked = 0
    for wave in ("2020", "2018"):
        for kind, col in (("region", "c.region"), ("country", "c.country")):
            keys = psql("select %s from current_submissions cs join cities c on c.id = cs.city_id "
                        "where cs.survey_id = '%s' group by 1 having count(*) between 2 and 400 "
                        "order by count(*) desc, 1 limit 2" % (col, wave)).splitlines()
            for key in keys:
                slugs = members(wave, col, key)
                for slug in slugs[:2]:
                    a = profile(slug, "%s:%s" % (kind, key), wave)
                    b = profile(slug, ",".join(slugs), wave)
                    assert comparable(a) == comparable(b), (kind, key, slug)
                    checked += 1
    assert checked >= 8, checked
    # every city: the default cohort against the list of every city of the wave (at most 500 slugs)
    slugs = members("2020", "1", "1")
    if len(slugs) <= 500:
        for slug in ("toronto", slugs[3], slugs[-1]):
            assert comparable(profile(slug, wave="2020")) == comparable(profile(slug, ",".join(slugs), "2020"))


def test_upload_moves_every_scope_by_one():
    slug = new_city("st", country="JP", region="Asia")
    tok = token_for_city(slug)

    def n(scope, key, option):
        v = psql("select n from cohort_counts where survey_id = '2020' and scope = '%s' and key = '%s' "
                 "and code = 'dedicated_funding' and option = '%s'" % (scope, key, option))
        return int(v or 0)

    before = {s: (n(s, k, "yes"), n(s, k, "no")) for s, k in (("all", ""), ("region", "Asia"), ("country", "JP"))}
    r = post("/api/submissions", json.dumps({"city": slug, "survey": "2020",
             "answers": {"dedicated_funding": True}}), "application/json", tok)
    assert r.status == 201, r
    for s, k in (("all", ""), ("region", "Asia"), ("country", "JP")):
        assert (n(s, k, "yes"), n(s, k, "no")) == (before[s][0] + 1, before[s][1]), s
    r = post("/api/submissions", json.dumps({"city": slug, "survey": "2020",
             "answers": {"dedicated_funding": False}}), "application/json", tok)
    assert r.status == 201, r
    for s, k in (("all", ""), ("region", "Asia"), ("country", "JP")):
        assert (n(s, k, "yes"), n(s, k, "no")) == (before[s][0], before[s][1] + 1), s
    p = profile(slug, "country:JP")
    assert p["cohort"]["dedicated_funding"]["counts"].get("no") == before["country"][1] + 1
    assert_consistent()


def test_racing_uploads_keep_the_statistics_exact():
    cities = [new_city("sr", country="KR", region="Asia") for _ in range(6)]
    toks = {c: token_for_city(c) for c in cities}

    def upload(i):
        c = cities[i % len(cities)]
        body = {"city": c, "survey": "2020", "answers": {"dedicated_funding": i % 2 == 0,
                "team1_staff": i % 7, "explicit_strategy": i % 3 == 0,
                "funding_sources": ["municipal_budget"] if i % 2 else []}}
        return post("/api/submissions", json.dumps(body), "application/json", toks[c]).status

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        st = list(ex.map(upload, range(24)))
    assert set(st) <= {201, 429}, st
    assert st.count(201) >= 12, st
    assert_consistent()


def test_concurrent_uploads_apply_their_moves_exactly():
    """Many partners at once (migration 013: each upload's metric moves applied incrementally, no global
    lock): different cities and the same city, first answers and changed ones, values moving up and down
    across each other; then the stored statistics equal a fresh count, no move is left unapplied, and
    every city's versions are consecutive, one per accepted upload."""
    cities = [new_city("sc", country=("KR", "JP")[k % 2], region="Asia", population=10000 * (k + 1))
              for k in range(8)]
    toks = {c: token_for_city(c) for c in cities}
    before = int(psql("select version from data_version"))

    def upload(i):
        c = cities[0] if i % 3 == 0 else cities[i % len(cities)]	# a third of them on one city
        body = {"city": c, "survey": "2020", "answers": {"team1_staff": (i * 7) % 23, "team2_staff": i % 5,
                "team3_staff": (i * 13) % 31, "dedicated_funding": i % 2 == 0,
                "funding_sources": ["municipal_budget"] if i % 4 else []}}
        r = post("/api/submissions", json.dumps(body), "application/json", toks[c])
        return c, r.status

    with concurrent.futures.ThreadPoolExecutor(12) as ex:
        st = list(ex.map(upload, range(36)))
    assert {s for _, s in st} <= {201, 429}, st
    assert sum(1 for _, s in st if s == 201) >= 18, st
    assert_consistent()
    assert psql("select count(*) from metric_moves") == "0", "metric moves left unapplied"
    assert psql("select count(*) from counts_moves") == "0", "counts moves left unapplied"
    for c in cities:
        ok = sum(1 for x, s in st if x == c and s == 201)
        versions = psql("select coalesce(string_agg(s.version::text, ',' order by s.version), '') from "
                        "submissions s join cities c on c.id = s.city_id where c.slug = '%s' and "
                        "s.survey_id = '2020'" % c)
        assert versions == ",".join(str(v) for v in range(1, ok + 1)), (c, ok, versions)
        cur = psql("select cs.version from current_submissions cs join cities c on c.id = cs.city_id "
                   "where c.slug = '%s' and cs.survey_id = '2020'" % c)
        assert cur == (str(ok) if ok else ""), (c, cur)
    assert int(psql("select version from data_version")) >= before + sum(1 for _, s in st if s == 201)


def test_city_moving_region_moves_its_statistics():
    here, there = "Oceania %d" % os.getpid(), "Antarctica %d" % os.getpid()
    slug = add_city("sm", "Moving City", [("dedicated_funding", "true")], region=here)
    eventually(lambda: psql("select n from cohort_counts where scope = 'region' and key = '%s' "
                            "and code = '' and survey_id = '2020'" % here) == "1")
    cli("city", "edit", slug, "--region", there)
    assert psql("select count(*) from cohort_counts where scope = 'region' and key = '%s'" % here) == "0"
    assert psql("select n from cohort_counts where scope = 'region' and key = '%s' "
                "and code = 'dedicated_funding' and option = 'yes' and survey_id = '2020'" % there) == "1"
    p = profile(slug, "region:" + there)
    assert p["cohort_size"] == 1 and p["cohort"]["dedicated_funding"]["counts"] == {"yes": 1}, p["cohort"]
    assert_consistent()


def test_withdraw_restores_the_counts():
    slug = new_city("sw", country="NZ", region="Oceania")
    tok = token_for_city(slug)

    def yes():
        return int(psql("select coalesce(sum(n), 0) from cohort_counts where scope = 'country' and key = 'NZ' "
                        "and survey_id = '2020' and code = 'dedicated_funding' and option = 'yes'"))
    before = yes()
    r = post("/api/submissions", json.dumps({"city": slug, "survey": "2020",
             "answers": {"dedicated_funding": True}}), "application/json", tok)
    assert r.status == 201, r
    r = post("/api/submissions", json.dumps({"city": slug, "survey": "2020",
             "answers": {"dedicated_funding": False}}), "application/json", tok)
    assert r.status == 201, r
    sid = r.json()["submissions"][0]["id"]
    cli("submission", "withdraw", str(sid))
    assert yes() == before + 1
    assert_consistent()


def test_compare_ranks_from_stored_statistics_equal_a_list():
    """/compare.json ranks a region's and every city's cohort from metric_steps; the same cities as a
    list are ranked in the statement: the two answers differ in nothing but `peers`."""
    checked = 0
    for wave in ("2020", "2018"):
        # a region whose every member has values in the wave (other tests add regions of cities whose
        # answers no metric reads)
        region = psql("select c.region from current_submissions cs join cities c on c.id = cs.city_id "
                      "where cs.survey_id = '%s' group by 1 having count(*) between 3 and 400 "
                      "and bool_and(exists (select 1 from metric_values v where v.city_id = c.id "
                      "and v.survey_id = cs.survey_id)) "
                      "order by count(*) desc, 1 limit 1" % (wave,))
        slugs = members(wave, "c.region", region)
        outsider = psql("select c.slug from current_submissions cs join cities c on c.id = cs.city_id "
                        "where cs.survey_id = '%s' and c.region <> '%s' order by c.slug limit 1"
                        % (wave, region.replace("'", "''")))
        pick = ",".join(slugs[:3] + [outsider])
        for stored, listed in ((("region:" + region), ",".join(slugs)), ("", ",".join(members(wave, "1", "1")))):
            if len(listed.split(",")) > 500:
                continue
            q = {"cities": pick, "survey": wave}
            a = get_json("/compare.json?" + urllib.parse.urlencode(dict(q, peers=stored)))
            b = get_json("/compare.json?" + urllib.parse.urlencode(dict(q, peers=listed)))
            a.pop("peers"), b.pop("peers")
            assert a == b, (stored, json.dumps(a)[:400], json.dumps(b)[:400])
            checked += 1
        # the outsider has a value but no rank in the region's cohort
        a = get_json("/compare.json?" + urllib.parse.urlencode({"cities": pick, "survey": wave,
                                                                 "peers": "region:" + region}))
        assert any(v.get(outsider) is not None for v in a["values"].values()), a["values"]
        assert all(v.get(outsider) is None for v in a["ranks"].values()), a["ranks"]
        assert any(v.get(slugs[0]) is not None for v in a["ranks"].values()), a["ranks"]
    assert checked >= 2


def test_rankings_of_stored_cohorts_equal_a_list():
    """/metrics/{id}.json for every city, a region and a country (a statement without a cohort to
    build) against the same cities as a list (the cohort statement): the same ranking."""
    metrics = [m["id"] for m in get_json("/metrics.json")["metrics"]][:4]
    checked = 0
    for wave in ("2020", "2018"):
        for kind, col in (("region", "c.region"), ("country", "c.country"), ("", "1")):
            key = "1" if not kind else psql(
                "select %s from current_submissions cs join cities c on c.id = cs.city_id "
                "where cs.survey_id = '%s' group by 1 having count(*) between 3 and 400 "
                "order by count(*) desc, 1 limit 1" % (col, wave))
            slugs = members(wave, col, key)
            if len(slugs) > 500:
                continue
            stored = "%s:%s" % (kind, key) if kind else ""
            for mid in metrics:
                for city in (slugs[0], "toronto"):
                    q = {"survey": wave, "city": city}
                    a = get_json("/metrics/%s.json?%s" % (mid, urllib.parse.urlencode(dict(q, peers=stored))))
                    b = get_json("/metrics/%s.json?%s" % (mid, urllib.parse.urlencode(dict(q, peers=",".join(slugs)))))
                    a.pop("peers", None), b.pop("peers", None)
                    assert a == b, (mid, wave, stored, city)
                    checked += 1
    assert checked >= 24, checked
