#!/bin/bash
# leak.sh: a FastCGI worker checked for memory leaks after a mix of requests.
#
#   tests/leak.sh [REQUESTS]     (default LEAK_REQUESTS, 2000; `make test` runs a short one)
#   LEAK_TOOL=valgrind tests/leak.sh 200
#
# Starts a throwaway stack (cluster, one worker, nginx; ports chosen now) with CITYBENCH_WORKERS=1 and
# CITYBENCH_LEAKCHECK=1, so that the worker leaves through exit() when stopped; sends pages, JSON, CSV,
# SVG, errors, uploads, the form and previews (tests/load.py); stops the stack and reports definite
# leaks of the supervisor and the worker as failures.  Prints TAP lines.
#
# The checker: LeakSanitizer by default, in a build made for it (make SANITIZE=leak BUILD=build/lsan,
# about 15 s), or the sanitizer build CB_BIN names when it is one (SANITIZE=address,...).  With
# LEAK_TOOL=valgrind, the release build in CB_BIN (default bin/) runs under valgrind (--leak-check=full,
# definite leaks are errors): thorough, but some 50 times slower (the plugin sandboxes, exec'd
# citybench-sandbox processes, run outside valgrind).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
REQUESTS=${1:-${LEAK_REQUESTS:-2000}}
BIN=${CB_BIN:-$ROOT/bin}
TOOL=${LEAK_TOOL:-lsan}
export LC_ALL=C.UTF-8

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

RT=$(mktemp -d /var/tmp/citybench-leak.XXXXXX)
chmod 755 "$RT"
export CB_RT=$RT PORT=$(free_port) CB_PGPORT=$(free_port) CB_PG_FSYNC=off CB_PG_SYNC=off
export CITYBENCH_WORKERS=1 CITYBENCH_LEAKCHECK=1
cleanup() { CB_BIN=$RT/bin tests/stack.sh stop >/dev/null 2>&1; rm -rf "$RT"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

sanitized() { ldd "$1" 2>/dev/null | grep -q 'libasan\|liblsan' || nm "$1" 2>/dev/null | grep -q '__asan_init\|__lsan_'; }

# The server through the checker: a bin directory of wrappers that stack.sh runs instead.
mkdir -p "$RT/bin" "$RT/leak"
if [ "$TOOL" != valgrind ] && ! sanitized "$BIN/citybench-fcgi"; then
	if ! make --no-print-directory -j2 SANITIZE=leak BUILD=build/lsan build/lsan/citybench-fcgi \
	    build/lsan/citybench build/lsan/citybench-sandbox >"$RT/build.log" 2>&1; then
		echo "not ok - leak: the LeakSanitizer build failed"
		tail -20 "$RT/build.log" | sed 's/^/# /'
		exit 1
	fi
	BIN=$ROOT/build/lsan
fi
ln -s "$BIN/citybench" "$RT/bin/citybench"
if [ "$TOOL" != valgrind ]; then
	MODE=LeakSanitizer
	# exitcode 0: the supervisor must not take a report for a crash; the reports are read below.
	cat >"$RT/bin/citybench-fcgi" <<EOF
#!/bin/sh
export ASAN_OPTIONS="detect_leaks=1:log_path=$RT/leak/lsan:\${ASAN_OPTIONS:-}"
export LSAN_OPTIONS="exitcode=0:log_path=$RT/leak/lsan:fast_unwind_on_malloc=0:suppressions=$ROOT/tests/leak.supp:\${LSAN_OPTIONS:-}"
exec "$BIN/citybench-fcgi" "\$@"
EOF
else
	MODE=valgrind
	command -v valgrind >/dev/null || { echo "not ok - leak: valgrind is not installed"; exit 1; }
	# Plugins are synced by the CLI below, not by a server slowed down by valgrind (their CPU budget).
	export CITYBENCH_SKIP_SYNC=1
	cat >"$RT/bin/citybench-fcgi" <<EOF
#!/bin/sh
exec valgrind --suppressions=$ROOT/tests/leak.valgrind.supp --leak-check=full --show-leak-kinds=definite --errors-for-leak-kinds=definite \\
	--error-exitcode=97 --num-callers=30 --log-file=$RT/leak/vg.%p.log "$BIN/citybench-fcgi" "\$@"
EOF
fi
chmod +x "$RT/bin/citybench-fcgi"

echo "# leak check ($MODE): $REQUESTS requests through one worker"
if ! CB_BIN=$RT/bin timeout 300 tests/stack.sh start >"$RT/stack.log" 2>&1; then
	echo "not ok - leak: the stack did not start"
	tail -20 "$RT/stack.log" | sed 's/^/# /'
	exit 1
fi
export BASE_URL=http://127.0.0.1:$PORT CITYBENCH_DB=$(cat "$RT/conninfo") CITYBENCH_ROOT=$ROOT CB_BIN=$RT/bin
"$RT/bin/citybench" plugins reload >/dev/null 2>&1
for i in $(seq 1 300); do
	curl -fs -o /dev/null "$BASE_URL/healthz" && break
	sleep 0.2
done

if python3 tests/load.py --requests "$REQUESTS" --threads 2 --cities 4 --seed 7 >"$RT/load.log" 2>&1; then
	echo "ok - leak: $REQUESTS mixed requests answered as intended"
else
	echo "not ok - leak: the load's answers (see below)"
fi
sed 's/^/# /' "$RT/load.log"

# Stop: the worker and the supervisor leave through exit() and the checker reports.
sup=$(cat "$RT/fcgi.pid" 2>/dev/null)
kill "$sup" 2>/dev/null
for i in $(seq 1 600); do
	kill -0 "$sup" 2>/dev/null || break
	sleep 0.1
done
CB_BIN=$RT/bin tests/stack.sh stop >/dev/null 2>&1

fail=0
if [ "$MODE" = valgrind ]; then
	# The supervisor, and the workers it forked (their log names it as parent); a plugin sandbox
	# (forked by a worker, leaving by _exit) is not checked.
	checked=0
	for f in "$RT"/leak/vg.*.log; do
		[ -f "$f" ] || continue
		pid=$(sed -n 's/^==\([0-9]*\)== .*/\1/p' "$f" | head -1)
		parent=$(sed -n 's/^==[0-9]*== Parent PID: \([0-9]*\)/\1/p' "$f" | head -1)
		if [ "$pid" = "$sup" ]; then who=supervisor
		elif [ "$parent" = "$sup" ]; then who=worker
		else continue
		fi
		checked=$((checked + 1))
		if ! grep -q "ERROR SUMMARY" "$f"; then
			echo "not ok - leak: the $who ($pid) ended without valgrind's report (killed?)"
			fail=1
		elif grep -q "definitely lost: [1-9]" "$f" || grep -q "ERROR SUMMARY: [1-9]" "$f"; then
			echo "not ok - leak: the $who ($pid): $(grep -o 'definitely lost: .*' "$f" | head -1); $(grep -o 'ERROR SUMMARY: [0-9]* errors' "$f")"
			grep -A25 "definitely lost in\|Invalid \|uninitialised" "$f" | head -80 | sed 's/^/# /'
			fail=1
		else
			echo "ok - leak: the $who ($pid): no definite leak, no memory error ($(grep -o 'in use at exit: .*' "$f" | head -1))"
		fi
	done
	if [ "$checked" -lt 2 ]; then
		echo "not ok - leak: expected reports from the supervisor and a worker, found $checked"
		fail=1
	fi
else
	# LeakSanitizer says nothing when all is well: the worker's own line shows that it reached exit().
	if ! grep -q "leaving through exit() for the leak check" "$RT/fcgi.log"; then
		echo "not ok - leak: the worker never left through exit(): LeakSanitizer did not check it"
		tail -5 "$RT/fcgi.log" | sed 's/^/# /'
		fail=1
	fi
	reports=$(ls "$RT"/leak/lsan.* 2>/dev/null)
	if [ -n "$reports" ] && grep -l "ERROR: LeakSanitizer\|ERROR: AddressSanitizer" $reports >/dev/null; then
		echo "not ok - leak: LeakSanitizer found leaks"
		grep -h -A20 "ERROR: \|Direct leak" $reports | head -80 | sed 's/^/# /'
		fail=1
	elif [ $fail = 0 ]; then
		echo "ok - leak: LeakSanitizer found no leak in the supervisor or the worker"
	fi
fi
exit $fail
