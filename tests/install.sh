#!/bin/bash
# install.sh: `make install DESTDIR=...` as a package build runs it, checked as TAP lines: every file in
# its place with its mode; the installed programs run from there with the installed tree and the
# configuration file; `citybench db migrate` twice (and twice at once) on a fresh database: idempotent;
# the installed citybench-fcgi serves pages from the installed templates; the systemd unit, the nginx
# site and the man pages pass their tools' checks (the service logs to the journal: no logrotate file); `make uninstall` leaves the
# operator's files.  Needs CITYBENCH_DB: an owner's conninfo on a running cluster (tests/run.sh's).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export LC_ALL=C.UTF-8
PY=python3
[ -x /usr/bin/python3 ] && PY=/usr/bin/python3

pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $*"; }
notok() { fail=$((fail + 1)); echo "not ok - $*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else notok "$name"; fi; }
skip() { pass=$((pass + 1)); echo "ok - $* # skip"; }

T=$(mktemp -d /tmp/citybench-install.XXXXXX)
chmod 755 "$T"
D=$T/dest
DBS=()
FCGI=""
finish() {
	[ -n "$FCGI" ] && kill "$FCGI" 2>/dev/null
	for db in "${DBS[@]}"; do
		/usr/lib/postgresql/15/bin/psql -qAtX "$CITYBENCH_DB" -c "drop database if exists $db" >/dev/null 2>&1
	done
	rm -rf "$T"
	echo "# install: $pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
trap 'finish; exit $?' EXIT

SAN=()
case "${BUILD:-build/rel}" in *san*) SAN=(SANITIZE=address,undefined) ;; esac
if make --no-print-directory install DESTDIR="$D" "${SAN[@]}" >"$T/install.log" 2>&1; then
	ok "make install DESTDIR=$D"
else
	tail -20 "$T/install.log" | sed 's/^/# /'
	notok "make install DESTDIR=..."
	exit 1
fi

P=$D/usr/local
SHARE=$P/share/citybench
mode() { stat -c %a "$1" 2>/dev/null; }
for f in "$P/bin/citybench:755" "$P/bin/citybench-fcgi:755" "$P/bin/citybench-sandbox:755" \
	"$SHARE/web/templates/layout.html:644" "$SHARE/web/static/citybench.css:644" \
	"$SHARE/sql/migrations/001_schema.sql:644" "$SHARE/sql/surveys/2020.json:644" \
	"$SHARE/plugins/funding_share.lua:644" \
	"$P/share/man/man1/citybench.1:644" "$P/share/man/man8/citybench-fcgi.8:644" "$P/share/man/man8/citybench-sandbox.8:644" \
	"$P/share/doc/citybench/operations.md:644" "$P/share/doc/citybench/citybench.conf:644" \
	"$D/etc/citybench/citybench.conf:640" "$D/etc/nginx/sites-available/citybench:644" \
	"$D/etc/nginx/snippets/citybench-fastcgi.conf:644" \
	"$D/lib/systemd/system/citybench-fcgi.service:644" "$D/usr/lib/tmpfiles.d/citybench.conf:644"; do
	check "installed ${f%:*} (mode ${f##*:})" test "$(mode "${f%:*}")" = "${f##*:}"
done
check "nothing outside /usr, /etc and /lib/systemd" \
	test -z "$(cd "$D" && find . -mindepth 1 -maxdepth 1 ! -name usr ! -name etc ! -name lib)"
check "no @PLACEHOLDER@ left in the installed files" \
	test -z "$(grep -rl '@[A-Z]*@' "$D/etc" "$D/lib" "$P/share/man" 2>/dev/null)"
check "the unit starts the installed binary" grep -qx "ExecStart=/usr/local/bin/citybench-fcgi" \
	"$D/lib/systemd/system/citybench-fcgi.service"
check "the site serves the installed static files" grep -q "alias /usr/local/share/citybench/web/static/;" \
	"$D/etc/nginx/sites-available/citybench"

# ---- the installed programs ----
out=$("$P/bin/citybench" --help 2>&1)
check "installed citybench --help exits 0 with the usage" test $? = 0 -a -n "$(echo "$out" | grep 'db migrate')"
out=$("$P/bin/citybench-fcgi" --help 2>&1)
check "installed citybench-fcgi --help exits 0" test $? = 0 -a -n "$(echo "$out" | grep -- '--socket')"
"$P/bin/citybench" bogus >/dev/null 2>&1
check "installed citybench: a usage error exits 2" test $? = 2

if [ -z "${CITYBENCH_DB:-}" ]; then
	notok "CITYBENCH_DB is not set: no database for the rest"
	exit 1
fi
OWNER=$CITYBENCH_DB
newdb() {	# newdb NAME: a fresh database in the test cluster; prints its owner conninfo
	/usr/lib/postgresql/15/bin/psql -qAtX "$OWNER" -c "create database $1" >/dev/null || return 1
	DBS+=("$1")
	echo "$OWNER dbname=$1"	# the last dbname in a conninfo wins
}
db1=cb_install_$$
c1=$(newdb "$db1") || { notok "create a database"; exit 1; }
m1=$(env CITYBENCH_DB="$c1" CITYBENCH_ROOT="$SHARE" "$P/bin/citybench" db migrate 2>&1)
r1=$?
m2=$(env CITYBENCH_DB="$c1" CITYBENCH_ROOT="$SHARE" "$P/bin/citybench" db migrate 2>&1)
r2=$?
check "db migrate on a fresh database applies the migrations ($r1: ${m1//$'\n'/; })" \
	test "$r1" = 0 -a -n "$(echo "$m1" | grep '^applied 001_')"
check "db migrate again: nothing to do, exit 0 ($r2: $m2)" test "$r2" = 0 -a -n "$(echo "$m2" | grep 'up to date')"
n=$(/usr/lib/postgresql/15/bin/psql -qAtX "$c1" -c "select count(*) from schema_migrations")
check "each migration recorded once ($n)" test "$n" = "$(ls "$SHARE/sql/migrations"/*.sql | wc -l)"

db2=cb_install2_$$
c2=$(newdb "$db2") || notok "create a second database"
env CITYBENCH_DB="$c2" CITYBENCH_ROOT="$SHARE" "$P/bin/citybench" db migrate >"$T/m1" 2>&1 & a=$!
env CITYBENCH_DB="$c2" CITYBENCH_ROOT="$SHARE" "$P/bin/citybench" db migrate >"$T/m2" 2>&1 & b=$!
wait $a; ra=$?; wait $b; rb=$?
check "two db migrate at once (two hosts upgrading): both exit 0, one applies ($ra, $rb)" \
	test "$ra/$rb" = 0/0 -a "$(cat "$T/m1" "$T/m2" | grep -c '^applied 001_')" = 1

if [ ! -d /usr/local/share/citybench/sql/migrations ]; then
	out=$(env -u CITYBENCH_ROOT CITYBENCH_CONF=/dev/null CITYBENCH_DB="$c1" "$P/bin/citybench" db migrate 2>&1)
	check "without CITYBENCH_ROOT the installed CLI looks in the compiled-in /usr/local/share/citybench ($out)" \
		test -n "$(echo "$out" | grep -F 'cannot open /usr/local/share/citybench/sql/migrations')"
else
	skip "a citybench is installed in /usr/local on this machine"
fi

# ---- the configuration file ----
cat >"$T/good.conf" <<EOF
# a test configuration
CITYBENCH_DB=host=/nonexistent/socket dbname=nothing
CITYBENCH_OWNER_DB=$c1
CITYBENCH_ROOT="$SHARE"
EOF
out=$(env -u CITYBENCH_DB CITYBENCH_CONF="$T/good.conf" "$P/bin/citybench" db migrate 2>&1)
check "the CLI reads CITYBENCH_CONF, and uses the owner's conninfo from it ($out)" \
	test $? = 0 -a -n "$(echo "$out" | grep 'up to date')"
out=$(env CITYBENCH_DB="$c1" CITYBENCH_CONF="$T/good.conf" "$P/bin/citybench" token list 2>&1)
check "CITYBENCH_DB in the environment beats the file" test $? = 0
printf 'CITYBENCH_DB=x\nthis is not a setting\n' >"$T/bad.conf"
out=$(env CITYBENCH_CONF="$T/bad.conf" "$P/bin/citybench" token list 2>&1)
check "a malformed file stops the CLI with the file and line ($out)" \
	test $? = 1 -a -n "$(echo "$out" | grep 'bad.conf: line 2')"
out=$(env CITYBENCH_CONF="$T/bad.conf" "$P/bin/citybench-fcgi" --socket "$T/x.sock" 2>&1)
check "and citybench-fcgi too" test $? = 1 -a -n "$(echo "$out" | grep 'bad.conf: line 2')"
out=$(env CITYBENCH_CONF="$T/missing.conf" "$P/bin/citybench" token list 2>&1)
check "a CITYBENCH_CONF naming a missing file is an error" test $? = 1

# ---- the installed server, with the installed tree ----
install -m 644 tests/integration/fcgi_client.py "$T/fcgi_client.py"	# one FastCGI GET: status, then the body
env CITYBENCH_CONF=/dev/null CITYBENCH_DB="$c1" CITYBENCH_ROOT="$SHARE" CITYBENCH_SKIP_SYNC=1 \
	"$P/bin/citybench-fcgi" --socket "$T/fcgi.sock" --workers 1 >"$T/fcgi.log" 2>&1 &
FCGI=$!
for i in $(seq 1 300); do [ -S "$T/fcgi.sock" ] && break; sleep 0.1; done	# generous: a loaded machine
h=$($PY "$T/fcgi_client.py" --body "$T/fcgi.sock" /healthz 2>&1 | tr '\n' ' ')
check "the installed citybench-fcgi answers /healthz ($h)" test "$h" = "200 ok "
home=$($PY "$T/fcgi_client.py" --body "$T/fcgi.sock" / 2>&1)
check "and pages in the installed layout" test "$(echo "$home" | head -1)" = 200 -a \
	-n "$(echo "$home" | grep '<main id="main"')"
kill "$FCGI"; wait "$FCGI" 2>/dev/null; FCGI=""
check "it stops on SIGTERM and removes its socket" test ! -e "$T/fcgi.sock"

# ---- the service files pass their tools ----
if command -v systemd-analyze >/dev/null; then
	mkdir -p "$T/units"
	sed "s|^ExecStart=.*|ExecStart=$P/bin/citybench-fcgi|" "$D/lib/systemd/system/citybench-fcgi.service" \
		>"$T/units/citybench-fcgi.service"
	out=$(systemd-analyze verify --man=no "$T/units/citybench-fcgi.service" 2>&1 | grep "citybench-fcgi" |
		grep -v "Cannot add dependency job")
	check "systemd-analyze verify: the unit is valid${out:+ ($out)}" test -z "$out"
	x=$(systemd-analyze security --offline=true "$T/units/citybench-fcgi.service" 2>/dev/null |
		sed -n 's/.*Overall exposure level for citybench-fcgi.service: \([0-9.]*\).*/\1/p')
	check "systemd-analyze security: exposure ${x:-?} (at most 2.0 of 10)" \
		$PY -c "import sys; sys.exit(0 if '$x' and float('$x') <= 2.0 else 1)"
else
	skip "systemd-analyze is not installed"
fi
u=$D/lib/systemd/system/citybench-fcgi.service
for k in User=citybench Restart=on-failure NoNewPrivileges=yes ProtectSystem=strict RuntimeDirectory=citybench \
	PrivateTmp=yes; do
	check "the unit sets $k" grep -qx "$k" "$u"
done
check "the unit is not enabled by installing it (no WantedBy symlink)" \
	test -z "$(find "$D/etc" -path '*systemd*' 2>/dev/null)"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=localhost \
	-keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1
mkdir -p "$T/nginx/logs"
sed -e "s|/etc/ssl/citybench/fullchain.pem|$T/cert.pem|" -e "s|/etc/ssl/citybench/privkey.pem|$T/key.pem|" \
    -e "s|/var/log/nginx/|$T/nginx/logs/|g" -e "s|/run/citybench-ops/|$T/nginx/|" \
    -e "s|include snippets/citybench-fastcgi.conf;|include $D/etc/nginx/snippets/citybench-fastcgi.conf;|" \
    -e "s|include snippets/citybench-ops-key.conf;|include $T/nginx/ops-key.conf;|" \
    "$D/etc/nginx/sites-available/citybench" >"$T/nginx/site.conf"
echo "fastcgi_param CITYBENCH_OPS 0123456789abcdef;" >"$T/nginx/ops-key.conf"
cat >"$T/nginx/nginx.conf" <<EOF
pid $T/nginx/nginx.pid;
error_log $T/nginx/logs/error.log;
events {}
http {
	include /etc/nginx/mime.types;
	client_body_temp_path $T/nginx/body;
	fastcgi_temp_path $T/nginx/fastcgi;
	proxy_temp_path $T/nginx/proxy;
	uwsgi_temp_path $T/nginx/uwsgi;
	scgi_temp_path $T/nginx/scgi;
	access_log off;
	include $T/nginx/site.conf;
}
EOF
out=$(/usr/sbin/nginx -t -q -p "$T/nginx" -c "$T/nginx/nginx.conf" -e "$T/nginx/logs/error.log" 2>&1)
check "nginx -t accepts the site and its snippet (with a certificate in place) ${out:+($out)}" test $? = 0
check "no logrotate file, no log file of its own: the service logs to the journal" \
	test ! -e "$D/etc/logrotate.d/citybench" -a -z "$(grep -E '^(StandardError|StandardOutput|LogsDirectory)=' "$u")"
check "the unit reads the operator's key and joins the socket's group" \
	test -n "$(grep -x 'EnvironmentFile=-/etc/citybench/ops-key' "$u")" -a -n "$(grep -x 'SupplementaryGroups=citybench-www' "$u")"
check "a staged install makes no operator's key" test ! -e "$D/etc/citybench/ops-key"
for m in "$P/share/man/man1/citybench.1" "$P/share/man/man8/citybench-fcgi.8" "$P/share/man/man8/citybench-sandbox.8"; do
	out=$(groff -man -ww -z -Tutf8 "$m" 2>&1)
	check "$(basename "$m") renders without a warning ${out:+($out)}" test -z "$out"
done

# ---- uninstall leaves the operator's files ----
make --no-print-directory uninstall DESTDIR="$D" >>"$T/install.log" 2>&1
check "make uninstall removes the programs and the tree, keeps the settings and the site" \
	test ! -e "$P/bin/citybench" -a ! -e "$SHARE" -a -e "$D/etc/citybench/citybench.conf" \
	-a -e "$D/etc/nginx/sites-available/citybench"
