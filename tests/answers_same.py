#!/usr/bin/env python3
"""answers_same.py: a server's answers are byte for byte those of a saved run (a behaviour-neutral change).

    tests/answers_same.py --save DIR BASE      fetch every URL from BASE, save status, type and body in DIR
    tests/answers_same.py --against DIR BASE   fetch them again from BASE; print each difference; exit 1 if any

Run --save against a stack started from the old binaries, swap the binaries (same database, so the
timestamps of versions are the same), then --against.  The URLs cover every page in its HTML, JSON, CSV
and SVG forms: the home page, the catalogues, profiles with and without peers, versions, compare,
metrics for every wave and several peer groups and highlights, questionnaires, templates, bulk data,
the guide and upload form, and errors (404, 405, 400).  Only the request id of an error differs by
nature: it is masked before comparing.  Same means same status, same Content-Type and the same bytes."""
import hashlib
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

REQUEST_ID = re.compile(rb'((?:request[_ -]id|Identifiant de la requ\xc3\xaate\xe2\x80\xaf)(?:":"|: <code>|: ))'
                        rb'[0-9a-f]{16,64}', re.I)


def fetch(base, path, method="GET"):
    req = urllib.request.Request(base + path, method=method)
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def masked(body):
    return REQUEST_ID.sub(rb"\1<id>", body)


def urls(base):
    q = urllib.parse.quote
    metrics = [m["id"] for m in json.loads(fetch(base, "/metrics.json")[2])["metrics"]]
    cities = json.loads(fetch(base, "/cities.json?limit=10000")[2])["cities"]
    toronto = next((c for c in cities if c["slug"] == "toronto"), cities[0])
    first = cities[0]
    other = next((c for c in cities if c["region"] != first["region"]), cities[-1])
    waves = json.loads(fetch(base, "/metrics/%s.json" % metrics[0])[2]).get("waves", ["2020"])
    peers = ["", "region:" + first["region"], "country:" + first["country"], "population:100000-2000000",
             ",".join(c["slug"] for c in cities[:4])]
    out = ["/", "/cities", "/cities.json", "/cities.csv", "/metrics", "/metrics.json", "/metrics.csv",
           "/data", "/guide", "/upload", "/healthz", "/compare", "/compare?cities=toronto",
           "/cities?q=toronto", "/cities?q=TORONTO%20", "/cities?region=" + q(first["region"]),
           "/cities.json?country=" + q(first["country"]), "/cities.csv?population=100000-500000"]
    for w in waves:
        out += ["/surveys/%s" % w, "/surveys/%s.json" % w, "/surveys/%s/template.csv" % w,
                "/cities?survey=%s" % w, "/data?survey=%s" % w]
    for m in metrics:
        for w in waves:
            for p in peers:
                for city in ("", toronto["slug"], other["slug"]):
                    args = [("survey", w)] + ([("peers", p)] if p else []) + ([("city", city)] if city else [])
                    qs = "&".join("%s=%s" % (k, q(v)) for k, v in args)
                    out.append("/metrics/%s.json?%s" % (m, qs))
                    if not city:
                        out.append("/metrics/%s?%s" % (m, qs))
            out.append("/metrics/%s.csv?survey=%s" % (m, w))
            out.append("/metrics/%s.svg?survey=%s" % (m, w))
        out += ["/metrics/%s" % m, "/metrics/%s.csv" % m, "/metrics/%s.svg" % m,
                "/metrics/%s.json?city=no-such-city-here" % m]
    chosen = [toronto] + cities[:15] + cities[-5:]
    for c in chosen:
        s = c["slug"]
        out += ["/cities/%s" % s, "/cities/%s.json" % s, "/cities/%s.csv" % s,
                "/cities/%s/submissions" % s, "/cities/%s/submissions.json" % s,
                "/cities/%s/submissions.csv" % s,
                "/cities/%s.json?peers=%s" % (s, q("region:" + c["region"])),
                "/cities/%s?peers=%s" % (s, q("country:" + c["country"]))]
        for w in waves:
            out += ["/cities/%s?survey=%s" % (s, w), "/cities/%s.json?survey=%s" % (s, w)]
        # the same profiles in French, between English ones (what a worker keeps per language)
        out += ["/cities/%s?lang=fr" % s, "/cities/%s.json?lang=fr" % s,
                "/cities/%s.json?lang=fr&peers=%s" % (s, q("region:" + c["region"])),
                "/cities/%s?lang=fr&peers=%s" % (s, q("country:" + c["country"]))]
        for w in waves:
            out += ["/cities/%s?survey=%s&lang=fr" % (s, w), "/cities/%s.json?survey=%s&lang=fr" % (s, w)]
    subs = json.loads(fetch(base, "/cities/%s/submissions.json" % toronto["slug"])[2]).get("submissions", [])
    for sub in subs[:4]:
        out += ["/submissions/%s" % sub["id"], "/submissions/%s.json" % sub["id"]]
    for i in range(0, 20, 5):
        group = ",".join(c["slug"] for c in cities[i:i + 5])
        out += ["/compare?cities=%s" % group, "/compare.json?cities=%s" % group,
                "/compare.csv?cities=%s" % group]
    out += ["/compare.json?cities=toronto,%s&metrics=%s" % (first["slug"], ",".join(metrics[:2])),
            "/compare?cities=toronto,%s&peers=%s" % (first["slug"], q("region:" + first["region"]))]
    # errors: unknown things, bad parameters, wrong methods
    out += ["/cities/no-such-city", "/cities/no-such-city.json", "/metrics/no_such_metric.json",
            "/metrics/no_such_metric", "/surveys/1999", "/surveys/1999.json", "/submissions/999999999.json",
            "/no/such/path", "/cities.json?population=abc", "/compare.json?cities=" + ",".join(
                c["slug"] for c in cities[:13]), "/compare.json?cities=toronto,no-such-city",
            "/metrics/%s.json?peers=%s" % (metrics[0], q("nonsense:x")), "/cities/BAD%20SLUG"]
    return [("GET", u) for u in out] + [("POST", "/cities"), ("DELETE", "/metrics.json"),
                                        ("PUT", "/api/submissions")]


def main(argv):
    if len(argv) != 3 or argv[0] not in ("--save", "--against"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, d, base = argv
    if mode == "--save":
        os.makedirs(d, exist_ok=True)
        reqs = urls(base)
        with open(os.path.join(d, "urls.json"), "w") as f:
            json.dump(reqs, f)
        for i, (m, p) in enumerate(reqs):
            st, ct, body = fetch(base, p, m)
            with open(os.path.join(d, "%d.head" % i), "w") as f:
                json.dump({"status": st, "ctype": ct}, f)
            with open(os.path.join(d, "%d.body" % i), "wb") as f:
                f.write(masked(body))
        print("saved %d answers in %s" % (len(reqs), d))
        return 0
    reqs = json.load(open(os.path.join(d, "urls.json")))
    bad = total = 0
    digest = hashlib.sha256()
    for i, (m, p) in enumerate(reqs):
        head = json.load(open(os.path.join(d, "%d.head" % i)))
        body = open(os.path.join(d, "%d.body" % i), "rb").read()
        st, ct, got = fetch(base, p, m)
        got = masked(got)
        total += len(got)
        digest.update(got)
        if (st, ct) != (head["status"], head["ctype"]) or got != body:
            bad += 1
            print("DIFF %s %s: %s %s %d bytes, was %s %s %d bytes" % (
                m, p, st, ct, len(got), head["status"], head["ctype"], len(body)))
            if got != body:
                at = next((k for k in range(min(len(got), len(body))) if got[k] != body[k]),
                          min(len(got), len(body)))
                print("    at byte %d: now %r, was %r" % (at, got[max(0, at - 40):at + 60],
                                                       body[max(0, at - 40):at + 60]))
    print("%d requests, %d differ (%d bytes, sha256 %s)" % (len(reqs), bad, total, digest.hexdigest()[:16]))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
