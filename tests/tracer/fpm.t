#!/usr/bin/env bash
# The tracer against a real php-fpm 8.2 pool: memory signal on an opcache
# hit, status page alone, cwd and fd signals, idle workers, a sendmail
# traced back to its worker, an unprivileged run, and our FastCGI client
# against cgi-fcgi.
. "$(dirname "$0")/lib.sh"
need /usr/sbin/php-fpm8.2 cgi-fcgi php setpriv lsof

make_site example.test
make_sendmail
# opcache skips files younger than opcache.file_update_protection (2 s)
find "$VROOT" -type f -exec touch -d '10 minutes ago' {} +
start_fpm 3 || { ok 1 "php-fpm starts"; cat "$T/fpm.out" >&2; done_testing; exit 1; }
ok 0 "php-fpm starts (pid $FPM_PID)"
TR() { "$TRACER" --vhost-root "$VROOT" "$@"; }
SITE=$VROOT/example.test

# --- idle pool: nothing to report -----------------------------------------
TR --json >"$T/idle.json" 2>"$T/idle.err"
is "$(json_count "$T/idle.json" type=php sapi=fpm)" 0 "idle workers: nothing reported"
TR --json --all >"$T/idle-all.json" 2>/dev/null
is "$(json_count "$T/idle-all.json" type=php sapi=fpm state=idle signal=memory)" 3 \
	"--all: the 3 idle workers are idle by the memory signal"

# --- warm the cache on every worker, then the measured request -------------
for i in 1 2 3 4 5 6; do fpm_get example.test slow.php s=0 >/dev/null; done
fpm_get example.test slow.php s=120 >"$T/req.out" 2>&1 &
REQ=$!
at_exit "kill $REQ"
wait_until 30 busy_fpm_worker
W=$(busy_fpm_worker)
diag "busy worker $W"
wait_until 30 at_line "$W" "$SITE/lib/work.php:4"
is "$(php_fds "$W")" 0 "opcache hit: the busy worker has no .php file open"
lsof -n -p "$W" 2>/dev/null | grep -c '\.php$' >"$T/lsof.n"
is "$(cat "$T/lsof.n")" 0 "opcache hit: lsof shows no .php file either"

TR --json >"$T/busy.json" 2>"$T/busy.err"
is "$(json_pick "$T/busy.json" type=php pid="$W" signal)" memory "memory signal decides"
is "$(json_pick "$T/busy.json" type=php pid="$W" confidence)" exact "memory signal is exact"
is "$(json_pick "$T/busy.json" type=php pid="$W" file)" "$SITE/lib/work.php" "executing file is the included one"
is "$(json_pick "$T/busy.json" type=php pid="$W" line)" 4 "line of the sleep() call"
is "$(json_pick "$T/busy.json" type=php pid="$W" function)" do_work "function name"
is "$(json_pick "$T/busy.json" type=php pid="$W" script)" "$SITE/slow.php" "main script"
is "$(json_pick "$T/busy.json" type=php pid="$W" uri)" "/slow.php?s=120" "request URI"
is "$(json_pick "$T/busy.json" type=php pid="$W" pool)" web "pool name"
is "$(json_pick "$T/busy.json" type=php pid="$W" user)" nobody "user"
is "$(json_pick "$T/busy.json" type=php pid="$W" vhost)" example.test "vhost from the path"
is "$(json_count "$T/busy.json" type=php sapi=fpm)" 1 "only the busy worker is listed"
is "$(json_pick "$T/busy.json" type=php pid="$W" signals.env)" null "no environment signal for FPM"
TR >"$T/busy.table" 2>&1
check "table names script and line" grep -E "^$W +fpm:web +nobody +example.test .*slow.php +work.php:4 .*memory/exact" "$T/busy.table"

# --- the status page alone --------------------------------------------------
TR --json --no-memory >"$T/status.json" 2>"$T/status.err"
is "$(json_pick "$T/status.json" type=php pid="$W" signal)" status "--no-memory: status page decides"
is "$(json_pick "$T/status.json" type=php pid="$W" script)" "$SITE/slow.php" "status page names the script"
is "$(json_pick "$T/status.json" type=php pid="$W" confidence)" file "status page: file confidence"
is "$(json_pick "$T/status.json" type=php pid="$W" uri)" "/slow.php?s=120" "status page: URI"
is "$(json_count "$T/status.json" type=php sapi=fpm)" 1 "status page: idle workers not listed"

# --- cwd alone --------------------------------------------------------------
TR --json --no-memory --no-status >"$T/cwd.json" 2>/dev/null
is "$(json_pick "$T/cwd.json" type=php pid="$W" signal)" cwd "--no-memory --no-status: cwd decides"
is "$(json_pick "$T/cwd.json" type=php pid="$W" confidence)" directory "cwd: directory confidence"
is "$(json_pick "$T/cwd.json" type=php pid="$W" script)" "$SITE" "cwd: the script's folder"
is "$(json_count "$T/cwd.json" type=php sapi=fpm)" 1 "cwd: idle workers (at the master's folder) not listed"
TR --json --no-memory --no-status --no-cwd >"$T/nocwd.json" 2>/dev/null
is "$(json_pick "$T/nocwd.json" type=php pid="$W" signal)" account \
	"opcache hit without memory, status, cwd: only the account is known"
release "$REQ"
check "the request completed" grep -q done "$T/req.out"

# --- an open .php file ------------------------------------------------------
fpm_get example.test holdopen.php s=120 >/dev/null 2>&1 &
REQ=$!
wait_until 30 busy_fpm_worker
W=$(busy_fpm_worker)
has_php_fd() { [ "$(php_fds "$1")" -ge 1 ]; }
wait_until 30 has_php_fd "$W"
TR --json --no-memory --no-status --no-cwd >"$T/fd.json" 2>/dev/null
is "$(json_pick "$T/fd.json" type=php pid="$W" signal)" fd "fd signal decides"
is "$(json_pick "$T/fd.json" type=php pid="$W" script)" "$SITE/holdopen.php" "fd signal names the open file"
TR --json --no-memory --no-status >"$T/cwdfd.json" 2>/dev/null
is "$(json_pick "$T/cwdfd.json" type=php pid="$W" signal)/$(json_pick "$T/cwdfd.json" type=php pid="$W" refined_by)" \
	cwd/fd "cwd decides, an open file in that folder refines it"
release "$REQ"

# --- sendmail traced back to the worker and its script ----------------------
fpm_get example.test mail.php >"$T/mail.out" 2>&1 &
REQ=$!
wait_until 30 pgrep -f "$T/sendmail"
TR --json >"$T/mail.json" 2>/dev/null
SM=$(json_pick "$T/mail.json" type=mail pid)
diag "sendmail process $SM"
PHPPID=$(json_pick "$T/mail.json" type=mail php_pid)
is "$(json_pick "$T/mail.json" type=mail program)" sendmail "the stand-in is seen as sendmail"
is "$(json_pick "$T/mail.json" type=mail chain.0.pid)" "$(ps -o ppid= -p "$SM" | tr -d ' ')" \
	"chain starts at its real parent"
is "$(ps -o ppid= -p "$PHPPID" | tr -d ' ')" "$FPM_PID" "chain ends at a worker of the pool"
is "$(json_pick "$T/mail.json" type=mail script)" "$SITE/mail.php" "sendmail traced to its script"
is "$(json_pick "$T/mail.json" type=mail line)" 3 "and to the line of mail()"
is "$(json_pick "$T/mail.json" type=php pid="$PHPPID" mails)" 1 "the worker is counted one mail"
TR >"$T/mail.table" 2>&1
check "table has the mail section" grep -E "^[0-9]+ +sendmail .*mail.php line 3" "$T/mail.table"
release "$REQ"
check "mail() returned true through the stand-in" grep -q sent "$T/mail.out"

# --- unprivileged ---------------------------------------------------------
fpm_get example.test slow.php s=120 >/dev/null 2>&1 &
REQ=$!
wait_until 30 busy_fpm_worker
W=$(busy_fpm_worker)
install -m 0755 "$TRACER" "$T/mailorigin-tracer"
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$T/mailorigin-tracer" --json >"$T/unpriv.json" 2>"$T/unpriv.err"
ok $? "unprivileged run (as nobody, the pool's own uid) exits 0"
check "it says what it could not read" grep -q "without CAP_SYS_PTRACE could not read" "$T/unpriv.err"
is "$(grep -c 'without CAP_SYS_PTRACE' "$T/unpriv.err")" 1 "and says it once"
is "$(json_pick "$T/unpriv.json" type=php pid="$W" signal)" account "the busy worker: account only"
is "$(json_pick "$T/unpriv.json" type=php pid="$W" user)" nobody "the busy worker: its user"
diag "$(cat "$T/unpriv.err")"
release "$REQ"

# --- our FastCGI client against cgi-fcgi --------------------------------------
fpm_get example.test echo.php "a=1&b=two" >"$T/cgi-fcgi.out" 2>/dev/null
"$FCGI_GET" "$T/fpm.sock" SCRIPT_FILENAME="$SITE/echo.php" SCRIPT_NAME=/echo.php \
	REQUEST_METHOD=GET DOCUMENT_ROOT="$SITE" HTTP_HOST=example.test \
	REQUEST_URI="/echo.php?a=1&b=two" QUERY_STRING="a=1&b=two" SERVER_NAME=example.test \
	GATEWAY_INTERFACE=CGI/1.1 >"$T/ours.out" 2>/dev/null
check "FastCGI client: same bytes as cgi-fcgi ($(wc -c <"$T/ours.out") bytes)" cmp "$T/cgi-fcgi.out" "$T/ours.out"
check "the response is the script's (not an error page)" grep -q "query=a=1&b=two" "$T/ours.out"

# --- a master in a folder its workers may not enter -------------------------
# (root's 0700 home, say): after a request PHP cannot chdir back there, and
# a worker stays in its script's folder, idle.  Its idle folder is then not
# known: the cwd signal must not call it busy.
stop_pid "$FPM_PID"
rm -f "$T/fpm.sock"
mkdir -m 0700 "$T/private"
cd "$T/private" && start_fpm 2
cd / || exit 1
for i in 1 2 3 4; do fpm_get example.test slow.php s=0 >/dev/null; done
moved=0
for w in $(fpm_workers); do cwd_is "$w" "$SITE" && moved=$((moved + 1)); done
check "workers that served stay in the script's folder ($moved of 2)" test "$moved" -ge 1
TR --json --all --no-memory --no-status >"$T/private.json" 2>/dev/null
is "$(json_count "$T/private.json" type=php sapi=fpm state=busy)" 0 \
	"cwd: a worker that cannot go back to its master's folder is not called busy"
W=$(for w in $(fpm_workers); do cwd_is "$w" "$SITE" && echo "$w"; done | head -1)
check "and the tracer says why its idle folder is not known" \
	grep -q "\"pid\":$W,.*\"idle_cwd_why\":\"its idle folder $T/private: it cannot go back there" "$T/private.json"

done_testing
