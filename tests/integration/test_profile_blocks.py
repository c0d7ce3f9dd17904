"""Issue 18, ninth session: a profile's stored metrics (value, rank, of, percentile) and their plugin
versions come from the per-version blocks (the wave's metric values, cgi/core/wavemetrics.c, and the
versions kept per wave) with no statement; CITYBENCH_PROFILE_SQL forces Q_STATS_CITY_METRICS and
Q_CITY_METRIC_VERSIONS.  A second FastCGI server of the same build runs with that switch and every URL
below must be answered byte for byte as the stack answers it (JSON, HTML, French, CSV, both waves, the
default wave, region and country cohorts, a missing wave, unknown cities), then after values written
straight to the table (ties, NaN, a value missing, a second plugin version in a wave), a city with
values but no fact row, an upload, a metric flipped and deactivated, and a plugin recompute."""
import json
import re
import time
import urllib.parse

import test_compare_blocks as tcb
from cb import cli, get, get_json, new_city, post, psql, token_for_city

# a request's id (English and French error pages: the French label is followed by "<code>")
REQUEST_ID = re.compile(rb'(request[_ -]id|Identifiant de la requ\xc3\xaate)((\xe2\x80\xaf)?: <code>)?[^0-9a-f]{0,20}'
                        rb'[0-9a-f]{8,64}', re.I)


def same(srv, urls):
    """Every URL answered alike by the stack (blocks) and the SQL-forced server; the count of 200s."""
    ok = 0
    for u in urls:
        r = get(u)
        st, ct, body = srv.get(u)
        assert (r.status, (r.header("Content-Type") or "").split(";")[0]) == (st, ct.split(";")[0]), (u, r, st, body[:200])
        a, b = (REQUEST_ID.sub(b"", x) for x in (r.body, body))
        at = next((i for i in range(min(len(a), len(b))) if a[i] != b[i]), min(len(a), len(b)))
        assert a == b, (u, a[max(0, at - 200):at + 200], b[max(0, at - 200):at + 200])
        ok += r.status == 200
    return ok


class ProfileSqlServer(tcb.SqlServer):
    """citybench-fcgi with CITYBENCH_PROFILE_SQL=1 (and any `extra` environment) on a socket of its own."""

    def __init__(self, **extra):
        super().__init__(env=dict(extra, CITYBENCH_PROFILE_SQL="1"), prefix="cb-profsql.")


def urls_for(slugs, region, country):
    out = []
    for s in slugs:
        for wave in ("", "?survey=2018", "?survey=2020", "?survey=1999"):
            for peers in ("", "peers=region:" + urllib.parse.quote(region), "peers=country:" + country,
                          "peers=country:ZZ"):
                q = wave + (("&" if wave else "?") + peers if peers else "")
                out.append("/cities/%s.json%s" % (s, q))
        out += ["/cities/%s" % s, "/cities/%s?lang=fr&survey=2018" % s, "/cities/%s.csv" % s,
                "/cities/%s?peers=region:%s" % (s, urllib.parse.quote(region))]
    out += ["/cities/no-such-city.json", "/cities/%3Cb%3E.json", "/cities/toronto.json?survey=latest"]
    return out


def context(extra=()):
    cities = [c["slug"] for c in get_json("/cities.json?survey=2020&limit=10000")["cities"]]
    older = [c["slug"] for c in get_json("/cities.json?survey=2018&limit=10000")["cities"] if c["slug"] not in cities]
    picked = ["toronto"] + [s for s in cities[::23] if s != "toronto"][:5] + older[:2] + list(extra)
    t = get_json("/cities/toronto.json?survey=2020")["city"]
    return picked, t["region"], t["country"]


def test_blocks_answer_as_the_statements():
    srv = ProfileSqlServer()
    try:
        cities, region, country = context()
        assert same(srv, urls_for(cities, region, country)) > 60
    finally:
        srv.stop()


def settle():
    """Waits until the stack's workers answer at the database's data version (they learn of a new one
    through LISTEN, so a request right after a write may still read the version before: its blocks are
    those of that version while the statements read the new rows).  The ETag carries the version."""
    want = '"v%s-' % psql("select version from data_version")
    seen = 0
    for _ in range(2000):
        seen = seen + 1 if (get("/cities/toronto.json").header("ETag") or "").startswith(want) else 0
        if seen >= 12:
            return
    raise AssertionError("the workers did not learn of version " + want)


def upload(slug, answers, wave="2020"):
    r = post("/api/submissions", json.dumps({"city": slug, "survey": wave, "answers": answers}),
             "application/json", token_for_city(slug))
    assert r.status == 201, r


def test_after_writes():
    srv = ProfileSqlServer()
    metrics = [m["id"] for m in get_json("/metrics.json")["metrics"]]
    slugs = [new_city("pb", country="NZ", region="Oceania") for _ in range(3)]
    for i, s in enumerate(slugs):
        upload(s, {"dedicated_funding": i % 2 == 0, "population": 300000 + i,
                   "funding_sources": ["municipal_budget"]})
    stray = new_city("ps", country="NZ", region="Oceania")  # values, but no submission: no fact row
    ids = ",".join("'%s'" % s for s in slugs)
    m = metrics[0]
    base = slugs + ["toronto", stray]

    def check():
        settle()
        same(srv, [u for u in urls_for(base, "Oceania", "NZ") if "1999" not in u])
    try:
        check()
        psql("""insert into metric_values (metric_id, survey_id, city_id, value, plugin_version)
            select m.id, '2020', c.id, case when c.slug = '{n}' and m.id = '{m}' then 'NaN'::float8
            when m.id = '{m}' then 5 else c.id % 3 end, 'test' from metrics m, cities c
            where m.active and c.slug in ({i})
            on conflict (metric_id, survey_id, city_id) do update set value = excluded.value,
            plugin_version = excluded.plugin_version;
            select bump_data_version()""".format(i=ids, m=m, n=slugs[2]))
        check()
        psql("""delete from metric_values mv using cities c where c.id = mv.city_id and c.slug = '{s}'
            and mv.survey_id = '2020' and mv.metric_id = '{m}'; select bump_data_version()""".format(s=slugs[1], m=m))
        check()
        psql("""insert into metric_values (metric_id, survey_id, city_id, value, plugin_version)
            select '{m}', '2020', c.id, 1, 'test' from cities c where c.slug = '{s}';
            select bump_data_version()""".format(s=stray, m=m))
        check()
        psql("delete from metric_values mv using cities c where c.id = mv.city_id and c.slug = '%s'; "
             "select bump_data_version()" % stray)
        upload(slugs[1], {"dedicated_funding": True, "population": 300009, "funding_sources": ["municipal_budget"]})
        check()
        h = metrics[1]
        psql("update metrics set higher_is_better = not higher_is_better where id = '%s'; "
             "select bump_data_version()" % h)
        check()
        psql("update metrics set active = false where id = '%s'; select bump_data_version()" % h)
        check()
        psql("update metrics set active = true, higher_is_better = not higher_is_better where id = '%s'; "
             "select bump_data_version()" % h)
    finally:
        cli("plugins", "reload")  # the plugins' values again (a recompute)
        srv.stop()
    srv = ProfileSqlServer()
    try:
        check()
    finally:
        srv.stop()


def test_city_rows():
    """The city's row and waves from the rows kept per data version (Q_PROFILE_CITY_ROWS): a city added,
    one without a wave, renamed and placed and its language set, a wave added by an upload, a city
    unknown: every answer as the statements give it."""
    srv = ProfileSqlServer()
    try:
        fresh = new_city("pr", country="NZ", region="Oceania")  # no wave yet
        waves = new_city("pw", country="NZ", region="Oceania")
        upload(waves, {"dedicated_funding": True, "population": 310000, "funding_sources": ["municipal_budget"]})
        base = [fresh, waves, "toronto", "no-such-city-" + fresh]

        def check():
            settle()
            assert same(srv, [u for u in urls_for(base, "Oceania", "NZ") if "1999" not in u]) > 20
        check()
        assert get("/cities/%s.json" % fresh).status == 200
        assert get("/cities/no-such-city-%s.json" % fresh).status == 404
        cli("city", "edit", fresh, "--name", "Renamed <b>&amp;", "--population", "123456",
            "--lat", "-41.2865", "--lon", "174.7762", "--lang", "fr")
        check()
        assert get_json("/cities/%s.json" % fresh)["city"]["name"] == "Renamed <b>&amp;"
        upload(waves, {"dedicated_funding": False, "population": 320000, "funding_sources": ["municipal_budget"]},
               wave="2018")
        upload(fresh, {"dedicated_funding": False, "population": 330000, "funding_sources": ["municipal_budget"]})
        check()
        assert get_json("/cities/%s.json" % waves)["waves"] == ["2018", "2020"]
    finally:
        srv.stop()


def test_trend_from_blocks():
    """The HTML profile's metrics over time (profile_blocks_trend, not Q_PROFILE_TREND) as the statement
    gives them, for cities of both waves (the section shown) and of one (no section), in both languages."""
    srv = ProfileSqlServer()
    try:
        both = [c["slug"] for c in get_json("/cities.json?survey=2018&limit=10000")["cities"]]
        in2020 = {c["slug"] for c in get_json("/cities.json?survey=2020&limit=10000")["cities"]}
        both = [s for s in both if s in in2020][::7][:8]
        one = [s for s in in2020 if s not in set(both)][:2]
        urls = ["/cities/%s%s" % (s, q) for s in both + one for q in ("", "?lang=fr", "?survey=2018")]
        assert same(srv, urls) >= len(urls) - len(one)  # a 2020-only city's ?survey=2018: a 404 each
        shown = sum(b'id="over-time"' in get("/cities/%s" % s).body for s in both)
        assert shown >= 1, "no compared page had the metrics over time"
    finally:
        srv.stop()
