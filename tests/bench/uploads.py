#!/usr/bin/env python3
"""uploads.py: the write workloads of `make bench`: partners uploading through the API (POST
/api/submissions, a partner token each), every answer checked.

    uploads.py --base URL --tokens FILE --survey W --question CODE --min N --max M
               (--steady SECONDS | --burst K) [--dry-run] [--out FILE]

--tokens: lines "slug<TAB>token", one partner a line (made with `citybench token create --city SLUG`).
Each upload is JSON {"city", "survey", "answers": {CODE: value}}, with a value unlike the one before,
so that every upload makes a new version (one that happens to equal the city's current value answers 200
with "changed":0, which counts as accepted).

--steady SECONDS  the first partner uploads once a second for SECONDS (beside a read workload)
--burst K         every partner at once (a thread each), K uploads each, back to back
--dry-run         the same uploads with ?dry_run=1: checked and planned, nothing stored (each answers 200,
                  and no city's versions may change)

Before and after, each partner's city's versions are counted (/cities/SLUG/submissions.json): no
version is lost when the count grew by the uploads that answered 201, and each city's 201s gave
distinct, consecutive version numbers.  Prints (and writes to --out) one line of key=value pairs:
    uploads=N ok=N bad=N statuses=201:N,... p50_ms=.. p99_ms=.. seconds=.. per_second=.. lost=N
bad counts answers other than 201 (or 200 with "changed":0; with --dry-run, other than 200), and socket
errors.
"""
import argparse
import http.client
import json
import random
import statistics
import sys
import threading
import time
import urllib.parse


def request(base, method, path, body=None, headers=None):
	u = urllib.parse.urlsplit(base)
	c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
	try:
		c.request(method, path, body=body, headers=headers or {})
		r = c.getresponse()
		return r.status, r.read()
	finally:
		c.close()


def versions(base, slug):
	st, body = request(base, "GET", "/cities/%s/submissions.json" % slug)
	if st != 200:
		return None
	return len(json.loads(body)["submissions"])


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--base", required=True)
	ap.add_argument("--tokens", required=True)
	ap.add_argument("--survey", required=True)
	ap.add_argument("--question", required=True)
	ap.add_argument("--min", type=int, required=True)
	ap.add_argument("--max", type=int, required=True)
	ap.add_argument("--steady", type=float)
	ap.add_argument("--burst", type=int)
	ap.add_argument("--dry-run", action="store_true")
	ap.add_argument("--out")
	a = ap.parse_args()
	partners = [l.split("\t") for l in open(a.tokens).read().split("\n") if "\t" in l]
	if a.steady is not None:
		partners = partners[:1]
	span = max(2, min(a.max - a.min + 1, 1000))
	start = random.randrange(span)	# another run's last value is seldom this run's first
	lock = threading.Lock()
	results = []	# (slug, status, seconds, version or None)
	before = {slug: versions(a.base, slug) for slug, _ in partners}

	def upload(slug, token, n):
		value = a.min + (start + n) % span
		body = json.dumps({"city": slug, "survey": a.survey, "answers": {a.question: value}})
		t0 = time.time()
		try:
			st, resp = request(a.base, "POST", "/api/submissions" + ("?dry_run=1" if a.dry_run else ""), body,
			                   {"Authorization": "Bearer " + token, "Content-Type": "application/json"})
		except (OSError, http.client.HTTPException):
			st, resp = 0, b""
		dt = time.time() - t0
		ver, changed = None, None
		if st in (200, 201):
			try:
				s = json.loads(resp)["submissions"][0]
				ver, changed = s.get("version"), s.get("changed")
			except (ValueError, KeyError, IndexError):
				st = -st
		with lock:
			results.append((slug, st, dt, ver if st == 201 else None, changed))

	t0 = time.time()
	if a.steady is not None:
		slug, token = partners[0]
		n = 0
		while time.time() - t0 < a.steady:
			tick = time.time()
			upload(slug, token, n)
			n += 1
			time.sleep(max(0.0, 1.0 - (time.time() - tick)))
	else:
		def partner(slug, token):
			for n in range(a.burst):
				upload(slug, token, n)
		threads = [threading.Thread(target=partner, args=p) for p in partners]
		for t in threads:
			t.start()
		for t in threads:
			t.join()
	wall = time.time() - t0

	lost = 0
	for slug, _ in partners:
		vs = sorted(r[3] for r in results if r[0] == slug and r[3] is not None)
		after = versions(a.base, slug)
		if a.dry_run:
			lost += before[slug] is None or after != before[slug]	# a dry run stored a version
		elif before[slug] is None or after is None or after - before[slug] != len(vs):
			lost += 1
		elif vs and (len(set(vs)) != len(vs) or vs[-1] - vs[0] != len(vs) - 1):
			lost += 1
	if a.dry_run:
		ok = sum(1 for r in results if r[1] == 200)
	else:
		ok = sum(1 for r in results if r[1] == 201 or (r[1] == 200 and r[4] == 0))
	statuses = {}
	for r in results:
		statuses[r[1]] = statuses.get(r[1], 0) + 1
	times = sorted(r[2] * 1000 for r in results)
	p99 = times[min(len(times) - 1, int(0.99 * len(times)))] if times else 0
	line = "uploads=%d ok=%d bad=%d statuses=%s p50_ms=%.1f p99_ms=%.1f seconds=%.2f per_second=%.2f lost=%d partners=%d" % (
		len(results), ok, len(results) - ok, ",".join("%d:%d" % kv for kv in sorted(statuses.items())),
		statistics.median(times) if times else 0, p99, wall, len(results) / wall if wall else 0, lost, len(partners))
	print(line)
	if a.out:
		with open(a.out, "w") as f:
			f.write(line + "\n")
	return 0 if ok == len(results) and not lost else 1


if __name__ == "__main__":
	sys.exit(main())
