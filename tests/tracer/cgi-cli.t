#!/usr/bin/env bash
# The tracer against php-cgi (CGI mode, as suexec/mod_cgi run it) and the
# CLI: memory, cwd, environment and command-line signals, each where it
# applies and absent where it does not.
. "$(dirname "$0")/lib.sh"
need /usr/bin/php-cgi8.2 php setpriv

make_site cgi.example
SITE=$VROOT/cgi.example
TR() { "$TRACER" --vhost-root "$VROOT" "$@"; }

# --- php-cgi, run as nobody from "/" with a CGI environment ----------------
(cd / && exec env -i REDIRECT_STATUS=200 GATEWAY_INTERFACE=CGI/1.1 \
	SCRIPT_FILENAME="$SITE/slow.php" SCRIPT_NAME=/slow.php DOCUMENT_ROOT="$SITE" \
	REQUEST_METHOD=GET QUERY_STRING=s=5 REQUEST_URI='/slow.php?s=5' \
	HTTP_HOST=www.cgi.example \
	setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/php-cgi8.2) >"$T/cgi.out" 2>&1 &
CGI=$!
at_exit "kill $CGI"
wait_until 5 cwd_is $CGI "$SITE"
check "php-cgi runs in the script's folder" cwd_is $CGI "$SITE"

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
is "$(json_pick "$T/cgi-env.json" type=php pid=$CGI uri)" "/slow.php?s=5" "env: REQUEST_URI"
TR --json --no-memory --no-cwd --no-fd --no-env >"$T/cgi-none.json" 2>/dev/null
is "$(json_pick "$T/cgi-none.json" type=php pid=$CGI signal)" account "php-cgi with no signal left: account"
kill $CGI 2>/dev/null; wait $CGI 2>/dev/null

# --- the CLI, started from another folder ------------------------------------
mkdir -p "$T/elsewhere"
(cd "$T/elsewhere" && exec php "$SITE/slow.php") >/dev/null 2>&1 &
CLI=$!
at_exit "kill $CLI"
wait_until 5 grep -q slow.php /proc/$CLI/cmdline
sleep 0.3
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

done_testing
