"""Issue 18, tenth session: a profile against a list of cities or similar:SLUG sends no statement of its
own: the list's first unknown slug (the contract's 404 naming it) and similar:SLUG's city and latest
wave are told from the city rows kept per data version (profile_blocks_city_kept), and a peer
cohort's metrics' plugin versions from the wave's kept versions.  CITYBENCH_PROFILE_SQL forces the
statements (Q_PEERS_UNKNOWN_SLUG, Q_SIMILAR_CITY_WAVE, Q_CITY_METRIC_VERSIONS): a second FastCGI server
of the same build runs with it, and every URL below must be answered byte for byte alike (HTML, JSON,
French, waves, unknown slugs, duplicates, the city in its own list, a list over the maximum, odd case,
empty items, bad slugs), then after a city is added (no wave yet), answers, and a second plugin version
of a metric in the wave."""
import json
import urllib.parse

from test_profile_blocks import ProfileSqlServer, same, settle, upload
from cb import cli, error_of, get, get_json, new_city, psql

q = urllib.parse.quote


def urls(slugs, extra=()):
    a, b, c = slugs[0], slugs[1], slugs[len(slugs) // 2]
    lists = ["%s,%s,%s" % (a, b, c), "%s,no-such-city,%s" % (a, b), "nope-1,nope-2", "%s,%s,%s,%s" % (a, a, b, a),
             "toronto,%s,%s" % (a, b), " %s , %s " % (a, b), "%s,%s" % (a.upper(), b), ",".join(slugs[:8]),
             ",".join(slugs[:8]) + ",zz-unknown", "%s,,%s," % (a, b), "%s,bad_slug" % a, "toronto",
             ",".join("x%d" % i for i in range(501))] + list(extra)
    sims = ["similar:toronto", "similar:%s" % a, "similar:no-such-city", "similar:TORONTO",
            "similar:toronto;similar:%s" % a, "similar:toronto;country:CA", "similar:"] + \
        ["similar:%s" % s for s in extra]
    out = []
    for city in ("toronto", c):
        for p in lists + sims:
            for suffix, more in (("", ""), (".json", ""), ("", "&lang=fr"), ("", "&survey=2018"),
                                 (".json", "&survey=latest"), ("", "&survey=1999")):
                out.append("/cities/%s%s?peers=%s%s" % (city, suffix, q(p), more))
    out += ["/cities/no-such-city?peers=toronto", "/cities?peers=%s" % q(lists[1]),
            "/cities.json?peers=similar:toronto", "/cities/toronto/similar"]
    return out


def slugs_of():
    return [c["slug"] for c in get_json("/cities.json?survey=2020&limit=10000")["cities"]]


def test_list_and_similar_answer_as_the_statements():
    srv = ProfileSqlServer()
    try:
        assert same(srv, urls(slugs_of())) > 40
    finally:
        srv.stop()


def test_unknown_slug_errors():
    """The contract's errors, as the kept rows tell them: the first unknown slug of the list is named."""
    s = slugs_of()
    e = error_of(get("/cities/toronto.json?peers=%s,zz-none-1,zz-none-2" % s[0]), 404)
    assert "zz-none-1" in e["message"] and "zz-none-2" not in e["message"], e
    e = error_of(get("/cities/toronto.json?peers=similar:zz-none-3"), 404)
    assert "zz-none-3" in e["message"], e
    r = get("/cities/toronto?peers=%s,zz-none-4" % s[0])
    assert r.status == 404 and b"zz-none-4" in r.body, r
    error_of(get("/cities/toronto.json?peers=" + ",".join("x%d" % i for i in range(501))), 400)
    error_of(get("/cities/toronto.json?peers=TORONTO,%s" % s[0]), 400)	# slugs are lower case
    assert get("/cities/toronto.json?peers=toronto,%s,%s" % (s[0], s[0])).status == 200


def test_after_a_city_is_added():
    """A city added after the rows were kept is in the list and similar:SLUG at once (a new data
    version), before and after it answers, and with a second plugin version in the wave."""
    srv = ProfileSqlServer()
    try:
        get("/cities/toronto?peers=toronto")	# the rows of the current version kept
        fresh = new_city("lk", country="NZ", region="Oceania")
        settle()
        r = get_json("/cities/toronto.json?peers=%s,toronto" % fresh)
        assert r["cohort_size"] >= 0
        assert get("/cities/toronto.json?peers=similar:%s" % fresh).status == 200
        same(srv, urls(slugs_of(), [fresh]))
        upload(fresh, {"dedicated_funding": True, "population": 310000, "funding_sources": ["municipal_budget"]})
        settle()
        same(srv, urls(slugs_of(), [fresh]))
        m = get_json("/metrics.json")["metrics"][0]["id"]
        psql("""insert into metric_values (metric_id, survey_id, city_id, value, plugin_version)
            select '{m}', '2020', c.id, 7, 'test-2' from cities c where c.slug = '{s}'
            on conflict (metric_id, survey_id, city_id) do update set value = excluded.value,
            plugin_version = excluded.plugin_version; select bump_data_version()""".format(m=m, s=fresh))
        settle()
        same(srv, [u for u in urls(slugs_of(), [fresh]) if "toronto?" in u or fresh in u])
    finally:
        srv.stop()


def test_similar_section_is_the_cohorts_first():
    """A page against similar:SLUG keeps the 10 cities most like SLUG and shows the first 5 of them in its
    similar section: the same 5 a page without peers computes afresh (another city asked in between)."""
    s = slugs_of()
    for i, city in enumerate(["toronto"] + s[::97][:6]):
        other = s[(i * 31 + 7) % len(s)]
        for wave in ("", "&survey=2018"):
            get_json("/cities/%s.json?survey=2020" % other)
            r = get("/cities/%s.json?x=1%s" % (city, wave))
            if r.status == 404:	# no answers in that wave
                continue
            fresh = r.json().get("similar")
            kept = get_json("/cities/%s.json?peers=similar:%s%s" % (city, city, wave)).get("similar")
            again = get_json("/cities/%s.json?peers=similar:%s%s" % (city, city, wave)).get("similar")
            assert fresh == kept == again, (city, wave, fresh, kept)
