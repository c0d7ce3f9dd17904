#!/usr/bin/env python3
"""urls.py: the workloads of `make bench`, written as files tests/bench.sh hands to wrk.

    urls.py --base http://127.0.0.1:PORT --out DIR --files-dir DIR --files-prefix /__files/X
            [--count 1000] [--sample 100] [--seed 1]

For each workload it writes, under DIR:
  NAME.urls        --count distinct request paths of the workload (rotate.lua cycles through them)
  NAME.files.urls  paths under /__files/ of the same response bytes, saved from a sample of NAME.urls
  NAME.bare.urls   paths under /__bare/<size>.<ext>/... : the bare FastCGI responder, same body size
  FILES_DIR/NAME/  the saved bodies (nginx serves them under FILES_PREFIX: the "files" reference)
and one line per workload in DIR/workloads.tsv:
  name  status  distinct  median_bytes  header  sample_ok  sample_bad  note  sample_ms
sample_ms is the median time of one sample request (two at a time; the cache seldom helps: each
URL is new to the worker that takes it).
status is "ok" or "skip" (then note says why, such as a route that is not served yet).  header is the
request header the workload sends ("-" for none).

A sample of each workload is fetched first: it checks that the URLs answer 200 (or 304), gives the
typical body size, and the bodies become the files reference.
"""
import argparse
import concurrent.futures
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
import urllib.parse

WORKLOADS = [
	# name, what it is
	("profile_json", "a city's profile as JSON"),
	("profile_html", "a city's profile as HTML"),
	("compare_json", "compare: 5 cities x 5 metrics, JSON"),
	("ranking_json", "a metric ranking, JSON (whole cohort, a city highlighted)"),
	("peers_json", "a profile against a peer group (region, country or population band), JSON"),
	("not_modified", "a profile JSON with a matching If-None-Match: 304"),
	# peer groups of each kind the issue names, a city's profile HTML against them (uncached only)
	("peers_answer_html", "a profile HTML against the cities that chose an answer (answer:CODE=OPTION)"),
	("peers_population_html", "a profile HTML against a population band"),
	("peers_list_html", "a profile HTML against a list of 8 cities"),
	("peers_similar_html", "a profile HTML against the 10 cities most like it (similar:SLUG)"),
]

_local = threading.local()


def conn(base):
	c = getattr(_local, "conn", None)
	if c is None:
		u = urllib.parse.urlsplit(base)
		c = http.client.HTTPConnection(u.hostname, u.port, timeout=120)
		_local.conn = c
	return c


def fetch(base, path, headers=None):
	"""(status, headers dict lower-cased, body, seconds); one retry on a dropped keep-alive connection."""
	for attempt in (0, 1):
		c = conn(base)
		try:
			t0 = time.time()
			c.request("GET", path, headers=headers or {})
			r = c.getresponse()
			body = r.read()
			return r.status, {k.lower(): v for k, v in r.getheaders()}, body, time.time() - t0
		except (http.client.HTTPException, OSError):
			c.close()
			_local.conn = None
			if attempt:
				raise


def q(s):
	return urllib.parse.quote(s, safe="")


def make_urls(rng, count, cities, metrics, answered, options=()):
	"""answered: wave -> the slugs that answered it (a profile in a wave the city skipped is a 404);
	options: (code, option) pairs of the questions with choices, for the answer peer groups."""
	slugs = [c["slug"] for c in cities]
	waves = ["", "2020", "2018"]
	out = {}

	# Profiles: every city, then the same cities in a wave they answered until there are enough.
	def profiles(ext):
		urls = []
		for w in waves:
			for s in slugs:
				if w and s not in answered.get(w, ()):
					continue
				urls.append("/cities/%s%s%s" % (s, ext, "?survey=" + w if w else ""))
				if len(urls) >= count:
					return urls
		return urls

	out["profile_json"] = profiles(".json")
	out["profile_html"] = profiles("")
	out["not_modified"] = list(out["profile_json"])

	seen = set()
	cmp_urls = []
	tries = 0
	while len(cmp_urls) < count and tries < count * 20:
		tries += 1
		cs = rng.sample(slugs, min(5, len(slugs)))
		ms = rng.sample(metrics, min(5, len(metrics)))
		u = "/compare.json?cities=%s&metrics=%s" % (",".join(cs), ",".join(ms))
		if u not in seen:
			seen.add(u)
			cmp_urls.append(u)
	out["compare_json"] = cmp_urls

	seen = set()
	rank = []
	tries = 0
	while len(rank) < count and tries < count * 20:
		tries += 1
		m = rng.choice(metrics)
		s = rng.choice(slugs)
		w = rng.choice(waves)
		u = "/metrics/%s.json?city=%s%s" % (m, s, "&survey=" + w if w else "")
		if u not in seen:
			seen.add(u)
			rank.append(u)
	out["ranking_json"] = rank

	seen = set()
	peers = []
	tries = 0
	while len(peers) < count and tries < count * 20:
		tries += 1
		c = rng.choice(cities)
		kind = rng.choice(["region", "country", "population"])
		if kind == "region":
			p = "region:" + c["region"]
		elif kind == "country":
			p = "country:" + c["country"]
		else:
			pop = c.get("population") or 100000
			lo = max(0, (pop // 2) // 1000 * 1000)
			hi = (pop * 2) // 1000 * 1000 + 1000
			p = "population:%d-%d" % (lo, hi)
		u = "/cities/%s.json?peers=%s" % (c["slug"], q(p))
		if u not in seen:
			seen.add(u)
			peers.append(u)
	out["peers_json"] = peers

	def peer_urls(make):
		seen, got, tries = set(), [], 0
		while len(got) < count and tries < count * 20:
			tries += 1
			c = rng.choice(cities)
			p = make(c)
			if p is None:
				continue
			u = "/cities/%s?peers=%s" % (c["slug"], q(p))
			if u not in seen:
				seen.add(u)
				got.append(u)
		return got

	def band(c):
		pop = c.get("population") or 100000
		return "population:%d-%d" % (max(0, (pop // 2) // 1000 * 1000), (pop * 2) // 1000 * 1000 + 1000)

	out["peers_answer_html"] = peer_urls(
		lambda c: "answer:%s=%s" % rng.choice(options) if options else None)
	out["peers_population_html"] = peer_urls(band)
	out["peers_list_html"] = peer_urls(lambda c: ",".join(rng.sample(slugs, min(8, len(slugs)))))
	out["peers_similar_html"] = peer_urls(lambda c: "similar:" + c["slug"])
	return out


def main():
	ap = argparse.ArgumentParser()
	ap.add_argument("--base", required=True)
	ap.add_argument("--out", required=True)
	ap.add_argument("--count", type=int, default=1000)
	ap.add_argument("--sample", type=int, default=100)
	ap.add_argument("--seed", type=int, default=1)
	ap.add_argument("--files-dir", required=True, help="where nginx serves --files-prefix from")
	ap.add_argument("--files-prefix", required=True, help="the URL prefix of --files-dir")
	a = ap.parse_args()
	rng = random.Random(a.seed)
	os.makedirs(a.out, exist_ok=True)

	st, _, body, _ = fetch(a.base, "/cities.json")
	if st != 200:
		sys.exit("urls.py: /cities.json answered %d" % st)
	cities = json.loads(body)["cities"]
	st, _, body, _ = fetch(a.base, "/metrics.json")
	if st != 200:
		sys.exit("urls.py: /metrics.json answered %d" % st)
	metrics = [m["id"] for m in json.loads(body)["metrics"]]
	if len(cities) < 5 or len(metrics) < 1:
		sys.exit("urls.py: %d cities and %d metrics: too few to benchmark" % (len(cities), len(metrics)))
	rng.shuffle(cities)

	answered = {}
	if len(cities) < a.count:
		for w in ("2020", "2018"):
			st, _, body, _ = fetch(a.base, "/cities.json?survey=" + w)
			if st == 200:
				answered[w] = {c["slug"] for c in json.loads(body)["cities"]}
	options = []
	st, _, body, _ = fetch(a.base, "/cities/%s.json" % cities[0]["slug"])
	if st == 200:
		for code, c in sorted(json.loads(body).get("cohort", {}).items()):
			options += [(code, o) for o in sorted(c.get("counts", {}))]
	urls = make_urls(rng, a.count, cities, metrics, answered, options)
	st, h, _, _ = fetch(a.base, urls["profile_json"][0])
	etag = h.get("etag")
	if st != 200 or not etag:
		sys.exit("urls.py: %s answered %d without an ETag" % (urls["profile_json"][0], st))

	lines = []
	# Two at a time: the sample's times are those of a request that waits for little but itself.
	pool = concurrent.futures.ThreadPoolExecutor(max_workers=2)
	for name, what in WORKLOADS:
		lst = urls[name]
		header = ("If-None-Match", etag) if name == "not_modified" else None
		with open(os.path.join(a.out, name + ".urls"), "w") as f:
			f.write("\n".join(lst) + "\n")
		sample = lst[:: max(1, len(lst) // a.sample)][: a.sample]
		hdrs = {header[0]: header[1]} if header else {}
		results = list(pool.map(lambda p: fetch(a.base, p, hdrs), sample))
		want = 304 if header else 200
		ok = [(p, r) for p, r in zip(sample, results) if r[0] == want]
		bad = [(p, r) for p, r in zip(sample, results) if r[0] != want]
		note = what
		status = "ok"
		if not ok:
			status = "skip"
			p, r = bad[0]
			try:
				msg = json.loads(r[2])["error"]["message"]
			except Exception:
				msg = r[2][:80].decode("utf-8", "replace")
			note = "%s answered %d (%s)" % (p.split("?")[0], r[0], msg)
			if name == "compare_json" and r[0] == 404:
				note = "/compare is not served yet (the route is pending): " + note
		ext = "html" if name.endswith("_html") else "json"
		fdir = os.path.join(a.files_dir, name)
		os.makedirs(fdir, exist_ok=True)
		sizes = []
		if name == "not_modified":
			# The files reference of a 304: nginx's own 304 for one file, with nginx's own ETag.
			base_body = fetch(a.base, lst[0])[2]
			with open(os.path.join(fdir, "0.json"), "wb") as f:
				f.write(base_body)
			files = ["%s/%s/0.json" % (a.files_prefix, name)]
			sizes = [0]
		else:
			files = []
			for i, (p, r) in enumerate(ok):
				with open(os.path.join(fdir, "%d.%s" % (i, ext)), "wb") as f:
					f.write(r[2])
				files.append("%s/%s/%d.%s" % (a.files_prefix, name, i, ext))
				sizes.append(len(r[2]))
		med = int(statistics.median(sizes)) if sizes else 0
		with open(os.path.join(a.out, name + ".files.urls"), "w") as f:
			# As many lines as the workload, cycling over the saved bodies.
			f.write("\n".join(files[i % len(files)] for i in range(len(lst))) + "\n" if files else "")
		with open(os.path.join(a.out, name + ".bare.urls"), "w") as f:
			prefix = "/__bare/nm" if name == "not_modified" else "/__bare/%d.%s" % (med, ext)
			f.write("\n".join(prefix + p for p in lst) + "\n")
		ms = statistics.median(r[3] for r in results) * 1000 if results else 0
		lines.append("\t".join([name, status, str(len(set(lst))), str(med),
		    "%s: %s" % header if header else "-", str(len(ok)), str(len(bad)), note, "%.1f" % ms]))
	pool.shutdown()
	with open(os.path.join(a.out, "workloads.tsv"), "w") as f:
		f.write("\n".join(lines) + "\n")
	# nginx's ETag of the 304 reference file, for the files run of not_modified.
	st, h, _, _ = fetch(a.base, "%s/not_modified/0.json" % a.files_prefix)
	with open(os.path.join(a.out, "not_modified.files.header"), "w") as f:
		f.write("If-None-Match: %s\n" % h.get("etag", "") if st == 200 else "")
	print("\n".join(lines))


if __name__ == "__main__":
	main()
