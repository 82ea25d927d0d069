#!/usr/bin/env bash
# Issue 13, part 3: mailorigin-qmail-queue, qmail's QMAILQUEUE front end.
# No qmail package exists for Debian: a recording stand-in for qmail-queue
# checks qmail-queue(8)'s interface byte for byte (the message on fd 0, the
# envelope on fd 1) and its exit code is the caller's; qmail-inject beside
# it takes the releases.  The callers are who qmail runs it as: the SMTP
# user (qmaild; mo-rcpt here) with tcpserver's TCPREMOTEIP/TCPREMOTEPORT
# and an AUTH patch's variables, and a local user (qmail-inject).  A
# loopback client is a real PHP process holding a real TCP connection; the
# milter daemon's lookup socket names it.
# its own network namespace: 10.213.0.1 on lo, an address of this machine
# outside 127/8 (as eth0's would be)
MO_NETNS=1
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/php.sh"
mo_begin "$@"
QQ_BUILD=$MO_ROOT/build/mailorigin-qmail-queue
MILTER_BIN=$MO_ROOT/build/mailorigin-milter
CTL_BUILD=$MO_ROOT/build/mailoriginctl
for b in "$QQ_BUILD" "$MILTER_BIN" "$CTL_BUILD"; do
	[ -x "$b" ] || mo_skip_all "$b not built (run make)"
done
getent passwd postfix >/dev/null || mo_skip_all "no user postfix (the milter's socket owner)"
mo_install_wrapper
php_sites
QQ=$T/bin/mailorigin-qmail-queue
install -o root -g mailorigin -m 2755 "$QQ_BUILD" "$QQ"
Q=$T/qmail/bin
QI=$(mo_recorder "$Q" qmail-inject)
install -m 0755 "$QI" "$Q/qmail-queue"
uid_a=$(mo_uid mo-site-a); uid_b=$(mo_uid mo-site-b); uid_r=$(mo_uid mo-rcpt)
gid_r=$(mo_gid mo-rcpt)
MS=$T/milter; mkdir -p "$MS"; chmod 755 "$MS"
LOOKUP=$MS/lookup.sock

# qq_conf [EXTRA]: qmail, the stand-ins, mo-rcpt as the SMTP user, EXTRA appended
qq_conf() {
	mo_conf qmail "$QI"
	sed -i "s|^mta = .*|mta = { type = \"qmail\"; path = \"$QI\"; queue = \"$Q/qmail-queue\"; smtpd_user = \"mo-rcpt\"; lookup = \"$LOOKUP\";${QQ_MTA_EXTRA:-} };|" \
		"$MO_ETC/mailorigin.conf"
	printf '%s\n' "${1:-}" >>"$MO_ETC/mailorigin.conf"
}
qq_conf

M=$T/msg; mkdir -p "$M"; chmod 755 "$M"
W8i=$T/inj-env; mkdir -p "$W8i"; chmod 777 "$W8i"
# what qmail-smtpd hands over: its Received line on top, LF line ends
printf 'Received: (qmail 4242 invoked from network); 1 Dec 2026 23:00:00 -0000\nFrom: a@test.invalid\nTo: x@test.invalid\nSubject: qq\nX-Mailorigin-Uid: 0 (root)\nx-mailorigin-script: /forged.php\n\nbody line\n.leading dot\n' >"$M/forged.eml"
printf 'From: a@test.invalid\nTo: x@test.invalid\nSubject: plain\n\nbody\n' >"$M/plain.eml"
printf 'Fs@test.invalid\0Tx@test.invalid\0Ty@test.invalid\0\0' >"$M/env"
printf 'F\0Tbounce@test.invalid\0\0' >"$M/env-null"
chmod 644 "$M"/*

# qq LABEL USER MSG ENV [VAR=value...]: run the front end as USER, message
# on fd 0, envelope on fd 1; RC is its exit code
qq() {
	local l=$1 u=$2 msg=$3 env=$4; shift 4
	rec_reset "$Q"
	[ -z "${QQ_EXIT:-}" ] || echo "$QQ_EXIT" >"$Q/exitcode"
	(cd "$MO_WWW/site-a" && mo_as "$u" "$@" "$QQ" <"$msg" 1<"$env") 2>"$T/err"
	RC=$?
}
ran() { [ -f "$Q/ran" ]; }
stamp_id() { sed -n 's/^X-Mailorigin-Id: //p' "$Q/stdin" | head -1; }

# ---- a local user through qmail-inject: uid, the process chain --------------
n0=$(mo_log_count)
qq "local" mo-site-a "$M/forged.eml" "$M/env"
t_is "$RC" 0 "local: exit 0" || t_diag "$(cat "$T/err")"
ran; t_ok $? "local: the real qmail-queue ran"
t_like "$(head -z -n 1 "$Q/argv" | tr -d '\0')" "^$Q/qmail-queue\$" "local: argv[0] is the real qmail-queue"
cmp -s "$M/env" "$Q/fd1"; t_ok $? "local: fd 1 is the envelope, byte for byte" || t_diag "$(od -c "$Q/fd1" | head)"
mo_check_stamp "$Q/stdin" "local" "" "$uid_a" mo-site-a "$MO_WWW/site-a" "~; source=" site-a
grep -v -i '^x-mailorigin-' "$M/forged.eml" >"$T/want"
strip_ours "$Q/stdin" >"$T/got"
cmp -s "$T/want" "$T/got"; t_ok $? "local: fd 0 is the message byte for byte below our headers, forged ones removed" ||
	t_diag "$(diff "$T/want" "$T/got")"
t_is "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "$Q/status")" "$(mo_gid mo-site-a) $(mo_gid mo-site-a) $(mo_gid mo-site-a) $(mo_gid mo-site-a)" "local: group mailorigin dropped"
mo_check_log "$MO_ID" "local" action=pass path=qmail-queue uid="$uid_a" forged=2 rcpts=2 \
	from=s@test.invalid mta="$Q/qmail-queue" owner="$uid_a"

# the SMTP user's TCP* variables are not believed from anyone else
qq "local, claimed TCP" mo-site-a "$M/plain.eml" "$M/env" TCPREMOTEIP=192.0.2.9 TCPREMOTEPORT=4000 TCPREMOTEINFO=alice
t_is "$(hdr "$Q/stdin" X-Mailorigin-Uid)" "$uid_a (mo-site-a)" "local with TCPREMOTEIP: still the caller's uid"
mo_check_log "$(stamp_id)" "local with TCPREMOTEIP" path=qmail-queue sasl= client=local

# PHP mail() through qmail-inject (a stand-in that runs the QMAILQUEUE
# program as qmail-inject does): the script above qmail-inject
mkdir -p "$T/inj"; chmod 755 "$T/inj"
cat >"$T/inj/qmail-inject" <<EOF
#!/bin/bash
printf 'Fphp@test.invalid\0Tx@test.invalid\0\0' >"$W8i/env.\$\$"
"$QQ" 1<"$W8i/env.\$\$"
rc=\$?; rm -f "$W8i/env.\$\$"; exit \$rc
EOF
chmod 755 "$T/inj/qmail-inject"
rec_reset "$Q"
php_cli mo-site-a "$MO_WWW/site-a" "$T/inj/qmail-inject" send.php --to=x@test.invalid --subject=inject >"$T/php.out" 2>&1
t_like "$(cat "$T/php.out")" "mail=1" "mail() via qmail-inject: mail() returns true" || t_diag "$(cat "$T/php.out")"
mo_check_stamp "$Q/stdin" "mail() via qmail-inject" "" "$uid_a" mo-site-a "$MO_WWW/site-a" \
	"$MO_WWW/site-a/send.php; source=php-cli-argv; claimed" site-a
mo_check_log "$MO_ID" "mail() via qmail-inject" sapi=cli path=qmail-queue from=php@test.invalid

# ---- SMTP from elsewhere, not authenticated: inbound --------------------------
n1=$(mo_log_count)
qq "inbound" mo-rcpt "$M/forged.eml" "$M/env" TCPREMOTEIP=192.0.2.7 TCPREMOTEPORT=40000
t_is "$RC" 0 "inbound: exit 0"
cmp -s "$T/want" "$Q/stdin"; t_ok $? "inbound: not stamped, forged headers removed, the rest byte for byte"
cmp -s "$M/env" "$Q/fd1"; t_ok $? "inbound: envelope byte for byte"
t_is "$(mo_log_count)" "$n1" "inbound: not logged (not ours to count)"

# ---- TCPREMOTEINFO: tcpserver's ident answer unless -R; believed only on opt-in -----
n1=$(mo_log_count)
qq "remoteinfo off" mo-rcpt "$M/forged.eml" "$M/env" TCPREMOTEIP=192.0.2.7 TCPREMOTEPORT=40001 TCPREMOTEINFO=alice
t_is "$RC" 0 "TCPREMOTEINFO by default: exit 0"
cmp -s "$T/want" "$Q/stdin"; t_ok $? "TCPREMOTEINFO by default: not the AUTH user (an ident answer): inbound, not stamped"
t_is "$(mo_log_count)" "$n1" "TCPREMOTEINFO by default: not logged, nobody's limit counted"

# ---- SMTP AUTH: the patch's user, limited per SASL user -----------------------
QQ_MTA_EXTRA=" remoteinfo_is_auth = true;"
qq_conf 'limits = ( { match = "sasl:alice"; messages = [ "2/1d" ]; } );'
for i in 1 2 3; do
	qq "auth $i" mo-rcpt "$M/plain.eml" "$M/env" TCPREMOTEIP=198.51.100.4 TCPREMOTEPORT=5000$i TCPREMOTEINFO=alice
	eval "rc_$i=$RC ran_$i=$(ran && echo 1 || echo 0)"
done
t_is "$rc_1 $rc_2 $rc_3" "0 0 0" "auth: exit 0 three times"
t_is "$ran_1 $ran_2 $ran_3" "1 1 0" "auth: 2 queued, the 3rd not (limit sasl:alice 2/1d)"
line=$(grep -a 'action=hold' "$MO_LOG" | grep -a 'sasl=alice' | tail -1)
HID=$(lf "$line" id)
t_like "$HID" '^[0-9a-f]{16}$' "auth: a hold line"
t_is "$(lf "$line" rule)" "sasl:alice" "auth: held by rule sasl:alice"
t_is "$(lf "$line" uid)" "" "auth: no uid"
t_is "$(lf "$line" owner)" "$uid_r" "auth: owned by the SMTP user"
t_is "$(lf "$line" client)" "198.51.100.4:50003" "auth: client"
[ -f "$MO_STATE/hold/$HID/message" ]; t_ok $? "auth: the message is in hold/"
t_is "$(stat -c %u "$MO_STATE/hold/$HID")" "$uid_r" "auth: the hold is the SMTP user's"
t_is "$(hdr "$MO_STATE/hold/$HID/message" X-Mailorigin-Uid)" "none (sasl alice)" "auth: stamped Uid none (sasl alice)"
# SMTPAUTHUSER (s/qmail, spamcontrol) comes before TCPREMOTEINFO (an ident answer without -R)
qq "SMTPAUTHUSER" mo-rcpt "$M/plain.eml" "$M/env" TCPREMOTEIP=198.51.100.4 TCPREMOTEPORT=50009 SMTPAUTHUSER=bob TCPREMOTEINFO=alice
t_is "$RC" 0 "SMTPAUTHUSER: exit 0"
t_is "$(hdr "$Q/stdin" X-Mailorigin-Uid)" "none (sasl bob)" "SMTPAUTHUSER: the user is bob"

cp "$MO_STATE/hold/$HID/message" "$T/held.eml"
# release: through qmail-inject, as the hold's owner, the envelope as argv
"$CTL_BUILD" hold release "$HID" >"$T/rel.out" 2>&1
t_is "$?" 0 "auth: hold release exit 0" || t_diag "$(cat "$T/rel.out")"
t_is "$(rec_argv_q "$Q" | sed 's/^\[[^]]*\]//')" "[-a][-f][s@test.invalid][--][x@test.invalid][y@test.invalid]" "release: qmail-inject -a -f SENDER -- RECIPIENTS"
t_is "$(awk '/^Uid:/ { print $2 }' "$Q/status")" "$uid_r" "release: run as the hold's owner"
cmp -s "$T/held.eml" "$Q/stdin"; t_ok $? "release: the held message, stamped, byte for byte"
strip_ours "$T/held.eml" >"$T/got"; cmp -s "$M/plain.eml" "$T/got"; t_ok $? "release: below our headers, the message as it came"
[ ! -e "$MO_STATE/hold/$HID" ]; t_ok $? "release: gone from hold/"

# ---- limits of a local uid: hold, tempfail (71), reject (31) ------------------
qq_conf "limits = ( { match = \"uid:$uid_a\"; messages = [ \"1/1d\" ]; } );"
qq "uid 1" mo-site-a "$M/plain.eml" "$M/env-null"
t_is "$RC" 0 "uid limit: 1st exit 0"
cmp -s "$M/env-null" "$Q/fd1"; t_ok $? "null sender: envelope byte for byte"
qq "uid 2" mo-site-a "$M/plain.eml" "$M/env"
t_is "$RC:$(ran && echo ran)" "0:" "uid limit: 2nd held (exit 0, qmail-queue not run)"
qq_conf "limits = ( { match = \"uid:$uid_a\"; messages = [ \"1/1d\" ]; } ); on_limit = \"tempfail\";"
qq "tempfail" mo-site-a "$M/plain.eml" "$M/env"
t_is "$RC:$(ran && echo ran)" "71:" "on_limit tempfail: exit 71 (temporarily refused)"
qq_conf "limits = ( { match = \"uid:$uid_a\"; messages = [ \"1/1d\" ]; } ); on_limit = \"reject\";"
qq "reject" mo-site-a "$M/plain.eml" "$M/env"
t_is "$RC:$(ran && echo ran)" "31:" "on_limit reject: exit 31 (permanently refused)"
t_like "$(tail -1 "$MO_LOG")" "action=reject " "reject: logged"

# the store's lock held for long (the caller's own wrapper, stopped): the
# caller brought the fault about, so it holds even under fail = "open", as
# the wrapper does (before, the front end passed it unlimited)
qq_conf "limits = ( { match = \"uid:$uid_a\"; messages = [ \"1/1d\" ]; } ); fail = \"open\";"
( exec 9<>"$MO_STATE/limits.db" && flock 9 && : >"$T/locked" && exec sleep 600 ) &
locker=$!
mo_atexit "kill $locker"
for i in $(seq 3000); do [ -e "$T/locked" ] && break; sleep 0.1; done
h0=$(ls "$MO_STATE/hold" | wc -l)
qq "locked" mo-site-a "$M/plain.eml" "$M/env"
t_is "$RC:$(ran && echo ran):$(ls "$MO_STATE/hold" | wc -l)" "0::$((h0 + 1))" \
	"lock held by a stopped caller, fail = open: held, qmail-queue not run" || t_diag "$(cat "$T/err")"
t_like "$(tail -1 "$MO_LOG")" 'action=hold .*fault="limit store limits.db: Connection timed out; holding".* rule=fault' \
	"lock held, fail = open: the fault is logged, rule=fault"
kill "$locker" 2>/dev/null; wait "$locker" 2>/dev/null
qq_conf

# ---- hostile or broken input: qmail-queue's codes, nothing run ----------------
printf 'Xs@test.invalid\0\0' >"$M/env-bad"; printf 'Fs@test.invalid\0Tx@test' >"$M/env-cut"
printf 'Fs@test.invalid\0Tx@test.invalid\0\0junk' >"$M/env-junk"
{ printf 'Fs@test.invalid\0T'; head -c 5000 /dev/zero | tr '\0' a; printf '\0\0'; } >"$M/env-long"
chmod 644 "$M"/env-*
qq "bad envelope" mo-site-a "$M/plain.eml" "$M/env-bad"
t_is "$RC:$(ran && echo ran)" "91:" "envelope not starting with F: exit 91"
qq "cut envelope" mo-site-a "$M/plain.eml" "$M/env-cut"
t_is "$RC:$(ran && echo ran)" "91:" "envelope cut short: exit 91"
qq "junk after the envelope" mo-site-a "$M/plain.eml" "$M/env-junk"
t_is "$RC:$(ran && echo ran)" "91:" "bytes after the envelope's end: exit 91"
qq "long address" mo-site-a "$M/plain.eml" "$M/env-long"
t_is "$RC:$(ran && echo ran)" "11:" "a 5000-byte address: exit 11"

# the real qmail-queue exits 53: that is the caller's status
QQ_EXIT=53 qq "exit 53" mo-site-a "$M/plain.eml" "$M/env"
t_is "$RC" 53 "qmail-queue's exit code is the caller's"
rm -f "$Q/exitcode"
# missing, or the front end itself: held, exit 0
sed -i "s|queue = \"$Q/qmail-queue\"|queue = \"$Q/missing\"|" "$MO_ETC/mailorigin.conf"
n2=$(ls "$MO_STATE/hold" | wc -l)
qq "missing" mo-site-a "$M/plain.eml" "$M/env"
t_is "$RC:$(ls "$MO_STATE/hold" | wc -l)" "0:$((n2 + 1))" "qmail-queue missing: held, exit 0"
t_like "$(tail -1 "$MO_LOG")" "action=hold .*mta_status=\"No such file or directory\"" "missing: logged"
sed -i "s|queue = \"$Q/missing\"|queue = \"$QQ\"|" "$MO_ETC/mailorigin.conf"
qq "self" mo-site-a "$M/plain.eml" "$M/env"
t_is "$RC:$(ls "$MO_STATE/hold" | wc -l)" "0:$((n2 + 2))" "mta.queue is the front end itself: held, no loop"
qq_conf

# ---- the caller's resource limits: refused for now (71) before anything is
# accepted, as the wrapper does; nothing run, logged or held half-way
{ printf 'From: a@test.invalid\nTo: x@test.invalid\nSubject: big\n\n'; head -c 6000 /dev/zero | tr '\0' b | fold -w 70; } >"$M/big.eml"
chmod 644 "$M/big.eml"
rlimit_case() {   # rlimit_case LABEL PRLIMIT-ARG
	local n0 h0; n0=$(mo_log_count); h0=$(ls "$MO_STATE/hold" | wc -l)
	qq "$1" mo-site-a "$M/big.eml" "$M/env" prlimit "$2"
	t_is "$RC:$(ran && echo ran)" "71:" "$1: exit 71 (temporarily refused), qmail-queue not run" || t_diag "$(cat "$T/err")"
	t_is "$(mo_log_count):$(ls "$MO_STATE/hold" | wc -l)" "$n0:$h0" "$1: no message line, nothing held"
}
rlimit_case "RLIMIT_FSIZE 1000" --fsize=1000:1000
rlimit_case "RLIMIT_NOFILE 6" --nofile=6:6
rlimit_case "RLIMIT_AS 50 MB" --as=50000000:50000000
qq_conf "limits = ( { match = \"uid:$uid_a\"; messages = [ \"1/1d\" ]; } );"
rlimit_case "over the limit, RLIMIT_FSIZE 1000" --fsize=1000:1000
rlimit_case "over the limit, RLIMIT_NOFILE 6" --nofile=6:6
qq "over the limit, no prlimit" mo-site-a "$M/big.eml" "$M/env"
t_is "$RC:$(ran && echo ran)" "0:" "over the limit without a low limit: held (control)"
qq_conf

# ---- a loopback SMTP client: a PHP process holding a TCP connection ----------
LPORT=$(mo_free_port 10725)
cat >"$T/listen.php" <<'PHP'
<?php
$s = stream_socket_server("tcp://" . ($argv[4] ?? "127.0.0.1") . ":" . $argv[1], $e, $es);
file_put_contents($argv[2], "up");
$c = stream_socket_accept($s, 60);
while (!file_exists($argv[3])) usleep(20000);
PHP
install -o mo-site-b -g mo-site-b -m 644 /dev/null "$MO_WWW/site-b/client.php"
cat >"$MO_WWW/site-b/client.php" <<'PHP'
<?php
$c = stream_socket_client("tcp://" . ($argv[4] ?? "127.0.0.1") . ":" . $argv[1], $e, $es, 10);
$n = stream_socket_get_name($c, false);
file_put_contents($argv[2], substr($n, strrpos($n, ':') + 1));
while (!file_exists($argv[3])) usleep(20000);
PHP
chmod 644 "$MO_WWW/site-b/client.php"
W8=$T/w8; mkdir -p "$W8"; chmod 777 "$W8"
php -n "$T/listen.php" "$LPORT" "$W8/up" "$W8/done" &
LPID=$!
mo_atexit 'touch "$W8/done"; kill $LPID $CPID 2>/dev/null; wait $LPID $CPID 2>/dev/null'
for i in $(seq 100); do [ -f "$W8/up" ] && break; sleep 0.05; done
(cd "$MO_WWW/site-b" && mo_as mo-site-b php -n client.php "$LPORT" "$W8/port" "$W8/done") &
CPID=$!
for i in $(seq 200); do [ -s "$W8/port" ] && break; sleep 0.05; done
CPORT=$(cat "$W8/port" 2>/dev/null)
t_like "$CPORT" '^[0-9]+$' "loopback: the PHP client is connected (port $CPORT)"

# without the milter daemon: the socket's uid from /proc/net/tcp, a fault logged
qq "no daemon" mo-rcpt "$M/plain.eml" "$M/env" TCPREMOTEIP=127.0.0.1 TCPREMOTEPORT="$CPORT"
t_is "$RC" 0 "no daemon: exit 0"
t_is "$(hdr "$Q/stdin" X-Mailorigin-Uid)" "$uid_b (mo-site-b)" "no daemon: the socket's owner from /proc/net/tcp"
t_is "$(hdr "$Q/stdin" X-Mailorigin-Script)" "; source=socket" "no daemon: no script (no process)"
mo_check_log "$(stamp_id)" "no daemon" path=smtp client="127.0.0.1:$CPORT" uid="$uid_b" "fault~lookup .*$LOOKUP"

# with it: the process and the script
"$MILTER_BIN" -c "$MO_ETC/mailorigin.conf" -s "$MS/milter.sock" -u postfix -l "$LOOKUP" -L mo-rcpt -P "25,$LPORT" \
	-p "$MS/pid" --foreground >>"$MS/out" 2>&1 &
MILTER_PID=$!
mo_atexit 'kill $MILTER_PID 2>/dev/null; wait $MILTER_PID 2>/dev/null'
for i in $(seq 100); do [ -S "$LOOKUP" ] && [ -s "$MS/pid" ] && break; sleep 0.05; done
t_is "$(stat -c '%U %a' "$LOOKUP" 2>/dev/null)" "mo-rcpt 600" "lookup socket: the SMTP user's alone, 0600"
# four askers that connect and send nothing: they hold a slot each, not
# the socket (before: one at a time, 2 s each, past the front end's 3 s)
for i in 1 2 3 4; do
	mo_as mo-rcpt php -n -r '$s = stream_socket_client("unix://" . $argv[1]); file_put_contents($argv[2], "in");
		while (!file_exists($argv[3])) usleep(20000);' "$LOOKUP" "$W8/slow$i" "$W8/done" &
	SLOW_PIDS="${SLOW_PIDS:-} $!"
	for j in $(seq 100); do [ -f "$W8/slow$i" ] && break; sleep 0.05; done
done
mo_atexit 'kill $SLOW_PIDS 2>/dev/null'
qq "lookup" mo-rcpt "$M/plain.eml" "$M/env" TCPREMOTEIP=127.0.0.1 TCPREMOTEPORT="$CPORT" \
	TCPLOCALIP=127.0.0.1 TCPLOCALPORT="$LPORT"
t_is "$RC" 0 "lookup: exit 0" || t_diag "$(cat "$MS/out")"
mo_check_stamp "$Q/stdin" "lookup" "" "$uid_b" mo-site-b "$MO_WWW/site-b" \
	"$MO_WWW/site-b/client.php; source=php-cli-argv; claimed" site-b
mo_check_log "$MO_ID" "lookup" path=smtp client="127.0.0.1:$CPORT" uid="$uid_b" sapi=cli \
	script="$MO_WWW/site-b/client.php" owner="$uid_r"
t_is "$(lf "$MO_LINE" fault)" "" "lookup: no fault"
cmp -s "$M/env" "$Q/fd1"; t_ok $? "lookup: envelope byte for byte"
t_is "$(ls "$W8" | grep -c '^slow')" 4 "lookup: answered while 4 silent askers hold their connections"
# a dual-stack tcpserver (an IPv6 socket) shows the IPv4 client as
# ::ffff:127.0.0.1 (review S3-13: nobody found before, the answer's family
# being the client socket's AF_INET)
qq "v4-mapped" mo-rcpt "$M/plain.eml" "$M/env" TCPREMOTEIP=::ffff:127.0.0.1 TCPREMOTEPORT="$CPORT" \
	TCPLOCALIP=::ffff:127.0.0.1 TCPLOCALPORT="$LPORT"
t_is "$RC:$(ran && echo ran)" "0:ran" "v4-mapped TCPREMOTEIP: queued"
t_is "$(hdr "$Q/stdin" X-Mailorigin-Uid)" "$uid_b (mo-site-b)" "v4-mapped TCPREMOTEIP: the IPv4 client's uid"
t_is "$(lf "$(tail -1 "$MO_LOG")" fault)" "" "v4-mapped TCPREMOTEIP: no fault"
# what the lookup answers about: connections to an SMTP port of ours (-P)
ask() { mo_as mo-rcpt php -n -r '$s = stream_socket_client("unix://" . $argv[1]); fwrite($s, $argv[2] . "\n");
	echo fgets($s);' "$LOOKUP" "$1"; }
t_like "$(ask "127.0.0.1 $CPORT 127.0.0.1 $LPORT")" "^status=ok uid=$uid_b " "lookup socket: a connection to an SMTP port of ours: answered"
t_like "$(ask "127.0.0.1 $CPORT")" '^status=none reason="?no server end' "lookup socket: the client's end alone: refused"
ANY=$(mo_free_port 10825)
php -n "$T/listen.php" "$ANY" "$W8/up2" "$W8/done" & mo_atexit "kill $! 2>/dev/null"
for i in $(seq 100); do [ -f "$W8/up2" ] && break; sleep 0.05; done
(cd "$MO_WWW/site-b" && mo_as mo-site-b php -n client.php "$ANY" "$W8/port2" "$W8/done") & mo_atexit "kill $! 2>/dev/null"
for i in $(seq 200); do [ -s "$W8/port2" ] && break; sleep 0.05; done
t_like "$(ask "127.0.0.1 $(cat "$W8/port2") 127.0.0.1 $ANY")" '^status=none reason="?not a connection to an SMTP port' \
	"lookup socket: a loopback connection to another port: refused"
# another uid may not ask
mo_as mo-site-a php -n -r '$s = @stream_socket_client("unix://" . $argv[1]); echo $s ? "connected" : "refused";' "$LOOKUP" >"$T/other" 2>&1
t_is "$(cat "$T/other")" "refused" "lookup socket: another uid cannot connect"
# a socket that does not exist (a client that closed before the lookup):
# under fail = "open" too, held, as the wrapper holds a fault its caller
# can bring about (before: passed unlimited), and released as any hold
qq_conf 'fail = "open";'
n2=$(ls "$MO_STATE/hold" | wc -l)
qq "gone" mo-rcpt "$M/plain.eml" "$M/env" TCPREMOTEIP=127.0.0.1 TCPREMOTEPORT=1
t_is "$RC:$(ran && echo ran):$(ls "$MO_STATE/hold" | wc -l)" "0::$((n2 + 1))" "no such socket, fail = open: held (exit 0), qmail-queue not run"
L=$(tail -1 "$MO_LOG")
t_like "$(lf "$L" fault)" "^client 127.0.0.1:1: an address of this machine, no such socket" "no such socket: the fault is logged"
t_like "$(lf "$L" fault)" "no sender found \\(a fault the client can bring about\\): holding" "no such socket: fault= says why it holds"
t_is "$(lf "$L" action)/$(lf "$L" rule)" "hold/fault" "no such socket, fail = open: action=hold rule=fault"
GID=$(lf "$L" id)
cp "$MO_STATE/hold/$GID/message" "$T/held-gone.eml" 2>/dev/null
rec_reset "$Q"
"$CTL_BUILD" hold release "$GID" >"$T/rel-gone.out" 2>&1
t_is "$?" 0 "no such socket: hold release exit 0" || t_diag "$(cat "$T/rel-gone.out")"
cmp -s "$T/held-gone.eml" "$Q/stdin"; t_ok $? "no such socket: released through qmail-inject, the held message byte for byte"
# the same under fail = "closed": held, not passed (nobody found is a
# fault, not inbound mail)
qq_conf 'fail = "closed";'
n2=$(ls "$MO_STATE/hold" | wc -l)
qq "gone, fail closed" mo-rcpt "$M/plain.eml" "$M/env" TCPREMOTEIP=127.0.0.1 TCPREMOTEPORT=1
t_is "$RC:$(ran && echo ran):$(ls "$MO_STATE/hold" | wc -l)" "0::$((n2 + 1))" "no such socket, fail = closed: held, qmail-queue not run"
t_like "$(tail -1 "$MO_LOG")" 'action=hold .*rule=fault' "no such socket, fail = closed: logged rule=fault"
qq_conf

# ---- a local client to the machine's own non-loopback address (review F2) ---------
ip addr add 10.213.0.1/32 dev lo || mo_bail "cannot add 10.213.0.1 to lo"
OPORT=$(mo_free_port 10925)
php -n "$T/listen.php" "$OPORT" "$W8/up3" "$W8/done" 10.213.0.1 & mo_atexit "kill $! 2>/dev/null"
for i in $(seq 100); do [ -f "$W8/up3" ] && break; sleep 0.05; done
(cd "$MO_WWW/site-b" && mo_as mo-site-b php -n client.php "$OPORT" "$W8/port3" "$W8/done" 10.213.0.1) & mo_atexit "kill $! 2>/dev/null"
for i in $(seq 200); do [ -s "$W8/port3" ] && break; sleep 0.05; done
OC=$(cat "$W8/port3" 2>/dev/null)
t_like "$OC" '^[0-9]+$' "own address: the PHP client is connected to 10.213.0.1:$OPORT"
kill "$MILTER_PID" 2>/dev/null; wait "$MILTER_PID" 2>/dev/null
"$MILTER_BIN" -c "$MO_ETC/mailorigin.conf" -s "$MS/milter.sock" -u postfix -l "$LOOKUP" -L mo-rcpt -P "$OPORT" \
	-p "$MS/pid" --foreground >>"$MS/out" 2>&1 &
MILTER_PID=$!
for i in $(seq 100); do [ -S "$LOOKUP" ] && [ "$(cat "$MS/pid" 2>/dev/null)" = "$MILTER_PID" ] && break; sleep 0.05; done
qq "own address" mo-rcpt "$M/plain.eml" "$M/env" TCPREMOTEIP=10.213.0.1 TCPREMOTEPORT="$OC" \
	TCPLOCALIP=10.213.0.1 TCPLOCALPORT="$OPORT"
t_is "$RC:$(ran && echo ran)" "0:ran" "own address: queued"
mo_check_stamp "$Q/stdin" "own address" "" "$uid_b" mo-site-b "$MO_WWW/site-b" \
	"$MO_WWW/site-b/client.php; source=php-cli-argv; claimed" site-b
mo_check_log "$MO_ID" "own address" path=smtp client="10.213.0.1:$OC" uid="$uid_b" sapi=cli
# without tcpserver's server end: an address of this machine, looked up by the client's end
qq "own address, no TCPLOCAL*" mo-rcpt "$M/plain.eml" "$M/env" TCPREMOTEIP=10.213.0.1 TCPREMOTEPORT="$OC"
t_is "$(hdr "$Q/stdin" X-Mailorigin-Uid)" "$uid_b (mo-site-b)" "own address, no TCPLOCALIP: the socket's uid (the daemon wants the server's end)"
# ---- IPv6: a PHP client to [::1] (tcpserver's TCPREMOTEIP=::1) --------------------------
# (before: the lookup over IPv6 was unit-tested only)
if [ "$(cat /proc/sys/net/ipv6/conf/lo/disable_ipv6 2>/dev/null)" = 0 ] &&
	ip -6 addr show dev lo 2>/dev/null | grep -q 'inet6 ::1/128'; then
	php -n "$T/listen.php" "$OPORT" "$W8/up6" "$W8/done" "[::1]" & mo_atexit "kill $! 2>/dev/null"
	for i in $(seq 100); do [ -f "$W8/up6" ] && break; sleep 0.05; done
	(cd "$MO_WWW/site-b" && mo_as mo-site-b php -n client.php "$OPORT" "$W8/port6" "$W8/done" "[::1]") & mo_atexit "kill $! 2>/dev/null"
	for i in $(seq 200); do [ -s "$W8/port6" ] && break; sleep 0.05; done
	C6=$(cat "$W8/port6" 2>/dev/null)
	t_like "$C6" '^[0-9]+$' "ipv6: the PHP client is connected to [::1]:$OPORT"
	qq "ipv6" mo-rcpt "$M/plain.eml" "$M/env" TCPREMOTEIP=::1 TCPREMOTEPORT="$C6" \
		TCPLOCALIP=::1 TCPLOCALPORT="$OPORT"
	t_is "$RC:$(ran && echo ran)" "0:ran" "ipv6: queued"
	mo_check_stamp "$Q/stdin" "ipv6" "" "$uid_b" mo-site-b "$MO_WWW/site-b" \
		"$MO_WWW/site-b/client.php; source=php-cli-argv; claimed" site-b
	mo_check_log "$MO_ID" "ipv6" path=smtp client="::1:$C6" uid="$uid_b" sapi=cli
	t_is "$(lf "$MO_LINE" fault)" "" "ipv6: no fault"
else
	for d in "ipv6: the PHP client is connected" "ipv6: queued" "ipv6: stamped" "ipv6: logged" "ipv6: no fault"; do
		t_skip "$d" "no ::1 on lo in this network namespace"
	done
fi
touch "$W8/done"
t_done
