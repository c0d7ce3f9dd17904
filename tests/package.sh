#!/bin/bash
# package.sh: the Debian package's life, and docs/operations.md followed word for word, as TAP lines.
#
# Builds the .deb from this tree (no lintian: `make deb` runs it) and a second one with a higher
# version (the same files repacked), then, in a throwaway root -- an overlay over this machine's own
# Debian (its dpkg database, nginx, PostgreSQL 15 cluster) in private mount, PID and network
# namespaces, so that nothing it does reaches the host -- it runs every command block of
# docs/operations.md marked `<!-- test: NAME -->`, in the guide's order, with checks after each:
# install, the database and its peer lines, the schema and the sample data (`sudo -u citybench`), the
# service (its status line), the nginx site with a self-signed certificate (HTTPS and HTTP/2), the
# operator's metrics (and CITYBENCH_OPS=1 refused on the workers' socket, which nginx's user alone
# reaches), a backup (0600, root) and its restore, the upgrade (the service comes back by itself, a
# new process), remove (nothing left running, the site disabled, nginx -t passes with sites-enabled/*),
# purge (nginx -t still passes, the survey data kept) and dropping the data.
# `systemctl` and `sudo` are shims inside the root (no systemd runs here): they start the units as
# their unit files say (user, groups, environment file, runtime directory).
#
# Needs root, unshare and overlayfs; CB_DEB=FILE uses a package already built.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
export LC_ALL=C.UTF-8

if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
	echo "ok - the package's life in a throwaway root # skip: needs root and unshare"
	exit 0
fi
T=$(mktemp -d /var/tmp/citybench-package.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
fails=0

# ---- the two packages ----
if [ -n "${CB_DEB:-}" ]; then
	DEB=$CB_DEB
else
	if ! CB_DEB_OUT=$T/deb CB_LINTIAN=0 DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
		dist/build-deb.sh >"$T/build.log" 2>&1; then
		tail -30 "$T/build.log" | sed 's/^/# /'
		echo "not ok - the package builds"
		exit 1
	fi
	DEB=$(ls "$T"/deb/citybench_*.deb | grep -v dbgsym | head -1)
fi
echo "ok - the package builds ($(basename "$DEB"))"
V=$(dpkg-deb -f "$DEB" Version)
mkdir -p "$T/work/build/deb"
cp "$DEB" "$T/work/build/deb/"
dpkg-deb -R "$DEB" "$T/v2"
sed -i "s/^Version: .*/Version: $V+upgrade1/" "$T/v2/DEBIAN/control"
dpkg-deb --root-owner-group -b "$T/v2" "$T/work/citybench_NEW_amd64.deb" >/dev/null
rm -rf "$T/v2"
echo "ok - a second package, version $V+upgrade1"

# ---- the guide's command blocks ----
mkdir -p "$T/blocks"
python3 - "$ROOT/docs/operations.md" "$T/blocks" <<'EOF' || { echo "not ok - the guide's blocks"; exit 1; }
import re, sys, textwrap
lines = open(sys.argv[1]).read().split("\n")
names = []
i = 0
while i < len(lines):
    m = re.match(r"\s*<!-- test: ([a-z0-9_-]+) -->\s*$", lines[i])
    i += 1
    if not m:
        continue
    while i < len(lines) and not lines[i].strip():
        i += 1
    assert lines[i].strip().startswith("```"), "no block after the marker " + m.group(1)
    j = i + 1
    while not lines[j].strip().startswith("```"):
        j += 1
    open("%s/%s.sh" % (sys.argv[2], m.group(1)), "w").write(textwrap.dedent("\n".join(lines[i + 1:j])) + "\n")
    names.append(m.group(1))
    i = j + 1
open(sys.argv[2] + "/ORDER", "w").write("\n".join(names) + "\n")
EOF
# The order of an operator's first weeks (the guide's sections are by topic): every marked block, once.
ORDER="install database peer schema sample service nginx check metrics backup restore upgrade remove purge drop"
if [ "$(tr '\n' ' ' <"$T/blocks/ORDER" | xargs -n1 | sort | xargs)" = "$(echo $ORDER | xargs -n1 | sort | xargs)" ]; then
	echo "ok - the guide's marked blocks: $ORDER"
else
	echo "not ok - the guide's marked blocks ($(tr '\n' ' ' <"$T/blocks/ORDER")) are not those this test knows ($ORDER)"
	fails=1
fi
echo "$ORDER" | xargs -n1 >"$T/blocks/ORDER"
grep -q "build/deb/citybench_${V}_amd64.deb" "$T/blocks/install.sh" ||
	{ echo "not ok - the guide installs citybench_${V}_amd64.deb, the version debian/changelog builds"; fails=1; }

# ---- inside the throwaway root ----
cat >"$T/systemctl" <<'EOF'
#!/bin/bash
# systemctl for the throwaway root: the few units the test needs, started as their unit files say.
S=/run/shim
args=()
for a in "$@"; do case $a in --quiet|-q|--system|--no-pager|--no-block|--full|--) ;; *) args+=("$a") ;; esac; done
echo "systemctl $*" >>$S/calls.log
cmd=${args[0]:-}; unit=${args[1]:-}; now=0
if [ "$unit" = --now ]; then now=1; unit=${args[2]:-}; fi
unit=${unit%.service}
f=/lib/systemd/system/$unit.service
wants=/etc/systemd/system/multi-user.target.wants/$unit.service
pid_of() {
	case $unit in
	nginx) [ -s /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null && cat /run/nginx.pid ;;
	postgresql) pg_ctlcluster --skip-systemctl-redirect 15 main status >/dev/null 2>&1 && head -1 /var/lib/postgresql/15/main/postmaster.pid ;;
	*) [ -s "$S/$unit.pid" ] && kill -0 "$(cat "$S/$unit.pid")" 2>/dev/null && cat "$S/$unit.pid" ;;
	esac
}
start() {
	pid_of >/dev/null && return 0
	case $unit in
	nginx) nginx ;;
	postgresql) pg_ctlcluster --skip-systemctl-redirect 15 main start ;;
	*)
		[ -e "$f" ] || { echo "Unit $unit.service not found." >&2; return 5; }
		local exe user groups rd envf gids="" g
		exe=$(sed -n 's/^ExecStart=//p' "$f"); user=$(sed -n 's/^User=//p' "$f")
		groups=$(sed -n 's/^SupplementaryGroups=//p' "$f"); rd=$(sed -n 's/^RuntimeDirectory=//p' "$f")
		envf=$(sed -n 's/^EnvironmentFile=-\{0,1\}//p' "$f")
		for g in $groups; do gids="$gids${gids:+,}$(getent group "$g" | cut -d: -f3)"; done
		[ -n "$rd" ] && install -d -m "$(sed -n 's/^RuntimeDirectoryMode=//p' "$f")" -o "$user" -g "$user" "/run/$rd"
		(
			set -a; [ -n "$envf" ] && [ -r "$envf" ] && . "$envf"; set +a
			umask "$(sed -n 's/^UMask=//p' "$f")"
			exec setsid setpriv --reuid "$user" --regid "$(id -g "$user")" ${gids:+--groups "$gids"} -- $exe \
				</dev/null >>"$S/$unit.journal" 2>&1
		) &
		echo $! >"$S/$unit.pid"
		for i in $(seq 1 300); do grep -q "workers on" "$S/$unit.journal" 2>/dev/null && break; sleep 0.1; done
		;;
	esac
}
stop() {
	local p
	case $unit in
	nginx)	# until the master has gone (a fixed 0.5 s raced a loaded machine's graceful quit)
		p=$(pid_of) || return 0
		nginx -s quit 2>/dev/null
		for i in $(seq 1 300); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done ;;
	postgresql) pg_ctlcluster --skip-systemctl-redirect 15 main stop ;;
	*)
		if p=$(pid_of); then
			kill "$p"
			for i in $(seq 1 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		fi
		rm -f "$S/$unit.pid"
		rd=$(sed -n 's/^RuntimeDirectory=//p' "$f" 2>/dev/null)
		[ -n "$rd" ] && rm -rf "/run/$rd"
		;;
	esac
	return 0
}
case $cmd in
start) start ;;
stop) stop ;;
restart) stop; start ;;
try-restart) if pid_of >/dev/null; then stop; start; fi ;;
reload)
	case $unit in
	nginx)	# until every old worker has gone (a fixed 1 s raced a loaded machine: a request could still reach
		# an old worker with the old configuration, or one winding down that closes it unanswered)
		p=$(pid_of) && old=$(pgrep -P "$p" | tr '\n' ' ') && nginx -s reload || exit 1
		for i in $(seq 1 300); do
			now=" $(pgrep -P "$p" | tr '\n' ' ')"
			gone=1; for w in $old; do case "$now" in *" $w "*) gone=0 ;; esac; done
			[ $gone = 1 ] && break; sleep 0.1
		done ;;
	postgresql) pg_ctlcluster --skip-systemctl-redirect 15 main reload ;;
	*) kill -HUP "$(pid_of)" ;;
	esac ;;
is-active) if pid_of >/dev/null; then echo active; else echo inactive; exit 3; fi ;;
is-enabled)
	case $unit in nginx|postgresql) echo enabled ;;
	*) if [ -L "$wants" ]; then echo enabled; else echo disabled; exit 1; fi ;; esac ;;
enable) mkdir -p "${wants%/*}"; ln -sf "$f" "$wants"; [ $now = 1 ] && start ;;
disable) rm -f "$wants"; [ $now = 1 ] && stop ;;
status)
	if p=$(pid_of); then st="active (running)"; else st="inactive (dead)"; fi
	printf '* %s.service\n     Active: %s\n   Main PID: %s\n\n' "$unit" "$st" "${p:-}"
	tail -n 10 "$S/$unit.journal" 2>/dev/null
	[ -n "${p:-}" ] || exit 3 ;;
*) ;;
esac
EOF
cat >"$T/sudo" <<'EOF'
#!/bin/bash
# sudo for the throwaway root, where everything runs as root: sudo [-u USER] CMD...
u=root
while [ $# -gt 0 ]; do
	case $1 in -u) u=$2; shift 2 ;; --) shift; break ;; -*) shift ;; *) break ;; esac
done
[ "$u" = root ] && exec "$@"
exec setpriv --reuid "$u" --regid "$(id -g "$u")" --init-groups env HOME=/nonexistent USER="$u" LOGNAME="$u" "$@"
EOF
install -m 644 tests/integration/fcgi_client.py "$T/fcgi_client.py"	# one FastCGI GET: prints the status, or the error

cat >"$T/inner.sh" <<'EOF'
#!/bin/bash
# Runs as PID 1 of its namespace, chrooted in the overlay.  T is this run's directory (bind-mounted).
T=$1
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 HOME=/root
fails=0
ok() { echo "ok - $*"; }
notok() { fails=$((fails + 1)); echo "not ok - $*"; }
check() { local name=$1; shift; if "$@"; then ok "$name"; else notok "$name"; fi; }
block() {	# block NAME: one of the guide's blocks, as it stands, from the work directory
	local rc
	(cd "$T/work" && bash -e "$T/blocks/$1.sh") >"$T/out.$1" 2>&1
	rc=$?
	if [ $rc = 0 ]; then ok "the guide's \"$1\" block runs"; else
		notok "the guide's \"$1\" block runs (exit $rc)"; sed 's/^/# /' "$T/out.$1" | tail -15; fi
}
running() { ps -eo comm= | grep -c "^citybench-fcgi" ; }
psql_q() { runuser -u postgres -- psql -qAtX -d "${2:-citybench}" -c "$1" 2>&1; }

ip link set lo up
mkdir -p /run/systemd/system /run/shim /run/postgresql /run/lock
chown postgres:postgres /run/postgresql; chmod 2775 /run/postgresql
# apt runs dpkg with its own PATH (DPkg::Path, without /usr/local): the shim replaces systemctl.
install -m 0755 "$T/systemctl" /usr/bin/systemctl
install -m 0755 "$T/sudo" /usr/local/bin/sudo
rm -f /usr/sbin/policy-rc.d
printf 'APT::Install-Recommends "0";\nAPT::Get::Assume-Yes "true";\n' >/etc/apt/apt.conf.d/99citybench-test
echo "127.0.0.1 citybench.example.org" >>/etc/hosts
# The operator's certificate (docs: from your CA); curl trusts it as its own CA.
mkdir -p /etc/ssl/citybench
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 \
	-subj /CN=citybench.example.org -addext subjectAltName=DNS:citybench.example.org \
	-keyout /etc/ssl/citybench/privkey.pem -out /etc/ssl/citybench/fullchain.pem >/dev/null 2>&1
export CURL_CA_BUNDLE=/etc/ssl/citybench/fullchain.pem
systemctl start postgresql >/dev/null 2>&1 || notok "PostgreSQL 15 main starts"
systemctl start nginx || notok "nginx starts"
nginx_pid=$(cat /run/nginx.pid)

for b in $(cat "$T/blocks/ORDER"); do
	if [ "$b" = upgrade ]; then
		before=$(cat /run/shim/citybench-fcgi.pid 2>/dev/null)
		calls0=$(wc -l </run/shim/calls.log)
	fi
	block "$b"
	case $b in
	install)
		check "installed: $(dpkg-query -W -f='${Version} ${Status}' citybench)" \
			test "$(dpkg-query -W -f='${Status}' citybench)" = "install ok installed"
		check "installing starts nothing and enables nothing" \
			test "$(running)" = 0 -a ! -e /etc/systemd/system/multi-user.target.wants/citybench-fcgi.service
		check "and enables no nginx site" test ! -e /etc/nginx/sites-enabled/citybench
		check "the socket's group citybench-www has nginx's user alone ($(getent group citybench-www))" \
			test "$(getent group citybench-www | cut -d: -f4)" = www-data
		check "the operator's key: $(stat -c '%U:%G %a' /etc/citybench/ops-key) and $(stat -c '%U:%G %a' /etc/nginx/snippets/citybench-ops-key.conf)" \
			test "$(stat -c '%U:%G %a' /etc/citybench/ops-key)/$(stat -c '%U:%G %a' /etc/nginx/snippets/citybench-ops-key.conf)" = "root:citybench 640/root:root 600"
		check "the same key in both" test "$(cut -d= -f2 /etc/citybench/ops-key)" = \
			"$(sed -n 's/^fastcgi_param CITYBENCH_OPS \(.*\);$/\1/p' /etc/nginx/snippets/citybench-ops-key.conf)"
		check "the site's nginx logs made 0640 ($(stat -c '%a %U:%G' /var/log/nginx/citybench.access.log 2>&1))" \
			test "$(stat -c '%a' /var/log/nginx/citybench.access.log /var/log/nginx/citybench.error.log | sort -u)" = 640
		;;
	sample)
		n=$(psql_q "select count(*) from cities")
		check "the sample data is in ($n cities)" test "$n" -ge 100 ;;
	service)
		check "the service runs ($(running) processes)" test "$(running)" -ge 2
		check "systemctl status shows the workers' line" grep -q "workers on /run/citybench/fcgi.sock" "$T/out.service"
		check "the workers' socket: $(stat -c '%G %a' /run/citybench/fcgi.sock)" \
			test "$(stat -c '%G %a' /run/citybench/fcgi.sock)" = "citybench-www 660"
		st=$(runuser -u nobody -- python3 "$T/fcgi_client.py" /run/citybench/fcgi.sock /healthz)
		check "another user cannot speak FastCGI to the workers ($st)" test "$st" = "error Permission denied"
		st=$(runuser -u www-data -- python3 "$T/fcgi_client.py" /run/citybench/fcgi.sock /healthz)
		check "nginx's user can ($st)" test "$st" = 200
		st=$(runuser -u www-data -- python3 "$T/fcgi_client.py" /run/citybench/fcgi.sock /ops/metrics CITYBENCH_OPS=1)
		check "CITYBENCH_OPS=1 on the workers' socket: /ops/metrics is 404 ($st)" test "$st" = 404 ;;
	nginx)
		check "nginx -t passes with the site enabled" nginx -t -q
		out=$(curl -s --http2 -o /dev/null -w '%{http_version} %{http_code}' https://citybench.example.org/healthz)
		check "HTTPS over HTTP/2 with the site's certificate: $out" test "$out" = "2 200" ;;
	check)
		check "the guide's check answers: 301, ok, cities" test -n "$(grep -x ok "$T/out.check")" \
			-a -n "$(grep -i '^location: https://citybench.example.org/' "$T/out.check")" -a -n "$(grep -F '{"cities":' "$T/out.check")" ;;
	metrics)
		check "the operator's metrics through the installed operator socket" grep -q '^citybench_requests_total ' "$T/out.metrics" ;;
	backup)
		f=/var/backups/citybench/citybench-$(date +%F).dump
		check "the dump: $(stat -c '%U:%G %a' "$f" 2>&1), its directory $(stat -c '%a' /var/backups/citybench)" \
			test "$(stat -c '%U:%G %a' "$f")/$(stat -c '%a' /var/backups/citybench)" = "root:root 600/700"
		check "and it restores (pg_restore -l)" test -n "$(pg_restore -l "$f" 2>/dev/null | grep 'TABLE DATA public cities')"
		cities=$(psql_q "select count(*) from cities") ;;
	restore)
		check "restored: the same cities ($(psql_q "select count(*) from cities"))" test "$(psql_q "select count(*) from cities")" = "$cities"
		check "and the service serves them" test "$(curl -s https://citybench.example.org/healthz)" = ok ;;
	upgrade)
		after=$(cat /run/shim/citybench-fcgi.pid 2>/dev/null)
		check "upgraded to $(dpkg-query -W -f='${Version}' citybench)" test "$(dpkg-query -W -f='${Version}' citybench)" = "$(cat "$T/version")+upgrade1"
		check "the portal came back by itself: a new server ($before -> $after), healthz ok" \
			test -n "$after" -a "$after" != "$before" -a "$(curl -s https://citybench.example.org/healthz)" = ok
		# The maintainer scripts name the unit with .service (the guide's commands do not).
		calls=$(tail -n +"$((calls0 + 1))" /run/shim/calls.log | grep 'citybench-fcgi.service' | grep -v is- | tr '\n' ';')
		check "the package stopped it before unpacking and started it after ($calls)" \
			test -n "$(echo "$calls" | grep 'stop citybench-fcgi.service;.*restart citybench-fcgi.service')" ;;
	remove)
		check "removed: nothing of the package is running ($(running))" test "$(running)" = 0
		check "the programs are gone, the settings stay" test ! -e /usr/bin/citybench-fcgi -a -e /etc/citybench/citybench.conf
		check "the site is disabled (the link is gone), the site file stays" \
			test ! -e /etc/nginx/sites-enabled/citybench -a ! -L /etc/nginx/sites-enabled/citybench -a -e /etc/nginx/sites-available/citybench
		check "nginx -t passes (nginx.conf includes sites-enabled/*)" nginx -t -q
		check "nginx kept running ($nginx_pid)" kill -0 "$nginx_pid" ;;
	purge)
		check "purged: nginx -t passes, nginx runs" test -n "$(grep 'test is successful' "$T/out.purge")" -a -n "$(kill -0 "$nginx_pid" && echo y)"
		check "the settings, the site and the key are gone" test ! -e /etc/citybench -a ! -e /etc/nginx/sites-available/citybench \
			-a ! -e /etc/nginx/snippets/citybench-ops-key.conf -a ! -e /etc/nginx/snippets/citybench-fastcgi.conf
		check "the survey data is kept ($(psql_q "select count(*) from cities") cities)" test "$(psql_q "select count(*) from cities")" = "$cities"
		check "nothing of the package is running" test "$(running)" = 0 ;;
	drop)
		check "the data dropped" test "$(psql_q "select count(*) from pg_database where datname = 'citybench'" postgres)" = 0 ;;
	esac
done
check "nothing left running but nginx and PostgreSQL" \
	test -z "$(ps -eo comm= | grep -v -e '^nginx$' -e '^postgres$' -e '^ps$' -e '^grep$' -e '^bash$' -e '^inner.sh$' -e '^sleep$')"
nginx -s quit 2>/dev/null
pg_ctlcluster --skip-systemctl-redirect 15 main stop 2>/dev/null
[ "$fails" = 0 ] || sed 's/^/# calls: /' /run/shim/calls.log
echo "# inner: $fails failed"
EOF
echo "$V" >"$T/version"

M=$T/root
mkdir -p "$M" "$T/upper" "$T/ovwork"
# A clean environment: nothing of the caller's (make test exports the test stack's CITYBENCH_DB, say)
# may reach the guide's commands.
env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb \
unshare --mount --pid --net --fork --propagation private bash -c '
	T=$1; M=$2
	mount -t overlay overlay -o "lowerdir=/,upperdir=$T/upper,workdir=$T/ovwork" "$M" || exit 1
	mount -t proc proc "$M/proc"
	mount --rbind /dev "$M/dev"
	mount -t tmpfs -o mode=0755 tmpfs "$M/run"
	mount -t tmpfs -o mode=1777 tmpfs "$M/tmp"
	mkdir -p "$M$T"
	mount --bind "$T" "$M$T"
	exec chroot "$M" /bin/bash "$T/inner.sh" "$T"
' _ "$T" "$M" >"$T/inner.out" 2>&1
rc=$?
cat "$T/inner.out"
grep -q '^# inner: 0 failed' "$T/inner.out" || { [ $rc = 0 ] && echo "not ok - the throwaway root ran to its end (exit $rc)"; }
[ $rc = 0 ] || echo "not ok - the throwaway root exited with $rc"
[ "$fails" = 0 ]
