#!/bin/bash
# soak.sh: `make soak`: a throwaway stack (cluster, workers, nginx on loopback ports chosen now, like
# `make test`'s) under a mixed load of reads, uploads and previews for SOAK_SECONDS (600), then:
#   - no answer other than the intended ones (429s from the per-token limits and the preview slots);
#   - every upload answered 201 (its submission id recorded) is stored as a version, without gaps;
#   - the workers' resident memory, sampled every SOAK_RSS_EVERY (30) seconds, stays flat within the
#     response cache's bound (first, last and largest sample reported);
#   - the supervisor restarted no worker and the workers logged no sanitizer report.
# SOAK_THREADS (8) clients; the binaries in CB_BIN (default bin/).  Exits 0 when every check passed.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export LC_ALL=C.UTF-8
DURATION=${SOAK_SECONDS:-600}
THREADS=${SOAK_THREADS:-8}
EVERY=${SOAK_RSS_EVERY:-30}
CACHE_BYTES=${CITYBENCH_CACHE_BYTES:-134217728}	# the server's default

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

RT=$(mktemp -d /var/tmp/citybench-soak.XXXXXX)
chmod 755 "$RT"
export CB_RT=$RT PORT=$(free_port) CB_PGPORT=$(free_port) CB_PG_FSYNC=off CB_PG_SYNC=off
cleanup() { tests/stack.sh stop >/dev/null 2>&1; rm -rf "$RT"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "soak: ${DURATION}s, $THREADS clients, memory sampled every ${EVERY}s (runtime $RT)"
if ! timeout 300 tests/stack.sh start >"$RT/stack.log" 2>&1; then
	echo "soak: the stack did not start"
	tail -20 "$RT/stack.log"
	exit 1
fi
export BASE_URL=http://127.0.0.1:$PORT CITYBENCH_DB=$(cat "$RT/conninfo") CITYBENCH_ROOT=$ROOT

fail=0
python3 tests/load.py --seconds "$DURATION" --threads "$THREADS" --cities 16 --seed "${SOAK_SEED:-1}" \
	--pidfile "$RT/fcgi.pid" --rss-every "$EVERY" --cache-bytes "$CACHE_BYTES" || fail=1

restarts=$(grep -c "restarting" "$RT/fcgi.log")
if [ "$restarts" -gt 0 ]; then
	echo "FAIL: the supervisor restarted $restarts worker(s):"
	grep "restarting" "$RT/fcgi.log" | head -5
	fail=1
else
	echo "ok: no worker died"
fi
if grep -q "AddressSanitizer\|LeakSanitizer\|runtime error:" "$RT/fcgi.log"; then
	echo "FAIL: sanitizer reports in the workers' log"
	grep -A5 "AddressSanitizer\|LeakSanitizer\|runtime error:" "$RT/fcgi.log" | head -20
	fail=1
fi
upstream=$(grep -c "upstream" "$RT/nginx/logs/error.log" 2>/dev/null)
[ "${upstream:-0}" -gt 0 ] && echo "note: $upstream upstream lines in nginx's error log" &&
	grep "upstream" "$RT/nginx/logs/error.log" | head -3
[ $fail = 0 ] && echo "soak: passed" || echo "soak: FAILED"
exit $fail
