#!/usr/bin/env bash
# The tracer against php-cgi (CGI mode, as suexec/mod_cgi run it) and the
# CLI: memory, cwd, environment and command-line signals, each where it
# applies and absent where it does not; mail() through the slow stand-in
# sendmail traced back to the php-cgi and CLI processes and their scripts.
. "$(dirname "$0")/lib.sh"
need /usr/bin/php-cgi8.2 php setpriv

make_site cgi.example
make_sendmail
# mail() runs sendmail_path: ours, added to the distribution's ini files
mkdir -p "$T/ini.d"
echo "sendmail_path = \"$T/sendmail -t -i\"" >"$T/ini.d/99-sendmail.ini"
INI=":$T/ini.d"
SITE=$VROOT/cgi.example
TR() { "$TRACER" --vhost-root "$VROOT" "$@"; }

# --- php-cgi, run as nobody from "/" with a CGI environment ----------------
(cd / && exec env -i REDIRECT_STATUS=200 GATEWAY_INTERFACE=CGI/1.1 \
	SCRIPT_FILENAME="$SITE/slow.php" SCRIPT_NAME=/slow.php DOCUMENT_ROOT="$SITE" \
	REQUEST_METHOD=GET QUERY_STRING=s=120 REQUEST_URI='/slow.php?s=120' \
	HTTP_HOST=www.cgi.example \
	setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/php-cgi8.2) >"$T/cgi.out" 2>&1 &
CGI=$!
at_exit "kill $CGI"
wait_until 30 cwd_is $CGI "$SITE"
check "php-cgi runs in the script's folder" cwd_is $CGI "$SITE"
wait_until 30 at_line $CGI "$SITE/lib/work.php:4"

TR --json >"$T/cgi.json" 2>/dev/null
is "$(json_pick "$T/cgi.json" type=php pid=$CGI sapi)" cgi "php-cgi classified"
is "$(json_pick "$T/cgi.json" type=php pid=$CGI signal)/$(json_pick "$T/cgi.json" type=php pid=$CGI confidence)" \
	memory/exact "php-cgi: memory decides"
is "$(json_pick "$T/cgi.json" type=php pid=$CGI file):$(json_pick "$T/cgi.json" type=php pid=$CGI line)" \
	"$SITE/lib/work.php:4" "php-cgi: file and line"
is "$(json_pick "$T/cgi.json" type=php pid=$CGI script)" "$SITE/slow.php" "php-cgi: main script"
is "$(json_pick "$T/cgi.json" type=php pid=$CGI vhost)" www.cgi.example "php-cgi: vhost from HTTP_HOST"
is "$(json_pick "$T/cgi.json" type=php pid=$CGI signals.env.SCRIPT_FILENAME)" "$SITE/slow.php" \
	"php-cgi: environment signal read"
is "$(json_pick "$T/cgi.json" type=php pid=$CGI signals.env.DOCUMENT_ROOT)" "$SITE" \
	"php-cgi: DOCUMENT_ROOT read"

TR --json --no-memory >"$T/cgi-cwd.json" 2>/dev/null
is "$(json_pick "$T/cgi-cwd.json" type=php pid=$CGI signal)" cwd "php-cgi --no-memory: cwd decides"
is "$(json_pick "$T/cgi-cwd.json" type=php pid=$CGI script)" "$SITE/slow.php" \
	"php-cgi --no-memory: a file signal in that folder names the script"
TR --json --no-memory --no-cwd --no-fd >"$T/cgi-env.json" 2>/dev/null
is "$(json_pick "$T/cgi-env.json" type=php pid=$CGI signal)/$(json_pick "$T/cgi-env.json" type=php pid=$CGI confidence)" \
	env/file "php-cgi, only the environment: env decides"
is "$(json_pick "$T/cgi-env.json" type=php pid=$CGI script)" "$SITE/slow.php" "env: SCRIPT_FILENAME"
is "$(json_pick "$T/cgi-env.json" type=php pid=$CGI uri)" "/slow.php?s=120" "env: REQUEST_URI"
TR --json --no-memory --no-cwd --no-fd --no-env >"$T/cgi-none.json" 2>/dev/null
is "$(json_pick "$T/cgi-none.json" type=php pid=$CGI signal)" account "php-cgi with no signal left: account"
kill $CGI 2>/dev/null; wait $CGI 2>/dev/null

# --- the CLI, started from another folder ------------------------------------
mkdir -p "$T/elsewhere"
(cd "$T/elsewhere" && exec php "$SITE/slow.php") >/dev/null 2>&1 &
CLI=$!
at_exit "kill $CLI"
wait_until 30 grep -q slow.php /proc/$CLI/cmdline
wait_until 30 at_line $CLI "$SITE/lib/work.php:4"
TR --json >"$T/cli.json" 2>/dev/null
is "$(json_pick "$T/cli.json" type=php pid=$CLI sapi)" cli "CLI classified"
is "$(json_pick "$T/cli.json" type=php pid=$CLI signal)" memory "CLI: memory decides"
is "$(json_pick "$T/cli.json" type=php pid=$CLI file):$(json_pick "$T/cli.json" type=php pid=$CLI line)" \
	"$SITE/lib/work.php:4" "CLI: file and line"
is "$(json_pick "$T/cli.json" type=php pid=$CLI signals.cwd)" null \
	"CLI: cwd is the caller's folder, not a signal"
is "$(json_pick "$T/cli.json" type=php pid=$CLI signals.env)" null "CLI: no environment signal"
is "$(json_pick "$T/cli.json" type=php pid=$CLI uri)" "" "CLI: no URI"
TR --json --no-memory >"$T/cli-cmd.json" 2>/dev/null
is "$(json_pick "$T/cli-cmd.json" type=php pid=$CLI signal)/$(json_pick "$T/cli-cmd.json" type=php pid=$CLI confidence)" \
	cmdline/file "CLI --no-memory: command line decides"
is "$(json_pick "$T/cli-cmd.json" type=php pid=$CLI script)" "$SITE/slow.php" "CLI: script from argv"
kill $CLI 2>/dev/null; wait $CLI 2>/dev/null

# --- mail() under php-cgi: sendmail traced back to it ------------------------
(cd / && exec env -i REDIRECT_STATUS=200 GATEWAY_INTERFACE=CGI/1.1 PHP_INI_SCAN_DIR="$INI" \
	SCRIPT_FILENAME="$SITE/mail.php" SCRIPT_NAME=/mail.php DOCUMENT_ROOT="$SITE" \
	REQUEST_METHOD=GET QUERY_STRING= REQUEST_URI=/mail.php HTTP_HOST=www.cgi.example \
	setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/php-cgi8.2) >"$T/cgi-mail.out" 2>&1 &
CGI=$!
at_exit "kill $CGI"
wait_until 30 pgrep -P "$CGI" -x sh
wait_until 30 pgrep -f "^/bin/sh $T/sendmail"
TR --json >"$T/cgi-mail.json" 2>/dev/null
SM=$(json_pick "$T/cgi-mail.json" type=mail pid)
diag "php-cgi $CGI, sendmail $SM"
is "$(json_pick "$T/cgi-mail.json" type=mail program)" sendmail "php-cgi mail(): the stand-in is seen as sendmail"
is "$(json_pick "$T/cgi-mail.json" type=mail chain.0.pid)" "$(ps -o ppid= -p "$SM" | tr -d ' ')" \
	"php-cgi mail(): chain starts at sendmail's real parent"
is "$(json_pick "$T/cgi-mail.json" type=mail chain.0.comm)/$(json_pick "$T/cgi-mail.json" type=mail chain.1.pid)" \
	"sh/$CGI" "php-cgi mail(): through sh to the php-cgi process"
is "$(json_pick "$T/cgi-mail.json" type=mail php_pid)/$(json_pick "$T/cgi-mail.json" type=mail sapi)" \
	"$CGI/cgi" "php-cgi mail(): traced to php-cgi"
is "$(json_pick "$T/cgi-mail.json" type=mail script):$(json_pick "$T/cgi-mail.json" type=mail line)" \
	"$SITE/mail.php:3" "php-cgi mail(): its script and the line of mail()"
is "$(json_pick "$T/cgi-mail.json" type=mail signal)" memory "php-cgi mail(): named by memory"
is "$(json_pick "$T/cgi-mail.json" type=php pid=$CGI mails)" 1 "php-cgi: counted one mail"
TR --json --no-memory >"$T/cgi-mail-env.json" 2>/dev/null
is "$(json_pick "$T/cgi-mail-env.json" type=mail php_pid):$(json_pick "$T/cgi-mail-env.json" type=mail script)" \
	"$CGI:$SITE/mail.php" "php-cgi mail() --no-memory: still traced to its script"
release $CGI
check "php-cgi mail() returned true through the stand-in" grep -q sent "$T/cgi-mail.out"

# --- mail() under the CLI ------------------------------------------------------
(cd "$T/elsewhere" && exec env PHP_INI_SCAN_DIR="$INI" php "$SITE/mail.php") >"$T/cli-mail.out" 2>&1 &
CLI=$!
at_exit "kill $CLI"
wait_until 30 pgrep -P "$CLI" -x sh
wait_until 30 pgrep -f "^/bin/sh $T/sendmail"
TR --json >"$T/cli-mail.json" 2>/dev/null
is "$(json_pick "$T/cli-mail.json" type=mail chain.0.comm)/$(json_pick "$T/cli-mail.json" type=mail chain.1.pid)" \
	"sh/$CLI" "CLI mail(): through sh to the php process"
is "$(json_pick "$T/cli-mail.json" type=mail php_pid)/$(json_pick "$T/cli-mail.json" type=mail sapi)" \
	"$CLI/cli" "CLI mail(): traced to the CLI"
is "$(json_pick "$T/cli-mail.json" type=mail script):$(json_pick "$T/cli-mail.json" type=mail line)" \
	"$SITE/mail.php:3" "CLI mail(): its script and the line of mail()"
is "$(json_pick "$T/cli-mail.json" type=mail signal)" memory "CLI mail(): named by memory"
TR --json --no-memory >"$T/cli-mail-cmd.json" 2>/dev/null
is "$(json_pick "$T/cli-mail-cmd.json" type=mail script)/$(json_pick "$T/cli-mail-cmd.json" type=mail signal)" \
	"$SITE/mail.php/cmdline" "CLI mail() --no-memory: script from the command line"
TR >"$T/cli-mail.table" 2>&1
check "table: the mail row names the CLI script and line" \
	grep -E "^[0-9]+ +sendmail .*<php[0-9.]*:$CLI .*mail.php line 3" "$T/cli-mail.table"
release $CLI
check "CLI mail() returned true through the stand-in" grep -q sent "$T/cli-mail.out"

done_testing
