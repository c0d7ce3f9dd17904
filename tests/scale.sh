#!/bin/bash
# scale.sh: `make scale-test` (and `--short` in `make test`): citybench on more than one machine, in
# miniature and on loopback only, following docs/operations.md's "Read replicas" as separate machines
# would: a PostgreSQL primary and a streaming hot standby, each listening on TCP with ssl = on and a
# certificate made for the run (signed by a throwaway CA, for the names primary.citybench.test and
# replica.citybench.test, reached at 127.0.0.1), their pg_hba.conf and pg_ident.conf outside the data
# directory as Debian keeps them; the standby made with pg_basebackup by a replicator role with a
# password over TCP and TLS (sslmode=verify-full), on a replication slot; two citybench-fcgi pools, one on a unix socket and one on TCP 127.0.0.1 (as a pool on
# another host would be), each writing to the primary and reading from the standby; one nginx running
# the shipped site file (dist/nginx-citybench.conf.in: TLS with a throwaway certificate, the upstream
# over both pools, the shipped retry policy).  The pools read from the standby as the application's
# role with a password over TCP with sslmode=verify-full; pool 2 (the "remote" one) also writes to the
# primary that way.  Then, as TAP lines:
#   - replication over TLS with the replicator's password, on its slot; plain TCP and a wrong host
#     name refused;
#   - HTTP redirects to HTTPS, HSTS is sent; nginx's own errors (413, 414, 431) are the same JSON over
#     HTTP/2 as over HTTP/1.1; the operator's key, not CITYBENCH_OPS=1, opens /ops/metrics;
#   - reads spread over both pools and are answered by the standby, not the primary;
#   - an upload's 201 carries data_version; with ?min_version= it reads back at once from every pool
#     while the standby's replay is paused (answered by the primary), others see the old answer until
#     the standby catches up, then every pool shows the new one (cache invalidation on every host);
#     it landed exactly once;
#   - a pool that takes a request and drops it: a GET is retried on the other pool, a POST is not;
#   - the standby stopped: every GET still answers, from the primary; started again: used again;
#   - one pool killed under load: no GET fails, uploads land once each.
# Bounded in time: every wait has a limit; run under `timeout` by the Makefile and tests/run.sh.
# Runtime files go under var/ (or /var/tmp when the postgres and nginx users cannot reach var/) and
# are removed at the end unless CB_KEEP=1 (CB_SCALE_RT=DIR chooses the directory).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PGBIN=/usr/lib/postgresql/15/bin
BIN=${CB_BIN:-$ROOT/bin}
SHORT=0
BENCH=0
for a in "$@"; do
	case $a in
	--short) SHORT=1 ;;
	--bench) BENCH=1 ;;	# also wrk figures: one pool, two pools, two pools through TLS (docs/operations.md)
	*) echo "usage: scale.sh [--short] [--bench]" >&2; exit 2 ;;
	esac
done
if [ $SHORT = 1 ]; then CITIES=20; READS=24; LOAD_SECONDS=3; else CITIES=99; READS=120; LOAD_SECONDS=8; fi
export LC_ALL=C.UTF-8
# The binaries here must never read a host's /etc/citybench/citybench.conf.
export CITYBENCH_CONF=/dev/null

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
check() {	# check NAME CMD...: ok when CMD succeeds
	local name=$1; shift
	if "$@"; then ok "$name"; else notok "$name"; fi
}
say() { echo "# $*"; }
die() { notok "$*"; finish; }

as_user() {
	local u=$1; shift
	if [ "$(id -u)" = 0 ] && [ "$u" != root ]; then runuser -u "$u" -- "$@"; else "$@"; fi
}
can_reach() { [ "$(id -u)" != 0 ] && return 0; runuser -u "$1" -- test -x "$2" 2>/dev/null; }
# Debian's python3: a version manager's shim in PATH can take seconds to start.
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3
free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

if [ -n "${CB_SCALE_RT:-}" ]; then	# not CB_RT: that is the test stack's, which this must not touch
	RT=$CB_SCALE_RT; mkdir -p "$RT"
else
	mkdir -p "$ROOT/var"
	if can_reach postgres "$ROOT/var" && can_reach www-data "$ROOT/var"; then
		RT=$(mktemp -d "$ROOT/var/scale.XXXXXX")
	else
		RT=$(mktemp -d /var/tmp/citybench-scale.XXXXXX)
	fi
fi
chmod 755 "$RT"
P1=$(free_port); P2=$(free_port); FP=$(free_port)
HTTP=$(free_port); HTTPS=$(free_port); DO=$(free_port); D1=$(free_port); D2=$(free_port); DC=$(free_port); DB=$(free_port)
S1=$RT/sock1; S2=$RT/sock2
OWNER="host=$S1 port=$P1 dbname=citybench user=postgres"
WEB="host=$S1 port=$P1 dbname=citybench user=citybench_web"
# As an application host on another machine reaches the servers (docs/operations.md, Read replicas).
PGTLS=$RT/pgtls
TCP_TLS="sslmode=verify-full sslrootcert=$PGTLS/ca.pem passfile=$RT/pgpass connect_timeout=2"
WEB_TCP="host=primary.citybench.test hostaddr=127.0.0.1 port=$P1 dbname=citybench user=citybench_web $TCP_TLS"
READ="host=replica.citybench.test hostaddr=127.0.0.1 port=$P2 dbname=citybench user=citybench_web $TCP_TLS"
OPS_KEY=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
BASE=https://127.0.0.1:$HTTPS
WGROUP=$([ "$(id -u)" = 0 ] && echo www-data || id -gn)
pids=()

pg_start() {	# pg_start DATA PORT SOCKDIR: pg_hba.conf and pg_ident.conf beside DATA, as Debian keeps them
	as_user postgres "$PGBIN/pg_ctl" -D "$1" -l "$1.log" -w -t 30 \
		-o "-c listen_addresses='127.0.0.1' -c port=$2 -c unix_socket_directories='$3' \
		    -c hba_file='$1.hba.conf' -c ident_file='$1.ident.conf' -c ssl=on \
		    -c ssl_cert_file='$PGTLS/server.crt' -c ssl_key_file='$PGTLS/server.key' \
		    -c password_encryption=scram-sha-256 \
		    -c unix_socket_permissions=0770 -c max_connections=60 -c shared_buffers=32MB \
		    -c fsync=off -c synchronous_commit=off -c wal_level=replica -c max_wal_senders=4 \
		    -c hot_standby=on -c shared_preload_libraries=pg_stat_statements \
		    -c log_min_messages=warning" start >/dev/null
}
pg_stop() { [ -s "$1/postmaster.pid" ] && as_user postgres "$PGBIN/pg_ctl" -D "$1" -m fast -w -t 30 stop >/dev/null 2>&1; }
sockdir() {
	mkdir -p "$1"
	if [ "$(id -u)" = 0 ]; then chown postgres "$1"; chgrp "$(id -gn)" "$1"; fi
	chmod 770 "$1"
}
psql1() { "$PGBIN/psql" -qAtX "$OWNER" -c "$1"; }
psql2() { "$PGBIN/psql" -qAtX "host=$S2 port=$P2 dbname=citybench user=postgres" -c "$1"; }

finish() {
	local p
	[ -s "$RT/nginx/nginx.pid" ] && kill "$(cat "$RT/nginx/nginx.pid")" 2>/dev/null
	for p in "${pids[@]}"; do kill -- "-$p" 2>/dev/null || kill "$p" 2>/dev/null; done
	sleep 0.5
	for p in "${pids[@]}"; do kill -9 -- "-$p" 2>/dev/null; done
	pg_stop "$RT/pg2"; pg_stop "$RT/pg1"
	if grep -q "AddressSanitizer\|runtime error:" "$RT"/pool*.log 2>/dev/null; then
		notok "sanitizer reports in the pools' logs"
		grep -A5 "AddressSanitizer\|runtime error:" "$RT"/pool*.log | head -30
	fi
	echo "# scale: $pass passed, $fail failed ($RT)"
	if [ "${CB_KEEP:-0}" != 1 ]; then rm -rf "$RT"; fi
	trap - EXIT
	[ "$fail" -eq 0 ]
	exit
}
trap finish EXIT
trap 'exit 1' INT TERM

# ---- the certificates, the primary, the data, the standby ----
sockdir "$S1"; sockdir "$S2"
[ "$(id -u)" = 0 ] && chown postgres "$RT"
mkdir -p "$PGTLS"
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
		-subj /CN=citybench-test-ca -keyout "$PGTLS/ca.key" -out "$PGTLS/ca.pem" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=primary.citybench.test \
		-keyout "$PGTLS/server.key" -out "$PGTLS/server.csr" &&
	printf 'subjectAltName=DNS:primary.citybench.test,DNS:replica.citybench.test\n' >"$PGTLS/san.ext" &&
	openssl x509 -req -in "$PGTLS/server.csr" -CA "$PGTLS/ca.pem" -CAkey "$PGTLS/ca.key" -CAcreateserial \
		-days 1 -extfile "$PGTLS/san.ext" -out "$PGTLS/server.crt"
} >"$RT/pgtls.log" 2>&1 || { cat "$RT/pgtls.log"; die "the servers' certificate"; }
chmod 600 "$PGTLS/server.key"
[ "$(id -u)" = 0 ] && chown postgres "$PGTLS/server.key"
# The passwords, in pass files as docs/operations.md has them: the application's (this user's) and
# the replicator's (postgres's, which runs pg_basebackup and the standby's WAL receiver).
WEB_PW=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n'); REP_PW=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
(umask 077; printf '*:*:citybench:citybench_web:%s\n' "$WEB_PW" >"$RT/pgpass"
 printf '*:*:replication:replicator:%s\n' "$REP_PW" >"$RT/pgpass-replicator")
[ "$(id -u)" = 0 ] && chown postgres "$RT/pgpass-replicator"
# pg_hba.conf: the socket for this test's superuser and the local pool; over TCP only hostssl lines with
# passwords (no "host" line: plain TCP is refused).
for n in pg1 pg2; do
	printf '%s\n' "local   all          all                         trust" \
		"hostssl replication  replicator     127.0.0.1/32  scram-sha-256" \
		"hostssl citybench    citybench_web  127.0.0.1/32  scram-sha-256" >"$RT/$n.hba.conf"
	: >"$RT/$n.ident.conf"
done
[ "$(id -u)" = 0 ] && chown postgres "$RT"/pg?.hba.conf "$RT"/pg?.ident.conf
as_user postgres "$PGBIN/initdb" -D "$RT/pg1" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
	>"$RT/initdb.log" 2>&1 || { cat "$RT/initdb.log"; die "initdb"; }
pg_start "$RT/pg1" "$P1" "$S1" || { tail "$RT/pg1.log"; die "the primary did not start"; }
"$PGBIN/createdb" -h "$S1" -p "$P1" -U postgres -E UTF8 citybench || die "createdb"
psql1 "create extension pg_stat_statements" || die "pg_stat_statements"
export CITYBENCH_DB=$OWNER
{
	"$BIN/citybench" db migrate &&
	"$BIN/citybench" survey load "$ROOT/sql/surveys/2018.json" "$ROOT/sql/surveys/2020.json" &&
	"$BIN/citybench" gen --cities "$CITIES" --seed 2020 --out "$RT/sample" &&
	"$BIN/citybench" import "$ROOT/sql/sample/cities.csv" "$RT/sample/cities.csv" \
		"$ROOT/sql/sample/toronto.json" "$RT/sample/answers.csv"
} >"$RT/load.log" 2>&1 || { tail -20 "$RT/load.log"; die "loading the sample data"; }
ok "primary: cluster, migrations and $((CITIES + 1)) cities"
# The replication role, the application role's password, a slot (docs/operations.md, Read replicas).
psql1 "create role replicator with replication login password '$REP_PW';
	alter role citybench_web password '$WEB_PW';
	select pg_create_physical_replication_slot('replica1')" >/dev/null || die "the replicator, the slot"

REPL_CONN="host=primary.citybench.test hostaddr=127.0.0.1 port=$P1 user=replicator sslmode=verify-full sslrootcert=$PGTLS/ca.pem passfile=$RT/pgpass-replicator"
as_user postgres "$PGBIN/pg_basebackup" -d "$REPL_CONN" -D "$RT/pg2" -R -X stream -S replica1 -c fast \
	>"$RT/basebackup.log" 2>&1 || { cat "$RT/basebackup.log"; die "pg_basebackup"; }
pg_start "$RT/pg2" "$P2" "$S2" || { tail "$RT/pg2.log"; die "the standby did not start"; }
for i in $(seq 1 300); do	# bounded generously: a loaded machine is slow to start streaming
	[ "$(psql1 "select count(*) from pg_stat_replication where state = 'streaming'")" = 1 ] && break
	sleep 0.1
done
check "standby: streaming from the primary, in hot standby" \
	test "$(psql2 "select pg_is_in_recovery()")/$(psql1 "select count(*) from pg_stat_replication where state = 'streaming'")" = "t/1"
r=$(psql1 "select r.usename, s.ssl, sl.active from pg_stat_replication r join pg_stat_ssl s using (pid)
	join pg_replication_slots sl on sl.active_pid = r.pid where sl.slot_name = 'replica1'")
check "replication as replicator, over TLS, on the slot replica1 ($r)" test "$r" = "replicator|t|t"
r=$("$PGBIN/psql" -qAtX "$READ" -c "select ssl from pg_stat_ssl where pid = pg_backend_pid()" 2>&1)
check "the application's role reaches the standby over TCP with sslmode=verify-full ($r)" test "$r" = t
r=$("$PGBIN/psql" -qAtX "$WEB_TCP" -c "select ssl from pg_stat_ssl where pid = pg_backend_pid()" 2>&1)
check "and the primary ($r)" test "$r" = t
r=$("$PGBIN/psql" -qAtX "${READ/sslmode=verify-full/sslmode=disable}" -c "select 1" 2>&1)
check "plain TCP is refused (no host line in pg_hba.conf)" test -n "$(echo "$r" | grep 'no pg_hba.conf entry')"
r=$("$PGBIN/psql" -qAtX "${READ/host=replica.citybench.test/host=other.citybench.test}" -c "select 1" 2>&1)
check "a server name the certificate does not carry is refused by verify-full" \
	test -n "$(echo "$r" | grep -i 'does not match host name')"

# ---- two pools, one nginx ----
start_pool() {	# start_pool NAME SOCKET EXTRA-ENV...: a supervisor in its own process group
	local name=$1 sock=$2; shift 2
	env CITYBENCH_DB="$WEB" CITYBENCH_DB_READ="$READ" CITYBENCH_DB_READ_RETRY=1 CITYBENCH_ROOT="$ROOT" \
		CITYBENCH_SOCKET_GROUP="$WGROUP" CITYBENCH_OPS_KEY="$OPS_KEY" "$@" \
		setsid "$BIN/citybench-fcgi" --socket "$sock" --workers 2 --pidfile "$RT/$name.pid" \
		>>"$RT/$name.log" 2>&1 &
	pids+=($!)
	disown $!
	eval "${name}_pid=$!"
}
# The plugins, as the owner in a process of its own: the workers never hold its conninfo (issue 14).
CITYBENCH_DB=$OWNER "$BIN/citybench" plugins reload >>"$RT/pool1.log" 2>&1
start_pool pool1 "$RT/pool1.sock"
start_pool pool2 "127.0.0.1:$FP" CITYBENCH_FCGI_ALLOW=127.0.0.1 CITYBENCH_SKIP_SYNC=1 CITYBENCH_DB="$WEB_TCP"
for i in $(seq 1 300); do
	[ -S "$RT/pool1.sock" ] && $PY -c "import socket; socket.create_connection(('127.0.0.1', $FP), 1)" \
		2>/dev/null && break
	sleep 0.1
done
[ -S "$RT/pool1.sock" ] || { tail "$RT/pool1.log"; die "pool 1 did not start"; }

# A pool that takes every request and drops it, for the retry checks.
cat >"$RT/drop.py" <<'EOF'
import os, socket, sys
path = sys.argv[1]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path); os.chmod(path, 0o666); s.listen(16)
while True:
    c, _ = s.accept()
    c.settimeout(0.3)
    try:
        while c.recv(65536):
            pass
    except OSError:
        pass
    c.close()
EOF
setsid $PY "$RT/drop.py" "$RT/drop.sock" >/dev/null 2>&1 &
pids+=($!)

mkdir -p "$RT/nginx/logs" "$RT/nginx/tmp" "$RT/tls" "$RT/share/web" "$RT/ops"
chmod 700 "$RT/ops"
cp -r "$ROOT/web/static" "$RT/share/web/"
[ "$(id -u)" = 0 ] && chown -R www-data "$RT/nginx/tmp"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost \
	-keyout "$RT/tls/key.pem" -out "$RT/tls/cert.pem" >/dev/null 2>&1 || die "a throwaway certificate"
cp "$ROOT/dist/citybench-fastcgi.conf" "$RT/nginx/citybench-fastcgi.conf"
(umask 077; printf 'fastcgi_param CITYBENCH_OPS %s;\n' "$OPS_KEY" >"$RT/nginx/citybench-ops-key.conf")
sed -e 's/fastcgi_pass citybench;/fastcgi_pass chaos;/' "$ROOT/dist/citybench-fastcgi.conf" >"$RT/nginx/chaos-fastcgi.conf"
# The shipped site, with this run's paths and ports; its upstream line becomes two pools with the
# shipped health-check parameters.
sed -e "s|^\([[:space:]]*\)server unix:@RUNDIR@/fcgi.sock \(.*\)$|\1server unix:$RT/pool1.sock \2\n\1server 127.0.0.1:$FP \2|" \
    -e "s|unix:@RUNDIR@/fcgi.sock;|unix:$RT/pool1.sock;|" -e "s|/run/citybench-ops/|$RT/ops/|" \
    -e "s|@DATADIR@|$RT/share|g" -e "s|@DOCDIR@|$ROOT/docs|g" \
    -e "s|listen 80;|listen 127.0.0.1:$HTTP;|" -e "s|listen 443 ssl http2;|listen 127.0.0.1:$HTTPS ssl http2;|" \
    -e "/listen \[::\]/d" \
    -e "s|/etc/ssl/citybench/fullchain.pem|$RT/tls/cert.pem|" -e "s|/etc/ssl/citybench/privkey.pem|$RT/tls/key.pem|" \
    -e "s|/var/log/nginx/|$RT/nginx/logs/|g" \
    -e "s|include snippets/citybench-fastcgi.conf;|include $RT/nginx/citybench-fastcgi.conf;|" \
    -e "s|include snippets/citybench-ops-key.conf;|include $RT/nginx/citybench-ops-key.conf;|" \
    "$ROOT/dist/nginx-citybench.conf.in" >"$RT/nginx/site.conf"
grep -q "server 127.0.0.1:$FP max_fails=1 fail_timeout=5s;" "$RT/nginx/site.conf" || die "the site's upstream line"
door() {	# door PORT UPSTREAM [SNIPPET]: a plain-HTTP server straight to one upstream (test only)
	cat <<EOF
	server {
		listen 127.0.0.1:$1;
		location / {
			include ${3:-/etc/nginx/fastcgi_params};
			fastcgi_param SCRIPT_NAME "";
			fastcgi_param PATH_INFO \$uri;
			${4:-fastcgi_pass $2;}
		}
	}
EOF
}
cat >"$RT/nginx/nginx.conf" <<EOF
$([ "$(id -u)" = 0 ] && echo "user www-data;")
worker_processes auto;
pid $RT/nginx/nginx.pid;
error_log $RT/nginx/logs/error.log warn;
events { worker_connections 1024; }
http {
	include /etc/nginx/mime.types;
	default_type application/octet-stream;
	client_body_temp_path $RT/nginx/tmp/body;
	proxy_temp_path $RT/nginx/tmp/proxy;
	fastcgi_temp_path $RT/nginx/tmp/fastcgi;
	uwsgi_temp_path $RT/nginx/tmp/uwsgi;
	scgi_temp_path $RT/nginx/tmp/scgi;
	access_log $RT/nginx/logs/doors.log;
	include $RT/nginx/site.conf;

	upstream pool1_only { server unix:$RT/pool1.sock; }
	upstream pool2_only { server 127.0.0.1:$FP; }
	upstream chaos { server unix:$RT/drop.sock max_fails=0; server unix:$RT/pool1.sock backup; }
$(door "$D1" pool1_only)
$(door "$D2" pool2_only)
$(door "$DO" pool2_only /etc/nginx/fastcgi_params 'fastcgi_param CITYBENCH_OPS 1; fastcgi_pass pool2_only;')
	server {
		listen 127.0.0.1:$DC;
		location / { include $RT/nginx/chaos-fastcgi.conf; }
	}
	server {
		listen 127.0.0.1:$DB;
		access_log off;
		location / { include $RT/nginx/citybench-fastcgi.conf; }
	}
}
EOF
/usr/sbin/nginx -p "$RT/nginx" -c "$RT/nginx/nginx.conf" -e "$RT/nginx/logs/error.log" ||
	{ tail "$RT/nginx/logs/error.log"; die "nginx did not start"; }
ok "two pools (unix socket, TCP) and nginx with the shipped site"

get_status() { curl -sk -o /dev/null -w '%{http_code}' "$@"; }

# ---- TLS ----
code=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$HTTP/cities?q=a")
check "HTTP answers 301 to the same path on HTTPS ($code)" test "$code" = "301 https://127.0.0.1/cities?q=a"
hsts=$(curl -sk -D - -o /dev/null "$BASE/healthz" | tr -d '\r' | grep -i '^strict-transport-security:')
check "HTTPS answers with HSTS ($hsts)" test "${hsts,,}" = "strict-transport-security: max-age=63072000"

m=$(curl -s --unix-socket "$RT/ops/ops.sock" http://ops/ops/metrics | grep '^citybench_requests_total ')
check "the operator's socket serves the pool's counters ($m)" test -n "$m"
st=$(get_status "$BASE/ops/metrics")
check "the public site refuses /ops/ ($st)" test "$st" = 404
# Whoever speaks FastCGI to a pool (here its TCP port, as any local user of an allowed host could)
# and sets CITYBENCH_OPS=1 gets a 404: only the operator's key opens /ops/metrics.
st=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$D2/ops/metrics")
check "a pool's own door without the key: /ops/metrics is 404 ($st)" test "$st" = 404
st=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$DO/ops/metrics")
check "CITYBENCH_OPS=1 sent over FastCGI to a pool: 404 ($st)" test "$st" = 404

# ---- HTTP/2: nginx's own errors and the limits, as over HTTP/1.1 ----
h2_case() {	# h2_case NAME EXPECTED CURL-ARGS...: the same status and JSON error over both protocols
	local name=$1 want=$2 v out st; shift 2
	for v in --http1.1 --http2; do
		out=$(curl -sk "$v" -o "$RT/h2.json" -w '%{http_version} %{http_code} %{content_type}' "$@" 2>&1)
		st=$($PY -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["error"]["status"] if "error" in d else "none")' "$RT/h2.json" 2>/dev/null)
		[ "$want" = 200 ] && st=200
		check "$name over ${v#--}: $want in JSON ($out; error.status $st)" \
			test "${out#* }" = "$want application/json" -a "$st" = "$want" -a "${out%% *}" = "${v#--http}"
	done
}
head -c $((9 * 1024 * 1024)) /dev/zero | tr '\0' 'x' >"$RT/big.csv"
h2_case "a 9 MiB upload" 413 -H 'Content-Type: text/csv' -H 'Authorization: Bearer cb_1_x' \
	--data-binary @"$RT/big.csv" "$BASE/api/submissions"
rm -f "$RT/big.csv"
long=$(head -c 20000 /dev/zero | tr '\0' a)	# HPACK packs it in 12.5 KB: under nginx's 16 KiB over HTTP/2
h2_case "a 20 KB header" 431 -H "X-Long: $long" "$BASE/cities.json"
h2_case "a 20 KB query string" 414 "$BASE/cities.json?q=$long"
mid=$(head -c 9000 /dev/zero | tr '\0' a)
h2_case "a 9 KB header, within the limits" 200 -H "X-Mid: $mid" "$BASE/cities.json?limit=1"

# ---- reads spread over the pools and reach the standby ----
# Page statements by citybench_web on a server (not the data-version probe or LISTEN): they count at
# once in pg_stat_statements, on the standby too.
NOT_PAGES='data_version|^listen|^begin|^commit|^rollback|^select (1|\$1)$'
reads_on() {	# reads_on 1|2
	"psql$1" "select coalesce(sum(calls), 0) from pg_stat_statements s join pg_roles r on r.oid = s.userid
		where r.rolname = 'citybench_web' and s.query !~* '$NOT_PAGES'"
}
mapfile -t SLUGS < <(psql1 "select slug from cities order by slug")
log=$RT/nginx/logs/citybench.access.log
lines0=$(wc -l <"$log")
r1=$(reads_on 1); r2=$(reads_on 2)
bad=0
for i in $(seq 1 "$READS"); do
	s=${SLUGS[$((i % ${#SLUGS[@]}))]}
	st=$(get_status "$BASE/cities/$s.json?peers=population:0-$((100000000 + i))")
	[ "$st" = 200 ] || bad=$((bad + 1))
done
check "$READS reads through nginx: all 200 ($bad not)" test "$bad" = 0
n1=$(tail -n +"$((lines0 + 1))" "$log" | grep -c "\"unix:$RT/pool1.sock\"")
n2=$(tail -n +"$((lines0 + 1))" "$log" | grep -c "\"127.0.0.1:$FP\"")
check "reads spread over both pools ($n1 on pool 1, $n2 on pool 2)" \
	test "$n1" -ge $((READS / 4)) -a "$n2" -ge $((READS / 4))
d1=$(( $(reads_on 1) - r1 )); d2=$(( $(reads_on 2) - r2 ))
check "reads answered by the standby ($d2 statements), not the primary ($d1)" test "$d2" -ge "$READS" -a "$d1" = 0

# ---- figures (--bench): the same URLs on one pool, on both, on both through TLS ----
if [ $BENCH = 1 ] && command -v wrk >/dev/null; then
	for s in "${SLUGS[@]}"; do printf '/cities/%s.json\n/cities/%s\n/cities/%s.csv\n' "$s" "$s" "$s"; done >"$RT/urls"
	for u in "one pool (2 workers)|http://127.0.0.1:$D1" "two pools (2 x 2 workers)|http://127.0.0.1:$DB" \
		"two pools through the TLS site|$BASE"; do
		# Warm every worker's cache first: the figures compare the paths, not cold starts.
		BENCH_URLS=$RT/urls wrk -t2 -c16 -d3s -s "$ROOT/tests/bench/rotate.lua" "${u#*|}" >/dev/null 2>&1
		BENCH_URLS=$RT/urls wrk -t2 -c16 -d"${BENCH_SECONDS:-10}"s -s "$ROOT/tests/bench/rotate.lua" "${u#*|}" \
			>"$RT/wrk.out" 2>&1
		echo "# bench: ${u%%|*}: $(grep -E 'Requests/sec|Non-2xx|Latency' "$RT/wrk.out" | tr -s ' ' | tr '\n' ';')"
	done
fi

# ---- an upload: its version, read-your-writes across pools, the standby's lag, once ----
CITY=${SLUGS[1]}
TOKEN=$("$BIN/citybench" token create --city "$CITY" 2>>"$RT/load.log" | tail -1)
versions() { psql1 "select count(*) from submissions s join cities c on c.id = s.city_id where c.slug = '$CITY'"; }
staff_via() {	# staff_via URL: the city's team1_staff answer in 2020 as served there
	curl -sk "$1" | $PY -c 'import json,sys; print(json.load(sys.stdin)["answers"].get("team1_staff"))' 2>/dev/null
}
page=/cities/$CITY.json?survey=2020
for d in $D1 $D2; do staff_via "http://127.0.0.1:$d$page" >/dev/null; staff_via "http://127.0.0.1:$d$page" >/dev/null; done
before=$(staff_via "http://127.0.0.1:$D1$page")
v0=$(versions)
for i in $(seq 1 300); do	# the standby has everything so far
	[ "$(psql2 "select count(*) from submissions")" = "$(psql1 "select count(*) from submissions")" ] && break
	sleep 0.1
done
psql2 "select pg_wal_replay_pause()" >/dev/null
upload() {	# upload VALUE [BASE]: prints "STATUS DATA_VERSION"
	printf 'city,survey,question,value\n%s,2020,team1_staff,%s\n' "$CITY" "$1" |
		curl -sk -o "$RT/upload.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" \
			-H 'Content-Type: text/csv' --data-binary @- "${2:-$BASE}/api/submissions"
	printf ' %s\n' "$($PY -c 'import json,sys; print(json.load(open(sys.argv[1])).get("data_version"))' \
		"$RT/upload.json" 2>/dev/null)"
}
read -r st V < <(upload 4242)
[[ $V =~ ^[0-9]+$ ]] || V=0
check "an upload answers 201 with its data_version ($st, $V)" test "$st" = 201 -a "$V" -gt 0
check "it landed once (versions $v0 -> $(versions))" test "$(versions)" = $((v0 + 1))
via1=$(staff_via "http://127.0.0.1:$D1$page&min_version=$V")
via2=$(staff_via "http://127.0.0.1:$D2$page&min_version=$V")
viab=$(staff_via "$BASE$page&min_version=$V")
check "?min_version=$V reads it back at once on every pool and through nginx ($via1, $via2, $viab)" \
	test "$via1/$via2/$viab" = "4242/4242/4242"
old1=$(staff_via "http://127.0.0.1:$D1$page"); old2=$(staff_via "http://127.0.0.1:$D2$page")
check "without it, the paused standby still answers the old value ($old1, $old2; was $before)" \
	test "$old1/$old2" = "$before/$before"
etag=$(curl -s -D - -o /dev/null "http://127.0.0.1:$D1$page" | tr -d '\r' | sed -n 's/^[Ee][Tt]ag: "v\([0-9]*\)-.*/\1/p')
[[ $etag =~ ^[0-9]+$ ]] || etag=999999999
check "its ETag names the standby's version ($etag), not the primary's ($V)" test "$etag" -lt "$V"
bad=$(get_status "$BASE$page&min_version=abc")
check "a malformed min_version is a 400 ($bad)" test "$bad" = 400
psql2 "select pg_wal_replay_resume()" >/dev/null
t0=$(date +%s.%N)
for i in $(seq 1 300); do
	[ "$(staff_via "http://127.0.0.1:$D1$page")/$(staff_via "http://127.0.0.1:$D2$page")" = "4242/4242" ] && break
	sleep 0.1
done
lag=$($PY -c "import time; print(round(time.time() - $t0, 2))")
check "once the standby replays it, every pool shows it: their caches moved on (${lag}s)" \
	test "$(staff_via "http://127.0.0.1:$D1$page")/$(staff_via "http://127.0.0.1:$D2$page")" = "4242/4242"

# ---- retries: idempotent requests only ----
v1=$(versions)
st=$(get_status "http://127.0.0.1:$DC/cities/$CITY.json?chaos=1")
check "a GET dropped by a pool is retried on the next one ($st)" test "$st" = 200
read -r st _ < <(upload 4343 "http://127.0.0.1:$DC")
check "a POST dropped by a pool is not retried: $st, nothing stored" test "$st" = 502 -a "$(versions)" = "$v1"

# ---- the standby stopped, then back ----
pg_stop "$RT/pg2"
r1=$(reads_on 1)
bad=0
for i in $(seq 1 $((READS / 2))); do
	st=$(get_status "$BASE/cities/${SLUGS[$((i % ${#SLUGS[@]}))]}.json?peers=population:0-$((200000000 + i))")
	[ "$st" = 200 ] || bad=$((bad + 1))
done
d1=$(( $(reads_on 1) - r1 ))
check "standby stopped: $((READS / 2)) reads, $bad failed, the primary answered ($d1 statements)" \
	test "$bad" = 0 -a "$d1" -gt 0
pg_start "$RT/pg2" "$P2" "$S2" || notok "the standby did not start again"
sleep 1.2	# CITYBENCH_DB_READ_RETRY=1
# A loaded machine may take longer to bring the standby up: up to 10 rounds of reads, bounded.
r2=$(reads_on 2)
d2=0
for round in $(seq 1 10); do
	for i in $(seq 1 $((READS / 2))); do
		get_status "$BASE/cities/${SLUGS[$((i % ${#SLUGS[@]}))]}.json?peers=population:0-$((300000000 + round * 100 + i))" >/dev/null
	done
	d2=$(( $(reads_on 2) - r2 ))
	[ "$d2" -gt 0 ] && break
	sleep 0.5
done
check "standby back: the pools read from it again ($d2 statements)" test "$d2" -gt 0

# ---- one pool killed under load ----
cat >"$RT/load.py" <<'EOF'
import http.client, ssl, sys, threading, time
port, seconds, slugs = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3].split(",")
ctx = ssl._create_unverified_context()
stop = time.time() + seconds
codes, lock = {}, threading.Lock()
def run(k):
    i = 0
    while time.time() < stop:
        i += 1
        try:
            c = http.client.HTTPSConnection("127.0.0.1", port, context=ctx, timeout=10)
            c.request("GET", "/cities/%s.json?load=%d-%d" % (slugs[i % len(slugs)], k, i))
            st = c.getresponse().status
            c.close()
        except Exception as e:
            st = type(e).__name__
        with lock:
            codes[st] = codes.get(st, 0) + 1
ts = [threading.Thread(target=run, args=(k,)) for k in range(4)]
[t.start() for t in ts]
[t.join() for t in ts]
print(" ".join("%s:%d" % (k, v) for k, v in sorted(codes.items(), key=str)))
EOF
$PY "$RT/load.py" "$HTTPS" "$LOAD_SECONDS" "$(IFS=,; echo "${SLUGS[*]}")" >"$RT/load.out" &
loadpid=$!
sleep 1
kill -9 -- "-$pool2_pid"
wait "$loadpid"
res=$(cat "$RT/load.out")
retried=$(grep -c '[0-9], 200" ' "$log")	# $upstream_status "502, 200": failed on one pool, answered by the other
check "pool 2 killed under load: every GET answered 200 ($res; $retried retried on pool 1)" \
	test -n "$res" -a "${res%%:*}" = 200 -a "${res/ /}" = "$res" -a "$retried" -gt 0
v2=$(versions)
n=0
for k in 1 2 3; do read -r st _ < <(upload $((5000 + k))); [ "$st" = 201 ] && n=$((n + 1)); done
check "with pool 2 gone, 3 uploads: $n answered 201, each stored once ($v2 -> $(versions))" \
	test "$n" = 3 -a "$(versions)" = $((v2 + 3))

finish
