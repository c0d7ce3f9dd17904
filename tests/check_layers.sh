#!/bin/bash
# check_layers.sh: `make check-layers`: every #include of ours follows the layers of cgi/.
#
#   check_layers.sh [ROOT]      checks ROOT (default: this clone); prints each forbidden include, exits 1
#   check_layers.sh --self-test  also shows that the check fails on a forbidden include (TAP lines)
#
# A header include/X.h belongs to the layer of the folder that holds cgi/*/X.c (include/ stays flat, as
# kore keeps include/kore/).  The layers, lowest first, and what each may include:
#
#   lib/     pure code                         lib
#   core/    the process and one request       lib, core
#   plugin/  untrusted code                    lib, plugin
#   domain/  what the CLI and server both do   lib, core, domain, and plugin.h alone (the only door)
#   pages/   one file per route                lib, core, domain, pages, plugin.h
#   cli/     the operator's program            lib, core, domain, cli, plugin.h
#   cgi/server.c (the server's main)           anything
#
# So nothing below pages/ includes a page: pages/ is reached only through the route table (the server's
# main includes routes.h), and the plugin layer is entered by plugin.h alone.  Headers are checked like the .c files of their layer.
set -u
ROOT=${1:-$(cd "$(dirname "$0")/.." && pwd)}

if [ "$ROOT" = --self-test ]; then
	here=$(cd "$(dirname "$0")/.." && pwd)
	if "$0" "$here" >/tmp/check-layers.$$ 2>&1; then
		echo "ok - the tree follows its layers"
	else
		echo "not ok - the tree follows its layers"; sed 's/^/# /' /tmp/check-layers.$$
	fi
	tmp=$(mktemp -d)
	cp -R "$here/cgi" "$here/include" "$tmp/"
	# a pure module that reaches up into a page, and the data layer into the plugin's insides
	sed -i '0,/#include "buf.h"/s//#include "buf.h"\n#include "routes.h"/' "$tmp/cgi/lib/buf.c"
	printf '#include "sandbox.h"\n' >>"$tmp/cgi/domain/store.c"
	if "$0" "$tmp" >/tmp/check-layers.$$ 2>&1; then
		echo "not ok - a forbidden include fails the check"
	elif grep -q 'lib/buf.c: includes routes.h' /tmp/check-layers.$$ &&
		grep -q 'domain/store.c: includes sandbox.h' /tmp/check-layers.$$; then
		echo "ok - a forbidden include fails the check (both named)"
	else
		echo "not ok - a forbidden include fails the check, naming it"; sed 's/^/# /' /tmp/check-layers.$$
	fi
	rm -rf "$tmp" /tmp/check-layers.$$
	exit 0
fi

cd "$ROOT" || exit 2
declare -A layer
for f in cgi/*/*.c; do
	d=${f#cgi/}; layer[$(basename "$f" .c)]=${d%%/*}
done
layer[queries]=core; layer[queries_metrics]=core; layer[queries_pages]=core

allowed() {	# allowed FROM_LAYER HEADER_NAME HEADER_LAYER
	case "$1:$3" in
	lib:lib) return 0 ;;
	core:lib|core:core) return 0 ;;
	plugin:lib|plugin:plugin) return 0 ;;
	domain:lib|domain:core|domain:domain) return 0 ;;
	pages:lib|pages:core|pages:domain|pages:pages) return 0 ;;
	cli:lib|cli:core|cli:domain|cli:cli) return 0 ;;
	top:*) return 0 ;;
	esac
	[ "$3" = plugin ] && [ "$2" = plugin ] && [ "$1" != lib ] && [ "$1" != core ] && return 0
	return 1
}

bad=0
check() {	# check FILE LAYER
	local inc name l
	while read -r inc; do
		name=${inc%.*}
		l=${layer[$name]:-}
		if [ -z "$l" ]; then
			echo "$1: includes $inc, which belongs to no layer (no cgi/*/$name.c)"; bad=1
		elif ! allowed "$2" "$name" "$l"; then
			echo "$1: includes $inc ($l/), which $2/ may not include"; bad=1
		fi
	done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$1")
}

for f in cgi/*.c; do
	[ -e "$f" ] && check "$f" top
done
for f in cgi/*/*.c; do
	d=${f#cgi/}; check "$f" "${d%%/*}"
done
for h in include/*.h; do
	n=$(basename "$h" .h)
	if [ -z "${layer[$n]:-}" ]; then
		echo "$h: belongs to no layer (no cgi/*/$n.c)"; bad=1
	else
		check "$h" "${layer[$n]}"
	fi
done
# No include circle: a header never reaches itself through the headers it includes.
if ! python3 - <<'PY'
import glob, os, re, sys
inc = {os.path.basename(h): re.findall(r'^\s*#\s*include\s*"([^"]+\.h)"', open(h).read(), re.M)
       for h in glob.glob("include/*.h")}
bad = 0
def walk(h, path):
    global bad
    for n in inc.get(h, []):
        if n in path:
            print("include circle: " + " -> ".join(path[path.index(n):] + [n])); bad = 1
        elif n in inc:
            walk(n, path + [n])
for h in sorted(inc):
    if not bad:
        walk(h, [h])
sys.exit(bad)
PY
then bad=1; fi
[ $bad = 0 ] && echo "layers: $(ls cgi/*/*.c | wc -l) files follow the layers; no include circle"
exit $bad
