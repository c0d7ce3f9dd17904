#!/usr/bin/env python3
"""report.py: the table of `make bench` from build/bench/raw.tsv (one line per wrk run) and
build/bench/figures.tsv (timings, memory), with the issue's targets marked PASS or MISS.

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
}
ORDER = list(LABELS)
VARIANTS = [("files", "nginx files"), ("bare", "bare FastCGI"), ("cache", "citybench cache"),
            ("nocache", "citybench no cache")]

# (phase, variant) -> workload -> minimum ratio to the FastCGI ceiling
RATIO_TARGETS = {
	("small", "cache"): {w: 0.85 for w in ORDER},
	("small", "nocache"): {"compare_json": 0.4, "profile_json": 0.4, "profile_html": 0.15,
	                       "ranking_json": 0.15, "peers_json": 0.15},
	("large", "nocache"): {"ranking_json": 0.1},
}
P99_TARGET_MS = {("small", "cache"): 10.0}
RSS_MAX_KIB = 32 * 1024
IMPORT_MAX_S = 10.0
RECOMPUTE_MAX_S = 2.0


def load(dirname):
	runs = {}
	with open(os.path.join(dirname, "raw.tsv")) as f:
		for line in f:
			p = line.rstrip("\n").split("\t")
			if len(p) < 12:
				continue
			key = (p[0], p[1], p[2])
			runs.setdefault(key, []).append({
				"rps": float(p[4]), "p50": float(p[5]), "p99": float(p[6]), "bad": int(p[7]),
				"total": int(p[8]), "hits": int(p[9]), "misses": int(p[10]), "timeouts": int(p[11])})
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
			if info and info["status"] != "ok":
				emit("%-17s %s" % (LABELS[w], "not measured: " + info["note"]))
				continue
			ref = {}
			borrowed = False
			for v in ("files", "bare"):
				r = runs.get((phase, w, v))
				if not r and phase != "small" and runs.get(("small", w, v)):
					# Same response size as in the small set: its references stand (bench.sh says so).
					r = runs[("small", w, v)]
					borrowed = True
				if r:
					ref[v] = med(r, "rps")
			for v, vlabel in VARIANTS:
				r = runs.get((phase, w, v))
				if not r:
					continue
				rps, p50, p99 = med(r, "rps"), med(r, "p50"), med(r, "p99")
				bad = sum(x["bad"] for x in r)
				total = sum(x["total"] for x in r) or 1
				hits = sum(x["hits"] for x in r)
				misses = sum(x["misses"] for x in r)
				hit = "%5.1f" % (100.0 * hits / (hits + misses)) if hits + misses else "-"
				rf = "%.2f" % (rps / ref["files"]) if ref.get("files") and v not in ("files",) else "-"
				rb = "%.2f" % (rps / ref["bare"]) if ref.get("bare") and v not in ("files", "bare") else "-"
				timeouts = sum(x["timeouts"] for x in r)
				target = ""
				t = RATIO_TARGETS.get((phase, v), {}).get(w)
				p99t = P99_TARGET_MS.get((phase, v))
				if borrowed and v in ("cache", "nocache"):
					rb = rb + "*" if rb != "-" else rb
					rf = rf + "*" if rf != "-" else rf
				if bad > total * 0.01:
					target = "INVALID: %d of %d answers were errors" % (bad, total)
					verdicts.append(("%s %s %s: valid" % (phase, w, v), False))
				elif t is not None and ref.get("bare"):
					ok_ratio = rps / ref["bare"] >= t
					ok_p99 = p99t is None or p99 <= p99t
					parts = [">= %.2f" % t] + (["p99 <= %g ms" % p99t] if p99t else [])
					target = "%s %s" % (", ".join(parts), "PASS" if ok_ratio and ok_p99 else "MISS")
					if not ok_ratio or not ok_p99:
						why = []
						if not ok_ratio:
							why.append("ratio")
						if not ok_p99:
							why.append("p99")
						target += " (" + ", ".join(why) + ")"
					verdicts.append(("%s %s %s" % (phase, LABELS[w], vlabel), ok_ratio and ok_p99))
				if timeouts:
					target += " [%d requests over wrk's 10 s timeout, not in the latencies]" % timeouts
				if rps == 0 and not r[0]["total"]:
					target += " [no answer within a run: one request takes longer than the run]"
				emit("%-17s %-19s %9.1f %8.2f %8.2f %7s %6s %7s %7s  %s" % (
					LABELS[w], vlabel, rps, p50, p99, info["bytes"] if info else "-", hit, rf, rb, target))
		lat = ["%s %s ms" % (LABELS[w], wl[(phase, w)]["ms"]) for w in ORDER
		       if (phase, w) in wl and wl[(phase, w)]["status"] == "ok" and w != "not_modified"]
		if lat:
			emit("  one request, before the runs (median of a sample, two at a time, mostly uncached):")
			emit("    " + ", ".join(lat))
		if phase != "small" and any(k.startswith("refs.%s." % phase) for k in figs):
			emit("  * against the references of the smaller set: the response is the same size")
		emit()

	emit("== figures")
	for k, label, limit in (("import.large", "import of the large set (one import)", IMPORT_MAX_S),
	                        ("import.large.slices", "import of the same set in slices of 1,000 cities", None),
	                        ("recompute.small", "recompute of every metric, small set", RECOMPUTE_MAX_S),
	                        ("recompute.large", "recompute of every metric, large set", RECOMPUTE_MAX_S)):
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
		verdicts.append(("worker RSS, %s, %s" % (phase, variant), ok))
		cm = sorted(((k.split(".", 2)[2], figs[k].split()) for k in figs
		             if k.startswith("cachemem.%s." % phase) and len(figs[k].split()) == 2),
		            key=lambda x: ORDER.index(x[0]) if x[0] in ORDER else 99)
		if variant == "cache" and cm:
			emit("  %-52s %.1f MiB resident of %.1f MiB" % ("  shared cache apart (all workers), %s" % (
				figs.get("cities.%s" % phase, phase) + " cities"), max(int(r) for _, (r, s) in cm) / 1024.0,
				int(cm[0][1][1]) / 1024.0))
			emit("      per workload, MiB: " + ", ".join("%s %.1f" % (LABELS.get(w, w), int(r) / 1024.0)
			                                         for w, (r, s) in cm))
	for k in sorted(x for x in figs if x.startswith("warmup.")):
		emit("  %-52s %s" % ("cache warm-up, %s" % k[7:].replace(".", " "), figs[k]))
	if "load.before" in figs:
		emit("  %-52s %s before, %s after" % ("load average (other work on the machine skews all)",
		                                      figs["load.before"], figs.get("load.after", "?")))
	for k in sorted(x for x in figs if x.startswith("skipped.")):
		emit("  %-52s %s" % ("not measured: %s" % k[8:].replace(".", " "), figs[k]))
	if "time.small.setup" in figs:
		emit("  %-52s %s" % ("seconds from the start: small set ready, measured; large set ready",
		                     "%s, %s; %s" % (figs["time.small.setup"], figs.get("time.small.done", "-"),
		                                     figs.get("time.large.setup", "-"))))
	if figs.get("restarts", "0") != "0":
		emit("  %-52s %s" % ("workers restarted to drop a queue wrk left behind", figs["restarts"]))
	if "total.seconds" in figs:
		emit("  %-52s %s s" % ("the whole bench", figs["total.seconds"]))
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
			if info["status"] != "ok" or (only and w not in only):
				continue
			for v in ("files", "bare", "cache", "nocache"):
				r = runs.get((phase, w, v))
				if not r or med(r, "rps") <= 0:
					missing.append("%s/%s/%s" % (phase, w, v))
		served = [w for (p, w), i in wl.items() if i["status"] == "ok"]
		print("%s - make bench --tiny: the stack started and the workloads were generated (%d served)" % (
			"ok" if len(served) >= 5 else "not ok", len(served)))
		print("%s - make bench --tiny: every served workload measured beside files and bare%s" % (
			"ok" if not missing else "not ok", (": missing " + ", ".join(missing)) if missing else ""))
		invalid = [l for l, ok in verdicts if l.endswith(": valid")]
		print("%s - make bench --tiny: no run answered errors%s" % (
			"ok" if not invalid else "not ok", (": " + ", ".join(invalid)) if invalid else ""))
		figs_ok = "recompute.small" in figs and all(any(k.startswith(p) for k in figs)
		                                             for p in ("rss.small.cache.", "rss.small.nocache."))
		print("%s - make bench --tiny: recompute time and worker memory reported" % ("ok" if figs_ok else "not ok"))
		return 0 if not missing and not invalid and figs_ok and len(served) >= 5 else 1
	return 0


if __name__ == "__main__":
	sys.exit(main())
