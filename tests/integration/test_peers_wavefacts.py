"""A peer-group profile's counts are summed in the worker from the wave's facts kept per data version
(cgi/core/wavefacts.c, shared by the workers): they must equal PostgreSQL's count over city_facts for
the same cohort, and move with every write (an upload, a withdrawal: the data version moves, so no
worker ever answers from the facts of an older version).  Each worker is asked (several requests per
check: four workers on the shared stack) so that copies from another worker's build are checked too."""
import json
import os
import urllib.parse

from cb import cli, get_json, new_city, post, psql, token_for_city


def sql_counts(wave, slugs):
    """{code: {answered, counts}} as PostgreSQL counts city_facts' facts of the cities in the wave."""
    if not slugs:
        return {}
    rows = psql("""select x, count(*) from city_facts f join cities c on c.id = f.city_id
        cross join lateral unnest(f.facts) x where f.wave = '{w}' and c.slug = any('{{{s}}}'::text[])
        group by x""".format(w=wave, s=",".join(slugs)))
    out = {}
    for line in rows.splitlines():
        x, n = line.rsplit("|", 1)
        code, eq, opt = x.partition("=")
        q = out.setdefault(code, {"answered": 0, "counts": {}})
        if eq:
            q["counts"][opt] = int(n)
        else:
            q["answered"] = int(n)
    return out


def cohort(wave, peers):
    d = get_json("/cities.json?survey=%s&limit=10000&peers=%s" % (wave, urllib.parse.quote(peers, safe="")))
    return sorted(c["slug"] for c in d["cities"])


def sql_of(wave, slugs):
    """{metric: of}: how many of the cohort's fact rows have a value of each active metric (PostgreSQL)."""
    rows = psql("""select m.id, count(mv.value) from metrics m left join (city_facts f join cities c
        on c.id = f.city_id and f.wave = '{w}' and c.slug = any('{{{s}}}'::text[])
        join metric_values mv on mv.city_id = f.city_id and mv.survey_id = f.survey_id)
        on mv.metric_id = m.id where m.active group by m.id""".format(w=wave, s=",".join(slugs)))
    return dict((line.split("|")[0], int(line.split("|")[1])) for line in rows.splitlines())


def check(slug, peers, wave="2020", times=6):
    """The profile's cohort (found in the worker from the wave's facts since round 2 of the seventh
    session, else in PostgreSQL) is PostgreSQL's: its size, its counts and each metric's `of`."""
    members = cohort(wave, peers)
    want = sql_counts(wave, members)
    of = sql_of(wave, members)
    q = "peers=%s&survey=%s" % (urllib.parse.quote(peers, safe=""), wave)
    for _ in range(times):
        p = get_json("/cities/%s.json?%s" % (slug, q))
        assert p["cohort"] == want, (peers, wave)
        assert p["cohort_size"] == len(members), (peers, wave)
        assert dict((m["id"], m["of"]) for m in p["metrics"]) == of, (peers, wave)
    return want


def test_cohorts_found_in_the_worker_are_postgresqls():
    # every filter the facts decide, alone and joined, and those they do not (a text question's answer,
    # a region not in ASCII): the same cohort either way
    cities = get_json("/cities.json?limit=10000")["cities"]
    some = ",".join(c["slug"] for c in cities[3:11])
    reg = cities[0]["region"]
    for wave in ("2020", "2018", "latest"):
        for peers in ("region:%s" % reg, "region:%s" % reg.lower(), "country:CA", "country:ZZ",
                      "population:-50000", "population:3000000-", "population:100000-100000",
                      "region:%s;answer:dedicated_funding=yes" % reg.upper(),
                      "country:US;population:100000-900000;answered:funding_sources",
                      "answer:funding_sources=municipal_budget;answer:approach=no_such_option",
                      "answer:funding_sources=municipal_budget;similar:toronto",
                      "similar:toronto;population:200000-", "answer:mayor=nobody", "answered:no_such_question",
                      "answer:no_such_question=yes", "region:Ünïcödé land", some, some + ",toronto"):
            check("toronto", peers, wave, times=2)


def upload(slug, tok, answers, wave="2020"):
    r = post("/api/submissions", json.dumps({"city": slug, "survey": wave, "answers": answers}),
             "application/json", tok)
    assert r.status == 201, r
    return r


def test_counts_match_postgresql_for_each_kind_and_wave():
    cities = get_json("/cities.json?limit=10000")["cities"]
    some = ",".join(c["slug"] for c in cities[:7])
    for wave in ("2020", "2018", "latest"):
        for peers in ("answer:dedicated_funding=yes", "answered:funding_sources", "population:100000-900000",
                      some, "similar:toronto", "population:1-2",
                      "answer:dedicated_funding=no;population:100000-5000000"):
            check("toronto", peers, wave, times=2)


def test_counts_follow_uploads_and_withdrawals():
    pop = 410000 + os.getpid() % 30000  # a band of its own on every run against the same database
    slug = new_city("wf", country="NZ", region="Oceania", population=pop)
    tok = token_for_city(slug)
    peers = "population:%d-%d" % (pop, pop)
    check("toronto", peers)  # the city has no version yet: an empty cohort
    upload(slug, tok, {"dedicated_funding": True, "funding_sources": ["municipal_budget", "national_government"],
                       "population": pop})
    got = check("toronto", peers)
    assert got["dedicated_funding"] == {"answered": 1, "counts": {"yes": 1}}, got
    # a cohort reaching past the new city: its counts include the new facts in every worker
    band = "population:400000-450000"
    before = check(slug, band)
    r = upload(slug, tok, {"dedicated_funding": False, "funding_sources": ["regional_government"], "population": pop})
    after = check(slug, band)
    assert after["dedicated_funding"]["counts"].get("no", 0) == \
        before["dedicated_funding"]["counts"].get("no", 0) + 1, (before, after)
    check(slug, "answer:dedicated_funding=no")
    check(slug, peers, "latest")
    cli("submission", "withdraw", str(r.json()["submissions"][0]["id"]))
    back = check(slug, band)
    assert back == before, (before, back)
    check(slug, "answer:dedicated_funding=no")


def test_odd_answers_are_counted_as_postgresql_counts_them():
    # answers that are not choices (numbers, text, lists of an unusual shape) and a question left empty
    slug = new_city("wo", country="NZ", region="Oceania", population=434343)
    tok = token_for_city(slug)
    upload(slug, tok, {"population": 434343, "mayor": "Ünïcödé = Mayor, \"quoted\"", "explicit_strategy": None,
                       "innovation_website": "http://example.org/?a=b", "team1_staff": 0,
                       "funding_sources": ["national_government"]})
    for wave in ("2020", "latest"):
        check(slug, "population:434343-434343", wave)
        check(slug, "answered:mayor", wave)
