"""load.py: a mixed load against a running stack, for tests/leak.sh and tests/soak.sh.

    BASE_URL=... CITYBENCH_DB=owner-conninfo python3 tests/load.py (--requests N | --seconds S)
        [--threads T] [--cities K] [--seed S] [--pidfile FCGI_PID --rss-every SEC --cache-bytes B]

Pages, JSON, CSV and SVG twins, conditional GETs, errors on purpose (404, 400, 405, 401, 415, 422), partner
uploads (JSON, CSV, the form, dry runs) and plugin previews, each with the statuses it may get: 429 is
intended for uploads and previews (per-token limits, preview slots), nothing else is.  At the end it
checks that every upload answered 201 is stored as a version (versions 1..n without gaps per city) and,
with --pidfile, that the workers' resident memory stayed flat within the cache bound.  Prints a report
and exits 0 when every check passed, 1 otherwise."""
import argparse
import json
import os
import random
import re
import sys
import threading
import time
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "integration"))
from cb import cli, psql, request  # noqa: E402

QUICK_PLUGIN = """return { id = "load_quick", title = "Load", description = "load test", unit = "number",
  higher_is_better = true, version = "1", inputs = { "population" },
  compute = function(city) local p = city.answers.population if p == nil then return nil end return p / 1000 end }"""
BAD_PLUGIN = "return { id = 'load_bad' "


class Load:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.lock = threading.Lock()
        self.by_status = {}
        self.by_kind = {}
        self.time_by_kind = {}
        self.unexpected = []
        self.accepted = []          # (city, submission id, version)
        self.requests = 0
        self.rss = []               # (seconds, {pid: kB})
        self.stop_at = None
        self.left = args.requests

    # ---- setup: cities and tokens of the load's own ----
    def setup(self):
        tag = "%d-%s" % (os.getpid(), uuid.uuid4().hex[:4])
        self.cities = []
        for i in range(self.args.cities):
            slug = "load-%s-%d" % (tag, i)
            cli("city", "add", slug, "--name", "Load city %d" % i, "--country", "FR", "--region", "Europe",
                "--population", 100000 + i, "--synthetic")
            tok = cli("token", "create", "--city", slug)[1].strip().splitlines()[-1]
            self.cities.append((slug, tok))
        self.researchers = [cli("token", "create", "--researcher", "load-%s-%d" % (tag, i))[1].strip().splitlines()[-1]
                            for i in range(max(1, self.args.cities // 4))]
        subs = json.loads(request("GET", "/cities/toronto/submissions.json").body)["submissions"]
        self.submission = subs[0]["id"] if subs else 1
        self.etag = request("GET", "/cities/toronto.json").header("ETag") or '"v0-2"'

    # ---- the mix ----
    def pick(self, rng):
        slug, tok = rng.choice(self.cities)
        n = rng.random()
        page = rng.randint(1, 6)
        peers = rng.choice(["", "&peers=region:Europe", "&peers=population:100000-3000000", "&peers=toronto,osteport"])
        metric = rng.choice(["funding_share", "innovation_staff", "data_sufficiency", "explicit_strategy"])
        if n < 0.30:
            return "page", "GET", rng.choice([
                "/", "/cities", "/cities?page=%d" % page, "/cities?q=%s" % rng.choice(["ron", "ville", "port", "load"]),
                "/cities/toronto", "/cities/toronto?survey=2018", "/cities/%s" % slug, "/cities/osteport?x=%d%s" % (page, peers),
                "/compare?cities=toronto,osteport,%s%s" % (slug, peers), "/metrics", "/metrics/%s?city=toronto%s" % (metric, peers),
                "/surveys/2020", "/data", "/guide", "/upload", "/cities/toronto/submissions",
                "/submissions/%d" % self.submission]), None, None, {200}
        if n < 0.50:
            return "json", "GET", rng.choice([
                "/cities.json", "/cities.json?population=100000-2000000&page=%d" % page, "/cities/toronto.json%s" % peers.replace("&", "?", 1),
                "/cities/%s.json" % slug, "/compare.json?cities=toronto,osteport%s" % peers, "/metrics.json",
                "/metrics/%s.json?x=%d%s" % (metric, page, peers), "/surveys/2018.json", "/healthz.json",
                "/cities/%s/submissions.json" % slug, "/cities/%s/answers.json" % slug]), None, None, {200}
        if n < 0.60:
            return "csv", "GET", rng.choice([
                "/cities.csv", "/cities/toronto.csv", "/cities/%s.csv" % slug, "/metrics/%s.csv" % metric,
                "/compare.csv?cities=toronto,osteport", "/data/cities.csv", "/data/answers-%s.csv" % rng.choice(["2018", "2020"]),
                "/data/metrics-2020.csv", "/surveys/2020/template.csv", "/surveys/2020/template.csv?city=toronto",
                "/cities/%s/answers.csv" % slug, "/cities/toronto/answers.csv?survey=2018"]), None, None, {200}
        if n < 0.65:
            return "svg", "GET", "/metrics/%s.svg?city=%s%s" % (metric, rng.choice(["toronto", slug]), peers), None, None, {200}
        if n < 0.70:
            return "304", "GET", "/cities/toronto.json", None, {"If-None-Match": self.etag}, {200, 304}
        if n < 0.82:
            return rng.choice([
                ("error", "GET", "/nope", None, None, {404}),
                ("error", "GET", "/cities/no-such-city.json", None, None, {404}),
                ("error", "GET", "/cities.json?population=abc", None, None, {400}),
                ("error", "GET", "/metrics/funding_share.json?peers=region:", None, None, {400}),
                ("error", "DELETE", "/cities.json", None, None, {405}),
                ("error", "GET", "/cities.json?q=%C3%28", None, None, {400}),
                ("error", "POST", "/api/submissions", "city,survey,question,value\n", {"Content-Type": "text/csv"}, {401, 429}),  # 429: the per-address limit
                ("error", "POST", "/api/submissions", "x", {"Content-Type": "application/xml",
                                                            "Authorization": "Bearer " + tok}, {415, 429}),
                ("error", "POST", "/api/submissions", "city,survey,question,value\n%s,2020,dedicated_funding,perhaps\n" % slug,
                 {"Content-Type": "text/csv", "Authorization": "Bearer " + tok}, {422, 429}),
                ("error", "GET", "/static/nope.css", None, None, {404}),
                # issue 13: clearing without intent (200 when there was nothing to clear), a workbook
                ("error", "POST", "/api/submissions", json.dumps({"city": slug, "survey": "2020", "answers": {"mayor": None}}),
                 {"Content-Type": "application/json", "Authorization": "Bearer " + tok}, {200, 201, 409, 429}),  # 201: a first version
                ("error", "POST", "/api/submissions", b"PK\x03\x04" + b"\x00" * 60,
                 {"Content-Type": "text/csv", "Authorization": "Bearer " + tok}, {400, 429}),
            ])
        if n < 0.97:
            staff = rng.randint(0, 500)
            kind = rng.random()
            if kind < 0.5:
                body = json.dumps({"city": slug, "survey": "2020", "answers": {
                    "team1_staff": staff, "mayor": "Mayor %d" % staff, "dedicated_funding": rng.random() < 0.5,
                    "funding_sources": rng.sample(["municipal_budget", "philanthropy", "private_sector"], 2)}})
                return "upload", "POST", "/api/submissions", body, {"Content-Type": "application/json",
                                                                    "Authorization": "Bearer " + tok}, {200, 201, 429}
            if kind < 0.8:
                body = "city,survey,question,value\n%s,2018,team1_staff,%d\n%s,2018,explicit_strategy,yes\n" % (slug, staff, slug)
                return "upload", "POST", "/api/submissions", body, {"Content-Type": "text/csv",
                                                                    "Authorization": "Bearer " + tok}, {200, 201, 429}
            if kind < 0.9:
                body = "city,survey,question,value\n%s,2020,team2_staff,%d\n" % (slug, staff)
                return "dry-run", "POST", "/api/submissions?dry_run=1", body, {
                    "Content-Type": "text/csv", "Authorization": "Bearer " + tok}, {200, 429}
            b = "----load" + uuid.uuid4().hex
            body = ("--%s\r\nContent-Disposition: form-data; name=\"token\"\r\n\r\n%s\r\n--%s\r\nContent-Disposition: "
                    "form-data; name=\"file\"; filename=\"a.csv\"\r\nContent-Type: text/csv\r\n\r\ncity,survey,question,value\n"
                    "%s,2020,team3_staff,%d\n\r\n--%s--\r\n" % (b, tok, b, slug, staff, b))
            return "form", "POST", "/upload", body, {"Content-Type": "multipart/form-data; boundary=" + b}, {200, 201, 429}
        rtok = rng.choice(self.researchers)
        if rng.random() < 0.8:
            return "preview", "POST", "/api/plugins/preview", QUICK_PLUGIN, {
                "Content-Type": "text/x-lua", "Authorization": "Bearer " + rtok}, {200, 429}
        return "preview", "POST", "/api/plugins/preview", BAD_PLUGIN, {
            "Content-Type": "text/x-lua", "Authorization": "Bearer " + rtok}, {422, 429}

    def take(self):
        with self.lock:
            if self.stop_at is not None:
                return time.time() < self.stop_at
            if self.left <= 0:
                return False
            self.left -= 1
            return True

    def worker(self, seed):
        rng = random.Random(seed)
        while self.take():
            kind, method, url, body, headers, ok = self.pick(rng)
            t = time.time()
            try:
                r = request(method, url, body=body, headers=headers, timeout=120)
                status, text = r.status, r.body
            except Exception as e:
                status, text = 0, repr(e).encode()
            t = time.time() - t
            with self.lock:
                self.requests += 1
                tk = self.time_by_kind.setdefault(kind, [0, 0.0])
                tk[0] += 1
                tk[1] += t
                self.by_status[status] = self.by_status.get(status, 0) + 1
                k = self.by_kind.setdefault(kind, {})
                k[status] = k.get(status, 0) + 1
                if status not in ok:
                    self.unexpected.append({"kind": kind, "method": method, "url": url, "status": status,
                                            "body": text[:300].decode("utf-8", "replace")})
                if status == 201 and kind == "upload":
                    for s in json.loads(text)["submissions"]:
                        self.accepted.append((s["city"], s["id"], s["version"]))
                elif status == 201 and kind == "form":
                    for sid in re.findall(rb'href="/submissions/(\d+)"', text):
                        self.accepted.append((None, int(sid), None))

    # ---- memory ----
    def workers_rss(self):
        try:
            sup = open(self.args.pidfile).read().strip()
            kids = open("/proc/%s/task/%s/children" % (sup, sup)).read().split()
        except OSError:
            return {}
        out = {}
        for pid in kids:
            try:
                m = re.search(r"^VmRSS:\s+(\d+) kB", open("/proc/%s/status" % pid).read(), re.M)
                if m:
                    out[int(pid)] = int(m.group(1))
            except OSError:
                pass
        return out

    def sampler(self, t0, done):
        while not done.wait(0 if not self.rss else self.args.rss_every):
            self.rss.append((round(time.time() - t0, 1), self.workers_rss()))
        self.rss.append((round(time.time() - t0, 1), self.workers_rss()))

    def run(self):
        self.setup()
        t0 = time.time()
        if self.args.seconds:
            self.stop_at = t0 + self.args.seconds
        done = threading.Event()
        samp = None
        if self.args.pidfile:
            samp = threading.Thread(target=self.sampler, args=(t0, done))
            samp.start()
        threads = [threading.Thread(target=self.worker, args=(self.args.seed * 1000 + i,)) for i in range(self.args.threads)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        done.set()
        if samp:
            samp.join()
        self.elapsed = time.time() - t0
        return self.report()

    # ---- checks ----
    def report(self):
        ok = True
        print("requests: %d in %.0fs (%.0f/s); statuses: %s" % (
            self.requests, self.elapsed, self.requests / max(self.elapsed, 0.001),
            ", ".join("%s: %d" % kv for kv in sorted(self.by_status.items()))))
        for kind, st in sorted(self.by_kind.items()):
            n, total = self.time_by_kind[kind]
            print("  %-8s %6.1f ms on average; %s" % (kind, 1000 * total / n, ", ".join("%s: %d" % kv for kv in sorted(st.items()))))
        if self.unexpected:
            ok = False
            print("FAIL: %d answers other than intended (first ones below)" % len(self.unexpected))
            for u in self.unexpected[:10]:
                print("  %(status)s %(method)s %(url)s: %(body)s" % u)
        else:
            print("ok: no error answers but the intended ones (429s: %d)" % self.by_status.get(429, 0))
        ids = sorted({sid for _, sid, _ in self.accepted})
        if ids:
            stored = int(psql("select count(*) from submissions where id in (%s)" % ",".join(map(str, ids))))
            gaps = psql("select count(*) from (select city_id, survey_id, count(*) n, max(version) m from submissions s "
                        "join cities c on c.id = s.city_id where c.slug in (%s) group by 1, 2) x where n <> m" %
                        ",".join("'%s'" % s for s, _ in self.cities))
            if stored != len(ids) or gaps != "0":
                ok = False
                print("FAIL: %d uploads answered 201, %d stored; city-waves with version gaps: %s" % (len(ids), stored, gaps))
            else:
                print("ok: every one of the %d accepted uploads is stored as a version, versions without gaps" % len(ids))
        else:
            print("note: no upload was accepted")
            ok = ok and self.requests < 50
        if self.rss:
            ok = self.check_rss() and ok
        return ok

    def check_rss(self):
        series = [max(w.values()) if w else 0 for _, w in self.rss]
        series = [s for s in series if s]
        if len(series) < 2:
            print("note: too few memory samples")
            return True
        first, last, peak = series[0], series[-1], max(series)
        warm = series[min(len(series) - 1, max(1, len(series) // 3))]
        bound = self.args.cache_bytes // 1024 + 32 * 1024   # the response cache, plus room for the rest
        print("worker RSS (largest worker, every %ss): first %d kB, last %d kB, max %d kB, after warm-up %d kB; "
              "samples: %s" % (self.args.rss_every, first, last, peak, warm, " ".join(str(s) for s in series)))
        if peak - first > bound or last - warm > 8 * 1024 + warm // 10:
            print("FAIL: worker memory grew beyond the cache bound (%d kB) or kept growing after warm-up" % bound)
            return False
        print("ok: worker memory flat within the cache bound")
        return True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--requests", type=int, default=0)
    ap.add_argument("--seconds", type=float, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--cities", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pidfile")
    ap.add_argument("--rss-every", type=float, default=30)
    ap.add_argument("--cache-bytes", type=int, default=16 << 20)
    args = ap.parse_args()
    if not args.requests and not args.seconds:
        ap.error("give --requests or --seconds")
    sys.exit(0 if Load(args).run() else 1)


if __name__ == "__main__":
    main()
