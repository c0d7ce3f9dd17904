"""Issue 18: /compare.json for a stored cohort is written straight from its statement's rows
(compare_json.c), the other answers through compare.c's model.  Both give the same document: the plain
answer is the one with `questions` minus the two members `questions` adds, member for member in the same
order, with the same types (an integer stays an integer); the 404s and 400s stay the model's."""
import json
import urllib.parse

from cb import get, get_json


def doc(path, status=200):
    r = get(path)
    assert r.status == status, (path, r.status, r.body[:300])
    return json.loads(r.body, object_pairs_hook=lambda pairs: pairs, parse_float=lambda s: ("real", float(s)))


def test_the_plain_answer_is_the_models():
    metrics = [m["id"] for m in get_json("/metrics.json")["metrics"]]
    cities = ["toronto"] + [c["slug"] for c in get_json("/cities.json")["cities"][:12] if c["slug"] != "toronto"]
    t = get_json("/cities/toronto.json?survey=2020")
    seen = 0
    for peers in ("", "&peers=" + urllib.parse.quote("region:" + t["city"]["region"]),
                  "&peers=" + urllib.parse.quote("country:" + t["city"]["country"]),
                  "&peers=" + urllib.parse.quote("region:Nowhere")):
        for wave in ("", "&survey=2018", "&survey=2020"):
            for cs, ms in ((cities[:2], metrics[:1]), (cities[:5], metrics[:5]), (cities[:12], [])):
                q = "/compare.json?cities=%s&metrics=%s%s%s" % (",".join(cs), ",".join(ms), peers, wave)
                plain = doc(q)
                model = [kv for kv in doc(q + "&questions=all") if kv[0] not in ("questions", "answers")]
                assert plain == model, q
                assert [kv[0] for kv in plain] == ["survey", "peers", "waves", "cities", "metrics", "values",
                                                   "ranks", "percentiles"]
                seen += 1
    assert seen == 36


def test_unknown_items_and_waves_keep_their_answers():
    c = [x["slug"] for x in get_json("/cities.json")["cities"][:2]]
    r = get("/compare.json?cities=%s,no-such-city" % ",".join(c))
    assert r.status == 404 and b"no-such-city" in r.body
    r = get("/compare.json?cities=%s&metrics=no_such_metric" % ",".join(c))
    assert r.status == 404 and b"no_such_metric" in r.body
    r = get("/compare.json?cities=%s&survey=1999" % ",".join(c))
    assert r.status == 404 and b"1999" in r.body
    r = get("/compare.json?cities=%s&metrics=%s" % (",".join(c), "x" * 300 + "%22"))
    assert r.status == 400
    r = get("/compare.json?cities=%s&questions=" % ",".join(c))
    assert r.status == 200 and b'"questions"' not in r.body
