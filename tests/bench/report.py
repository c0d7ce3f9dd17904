#!/usr/bin/env python3
"""report.py: the table of `make bench` from build/bench/raw.tsv (one line per wrk run) and
build/bench/figures.tsv (timings, memory, uploads), then the issue's table of targets (issue 18): each
row beside its target, the measured ratio and the references' own figures, PASS, MISS or VOID.

A wrk run with any non-2xx answer or socket error (timeouts included) is VOID: its figure is not used
(a figure is the median of the runs that were not void) and the report lists it.  A figure whose runs
were all void is "void".

    report.py DIR [--tap]

--tap (what `bench.sh --tiny` uses under `make test`): the same table, then TAP lines that check the
harness produced every measurement; the targets are not judged there (a tiny set on a busy machine
says nothing about them).
"""
import os
import statistics
import sys

LABELS = {
	"profile_json": "profile JSON",
	"profile_html": "profile HTML",
	"compare_json": "compare JSON 5x5",
	"ranking_json": "ranking JSON",
	"peers_json": "peer-group JSON",
	"not_modified": "304 profile",
	"peers_answer_html": "profile HTML, answer peers",
	"peers_population_html": "profile HTML, population peers",
	"peers_list_html": "profile HTML, list peers",
	"peers_similar_html": "profile HTML, similar peers",
	"mixed": "profile+upload/s",
}
ORDER = list(LABELS)
VARIANTS = [("files", "nginx files"), ("bare", "bare FastCGI"), ("php", "PHP reference"),
            ("cache", "citybench cache"), ("nocache", "citybench no cache")]
PHP_WORKLOADS = ["profile_json", "compare_json", "ranking_json", "peers_json"]
# Why the PHP reference has no profile HTML (tests/bench/php/README says the same).
NO_PHP = {
	"profile_html": "no PHP implementation: a profile page is citybench's template (two languages, a "
	                "statement and two links per share, the waves side by side); php_same.py can check "
	                "figures, not a page; the PHP profile JSON is its data",
}
# Measured uncached only (no cached run): the peer groups of each kind.
PEER_WORKLOADS = ["peers_answer_html", "peers_population_html", "peers_list_html", "peers_similar_html"]

# The targets (issue 18), judged in the table at the end.
PHP_MIN = 5.0			# uncached read / the PHP reference, each workload
CEIL_JSON_MIN = 0.25		# uncached compare, profile, ranking JSON / FastCGI ceiling, small set
CEIL_OTHER_MIN = 0.15		# uncached profile HTML, peer groups / ceiling
LARGE_MIN = 0.8			# the same workload at the large size / at the small size
MIXED_MIN = 0.3			# reads while a partner uploads once a second / cached only
UPLOAD_P50_MS = 30.0		# 20 partners at once, large set
IMPORT_MAX_S = 6.0		# the large set, one import
RECOMPUTE_MAX_S = 1.0		# every metric, large set
CACHED_MIN = 0.9		# cached reads / ceiling
CACHED_P99 = 1.5		# cached p99 <= the ceiling's p99 x this
RSS_MAX_KIB = 32 * 1024
SANDBOX_MAX_KIB = 64 * 1024
RATIO_TARGETS = {}
P99_TARGET_MS = {}


def load(dirname):
	runs = {}
	with open(os.path.join(dirname, "raw.tsv")) as f:
		for line in f:
			p = line.rstrip("\n").split("\t")
			if len(p) < 12:
				continue
			key = (p[0], p[1], p[2])
			x = {"run": p[3], "rps": float(p[4]), "p50": float(p[5]), "p99": float(p[6]), "bad": int(p[7]),
			     "total": int(p[8]), "hits": int(p[9]), "misses": int(p[10]), "timeouts": int(p[11])}
			# VOID: any answer that was not 2xx (wrk's "Non-2xx or 3xx responses", which counts 4xx and
			# 5xx) or any socket error, timeouts included.
			x["void"] = x["bad"] > 0 or x["timeouts"] > 0
			runs.setdefault(key, []).append(x)
	figs = {}
	try:
		with open(os.path.join(dirname, "figures.tsv")) as f:
			for line in f:
				k, _, v = line.rstrip("\n").partition("\t")
				figs[k] = v
	except OSError:
		pass
	wl = {}
	for phase in ("small", "large"):
		try:
			with open(os.path.join(dirname, "workloads-%s.tsv" % phase)) as f:
				for line in f:
					p = line.rstrip("\n").split("\t")
					if len(p) >= 8:
						wl[(phase, p[0])] = {"status": p[1], "distinct": p[2], "bytes": p[3], "note": p[7],
						                     "ms": p[8] if len(p) > 8 else "-"}
		except OSError:
			pass
	return runs, figs, wl


def med(runs, field):
	return statistics.median(r[field] for r in runs)


def figure(runs, phase, w, v):
	"""The runs of one measurement: the medians over those that were not void, and the void ones;
	None when there were no runs; rps None when every run was void."""
	r = runs.get((phase, w, v))
	if not r:
		return None
	valid = [x for x in r if not x["void"]]
	f = {"runs": r, "valid": valid, "void": [x for x in r if x["void"]], "rps": None, "p50": None, "p99": None}
	if valid:
		f.update(rps=med(valid, "rps"), p50=med(valid, "p50"), p99=med(valid, "p99"))
	return f


def kv(line):
	"""uploads.py's line as a dict (numbers as floats), {} when it failed."""
	out = {}
	for part in (line or "").split():
		k, _, v = part.partition("=")
		try:
			out[k] = float(v)
		except ValueError:
			out[k] = v
	return out if "uploads" in out else {}


def targets(emit, runs, figs, verdicts, worst_rss):
	"""The issue's table: every row beside its target, with the measured ratio and the references' own
	figures; PASS, MISS, VOID (a figure it needs came only from void runs) or "not measured"."""
	emit("== the targets (issue 18): ratios measured side by side in this run")
	emit("%-56s %-14s %-9s %-6s  %s" % ("row", "target", "measured", "", "the figures (req/s unless said)"))
	nsmall = "%s cities" % figs["cities.small"] if "cities.small" in figs else "the small set"
	nlarge = "%s cities" % figs["cities.large"] if "cities.large" in figs else "the large set (not run)"

	def fig_rps(phase, w, v):
		f = figure(runs, phase, w, v)
		if not f:
			return None, "not measured"
		if f["rps"] is None:
			return None, "void"
		return f, None

	def row(label, target, ok, measured, detail, key=None):
		verdict = "PASS" if ok is True else "MISS" if ok is False else ok
		emit("%-56s %-14s %-9s %-6s  %s" % (label, target, measured, verdict, detail))
		if ok is True or ok is False:
			verdicts.append((key or label, ok))

	def ratio_row(label, target, tmin, a, b, an, bn):
		"""a / b >= tmin; a, b: (phase, w, v)."""
		fa, wa = fig_rps(*a)
		fb, wb = fig_rps(*b)
		if fa and fb and fb["rps"] > 0:
			r = fa["rps"] / fb["rps"]
			row(label, target, r >= tmin, "%.2f" % r, "%s %.1f, %s %.1f" % (an, fa["rps"], bn, fb["rps"]))
		else:
			why = wa or wb or "reference at 0"
			none = " (%s answered no request within its run: no figure to count)" % bn if (
				fa and fb and fb["rps"] == 0) else ""
			row(label, target, "VOID" if "void" in (wa, wb) else "-", "-",
			    "%s %s, %s %s%s" % (an, "%.1f" % fa["rps"] if fa else wa, bn, "%.1f" % fb["rps"] if fb else wb, none))
			if why == "void":
				verdicts.append((label + ": void", False))

	for phase, n in (("small", nsmall), ("large", nlarge)):
		for w in PHP_WORKLOADS:
			label = "uncached %s / PHP, %s" % (LABELS[w], n)
			skip = [figs[k] for k in ("skipped.%s.php" % phase, "skipped.%s.%s.php" % (phase, w)) if k in figs]
			if (phase, w, "php") not in runs and skip:
				row(label, ">= %gx" % PHP_MIN, "-", "-", "not measured (untargeted at this size): " + skip[0])
			elif (phase, w, "nocache") in runs or (phase, w, "php") in runs:
				ratio_row(label, ">= %gx" % PHP_MIN, PHP_MIN,
				          (phase, w, "nocache"), (phase, w, "php"), "citybench", "PHP")
	for w in NO_PHP:
		if (("small", w, "nocache")) in runs:
			emit("%-56s %-14s %-9s %-6s  %s" % ("uncached %s / PHP" % LABELS[w], ">= %gx" % PHP_MIN, "-",
			                                     "-", NO_PHP[w]))
	for w in ("compare_json", "profile_json", "ranking_json"):
		ratio_row("uncached %s / ceiling, %s" % (LABELS[w], nsmall), ">= %g" % CEIL_JSON_MIN, CEIL_JSON_MIN,
		          ("small", w, "nocache"), ("small", w, "bare"), "citybench", "bare FastCGI")
	for w in ["profile_html", "peers_json"] + PEER_WORKLOADS:
		ratio_row("uncached %s / ceiling, %s" % (LABELS[w], nsmall), ">= %g" % CEIL_OTHER_MIN, CEIL_OTHER_MIN,
		          ("small", w, "nocache"), ("small", w, "bare"), "citybench", "bare FastCGI")
	for w in ORDER:
		if w != "mixed" and "skipped.large.%s" % w in figs:
			row("uncached %s, %s / %s" % (LABELS[w], nlarge, nsmall), ">= %g" % LARGE_MIN, "-", "-",
			    "not measured: " + figs["skipped.large.%s" % w])
		if w in ("mixed", "not_modified") or ("large", w, "nocache") not in runs:
			continue
		ratio_row("uncached %s, %s / %s" % (LABELS[w], nlarge, nsmall), ">= %g" % LARGE_MIN, LARGE_MIN,
		          ("large", w, "nocache"), ("small", w, "nocache"), nlarge, nsmall)
	if ("small", "mixed", "cache") in runs:
		up = [kv(figs.get(k)) for k in sorted(figs) if k.startswith("uploads.mixed.")]
		ups = "; uploads %d, %d not 201" % (sum(u.get("uploads", 0) for u in up), sum(u.get("bad", 0) for u in up)) \
			if up else "; uploads not reported"
		fa, wa = fig_rps("small", "mixed", "cache")
		fb, wb = fig_rps("small", "profile_json", "cache")
		if fa and fb and fb["rps"] > 0:
			r = fa["rps"] / fb["rps"]
			row("reads while a partner uploads 1/s / cached only", ">= %g" % MIXED_MIN, r >= MIXED_MIN, "%.2f" % r,
			    "mixed %.1f, cached only %.1f%s" % (fa["rps"], fb["rps"], ups))
		else:
			row("reads while a partner uploads 1/s / cached only", ">= %g" % MIXED_MIN,
			    "VOID" if "void" in (wa, wb) else "-", "-", "mixed %s, cached only %s%s" % (
				"%.1f" % fa["rps"] if fa else wa, "%.1f" % fb["rps"] if fb else wb, ups))
	else:
		row("reads while a partner uploads 1/s / cached only", ">= %g" % MIXED_MIN, "-", "-", "not measured")
	for phase, n in (("large", nlarge), ("small", nsmall)):
		k = "uploads.burst.%s" % phase
		if k not in figs:
			if phase == "large":
				row("upload p50, 20 partners at once, %s" % nlarge, "<= %g ms" % UPLOAD_P50_MS, "-", "-",
				    "not measured (no large set in this run)")
			continue
		u = kv(figs[k])
		label = "upload p50, %d partners at once, %s" % (u.get("partners", 0), n)
		if not u:
			row(label, "<= %g ms" % UPLOAD_P50_MS, "VOID", "-", figs[k])
			continue
		detail = "%d uploads, %.1f a second, p99 %.0f ms, statuses %s, versions lost: %d city(ies)" % (
			u["uploads"], u["per_second"], u["p99_ms"], u["statuses"], u["lost"])
		# The floor: the same uploads as dry runs (checked and planned, nothing stored).
		d = kv(figs.get(k + ".dry", ""))
		if d and not d["bad"] and not d["lost"]:
			detail += "; as dry runs (nothing stored): p50 %.1f ms, %.1f a second" % (d["p50_ms"], d["per_second"])
		elif k + ".dry" in figs:
			detail += "; dry runs: %s" % (figs[k + ".dry"] if not d else "%d of %d not 200, %d city(ies) changed" % (
				d["bad"], d["uploads"], d["lost"]))
		# What a batched writer would cost: the same partners' uploads written together, without HTTP.
		b = kv(figs.get("uploads.batch.%s" % phase, ""))
		if b and b.get("made") == b.get("of"):
			detail += ("; written without HTTP (tests/bench/batch.c), %d uploads: one by one %.1f ms, in one "
			           "transaction %.1f ms, set-based %.1f ms" % (b["uploads"], b["single_ms"], b["sets_ms"],
			                                                       b["bulk_ms"]))
		elif "uploads.batch.%s" % phase in figs:
			detail += "; written without HTTP: %s" % figs["uploads.batch.%s" % phase]
		if u["lost"]:
			row(label, "<= %g ms" % UPLOAD_P50_MS, False, "%.1f ms" % u["p50_ms"], "VERSIONS LOST: " + detail)
		elif u["bad"]:
			row(label, "<= %g ms" % UPLOAD_P50_MS, "VOID", "%.1f ms" % u["p50_ms"], detail)
			verdicts.append((label + ": void", False))
		elif phase == "large":
			row(label, "<= %g ms" % UPLOAD_P50_MS, u["p50_ms"] <= UPLOAD_P50_MS, "%.1f ms" % u["p50_ms"], detail)
		else:
			row(label, "(for scale)", "-", "%.1f ms" % u["p50_ms"], detail)
	for k, label, limit in (("import.large", "import of %s x 2 waves" % nlarge, IMPORT_MAX_S),
	                        ("recompute.large", "recompute of every metric, %s" % nlarge, RECOMPUTE_MAX_S)):
		if k not in figs:
			row(label, "<= %g s" % limit, "-", "-", "not measured" + (" (sliced: %s s)" % figs["import.large.slices"]
			                                                          if k == "import.large" and "import.large.slices" in figs else ""))
			continue
		v = figs[k]
		secs = float(v.split()[0])
		row(label, "<= %g s" % limit, "FAILED" not in v and secs <= limit, "%.2f s" % secs, " ".join(v.split()[1:]))
	for w in ORDER:
		if w == "mixed" or w in PEER_WORKLOADS:
			continue
		fa, wa = fig_rps("small", w, "cache")
		fb, wb = fig_rps("small", w, "bare")
		label = "cached %s / ceiling and p99, %s" % (LABELS[w], nsmall)
		if fa and fb and fb["rps"] > 0:
			r = fa["rps"] / fb["rps"]
			ok = r >= CACHED_MIN and fa["p99"] <= fb["p99"] * CACHED_P99
			row(label, ">= %g, p99" % CACHED_MIN, ok, "%.2f" % r, "citybench %.1f (p99 %.2f ms), bare FastCGI %.1f "
			    "(p99 %.2f ms: limit %.2f ms)" % (fa["rps"], fa["p99"], fb["rps"], fb["p99"], fb["p99"] * CACHED_P99))
		elif wa or wb:
			row(label, ">= %g, p99" % CACHED_MIN, "VOID" if "void" in (wa, wb) else "-", "-",
			    "citybench %s, bare FastCGI %s" % ("%.1f" % fa["rps"] if fa else wa, "%.1f" % fb["rps"] if fb else wb))
	for (phase, variant), worst in sorted(worst_rss.items()):
		row("worker's own RSS, %s cities, cache %s" % (figs.get("cities.%s" % phase, phase),
		                                              "on" if variant == "cache" else "off"),
		    "<= 32 MiB", worst <= RSS_MAX_KIB, "%.1f MiB" % (worst / 1024.0), "largest worker, any workload")
	# sandbox.PHASE.WHAT: "PEAK_KIB PROCESSES" (tests/bench/sandbox_rss.py, sampled while it ran)
	sandbox = [(k, v.split()) for k, v in sorted(figs.items()) if k.startswith("sandbox.")]
	sandbox = [(k, int(v[0]), int(v[1])) for k, v in sandbox if len(v) == 2 and v[0].isdigit() and v[1].isdigit()]
	if not [1 for k, peak, n in sandbox if n]:
		row("the sandbox process's RSS", "<= 64 MiB", "-", "-", "not measured by this bench")
	for k, peak, n in sandbox:
		if n:
			row("the sandbox process's RSS, %s" % k[len("sandbox."):].replace(".", ", "), "<= 64 MiB",
			    peak <= 64 * 1024, "%.1f MiB" % (peak / 1024.0), "peak (VmHWM) of %d sandbox processes" % n)
		else:	# said, not left out: the command ended between two samples (2 ms apart)
			row("the sandbox process's RSS, %s" % k[len("sandbox."):].replace(".", ", "), "<= 64 MiB",
			    "-", "-", "not sampled: no sandbox process was seen while the command ran")
	void = [(k, x) for k, r in sorted(runs.items()) for x in r if x["void"]]
	if void:
		emit("void runs (not used in any figure):")
		for (phase, w, v), x in void:
			emit("  %s %s %s run %s: %d non-2xx answers or socket errors, %d timeouts, of %d answers" % (
				phase, LABELS.get(w, w), v, x["run"], x["bad"], x["timeouts"], x["total"]))
	else:
		emit("void runs: none (every run's answers were 2xx, without socket errors)")
	if "php.same.small" in figs or "php.same.large" in figs:
		emit("the PHP reference's answers against citybench's: %s" % "; ".join(
			"%s: %s" % (p, figs["php.same.%s" % p]) for p in ("small", "large") if "php.same.%s" % p in figs))
	load = figs.get("load.before", "")
	emit("load average before/after: %s / %s (figures taken on a busy machine are not meaningful)" % (
		load or "?", figs.get("load.after", "?")))


def main():
	dirname = sys.argv[1]
	tap = "--tap" in sys.argv
	runs, figs, wl = load(dirname)
	out = []
	verdicts = []	# (label, ok)

	def emit(s=""):
		out.append(s)

	emit("citybench benchmark (make bench)")
	for k in ("machine", "settings"):
		if k in figs:
			emit("  %-9s %s" % (k + ":", figs[k]))
	emit()
	for phase in ("small", "large"):
		n = figs.get("cities.%s" % phase)
		if not any(k[0] == phase for k in runs):
			continue
		emit("== %s cities" % (n or phase))
		emit("%-17s %-19s %9s %8s %8s %7s %6s %7s %7s  %s" % (
			"workload", "server", "req/s", "p50 ms", "p99 ms", "bytes", "hit%", "/files", "/bare", "target"))
		for w in ORDER:
			info = wl.get((phase, w))
			if w == "mixed":
				info = wl.get((phase, "profile_json"))
			if info and info["status"] != "ok":
				emit("%-17s %s" % (LABELS[w], "not measured: " + info["note"]))
				continue
			ref = {}
			borrowed = False
			for v in ("files", "bare"):
				f = figure(runs, phase, "profile_json" if w == "mixed" else w, v)
				small = wl.get(("small", "profile_json" if w == "mixed" else w))
				if not f and phase != "small" and info and small and \
						abs(int(info["bytes"]) - int(small["bytes"])) <= 0.1 * int(small["bytes"]):
					# Same response size (within 10%) as in the small set: its references stand.
					f = figure(runs, "small", w, v)
					borrowed = borrowed or bool(f)
				if f and f["rps"] is not None:
					ref[v] = f["rps"]
			for v, vlabel in VARIANTS:
				f = figure(runs, phase, w, v)
				if not f:
					continue
				r = f["runs"]
				hits = sum(x["hits"] for x in r)
				misses = sum(x["misses"] for x in r)
				hit = "%5.1f" % (100.0 * hits / (hits + misses)) if hits + misses else "-"
				note = ""
				if f["void"]:
					note = "VOID runs %s: %s" % (",".join(x["run"] for x in f["void"]), "; ".join(
						"%d non-2xx/errors, %d timeouts of %d" % (x["bad"], x["timeouts"], x["total"]) for x in f["void"]))
					verdicts.append(("%s %s %s: no void run" % (phase, w, v), False))
				if f["rps"] is None:
					emit("%-17s %-19s %9s %8s %8s %7s %6s %7s %7s  %s" % (
						LABELS[w], vlabel, "void", "-", "-", info["bytes"] if info else "-", hit, "-", "-", note))
					continue
				rps = f["rps"]
				rf = "%.2f" % (rps / ref["files"]) if ref.get("files") and v != "files" else "-"
				rb = "%.2f" % (rps / ref["bare"]) if ref.get("bare") and v not in ("files", "bare") else "-"
				if borrowed and v in ("cache", "nocache", "php"):
					rb = rb + "*" if rb != "-" else rb
					rf = rf + "*" if rf != "-" else rf
				timeouts = sum(x["timeouts"] for x in f["valid"])
				if rps == 0 and not f["valid"][0]["total"]:
					note += " [no answer within a run: one request takes longer than the run]"
				emit("%-17s %-19s %9.1f %8.2f %8.2f %7s %6s %7s %7s  %s" % (
					LABELS[w], vlabel, rps, f["p50"], f["p99"], info["bytes"] if info else "-", hit, rf, rb, note))
		lat = ["%s %s ms" % (LABELS[w], wl[(phase, w)]["ms"]) for w in ORDER
		       if (phase, w) in wl and wl[(phase, w)]["status"] == "ok" and w != "not_modified"]
		if lat:
			emit("  one request, before the runs (median of a sample, two at a time, mostly uncached):")
			emit("    " + ", ".join(lat))
		if phase != "small":
			emit("  * against the references of the smaller set: the response is the same size (within 10%)")
		emit()

	emit("== figures")
	for k, label, limit in (("import.large", "import of the large set (one import)", None),
	                        ("import.large.slices", "import of the same set in slices of 1,000 cities", None),
	                        ("recompute.small", "recompute of every metric, small set", None),
	                        ("recompute.large", "recompute of every metric, large set", None),
	                        ("settle.small", "vacuum (analyze) and checkpoint before the runs, small set", None),
	                        ("settle.large", "vacuum (analyze) and checkpoint before the runs, large set", None)):
		if k not in figs:
			continue
		v = figs[k]
		secs = float(v.split()[0])
		failed = "FAILED" in v
		verdict = ""
		if limit is not None:
			ok = not failed and secs <= limit
			verdict = "<= %g s %s" % (limit, "PASS" if ok else "MISS")
			verdicts.append((label, ok))
		emit("  %-52s %s s%s  %s" % (label, v.split()[0], " " + " ".join(v.split()[1:]) if len(v.split()) > 1 else "",
		                             verdict))
	if "import.answers" in figs:
		emit("  %-52s %s answers in %s city-waves, %s cities in the end" % (
			"  (the large set)", figs["import.answers"], figs.get("import.sets", "?"), figs.get("cities.large", "?")))
	# rss.PHASE.VARIANT.WORKLOAD: "RSS/PSS[/OWN]" per worker, KiB, after that workload's runs; OWN is the
	# RSS less the worker's touched pages of the shared response cache, which is counted once, on its
	# own line (cachemem.PHASE.WORKLOAD: "RESIDENT SIZE", KiB).  The target judges a worker's own memory.
	groups = {}
	worst_rss = {}
	for k in figs:
		if k.startswith("rss."):
			p = k.split(".")
			groups.setdefault((p[1], p[2]), []).append((p[3] if len(p) > 3 else "", figs[k]))
	for (phase, variant) in sorted(groups, key=lambda x: (x[0] != "small", x[1])):
		parts, worst, shared = [], 0, False
		for w, v in sorted(groups[(phase, variant)], key=lambda x: ORDER.index(x[0]) if x[0] in ORDER else 99):
			cols = [x.split("/") for x in v.split()]
			rss = [int(c[0]) for c in cols if c[0].isdigit()]
			pss = [int(c[1]) for c in cols if len(c) > 1 and c[1].isdigit()]
			own = [int(c[2]) for c in cols if len(c) > 2 and c[2].lstrip("-").isdigit()]
			if rss:
				judged = max(own) if own else max(rss)
				worst = max(worst, judged)
				extra = []
				if own and max(own) != max(rss):
					shared = True
					extra.append("RSS %.1f with the cache" % (max(rss) / 1024.0))
				if pss:
					extra.append("PSS %.1f" % (max(pss) / 1024.0))
				parts.append("%s %.1f%s" % (LABELS.get(w, w), judged / 1024.0,
				                            " (%s)" % ", ".join(extra) if extra else ""))
		ok = worst <= RSS_MAX_KIB
		emit("  %-52s %.1f MiB  <= 32 MiB %s" % ("largest worker %sRSS, %s, %s" % (
			"own " if shared else "",
			figs.get("cities.%s" % phase, phase) + " cities", "cache on" if variant == "cache" else "cache off"),
			worst / 1024.0, "PASS" if ok else "MISS"))
		emit("      per workload, MiB: " + ", ".join(parts))
		worst_rss[(phase, variant)] = worst
		cm = sorted(((k.split(".", 2)[2], figs[k].split()) for k in figs
		             if k.startswith("cachemem.%s." % phase) and len(figs[k].split()) == 2),
		            key=lambda x: ORDER.index(x[0]) if x[0] in ORDER else 99)
		if variant == "cache" and cm:
			emit("  %-52s %.1f MiB resident of %.1f MiB" % ("  shared cache apart (all workers), %s" % (
				figs.get("cities.%s" % phase, phase) + " cities"), max(int(r) for _, (r, s) in cm) / 1024.0,
				int(cm[0][1][1]) / 1024.0))
			emit("      per workload, MiB: " + ", ".join("%s %.1f" % (LABELS.get(w, w), int(r) / 1024.0)
			                                         for w, (r, s) in cm))
	for k in sorted(x for x in figs if x.startswith("uploads.") or x.startswith("php.")):
		emit("  %-52s %s" % (k.replace(".", " "), figs[k]))
	for k in sorted(x for x in figs if x.startswith("warmup.")):
		emit("  %-52s %s" % ("cache warm-up, %s" % k[7:].replace(".", " "), figs[k]))
	for k in sorted(x for x in figs if x.startswith("warmworkers.")):
		emit("  %-52s %s" % ("fresh workers warmed before uncached runs, %s" % k[12:].replace(".", " "), figs[k]))
	if "load.before" in figs:
		emit("  %-52s %s before, %s after" % ("load average (other work on the machine skews all)",
		                                      figs["load.before"], figs.get("load.after", "?")))
	for k in sorted(x for x in figs if x.startswith("skipped.")):
		emit("  %-52s %s" % ("not measured: %s" % k[8:].replace(".", " "), figs[k]))
	if "time.small.setup" in figs:
		emit("  %-52s %s" % ("seconds from the start: small set ready, measured; large set ready",
		                     "%s, %s; %s" % (figs["time.small.setup"], figs.get("time.small.done", "-"),
		                                     figs.get("time.large.setup", "-"))))
	phases = sorted(k for k in figs if k.startswith("phase."))
	if phases:
		emit("  %-52s %s" % ("time per phase (elapsed; wrk's share)", "; ".join(
			"%s %s" % (k.split(".", 2)[2], figs[k]) for k in phases)))
	if figs.get("php.restarts", "0") != "0":
		emit("  %-52s %s" % ("php-fpm restarted to drop a queue of slow requests", figs["php.restarts"]))
	if figs.get("restarts", "0") != "0":
		emit("  %-52s %s" % ("workers restarted to drop a queue wrk left behind", figs["restarts"]))
	if "total.seconds" in figs:
		emit("  %-52s %s s" % ("the whole bench", figs["total.seconds"]))
	emit()
	targets(emit, runs, figs, verdicts, worst_rss)
	emit()
	npass = sum(1 for _, ok in verdicts if ok)
	emit("%d targets met, %d missed" % (npass, len(verdicts) - npass))
	for label, ok in verdicts:
		if not ok:
			emit("  missed: " + label)
	print("\n".join(out))

	if tap:
		# The harness works: every workload that is served was measured, beside both references.
		missing = []
		only = [x for x in os.environ.get("BENCH_ONLY", "").replace(",", " ").split() if x]
		for (phase, w), info in wl.items():
			if info["status"] != "ok" or (only and w not in only) or (phase != "small" and w == "not_modified"):
				continue
			# The larger set (when --tiny is given one): every workload uncached, without references.
			for v in ("nocache",) if phase != "small" else ("files", "bare") + \
					(() if w in PEER_WORKLOADS else ("cache",)) + ("nocache",) + \
					(("php",) if w in PHP_WORKLOADS else ()):
				r = runs.get((phase, w, v))
				if not r or med(r, "rps") <= 0:
					missing.append("%s/%s/%s" % (phase, w, v))
		served = [w for (p, w), i in wl.items() if i["status"] == "ok"]
		print("%s - make bench --tiny: the stack started and the workloads were generated (%d served)" % (
			"ok" if len(served) >= 5 else "not ok", len(served)))
		print("%s - make bench --tiny: every served workload measured beside files and bare%s" % (
			"ok" if not missing else "not ok", (": missing " + ", ".join(missing)) if missing else ""))
		invalid = ["%s/%s/%s run %s" % (k + (x["run"],)) for k, r in sorted(runs.items()) for x in r if x["void"]]
		print("%s - make bench --tiny: no run was void (non-2xx answers or socket errors)%s" % (
			"ok" if not invalid else "not ok", (": " + ", ".join(invalid)) if invalid else ""))
		same = figs.get("php.same.small", "")
		php_ok = same.startswith("php_same:") and same.endswith(" 0 differ")
		print("%s - make bench --tiny: the PHP reference answers as citybench does (%s)" % (
			"ok" if php_ok else "not ok", same or "not checked"))
		mixed = [kv(figs[k]) for k in sorted(figs) if k.startswith("uploads.mixed.")]
		mixed_ok = bool(runs.get(("small", "mixed", "cache"))) and bool(mixed) and \
			all(u and u["bad"] == 0 and u["lost"] == 0 and u["uploads"] > 0 for u in mixed)
		print("%s - make bench --tiny: reads measured while a partner uploads, every upload accepted (%s)" % (
			"ok" if mixed_ok else "not ok", "; ".join(figs.get(k, "") for k in sorted(figs) if k.startswith("uploads.mixed."))
			or "not measured"))
		burst = kv(figs.get("uploads.burst.small"))
		burst_ok = bool(burst) and burst["bad"] == 0 and burst["lost"] == 0 and burst["partners"] >= 2
		print("%s - make bench --tiny: partners uploading at once, every upload accepted, no version lost (%s)" % (
			"ok" if burst_ok else "not ok", figs.get("uploads.burst.small", "not measured")))
		dry = kv(figs.get("uploads.burst.small.dry"))
		dry_ok = bool(dry) and dry["bad"] == 0 and dry["lost"] == 0 and dry["uploads"] > 0
		print("%s - make bench --tiny: the same uploads as dry runs, every one answered 200, nothing stored (%s)" % (
			"ok" if dry_ok else "not ok", figs.get("uploads.burst.small.dry", "not measured")))
		batch = kv(figs.get("uploads.batch.small"))
		batch_ok = bool(batch) and batch["uploads"] >= 2 and batch.get("made") == batch.get("of") > 0
		print("%s - make bench --tiny: the partners' uploads written together without HTTP, every version made (%s)" % (
			"ok" if batch_ok else "not ok", figs.get("uploads.batch.small", "not measured")))
		invalid = invalid or not php_ok or not mixed_ok or not burst_ok or not dry_ok or not batch_ok
		figs_ok = "recompute.small" in figs and all(any(k.startswith(p) for k in figs)
		                                             for p in ("rss.small.cache.", "rss.small.nocache."))
		print("%s - make bench --tiny: recompute time and worker memory reported" % ("ok" if figs_ok else "not ok"))
		return 0 if not missing and not invalid and figs_ok and len(served) >= 5 else 1
	return 0


if __name__ == "__main__":
	sys.exit(main())
