#!/bin/bash
# stack.sh: the private PostgreSQL cluster, the FastCGI workers and nginx, started and stopped together.
#
#   stack.sh run     `make run`: start everything on PORT (8080), load the sample data once, stay in the
#                    foreground until SIGINT/SIGTERM, then stop all it started.
#   stack.sh start   start everything in the background under CB_RT (tests); prints nothing but errors.
#   stack.sh stop    stop what `start` started under CB_RT.
#   stack.sh pgstop / pgstart   stop or start only the PostgreSQL cluster (the fault tests), with the
#                    same options as `start`.
#
# The runtime directory (cluster, sockets, nginx's pid, logs and temp files) is var/ in the clone when
# the postgres and nginx worker users can reach it, else a directory under /var/tmp named after the clone,
# with var/rt pointing to it: a clone may sit under a 0700 parent that those users cannot enter.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PGBIN=/usr/lib/postgresql/15/bin
PORT=${PORT:-8080}
PGPORT=${CB_PGPORT:-55432}
WORKERS=${CITYBENCH_WORKERS:-4}
BIN=${CB_BIN:-$ROOT/bin}
export CITYBENCH_ROOT=$ROOT

log() { printf 'citybench: %s\n' "$*" >&2; }

as_user() {	# as_user USER CMD...: run as USER (root switches; others must already be USER)
	local u=$1; shift
	if [ "$(id -u)" = 0 ] && [ "$u" != root ]; then runuser -u "$u" -- "$@"; else "$@"; fi
}

can_reach() {	# can_reach USER DIR
	[ "$(id -u)" != 0 ] && return 0
	runuser -u "$1" -- test -x "$2" 2>/dev/null
}

pick_rt() {
	if [ -n "${CB_RT:-}" ]; then RT=$CB_RT; return; fi
	mkdir -p "$ROOT/var"
	if can_reach postgres "$ROOT/var" && can_reach www-data "$ROOT/var"; then
		RT=$ROOT/var
	else
		RT=/var/tmp/citybench-$(printf '%s' "$ROOT" | md5sum | cut -c1-12)
		mkdir -p "$RT"; chmod 755 "$RT"
		ln -sfn "$RT" "$ROOT/var/rt"
	fi
}

pg_start() {
	mkdir -p "$RT/pg" "$RT/pgsock"
	if [ "$(id -u)" = 0 ]; then
		chown postgres "$RT/pg" "$RT/pgsock"
		chgrp "$(id -gn)" "$RT/pgsock"
	fi
	chmod 700 "$RT/pg"; chmod 770 "$RT/pgsock"
	if [ ! -s "$RT/pg/data/PG_VERSION" ]; then
		log "creating the private PostgreSQL cluster in $RT/pg/data"
		as_user postgres "$PGBIN/initdb" -D "$RT/pg/data" -U postgres -A trust -E UTF8 \
			--locale=C.UTF-8 >"$RT/pg/initdb.log" 2>&1 ||
			{ cat "$RT/pg/initdb.log" >&2; return 1; }
	fi
	pg_hba
	as_user postgres "$PGBIN/pg_ctl" -D "$RT/pg/data" -l "$RT/pg/server.log" -w -t 60 \
		-o "-c listen_addresses='' -c port=$PGPORT -c unix_socket_directories='$RT/pgsock' \
		    -c unix_socket_permissions=0770 -c max_connections=100 -c max_locks_per_transaction=512 -c shared_buffers=128MB -c jit=off \
		    -c fsync=${CB_PG_FSYNC:-on} -c synchronous_commit=${CB_PG_SYNC:-on} \
		    -c log_min_messages=warning" start >/dev/null ||
		{ tail -20 "$RT/pg/server.log" >&2; return 1; }
	OWNER_DB="host=$RT/pgsock port=$PGPORT dbname=citybench user=postgres passfile=$RT/owner.pgpass"
	WEB_DB="host=$RT/pgsock port=$PGPORT dbname=citybench user=citybench_web"
	owner_password || return 1
	if ! "$PGBIN/psql" -qAtX "host=$RT/pgsock port=$PGPORT dbname=postgres user=postgres passfile=$RT/owner.pgpass" \
		-c "select 1 from pg_database where datname='citybench'" | grep -q 1; then
		PGPASSFILE=$RT/owner.pgpass "$PGBIN/createdb" -h "$RT/pgsock" -p "$PGPORT" -U postgres -E UTF8 citybench
	fi
	printf '%s\n' "$OWNER_DB" >"$RT/conninfo"
}

# Who may log in (issue 14): the workers' role citybench_web over the socket; every other role, the
# schema owner (postgres here) first, only with its password, which is in $RT/owner.pgpass (0600) and
# in the owner's conninfo ($RT/conninfo: the CLI's and the tests'), never in the workers' environment.
# Before the password is set (a new cluster) the owner is let in as initdb made it, once.
pg_hba() {
	local f=$RT/pg/data/pg_hba.conf
	[ -s "$RT/pg/data/PG_VERSION" ] || return 0
	if [ -s "$RT/owner.pgpass" ]; then
		printf '%s\n' "local all citybench_web trust" "local all all scram-sha-256" >"$f"
	else
		printf '%s\n' "local all all trust" >"$f"
	fi
	[ "$(id -u)" = 0 ] && chown postgres "$f"
	chmod 600 "$f"
}

owner_password() {	# the owner's password, made once; then pg_hba.conf asks for it
	[ -s "$RT/owner.pgpass" ] && return 0
	local pw
	pw=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
	"$PGBIN/psql" -qAtX "host=$RT/pgsock port=$PGPORT dbname=postgres user=postgres" \
		-c "alter role postgres password '$pw'" >/dev/null || return 1
	(umask 077; printf '*:*:*:postgres:%s\n' "$pw" >"$RT/owner.pgpass.tmp") &&
		mv "$RT/owner.pgpass.tmp" "$RT/owner.pgpass"
	pg_hba
	as_user postgres "$PGBIN/pg_ctl" -D "$RT/pg/data" reload >/dev/null
	# A reload is asynchronous: wait until the owner needs the password.
	local i
	for i in $(seq 1 50); do
		"$PGBIN/psql" -qAtX "host=$RT/pgsock port=$PGPORT dbname=postgres user=postgres passfile=/dev/null" \
			-c "select 1" >/dev/null 2>&1 </dev/null || return 0
		sleep 0.1
	done
	log "the owner's password is not asked for"; return 1
}

pg_stop() {
	[ -s "$RT/pg/data/postmaster.pid" ] &&
		as_user postgres "$PGBIN/pg_ctl" -D "$RT/pg/data" -m fast -w stop >/dev/null 2>&1
	return 0
}

load_sample() {	# the sample data, once: Toronto from the references plus a synthetic cohort
	local cli=("$BIN/citybench")
	export CITYBENCH_DB=$OWNER_DB
	"${cli[@]}" db migrate || return 1
	if [ "$("$PGBIN/psql" -qAtX "$OWNER_DB" -c "select value from meta where key='sample_loaded'")" = yes ]; then
		return 0
	fi
	log "loading the sample data (Toronto and a synthetic cohort)"
	"${cli[@]}" survey load "$ROOT/sql/surveys/2018.json" "$ROOT/sql/surveys/2020.json" || return 1
	mkdir -p "$RT/sample"
	"${cli[@]}" gen --cities "${CB_SAMPLE_CITIES:-157}" --seed 2020 --out "$RT/sample" || return 1
	"${cli[@]}" import "$ROOT/sql/sample/cities.csv" "$RT/sample/cities.csv" \
		"$ROOT/sql/sample/toronto.json" "$RT/sample/answers.csv" || return 1
	"$PGBIN/psql" -qAtX "$OWNER_DB" -c "insert into meta(key, value) values ('sample_loaded','yes')
		on conflict (key) do update set value = excluded.value" >/dev/null
}

ops_key() {	# the operator's key (docs/operations.md, Monitor): made once per runtime directory
	if [ ! -s "$RT/ops.key" ]; then
		(umask 077; od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$RT/ops.key")
	fi
	cat "$RT/ops.key"
}

nginx_conf() {
	local user="" wuser=www-data
	mkdir -p "$RT/nginx/tmp" "$RT/nginx/logs" "$RT/web"
	# nginx serves only web/static; copied where its worker user can read it.
	cp -r "$ROOT/web/static/." "$RT/web/" 2>/dev/null
	if [ "$(id -u)" = 0 ]; then
		user="user $wuser;"
		chown -R "$wuser" "$RT/nginx/tmp"
	fi
	sed -e "s|@RT@|$RT|g" -e "s|@PORT@|$PORT|g" -e "s|@USER@|$user|g" \
		-e "s|@WEB@|$RT/web|g" -e "s|@OPSKEY@|$(ops_key)|g" "$ROOT/web/nginx.conf.in" >"$RT/nginx/nginx.conf"
	chmod 600 "$RT/nginx/nginx.conf"
}

fcgi_start() {
	rm -f "$RT/fcgi.sock"
	# The plugins are loaded by the owner in its own short-lived process; the workers are never given
	# the owner's conninfo (issue 14).
	if [ "${CITYBENCH_SKIP_SYNC:-0}" = 0 ]; then
		CITYBENCH_DB=$OWNER_DB "$BIN/citybench" plugins reload >>"$RT/fcgi.log" 2>&1 ||
			log "plugins not loaded: see $RT/fcgi.log"
	fi
	env -u CITYBENCH_OWNER_DB \
	CITYBENCH_DB="$WEB_DB" CITYBENCH_ROOT="$ROOT" CITYBENCH_OPS_KEY="$(ops_key)" \
	CITYBENCH_SOCKET_GROUP="$([ "$(id -u)" = 0 ] && echo www-data || id -gn)" \
		"$BIN/citybench-fcgi" --socket "$RT/fcgi.sock" --workers "$WORKERS" \
		--pidfile "$RT/fcgi.pid" >>"$RT/fcgi.log" 2>&1 &
	local i
	# The supervisor writes its pid file after forking the workers, a moment after the socket: `run`
	# watches the pid file.
	for i in $(seq 1 100); do
		[ -S "$RT/fcgi.sock" ] && [ -s "$RT/fcgi.pid" ] && return 0
		kill -0 $! 2>/dev/null || break
		sleep 0.1
	done
	log "the FastCGI server did not start:"; tail -20 "$RT/fcgi.log" >&2
	return 1
}

nginx_start() {
	nginx_conf
	# The operator's socket lives in a directory only its owner may enter (nginx makes the socket 0666);
	# one left behind by an nginx that was killed would block the listen.
	mkdir -p "$RT/ops" && chmod 700 "$RT/ops"
	rm -f "$RT/ops/ops.sock"
	/usr/sbin/nginx -p "$RT/nginx" -c "$RT/nginx/nginx.conf" -e "$RT/nginx/logs/error.log" ||
		{ tail -5 "$RT/nginx/logs/error.log" >&2; return 1; }
}

stop_all() {
	[ -s "$RT/nginx/nginx.pid" ] && kill "$(cat "$RT/nginx/nginx.pid")" 2>/dev/null
	[ -s "$RT/fcgi.pid" ] && kill "$(cat "$RT/fcgi.pid")" 2>/dev/null
	local i
	for i in $(seq 1 50); do
		{ [ -s "$RT/nginx/nginx.pid" ] && kill -0 "$(cat "$RT/nginx/nginx.pid")" 2>/dev/null; } ||
		{ [ -s "$RT/fcgi.pid" ] && kill -0 "$(cat "$RT/fcgi.pid")" 2>/dev/null; } || break
		sleep 0.1
	done
	rm -f "$RT/fcgi.pid"
	pg_stop
}

start_all() {
	pick_rt
	pg_start || return 1
	load_sample || return 1
	fcgi_start || return 1
	nginx_start || return 1
}

case "${1:-}" in
run)
	pick_rt
	# A clean stop exits 0 (the Makefile runs this as a job of its own, so that Ctrl-C reaches this
	# script and not make, which would report the interrupt as an error).
	trap 'echo; log "stopping"; stop_all; log "stopped"; exit 0' INT TERM
	if ! start_all; then stop_all; exit 1; fi
	log "ready: http://127.0.0.1:$PORT/   (Ctrl-C stops everything)"
	parent=$PPID
	while sleep 1; do
		# Whoever started us (make) is gone, say killed without a terminal's Ctrl-C: stop too.
		kill -0 "$parent" 2>/dev/null || { log "parent gone; stopping"; stop_all; exit 0; }
		[ -s "$RT/fcgi.pid" ] && kill -0 "$(cat "$RT/fcgi.pid")" 2>/dev/null ||
			{ log "the FastCGI server exited"; stop_all; exit 1; }
	done
	;;
start)
	if ! start_all; then stop_all; exit 1; fi
	;;
stop)
	pick_rt; stop_all
	;;
pgstart)
	pick_rt; pg_start || exit 1
	;;
pgstop)
	pick_rt; pg_stop
	;;
*)
	echo "usage: stack.sh run|start|stop|pgstart|pgstop" >&2; exit 2
	;;
esac
