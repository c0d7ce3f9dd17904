#!/usr/bin/env python3
"""json_same.py: the ranking JSON of two servers (or of a server and a saved run) is the same document.

    tests/bench/json_same.py --save DIR BASE        fetch the URLs from BASE, save the bodies in DIR
    tests/bench/json_same.py --against DIR BASE     fetch them again from BASE and compare with DIR
    tests/bench/json_same.py BASE_A BASE_B          fetch from both and compare

The URLs: /metrics/{id}.json for every metric, every wave, several peer groups (none, a region, a
country, a population band, a list of slugs) and highlighted cities (none, one in the cohort, one outside
it), plus the CSV twins; then profiles (with and without peers), submissions, compare, the catalogue and
the questionnaires.  Same means: the same status and content type, and JSON documents equal member
by member in the same order, with the same types (an integer stays an integer, a real a real) and reals
equal bit for bit (-0.0 is not 0.0); the text of a number may differ (0.1 for 0.10000000000000001).
Prints one line per difference and a summary; exits 1 when anything differs."""
import json
import os
import struct
import sys
import urllib.parse
import urllib.request


class Real(float):
    """A JSON real (the text had '.' or an exponent), told apart from an integer."""


def parse(body):
    def bad_constant(name):
        raise ValueError("%s is not JSON" % name)
    return json.loads(body, parse_float=Real, parse_int=int, parse_constant=bad_constant,
                      object_pairs_hook=list)


def diff(a, b, path, out):
    if type(a) is not type(b):
        out.append("%s: %s %r vs %s %r" % (path, type(a).__name__, a, type(b).__name__, b))
    elif isinstance(a, list):
        # objects are lists of pairs (object_pairs_hook): order and keys compared too
        if len(a) != len(b):
            out.append("%s: %d vs %d members" % (path, len(a), len(b)))
        for i, (x, y) in enumerate(zip(a, b)):
            if isinstance(x, tuple) and isinstance(y, tuple):
                if x[0] != y[0]:
                    out.append("%s: member %d is %r vs %r" % (path, i, x[0], y[0]))
                diff(x[1], y[1], "%s.%s" % (path, x[0]), out)
            else:
                diff(x, y, "%s[%d]" % (path, i), out)
    elif isinstance(a, Real):
        if struct.pack("<d", a) != struct.pack("<d", b):
            out.append("%s: %r vs %r" % (path, float(a), float(b)))
    elif a != b:
        out.append("%s: %r vs %r" % (path, a, b))
    return out


def fetch(base, path):
    try:
        with urllib.request.urlopen(base + path, timeout=120) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def urls(base):
    q = urllib.parse.quote
    metrics = [m["id"] for m in json.loads(fetch(base, "/metrics.json")[2])["metrics"]]
    cities = json.loads(fetch(base, "/cities.json")[2])["cities"]
    first, out = cities[0], []
    other = next((c for c in cities if c["region"] != first["region"]), cities[-1])
    peers = ["", "region:" + first["region"], "country:" + first["country"], "population:100000-2000000",
             ",".join(c["slug"] for c in cities[:4])]
    for m in metrics:
        head = json.loads(fetch(base, "/metrics/%s.json" % m)[2])
        for w in head.get("waves", []):
            for p in peers:
                for city in ("", first["slug"], other["slug"]):
                    args = [("survey", w)] + ([("peers", p)] if p else []) + ([("city", city)] if city else [])
                    out.append("/metrics/%s.json?%s" % (m, "&".join("%s=%s" % (k, q(v)) for k, v in args)))
        out.append("/metrics/%s.csv" % m)
        out.append("/metrics/%s.json?city=no-such-city-here" % m)
    out.append("/metrics/no_such_metric.json")
    # the other JSON answers, written by reply_json through the same writer
    out += ["/cities.json", "/metrics.json"] + ["/surveys/%s.json" % w for w in head.get("waves", [])]
    for c in cities[:20]:
        out += ["/cities/%s.json" % c["slug"], "/cities/%s/submissions.json" % c["slug"],
                "/cities/%s.json?peers=%s" % (c["slug"], q("region:" + c["region"]))]
    out += ["/compare.json?cities=%s" % ",".join(c["slug"] for c in cities[i:i + 5]) for i in range(0, 20, 5)]
    return out


def main(argv):
    save = against = None
    if len(argv) == 3 and argv[0] == "--save":
        save, bases = argv[1], [argv[2]]
    elif len(argv) == 3 and argv[0] == "--against":
        against, bases = argv[1], [argv[2]]
    elif len(argv) == 2:
        bases = argv
    else:
        print(__doc__, file=sys.stderr)
        return 2
    if save:
        os.makedirs(save, exist_ok=True)
        paths = urls(bases[0])
        with open(os.path.join(save, "urls.json"), "w") as f:
            json.dump(paths, f)
        for i, p in enumerate(paths):
            st, ct, body = fetch(bases[0], p)
            with open(os.path.join(save, "%d.json" % i), "w") as f:
                json.dump({"status": st, "ctype": ct, "body": body.decode("utf-8")}, f)
        print("saved %d answers in %s" % (len(paths), save))
        return 0
    if against:
        paths = json.load(open(os.path.join(against, "urls.json")))
    else:
        paths = urls(bases[0])
    bad = bytes_a = bytes_b = 0
    for i, p in enumerate(paths):
        if against:
            a = json.load(open(os.path.join(against, "%d.json" % i)))
            a = (a["status"], a["ctype"], a["body"].encode("utf-8"))
            b = fetch(bases[0], p)
        else:
            a, b = fetch(bases[0], p), fetch(bases[1], p)
        bytes_a += len(a[2])
        bytes_b += len(b[2])
        problems = []
        if a[0] != b[0] or a[1] != b[1]:
            problems.append("status/type %s %s vs %s %s" % (a[0], a[1], b[0], b[1]))
        elif a[1].startswith("application/json"):
            try:
                da, db = parse(a[2]), parse(b[2])
            except ValueError as e:
                problems.append("not JSON: %s" % e)
            else:
                # the request id of an error differs by nature
                if p.endswith("no_such_metric.json") or "no-such-city" in p:
                    da = db = None
                diff(da, db, "$", problems)
        elif a[2] != b[2]:
            problems.append("bodies differ (%d vs %d bytes)" % (len(a[2]), len(b[2])))
        if problems:
            bad += 1
            print("DIFF %s" % p)
            for x in problems[:5]:
                print("    " + x)
    print("%d URLs, %d differ; %d vs %d bytes" % (len(paths), bad, bytes_a, bytes_b))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
