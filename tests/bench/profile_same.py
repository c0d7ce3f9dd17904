#!/usr/bin/env python3
"""profile_same.py: every city's profile JSON is byte for byte that of a saved run.

    tests/bench/profile_same.py --save FILE BASE      fetch every URL from BASE, keep status and digest
    tests/bench/profile_same.py --against FILE BASE   fetch them again; print each difference; exit 1 if any

For every city: /cities/{slug}.json in English and French (?lang=fr), with survey=2018, 2020 and latest,
and with peers region:, country: (its own) and population:100000-2000000.  Run --save against a stack
of the old binaries, restart it on the new ones (same database), then --against.  An error's request id is masked."""
import hashlib
import json
import re
import sys
import urllib.error
import urllib.parse
import urllib.request


REQUEST_ID = re.compile(rb'"request_id":"[0-9a-f]*"')


def fetch(base, path):
    try:
        with urllib.request.urlopen(base + path, timeout=120) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, REQUEST_ID.sub(b'"request_id":""', e.read())


def urls(base):
    q = urllib.parse.quote
    cities = json.loads(fetch(base, "/cities.json?limit=10000")[1])["cities"]
    out = []
    for c in cities:
        s = "/cities/%s.json" % q(c["slug"])
        out += [s, s + "?lang=fr", s + "?survey=2018", s + "?survey=2020", s + "?survey=latest",
                s + "?lang=fr&survey=latest", s + "?peers=" + q("region:" + (c.get("region") or "")),
                s + "?peers=" + q("country:" + (c.get("country") or "")),
                s + "?lang=fr&peers=" + q("population:100000-2000000")]
    return out


def main(argv):
    if len(argv) != 3 or argv[0] not in ("--save", "--against"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, path, base = argv
    if mode == "--save":
        saved = []
        for u in urls(base):
            st, body = fetch(base, u)
            saved.append([u, st, hashlib.sha256(body).hexdigest()])
        json.dump(saved, open(path, "w"))
        print("saved %d answers (%s)" % (len(saved), ", ".join(
            "%d: %d" % (k, sum(1 for x in saved if x[1] == k)) for k in sorted({x[1] for x in saved}))))
        return 0
    bad = 0
    saved = json.load(open(path))
    for u, st, digest in saved:
        got_st, body = fetch(base, u)
        if got_st != st or hashlib.sha256(body).hexdigest() != digest:
            bad += 1
            print("DIFF %s: %d, was %d" % (u, got_st, st))
    print("%d answers, %d differ" % (len(saved), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
