#!/usr/bin/env bash
# Issue 13, part 1: `sendmail -bs` (SMTP on standard input) through the
# setgid wrapper into the real Postfix, for any caller.
#  - Symfony Mailer (php-symfony-mailer), its default `-bs` transport, from
#    the PHP CLI and php-fpm, several messages in one session, and `-t`;
#  - a raw session: pipelining, dot-stuffing, RSET, several transactions,
#    a bare LF in DATA, a 5000-byte text line, an oversized command line,
#    SIZE over the bound, commands out of order: the right replies, every
#    accepted message delivered byte-identical;
#  - over a limit: held (250), tempfail (451), reject (550);
#  - the MTA failing for good (554) or for now (451), or missing (held, 250);
#  - the client going away in DATA: that message is neither delivered nor
#    held, the one before it is;
#  - the hand-over as a recording stand-in sees it: argv
#    `-i -f SENDER -- RECIPIENTS` with the caller's other flags, no group
#    of ours, the message bytes; for qmail, qmail-inject's argv.
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/postfix.sh"
. "$MO_ROOT/tests/lib/php.sh"
mo_begin "$@"
mo_need_wrapper
[ -f /usr/share/php/Symfony/Component/Mailer/autoload.php ] || mo_skip_all "php-symfony-mailer not installed"
pf_start
mo_install_wrapper
php_sites
for s in a b; do
	install -o "mo-site-$s" -g "mo-site-$s" -m 644 "$MO_ROOT/tests/integration/symfony.php" "$MO_WWW/site-$s/symfony.php"
done
mo_conf postfix /usr/sbin/sendmail
fpm_start "$W -t -i"
PRE="Return-Path X-Original-To Delivered-To Received"
uid_a=$(mo_uid mo-site-a); uid_b=$(mo_uid mo-site-b)
M=$T/msg; mkdir -p "$M"; chmod 755 "$M"

delivered() { grep -l -a -E "^Delivered-To: mo-rcpt\+$1@" "$PF_MAIL"/mo-rcpt/new/* 2>/dev/null | wc -l; }
held() { ls "$MO_STATE/hold" 2>/dev/null | wc -l; }
# codes FILE: the reply codes of a session, one per reply line ("250-" for
# a continuation), space-separated
codes() { tr -d '\r' <"$1" | cut -c1-4 | sed 's/ $//' | tr '\n' ' ' | sed 's/ $//'; }
# session USER FILE [ARGS...]: run `$W -bs ARGS` as USER on FILE, replies in $T/out
session() {
	local u=$1 f=$2; shift 2
	(cd "$MO_WWW/site-${u#mo-site-}" && mo_as "$u" "$W" -bs "$@" <"$f") >"$T/out" 2>"$T/err"
}

# ---- Symfony Mailer, default -bs transport ---------------------------------
out=$(php_cli mo-site-b "$MO_WWW/site-b" "$W -t -i" symfony.php --to="$(pf_addr sf-cli)" --from=owner-b@test.invalid \
	--body=$'line one\n.dot line\n..two dots\nlast\n' 2>&1)
t_is "$out" "sent=1" "symfony cli -bs: send() succeeds"
if f=$(pf_wait sf-cli); then
	t_ok 0 "symfony cli -bs: delivered"
	mo_check_stamp "$f" "symfony cli -bs" "$PRE" "$uid_b" mo-site-b "$MO_WWW/site-b" \
		"$MO_WWW/site-b/symfony.php; source=php-cli-argv; claimed" site-b
	t_like "$(hdr "$f" Received)" "\(Postfix, from userid $uid_b\)" "symfony cli -bs: Postfix saw uid $uid_b"
	t_is "$(hdr "$f" Return-Path)" "<owner-b@test.invalid>" "symfony cli -bs: envelope sender from MAIL FROM"
	t_is "$(body_of "$f")" $'line one\n.dot line\n..two dots\nlast' "symfony cli -bs: body with leading dots unchanged"
	mo_check_log "$MO_ID" "symfony cli -bs" action=pass from=owner-b@test.invalid rcpts=1 sapi=cli path=bs
else
	t_ok 1 "symfony cli -bs: delivered"; t_diag "$(pf_why sf-cli)" "$(tail -3 "$MO_LOG")"
fi

out=$(fpm_get site-a symfony.php "to=$(urlenc "$(pf_addr sf-fpm)")&from=$(urlenc owner-a@test.invalid)")
t_is "$out" "sent=1" "symfony fpm -bs: send() succeeds"
if f=$(pf_wait sf-fpm); then
	t_ok 0 "symfony fpm -bs: delivered"
	mo_check_stamp "$f" "symfony fpm -bs" "$PRE" "$uid_a" mo-site-a "$MO_WWW/site-a" \
		"$MO_WWW/site-a/; source=cwd; claimed" site-a
	t_like "$(hdr "$f" Received)" "\(Postfix, from userid $uid_a\)" "symfony fpm -bs: Postfix saw uid $uid_a"
	mo_check_log "$MO_ID" "symfony fpm -bs" action=pass from=owner-a@test.invalid sapi=fpm pool=site-a path=bs
else
	t_ok 1 "symfony fpm -bs: delivered"; t_diag "$(pf_why sf-fpm)" "$(tail -3 "$MO_LOG")"
fi

# three messages in one -bs session (Laravel's "-bs -i"): three submissions
n0=$(mo_log_count)
out=$(php_cli mo-site-b "$MO_WWW/site-b" "$W -t -i" symfony.php --to="$(pf_addr sf-three)" --count=3 \
	--command="$W -bs -i" 2>&1)
t_is "$out" "sent=3" "symfony, 3 in one session: send() succeeds 3 times"
pf_settle
t_is "$(grep -l -a -E '^Delivered-To: mo-rcpt\+sf-three-[123]@' "$PF_MAIL"/mo-rcpt/new/* 2>/dev/null | wc -l)" 3 \
	"symfony, 3 in one session: 3 delivered"
t_is "$(mo_log_since "$n0" | grep -c 'action=pass .*path=bs')" 3 "symfony, 3 in one session: 3 log lines"
t_is "$(mo_log_since "$n0" | grep -o ' id=[0-9a-f]*' | sort -u | wc -l)" 3 "symfony, 3 in one session: 3 ids"

# -t mode of the same transport: the usual path
out=$(php_cli mo-site-b "$MO_WWW/site-b" "$W -t -i" symfony.php --to="$(pf_addr sf-t)" --command="$W -t -i" 2>&1)
t_is "$out" "sent=1" "symfony -t: send() succeeds"
f=$(pf_wait sf-t); t_ok $? "symfony -t: delivered"
[ -n "$f" ] && mo_check_stamp "$f" "symfony -t" "$PRE" "$uid_b" mo-site-b "$MO_WWW/site-b" \
	"$MO_WWW/site-b/symfony.php; source=php-cli-argv; claimed" site-b

# ---- a raw session ------------------------------------------------------------
long=$(head -c 5000 /dev/zero | tr '\0' 'L')
# headers Postfix would otherwise add (so that what it delivers is ours byte for byte)
HDRS=$(printf 'From: raw@test.invalid\r\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\nMessage-ID: <raw@test.invalid>\r\n')
big=$(head -c 3000 /dev/zero | tr '\0' 'x')
{
	printf 'EHLO client.test\r\n'
	# everything pipelined in one write, DATA content included
	printf 'MAIL FROM:<raw@test.invalid> SIZE=1000 BODY=8BITMIME\r\nRCPT TO:<%s>\r\nRCPT TO:<%s>\r\nDATA\r\n' \
		"$(pf_addr raw1)" "$(pf_addr raw1b)"
	printf 'Subject: raw1\r\n%s\r\n..stuffed\r\n...two\r\n.\tx\r\nbare\nlf\r\n%s\r\n\xc3\xa9t\xc3\xa9\r\n.\r\n' "$HDRS" "$long"
	printf 'MAIL FROM:<rset@test.invalid>\r\nRCPT TO:<%s>\r\nRSET\r\n' "$(pf_addr raw-rset)"
	printf 'RCPT TO:<%s>\r\n' "$(pf_addr raw-nomail)"
	printf 'MAIL FROM:<>\r\nRCPT TO:<%s>\r\nDATA\r\nSubject: raw2\r\n\r\nsecond\r\n.\r\n' "$(pf_addr raw2)"
	printf '%s\r\n' "$big"
	printf 'NOOP\r\nHELP\r\nVRFY x\r\nFROB\r\nDATA\r\n'
	printf 'MAIL FROM:<big@test.invalid> SIZE=99999999999\r\n'
	printf 'MAIL FROM:<u@test.invalid> FOO=1\r\n'
	printf 'MAIL FROM:<\xc3\xa9@test.invalid>\r\n'
	printf 'MAIL FROM:<\xc3\xa9@test.invalid> SMTPUTF8\r\nRCPT TO:<%s>\r\nDATA\r\nSubject: raw3\r\n\r\nutf8\r\n.\r\n' "$(pf_addr raw3)"
	printf 'QUIT\r\n'
} >"$M/raw.smtp"
session mo-site-a "$M/raw.smtp"
t_is "$?" 0 "raw session: exit 0"
want="220 250- 250- 250- 250- 250- 250 250 250 250 354 250 250 250 250 503 250 250 354 250 500 250 214 252 500 503 552 555 553 250 250 354 250 221"
t_is "$(codes "$T/out")" "$want" "raw session: the replies, in order"
t_like "$(tr -d '\r' <"$T/out")" $'250-PIPELINING\n250-SIZE [0-9]+\n250-8BITMIME\n250-SMTPUTF8' "raw session: EHLO advertises PIPELINING, SIZE, 8BITMIME, SMTPUTF8"
t_like "$(grep -a '^250 2.0.0 Ok: queued as' "$T/out" | head -1)" '^250 2\.0\.0 Ok: queued as [0-9a-f]{16}' "raw session: the end of DATA says our id"
pf_settle
printf 'Subject: raw1\n%s\n\n.stuffed\n..two\n\tx\nbare\nlf\n%s\n\xc3\xa9t\xc3\xa9\n' "$(printf '%s' "$HDRS" | tr -d '\r')" "$long" >"$M/raw1.want"
for c in raw1 raw1b; do
	if f=$(pf_wait "$c" 5); then
		strip_delivered "$f" | cmp -s - "$M/raw1.want"
		t_ok $? "raw session: $c delivered byte-identical (unstuffed, CRLF as LF, bare LF a line end, 5000-byte line whole)" ||
			t_diag "$(strip_delivered "$f" | head -c 300 | cat -A)"
	else t_ok 1 "raw session: $c delivered"; t_diag "$(pf_why "$c")"; fi
done
f=$(pf_wait raw1 1)
t_is "$(hdr "$f" Return-Path)" "<raw@test.invalid>" "raw session: envelope sender"
t_is "$(delivered raw1)$(delivered raw1b)" "11" "raw session: two recipients, one message each"
f=$(pf_wait raw2 5); t_ok $? "raw session: second transaction delivered"
[ -n "$f" ] && t_is "$(hdr "$f" Return-Path)" "<>" "raw session: MAIL FROM:<> is the null sender"
f=$(pf_wait raw3 5); t_ok $? "raw session: SMTPUTF8 transaction delivered"
[ -n "$f" ] && t_is "$(hdr "$f" Return-Path)" $'<\xc3\xa9@test.invalid>' "raw session: UTF-8 sender"
t_is "$(delivered raw-rset)$(delivered raw-nomail)" "00" "raw session: the RSET transaction and the RCPT without MAIL sent nothing"
t_unlike "$(cat "$PF/maillog")" 'raw-rset|raw-nomail' "raw session: Postfix never saw them"

# bare LF line ends throughout (a client that writes LF only)
printf 'HELO x\nMAIL FROM:<lf@test.invalid>\nRCPT TO:<%s>\nDATA\nSubject: lfonly\n%s\n\n..dot\nend\n.\nQUIT\n' "$(pf_addr lfonly)" "$(printf '%s' "$HDRS" | tr -d '\r')" >"$M/lf.smtp"
session mo-site-a "$M/lf.smtp"
t_is "$(codes "$T/out")" "220 250 250 250 354 250 221" "LF-only session: the replies"
f=$(pf_wait lfonly 10) && { strip_delivered "$f" | cmp -s - <(printf 'Subject: lfonly\n%s\n\n.dot\nend\n' "$(printf '%s' "$HDRS" | tr -d '\r')"); }
t_ok $? "LF-only session: delivered byte-identical"

# ---- the client goes away in DATA ----------------------------------------------
n0=$(mo_log_count); h0=$(held)
printf 'EHLO x\r\nMAIL FROM:<a@test.invalid>\r\nRCPT TO:<%s>\r\nDATA\r\nSubject: before\r\n\r\nok\r\n.\r\nMAIL FROM:<a@test.invalid>\r\nRCPT TO:<%s>\r\nDATA\r\nSubject: lost\r\n\r\nhalf a mess' \
	"$(pf_addr cut-before)" "$(pf_addr cut-lost)" >"$M/cut.smtp"
session mo-site-a "$M/cut.smtp"
t_is "$?" 76 "client gone in DATA: exit EX_PROTOCOL"
t_is "$(codes "$T/out")" "220 250- 250- 250- 250- 250- 250 250 250 354 250 250 250 354" "client gone in DATA: no reply to the cut message"
pf_settle
t_is "$(delivered cut-before)" 1 "client gone in DATA: the complete message before it is delivered"
t_is "$(delivered cut-lost)" 0 "client gone in DATA: the cut message is not delivered"
t_unlike "$(cat "$PF/maillog")" 'cut-lost' "client gone in DATA: Postfix never saw it"
t_is "$(held)" "$h0" "client gone in DATA: nothing held"
t_is "$(($(mo_log_count) - n0))" 1 "client gone in DATA: one log line (the complete message)"

# ---- limits ------------------------------------------------------------------
txn() {  # txn CASE: one transaction to CASE
	printf 'MAIL FROM:<lim@test.invalid>\r\nRCPT TO:<%s>\r\nDATA\r\nSubject: %s\r\n\r\nbody %s\r\n.\r\n' "$(pf_addr "$1")" "$1" "$1"
}
mo_conf postfix /usr/sbin/sendmail
printf '%s\n' "limits = ( { match = \"uid:$uid_b\"; messages = [ \"2/1d\" ]; } );" >>"$MO_ETC/mailorigin.conf"
h0=$(held)
{ printf 'EHLO x\r\n'; for i in 1 2 3 4; do txn "lim$i"; done; printf 'QUIT\r\n'; } >"$M/lim.smtp"
session mo-site-b "$M/lim.smtp"
t_is "$(codes "$T/out")" "220 250- 250- 250- 250- 250- 250 $(for i in 1 2 3 4; do printf '250 250 354 250 '; done)221" \
	"over the limit (hold): every transaction gets 250"
pf_settle
t_is "$(delivered 'lim[1234]')" 2 "over the limit (hold): 2 of 4 delivered (limit 2/1d)"
t_is "$(($(held) - h0))" 2 "over the limit (hold): 2 held"
bad=0
for id in $(ls "$MO_STATE/hold"); do
	s=$(hdr "$MO_STATE/hold/$id/message" Subject)
	case $s in lim[34]) ;; *) continue ;; esac
	strip_ours "$MO_STATE/hold/$id/message" | cmp -s - <(printf 'Subject: %s\n\nbody %s\n' "$s" "$s") || bad=$((bad + 1))
	grep -q "^arg=-f$" "$MO_STATE/hold/$id/meta" && grep -q "^arg=$(pf_addr "$s")$" "$MO_STATE/hold/$id/meta" || bad=$((bad + 1))
	grep -q "queued as $id" "$T/out" || bad=$((bad + 1))
done
t_is "$bad" 0 "over the limit (hold): held messages byte-identical, with the transaction's argv, under the id the client was told"
for mode in tempfail reject; do
	printf '%s\n' "on_limit = \"$mode\";" >>"$MO_ETC/mailorigin.conf"
	{ printf 'HELO x\r\n'; txn "lim-$mode"; printf 'QUIT\r\n'; } >"$M/lim-$mode.smtp"
	session mo-site-b "$M/lim-$mode.smtp"
	want=$([ $mode = tempfail ] && echo "451 4.7.1" || echo "550 5.7.1")
	t_like "$(tr -d '\r' <"$T/out" | sed -n 6p)" "^$want [0-9a-f]{16}: sending limit reached" "over the limit ($mode): $want at the end of DATA"
	t_is "$(tr -d '\r' <"$T/out" | sed -n 7p)" "221 2.0.0 Bye" "over the limit ($mode): the session goes on"
	sed -i '$d' "$MO_ETC/mailorigin.conf"
done
pf_settle
t_is "$(delivered 'lim-(tempfail|reject)')" 0 "over the limit (tempfail, reject): nothing delivered"

# ---- the MTA fails -------------------------------------------------------------
printf '#!/bin/sh\ncat >/dev/null\nexit %s\n' 75 >"$T/bin/mta75"; printf '#!/bin/sh\ncat >/dev/null\nexit %s\n' 67 >"$T/bin/mta67"
chmod 755 "$T/bin/mta75" "$T/bin/mta67"
one() { { printf 'HELO x\r\n'; txn "$1"; printf 'QUIT\r\n'; } >"$M/$1.smtp"; session mo-site-a "$M/$1.smtp"; tr -d '\r' <"$T/out" | sed -n 6p; }
mo_conf postfix "$T/bin/mta75"
t_like "$(one mta-temp)" '^451 4\.3\.0 [0-9a-f]{16}: the mail system failed temporarily' "MTA exits EX_TEMPFAIL: 451"
mo_conf postfix "$T/bin/mta67"
t_like "$(one mta-perm)" '^554 5\.3\.0 [0-9a-f]{16}: the mail system refused the message \(exit 67\)' "MTA exits 67: 554"
mo_conf postfix "$T/bin/no-such-mta"
h0=$(held)
t_like "$(one mta-missing)" '^250 2\.0\.0 Ok: queued as [0-9a-f]{16}' "MTA missing: held, 250"
t_is "$(($(held) - h0))" 1 "MTA missing: one message held"

# ---- what the hand-over gets -----------------------------------------------------
REC=$T/rec
RECMTA=$(mo_recorder "$REC")
mo_conf postfix "$RECMTA"
rec_reset "$REC"
{ printf 'EHLO x\r\nMAIL FROM:<s@test.invalid>\r\nRCPT TO:<r1@test.invalid>\r\nRCPT TO:<-r2@test.invalid>\r\nDATA\r\nSubject: rec\r\n\r\nb\r\nlone\rcr\r\n\r\n..\r\n.\r\nQUIT\r\n'; } >"$M/rec.smtp"
session mo-site-a "$M/rec.smtp" -i -FSite -N never -oi
t_is "$(rec_argv_q "$REC")" "[mailorigin-sendmail][-i][-FSite][-N][never][-oi][-i][-f][s@test.invalid][--][r1@test.invalid][-r2@test.invalid]" \
	"hand-over: argv is -i -f SENDER -- RECIPIENTS after the caller's other flags (-bs dropped)"
t_unlike "$(grep '^Gid:' "$REC/status")" "[[:space:]]$MO_GID_MAILORIGIN([[:space:]]|\$)" "hand-over: the MTA runs without our group"
t_like "$(grep '^Uid:' "$REC/status")" "^Uid:[[:space:]]+$uid_a[[:space:]]+$uid_a" "hand-over: the MTA runs as the caller"
strip_ours "$REC/stdin" | cmp -s - <(printf 'Subject: rec\n\nb\nlone\rcr\n\n.\n')
t_ok $? "hand-over: the message on stdin, our headers on top, CRLF as LF, a lone CR kept" || t_diag "$(cat -A "$REC/stdin")"
mo_conf qmail "$RECMTA"
rec_reset "$REC"
session mo-site-a "$M/rec.smtp"
t_is "$(rec_argv_q "$REC")" "[$RECMTA][-a][-f][s@test.invalid][--][r1@test.invalid][-r2@test.invalid]" \
	"hand-over (qmail): qmail-inject -a -f SENDER -- RECIPIENTS"

# -bd stays refused for a site
(cd "$MO_WWW/site-a" && mo_as mo-site-a "$W" -bd </dev/null) >/dev/null 2>&1
t_is "$?" 77 "-bd: still refused for a site (EX_NOPERM)"
t_done
