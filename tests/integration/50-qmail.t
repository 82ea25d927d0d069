#!/usr/bin/env bash
# Issue 2, test 5: qmail.  No qmail package exists for Debian, so a
# recording stand-in for qmail-inject (and qmail-qread beside it) checks
# the translated argv, the environment (QMAILUSER, QMAILHOST, MAILNAME)
# and the exact bytes, the way qmail's own sendmail front end calls it:
#   qmail-inject -H|-a [-f sender] -- recipients...   (-H when -t)
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/php.sh"
mo_begin "$@"
mo_need_wrapper
mo_install_wrapper
php_sites
Q=$T/qmail/bin
QI=$(mo_recorder "$Q" qmail-inject)
install -m 0755 "$QI" "$Q/qmail-qread"
mo_conf qmail "$QI"
SITE=$MO_WWW/site-a
gid_a=$(mo_gid mo-site-a)
M=$T/msg; mkdir -p "$M"; chmod 755 "$M"
printf 'To: a@test.invalid\nCc: "Doe, J" <b@test.invalid>\nSubject: qmail\n\nbody line\n' >"$M/q.eml"
printf 'To: a@test.invalid\r\nSubject: crlf\r\n\r\nbody\r\n' >"$M/crlf.eml"

# q LABEL FILE WANT_ARGS ARGS...: run the wrapper as mo-site-a, check the
# stand-in's argv (after argv[0]) is WANT_ARGS ("[a][b]..." form)
q() {
	local l=$1 f=$2 want=$3; shift 3
	rec_reset "$Q"
	(cd "$SITE" && mo_as mo-site-a "$W" "$@" <"$f") >/dev/null 2>"$T/err"
	RC=$?
	t_is "$RC" 0 "$l: exit 0" || t_diag "$(cat "$T/err")"
	[ -f "$Q/argv" ]; t_ok $? "$l: qmail-inject ran" || return 1
	local a0
	a0=$(head -z -n 1 "$Q/argv" | tr -d '\0')
	t_like "$a0" '(^|/)qmail-inject$' "$l: argv[0] is qmail-inject ($a0)"
	t_is "$(tail -z -n +2 "$Q/argv" | while IFS= read -r -d '' x; do printf '[%s]' "$x"; done)" "$want" "$l: argv"
}
qenv() { rec_env "$Q" | grep -E "^$1=" ; }

q "php -t -i" "$M/q.eml" "[-H][--]" -t -i
t_is "$(qenv 'QMAIL[A-Z]*|MAILNAME')" "" "php -t -i: no QMAILUSER/QMAILHOST/MAILNAME without a sender"
strip_ours "$Q/stdin" >"$T/got"
cmp -s "$M/q.eml" "$T/got"; t_ok $? "php -t -i: qmail-inject got the input byte for byte below our headers"
t_is "$(head -n 5 "$Q/stdin" | grep -c '^X-Mailorigin-')" 5 "php -t -i: stamped"
t_is "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "$Q/status")" "$gid_a $gid_a $gid_a $gid_a" "php -t -i: group dropped"
t_is "$(qenv PATH)" "PATH=/usr/sbin:/usr/bin:/sbin:/bin" "php -t -i: PATH fixed"

q "sender and argv recipients" "$M/q.eml" "[-a][-f][owner@example.org][--][x@test.invalid][y@test.invalid]" \
	-f owner@example.org -i -- x@test.invalid y@test.invalid
t_is "$(qenv 'QMAILUSER|QMAILHOST' | tr '\n' ' ')" "QMAILHOST=example.org QMAILUSER=owner " "sender: QMAILUSER, QMAILHOST"

q "-fsender attached, with -t" "$M/q.eml" "[-H][-f][site@example.net][--]" -t -i -fsite@example.net
t_is "$(qenv 'QMAILUSER|QMAILHOST' | tr '\n' ' ')" "QMAILHOST=example.net QMAILUSER=site " "-fsender: QMAILUSER, QMAILHOST"

q "-r sender" "$M/q.eml" "[-a][-f][r@example.com][--][x@test.invalid]" -r r@example.com x@test.invalid

q "sender with two @" "$M/q.eml" "[-a][-f][a@b@c.example][--][x@test.invalid]" -f a@b@c.example x@test.invalid
t_is "$(qenv 'QMAILUSER|QMAILHOST' | tr '\n' ' ')" "QMAILHOST=c.example QMAILUSER=a@b " "two @: split at the last @"

q "cron" "$M/q.eml" "[-H][--]" -FCronDaemon -i -odi -oem -oi -t
t_is "$(qenv MAILNAME)" "MAILNAME=CronDaemon" "cron: MAILNAME from -F"
q "-F with a space" "$M/q.eml" "[-a][--][x@test.invalid]" -F "Jane Doe" x@test.invalid
t_is "$(qenv MAILNAME)" "MAILNAME=Jane Doe" "-F \"Jane Doe\": MAILNAME"

q "crlf" "$M/crlf.eml" "[-H][--]" -t
strip_ours "$Q/stdin" >"$T/got"
cmp -s "$M/crlf.eml" "$T/got"; t_ok $? "crlf: exact bytes"
t_is "$(head -n 5 "$Q/stdin" | grep -c $'\r$')" 5 "crlf: our headers in CRLF"

# the log line for qmail
id=$(sed -n "s/^X-Mailorigin-Id: //p" "$Q/stdin" | head -1 | tr -d "\r")
line=$(mo_log_line "$id")
log_parses "$line"; t_ok $? "qmail: log line parses" || t_diag "$line"
t_is "$(lf "$line" mta)" "$QI" "qmail: log mta"
t_is "$(lf "$line" action)" pass "qmail: log action=pass"

# -bp: qmail-qread from the same folder, nothing stamped, nothing logged
n0=$(mo_log_count)
rec_reset "$Q"
(cd "$SITE" && printf 'not a message\n' | mo_as mo-site-a "$W" -bp) >/dev/null 2>"$T/err"
t_is "$?" 0 "-bp: exit 0" || t_diag "$(cat "$T/err")"
[ -f "$Q/ran" ]; t_ok $? "-bp: a program ran"
t_like "$(head -z -n 1 "$Q/argv" 2>/dev/null | tr -d '\0')" '(^|/)qmail-qread$' "-bp: qmail-qread ran, with argv[0] set"
t_is "$(mo_log_count)" "$n0" "-bp: nothing logged"
t_unlike "$(cat "$Q/stdin" 2>/dev/null)" "X-Mailorigin-" "-bp: nothing stamped"

# the missing qmail-inject: held, exit 69
mo_conf qmail "$T/qmail/nobin/qmail-inject"
rec_reset "$Q"
(cd "$SITE" && mo_as mo-site-a "$W" -t <"$M/q.eml") >/dev/null 2>&1
t_is "$?" 69 "qmail-inject missing: exit 69"
t_done
