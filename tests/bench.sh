#!/bin/bash
# bench.sh: `make bench`: the benchmark harness.  A throwaway stack (cluster, workers, nginx on ports
# chosen now) on synthetic data; wrk on each read workload, each beside two references measured in the
# same run and behind the same nginx:
#   files  nginx serving the same response bytes from files (the limit)
#   bare   a libfcgi responder that does no work, answering bodies of the same size (the FastCGI
#          ceiling; tests/bench/bare.c)
#   php    a plain PHP implementation (php-fpm, 4 children) of the profile, compare, ranking and
#          peer-group (region, country, population band) JSON over the same database, on a server block
#          of its own (tests/bench/php/, tests/bench/php.sh); its answers are checked against
#          citybench's first (tests/bench/php_same.py)
# with the worker cache on (warmed first) and off (CITYBENCH_CACHE=0), at 1,000 cities; then at 10,000
# cities the uncached workloads; plus the time to import 10,000 cities, to recompute every metric, and
# each worker's memory.  The phases (listed above the setup below) measure every targeted row first;
# the untargeted figures (PHP and the cached ranking at 10,000, the files reference) come last, while
# BENCH_BUDGET lasts; each phase's elapsed time is printed.  Uncached runs start with fresh workers
# warmed by a few requests each (BENCH_WARM_PER_WORKER): the figure is steady-state uncached reads,
# not a worker's start-up (its per-version state is built on its first requests).  Write workloads (tests/bench/uploads.py): the
# cached profile reads while a partner uploads once a second, against the cached-only figure; 20
# partners uploading at once at each size (p50, throughput, no version lost).  Every wrk run is checked
# for non-2xx answers and socket errors: a run with any is VOID, its figure not used (report.py says so).  Prints the table and writes it to
# build/bench/results.txt (raw wrk outputs beside it).  What limits a workload: tests/bench/profile.sh.
#
#   bench.sh           the full run (at most 15 minutes on 2 cores)
#   bench.sh --tiny    a check that the harness works: 100 cities, 1 s runs, no 10,000-city part
#                      (BENCH_LARGE_CITIES=N adds one of N cities);
#                      prints TAP lines ("ok - ...") for `make test`; results in build/bench/tiny/
#
# Environment: BENCH_SECONDS (4) per run; BENCH_REPEAT (3) runs per measurement, the median reported;
# BENCH_WARMUP (5) seconds a warm-up slice before cached runs, BENCH_WARMUP_MAX (60) seconds of
# warm-up at most (less when warming cannot succeed); BENCH_CITIES (1000); BENCH_LARGE_CITIES (10000; 0 skips that part);
# BENCH_LARGE_REPEAT (1) runs of the large size's workloads other than the ranking;
# BENCH_LARGE_CACHED (1: the cached ranking at the large size too); BENCH_CONNECTIONS (64);
# BENCH_THREADS (2); BENCH_URLS (1000 distinct URLs per workload); BENCH_SAMPLE (50) and
# BENCH_LARGE_SAMPLE (4) responses fetched per workload (checked, saved for the files reference);
# BENCH_IMPORT_LIMIT (60) seconds the one-shot import of the large set may take before it is stopped;
# BENCH_UPLOAD_BURST (3) uploads per partner when 20 upload at once (1 in --tiny);
# BENCH_BUDGET (800) seconds, past which the untargeted work is skipped (never a targeted row);
# BENCH_WARM_PER_WORKER (3) requests per fresh worker before uncached runs;
# BENCH_TRACE=1 writes every command with its time to build/bench/trace.txt;
# BENCH_ONLY (a comma list of workloads); CITYBENCH_WORKERS (4, as the stack); BENCH_KEEP=1 keeps
# the runtime directory.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export LC_ALL=C.UTF-8

TINY=0
[ "${1:-}" = --tiny ] && TINY=1
if [ $TINY = 1 ]; then
	SECS=${BENCH_SECONDS:-1}; REPEAT=${BENCH_REPEAT:-1}; WARMUP=${BENCH_WARMUP:-1}; WARMUP_MAX=1
	CITIES=${BENCH_CITIES:-100}; LARGE=${BENCH_LARGE_CITIES:-0}; NURLS=${BENCH_URLS:-300}; NSAMPLE=20; LARGE_REPEAT=1
else
	SECS=${BENCH_SECONDS:-4}; REPEAT=${BENCH_REPEAT:-3}; WARMUP=${BENCH_WARMUP:-5}
	WARMUP_MAX=${BENCH_WARMUP_MAX:-60}
	CITIES=${BENCH_CITIES:-1000}; LARGE=${BENCH_LARGE_CITIES:-10000}; NURLS=${BENCH_URLS:-1000}
	NSAMPLE=${BENCH_SAMPLE:-50}; LARGE_REPEAT=${BENCH_LARGE_REPEAT:-1}
fi
CONNS=${BENCH_CONNECTIONS:-64}
BUDGET=${BENCH_BUDGET:-800}	# seconds; past it the untargeted work (run last) is skipped
[ $TINY = 1 ] && BUDGET=${BENCH_BUDGET:-100000}
IMPORT_LIMIT=${BENCH_IMPORT_LIMIT:-60}
THREADS=${BENCH_THREADS:-2}
WORKERS=${CITYBENCH_WORKERS:-4}
BIN=${CB_BIN:-$ROOT/bin}
OUT=$ROOT/build/bench
[ $TINY = 1 ] && OUT=$ROOT/build/bench/tiny	# `make test` leaves the last full run's results alone
PGBIN=/usr/lib/postgresql/15/bin
WORKLOADS="profile_json profile_html compare_json ranking_json peers_json not_modified"
# Peer groups of each kind (issue 18's "uncached profile HTML, peers of any kind"): uncached only.
PEER_WORKLOADS="peers_answer_html peers_population_html peers_list_html peers_similar_html"
WORKLOADS="$WORKLOADS $PEER_WORKLOADS"
[ -n "${BENCH_ONLY:-}" ] && WORKLOADS=${BENCH_ONLY//,/ }
T0=$(date +%s)
if [ "${BENCH_TRACE:-0}" = 1 ]; then	# every command with its time, into OUT/trace.txt (where time goes)
	mkdir -p "$ROOT/build/bench"
	exec 9>"$ROOT/build/bench/trace$([ $TINY = 1 ] && echo -tiny).txt"
	BASH_XTRACEFD=9 PS4='+ ${EPOCHREALTIME} ${FUNCNAME[0]:-main} ' && set -x
fi

say() { printf 'bench: [%4ds] %s\n' "$(($(date +%s) - T0))" "$*" >&2; }
tap_fail() { [ $TINY = 1 ] && echo "not ok - $*"; say "FAILED: $*"; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; }

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

command -v wrk >/dev/null || tap_fail "wrk is not installed (tests/deps.sh installs it)"
[ -x "$BIN/citybench-fcgi" ] && [ -x "$BIN/citybench" ] || tap_fail "no binaries in $BIN: run make first"

# ---- the helpers: a bare responder, the shared-counter reader ----
mkdir -p "$OUT"
STRICT="-std=c11 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
	-Wpointer-arith -Wwrite-strings -fno-common"
# shellcheck disable=SC2086
cc $STRICT -o "$OUT/bare" tests/bench/bare.c $(pkg-config --cflags --libs fcgi) ||
	tap_fail "tests/bench/bare.c does not build"
# shellcheck disable=SC2086
cc $STRICT -Iinclude $(pkg-config --cflags libpq) -o "$OUT/shmstat" tests/bench/shmstat.c ||
	tap_fail "tests/bench/shmstat.c does not build"

# The partners' uploads written together, without HTTP (batch_floor below): linked with the domain's
# own store functions from the release build's library.
BATCH=
LIB=$ROOT/build/rel/libcitybench.a
# shellcheck disable=SC2086
if [ -f "$LIB" ] && cc $STRICT -Iinclude -Isql/surveys $(pkg-config --cflags libpq jansson lua5.4) -o "$OUT/batch" \
	tests/bench/batch.c "$LIB" $(pkg-config --libs fcgi libpq jansson lua5.4 libcrypto) -lm; then
	BATCH=$OUT/batch
fi

# ---- the throwaway stack ----
RT=$(mktemp -d /var/tmp/citybench-bench.XXXXXX)
chmod 755 "$RT"
mkdir -p "$RT/bench"
export CB_RT=$RT PORT=$(free_port) CB_PGPORT=$(free_port) CB_PG_FSYNC=off CB_PG_SYNC=off
export CITYBENCH_WORKERS=$WORKERS
unset CITYBENCH_DB BASE_URL CITYBENCH_CACHE CITYBENCH_SKIP_SYNC
BASE=http://127.0.0.1:$PORT
RAW=$OUT/raw.tsv	# one line per wrk run
FIG=$OUT/figures.tsv	# key<TAB>value lines: timings, memory, notes
: >"$RAW"; : >"$FIG"
rm -rf "$OUT"/wrk-*.txt "$OUT"/workloads-*.tsv "$OUT/logs"

BARE_PID=""
PHP_UP=0
PHP_PORT=$(free_port)
PHP_BASE=http://127.0.0.1:$PHP_PORT
PHP_WORKLOADS=" profile_json compare_json ranking_json peers_json "
UPLOAD_BURST=${BENCH_UPLOAD_BURST:-3}	# uploads per partner, 20 partners at once
[ $TINY = 1 ] && UPLOAD_BURST=1
cleanup() {
	[ -n "$BARE_PID" ] && kill "$BARE_PID" 2>/dev/null && wait "$BARE_PID" 2>/dev/null
	[ "$PHP_UP" = 1 ] && tests/bench/php.sh stop "$RT" >/dev/null 2>&1
	cp "$RT"/bench/php/*.log "$RT/bench/" 2>/dev/null
	tests/stack.sh stop >/dev/null 2>&1
	mkdir -p "$OUT/logs"
	cp "$RT"/bench/*.log "$RT/fcgi.log" "$RT/nginx/logs/error.log" "$OUT/logs/" 2>/dev/null
	if [ "${BENCH_KEEP:-0}" = 1 ]; then say "kept $RT"; else rm -rf "$RT"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fig() { printf '%s\t%s\n' "$1" "$2" >>"$FIG"; }

# Phases: each ends with phase_end NAME, which writes its elapsed seconds and its wrk runs (count and
# seconds of wrk) into the figures (phase.NN.NAME) and says them; report.py prints them in order.
# The CPU time a virtual machine's host took from it (/proc/stat's steal, in clock ticks, all cores):
# a phase that lost much of it measured a slower machine than the phase it is divided by.
steal_ticks() { awk '/^cpu /{print $9 + 0; exit}' /proc/stat 2>/dev/null || echo 0; }
CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
PHASE_T=$(date +%s) PHASE_N=0 WRK_RUNS=0 WRK_SECS=0 PHASE_STEAL=$(steal_ticks)
phase_end() {	# phase_end NAME
	local t st pct
	t=$(date +%s)
	st=$(steal_ticks)
	PHASE_N=$((PHASE_N + 1))
	# the share of the phase's CPU time (elapsed x cores) the host took
	pct=$(awk -v d="$((st - PHASE_STEAL))" -v hz="$CLK_TCK" -v s="$((t - PHASE_T))" -v c="$(nproc)" \
		'BEGIN { printf "%.1f", (s > 0 ? 100 * d / hz / (s * c) : 0) }')
	fig "phase.$(printf '%02d' $PHASE_N).$1" "$((t - PHASE_T)) s, $WRK_RUNS wrk runs ($WRK_SECS s of wrk), ended at $((t - T0)) s, host steal $pct %"
	say "phase $1: $((t - PHASE_T)) s, $WRK_RUNS wrk runs ($WRK_SECS s of wrk); $((t - T0)) s from the start; the host took $pct % of the CPU"
	PHASE_T=$t WRK_RUNS=0 WRK_SECS=0 PHASE_STEAL=$st
}
# Untargeted work runs last, while the time budget lasts: over_budget NAME says so and notes the skip.
over_budget() {	# over_budget KEY [SECONDS it needs]
	[ $(($(date +%s) - T0 + ${2:-0})) -gt "$BUDGET" ] || return 1
	say "$1: skipped, past the time budget of ${BUDGET}s"
	fig "skipped.$1" "past the time budget (${BUDGET}s)"
	return 0
}

# The bench locations go into the stack's own nginx.conf, inside its server block, and nginx reloads:
# /__files/ serves saved bodies; /__bare/ is the stack's `location /` with only fastcgi_pass changed.
bench_nginx() {
	local conf=$RT/nginx/nginx.conf i
	if [ ! -s "$RT/bench/nginx-bench.conf" ]; then
		{
			printf 'location /__files/ {\n\talias %s/bench/files/;\n}\n' "$RT"
			awk '/^[ \t]*location \/ \{/ { f = 1 } f { print } f && /^[ \t]*\}/ { exit }' "$conf" |
				sed -e 's|location / {|location /__bare/ {|' \
				    -e "s|fastcgi_pass [^;]*;|fastcgi_pass unix:$RT/bench/bare.sock;|"
		} >"$RT/bench/nginx-bench.conf"
		grep -q "bare.sock" "$RT/bench/nginx-bench.conf" || return 1
	fi
	grep -q nginx-bench.conf "$conf" ||
		sed -i "0,/^[ \t]*location \/ {/s||\t\tinclude $RT/bench/nginx-bench.conf;\n&|" "$conf"
	local old w alive
	old=$(pgrep -P "$(cat "$RT/nginx/nginx.pid")")
	/usr/sbin/nginx -p "$RT/nginx" -c "$conf" -e "$RT/nginx/logs/error.log" -s reload || return 1
	# Until the old workers have gone too: one winding down closes connections the first wrk run opened
	# (socket errors, a void run) on a loaded machine.
	for i in $(seq 1 300); do
		alive=0
		for w in $old; do kill -0 "$w" 2>/dev/null && alive=1; done
		[ $alive = 0 ] && break
		sleep 0.1
	done
	for i in $(seq 1 100); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "$BASE/__bare/10.json")" = 200 ] && return 0
		sleep 0.1
	done
	say "nginx did not take the bench locations:"; tail -5 "$RT/nginx/logs/error.log" >&2
	return 1
}

stack_start() {	# the stack, its worker cache on, with the bench locations
	local log=$RT/bench/stack.log
	CITYBENCH_CACHE=1 CB_SAMPLE_CITIES=$((CITIES - 1)) tests/stack.sh start >>"$log" 2>&1 ||
		{ tail -20 "$log" >&2; return 1; }
	# stack.sh returns when the socket exists; the pid file (which stop and fcgi_restart need) comes
	# after the supervisor's start-up recompute.
	local i
	for i in $(seq 1 600); do [ -s "$RT/fcgi.pid" ] && break; sleep 0.1; done
	bench_nginx
}

# The FastCGI server alone, restarted the way stack.sh starts it: to switch the worker cache on or off,
# and to drop a queue that wrk leaves behind when requests are slow (nginx has passed them on, and
# the workers would serve them into the next run).  No start-up recompute: the data is as it was.
fcgi_restart() {	# fcgi_restart CACHE(1|0)
	local sup kids i
	sup=$(cat "$RT/fcgi.pid" 2>/dev/null)
	if [ -n "$sup" ]; then
		kids=$(ps -o pid= --ppid "$sup")
		kill -TERM "$sup" 2>/dev/null
		# shellcheck disable=SC2086
		[ -n "$kids" ] && kill -KILL $kids 2>/dev/null
		for i in $(seq 1 100); do kill -0 "$sup" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$sup" 2>/dev/null
	fi
	# Their statements would run on for seconds.
	"$PGBIN/psql" -qAtX "$CONNINFO" -c "select pg_cancel_backend(pid) from pg_stat_activity
		where usename = 'citybench_web' and pid <> pg_backend_pid()" >/dev/null 2>&1
	rm -f "$RT/fcgi.sock" "$RT/fcgi.pid"
	CITYBENCH_DB=${CONNINFO/user=postgres/user=citybench_web} \
	CITYBENCH_CACHE=$1 CITYBENCH_SKIP_SYNC=1 \
	CITYBENCH_SOCKET_GROUP=$([ "$(id -u)" = 0 ] && echo www-data || id -gn) \
		"$BIN/citybench-fcgi" --socket "$RT/fcgi.sock" --workers "$WORKERS" \
		--pidfile "$RT/fcgi.pid" >>"$RT/fcgi.log" 2>&1 &
	CACHE_NOW=$1 COLD=1
	for i in $(seq 1 100); do
		[ -S "$RT/fcgi.sock" ] && [ -s "$RT/fcgi.pid" ] && return 0
		sleep 0.1
	done
	say "the FastCGI server did not restart:"; tail -5 "$RT/fcgi.log" >&2
	return 1
}

# After a run: /healthz goes through the same accept queue as the requests wrk left behind; when it
# does not answer within 2 s the queue is dropped (a restart), so that no run pays for the one before.
RESTARTS=0
LAST_MEM="" LAST_CACHE_MEM=""
drain() {
	local i t
	for i in 1 2 3 4 5; do
		t=$(curl -s -o /dev/null -m 2 -w '%{time_total}' "$BASE/healthz") || break
		awk -v t="$t" 'BEGIN { exit !(t < 0.05) }' && return 0
	done
	RESTARTS=$((RESTARTS + 1))
	fcgi_restart "$CACHE_NOW"
}

# Fresh workers without the cache do, on their first requests, what a worker does once per data
# version (the per-version state: the similar cities' encoding of the wave, the compare form's lists):
# a few requests per worker first (WARM_PER_WORKER, 3), WORKERS at once so that each worker takes its
# share (a worker busy with a slow first request takes no other), URLs from the end of the workload's
# file.  The uncached figure is then steady-state uncached reads, not worker start-up (bench.sh's
# header and docs/performance.md say so).
COLD=1	# the workers are fresh (fcgi_restart), not warmed yet
warm_workers() {	# warm_workers URLFILE HEADER
	local n=$((WORKERS * ${BENCH_WARM_PER_WORKER:-3})) t
	t=$(now)
	tail -n "$n" "$1" | sed "s|^|$BASE|" |
		xargs -P "$WORKERS" -n 1 curl -s -o /dev/null -m 120 ${2:+-H "$2"} 2>/dev/null
	WARMED="$n requests in $(elapsed "$t") s" COLD=0
}

# After a PHP run: php-fpm serves what nginx passed on before wrk stopped; a cheap answer (a 404) that
# does not come back quickly within 2 tries (1 s each) means a queue: php-fpm is restarted, so that the next run
# does not pay for it.
php_drain() {
	local i t
	for i in 1 2; do
		t=$(curl -s -o /dev/null -m 1 -w '%{time_total}' "$PHP_BASE/nowhere") || continue
		awk -v t="$t" 'BEGIN { exit !(t < 0.05) }' && return 0
	done
	# Slow answers queued (the profile at 6 req/s leaves ~10 s of them): php-fpm restarted instead of
	# waited for, their statements cancelled.
	PHP_RESTARTS=$((PHP_RESTARTS + 1))
	local pid
	pid=$(cat "$RT/bench/php/php-fpm.pid" 2>/dev/null)
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null
		for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$pid" 2>/dev/null
	fi
	"$PGBIN/psql" -qAtX "$CONNINFO" -c "select pg_cancel_backend(pid) from pg_stat_activity
		where usename = 'citybench_web' and pid <> pg_backend_pid() and state = 'active'" >/dev/null 2>&1
	tests/bench/php.sh start "$RT" "$PHP_PORT" "${CONNINFO/user=postgres/user=citybench_web}" \
		>>"$RT/bench/php.log" 2>&1 || { say "php-fpm did not restart"; PHP_UP=0; }
}
PHP_RESTARTS=0

bare_start() {
	rm -f "$RT/bench/bare.sock"
	BARE_SOCKET_GROUP=$([ "$(id -u)" = 0 ] && echo www-data || id -gn) \
		"$OUT/bare" --socket "$RT/bench/bare.sock" --workers "$WORKERS" >>"$RT/bench/bare.log" 2>&1 &
	BARE_PID=$!
	local i
	for i in $(seq 1 50); do [ -S "$RT/bench/bare.sock" ] && return 0; sleep 0.1; done
	return 1
}

shm() { "$OUT/shmstat" "$(cat "$RT/fcgi.pid")" 2>/dev/null || echo "requests 0 errors 0 cache_hits 0 cache_misses 0"; }

# wrk once: appends "phase workload variant run rps p50 p99 errors answers hits misses timeouts" to
# $RAW (hits and misses: the worker caches' counters over the run).
wrk_run() {	# wrk_run PHASE WORKLOAD VARIANT RUN URLFILE HEADER SECONDS [BASE]
	local phase=$1 wl=$2 variant=$3 run=$4 urls=$5 header=$6 secs=$7 base=${8:-$BASE} f s0 s1
	f=$OUT/wrk-$phase-$wl-$variant-$run.txt
	WRK_RUNS=$((WRK_RUNS + 1)) WRK_SECS=$((WRK_SECS + secs))
	s0=$(shm)
	BENCH_URLS=$urls BENCH_HEADER=$header BENCH_THREADS=$THREADS \
		wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" --latency --timeout 10s -s tests/bench/rotate.lua \
		"$base" >"$f" 2>&1
	s1=$(shm)
	LAST_S0=$s0 LAST_S1=$s1	# before drain(): a restart starts the counters again
	case "$variant" in
	# No drain when the workers are restarted next anyway (RESTART_NEXT=1: the restart drops the queue
	# and cancels its statements).
	# Memory after the last run of a mode only (MEM_NEXT=1): reading every worker's smaps costs ~20
	# processes, seconds on a loaded machine.
	cache|nocache) [ "${MEM_NEXT:-0}" = 1 ] && { LAST_MEM=$(worker_memory); LAST_CACHE_MEM=$(cache_memory); }
		[ "${RESTART_NEXT:-0}" = 1 ] || drain ;;
	php) php_drain ;;
	esac
	[ "$run" = warmup ] && return 0
	awk -v phase="$phase" -v wl="$wl" -v variant="$variant" -v run="$run" \
	    -v s0="$s0" -v s1="$s1" '
		function ms(v) {
			if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
			if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
			if (v ~ /m$/) return substr(v, 1, length(v) - 1) * 60000
			if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
			return v + 0
		}
		$1 == "50%" { p50 = ms($2) }
		$1 == "99%" { p99 = ms($2) }
		/^Requests\/sec:/ { rps = $2 }
		/requests in/ { total = $1 }
		/Non-2xx or 3xx responses:/ { bad += $NF }
		/Socket errors:/ { gsub(",", ""); bad += $4 + $6 + $8; timeouts += $10 }
		END {
			split(s0, a, " "); split(s1, b, " ")
			printf "%s\t%s\t%s\t%s\t%s\t%.3f\t%.3f\t%d\t%d\t%d\t%d\t%d\n", phase, wl, variant, run,
			    rps + 0, p50, p99, bad, total, b[6] - a[6], b[8] - a[8], timeouts
		}' "$f" >>"$RAW"
}

# Warms the workers' shared cache: wrk in slices of WARMUP seconds until a slice is answered from the
# cache at least 95% of the time.  It gives up early, and says why, when warming cannot succeed within
# WARMUP_MAX seconds: when every URL has missed twice over (NEED misses: once each, and room for two
# workers missing the same URL at once) and still misses (the cache cannot hold the workload), or when
# the misses so far come too slowly to reach NEED in time.
# The hit rate of the measured runs is reported beside them in any case.
warm_up() {	# warm_up PHASE WORKLOAD VARIANT URLFILE HEADER
	local spent=0 s0 s1 h=0 m=0 cm=0 need why="" left
	if [ "$2" = not_modified ]; then
		fig "warmup.$1.$2" "none: a 304 is never stored, the cache has nothing to keep"
		return 0
	fi
	need=$((2 * $(grep -c . "$4")))
	while [ "$spent" -lt "$WARMUP_MAX" ]; do
		wrk_run "$1" "$2" "$3" warmup "$4" "$5" "$WARMUP"
		s0=$LAST_S0 s1=$LAST_S1
		spent=$((spent + WARMUP))
		read -r h m <<<"$(awk -v a="$s0" -v b="$s1" 'BEGIN { split(a, x, " "); split(b, y, " ")
			print y[6] - x[6], y[8] - x[8] }')"
		cm=$((cm + m))
		if [ $((h + m)) -gt 0 ] && [ $((100 * h)) -ge $((95 * (h + m))) ]; then
			why="warm"; break
		fi
		if [ "$cm" -ge "$need" ]; then
			why="gave up: $cm misses, twice the URLs, and still missing (the cache cannot hold the workload)"
			break
		fi
		if [ "$m" -gt 0 ]; then
			left=$(((need - cm) * WARMUP / m))
			if [ "$left" -gt $((WARMUP_MAX - spent)) ]; then
				why="gave up: $cm of $need misses to go through, about ${left}s more at this rate"
				break
			fi
		fi
	done
	fig "warmup.$1.$2" "${spent}s, last slice $h hits, $m misses; ${why:-stopped at ${WARMUP_MAX}s}"
}

workload_ok() { awk -F'\t' -v w="$2" '$1 == w && $2 == "ok" { f = 1 } END { exit !f }' "$1/workloads.tsv"; }
workload_header() { awk -F'\t' -v w="$2" '$1 == w && $5 != "-" { print $5 }' "$1/workloads.tsv"; }
workload_bytes() { awk -F'\t' -v w="$2" '$1 == w { print $4 }' "$1/workloads.tsv"; }

# One workload of a phase.  MODES: "cache nocache", or one of them.  REFS: "side": the bare FastCGI
# reference and the cached runs take turns (bare, citybench; bare, citybench; ...) so that whatever else
# the machine does weighs on both alike (the cached rows judge a ratio near 1 and a p99); "once": one
# bare run before the uncached runs (the uncached rows judge ratios of 0.15 and 0.25 against figures
# 10 to 100 times apart: one run of the ceiling is enough); "none" (the larger set: its rows are ratios
# of its uncached figure to the smaller set's).  PHP=1: the PHP reference takes turns with the uncached
# runs (citybench without cache, PHP; ...).  The cached runs start with fresh workers and an empty
# cache, warmed on the workload's own URLs; the uncached runs with fresh workers, warmed by a few
# requests each (warm_workers).  The files reference (nginx serving the saved bodies) is no row's: it
# runs once per workload at the end, while the time budget lasts (files_refs).
workload() {	# workload PHASE DIR WORKLOAD REPEATS MODES REFS [PHP]
	local phase=$1 dir=$2 wl=$3 n=$4 modes=$5 refs=$6 php=${7:-0} h i
	workload_ok "$dir" "$wl" || return 0
	h=$(workload_header "$dir" "$wl")
	if [ "$wl" = not_modified ]; then
		# The ETag of now: a write since the URLs were made (the mixed workload's uploads) moved the
		# data version, and a stale If-None-Match is answered 200, which wrk does not count as an error.
		local u e
		u=$(head -n 1 "$dir/$wl.urls")
		e=$(curl -s -o /dev/null -D - "$BASE$u" | awk 'tolower($1) == "etag:" { sub(/\r$/, ""); print $2 }')
		[ -n "$e" ] && h="If-None-Match: $e"
		[ "$(curl -s -o /dev/null -w '%{http_code}' -H "$h" "$BASE$u")" = 304 ] ||
			fig "warn.$phase.$wl" "a sample request with $h was not answered 304"
	fi
	[ "$PHP_UP" = 1 ] && [[ $PHP_WORKLOADS == *" $wl "* ]] || php=0
	say "$phase $wl ($(workload_bytes "$dir" "$wl") bytes): $modes x $n$([ "$refs" != none ] && echo ", bare ($refs)")$([ "$php" = 1 ] && echo ", php")"
	case " $modes " in *" cache "*)
		fcgi_restart 1 || tap_fail "the FastCGI server did not restart with its cache"
		warm_up "$phase" "$wl" cache "$dir/$wl.urls" "$h"
		for i in $(seq 1 "$n"); do
			[ "$refs" = side ] && wrk_run "$phase" "$wl" bare "$i" "$dir/$wl.bare.urls" "$h" "$SECS"
			# The last one: the workers restart next (uncached, or the next workload), but for the
			# mixed reads, which go on with these workers.
			[ "$i" = "$n" ] && [ "$wl" != profile_json ] && [[ " $modes " == *" nocache "* ]] && RESTART_NEXT=1
			[ "$i" = "$n" ] && MEM_NEXT=1
			wrk_run "$phase" "$wl" cache "$i" "$dir/$wl.urls" "$h" "$SECS"
			RESTART_NEXT=0 MEM_NEXT=0
		done
		# Memory as the last run left it (taken before a restart could drop it).
		fig "rss.$phase.cache.$wl" "$LAST_MEM"
		[ -n "$LAST_CACHE_MEM" ] && fig "cachemem.$phase.$wl" "$LAST_CACHE_MEM"
		[ "$phase" = small ] && [ "$wl" = profile_json ] && [ -s "$RT/bench/tokens" ] && mixed_reads "$dir" ;;
	esac
	[ "$refs" = once ] || { [ "$refs" = side ] && [[ " $modes " != *" cache "* ]]; } &&
		wrk_run "$phase" "$wl" bare 1 "$dir/$wl.bare.urls" "$h" "$SECS"
	case " $modes " in *" nocache "*)
		fcgi_restart 0 || tap_fail "the FastCGI server did not restart without its cache"
		warm_workers "$dir/$wl.urls" "$h"
		fig "warmworkers.$phase.$wl" "$WARMED"
		for i in $(seq 1 "$n"); do
			# Warmed again after drain() restarted them (a queue left behind).
			[ "$COLD" = 1 ] && warm_workers "$dir/$wl.urls" "$h"
			# The last one, with no PHP run after it: the next workload restarts the workers.
			[ "$i" = "$n" ] && [ "$php" = 0 ] && RESTART_NEXT=1
			[ "$i" = "$n" ] && MEM_NEXT=1
			wrk_run "$phase" "$wl" nocache "$i" "$dir/$wl.urls" "$h" "$SECS"
			RESTART_NEXT=0 MEM_NEXT=0
			# PHP taking turns with the uncached runs (its row: uncached citybench / PHP).
			[ "$php" = 1 ] && [ "$PHP_UP" = 1 ] && wrk_run "$phase" "$wl" php "$i" "$dir/$wl.urls" "$h" "$SECS" "$PHP_BASE"
		done
		fig "rss.$phase.nocache.$wl" "$LAST_MEM" ;;
	*)
		for i in $(seq 1 "$n"); do
			[ "$php" = 1 ] && [ "$PHP_UP" = 1 ] && wrk_run "$phase" "$wl" php "$i" "$dir/$wl.urls" "$h" "$SECS" "$PHP_BASE"
		done ;;
	esac
	return 0
}

files_refs() {	# files_refs PHASE DIR: the files reference of each workload, once
	local wl fh
	for wl in $WORKLOADS; do
		workload_ok "$2" "$wl" || continue
		over_budget "$1.$wl.files" && continue
		fh=$(workload_header "$2" "$wl")
		[ "$wl" = not_modified ] && fh=$(cat "$2/not_modified.files.header")
		wrk_run "$1" "$wl" files 1 "$2/$wl.files.urls" "$fh" "$SECS"
	done
}

# Each worker's "RSS/PSS/OWN" (KiB), now; OWN is its RSS less the pages of the shared response cache it
# has touched (the mapping named citybench-cache in smaps), i.e. the worker's own memory.
worker_memory() {
	local pid list="" rss
	for pid in $(ps -o pid= --ppid "$(cat "$RT/fcgi.pid")"); do
		rss=$(ps -o rss= -p "$pid" | tr -d ' ')
		list="$list $rss/$(awk '/^Pss:/ { print $2 }' "/proc/$pid/smaps_rollup" 2>/dev/null)/$(awk -v rss="$rss" '
			/^[0-9a-f]+-[0-9a-f]+ / { c = ($0 ~ /citybench-cache/) }
			c && /^Rss:/ { n += $2 }
			END { print rss - n }' "/proc/$pid/smaps" 2>/dev/null)"
	done
	echo "${list# }"
}

# The shared response cache, once: "RESIDENT SIZE" (KiB): its pages in memory (the workers' shares of
# it added up: each page once) and the size of the mapping; empty without one.
cache_memory() {
	local pid
	for pid in $(ps -o pid= --ppid "$(cat "$RT/fcgi.pid")"); do
		cat "/proc/$pid/smaps" 2>/dev/null | awk -v pid="$pid" '
			/^[0-9a-f]+-[0-9a-f]+ / { c = ($0 ~ /citybench-cache/) }
			c && /^Pss:/ { pss += $2; seen = 1 }
			c && /^Size:/ { size = $2 }
			END { if (seen) print pss, size }'
	done | awk '{ pss += $1; size = $2; n++ } END { if (n) printf "%.0f %d\n", pss, size }'
}

# The sandbox's peak RSS (tests/bench/sandbox_rss.py samples every citybench-sandbox while a command
# runs): during a recompute (one more `plugins reload`, untimed: the sampling would slow the timed one)
# and during a researcher's preview through the API (its worker starts the sandbox).
sandbox_rss() {	# sandbox_rss PHASE
	local phase=$1 d=$RT/bench token code
	python3 tests/bench/sandbox_rss.py --out "$d/sandbox-recompute-$phase" env CITYBENCH_DB="$CONNINFO" \
		"$BIN/citybench" plugins reload >"$d/sandbox-recompute-$phase.log" 2>&1 &&
		fig "sandbox.$phase.recompute" "$(cat "$d/sandbox-recompute-$phase")"
	token=$(CITYBENCH_DB=$CONNINFO "$BIN/citybench" token create --researcher "bench-rss-$phase" 2>/dev/null | tail -1)
	[ -n "$token" ] || { fig "sandbox.$phase.preview" "FAILED: no researcher token"; return 0; }
	python3 tests/bench/sandbox_rss.py --out "$d/sandbox-preview-$phase" curl -s -o "$d/sandbox-preview-$phase.json" \
		-w '%{http_code}' -H "Authorization: Bearer $token" -H 'Content-Type: text/x-lua' \
		--data-binary @plugins/innovation_staff.lua "$BASE/api/plugins/preview" >"$d/sandbox-preview-$phase.code" 2>&1
	code=$(cat "$d/sandbox-preview-$phase.code")
	if [ "$code" = 200 ]; then
		fig "sandbox.$phase.preview" "$(cat "$d/sandbox-preview-$phase")"
	else
		fig "sandbox.$phase.preview" "FAILED: the preview answered $code"
	fi
}

timed() {	# timed KEY LOG CMD...: wall seconds of CMD into the figures (with FAILED and why)
	local key=$1 log=$2 t rc
	shift 2
	t=$(now)
	"$@" >"$log" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		fig "$key" "$(elapsed "$t")"
	elif [ $rc = 124 ]; then
		fig "$key" "$(elapsed "$t") FAILED: stopped at the harness's limit, unfinished"
	else
		fig "$key" "$(elapsed "$t") FAILED: $(grep -v '^import: [0-9]*/' "$log" | tail -2 | tr '\n\t' '  ')"
	fi
	return $rc
}

# ---- the PHP reference and the write workloads ----
php_up() {
	if tests/bench/php.sh start "$RT" "$PHP_PORT" "${CONNINFO/user=postgres/user=citybench_web}" \
		>>"$RT/bench/php.log" 2>&1; then
		PHP_UP=1
	else
		say "the PHP reference did not start: $(tail -1 "$RT/bench/php.log")"
		fig "php.start" "FAILED: $(tail -1 "$RT/bench/php.log")"
		[ $TINY = 1 ] && tap_fail "the PHP reference did not start: $(tail -1 "$RT/bench/php.log")"
	fi
}

php_check() {	# php_check PHASE DIR SAMPLE: PHP's answers against citybench's, on a sample of each workload
	local wl files="" rc
	[ "$PHP_UP" = 1 ] || return 0
	for wl in $PHP_WORKLOADS; do workload_ok "$2" "$wl" && files="$files $2/$wl.urls"; done
	[ -n "$files" ] || return 0
	# shellcheck disable=SC2086
	python3 tests/bench/php_same.py "$BASE" "$PHP_BASE" $files --sample "$3" >"$OUT/php-same-$1.txt" 2>&1
	rc=$?
	fig "php.same.$1" "$(tail -1 "$OUT/php-same-$1.txt")"
	[ $rc = 0 ] || { say "the PHP reference answers differently ($OUT/php-same-$1.txt):"; head -12 "$OUT/php-same-$1.txt" >&2; }
	return $rc
}

# The partners: a token each for 20 cities that answered the latest wave; the question they upload is
# the wave's last integer question with room for 10 values or more.
make_tokens() {
	local line s t
	line=$(python3 - "$BASE" <<-'PY'
	import json, sys, urllib.request
	base = sys.argv[1]
	get = lambda p: json.load(urllib.request.urlopen(base + p, timeout=60))
	m = get("/metrics.json")["metrics"][0]["id"]
	w = get("/metrics/%s.json?limit=1" % m)["waves"][-1]
	qs = [q for q in get("/surveys/%s.json" % w)["questions"] if q["type"] == "integer"
	      and q.get("min") is not None and q.get("max") is not None and q["max"] - q["min"] >= 10]
	cities = [c["slug"] for c in get("/cities.json?survey=%s&limit=20" % w)["cities"]][:20]
	print(w, qs[-1]["code"], int(qs[-1]["min"]), int(qs[-1]["max"]), " ".join(cities))
	PY
	) || return 1
	read -r UPLOAD_WAVE UPLOAD_Q UPLOAD_MIN UPLOAD_MAX line <<<"$line"
	: >"$RT/bench/tokens"
	for s in $line; do
		t=$(CITYBENCH_DB="$CONNINFO" "$BIN/citybench" token create --city "$s" 2>/dev/null | tail -1)
		[ -n "$t" ] && printf '%s\t%s\n' "$s" "$t" >>"$RT/bench/tokens"
	done
	[ "$(grep -c . "$RT/bench/tokens")" -ge 2 ]
}

uploads() {	# uploads KEY ARGS...: uploads.py with the partners' tokens; its line into the figures
	local key=$1 rc
	shift
	python3 tests/bench/uploads.py --base "$BASE" --tokens "$RT/bench/tokens" --survey "$UPLOAD_WAVE" \
		--question "$UPLOAD_Q" --min "$UPLOAD_MIN" --max "$UPLOAD_MAX" --out "$RT/bench/$key.txt" "$@" \
		>>"$RT/bench/uploads.log" 2>&1
	rc=$?
	fig "$key" "$(cat "$RT/bench/$key.txt" 2>/dev/null || echo "FAILED: $(tail -1 "$RT/bench/uploads.log")")"
	return $rc
}

# The cached profile reads (wrk, as profile_json, the cache as its cached runs left it) while one
# partner uploads once a second: each upload moves the data version and empties the cache.  A first
# run (not counted) reaches that steady state.  Compared with the cached-only figure of profile_json.
mixed_reads() {	# mixed_reads DIR
	local i up
	say "small mixed: cached profile reads while a partner uploads once a second"
	for i in warmup $(seq 1 "$REPEAT"); do
		uploads "uploads.mixed.$i" --steady "$SECS" &
		up=$!
		wrk_run small mixed cache "$i" "$1/profile_json.urls" "" "$SECS"
		wait "$up"
	done
}

upload_burst() {	# upload_burst PHASE: every partner at once, UPLOAD_BURST uploads each
	say "$1 uploads: $(grep -c . "$RT/bench/tokens") partners at once, $UPLOAD_BURST uploads each"
	local rc
	uploads "uploads.burst.$1" --burst "$UPLOAD_BURST"
	rc=$?
	# The same uploads as dry runs (checked and planned, nothing written): the floor of an upload on this
	# stack, reported beside the row.
	uploads "uploads.burst.$1.dry" --burst "$UPLOAD_BURST" --dry-run
	return $rc
}

# What the same partners' uploads cost to write when they are written together, as a writer applying
# every pending upload in one transaction would (tests/bench/batch.c: no HTTP, token or worker; the
# domain's store functions, as the operator, one value each): one after another in a transaction each,
# all in one transaction upload by upload (store_sets), and all in one transaction through the import's
# set-based statements (store_bulk, statistics kept incrementally).  Reported beside the upload row: no
# partner of such a batch has its answer before the batch commits.
batch_floor() {	# batch_floor PHASE
	local key="uploads.batch.$1" out
	[ -n "$BATCH" ] || { fig "$key" "FAILED: tests/bench/batch.c did not build (no $LIB)"; return 1; }
	say "$1 uploads written together (no HTTP): one by one, in one transaction, set-based"
	# shellcheck disable=SC2046
	if out=$(CITYBENCH_SANDBOX="$BIN/citybench-sandbox" "$BATCH" "$CONNINFO" "$UPLOAD_WAVE" "$UPLOAD_Q" \
		"$UPLOAD_MIN" "$UPLOAD_MAX" "$([ $TINY = 1 ] && echo 1 || echo 3)" $(cut -f1 "$RT/bench/tokens") \
		2>>"$RT/bench/batch.log"); then
		fig "$key" "$out"
	else
		fig "$key" "FAILED: ${out:-$(tail -1 "$RT/bench/batch.log")}"
		return 1
	fi
}

# After data is loaded, before the recompute and the runs that measure it: VACUUM (ANALYZE) and a
# checkpoint, timed on their own (not the import's figure).  Left to autovacuum, the vacuum of the
# tables an import filled starts about a minute later, in the middle of the measured runs, and takes one
# of the two cores for seconds (city_facts' GIN index has its pending list merged then).  For the same
# reason the partners' uploads (thousands of rank steps rewritten each) come after a set's read runs.
settle() {	# settle KEY
	local t rc=0
	t=$(now)
	"$PGBIN/psql" -qAtX "$CONNINFO" -c "vacuum (analyze)" -c "checkpoint" >>"$RT/bench/settle.log" 2>&1 || rc=1
	[ $rc = 0 ] || say "the settling vacuum failed: $(tail -1 "$RT/bench/settle.log")"
	fig "settle.$1" "$(elapsed "$t")$([ $rc = 0 ] || echo " FAILED")"
}

export CITYBENCH_ROOT=$ROOT
fig "load.before" "$(cut -d' ' -f1-3 /proc/loadavg)"

# The phases, in this order (each one's time is printed; nothing is measured while data is prepared):
#   setup            the stack with CITIES cities, PHP, partner tokens, settle (a vacuum), recompute and
#                    sandbox memory (timed: a target), the URLs; the larger set is generated meanwhile
#                    (no run yet)
#   small            every targeted row at CITIES cities: each workload cached beside bare (side by
#                    side, REPEAT times), uncached beside PHP (REPEAT times); the peer workloads
#                    uncached, bare once; the mixed reads/uploads; the 20 partners at once (for scale:
#                    it needs this set), then as dry runs
#   large.prepare    import of the larger set (timed), settle, recompute (timed), sandbox memory, its URLs
#   large            every workload uncached LARGE_REPEAT times (its rows are ratios to the smaller
#                    set's figures), then the 20 partners at once (the target) and as dry runs
#   untargeted       while the time budget lasts: PHP at the larger size, the cached ranking at the
#                    larger size beside its own bare reference, the files reference of each workload
# ---- setup: CITIES cities ----
say "starting a stack with $CITIES cities under $RT (port $PORT)"
bare_start || tap_fail "the bare responder did not start"
G=$RT/bench/gen-large
GEN_PID=""
if [ "$LARGE" -gt "$CITIES" ]; then
	# Seed 2020 as the sample: its first cities are the sample's (same slugs), so the cohort ends at
	# exactly LARGE cities with Toronto.  Generated while the stack starts (nothing is measured yet).
	"$BIN/citybench" gen --cities $((LARGE - 1)) --seed 2020 --out "$G" >"$RT/bench/gen.log" 2>&1 &
	GEN_PID=$!
fi
stack_start || tap_fail "the bench stack did not start"
CACHE_NOW=1
CONNINFO=$(cat "$RT/conninfo")
N=$("$PGBIN/psql" -qAtX "$CONNINFO" -c "select count(*) from cities")
fig "cities.small" "$N"
php_up
make_tokens || { fig "uploads.tokens" "FAILED: no partner tokens"; [ $TINY = 1 ] && tap_fail "no partner tokens"; }
fig "stack.start.seconds" "$(($(date +%s) - T0))"
settle small
timed "recompute.small" "$RT/bench/reload-small.log" env CITYBENCH_DB="$CONNINFO" "$BIN/citybench" plugins reload
sandbox_rss small

P1=$RT/bench/p1
python3 tests/bench/urls.py --base "$BASE" --out "$P1" --count "$NURLS" --sample "$NSAMPLE" \
	--files-dir "$RT/bench/files/p1" --files-prefix /__files/p1 \
	>"$RT/bench/urls-p1.log" 2>&1 || { cat "$RT/bench/urls-p1.log" >&2; tap_fail "urls.py failed"; }
cp "$P1/workloads.tsv" "$OUT/workloads-small.tsv"
php_check small "$P1" "$([ $TINY = 1 ] && echo 10 || echo 20)"
if [ -n "$GEN_PID" ]; then
	wait "$GEN_PID" || tap_fail "gen --cities $((LARGE - 1)) failed: $(tail -1 "$RT/bench/gen.log")"
fi
fig "time.small.setup" "$(($(date +%s) - T0))"
phase_end setup

# ---- small: every targeted row at CITIES cities ----
for wl in $WORKLOADS; do
	case " $PEER_WORKLOADS " in
	*" $wl "*) workload small "$P1" "$wl" "$REPEAT" nocache once 1 ;;
	*) workload small "$P1" "$wl" "$REPEAT" "cache nocache" side 1 ;;
	esac
done
drain	# the last workload's queue, if any (its last run was not drained)
[ -s "$RT/bench/tokens" ] && upload_burst small && batch_floor small
fig "time.small.done" "$(($(date +%s) - T0))"
phase_end small

# ---- large: LARGE cities ----
if [ "$LARGE" -gt "$CITIES" ]; then
	fig "import.answers" "$(($(wc -l <"$G/answers.csv") - 1))"
	fig "import.sets" "$(awk -F, 'NR > 1 { print $1 "," $2 }' "$G/answers.csv" | sort -u | wc -l)"
	say "importing $((LARGE - 1)) generated cities in one import"
	# Stopped at IMPORT_LIMIT seconds (ten times the target): past that the figure is a MISS anyway,
	# and the slices below still have to load the data.
	if ! timed "import.large" "$RT/bench/import.log" timeout "$IMPORT_LIMIT" env CITYBENCH_DB="$CONNINFO" \
		"$BIN/citybench" import "$G/cities.csv" "$G/answers.csv"; then
		# One import refused: load the same data in slices of 1,000 cities, to go on measuring.
		say "the single import failed ($(tail -1 "$RT/bench/import.log")); importing in slices"
		awk -F, -v dir="$G" 'NR == 1 { h = $0; next }
			$1 != last { if (++n % 1000 == 1) { k++; print h > (dir "/slice-" k ".csv") } last = $1 }
			{ print > (dir "/slice-" k ".csv") }' "$G/answers.csv"
		slices() {
			local f
			CITYBENCH_DB="$CONNINFO" "$BIN/citybench" import "$G/cities.csv" || return 1
			for f in $(ls "$G"/slice-*.csv | sort -V); do
				CITYBENCH_DB="$CONNINFO" "$BIN/citybench" import "$f" || return 1
			done
		}
		timed "import.large.slices" "$RT/bench/import-slices.log" slices ||
			tap_fail "the sliced import failed too: $(tail -3 "$RT/bench/import-slices.log")"
	fi
	N=$("$PGBIN/psql" -qAtX "$CONNINFO" -c "select count(*) from cities")
	fig "cities.large" "$N"
	say "recomputing every metric at $N cities"
	settle large
	timed "recompute.large" "$RT/bench/reload-large.log" env CITYBENCH_DB="$CONNINFO" "$BIN/citybench" plugins reload
	sandbox_rss large

	P2=$RT/bench/p2
	python3 tests/bench/urls.py --base "$BASE" --out "$P2" --count "$NURLS" --sample "${BENCH_LARGE_SAMPLE:-4}" \
		--files-dir "$RT/bench/files/p2" --files-prefix /__files/p2 \
		>"$RT/bench/urls-p2.log" 2>&1 || { cat "$RT/bench/urls-p2.log" >&2; tap_fail "urls.py failed"; }
	cp "$P2/workloads.tsv" "$OUT/workloads-large.tsv"
	# PHP's answers at this size are checked only when its runs here are (untargeted, at the end).
	fig "time.large.setup" "$(($(date +%s) - T0))"
	phase_end large.prepare

	# Every workload uncached, LARGE_REPEAT times: its row is a ratio to the smaller set's figure (the
	# 304 has no such row: the same answer whatever the size).
	for wl in $WORKLOADS; do
		[ "$wl" = not_modified ] && continue
		workload large "$P2" "$wl" "$LARGE_REPEAT" nocache none 0
	done
	drain
	# After the reads, as in the smaller set's phase (settle(): what the uploads leave to autovacuum).
	[ -s "$RT/bench/tokens" ] && upload_burst large && batch_floor large
	phase_end large
fi

# ---- untargeted, while the time budget lasts ----
if [ "$LARGE" -gt "$CITIES" ] && [ "$PHP_UP" = 1 ]; then
	# PHP at the larger size, once each (rows "uncached X / PHP" at that size, for scale), its answers
	# checked first.
	if ! over_budget large.php 40; then	# its answers checked first: the PHP profile takes seconds here
		php_check large "$P2" "${BENCH_LARGE_SAMPLE:-4}"
		for wl in $PHP_WORKLOADS; do
			workload_ok "$P2" "$wl" || continue
			over_budget "large.$wl.php" && continue
			# The profile at this size takes PHP longer than a run (the whole wave's answers): one
			# run says so ("no answer within a run").
			wrk_run large "$wl" php 1 "$P2/$wl.urls" "$(workload_header "$P2" "$wl")" "$SECS" "$PHP_BASE"
		done
	fi
fi
if [ "$LARGE" -gt "$CITIES" ] && [ "${BENCH_LARGE_CACHED:-1}" = 1 ] && ! over_budget large.ranking_json.cache 60; then
	# The cached ranking at the larger size (its response is larger: its own bare reference).
	workload large "$P2" ranking_json "$LARGE_REPEAT" cache side 0
fi
files_refs small "$P1"
phase_end untargeted

fig "load.after" "$(cut -d' ' -f1-3 /proc/loadavg)"
fig "restarts" "$RESTARTS"
fig "php.restarts" "$PHP_RESTARTS"
fig "total.seconds" "$(($(date +%s) - T0))"
fig "machine" "$(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), $(. /etc/os-release; echo "$PRETTY_NAME")"
fig "settings" "wrk -t$THREADS -c$CONNS -d${SECS}s x $REPEAT (median; x $LARGE_REPEAT at the larger size), cache warm-up in ${WARMUP}s slices up to ${WARMUP_MAX}s, uncached runs after ${BENCH_WARM_PER_WORKER:-3} requests per fresh worker, $NURLS URLs per workload, $WORKERS workers"
python3 tests/bench/report.py "$OUT" $([ $TINY = 1 ] && echo --tap) | tee "$OUT/results.txt"
exit "${PIPESTATUS[0]}"
