#!/bin/bash
# build-deb.sh: `make deb`: the Debian package built from a copy of this tree (the tree stays clean),
# then checked by lintian.  Leaves build/deb/citybench_VERSION_ARCH.deb (with its .changes, .buildinfo
# and debug symbols) and build/deb/lintian.txt; exits non-zero when the build fails or lintian reports
# an error or a warning.  Installs dpkg-dev, debhelper, lintian and the build dependencies when missing.
# CB_DEB_OUT=DIR builds there instead; CB_LINTIAN=0 skips lintian (tests/package.sh, in `make test`).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${CB_DEB_OUT:-$ROOT/build/deb}
cd "$ROOT"

SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
missing=""
LINTIAN=${CB_LINTIAN:-1}
for p in dpkg-dev debhelper $([ "$LINTIAN" = 1 ] && echo lintian); do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "deb: installing$missing"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
fi
if ! dpkg-checkbuilddeps 2>/dev/null; then
	deps=$(dpkg-checkbuilddeps 2>&1 | sed -n 's/.*Unmet build dependencies: //p' | sed 's/([^)]*)//g')
	echo "deb: installing the build dependencies: $deps"
	$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $deps
fi

VERSION=$(dpkg-parsechangelog -l debian/changelog -S Version)
rm -rf "$OUT"
SRC=$OUT/src/citybench-$VERSION
mkdir -p "$SRC"
# The tree as the project has it: tracked and new files, not what .gitignore leaves out (builds,
# runtime files, node_modules).
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git -C "$ROOT" ls-files -z -co --exclude-standard |
		while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
		tar --null -T - -cf - | tar -xf - -C "$SRC"
else
	tar --exclude=./build --exclude=./var --exclude=./bin/citybench --exclude=./bin/citybench-fcgi --exclude=./bin/citybench-sandbox \
		--exclude=node_modules --exclude=.git -cf - . | tar -xf - -C "$SRC"
fi

echo "deb: building citybench $VERSION in $SRC"
(cd "$SRC" && DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-parallel=$(nproc)}" dpkg-buildpackage -us -uc -b) \
	>"$OUT/build.log" 2>&1 || { tail -40 "$OUT/build.log"; echo "deb: the build failed (build/deb/build.log)"; exit 1; }
mv "$OUT"/src/*.deb "$OUT"/src/*.changes "$OUT"/src/*.buildinfo "$OUT/"
mv "$OUT"/src/*.ddeb "$OUT/" 2>/dev/null || true
[ "${CB_KEEP:-0}" = 1 ] || rm -rf "$OUT/src"
ls -l "$OUT"/*.deb

[ "$LINTIAN" = 1 ] || exit 0
echo "deb: lintian"
changes=$(ls "$OUT"/*.changes)
set +e
lintian --fail-on error,warning --display-info "$changes" >"$OUT/lintian.txt" 2>&1
rc=$?
set -e
cat "$OUT/lintian.txt"
if [ $rc -ne 0 ]; then
	echo "deb: lintian is not satisfied (build/deb/lintian.txt)"
	exit 1
fi
echo "deb: lintian: no error, no warning"
