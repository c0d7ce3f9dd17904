#!/usr/bin/env python3
"""php_same.py: does the PHP reference (tests/bench/php/) give citybench's answer?

    php_same.py CITYBENCH_BASE PHP_BASE URLFILE... [--sample N]

For a sample of each URL file's paths (N spread over the file, default 20), fetches both answers and
checks: the same status; then every field the PHP answer has is in citybench's with the same value
(objects: PHP's members, recursively; arrays: the same length, element by element; numbers: the same
double, bit for bit).  Fields citybench has and PHP does not implement (histogram, links, history...)
are not compared.  Prints one line per difference (at most 5 a URL) and a summary line:
    php_same: N URLs, M differ
Exit status 1 when any differ.
"""
import json
import struct
import sys
import urllib.error
import urllib.request
from numbers import Real


def fetch(base, path):
	try:
		with urllib.request.urlopen(base + path, timeout=120) as r:
			return r.status, r.read()
	except urllib.error.HTTPError as e:
		return e.code, e.read()


def same(cb, php, path, out):
	if isinstance(php, dict):
		if not isinstance(cb, dict):
			out.append("%s: %s in citybench, an object in PHP" % (path, type(cb).__name__))
			return
		for k, v in php.items():
			if k not in cb:
				out.append("%s.%s: not in citybench's answer" % (path, k))
			else:
				same(cb[k], v, "%s.%s" % (path, k), out)
	elif isinstance(php, list):
		if not isinstance(cb, list) or len(cb) != len(php):
			out.append("%s: %s items in citybench, %d in PHP" % (
				path, len(cb) if isinstance(cb, list) else type(cb).__name__, len(php)))
			return
		for i, (a, b) in enumerate(zip(cb, php)):
			same(a, b, "%s[%d]" % (path, i), out)
	elif isinstance(php, bool) or php is None or isinstance(php, str):
		if cb != php or type(cb) is not type(php):
			out.append("%s: %r vs %r" % (path, cb, php))
	elif isinstance(php, Real):
		if isinstance(cb, bool) or not isinstance(cb, Real) or struct.pack("<d", cb) != struct.pack("<d", php):
			out.append("%s: %r vs %r" % (path, cb, php))
	else:
		out.append("%s: %r vs %r" % (path, cb, php))


def main(argv):
	n = 20
	if "--sample" in argv:
		i = argv.index("--sample")
		n = int(argv[i + 1])
		del argv[i:i + 2]
	if len(argv) < 3:
		print(__doc__, file=sys.stderr)
		return 2
	cb_base, php_base, files = argv[0], argv[1], argv[2:]
	total = bad = 0
	for fn in files:
		paths = [p for p in open(fn).read().split("\n") if p]
		for p in paths[:: max(1, len(paths) // n)][:n]:
			total += 1
			s1, b1 = fetch(cb_base, p)
			s2, b2 = fetch(php_base, p)
			problems = []
			if s1 != s2:
				problems.append("status %d vs %d" % (s1, s2))
			elif s1 == 200:
				try:
					same(json.loads(b1), json.loads(b2), "$", problems)
				except ValueError as e:
					problems.append("not JSON: %s" % e)
			if problems:
				bad += 1
				print("DIFF %s" % p)
				for x in problems[:5]:
					print("    " + x)
	print("php_same: %d URLs, %d differ" % (total, bad))
	return 1 if bad else 0


if __name__ == "__main__":
	sys.exit(main(sys.argv[1:]))
