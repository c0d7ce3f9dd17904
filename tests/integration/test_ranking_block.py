"""The whole-cohort ranking of /metrics/{id}.json and .csv (no peer filter) is cut in the worker from the
wave's ranking block (cgi/core/rankblock.c, kept per data version and shared by the workers): it must be
PostgreSQL's ranking (the same cohort given as a list of slugs still ranks in SQL: the same rows, ranks,
percentiles, summary and histogram), page by offset and limit with the same next links, highlight a city
outside the page, move at once with an upload and a withdrawal, and answer hostile parameters as before.
Each check asks several times: four workers on the shared stack, copies of another worker's build too."""
import json
import os
import urllib.parse

from cb import cli, get, get_json, new_city, post, psql, token_for_city


def waves():
    return get_json("/metrics/explicit_strategy.json")["waves"]


def metrics():
    return [m["id"] for m in get_json("/metrics.json")["metrics"]]


def sql_ranking(mid, wave):
    """[(slug, name, value text, rank)] as PostgreSQL ranks the metric's values in the wave."""
    rows = psql("""select c.slug, c.name, mv.value, rank() over (order by case when m.higher_is_better
        then -mv.value else mv.value end) as rk from metric_values mv join metrics m on m.id = mv.metric_id
        join cities c on c.id = mv.city_id where mv.metric_id = '{m}' and mv.survey_id = '{w}'
        order by rk, c.name collate "C", c.slug collate "C" """.format(m=mid, w=wave))
    out = []
    for line in rows.splitlines():
        slug, rest = line.split("|", 1)
        name, value, rank = rest.rsplit("|", 2)
        out.append((slug, name, float(value), int(rank)))
    return out


def rows(d):
    return [(o["city"], o["name"], o["value"], o["rank"]) for o in d["values"]]


def test_every_metric_and_wave_is_postgresqls_ranking():
    seen = 0
    for wave in waves():
        for mid in metrics():
            want = sql_ranking(mid, wave)
            for _ in range(3):
                d = get_json("/metrics/%s.json?survey=%s&limit=10000" % (mid, wave))
                assert rows(d) == want, (mid, wave)
                assert d["total"] == len(want) and d["summary"]["n"] == len(want), (mid, wave)
                n = len(want)
                assert [o["percentile"] for o in d["values"]] == [100.0 * (n - r + 1) / n for *_, r in want]
            seen += len(want)
    assert seen > 100, seen


def test_the_same_cohort_ranked_in_sql_answers_alike():
    # the cities with values given as a list: a filtered cohort, ranked by PostgreSQL as before
    for wave in waves():
        for mid in metrics()[:4]:
            full = get_json("/metrics/%s.json?survey=%s&limit=10000" % (mid, wave))
            slugs = sorted(o["city"] for o in full["values"])
            if not slugs or len(slugs) > 500:
                continue
            hl = full["values"][len(slugs) // 2]["city"]
            d = get_json("/metrics/%s.json?survey=%s&limit=10000&city=%s" % (mid, wave, hl))
            q = get_json("/metrics/%s.json?survey=%s&limit=10000&city=%s&peers=%s"
                         % (mid, wave, hl, urllib.parse.quote(",".join(slugs), safe="")))
            for k in ("values", "total", "summary", "histogram", "highlight", "metric", "survey", "waves"):
                assert d[k] == q[k], (mid, wave, k)
            assert list(d) == list(q), (mid, wave)


def test_pages_join_into_the_whole_ranking_and_next_links_follow():
    mid, wave = metrics()[0], waves()[-1]
    full = get_json("/metrics/%s.json?survey=%s&limit=10000" % (mid, wave))
    got, path = [], "/metrics/%s.json?survey=%s&limit=7" % (mid, wave)
    while path:
        d = get_json(path)
        assert d["total"] == full["total"] and d["summary"] == full["summary"], path
        assert d["histogram"] == full["histogram"], path
        got += d["values"]
        path = d["next"]
    assert got == full["values"]
    past = get_json("/metrics/%s.json?survey=%s&limit=5&offset=%d" % (mid, wave, full["total"] + 3))
    assert past["values"] == [] and past["next"] is None and past["total"] == full["total"]
    c = get("/metrics/%s.csv?survey=%s&limit=3&offset=2" % (mid, wave))
    lines = c.body.decode("utf-8").strip().split("\r\n")
    assert lines[0] == "rank,city,name,value" and len(lines) == 4, lines
    assert [line.split(",")[1] for line in lines[1:]] == [o["city"] for o in full["values"][2:5]]


def test_a_highlighted_city_outside_the_page():
    mid, wave = metrics()[1], waves()[-1]
    full = get_json("/metrics/%s.json?survey=%s&limit=10000" % (mid, wave))
    last = full["values"][-1]
    for _ in range(4):
        d = get_json("/metrics/%s.json?survey=%s&limit=2&city=%s" % (mid, wave, last["city"]))
        h = d["highlight"]
        assert last["city"] not in [o["city"] for o in d["values"]]
        assert h["in_cohort"] is True and h["rank"] == last["rank"] and h["of"] == full["total"], h
        assert h["value"] == last["value"] and h["percentile"] == last["percentile"], h
        assert (h["lat"], h["lon"], h["synthetic"]) == (last["lat"], last["lon"], last["synthetic"]), h
    # a city without a value in the wave: outside the cohort, as before
    slug = new_city("rkx")
    d = get_json("/metrics/%s.json?survey=%s&limit=2&city=%s" % (mid, wave, slug))
    assert d["highlight"]["in_cohort"] is False and d["highlight"]["rank"] is None, d["highlight"]


def upload(slug, tok, answers, wave):
    r = post("/api/submissions", json.dumps({"city": slug, "survey": wave, "answers": answers}),
             "application/json", tok)
    assert r.status == 201, r
    return r


def test_an_upload_moves_the_ranking_at_once():
    wave = "2020"
    pop = 430000 + os.getpid() % 20000
    slug = new_city("rk", country="NZ", region="Oceania", population=pop)
    tok = token_for_city(slug)
    before = {}
    for mid in metrics():
        before[mid] = get_json("/metrics/%s.json?survey=%s&limit=10000" % (mid, wave))["total"]
    r = upload(slug, tok, {"population": pop, "explicit_strategy": True, "dedicated_funding": True,
                           "funding_sources": ["municipal_budget", "national_government"]}, wave)
    moved = 0
    for mid in metrics():
        want = sql_ranking(mid, wave)
        for _ in range(4):  # no eventually: the write's reply comes after every worker can see it
            d = get_json("/metrics/%s.json?survey=%s&limit=10000" % (mid, wave))
            assert rows(d) == want, mid
        if slug in [o["city"] for o in d["values"]]:
            moved += 1
            assert d["total"] == before[mid] + 1, mid
            h = get_json("/metrics/%s.json?survey=%s&limit=1&city=%s" % (mid, wave, slug))["highlight"]
            assert h["in_cohort"] is True, h
    assert moved > 0, "the upload gave the city values"
    cli("submission", "withdraw", str(r.json()["submissions"][0]["id"]))
    for mid in metrics():
        for _ in range(4):
            d = get_json("/metrics/%s.json?survey=%s&limit=10000" % (mid, wave))
            assert slug not in [o["city"] for o in d["values"]], mid
            assert d["total"] == before[mid], mid


def sql_summary(mid, wave):
    """The summary and histogram of the whole cohort ranked by PostgreSQL (the same cities as a list)."""
    full = get_json("/metrics/%s.json?survey=%s&limit=10000" % (mid, wave))
    slugs = sorted(o["city"] for o in full["values"])
    if not slugs or len(slugs) > 500:
        return None, full
    q = get_json("/metrics/%s.json?survey=%s&limit=1&peers=%s"
                 % (mid, wave, urllib.parse.quote(",".join(slugs), safe="")))
    return q, full


def test_the_summary_kept_per_ranking_follows_each_version():
    # v-rank2: each worker keeps a ranking's summary and histogram per (version, wave, metric): every
    # page and highlight of it has PostgreSQL's, and an upload (a new version) moves them at once
    wave = "2020"
    for mid in metrics():
        q, full = sql_summary(mid, wave)
        if q is None:
            continue
        for i in range(6):
            d = get_json("/metrics/%s.json?survey=%s&limit=3&offset=%d&city=%s"
                         % (mid, wave, i, full["values"][i % len(full["values"])]["city"]))
            assert d["summary"] == q["summary"] and d["histogram"] == q["histogram"], (mid, i)
    pop = 450000 + os.getpid() % 20000
    slug = new_city("rks", country="NZ", region="Oceania", population=pop)
    r = upload(slug, token_for_city(slug), {"population": pop, "explicit_strategy": True,
                                            "dedicated_funding": True}, wave)
    moved = 0
    for mid in metrics():
        q, full = sql_summary(mid, wave)
        if q is None or slug not in [o["city"] for o in full["values"]]:
            continue
        moved += 1
        for _ in range(4):
            d = get_json("/metrics/%s.json?survey=%s&limit=2&city=%s" % (mid, wave, slug))
            assert d["summary"] == q["summary"] and d["histogram"] == q["histogram"], mid
            assert d["summary"]["n"] == full["total"], mid
    assert moved > 0, "the upload gave the city values"
    cli("submission", "withdraw", str(r.json()["submissions"][0]["id"]))
    for mid in metrics()[:3]:
        q, full = sql_summary(mid, wave)
        if q is None:
            continue
        for _ in range(4):
            d = get_json("/metrics/%s.json?survey=%s&limit=2" % (mid, wave))
            assert d["summary"] == q["summary"] and d["histogram"] == q["histogram"], mid


def test_hostile_parameters_answer_as_before():
    mid = metrics()[0]
    for q, status in (("limit=0", 400), ("limit=-1", 400), ("limit=abc", 400), ("limit=10001", 400),
                      ("offset=-5", 400), ("offset=1e3", 400), ("city=..%2Fetc", 400), ("city=NoSuch", 400),
                      ("city=no-such-city-xyz", 400), ("survey=1999", 404), ("survey=%27", 400),
                      ("limit=99999999999999999999", 400), ("city=%00", 400)):
        r = get("/metrics/%s.json?%s" % (mid, q))
        assert r.status == status, (q, r.status, r.body[:200])
        assert r.header("Content-Type").startswith("application/json"), q
    assert get("/metrics/no_such_metric.json").status == 404
    assert get("/metrics/%s.json?limit=1&offset=%d" % (mid, 10 ** 6)).status in (200, 400)
