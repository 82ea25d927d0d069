#!/usr/bin/env bash
# Issue 2, test 6: every spelling real callers use reaches the MTA
# unchanged (argv after argv[0] identical to what the caller passed), and
# modes that are not a submission pass through unstamped and unlogged.
# Where a real client builds the command line (PHP, PHPMailer, mailx), the
# same client is first pointed at the recording stand-in directly: the argv
# through the wrapper must equal that one.
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/php.sh"
mo_begin "$@"
mo_need_wrapper
mo_install_wrapper
php_sites
REC=$T/rec
RECMTA=$(mo_recorder "$REC")
mo_conf postfix "$RECMTA"
SITE=$MO_WWW/site-a
M=$T/msg; mkdir -p "$M"; chmod 755 "$M"
printf 'To: a@test.invalid\nSubject: options\n\nbody\n' >"$M/m.eml"
args_q() { local a; for a in "$@"; do printf '[%s]'  "$a"; done; }
rec_args() { tail -z -n +2 "$REC/argv" 2>/dev/null | while IFS= read -r -d '' x; do printf '[%s]' "$x"; done; }
stamped() { head -n 1 "$REC/stdin" 2>/dev/null | grep -q '^X-Mailorigin-Id: '; }

# submission LABEL ARGS...: as mo-site-a; argv unchanged, stamped, logged
submission() {
	local l=$1 n0; shift
	n0=$(mo_log_count)
	rec_reset "$REC"
	(cd "$SITE" && mo_as mo-site-a "$W" "$@" <"$M/m.eml") >/dev/null 2>"$T/err"
	t_is "$?" 0 "$l: exit 0" || t_diag "$(cat "$T/err")"
	t_is "$(rec_args)" "$(args_q "$@")" "$l: argv unchanged"
	stamped; t_ok $? "$l: stamped"
	t_is "$(($(mo_log_count) - n0))" 1 "$l: one log line"
	LINE=$(mo_log_since "$n0" | tail -1)
}

submission "cron" -FCronDaemon -i -odi -oem -oi -t
t_is "$(lf "$LINE" rcpts)" 1 "cron: rcpts from To: (1)"
submission "-B8BITMIME" -B8BITMIME -t -i
submission "-B 8BITMIME" -B 8BITMIME -i a@test.invalid
submission "-oi -faddr -t" -oi -fowner@test.invalid -t
t_is "$(lf "$LINE" from)" owner@test.invalid "-oi -faddr -t: log from"
submission "repeated -f" -t -i -f first@test.invalid -fsecond@test.invalid
t_is "$(lf "$LINE" from)" second@test.invalid "repeated -f: log from is the last one (the one the MTA uses)"
submission "-r sender" -r rsender@test.invalid -i b@test.invalid
t_is "$(lf "$LINE" from)" rsender@test.invalid "-r: log from"
submission "recipients after --" -i -- -dash@test.invalid b@test.invalid
t_is "$(lf "$LINE" rcpts)" 2 "recipients after --: rcpts=2"
submission "-f<> (bounce sender)" -f '<>' -i b@test.invalid
submission "-v -N -R -V" -i -N delay,failure -R hdrs -V envid1 b@test.invalid
submission "-o<x> spellings" -i -oem -odb -om -oL9 -t

# recipients with -t: argv + To/Cc/Bcc (folded, quoted names, groups)
printf '%s\n' 'To: "Doe, J" <j@test.invalid>,' ' k@test.invalid' 'Cc: team: a@test.invalid, b@test.invalid;' \
	'Bcc: c@test.invalid' 'Subject: count' '' 'To: not@counted.invalid' >"$M/count.eml"
n0=$(mo_log_count); rec_reset "$REC"
(cd "$SITE" && mo_as mo-site-a "$W" -t -i d@test.invalid <"$M/count.eml") >/dev/null 2>&1
t_is "$(lf "$(mo_log_since "$n0" | tail -1)" rcpts)" 6 "-t: rcpts = 1 argv + 2 To + 2 Cc (group) + 1 Bcc"
strip_ours "$REC/stdin" >"$T/got"; cmp -s "$M/count.eml" "$T/got"; t_ok $? "-t: message unchanged (Bcc left to the MTA)"

# real clients: the same argv with and without the wrapper
differential() {  # differential LABEL CMD... (CMD uses $SM as its sendmail)
	local l=$1 direct; shift
	rec_reset "$REC"
	SM=$RECMTA "$@" >/dev/null 2>&1
	direct=$(rec_args)
	[ -n "$direct" ]; t_ok $? "$l: the client ran the stand-in directly ($direct)" || return 1
	rec_reset "$REC"
	SM=$W "$@" >/dev/null 2>"$T/err"
	t_is "$(rec_args)" "$direct" "$l: the same argv through the wrapper"
	stamped; t_ok $? "$l: stamped"
}
php_mail() { php_cli mo-site-a "$SITE" "$SM -t -i" send.php --to=a@test.invalid; }
php_mail_f() { php_cli mo-site-a "$SITE" "$SM -t -i -f owner@test.invalid" send.php --to=a@test.invalid --extra=-fother@test.invalid; }
phpmailer() { php_cli mo-site-a "$SITE" "$SM" phpmailer.php --to=a@test.invalid --from=pm@test.invalid; }
mailx_rc() {
	printf 'set sendmail=%s\n' "$SM" >"$T/mailrc"; chmod 644 "$T/mailrc"
	(cd "$SITE" && printf 'body\n' | mo_as mo-site-a env MAILRC="$T/mailrc" mailx -s subj -c c@test.invalid a@test.invalid b@test.invalid)
}
differential "php mail()" php_mail
differential "php mail() with a repeated -f" php_mail_f
t_is "$(rec_args)" "[-t][-i][-f][owner@test.invalid][-fother@test.invalid]" "php repeated -f: argv as PHP built it"
if [ -f /usr/share/php/libphp-phpmailer/autoload.php ]; then
	differential "PHPMailer" phpmailer
	t_is "$(rec_args)" "[-oi][-fpm@test.invalid][-t]" "PHPMailer: -oi -faddr -t"
else
	t_skip "PHPMailer" "libphp-phpmailer not installed"
fi
if command -v mailx >/dev/null; then differential "mailx" mailx_rc
else t_skip "mailx" "bsd-mailx not installed"; fi

# ---- not a submission: exec'd unchanged, not stamped, not logged ------------------
passthrough() {  # passthrough LABEL ARGS...
	local l=$1 n0; shift
	n0=$(mo_log_count)
	rec_reset "$REC"
	(cd "$SITE" && printf 'EHLO x\r\nQUIT\r\n' | mo_as mo-site-a "$W" "$@") >/dev/null 2>"$T/err"
	t_is "$?" 0 "$l: exit 0" || t_diag "$(cat "$T/err")"
	t_is "$(rec_args)" "$(args_q "$@")" "$l: argv unchanged"
	# no such mode reads a message: its input is /dev/null for a caller
	# (another MTA's mode could otherwise queue what it reads unstamped)
	t_is "$(wc -c <"$REC/stdin" 2>/dev/null | tr -d ' ')/$(cat "$REC/fd0" 2>/dev/null)" "0//dev/null" "$l: input /dev/null, nothing passed on"
	t_is "$(mo_log_count)" "$n0" "$l: nothing logged"
}
passthrough "-bp" -bp
passthrough "-q" -q
passthrough "-q30m" -q30m
passthrough "-qR" -qRtest.invalid
passthrough "-bi" -bi
passthrough "-I" -I
passthrough "-bh" -bh

# ---- what Postfix reads as a submission is never passed on unstamped -------------
# -bd would submit past the wrapper: refused unless root; -bs is served by
# the wrapper itself (tests/integration/80-bs.t), for root too
refused() {  # refused LABEL ARGS...
	local l=$1 n0; shift
	rec_reset "$REC"
	(cd "$SITE" && printf 'EHLO x\r\nQUIT\r\n' | mo_as mo-site-a "$W" "$@") >/dev/null 2>"$T/err"
	t_is "$?" 77 "$l: refused for a site (EX_NOPERM)"
	[ ! -e "$REC/argv" ]; t_ok $? "$l: the MTA did not run"
	t_like "$(cat "$T/err")" "refused for uid $(mo_uid mo-site-a)" "$l: says why"
}
refused "-bd" -bd
refused "-V x -bd" -V envid -bd
served() {  # served LABEL USER ARGS...
	local l=$1 u=$2; shift 2
	rec_reset "$REC"
	(cd "$SITE" && printf 'EHLO x\r\nQUIT\r\n' | setpriv --reuid="$u" --regid="$u" --init-groups "$W" "$@") >"$T/out" 2>"$T/err"
	t_is "$?" 0 "$l: exit 0"
	t_like "$(head -1 "$T/out")" '^220 .* ESMTP mailorigin' "$l: the wrapper speaks SMTP itself"
	[ ! -e "$REC/argv" ]; t_ok $? "$l: no transaction, the MTA did not run"
}
served "-bs (site)" mo-site-a -bs
served "-V x -bs (site)" mo-site-a -V envid -bs
served "-bs (root)" root -bs
# the last mode wins, as in Postfix: these are submissions, stamped and logged
stamped() {  # stamped LABEL ARGS...
	local l=$1 n0; shift
	n0=$(mo_log_count)
	rec_reset "$REC"
	(cd "$SITE" && printf 'Subject: m\n\nx\n' | mo_as mo-site-a "$W" "$@") >/dev/null 2>"$T/err"
	t_is "$?" 0 "$l: exit 0" || t_diag "$(cat "$T/err")"
	t_is "$(rec_args)" "$(args_q "$@")" "$l: argv unchanged"
	t_like "$(head -1 "$REC/stdin")" '^X-Mailorigin-Id: [0-9a-f]{16}' "$l: stamped"
	t_is "$(mo_log_count)" "$((n0 + 1))" "$l: logged"
}
stamped "-bp -bm" -bp -bm -t
stamped "-q -bm" -q -bm a@test.invalid
stamped "-bv" -bv a@test.invalid
stamped "-V xy" -V +=  a@test.invalid
stamped "-XV" -XV -t

ln -s "$W" "$T/bin/mailq"
n0=$(mo_log_count); rec_reset "$REC"
(cd "$SITE" && mo_as mo-site-a "$T/bin/mailq" </dev/null) >/dev/null 2>"$T/err"
t_is "$?" 0 "mailq (argv[0]): exit 0" || t_diag "$(cat "$T/err")"
a0=$(head -z -n 1 "$REC/argv" 2>/dev/null | tr -d '\0')
{ [ "${a0##*/}" = mailq ] || rec_args | grep -qF '[-bp]'; }
t_ok $? "mailq (argv[0]): the MTA is asked for the queue (argv[0] mailq or -bp), not for a submission" ||
	t_diag "argv: [$a0]$(rec_args)"
t_is "$(mo_log_count)" "$n0" "mailq (argv[0]): nothing logged"
t_done
