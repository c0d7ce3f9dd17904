#!/usr/bin/env python3
"""peers_same.py: answers_same.py over peer groups of every kind (population, list, answer, answered,
similar and their combinations, `survey=latest` too) on every page that takes `peers`: profiles (HTML
and JSON), /cities, rankings, the map and compare.  Same use and same meaning of "same":

    tests/peers_same.py --save DIR BASE      then, after swapping the binaries,
    tests/peers_same.py --against DIR BASE

JSON answers equal but for the order of an object's members are counted apart (see against())."""
import json
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import answers_same  # noqa: E402


def urls(base):
    q = urllib.parse.quote
    get = lambda p: json.loads(answers_same.fetch(base, p)[2])
    metrics = [m["id"] for m in get("/metrics.json")["metrics"]]
    cities = get("/cities.json?limit=10000")["cities"]
    toronto = next((c for c in cities if c["slug"] == "toronto"), cities[0])
    first, last = cities[0], cities[-1]
    prof = get("/cities/%s.json" % toronto["slug"])
    waves = prof.get("waves", ["2020"])
    peers = ["population:100000-2000000", "population:-50000", "population:3000000-",
             ",".join(c["slug"] for c in cities[:6]), ",".join(c["slug"] for c in cities[-3:]) + ",toronto",
             "similar:toronto", "similar:%s" % first["slug"], "similar:no-such-city",
             "region:%s;population:100000-900000" % first["region"].lower(),
             "country:%s;similar:toronto" % toronto["country"], "answered:population",
             "population:1-99999999999;answered:mayor", "region:%s" % first["region"], "country:%s" % last["country"],
             "region:%s;answer:dedicated_funding=yes" % first["region"].upper(), "population:-50000;country:CA"]
    shown = 0
    for code, c in sorted(prof["cohort"].items()):
        opts = sorted(c["counts"])
        if not opts or shown >= 6:
            continue
        shown += 1
        peers += ["answer:%s=%s" % (code, opts[0]), "answered:%s" % code,
                  "answer:%s=%s;population:200000-" % (code, opts[-1]),
                  "answer:%s=%s;answer:%s=%s" % (code, opts[0], code, opts[-1])]
    peers += ["answer:population=2800000", "answer:mayor=nobody", "answer:no_such_code=yes"]
    out = []
    for p in peers:
        for w in waves + ["latest"]:
            args = "survey=%s&peers=%s" % (w, q(p))
            for c in (toronto, first, last):
                out += ["/cities/%s.json?%s" % (c["slug"], args)]
            out += ["/cities/%s?%s" % (toronto["slug"], args), "/cities/%s?%s&lang=fr" % (last["slug"], args),
                    "/cities.json?%s" % args,
                    "/cities?%s" % args, "/map.json?%s" % args,
                    "/metrics/%s.json?%s&city=toronto" % (metrics[0], args),
                    "/compare.json?cities=toronto,%s&%s" % (first["slug"], args)]
    for c in (toronto, first, last):
        for w in waves:
            out += ["/cities/%s/similar.json?survey=%s" % (c["slug"], w),
                    "/cities/%s/similar?survey=%s&limit=25" % (c["slug"], w)]
    return [("GET", u) for u in out]


def against(d, base):
    """Bytes compared as answers_same.py does; a JSON answer that differs only in the order of an
    object's members (the cohort counts came out in a hash aggregate's order before city_facts) is
    counted apart, as "same but for member order"."""
    reqs = json.load(open(os.path.join(d, "urls.json")))
    bad = order = 0
    for i, (m, p) in enumerate(reqs):
        head = json.load(open(os.path.join(d, "%d.head" % i)))
        body = open(os.path.join(d, "%d.body" % i), "rb").read()
        st, ct, got = answers_same.fetch(base, p, m)
        got = answers_same.masked(got)
        if (st, ct) == (head["status"], head["ctype"]) and got == body:
            continue
        if (st, ct) == (head["status"], head["ctype"]) and ct.startswith("application/json"):
            try:
                if json.loads(got) == json.loads(body):
                    order += 1
                    continue
            except ValueError:
                pass
        bad += 1
        print("DIFF %s %s: %s %d bytes, was %s %d bytes" % (m, p, st, len(got), head["status"], len(body)))
    print("%d requests, %d differ, %d the same but for the order of members" % (len(reqs), bad, order))
    return 1 if bad else 0


if __name__ == "__main__":
    answers_same.urls = urls
    if len(sys.argv) == 4 and sys.argv[1] == "--against":
        sys.exit(against(sys.argv[2], sys.argv[3]))
    sys.exit(answers_same.main(sys.argv[1:]))
