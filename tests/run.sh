#!/bin/bash
# run.sh: `make test`: unit tests, then a throwaway stack (cluster, workers, nginx on ports chosen now)
# and the integration and browser tests through it.  Ends with "N passed, N failed".
#
#   run.sh          everything
#   run.sh unit     unit tests only
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export BUILD=${BUILD:-build/rel}
cd "$ROOT"
export LC_ALL=C.UTF-8

pass=0
fail=0
failed_names=()

count() {	# count NAME LOGFILE: adds the TAP lines of a log to the totals
	local p f
	p=$(grep -c '^ok ' "$2")
	f=$(grep -c '^not ok ' "$2")
	pass=$((pass + p))
	fail=$((fail + f))
	if [ "$f" -gt 0 ]; then
		failed_names+=("$1")
		grep '^not ok ' "$2" | head -20 | sed 's/^/    /'
	fi
	printf '%-28s %4d passed, %d failed\n' "$1" "$p" "$f"
}

stage() {	# stage NAME SECONDS CMD...: runs a stage with a time budget, its TAP output counted
	local name=$1 budget=$2 log rc t0=$SECONDS
	shift 2
	log=$(mktemp)
	timeout -k 5 "$budget" "$@" >"$log" 2>&1
	rc=$?
	if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
		echo "not ok - $name: over its time budget of ${budget}s" >>"$log"
	elif [ $rc -ne 0 ] && ! grep -q '^not ok ' "$log"; then
		echo "not ok - $name exited with status $rc" >>"$log"
		tail -15 "$log" | sed 's/^/    | /'
	fi
	count "$name" "$log"
	[ $((SECONDS - t0)) -lt 30 ] || echo "    ($name took $((SECONDS - t0)) s of its ${budget} s)"
	cp "$log" "$TESTLOGS/$name.log" 2>/dev/null
	rm -f "$log"
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

TESTLOGS=$ROOT/build/test-logs
mkdir -p "$TESTLOGS"

echo "== unit tests ($BUILD)"
for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	stage "unit/$(basename "$t")" 300 "$t"
done

echo "== the layers of cgi/ (make check-layers, and that it fails on a forbidden include)"
stage "layers" 60 tests/check_layers.sh --self-test

if [ "${1:-}" != unit ]; then
	if [ -f tests/fuzz/fuzz.mk ] && [ "${CB_SKIP_FUZZ:-0}" != 1 ]; then
		echo "== brief fuzzing over the seed corpora"
		stage "fuzz/brief" 300 bash -c 'set -o pipefail; make --no-print-directory fuzz-brief 2>&1 | sed -e "s/^fuzz \(.*\): ok$/ok - fuzz \1/" -e "s/^fuzz \(.*\): FAILED$/not ok - fuzz \1/"'
	fi

	echo "== integration tests through nginx, FastCGI and PostgreSQL"
	RT=$(mktemp -d /var/tmp/citybench-test.XXXXXX)
	chmod 755 "$RT"
	export CB_RT=$RT PORT=$(free_port) CB_PGPORT=$(free_port) CB_PG_FSYNC=off CB_PG_SYNC=off
	cleanup() { tests/stack.sh stop >/dev/null 2>&1; rm -rf "$RT"; }
	trap cleanup EXIT
	trap 'exit 130' INT TERM
	if ! timeout 300 tests/stack.sh start >"$TESTLOGS/stack.log" 2>&1; then
		echo "not ok - the test stack did not start" >"$TESTLOGS/start.log"
		tail -30 "$TESTLOGS/stack.log"
		count "stack" "$TESTLOGS/start.log"
	else
		export BASE_URL=http://127.0.0.1:$PORT CITYBENCH_DB=$(cat "$RT/conninfo") CITYBENCH_ROOT=$ROOT
		# The browser checks the reference statements too: it goes before anything writes.
		if [ -f tests/browser/run.sh ] && [ "${CB_SKIP_BROWSER:-0}" != 1 ]; then
			stage "browser" 900 bash tests/browser/run.sh
		fi
		stage "integration" 900 python3 tests/integration/runner.py
		# The partner's journey in the browser writes: after the tests that read the reference figures.
		if [ -f tests/browser/run.sh ] && [ "${CB_SKIP_BROWSER:-0}" != 1 ]; then
			stage "browser/partner" 300 bash tests/browser/run.sh partner
		fi
		stage "install" 300 tests/install.sh
		# The server must have survived everything above.
		echo "== after the tests"
		log=$(mktemp)
		if grep -q "AddressSanitizer\|runtime error:" "$RT/fcgi.log"; then
			echo "not ok - sanitizer reports in the workers' log" >"$log"
			grep -A5 "AddressSanitizer\|runtime error:" "$RT/fcgi.log" | head -40
		else
			echo "ok - no sanitizer report from the workers" >"$log"
		fi
		# The fault tests kill workers with SIGKILL; any other death is a crash.
		if grep -q "killed by signal \(4\|6\|7\|8\|11\)[;:]" "$RT/fcgi.log"; then
			echo "not ok - a worker crashed (the workers' log names the signal)" >>"$log"
			grep "killed by signal" "$RT/fcgi.log" | grep -v "signal 9;" | head -10
		else
			echo "ok - no worker crashed" >>"$log"
		fi
		count "server log" "$log"
		rm -f "$log"
		cp "$RT/fcgi.log" "$TESTLOGS/fcgi.log" 2>/dev/null
	fi
	stage "scale" 180 tests/scale.sh --short
	# The .deb built and taken through install, upgrade, remove and purge in a throwaway root, with
	# docs/operations.md's command blocks run as they stand.
	[ "${CB_SKIP_PACKAGE:-0}" != 1 ] && stage "package" 600 tests/package.sh
	# One worker checked by LeakSanitizer after a short mixed load (the full check: tests/leak.sh, 2,000).
	[ "${CB_SKIP_LEAK:-0}" != 1 ] && stage "leak" 240 tests/leak.sh 400
	[ "${CB_SKIP_BENCH:-0}" != 1 ] && stage "bench/tiny" 300 tests/bench.sh --tiny
fi

echo
[ ${#failed_names[@]} -gt 0 ] && echo "failed stages: ${failed_names[*]}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
