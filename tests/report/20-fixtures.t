#!/usr/bin/env bash
# Issue 10: mailoriginctl report over written logs.
#  - qmail: qmail-send's lines as qmail-log(5) documents them, through
#    multilog (TAI64N) and through splogger (syslog), with Plesk's and
#    s/qmail's SMTP AUTH lines: the reports equal the expected ones
#    (tests/report/fixtures/*.json, checked by hand against the log);
#  - a window: --since / --until count only what is inside, and the
#    origin quiet before the window and now on top is flagged;
#  - hostile fields (terminal escapes, invalid UTF-8, a 100 kB line) are
#    shown escaped, the JSON stays valid, unparsable lines are counted;
#  - usage errors.
. "$(dirname "$0")/../lib/harness.sh"
mo_begin "$@"
CTL_BUILD=${MO_CTL_BUILD:-$MO_ROOT/build/mailoriginctl}
[ -x "$CTL_BUILD" ] || mo_skip_all "$CTL_BUILD not built (run make)"
export TZ=UTC
F=$MO_ROOT/tests/report/fixtures
CONF=$T/mailorigin.conf; : >"$CONF"; chmod 0644 "$CONF"
rep() { "$CTL_BUILD" -c "$CONF" report "$@"; }

# qmail: year-less syslog lines get the year of the file's time
cp "$F"/qmail-*.log "$T/"; touch -d 2026-12-02 "$T/qmail-syslog.log"
for f in multilog syslog; do
	for b in uid rcpt-domain status sasl; do
		t_is "$(rep --json --by "$b" "$T/qmail-$f.log" 2>"$T/err")" "$(cat "$F/qmail-$f.by-$b.json")" \
			"qmail via $f, by $b: the expected report"
	done
	t_like "$(cat "$T/err")" " 0 unparsable" "qmail via $f: every line parsed"
done
nos() { sed 's/"share":[0-9.]*,//'; }
t_is "$(rep --json --by uid "$T/qmail-multilog.log" 2>/dev/null | nos)" \
	"$(rep --json --by uid "$T/qmail-syslog.log" 2>/dev/null | grep -v '"key":null' | nos)" \
	"qmail: multilog and splogger give the same messages"

# a window: uid 1000 sends all morning, uid 2000 starts at 10:05
L=$T/window.log
{
	i=0
	pf() { printf '%s mx postfix/%s: %s\n' "$1" "$2" "$3"; }
	msg() {   # msg TIME UID N
		local id; id=$(printf 'A%010X' "$i"); i=$((i + 1))
		pf "2026-12-01T$1+00:00" "pickup[1]" "$id: uid=$2 from=<u$2>"
		pf "2026-12-01T$1+00:00" "qmgr[2]" "$id: from=<u$2@mx.example>, size=100, nrcpt=$3 (queue active)"
		for ((r = 0; r < $3; r++)); do
			pf "2026-12-01T$1+00:00" "smtp[3]" "$id: to=<r$r@d$r.example>, relay=x[192.0.2.1]:25, delay=1, delays=0/0/0/1, dsn=2.0.0, status=sent (250 ok)"
		done
		pf "2026-12-01T$1+00:00" "qmgr[2]" "$id: removed"
	}
	for m in 00 10 20 30 40 50; do msg "09:$m:00" 1000 1; done
	msg 10:01:00 1000 1; msg 10:40:00 1000 1
	for s in 10 20 30 40 50; do for m in 05 06 07 08; do msg "10:$m:$s" 2000 2; done; done
} >"$L"
out=$(rep --since "2026-12-01 10:00" --by uid "$L")
t_like "$out" "^22 messages, 42 recipients" "--since: 22 messages in the window"
t_like "$out" "     20      40  90\\.9%  2026-12-01 10:05:10  2026-12-01 10:08:50  2000" "uid 2000 on top"
t_like "$out" "quiet before the window, now among the top: #1 2000 \\(20\\)" "the fresh origin is flagged"
t_unlike "$out" "now among the top:.*1000" "uid 1000, busy before, is not"
t_like "$out" "per 1m from 2026-12-01 10:00:00" "a short window: per minute"
out=$(rep --json --since "2026-12-01 10:00" --until "2026-12-01 10:30" --by uid "$L" 2>/dev/null)
t_like "$out" '"key":1000,"count":1,' "--until: uid 1000 once before 10:30"
t_like "$out" '"key":2000,"count":20,.*"before":0' "uid 2000: 20, none before"
out=$(rep --json --by uid --by rcpt-domain --limit 2 "$L" 2>/dev/null)
t_is "$(wc -l <<<"$out")" 2 "--limit 2: two origins"
t_like "$(head -1 <<<"$out")" '"key":\[2000,"d0.example"\],"count":20,"rcpts":20' \
	"nested by uid > rcpt-domain: one entry per domain"
out=$(rep --by hour "$L")
t_like "$out" "     22      42 .* 2026-12-01 10:00" "by hour: 22 in the hour of 10:00"

# a bounce: the notification's line names the original's ID and the
# bounce's own; the original is one message, the bounce another (sender
# <>), even when the bounce daemon's line is written after the original's
# "removed" (two processes, one log)
B=$T/bounce.log
for order in before after; do
	{
		pf() { printf '2026-12-01T11:00:0%s+00:00 mx postfix/%s: %s\n' "$1" "$2" "$3"; }
		pf 0 "pickup[1]" "C000000001: uid=1000 from=<u1000>"
		pf 0 "qmgr[2]" "C000000001: from=<u1000@mx.example>, size=100, nrcpt=1 (queue active)"
		pf 1 "local[3]" "C000000001: to=<nobody@mx.example>, relay=local, delay=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (unknown user)"
		[ $order = before ] && pf 1 "bounce[4]" "C000000001: sender non-delivery notification: C000000002"
		pf 1 "qmgr[2]" "C000000001: removed"
		[ $order = after ] && pf 1 "bounce[4]" "C000000001: sender non-delivery notification: C000000002"
		pf 2 "qmgr[2]" "C000000002: from=<>, size=200, nrcpt=1 (queue active)"
		pf 2 "local[3]" "C000000002: to=<u1000@mx.example>, relay=local, delay=0, delays=0/0/0/0, dsn=2.0.0, status=sent (delivered to mailbox)"
		pf 2 "qmgr[2]" "C000000002: removed"
	} >"$B"
	out=$(rep --json --by uid "$B" 2>/dev/null)
	t_is "$(wc -l <<<"$out")/$(grep -c '"key":1000,"count":1,' <<<"$out")/$(grep -c '"key":null,"count":1,' <<<"$out")" 2/1/1 \
		"a bounce's line $order the original's removed: the original once (uid 1000), the bounce once (no uid)" ||
		t_diag "$out"
done

# hostile fields
H=$T/hostile.log
{
	printf 'Dec  1 10:00:00 mx postfix/smtpd[1]: B000000001: client=evil[192.0.2.6], sasl_method=PLAIN, sasl_username=a\033[2J\033]0;pwn\007\377\376@x\n'
	printf 'Dec  1 10:00:00 mx postfix/qmgr[2]: B000000001: from=<x@y>, size=1, nrcpt=1 (queue active)\n'
	printf 'Dec  1 10:00:01 mx postfix/qmgr[2]: B000000001: removed\n'
	printf '2026-12-01T10:00:02Z mailorigin[9]: id=0123456789abcdef action=hold uid=1000 user=u vhost=v script="/w/\\x1b[31mred\\xc3.php" rcpts=1\n'
	head -c 100000 /dev/zero | tr '\0' 'x'; echo
	printf 'Dec  1 10:00:03 mx postfix/pickup[1]: B000000002: uid=1000 from=<u>\n'
	printf 'Dec  1 10:00:03 mx postfix/pickup[1]: B000000003: uid=\n'
	printf 'garbage\n\n'
} >"$H"
touch -d 2026-12-02 "$H"
out=$(rep --by sasl --by script "$H" 2>&1)
t_is "$(printf '%s' "$out" | tr -d '\n' | LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f-\xff]')" 0 \
	"table: no control or 8-bit byte reaches the terminal"
t_like "$out" 'a\\x1b\[2J\\x1b\]0;pwn\\x07\\xff\\xfe@x' "table: the SASL name shown escaped"
t_like "$out" '/w/\\x1b\[31mred\\xc3\.php' "table: the script shown escaped"
t_like "$out" " 4 unparsable" "the 100 kB line, the broken pickup line, garbage, an empty line: 4 unparsable"
json=$(rep --json --by sasl --by script --by status "$H" 2>/dev/null)
t_is "$(printf '%s\n' "$json" | php -r 'while (($l = fgets(STDIN)) !== false) { if (json_decode($l) === null) { echo "bad: $l"; } }')" "" \
	"JSON: every line valid"
t_like "$json" '"a\\u001b\[2J\\u001b\]0;pwn\\u0007\\u00ff\\u00fe@x"' "JSON: the SASL name escaped, bytes kept"
t_like "$json" '"held"' "the wrapper's held message counted as held"

# no FILE: the config's log file and /var/log/mail.log (a private /var/log here)
mkdir -p "$T/varlog"; cp "$T/qmail-syslog.log" "$T/varlog/mail.log"; touch -d 2026-12-02 "$T/varlog/mail.log"
mo_bind "$T/varlog" /var/log
printf '2026-12-01T10:00:02Z mailorigin[9]: id=00000000000000aa action=hold uid=1000 user=u rcpts=1\n' >"$T/wrap.log"
printf 'log = { file = "%s"; syslog = false; };\n' "$T/wrap.log" >"$T/with-log.conf"; chmod 0644 "$T/with-log.conf"
out=$("$CTL_BUILD" -c "$T/with-log.conf" report --json --by status 2>/dev/null)
t_like "$out" '"key":"held","count":1,' "default sources: the wrapper's log file"
t_like "$out" '"key":"auth","count":3,' "default sources: /var/log/mail.log"

# usage
rep --by nope "$H" >/dev/null 2>"$T/err"
t_is "$?" 64 "--by nope: EX_USAGE"
t_like "$(cat "$T/err")" "no such key" "--by nope: says why"
rep --since yesterday "$H" >/dev/null 2>&1
t_is "$?" 64 "--since yesterday: EX_USAGE"
rep "$T/nonexistent" >/dev/null 2>"$T/err"
t_is "$?" 66 "a missing file: EX_NOINPUT"
t_done
