#!/usr/bin/env bash
# The tracer against Apache prefork with mod_php 8.2: memory signal on an
# opcache hit, cwd against the idle "/", idle workers (which still hold the
# last request in sapi_globals) report nothing, sendmail traced back; an
# unprivileged run degrades, says so once, and claims no script it cannot see.
. "$(dirname "$0")/lib.sh"
need /usr/sbin/apache2 /usr/lib/apache2/modules/libphp8.2.so curl php
PORT=18080

make_site shop.example
make_sendmail
find "$VROOT" -type f -exec touch -d '10 minutes ago' {} +
start_apache $PORT
ok $? "apache2 starts (pid $HTTPD_PID)" || { cat "$T/httpd/error.log" "$T/httpd/out" >&2; done_testing; exit 1; }
TR() { "$TRACER" --vhost-root "$VROOT" "$@"; }
SITE=$VROOT/shop.example
get() { curl -s -H "Host: shop.example" "http://127.0.0.1:$PORT/$1"; }

check "mod_php serves the site" test "$(get 'slow.php?s=0')" = done
for i in 1 2 3 4 5 6 7 8; do get 'slow.php?s=0' >/dev/null; done

TR --json --all >"$T/idle.json" 2>/dev/null
n=$(json_count "$T/idle.json" type=php sapi=mod_php)
check "every Apache process with libphp mapped is found ($n)" test "$n" -ge 4
is "$(json_count "$T/idle.json" type=php sapi=mod_php state=busy)" 0 \
	"idle workers (last request still in sapi_globals) report nothing"
is "$(json_count "$T/idle.json" type=php sapi=mod_php state=idle signal=memory)" "$n" \
	"every one is idle by the memory signal"

get 'slow.php?s=120' >"$T/req.out" &
REQ=$!
at_exit "kill $REQ"
wait_until 30 busy_httpd_worker
W=$(busy_httpd_worker)
diag "busy worker $W"
wait_until 30 at_line "$W" "$SITE/lib/work.php:4"
is "$(php_fds "$W")" 0 "opcache hit: no .php file open in the worker"
TR --json >"$T/busy.json" 2>/dev/null
is "$(json_pick "$T/busy.json" type=php pid="$W" signal)/$(json_pick "$T/busy.json" type=php pid="$W" confidence)" \
	memory/exact "memory signal decides, exact"
is "$(json_pick "$T/busy.json" type=php pid="$W" file):$(json_pick "$T/busy.json" type=php pid="$W" line)" \
	"$SITE/lib/work.php:4" "file and line"
is "$(json_pick "$T/busy.json" type=php pid="$W" script)" "$SITE/slow.php" "main script"
is "$(json_pick "$T/busy.json" type=php pid="$W" uri)" "/slow.php?s=120" "URI"
is "$(json_pick "$T/busy.json" type=php pid="$W" vhost)" shop.example "vhost"
is "$(json_pick "$T/busy.json" type=php pid="$W" user)" nobody "user"
is "$(json_count "$T/busy.json" type=php sapi=mod_php)" 1 "only the busy worker is listed"
TR --json --no-memory >"$T/cwd.json" 2>/dev/null
is "$(json_pick "$T/cwd.json" type=php pid="$W" signal)/$(json_pick "$T/cwd.json" type=php pid="$W" confidence)" \
	cwd/directory "--no-memory: cwd decides (idle cwd is the parent's)"
is "$(json_pick "$T/cwd.json" type=php pid="$W" script)" "$SITE" "cwd: the script's folder"
is "$(json_count "$T/cwd.json" type=php sapi=mod_php)" 1 "cwd: idle workers not listed"
release "$REQ"

get mail.php >"$T/mail.out" &
REQ=$!
wait_until 30 pgrep -f "$T/sendmail"
TR --json >"$T/mail.json" 2>/dev/null
is "$(json_pick "$T/mail.json" type=mail script):$(json_pick "$T/mail.json" type=mail line)" \
	"$SITE/mail.php:3" "sendmail traced to the mod_php worker's script and line"
is "$(json_pick "$T/mail.json" type=mail sapi)" mod_php "through a mod_php worker"
release "$REQ"
check "mail() returned true" grep -q sent "$T/mail.out"

# --- unprivileged (as nobody, the workers' own uid) ---------------------------
# Apache's children changed uid from root: not dumpable, so their maps, cwd,
# fds and memory are closed to nobody.  What is left: the account, and the
# process tree (sendmail's parents are readable).
install -m 0755 "$TRACER" "$T/mailorigin-tracer"
unpriv() { setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$T/mailorigin-tracer" --vhost-root "$VROOT" "$@"; }
get mail.php >"$T/mail2.out" &
REQ=$!
# the stand-in itself, not the "sh -c" mail() runs it through
wait_until 30 pgrep -f "^/bin/sh $T/sendmail"
SM=$(pgrep -n -f "^/bin/sh $T/sendmail")
W=$(ps -o ppid= -p "$(ps -o ppid= -p "$SM" | tr -d ' ')" | tr -d ' ')
diag "sendmail $SM, started by worker $W (through sh)"
unpriv --json >"$T/unpriv.json" 2>"$T/unpriv.err"
ok $? "unprivileged run exits 0"
check "it says what it could not read" grep -Eq "without CAP_SYS_PTRACE could not read: .*maps of [1-9]" "$T/unpriv.err"
is "$(grep -c 'without CAP_SYS_PTRACE' "$T/unpriv.err")" 1 "and says it once"
diag "$(cat "$T/unpriv.err")"
is "$(json_pick "$T/unpriv.json" type=php pid="$W" sapi)/$(json_pick "$T/unpriv.json" type=php pid="$W" signal)" \
	httpd/account "the worker (maps unreadable): an Apache process, known by its account"
is "$(json_pick "$T/unpriv.json" type=php pid="$W" user)" nobody "its user"
is "$(json_pick "$T/unpriv.json" type=php pid="$W" state):$(json_pick "$T/unpriv.json" type=php pid="$W" script)" \
	"unknown:" "no state and no script claimed for it"
is "$(json_count "$T/unpriv.json" type=php state=busy)" 0 "no process claimed busy, no script made up"
is "$(json_count "$T/unpriv.json" type=php pid="$HTTPD_PID")" 0 "root's parent process not listed"
is "$(json_pick "$T/unpriv.json" type=mail pid)" "$SM" "the sendmail process is seen"
is "$(json_pick "$T/unpriv.json" type=mail php_pid)/$(json_pick "$T/unpriv.json" type=mail sapi)" \
	"$W/httpd" "sendmail traced back to the Apache worker that started it"
is "$(json_pick "$T/unpriv.json" type=mail script)/$(json_pick "$T/unpriv.json" type=mail confidence)" \
	"/account" "no script named for it: account only"
unpriv >"$T/unpriv.table" 2>&1
check "table: the mail row ends at the worker" \
	grep -E "^$SM +sendmail +nobody .*<sh:[0-9]+<apache2:$W +\?\$" "$T/unpriv.table"
check "table: does not claim that no PHP is executing" \
	sh -c "! grep -q 'no PHP script executing' '$T/unpriv.table'"
release "$REQ"
check "mail() returned true" grep -q sent "$T/mail2.out"

done_testing
