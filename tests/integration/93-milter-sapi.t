#!/usr/bin/env bash
# Issue 13: loopback SMTP from PHP workers that are not dumpable, through
# mailorigin-milter inside one real Postfix (smtpd on 127.0.0.1 and, where
# this namespace has it, [::1]).
#  - fd-heavy processes of another uid first in /proc (mo-crowd, 20,000
#    fds each, 500,000 in all), then php-fpm and Apache, the milter's
#    lookup bound short (-t 300): an FPM worker's PHPMailer message over
#    SMTP is still attributed to its pool's user and its script (read from
#    the worker's memory, with the file and line of the send).  The first
#    walk takes the processes whose /proc/PID is the socket owner's: the
#    kernel gives a process's /proc/PID directory (world-readable) its
#    effective uid even when it is not dumpable (only the entries inside,
#    mem, fd, ..., are then root's), so a worker is in that walk and the
#    other uid's fds are never looked at.  Checked here: the worker is not
#    dumpable (mem root's) and its /proc/PID is its user's;
#  - Apache prefork + mod_php (www-data): PHPMailer over SMTP from a
#    request, attributed to www-data and the request's script, and the
#    child's memory read (a mod_php child of a root master: trusted) names
#    the file and line of the send;
#  - IPv6: swaks -6 and PHPMailer (FPM) to [::1] (inet_protocols = all,
#    a [::1]:PORT smtpd): attributed to their uid and script (before:
#    unit tests only).  Skipped, loudly, where ::1 is not on lo here.
# All of these pass on the code before them: coverage, no fix.
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/postfix.sh"
. "$MO_ROOT/tests/lib/php.sh"
. "$MO_ROOT/tests/lib/milter.sh"
mo_begin "$@"
MILTER_BIN=$MO_ROOT/build/mailorigin-milter
[ -x "$MILTER_BIN" ] || mo_skip_all "$MILTER_BIN not built (run make)"
[ -f /usr/share/php/libphp-phpmailer/autoload.php ] || mo_skip_all "libphp-phpmailer not installed"
command -v swaks >/dev/null || mo_skip_all "swaks not installed"
command -v perl >/dev/null || mo_skip_all "perl not installed"
command -v prlimit >/dev/null || mo_skip_all "prlimit (util-linux) not installed"
mo_need_wrapper
pf_start
mo_install_wrapper
php_sites
php_smtp_site a
send_line=$(grep -n -- '->send(); // MO-SEND' "$MO_ROOT/tests/integration/lib/smtp-send.php" | cut -d: -f1)
uid_a=$(mo_uid mo-site-a); uid_www=$(mo_uid www-data)
PORT=$(mo_free_port 10725) || mo_bail "no free port"

# ::1 in this namespace?  (lo up, IPv6 not disabled)
V6=
if [ "$(cat /proc/sys/net/ipv6/conf/lo/disable_ipv6 2>/dev/null)" = 0 ] &&
	ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128'; then
	V6=1
fi

# ---- Postfix: smtpd on 127.0.0.1 (and [::1]), the milter ------------------------------
MS=$T/milter; mkdir -p "$MS"; chmod 755 "$MS"
SOCK=$MS/milter.sock
postconf -e "master_service_disable =" \
	"smtpd_milters = unix:$SOCK" "non_smtpd_milters = unix:$SOCK" \
	"milter_default_action = tempfail" "milter_protocol = 6" \
	"milter_connect_macros = j {daemon_name} {daemon_addr} {daemon_port} v _" \
	"smtpd_recipient_restrictions = permit_mynetworks, reject" \
	"mynetworks = 127.0.0.0/8${V6:+ [::1]/128}" ${V6:+"inet_protocols = all"} || mo_bail "postconf -e failed"
postconf -M# smtp/inet
postconf -Me "127.0.0.1:$PORT/inet=127.0.0.1:$PORT inet n - n - - smtpd" || mo_bail "postconf -Me failed"
[ -n "$V6" ] && { postconf -Me "[::1]:$PORT/inet=[::1]:$PORT inet n - n - - smtpd" || mo_bail "postconf -Me [::1] failed"; }
milter_conf ""
# a short lookup bound (the milter's -t): a walk over 500,000 fds takes
# longer; the socket owner's processes alone, a few ms
MILTER_ARGS="-t 300" milter_start
postfix reload >/dev/null 2>&1 || mo_bail "postfix reload failed"
listening() {  # listening FILE HEXADDR: the smtpd's socket in /proc/net/FILE
	awk 'FNR > 1 && $4 == "0A" { print $2 }' "/proc/net/$1" |
		grep -qix "$2:$(printf '%04X' "$PORT")"
}
for i in $(seq 100); do
	listening tcp 0100007F && { [ -z "$V6" ] || listening tcp6 00000000000000000000000001000000; } && break
	sleep 0.1
done
listening tcp 0100007F || mo_bail "smtpd not listening on 127.0.0.1:$PORT" "$(tail -5 "$PF/maillog")"

# ---- fd-heavy processes of mo-crowd, before the PHP workers in /proc -------------------
F=$T/fake; mkdir -p "$F/run"; chmod 777 "$F/run"
NOFILE=$(ulimit -Hn)
[ "$NOFILE" = unlimited ] && NOFILE=1048576
[ "$NOFILE" -gt 20010 ] && NOFILE=20010
NMANY=$(( (500000 + NOFILE - 11) / (NOFILE - 10) ))
MANY=
for i in $(seq "$NMANY"); do
	prlimit --nofile="$NOFILE:$NOFILE" setpriv --reuid=mo-crowd --regid=mo-crowd --init-groups \
		perl -e 'use POSIX; my ($ready, $n) = @ARGV;
		open(my $null, "<", "/dev/null") or die; my $fd = fileno($null);
		for (1 .. $n) { defined(POSIX::dup($fd)) or die "dup: $!" }
		open(my $r, ">", $ready) or die; close $r; sleep 100000' "$F/run/many.$i" "$((NOFILE - 10))" &
	MANY="$MANY $!"
done
mo_atexit "kill $MANY"
FIRST=${MANY# }; FIRST=${FIRST%% *}
fpm_start "$W -t -i"
apache_start "$W -t -i"
for i in $(seq 600); do [ "$(ls "$F/run" | grep -c '^many\.')" -ge "$NMANY" ] && break; sleep 0.1; done
n=0; for p in $MANY; do n=$((n + $(ls "/proc/$p/fd" 2>/dev/null | wc -l))); done
t_ok "$([ "$n" -ge 500000 ]; echo $?)" "$NMANY processes of mo-crowd hold 500,000 fds ($n)"
wk=$(pgrep -u mo-site-a -P "$FPM_PID" | head -1)
wo=$(stat -c %u "/proc/${wk:-0}" 2>/dev/null)/$(stat -c %u "/proc/${wk:-0}/mem" 2>/dev/null)
t_ok "$([ -n "$wk" ] && [ "$wk" -gt "$FIRST" ]; echo $?)" "site-a's FPM worker (${wk:-none}) comes after them (from $FIRST) in /proc"
t_is "$wo" "$uid_a/0" "the worker is not dumpable (its mem root's), its /proc/PID its user's (what the first walk keys on)"

delivered() { grep -l -a -E "^Delivered-To: mo-rcpt\+$1@" "$PF_MAIL"/mo-rcpt/new/* 2>/dev/null | wc -l; }
SCRIPT_A="$MO_WWW/site-a/smtp.php; source=memory; at=$MO_WWW/site-a/lib/smtp-send.php:$send_line"

# ---- php-fpm behind the fd-heavy processes -------------------------------------------
out=$(fpm_get site-a smtp.php "port=$PORT&to=$(urlenc "$(pf_addr fpm)")&from=$(urlenc a@test.invalid)")
t_is "$out" "sent=1" "fpm: PHPMailer over SMTP sends"
if f=$(pf_wait fpm 10); then
	t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid_a (mo-site-a)" "fpm: Uid is the pool's user"
	t_is "$(hdr "$f" X-Mailorigin-Script)" "$SCRIPT_A" \
		"fpm, 500,000 fds of another uid ahead in /proc: the script and line from the worker's memory"
	L=$(mo_log_line "$(hdr "$f" X-Mailorigin-Id)")
	t_is "$(lf "$L" uid)/$(lf "$L" sapi)/$(lf "$L" pool)/$(lf "$L" fault)" "$uid_a/fpm/site-a/" \
		"fpm: log uid, sapi=fpm, pool=site-a, no fault (no \"no process found in time\")"
else
	t_ok 1 "fpm: delivered"; t_ok 1 "fpm: script"; t_ok 1 "fpm: log"
	t_diag "$(pf_why fpm)" "$(tail -3 "$MO_LOG")" "$(cat "$MS/out")"
fi

# ---- Apache prefork + mod_php ---------------------------------------------------------
for c in modphp modphp2; do   # the second: served from opcache, the ELF symbols known
	out=$(apache_get "site-a/smtp.php?port=$PORT&to=$(urlenc "$(pf_addr $c)")&from=$(urlenc m@test.invalid)")
	t_is "$out" "sent=1" "$c: PHPMailer over SMTP from mod_php sends"
	if f=$(pf_wait $c 10); then
		t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid_www (www-data)" "$c: Uid is Apache's user (www-data)"
		t_is "$(hdr "$f" X-Mailorigin-Script)" "$SCRIPT_A" \
			"$c: the request's script, and the file and line of the send from the child's memory"
		L=$(mo_log_line "$(hdr "$f" X-Mailorigin-Id)")
		t_is "$(lf "$L" uid)/$(lf "$L" sapi)/$(lf "$L" memory)/$(lf "$L" fault)" "$uid_www/httpd/read/" \
			"$c: log uid www-data, sapi=httpd, memory=read, no fault"
		t_is "$(lf "$L" file):$(lf "$L" line):$(lf "$L" function)" "$MO_WWW/site-a/lib/smtp-send.php:$send_line:mo_smtp_send" \
			"$c: log file= line= function= of the send()"
	else
		t_ok 1 "$c: delivered"; t_ok 1 "$c: script"; t_ok 1 "$c: log"; t_ok 1 "$c: file:line"
		t_diag "$(pf_why $c)" "$(tail -3 "$MO_LOG")" "$(tail -3 "$AP/error.log")"
	fi
done
kill $MANY 2>/dev/null

# ---- IPv6: [::1] -----------------------------------------------------------------------
if [ -z "$V6" ]; then
	for d in "ipv6: swaks -6 to [::1] attributed" "ipv6: its log line" "ipv6: PHPMailer (fpm) to [::1] sends" \
		"ipv6: PHPMailer attributed to its uid and script"; do
		t_skip "$d" "no ::1 on lo in this network namespace"
	done
elif ! listening tcp6 00000000000000000000000001000000; then
	mo_bail "smtpd not listening on [::1]:$PORT" "$(tail -5 "$PF/maillog")"
else
	mo_as mo-site-a swaks -6 --server ::1 --port "$PORT" --from a@test.invalid --to "$(pf_addr v6-swaks)" \
		--header "Subject: v6-swaks" --body v6 >"$T/swaks-v6.out" 2>&1
	if f=$(pf_wait v6-swaks 10); then
		t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid_a (mo-site-a)" "ipv6: swaks -6 to [::1] as mo-site-a: stamped with its uid"
		L=$(mo_log_line "$(hdr "$f" X-Mailorigin-Id)")
		t_like "$(lf "$L" uid)/$(lf "$L" lookup)/$(lf "$L" client)/$(lf "$L" fault)" \
			"^$uid_a/netlink-exact/::1:[0-9]+/\$" "ipv6: log uid, found by the exact lookup, client=::1:PORT, no fault"
	else
		t_ok 1 "ipv6: swaks -6 delivered"; t_ok 1 "ipv6: its log line"
		t_diag "$(pf_why v6-swaks)" "$(tail -5 "$T/swaks-v6.out")" "$(tail -2 "$MO_LOG")"
	fi
	out=$(fpm_get site-a smtp.php "host=$(urlenc '[::1]')&port=$PORT&to=$(urlenc "$(pf_addr v6-fpm)")")
	t_is "$out" "sent=1" "ipv6: PHPMailer (fpm) to [::1] sends"
	if f=$(pf_wait v6-fpm 10); then
		t_is "$(hdr "$f" X-Mailorigin-Uid) | $(hdr "$f" X-Mailorigin-Script)" "$uid_a (mo-site-a) | $SCRIPT_A" \
			"ipv6: PHPMailer attributed to its uid and script (the line from memory)"
	else
		t_ok 1 "ipv6: PHPMailer delivered"; t_diag "$(pf_why v6-fpm)" "$(tail -2 "$MO_LOG")"
	fi
fi

t_done
