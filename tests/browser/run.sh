#!/bin/bash
# run.sh: the browser tests (tests/browser/test.js) against BASE_URL; installs playwright-core and
# axe-core from the lock file first when node_modules is missing.  Prints TAP lines.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE" || exit 1
if [ ! -d node_modules/playwright-core ] || [ ! -d node_modules/axe-core ]; then
	log=$(mktemp)
	if ! npm ci --no-audit --no-fund >"$log" 2>&1; then
		echo "not ok - npm ci in tests/browser failed"
		sed 's/^/# /' "$log" | tail -20
		rm -f "$log"
		exit 1
	fi
	rm -f "$log"
fi
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ]; then
	echo "not ok - no Chromium at ${CHROMIUM:-/usr/bin/chromium} (Debian package chromium)"
	exit 1
fi
exec node "$HERE/test.js" "$@"
