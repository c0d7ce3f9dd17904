"""Issue 18: /compare for a stored cohort (every city, a region, a country) at a wave is answered from
probes and stored steps (Q_COMPARE_STORED), with the default wave, the waves and the form's metrics kept
per data version by the worker.  Its ranks, sizes and percentiles are the ranking's, for every city and
peer group; the default wave is the one named; an upload moves them at once, whichever worker answers."""
import json
import urllib.parse

from cb import get, get_json, new_city, post, token_for_city


def compare(cities, metrics, extra=""):
    return get_json("/compare.json?cities=%s&metrics=%s%s" % (",".join(cities), ",".join(metrics), extra))


def test_ranks_and_sizes_are_the_rankings_for_every_stored_cohort():
    metrics = [m["id"] for m in get_json("/metrics.json")["metrics"]][:4]
    cities = ["toronto"] + [c["slug"] for c in get_json("/cities.json")["cities"][:5] if c["slug"] != "toronto"]
    t = get_json("/cities/toronto.json?survey=2020")
    ranked = 0
    for peers in ("", "&peers=" + urllib.parse.quote("region:" + t["city"]["region"]),
                  "&peers=" + urllib.parse.quote("country:" + t["city"]["country"])):
        default = compare(cities, metrics, peers)
        named = compare(cities, metrics, "&survey=" + default["survey"] + peers)
        assert default == named
        for m in default["metrics"]:
            for slug in cities:
                r = get_json("/metrics/%s.json?survey=%s&city=%s&limit=1%s" % (m["id"], default["survey"], slug, peers))
                h = r["highlight"]
                assert default["ranks"][m["id"]][slug] == h.get("rank"), (peers, m["id"], slug)
                assert default["percentiles"][m["id"]][slug] == h.get("percentile"), (peers, m["id"], slug)
                if h.get("in_cohort"):
                    assert m["of"] == h["of"] == r["total"]
                ranked += h.get("rank") is not None
    assert ranked > 0


def test_an_upload_moves_the_ranks_and_sizes_at_once():
    metric = "innovation_staff"
    a = new_city("cv", country="JP", region="Asia")
    before = [compare(["toronto", a], [metric], "&survey=2020") for _ in range(6)]
    assert before[0]["values"][metric][a] is None and before[0]["ranks"][metric][a] is None
    of = before[0]["metrics"][0]["of"]
    answers = {k: v for k, v in get_json("/cities/toronto.json?survey=2020")["answers"].items() if v is not None}
    r = post("/api/submissions", json.dumps({"city": a, "survey": "2020", "answers": answers}),
             "application/json", token_for_city(a))
    assert r.status == 201, r
    for _ in range(6):
        after = compare(["toronto", a], [metric])
        assert after["survey"] == "2020"
        assert after["metrics"][0]["of"] == of + 1
        assert after["values"][metric][a] == after["values"][metric]["toronto"]
        assert after["ranks"][metric][a] == after["ranks"][metric]["toronto"]


def test_unknown_wave_city_and_metric_still_answer_404():
    assert get("/compare.json?cities=toronto,nosuchcityhere&survey=2020").status == 404
    assert get("/compare.json?cities=toronto,toronto2&metrics=no_such_metric&survey=2020").status == 404
    assert get("/compare.json?cities=toronto,aldilmere&survey=1999").status == 404
