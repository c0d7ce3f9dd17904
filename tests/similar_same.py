#!/usr/bin/env python3
"""similar_same.py: answers_same.py over the similar cities of every city (or the first LIMIT): the
profile (HTML and JSON, English and French, every wave), /cities/{slug}/similar (HTML and JSON) and
`peers=similar:` (the city list JSON and a ranking).  Same use and same meaning of "same":

    tests/similar_same.py --save DIR BASE      then, after swapping the binaries,
    tests/similar_same.py --against DIR BASE
Environment: SIMILAR_SAME_LIMIT (all cities)."""
import json
import os
import re
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import answers_same  # noqa: E402


def urls(base):
    q = urllib.parse.quote
    get = lambda p: json.loads(answers_same.fetch(base, p)[2])
    cities = get("/cities.json?limit=10000")["cities"]
    metric = get("/metrics.json")["metrics"][0]["id"]
    limit = int(os.environ.get("SIMILAR_SAME_LIMIT", "0")) or len(cities)
    waves = get("/cities/%s.json" % cities[0]["slug"]).get("waves", []) or ["2020"]
    out = []
    for i, c in enumerate(cities[:limit]):
        s = c["slug"]
        for w in waves:
            out += ["/cities/%s.json?survey=%s" % (s, w), "/cities/%s/similar.json?survey=%s&limit=25" % (s, w),
                    "/cities.json?survey=%s&peers=%s" % (w, q("similar:" + s))]
            if i % 4 == 0:
                out += ["/cities/%s?survey=%s" % (s, w), "/cities/%s?survey=%s&lang=fr" % (s, w),
                        "/cities/%s.json?survey=%s&lang=fr" % (s, w), "/cities/%s/similar?survey=%s&lang=fr" % (s, w),
                        "/metrics/%s.json?survey=%s&peers=%s" % (metric, w, q("similar:" + s))]
        out += ["/cities/%s.json" % s, "/cities.json?peers=%s" % q("similar:" + s)]
    return [("GET", u) for u in out]


# A French error page names its request id in French ("Identifiant de la requête : <code>…").
REQUEST_ID_FR = re.compile(rb'(requ\xc3\xaate\xe2\x80\xaf: <code>)[0-9a-f]{16,64}')
english = answers_same.masked


def masked(body):
    return REQUEST_ID_FR.sub(rb"\1<id>", english(body))


if __name__ == "__main__":
    answers_same.urls = urls
    answers_same.masked = masked
    sys.exit(answers_same.main(sys.argv[1:]))
