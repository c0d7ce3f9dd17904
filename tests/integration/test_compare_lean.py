"""Issue 18, eighth session: compare_stored() (migration 026) reads the cells' values in one scan of the
cities' values and probes each city and each asked metric once.  Its answers must stay those of the
rankings and of 019's statement: every value and rank here is checked against the metric's ranking JSON
of the same cohort and wave, including the cells 026 changed how it finds (a city outside the cohort, a
city without a value in the wave, every active metric when none is asked, a metric asked twice), and the
hostile inputs keep their answers."""
import urllib.parse

from cb import get, get_json


def ranking(metric, wave, peers=""):
    """{slug: (value, rank)} and the cohort's size, from the metric's ranking JSON (every page)."""
    out, of, offset = {}, None, 0
    while True:
        d = get_json("/metrics/%s.json?survey=%s&limit=1000&offset=%d%s" % (metric, wave, offset, peers))
        for row in d["values"]:
            out[row["city"]] = (row["value"], row["rank"])
        of = d.get("total", len(out))
        if not d.get("next"):
            return out, of
        offset += 1000


def check(cities, metrics, wave, peers=""):
    q = "/compare.json?cities=%s&survey=%s%s" % (",".join(cities), wave, peers)
    if metrics is not None:
        q += "&metrics=" + ",".join(metrics)
    d = get_json(q)
    assert [c["slug"] for c in d["cities"]] == cities, q
    for m in d["metrics"]:
        r, of = ranking(m["id"], wave, peers)
        assert m["of"] == of, (q, m["id"])
        for s in cities:
            if s in r:
                check.ranked += 1
                assert d["values"][m["id"]][s] == r[s][0], (q, m["id"], s)
                assert d["ranks"][m["id"]][s] == r[s][1], (q, m["id"], s)
            else:   # outside the cohort or no value: a value may show, never a rank
                assert d["ranks"][m["id"]][s] is None, (q, m["id"], s)
    return d


check.ranked = 0


def test_values_and_ranks_are_the_rankings():
    every = [c["slug"] for c in get_json("/cities.json")["cities"]]
    metrics = [m["id"] for m in get_json("/metrics.json")["metrics"]]
    t = get_json("/cities/toronto.json?survey=2020")["city"]
    cities = ["toronto"] + [s for s in every[::17] if s != "toronto"][:4]
    for wave in ("2018", "2020"):
        d = check(cities, None, wave)
        assert [m["id"] for m in d["metrics"]] == metrics   # none asked: every active one, in order
        check(cities, list(reversed(metrics[:5])), wave)
        check(cities, metrics[:3], wave, "&peers=" + urllib.parse.quote("region:" + t["region"]))
        check(cities, metrics[:3], wave, "&peers=country:" + t["country"])
    assert check.ranked > 50


def test_a_metric_asked_twice_and_a_city_twice_are_one():
    every = [c["slug"] for c in get_json("/cities.json")["cities"]]
    m = get_json("/metrics.json")["metrics"][0]["id"]
    a = get("/compare.json?cities=%s,%s,%s&metrics=%s,%s&survey=2020" % (every[1], every[2], every[1], m, m))
    b = get("/compare.json?cities=%s,%s&metrics=%s&survey=2020" % (every[1], every[2], m))
    assert a.status == 200 and a.body == b.body


def test_hostile_lists_keep_their_answers():
    every = [c["slug"] for c in get_json("/cities.json")["cities"]]
    m = get_json("/metrics.json")["metrics"][0]["id"]
    for q, status in (("cities=%s,%s&metrics=%s'%%3B--" % (every[0], every[1], m), 400),
                      ("cities=%s,%s&metrics=%s,%%7Bx%%7D" % (every[0], every[1], m), 400),
                      ("cities=%s,%s%%2C%%22%%7D&metrics=%s" % (every[0], every[1], m), 400),
                      ("cities=%s,%s&metrics=no_such_metric" % (every[0], every[1]), 404),
                      ("cities=%s,no-such-city&metrics=%s" % (every[0], m), 404),
                      ("cities=%s,%s&metrics=%s&survey=1999" % (every[0], every[1], m), 404),
                      ("cities=%s,%s&metrics=%s&peers=country:ZZ" % (every[0], every[1], m), 200)):
        r = get("/compare.json?" + q)
        assert r.status == status, (q, r.status, r.body[:200])
