#!/bin/bash
# php.sh: the PHP reference of `make bench` (tests/bench/php/index.php) behind a stack's own nginx.
#
#   php.sh start RT PORT CONNINFO   php-fpm with its own configuration under RT/bench/php (a unix socket,
#                                   4 children, static), and an nginx server block on 127.0.0.1:PORT that
#                                   passes every request to it (fastcgi_pass); nginx reloads
#   php.sh stop RT                  stops that php-fpm
#
# Nothing outside RT is written: no system-wide php-fpm or nginx configuration is used or changed.
# PHP_CHILDREN (4) children.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cmd=${1:-}
RT=${2:-}
[ -n "$RT" ] || { echo "usage: php.sh start RT PORT CONNINFO | stop RT" >&2; exit 2; }
D=$RT/bench/php

fpm_bin() {
	local f
	for f in /usr/sbin/php-fpm /usr/sbin/php-fpm[0-9]*; do
		[ -x "$f" ] && { echo "$f"; return 0; }
	done
	return 1
}

case "$cmd" in
start)
	PORT=$3 CONNINFO=$4
	FPM=$(fpm_bin) || { echo "php.sh: php-fpm is not installed (tests/deps.sh installs it)" >&2; exit 1; }
	php -m 2>/dev/null | grep -qx pgsql || { echo "php.sh: PHP's pgsql module is missing" >&2; exit 1; }
	mkdir -p "$D"
	user=$(id -un) group=$(id -gn) sockgroup=$(id -gn) as_root=""
	if [ "$(id -u)" = 0 ]; then sockgroup=www-data; as_root=-R; fi
	# php-fpm.conf: the master and one pool, everything under D.
	cat >"$D/php-fpm.conf" <<-EOF
	[global]
	pid = $D/php-fpm.pid
	error_log = $D/php-fpm.log
	daemonize = yes

	[bench]
	user = $user
	group = $group
	listen = $D/php.sock
	listen.owner = $user
	listen.group = $sockgroup
	listen.mode = 0660
	listen.backlog = 4096
	pm = static
	pm.max_children = ${PHP_CHILDREN:-4}
	pm.max_requests = 0
	clear_env = yes
	env[CITYBENCH_DB] = "$CONNINFO"
	php_admin_value[error_log] = $D/php-errors.log
	php_admin_flag[log_errors] = on
	php_admin_flag[display_errors] = off
	php_admin_value[memory_limit] = 256M
	php_admin_value[opcache.enable] = 1
	php_admin_value[opcache.validate_timestamps] = 0
	php_admin_value[pgsql.allow_persistent] = 1
	EOF
	rm -f "$D/php.sock"
	"$FPM" $as_root -y "$D/php-fpm.conf" >>"$D/php-fpm.log" 2>&1 ||
		{ echo "php.sh: php-fpm did not start:" >&2; tail -5 "$D/php-fpm.log" >&2; exit 1; }
	for i in $(seq 1 50); do [ -S "$D/php.sock" ] && break; sleep 0.1; done
	[ -S "$D/php.sock" ] || { echo "php.sh: no socket from php-fpm" >&2; tail -5 "$D/php-fpm.log" >&2; exit 1; }
	# The server block: the same http settings as the product (the stack's nginx.conf), its own port.
	# Written beside, and nginx reloaded only when the block is new or changed: a restart of php-fpm
	# alone (the bench drops a queue of slow PHP answers that way) must not reload nginx, whose old
	# workers would close the next run's connections as they wind down (read errors, a void run).
	cat >"$D/nginx-php.conf.new" <<-EOF
	server {
		listen 127.0.0.1:$PORT backlog=4096;
		server_name php;
		location / {
			include /etc/nginx/fastcgi_params;
			fastcgi_param SCRIPT_FILENAME $ROOT/tests/bench/php/index.php;
			fastcgi_param SCRIPT_NAME /index.php;
			fastcgi_pass unix:$D/php.sock;
			fastcgi_buffers 16 16k;
			fastcgi_buffer_size 16k;
			fastcgi_read_timeout 60s;
		}
	}
	EOF
	conf=$RT/nginx/nginx.conf
	if ! cmp -s "$D/nginx-php.conf.new" "$D/nginx-php.conf" || ! grep -q nginx-php.conf "$conf"; then
		mv "$D/nginx-php.conf.new" "$D/nginx-php.conf"
		grep -q nginx-php.conf "$conf" || sed -i "0,/^[ \t]*upstream citybench {/s||\tinclude $D/nginx-php.conf;\n&|" "$conf"
		old=$(pgrep -P "$(cat "$RT/nginx/nginx.pid")")
		/usr/sbin/nginx -p "$RT/nginx" -c "$conf" -e "$RT/nginx/logs/error.log" -s reload || exit 1
		# until the old workers have gone: one winding down closes the next run's connections
		for i in $(seq 1 300); do
			alive=0
			for w in $old; do kill -0 "$w" 2>/dev/null && alive=1; done
			[ $alive = 0 ] && break
			sleep 0.1
		done
	fi
	rm -f "$D/nginx-php.conf.new"
	for i in $(seq 1 100); do
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/nowhere")" = 404 ] && exit 0
		sleep 0.1
	done
	echo "php.sh: nginx does not pass to php-fpm on port $PORT" >&2
	tail -5 "$RT/nginx/logs/error.log" "$D/php-fpm.log" >&2
	exit 1
	;;
stop)
	[ -s "$D/php-fpm.pid" ] || exit 0
	pid=$(cat "$D/php-fpm.pid")
	kill -QUIT "$pid" 2>/dev/null
	for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || exit 0; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	;;
*)
	echo "usage: php.sh start RT PORT CONNINFO | stop RT" >&2; exit 2 ;;
esac
