#!/bin/sh
# deps.sh: installs the Debian packages citybench needs, only when one is missing.
set -e

PKGS="build-essential pkg-config libfcgi-dev libpq-dev libjansson-dev liblua5.4-dev libssl-dev
postgresql-15 postgresql-client-15 nginx-light curl python3 ca-certificates procps gettext locales iso-codes"
# Tests, benchmarks and fuzzing need a few more; `make run` does not.
[ "${CB_DEPS_RUN_ONLY:-0}" = 1 ] || PKGS="$PKGS wrk valgrind clang libclang-rt-14-dev
chromium fonts-dejavu-core php-fpm php-pgsql"
command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
# The nginx and postgresql packages would start system-wide servers: keep them from it.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
	$SUDO chmod +x /usr/sbin/policy-rc.d
	trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends $missing
