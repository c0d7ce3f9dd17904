#!/bin/bash
# profile.sh: where one request of a bench workload spends its time, to explain a missed target.
# A throwaway stack on the bench's synthetic data with ONE worker under valgrind's callgrind and
# PostgreSQL's pg_stat_statements; N requests of the workload, one after the other; then
#   - wall time per request as the client saw it (callgrind slows the worker's CPU ~50x, so the
#     natively measured figures below matter more than this one),
#   - PostgreSQL time per request and the statements that take it (pg_stat_statements),
#   - the worker's instructions per request and the functions that execute them (callgrind_annotate).
#
#   tests/bench/profile.sh WORKLOAD [N]     WORKLOAD: profile_json profile_html compare_json
#                                           ranking_json peers_json not_modified peers_answer_html
#                                           peers_population_html peers_list_html peers_similar_html;
#                                           N requests (200)
#   tests/bench/profile.sh reload           `citybench plugins reload` (recompute every metric):
#                                           wall and CPU time, PostgreSQL's share and statements
# Environment: PROFILE_CITIES (1000), PROFILE_CACHE (0: worker cache off), PROFILE_KEEP=1 keeps the
# runtime directory (the callgrind file is build/bench/callgrind.WORKLOAD.out either way).
# PROFILE_WARM=K (0): the steady state of a warmed worker, as the bench measures it: K requests of the
# workload warm the worker (its per-version blocks built), then GET /healthz zeroes callgrind's counters
# (--zero-before=health_get) and pg_stat_statements': the N requests' figures leave the builds out.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
export LC_ALL=C.UTF-8
WL=${1:-}
N=${2:-200}
case "$WL" in
profile_json|profile_html|compare_json|ranking_json|peers_json|not_modified|reload) ;;
peers_answer_html|peers_population_html|peers_list_html|peers_similar_html) ;;
*) echo "usage: tests/bench/profile.sh WORKLOAD [N] | reload" >&2; exit 2 ;;
esac
CITIES=${PROFILE_CITIES:-1000}
BIN=${CB_BIN:-$ROOT/bin}
OUT=$ROOT/build/bench
PGBIN=/usr/lib/postgresql/15/bin
command -v valgrind >/dev/null || { echo "profile.sh: valgrind is not installed" >&2; exit 1; }
mkdir -p "$OUT"

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
say() { printf 'profile: %s\n' "$*" >&2; }

RT=$(mktemp -d /var/tmp/citybench-prof.XXXXXX)
chmod 755 "$RT"
export CB_RT=$RT PORT=$(free_port) CB_PGPORT=$(free_port) CB_PG_FSYNC=off CB_PG_SYNC=off
export CITYBENCH_ROOT=$ROOT
unset CITYBENCH_DB BASE_URL CITYBENCH_CACHE CITYBENCH_SKIP_SYNC CITYBENCH_WORKERS
BASE=http://127.0.0.1:$PORT
cleanup() {
	CB_BIN=$RT/wrap tests/stack.sh stop >/dev/null 2>&1
	if [ "${PROFILE_KEEP:-0}" = 1 ]; then say "kept $RT"; else rm -rf "$RT"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# stack.sh start returns once the socket exists; the supervisor writes its pid file only after its
# start-up recompute, and `stack.sh stop` before that would leave the server running.
wait_pidfile() {
	local i
	for i in $(seq 1 600); do [ -s "$RT/fcgi.pid" ] && return 0; sleep 0.1; done
	echo "profile.sh: the FastCGI server wrote no pid file" >&2
	return 1
}

say "a stack with $CITIES cities under $RT"
CB_SAMPLE_CITIES=$((CITIES - 1)) tests/stack.sh start >"$RT/stack.log" 2>&1 ||
	{ tail -20 "$RT/stack.log" >&2; exit 1; }
wait_pidfile || exit 1
CONNINFO=$(cat "$RT/conninfo")

if [ "$WL" = reload ]; then
	"$PGBIN/psql" -qAtX "$CONNINFO" -c "alter system set shared_preload_libraries = 'pg_stat_statements'" >/dev/null
	tests/stack.sh stop >/dev/null 2>&1
	CITYBENCH_SKIP_SYNC=1 tests/stack.sh start >>"$RT/stack.log" 2>&1 || { tail -20 "$RT/stack.log" >&2; exit 1; }
	wait_pidfile || exit 1
	"$PGBIN/psql" -qAtX "$CONNINFO" -c "create extension if not exists pg_stat_statements" \
		-c "select pg_stat_statements_reset()" >/dev/null
	say "citybench plugins reload at $CITIES cities"
	t0=$(date +%s.%N)
	CITYBENCH_DB=$CONNINFO /usr/bin/time -f '%U %S %M' -o "$RT/time.txt" "$BIN/citybench" plugins reload \
		>"$RT/reload.log" 2>&1 || { cat "$RT/reload.log" >&2; exit 1; }
	wall=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
	read -r user sys maxrss <"$RT/time.txt"
	echo "== plugins reload: $CITIES cities, $(grep -c '^loaded' "$RT/reload.log") plugin files"
	echo "wall                                   $wall s"
	echo "CLI CPU (user + system, with children) $user + $sys s, peak RSS $((maxrss / 1024)) MiB"
	"$PGBIN/psql" -qAtX -F $'\t' "$CONNINFO" -c "
		select 'PostgreSQL                             ' || round((sum(total_exec_time) / 1000)::numeric, 2)
		       || ' s in ' || sum(calls) || ' statements'
		from pg_stat_statements where query not like '%pg_stat_statements%'"
	echo
	echo "-- statements by time (total s, calls, mean ms, statement)"
	"$PGBIN/psql" -qAtX -F $'\t' "$CONNINFO" -c "
		select round((total_exec_time / 1000)::numeric, 3), calls, round(mean_exec_time::numeric, 3),
		       left(regexp_replace(query, '\s+', ' ', 'g'), 140)
		from pg_stat_statements where query not like '%pg_stat_statements%'
		order by total_exec_time desc limit 10"
	exit 0
fi

mkdir -p "$RT/prof"
python3 tests/bench/urls.py --base "$BASE" --out "$RT/prof" --count "$N" --sample 5 \
	--files-dir "$RT/prof/files" --files-prefix /__files >"$RT/urls.log" 2>&1 ||
	{ cat "$RT/urls.log" >&2; exit 1; }
HEADER=$(awk -F'\t' -v w="$WL" '$1 == w && $5 != "-" { print $5 }' "$RT/prof/workloads.tsv")

# Again with pg_stat_statements loaded and one worker under callgrind (no start-up recompute: the
# metrics were computed by the first start).
"$PGBIN/psql" -qAtX "$CONNINFO" -c "alter system set shared_preload_libraries = 'pg_stat_statements'" >/dev/null
tests/stack.sh stop >/dev/null 2>&1
mkdir -p "$RT/wrap"
cat >"$RT/wrap/citybench-fcgi" <<EOF
#!/bin/sh
exec valgrind --tool=callgrind --callgrind-out-file=$RT/callgrind.%p --dump-instr=no $([ "${PROFILE_WARM:-0}" -gt 0 ] && echo --zero-before=health_get --compress-strings=no) \
	--log-file=$RT/valgrind.%p.log "$BIN/citybench-fcgi" "\$@"
EOF
chmod +x "$RT/wrap/citybench-fcgi"
ln -s "$BIN/citybench" "$RT/wrap/citybench"
CB_BIN=$RT/wrap CITYBENCH_WORKERS=1 CITYBENCH_SKIP_SYNC=1 CITYBENCH_CACHE=${PROFILE_CACHE:-0} \
	tests/stack.sh start >>"$RT/stack.log" 2>&1 || { tail -20 "$RT/stack.log" >&2; exit 1; }
wait_pidfile || exit 1
"$PGBIN/psql" -qAtX "$CONNINFO" -c "create extension if not exists pg_stat_statements" >/dev/null
# One request to settle the worker (prepared statements, first allocations), then the counters from 0.
curl -s -o /dev/null "$BASE$(head -1 "$RT/prof/$WL.urls")"
if [ "${PROFILE_WARM:-0}" -gt 0 ]; then
	say "${PROFILE_WARM} warm-up requests, then the counters from 0"
	head -n "$PROFILE_WARM" "$RT/prof/$WL.urls" | sed "s|^|$BASE|" |
		xargs -n 1 curl -s -o /dev/null ${HEADER:+-H "$HEADER"}
	# the forked worker is out of callgrind_control's reach: GET /healthz zeroes its counters
	# (--zero-before=health_get, a function no workload calls)
	curl -s -o /dev/null "$BASE/healthz"
fi
"$PGBIN/psql" -qAtX "$CONNINFO" -c "select pg_stat_statements_reset()" >/dev/null

say "$N requests of $WL through the worker under callgrind"
python3 - "$BASE" "$RT/prof/$WL.urls" "$HEADER" "$N" >"$RT/wall.txt" <<'EOF'
import http.client, sys, time, urllib.parse
base, urls, header, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
u = urllib.parse.urlsplit(base)
c = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
hdrs = dict([header.split(": ", 1)]) if header else {}
paths = [l.strip() for l in open(urls) if l.strip()]
statuses, t0 = {}, time.time()
for i in range(n):
	c.request("GET", paths[i % len(paths)], headers=hdrs)
	r = c.getresponse()
	r.read()
	statuses[r.status] = statuses.get(r.status, 0) + 1
print("%.2f %s" % ((time.time() - t0) / n * 1000, " ".join("%d:%d" % kv for kv in sorted(statuses.items()))))
EOF
read -r WALL STATUSES <"$RT/wall.txt"

DBSTATS=$("$PGBIN/psql" -qAtX -F $'\t' "$CONNINFO" -c "
	select round((sum(total_exec_time) / $N)::numeric, 2), sum(calls) / $N
	from pg_stat_statements where query not like '%pg_stat_statements%'")
TOPSQL=$("$PGBIN/psql" -qAtX -F $'\t' "$CONNINFO" -c "
	select round((total_exec_time / $N)::numeric, 3), calls, round(mean_exec_time::numeric, 3),
	       left(regexp_replace(regexp_replace(query, '\s+', ' ', 'g'),
	            '^with cohort as \(select cs\.city_id from current_submissions .*? else false end\)',
	            'with cohort as (COHORT)'), 160)
	from pg_stat_statements where query not like '%pg_stat_statements%'
	order by total_exec_time desc limit 8")

# The worker writes its profile when it exits.
CB_BIN=$RT/wrap tests/stack.sh stop >/dev/null 2>&1
for i in $(seq 1 100); do
	ls "$RT"/valgrind.*.log >/dev/null 2>&1 && ! pgrep -f "callgrind-out-file=$RT" >/dev/null && break
	sleep 0.2
done
# The supervisor's file has no requests in it: the worker's is the larger.
# (by instructions, not bytes: with PROFILE_WARM the worker's counters were zeroed, its file may be the smaller)
CG=$(for f in "$RT"/callgrind.*; do awk -v f="$f" '/^(summary|totals):/ { print $2, f; exit }' "$f"; done 2>/dev/null |
	sort -n | tail -1 | cut -d' ' -f2-)
[ -n "$CG" ] || { echo "profile.sh: no callgrind output" >&2; exit 1; }
cp "$CG" "$OUT/callgrind.$WL.out"
IR=$(awk '/^(summary|totals):/ { print $2; exit }' "$CG")

echo "== $WL: $N requests, $CITIES cities, one worker, cache $([ "${PROFILE_CACHE:-0}" = 1 ] && echo on || echo off)"
echo "statuses (status:count)                $STATUSES"
echo "wall per request (worker under callgrind) ${WALL} ms"
printf 'PostgreSQL per request                 %s ms in %s statements\n' $DBSTATS
echo "worker instructions per request        $(awk -v a="$IR" -v n="$N" 'BEGIN { printf "%.1f M", a / n / 1e6 }') (natively about 1 ms per 1-3 M)"
echo
echo "-- statements by time (ms per request, calls, mean ms, statement)"
echo "$TOPSQL"
echo
echo "-- worker functions by instructions (self)"
callgrind_annotate --inclusive=no "$CG" 2>/dev/null | sed -n '/^Ir/,$p' | sed -n '1,28p'
echo
echo "-- worker functions by instructions (inclusive)"
callgrind_annotate --inclusive=yes "$CG" 2>/dev/null | sed -n '/^Ir/,$p' | sed -n '1,28p'
echo
echo "(the whole profile: callgrind_annotate $OUT/callgrind.$WL.out)"
