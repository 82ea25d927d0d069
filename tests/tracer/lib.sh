# tests/tracer/lib.sh: shared helpers of the tracer's integration tests.
#
# Source it first.  It gives
#  - TAP: ok COND DESC, is GOT WANT DESC, skip DESC REASON, diag, done_testing
#  - $T, a world-traversable temp dir, removed on exit;
#  - at_exit CMD: run CMD on exit (daemons are stopped there, by pid), last first;
#  - $TRACER, the built mailorigin-tracer (built by `make` if missing);
#  - start_fpm, fpm_get, start_apache, wait_until, json_pick helpers.
# Ports: 18000-18999 only.

set -u
# The tracer reads every process in /proc.  Each file runs in its own pid
# namespace with its own /proc (and a private mount namespace for that
# mount), so it sees its own daemons and requests only, never another
# test's or another program's on the machine.  When the namespace's pid 1
# (this script) exits, the kernel stops whatever is left in it.
if [ -z "${TR_IN_NS:-}" ]; then
	TR_IN_NS=1 exec unshare --pid --kill-child=TERM --mount --propagation private \
		--mount-proc bash "$0" "$@"
fi
TR_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The test and the daemons it starts run in /, as an init system starts
# them.  The idle workers the tests expect sit in their master's folder:
# after each request PHP chdirs back, by path, to the folder it was in,
# which the worker's user (nobody) must be allowed to search.  From a
# folder nobody may not enter (the fresh root's tests/run runs in
# /root/mailorigin, under a 0700 /root) that chdir fails and every worker
# that served a request stays in its script's folder: busy by the cwd
# signal, as the tracer sees it, and taken for the busy one by
# busy_fpm_worker and busy_httpd_worker.
cd / || exit 1
TRACER=$TR_ROOT/build/mailorigin-tracer
FCGI_GET=$TR_ROOT/build/tests/tracer-fcgi-get
_tr_n=0
_tr_failed=0
_tr_exits=()

at_exit() { _tr_exits+=("$*"); }

_tr_cleanup() {
	local i
	trap - EXIT INT TERM HUP
	for ((i = ${#_tr_exits[@]} - 1; i >= 0; i--)); do
		eval "${_tr_exits[$i]}" >/dev/null 2>&1
	done
	if [ -n "${T:-}" ] && [ -d "$T" ] && [ "${TR_KEEP:-}" != 1 ]; then
		rm -rf --one-file-system "$T"
	fi
}
trap _tr_cleanup EXIT
trap 'exit 1' INT TERM HUP

ok() {   # ok STATUS DESC   (STATUS 0 = pass, as a shell status)
	_tr_n=$((_tr_n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $_tr_n - $2"
	else
		echo "not ok $_tr_n - $2"
		_tr_failed=$((_tr_failed + 1))
	fi
}
check() { # check DESC CMD...   pass when CMD succeeds
	local desc=$1; shift
	"$@" >/dev/null 2>&1
	ok $? "$desc"
}
is() {   # is GOT WANT DESC
	if [ "$1" = "$2" ]; then
		ok 0 "$3"
	else
		ok 1 "$3"
		diag "got:  '$1'"
		diag "want: '$2'"
	fi
}
skip() { _tr_n=$((_tr_n + 1)); echo "ok $_tr_n - $1 # SKIP $2"; }
diag() { printf '# %s\n' "$*" | sed '2,$s/^/# /'; }
done_testing() { echo "1..$_tr_n"; [ $_tr_failed -eq 0 ]; }

# need CMD...: every command must exist, or the whole file is skipped (a
# failure in CI).
need() {
	local c
	for c in "$@"; do
		if ! command -v "$c" >/dev/null 2>&1 && [ ! -e "$c" ]; then
			skip "$(basename "$0")" "$c is not installed"
			done_testing
			exit 0
		fi
	done
}

T=$(mktemp -d /tmp/mo-tracer.XXXXXX)
chmod 755 "$T"

if [ ! -x "$TRACER" ] || [ ! -x "$FCGI_GET" ]; then
	make -C "$TR_ROOT" -s --no-print-directory "build/mailorigin-tracer" \
		"build/tests/tracer-fcgi-get" >&2 || { ok 1 "build the tracer"; done_testing; exit 1; }
fi

# wait_until SECONDS CMD...: poll CMD every 0.1 s; status of the last try.
# Waits are generous (30 s where the thing waited for takes a moment on a
# quiet machine): a loaded machine makes them slow, never wrong.
wait_until() {
	local limit=$1 i; shift
	for ((i = 0; i < limit * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# stop_pid PID: TERM, then KILL after 5 s.
stop_pid() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
}

# The requests and the stand-in sendmail below hold until $T/release
# exists (or their own time is up): a test looks at them for as long as it
# needs, then lets them go with `release PID...`.
release() {
	local p
	touch "$T/release"
	for p in "$@"; do wait "$p" 2>/dev/null; done
	rm -f "$T/release"
}

# at_line PID FILE:LINE: the tracer sees PID executing FILE at LINE (a
# request that has started may still be compiling its script: wait_until).
at_line() {
	"$TRACER" --vhost-root "$VROOT" --json 2>/dev/null >"$T/at_line.json" || return 1
	[ "$(json_pick "$T/at_line.json" type=php pid="$1" file):$(json_pick "$T/at_line.json" type=php pid="$1" line)" = "$2" ]
}

# watching PID: PID is the tracer in its --watch window: it has exec'd
# (bash blocks SIGINT, SIGTERM and SIGCHLD around a fork, so the child it
# forks for `"$TRACER" ... &` shows them blocked before it execs) and it
# either blocks SIGINT (it does from just before its first scan) or waits
# for the next moment in sigtimedwait(2), which shows SIGINT and SIGTERM
# unblocked while it waits (the kernel keeps them aside): a check of the
# mask alone misses the tracer nearly all the time between two scans.
watching() {
	local st m
	st=$(cat "/proc/$1/status" 2>/dev/null) || return 1
	grep -qx 'Name:[[:space:]]*mailorigin-trac' <<<"$st" || return 1
	m=$(sed -n 's/^SigBlk:[[:space:]]*//p' <<<"$st")
	[ -n "$m" ] && [ $(( 0x$m >> 1 & 1 )) -eq 1 ] && return 0
	case $(cat "/proc/$1/wchan" 2>/dev/null) in
	do_sigtimedwait*) return 0 ;;
	esac
	return 1
}

# json_pick FILE KEY=VALUE... FIELD: FIELD of the first JSON line whose
# top-level keys match.  Uses php (present wherever these tests run).
json_pick() {
	php -r '
		$file = $argv[1]; $field = $argv[count($argv) - 1];
		$conds = array_slice($argv, 2, -1);
		foreach (file($file) as $l) {
			$o = json_decode($l, true);
			if (!is_array($o)) continue;
			$m = true;
			foreach ($conds as $c) {
				[$k, $v] = explode("=", $c, 2);
				$g = $o;
				foreach (explode(".", $k) as $p) $g = is_array($g) && array_key_exists($p, $g) ? $g[$p] : null;
				if (is_bool($g)) $g = $g ? "true" : "false";
				if ((string)$g !== $v) { $m = false; break; }
			}
			if (!$m) continue;
			$g = $o;
			foreach (explode(".", $field) as $p) $g = is_array($g) && array_key_exists($p, $g) ? $g[$p] : null;
			if (is_bool($g)) $g = $g ? "true" : "false";
			echo is_array($g) ? json_encode($g) : ($g === null ? "null" : $g);
			exit(0);
		}
		echo "(no match)";' "$@"
}

# json_count FILE KEY=VALUE...: number of lines that match.
json_count() {
	php -r '
		$n = 0;
		foreach (file($argv[1]) as $l) {
			$o = json_decode($l, true);
			if (!is_array($o)) continue;
			$m = true;
			foreach (array_slice($argv, 2) as $c) {
				[$k, $v] = explode("=", $c, 2);
				$g = $o;
				foreach (explode(".", $k) as $p) $g = is_array($g) && array_key_exists($p, $g) ? $g[$p] : null;
				if (is_bool($g)) $g = $g ? "true" : "false";
				if ((string)$g !== $v) { $m = false; break; }
			}
			$n += $m;
		}
		echo $n;' "$@"
}

# The web sites: $T/www/<vhost>/..., the tracer is told --vhost-root $T/www.
VROOT=$T/www
mkdir -p "$VROOT"

# The PHP fixtures: a script that includes another file and sleeps there
# (s seconds, default 120, or until $T/release exists), a script that
# calls mail() through the slow stand-in sendmail, a script that keeps its
# own .php file open (as long), a deterministic one for the FastCGI
# comparison.  Line numbers matter: tests name them (work.php:4, the
# sleep).
make_site() {   # make_site VHOST
	local d=$VROOT/$1
	mkdir -p "$d/lib"
	cat >"$d/slow.php" <<'PHP'
<?php
require __DIR__ . '/lib/work.php';
do_work((int)($_GET['s'] ?? 120));
echo "done\n";
PHP
	cat >"$d/lib/work.php" <<'PHP'
<?php
function do_work(int $s) {
	$x = 1;
	while ($s-- > 0 && !file_exists(dirname(__DIR__, 3) . '/release')) sleep(1);
	return $x;
}
PHP
	cat >"$d/mail.php" <<'PHP'
<?php
$to = 'someone@example.invalid';
$ok = mail($to, 'hello', "body\n");
echo $ok ? "sent\n" : "failed\n";
PHP
	cat >"$d/holdopen.php" <<'PHP'
<?php
$f = fopen(__FILE__, 'r');
for ($s = (int)($_GET['s'] ?? 120); $s > 0 && !file_exists(dirname(__DIR__, 2) . '/release'); $s--)
	sleep(1);
fclose($f);
PHP
	cat >"$d/echo.php" <<'PHP'
<?php
header('X-Test: yes');
echo "method=", $_SERVER['REQUEST_METHOD'], "\n";
echo "uri=", $_SERVER['REQUEST_URI'] ?? '', "\n";
echo "query=", $_SERVER['QUERY_STRING'] ?? '', "\n";
echo str_repeat("0123456789abcdef", 8000), "\n";
PHP
	chmod -R a+rX "$d"
}

# The slow stand-in sendmail: keeps the message, then waits (the seconds
# in $T/sendmail.sleep, default 120, or until $T/release exists), so that
# the tracer sees it running.
make_sendmail() {
	cat >"$T/sendmail" <<EOF
#!/bin/sh
cat > "$T/mail.\$\$"
n=\$(cat "$T/sendmail.sleep" 2>/dev/null || echo 120)
while [ "\$n" -gt 0 ] && [ ! -e "$T/release" ]; do sleep 1; n=\$((n - 1)); done
exit 0
EOF
	chmod 755 "$T/sendmail"
}

# start_fpm N: a php-fpm master with pool "web" (user nobody, N static
# workers, status page /status) on $T/fpm.sock.  Sets FPM_PID.
start_fpm() {
	local n=${1:-3}
	cat >"$T/fpm.conf" <<EOF
[global]
pid = $T/fpm.pid
error_log = $T/fpm.log
daemonize = no
include = $T/pool.d/*.conf
EOF
	mkdir -p "$T/pool.d"
	cat >"$T/pool.d/web.conf" <<EOF
[web]
user = nobody
group = nogroup
listen = $T/fpm.sock
listen.owner = root
listen.mode = 0600
pm = static
pm.max_children = $n
pm.status_path = /status
php_admin_value[opcache.enable] = 1
php_admin_value[sendmail_path] = $T/sendmail -t -i
php_admin_flag[log_errors] = on
catch_workers_output = yes
EOF
	setsid /usr/sbin/php-fpm8.2 -y "$T/fpm.conf" -F >"$T/fpm.out" 2>&1 &
	FPM_PID=$!
	at_exit "stop_pid $FPM_PID"
	wait_until 10 test -S "$T/fpm.sock"
}

# fpm_workers: pids of the pool's workers.
fpm_workers() { pgrep -P "$FPM_PID" | sort -n; }

# fpm_get VHOST SCRIPT [QUERY]: one request through cgi-fcgi, like a web server.
fpm_get() {
	local vhost=$1 script=$2 query=${3:-}
	env -i SCRIPT_FILENAME="$VROOT/$vhost/$script" SCRIPT_NAME="/$script" \
		REQUEST_METHOD=GET DOCUMENT_ROOT="$VROOT/$vhost" HTTP_HOST="$vhost" \
		REQUEST_URI="/$script${query:+?$query}" QUERY_STRING="$query" \
		SERVER_NAME="$vhost" GATEWAY_INTERFACE=CGI/1.1 \
		cgi-fcgi -bind -connect "$T/fpm.sock"
}

# busy_fpm_worker: the pid of a worker whose cwd is not the master's.
busy_fpm_worker() {
	local w mc
	mc=$(readlink "/proc/$FPM_PID/cwd")
	for w in $(fpm_workers); do
		[ "$(readlink "/proc/$w/cwd")" != "$mc" ] && { echo "$w"; return 0; }
	done
	return 1
}

# php_fds PID: open .php files of a process.
php_fds() { ls -l "/proc/$1/fd" 2>/dev/null | grep -c '\.php$'; }

# start_apache PORT: Apache prefork with mod_php on 127.0.0.1:PORT, serving
# $VROOT/<vhost> by name (ServerName = folder).  Sets HTTPD_PID.  Its five
# children are all started at once and never more or fewer, whatever is
# busy (no idle child to add or stop: with 3 spare, prefork added a fifth
# under load between same.t's two scans, which then differed).
start_apache() {
	local port=$1 v
	mkdir -p "$T/httpd"
	{
		cat <<EOF
ServerRoot "$T/httpd"
PidFile "$T/httpd/httpd.pid"
DefaultRuntimeDir "$T/httpd"
Mutex file:$T/httpd default
ErrorLog "$T/httpd/error.log"
LogLevel warn
LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule php_module /usr/lib/apache2/modules/libphp8.2.so
User nobody
Group nogroup
Listen 127.0.0.1:$port
ServerName localhost
StartServers 5
MinSpareServers 1
MaxSpareServers 5
MaxRequestWorkers 5
TypesConfig /etc/mime.types
<FilesMatch "\.php$">
	SetHandler application/x-httpd-php
</FilesMatch>
php_admin_value opcache.enable 1
php_admin_value sendmail_path "$T/sendmail -t -i"
<Directory />
	Require all granted
</Directory>
EOF
		for v in $(ls "$VROOT"); do
			cat <<EOF
<VirtualHost 127.0.0.1:$port>
	ServerName $v
	DocumentRoot "$VROOT/$v"
</VirtualHost>
EOF
		done
	} >"$T/httpd/httpd.conf"
	# its own session: prefork signals its whole process group when it stops
	setsid /usr/sbin/apache2 -f "$T/httpd/httpd.conf" -DFOREGROUND >"$T/httpd/out" 2>&1 &
	HTTPD_PID=$!
	at_exit "stop_pid $HTTPD_PID"
	wait_until 10 curl -sf -o /dev/null "http://127.0.0.1:$port/nonexistent-but-up" ||
		wait_until 5 grep -q . "$T/httpd/httpd.pid"
}

# httpd_workers: pids of Apache's children.
httpd_workers() { pgrep -P "$HTTPD_PID" | sort -n; }

# busy_httpd_worker: a child whose cwd is not its parent's.
busy_httpd_worker() {
	local w pc
	pc=$(readlink "/proc/$HTTPD_PID/cwd")
	for w in $(httpd_workers); do
		[ "$(readlink "/proc/$w/cwd")" != "$pc" ] && { echo "$w"; return 0; }
	done
	return 1
}

# cwd_is PID DIR: is the process's cwd DIR (for wait_until)?
cwd_is() { [ "$(readlink "/proc/$1/cwd" 2>/dev/null)" = "$2" ]; }

# start_php_world PORT: real PHP of every kind, each busy or idle and staying
# so for ten minutes, or until release (the bench's and same.t's process set):
#  - php-fpm pool "web", 6 workers: 2 in slow.php, 1 in holdopen.php, 1 in
#    mail.php whose sendmail waits, 2 idle;
#  - Apache with mod_php on 127.0.0.1:PORT: a child in slow.php, one in
#    mail.php (its sendmail waits), the others idle;
#  - php-cgi in slow.php (CGI environment, as nobody);
#  - the CLI in slow.php (from $T), and in mail.php (its sendmail waits).
# Sets WORLD_CGI, WORLD_CLI, WORLD_CLI_MAIL.  Non-zero when a part is not
# up within its time.
start_php_world() {
	local port=$1 a=$VROOT/a.example b=$VROOT/b.example
	make_site a.example
	make_site b.example
	printf '<?php\nrequire __DIR__ . "/lib/work.php";\ndo_work(600);\n' >"$a/cli.php"
	chmod 644 "$a/cli.php"
	make_sendmail
	echo 600 >"$T/sendmail.sleep"
	mkdir -p "$T/ini.d"
	echo "sendmail_path = \"$T/sendmail -t -i\"" >"$T/ini.d/99-sendmail.ini"
	start_fpm 6 || return 1
	start_apache "$port" || return 1
	_world_bg fpm_get a.example slow.php s=600
	_world_bg fpm_get b.example slow.php s=600
	_world_bg fpm_get a.example holdopen.php s=600
	_world_bg fpm_get b.example mail.php
	_world_bg curl -s -o /dev/null -H "Host: a.example" "http://127.0.0.1:$port/slow.php?s=600"
	_world_bg curl -s -o /dev/null -H "Host: b.example" "http://127.0.0.1:$port/mail.php"
	(cd / && exec env -i REDIRECT_STATUS=200 GATEWAY_INTERFACE=CGI/1.1 \
		SCRIPT_FILENAME="$a/slow.php" SCRIPT_NAME=/slow.php DOCUMENT_ROOT="$a" \
		REQUEST_METHOD=GET QUERY_STRING=s=600 REQUEST_URI='/slow.php?s=600' \
		HTTP_HOST=www.a.example \
		setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/php-cgi8.2) \
		>/dev/null 2>&1 &
	WORLD_CGI=$!
	at_exit "kill $WORLD_CGI"
	(cd "$T" && exec php "$a/cli.php") >/dev/null 2>&1 &
	WORLD_CLI=$!
	at_exit "kill $WORLD_CLI"
	(cd "$T" && PHP_INI_SCAN_DIR=":$T/ini.d" exec php "$b/mail.php") >/dev/null 2>&1 &
	WORLD_CLI_MAIL=$!
	at_exit "kill $WORLD_CLI_MAIL"
	wait_until 60 _world_up
}

_world_bg() { "$@" >/dev/null 2>&1 & at_exit "kill $!"; }

# sendmails: how many stand-in sendmails run.
sendmails() { pgrep -c -f "^/bin/sh $T/sendmail"; }

# _world_up: every part of start_php_world at work.
_world_up() {
	local w mc n=0
	[ "$(sendmails)" -ge 3 ] || return 1
	mc=$(readlink "/proc/$FPM_PID/cwd")
	for w in $(fpm_workers); do
		[ "$(readlink "/proc/$w/cwd")" != "$mc" ] && n=$((n + 1))
	done
	[ "$n" -ge 4 ] || return 1
	busy_httpd_worker >/dev/null || return 1
	cwd_is "$WORLD_CGI" "$VROOT/a.example" || return 1
	grep -q cli.php "/proc/$WORLD_CLI/cmdline"
}
