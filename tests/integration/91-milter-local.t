#!/usr/bin/env bash
# Issue 13, review F2/F1/F6: "local" is the kernel's word, not 127/8.
# In a network namespace of its own: 10.213.0.1 on lo (an address of this
# machine outside 127/8), and a veth pair to a second namespace: 10.214.0.1
# here (like eth0's address), 10.214.0.2 there (another machine).  A real
# Postfix smtpd listens on every address, with mailorigin-milter; relay is
# allowed for 10.213.0.0/24 (mynetworks) as it often is for the host's own
# addresses.
#  - swaks and PHPMailer (CLI) run by test uids, connecting to the
#    machine's own 10.213.0.1: stamped with their uid, logged, limited
#    (uid:A 2/1d: the 3rd held) - before the fix: no stamp, no log line,
#    no limit (taken for inbound mail);
#  - a PHP client (sockets extension) as uid B with its socket bound to lo
#    (SO_BINDTODEVICE), to 127.0.0.1 and to 10.213.0.1: attributed to uid B
#    (the kernel's exact lookup misses a bound socket: before, nobody);
#  - a client from the other namespace (10.214.0.2) is inbound: no stamp,
#    no log line, never held;
#  - a client that waits for the greeting, then pipelines the whole
#    transaction and QUIT and closes once DATA's 354 is read: attributed
#    (the lookup is at connect);
#  - clients that pipeline everything without waiting and close at once:
#    no message of theirs is delivered without our stamps (nobody found is
#    a fault, not inbound mail);
#  - such a client, closed for sure before the lookup (the milter stopped
#    while it connects, sends and exits), under fail = "open": its owner
#    not found is a fault the client brought about, so the message is held
#    (rule=fault, nothing lost) and mailoriginctl hold release delivers it
#    (before: passed unlimited).
MO_NETNS=1
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/postfix.sh"
. "$MO_ROOT/tests/lib/php.sh"
mo_begin "$@"
MILTER_BIN=$MO_ROOT/build/mailorigin-milter
[ -x "$MILTER_BIN" ] || mo_skip_all "$MILTER_BIN not built (run make)"
[ -f /usr/share/php/libphp-phpmailer/autoload.php ] || mo_skip_all "libphp-phpmailer not installed"
command -v swaks >/dev/null || mo_skip_all "swaks not installed"
command -v ip >/dev/null || mo_skip_all "ip (iproute2) not installed"
command -v nsenter >/dev/null || mo_skip_all "nsenter (util-linux) not installed"
mo_need_wrapper

# ---- the network: 10.213.0.1 ours, 10.214.0.2 another machine's ------------------
# (10.213.0.1 on lo: no dummy driver here; for the kernel an address of
# this machine like any other)
LOCAL=10.213.0.1 HERE=10.214.0.1 FAR=10.214.0.2
ip addr add "$LOCAL/32" dev lo || mo_bail "cannot add $LOCAL to lo"
unshare -n sleep 100000 & FAR_PID=$!
mo_atexit "kill $FAR_PID"
for i in $(seq 50); do [ "$(readlink /proc/$FAR_PID/ns/net)" != "$(readlink /proc/self/ns/net)" ] && break; sleep 0.05; done
ip link add mo-v0 type veth peer name mo-v1 && ip link set mo-v1 netns "$FAR_PID" &&
	ip addr add "$HERE/24" dev mo-v0 && ip link set mo-v0 up &&
	nsenter -t "$FAR_PID" -n sh -c "ip link set lo up && ip addr add $FAR/24 dev mo-v1 && ip link set mo-v1 up" ||
	mo_bail "cannot make the veth pair to the other namespace"
far() { nsenter -t "$FAR_PID" -n "$@"; }

pf_start
mo_install_wrapper
php_sites
php_smtp_site b
uid_a=$(mo_uid mo-site-a); uid_b=$(mo_uid mo-site-b)
PORT=$(mo_free_port 10575) || mo_bail "no free port"
MS=$T/milter; mkdir -p "$MS"; chmod 755 "$MS"
SOCK=$MS/milter.sock
postconf -e "master_service_disable =" \
	"smtpd_milters = unix:$SOCK" "non_smtpd_milters = unix:$SOCK" \
	"milter_default_action = tempfail" "milter_protocol = 6" \
	"milter_connect_macros = j {daemon_name} {daemon_addr} {daemon_port} v _" \
	"smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination" \
	"mynetworks = 127.0.0.0/8 10.213.0.0/24" || mo_bail "postconf -e failed"
postconf -M# smtp/inet
for a in 127.0.0.1 "$LOCAL" "$HERE"; do
	postconf -Me "$a:$PORT/inet=$a:$PORT inet n - n - - smtpd" || mo_bail "postconf -Me $a failed"
done
mo_conf postfix /usr/sbin/sendmail
printf '%s\n' "limits = ( { match = \"uid:$uid_a\"; messages = [ \"2/1d\" ]; } );" >>"$MO_ETC/mailorigin.conf"
"$MILTER_BIN" -c "$MO_ETC/mailorigin.conf" -s "$SOCK" -u postfix -p "$MS/pid" --foreground >>"$MS/out" 2>&1 &
MILTER_PID=$!
milter_stop() { kill -TERM "$MILTER_PID" 2>/dev/null; wait "$MILTER_PID" 2>/dev/null; }
mo_atexit milter_stop
for i in $(seq 100); do [ -S "$SOCK" ] && break; sleep 0.05; done
[ -S "$SOCK" ] || mo_bail "the milter did not start" "$(cat "$MS/out")"
postfix reload >/dev/null 2>&1 || mo_bail "postfix reload failed"
for i in $(seq 100); do
	[ "$(awk 'FNR > 1 && $4 == "0A" { split($2, a, ":"); print a[2] }' /proc/net/tcp | grep -cix "$(printf '%04X' "$PORT")")" -ge 3 ] && break
	sleep 0.1
done

delivered() { grep -l -a -E "^Delivered-To: mo-rcpt\+$1@" "$PF_MAIL"/mo-rcpt/new/* 2>/dev/null | wc -l; }
held_for() { grep -l -a -E "mo-rcpt\+$1@" $(find "$PF/spool/hold" -type f 2>/dev/null) /dev/null 2>/dev/null | wc -l; }
log_for() { grep -a -F "$1" "$MO_LOG" 2>/dev/null; }

# ---- a local uid to the machine's own non-loopback address -------------------------
for i in 1 2 3; do
	mo_as mo-site-a swaks --server "$LOCAL:$PORT" --from a@test.invalid --to "$(pf_addr own$i)" \
		--header "Subject: own$i" --body "own$i" >"$T/swaks-own$i.out" 2>&1
done
pf_settle
if f=$(pf_wait own1 10); then
	t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid_a (mo-site-a)" "own address: swaks to $LOCAL stamped with its uid"
	ID=$(hdr "$f" X-Mailorigin-Id)
	L=$(mo_log_line "$ID")
	t_like "$(lf "$L" client)" "^${LOCAL//./\\.}:[0-9]+\$" "own address: log line, client=$LOCAL:PORT"
	t_is "$(lf "$L" uid)/$(lf "$L" lookup)/$(lf "$L" action)" "$uid_a/netlink-exact/pass" \
		"own address: log uid, found by the kernel's exact 4-tuple lookup, passed"
else
	t_ok 1 "own address: swaks to $LOCAL stamped with its uid"; t_diag "$(pf_why own1)" "$(cat "$T/swaks-own1.out" | tail -5)"
fi
t_is "$(delivered 'own[123]')/$(held_for 'own[123]')" "2/1" "own address: limited (uid:A 2/1d): 2 delivered, the 3rd held"
t_is "$(grep -a -c "action=hold .*uid=$uid_a .*rule=uid:$uid_a" "$MO_LOG")" 1 "own address: the hold logged with rule uid:A"

mo_as mo-site-b swaks --server "$HERE:$PORT" --from b@test.invalid --to "$(pf_addr own-eth)" \
	--body "own-eth" >"$T/swaks-own-eth.out" 2>&1
if f=$(pf_wait own-eth 10); then
	t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid_b (mo-site-b)" "own address: swaks to the veth's $HERE (as to eth0's) stamped with its uid"
else
	t_ok 1 "own address: swaks to $HERE delivered"; t_diag "$(pf_why own-eth)"
fi

out=$(php_cli mo-site-b "$MO_WWW/site-b" "$W -t -i" smtp.php --host="$LOCAL" --port="$PORT" --to="$(pf_addr own-php)" 2>&1)
t_is "$out" "sent=1" "own address: PHPMailer (CLI) to $LOCAL sends"
if f=$(pf_wait own-php 10); then
	t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid_b (mo-site-b)" "own address: PHPMailer stamped with the CLI's uid"
	t_is "$(hdr "$f" X-Mailorigin-Script)" "$MO_WWW/site-b/smtp.php; source=php-cli-argv; claimed" \
		"own address: and its script"
else
	t_ok 1 "own address: PHPMailer delivered"; t_diag "$(pf_why own-php)"
fi

# ---- a client bound to lo (SO_BINDTODEVICE, review S3-13) ---------------------------
# The kernel's exact lookup asks with interface 0 and misses a socket bound
# to one; any user may bind to lo.  Before: nobody found, passed unlimited.
install -m 644 "$MO_ROOT/tests/integration/smtp-bound.php" "$T/smtp-bound.php"
for a in 127.0.0.1 "$LOCAL"; do
	out=$(mo_as mo-site-b php "$T/smtp-bound.php" "$a" "$PORT" "$(pf_addr "bound-$a")" 2>&1)
	t_is "$out" "sent=1" "bound to lo, to $a: sent"
	if f=$(pf_wait "bound-$a" 10); then
		t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid_b (mo-site-b)" "bound to lo, to $a: stamped with its uid (before: none (not found))"
		L=$(mo_log_line "$(hdr "$f" X-Mailorigin-Id)")
		t_is "$(lf "$L" uid)/$(lf "$L" lookup)/$(lf "$L" sapi)" "$uid_b/netlink-bound/cli" \
			"bound to lo, to $a: logged uid, found by the dump on both ends, its process (php cli)"
	else
		t_ok 1 "bound to lo, to $a: delivered"; t_diag "$(pf_why "bound-$a")" "$(tail -2 "$MO_LOG")"
	fi
done

# ---- another machine (the other namespace): inbound ----------------------------------
for i in 1 2 3; do
	far swaks --server "$HERE:$PORT" --from far@elsewhere.invalid --to "$(pf_addr far$i)" \
		--header "Subject: far$i" --body "far$i" >"$T/swaks-far$i.out" 2>&1
done
pf_settle
t_is "$(delivered 'far[123]')/$(held_for 'far[123]')" "3/0" "remote client: 3 delivered, none held"
if f=$(pf_wait far1 10); then
	t_is "$(hdr_names "$f" | grep -ci '^x-mailorigin-')" 0 "remote client: not stamped (inbound)"
	t_is "$(grep -a -c "client=[^ ]*\\[$FAR\\]" "$PF/maillog")" 3 "remote client: Postfix saw $FAR"
fi
t_is "$(grep -a -c "client=$FAR:" "$MO_LOG")" 0 "remote client: no log line of ours"

# ---- F1: the transaction pipelined after the greeting, QUIT, close after the 354 ----------
cat >"$T/bin/smtp-close" <<'EOF'
#!/bin/bash
# smtp-close HOST PORT RCPT WAIT: the whole transaction in one write, then
# close; WAIT 1: after reading the greeting, and before closing the
# replies up to DATA's 354 (so that nothing unread is left to turn the
# close into an RST that may cost smtpd the message: it has the whole of
# it by then), 0: without reading anything
exec 3<>"/dev/tcp/$1/$2" || exit 1
if [ "$4" = 1 ]; then IFS= read -r -t 30 l <&3 || exit 2; fi
printf 'EHLO close\r\nMAIL FROM:<c@test.invalid>\r\nRCPT TO:<%s>\r\nDATA\r\nSubject: close\r\n\r\nclosed at once\r\n.\r\nQUIT\r\n' "$3" >&3
if [ "$4" = 1 ]; then
	got=
	while IFS= read -r -t 30 l <&3; do case $l in 354*) got=1; break ;; [45]*) exit 3 ;; esac; done
	[ -n "$got" ] || exit 4   # no 354 in 30 s, or the server closed first
fi
exec 3>&- 3<&-
EOF
chmod 755 "$T/bin/smtp-close"
# Whether Postfix gets to the end of such a message was a TCP race that is
# not ours: its replies to a socket already closed with them unread draw
# an RST, and smtpd may then lose the rest ("lost connection after MAIL",
# seen at load 9; all 5 tries lost at load 12).  The client now reads up to
# the 354 before it closes; the 5 tries stay, each to its own recipient;
# the first delivered is the one checked, and at least one must be.
sent=0 f=
for i in 1 2 3 4 5; do
	mo_as mo-site-b "$T/bin/smtp-close" "$LOCAL" "$PORT" "$(pf_addr close-wait$i)" 1 && sent=$((sent + 1))
	pf_settle
	f=$(pf_wait "close-wait$i" 10) && break
	t_diag "closing client try $i: not delivered: $(grep -a -c 'lost connection after' "$PF/maillog") lost connections in Postfix's log so far"
done
t_is "$sent" "$i" "closing client: sent its pipelined transaction"
if [ -n "$f" ]; then
	t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid_b (mo-site-b)" "closing client (waited for the greeting): attributed to its uid"
else
	t_ok 1 "closing client (waited for the greeting): delivered in 5 tries"; t_diag "$(pf_why close-wait1)"
fi
for i in $(seq 10); do
	mo_as mo-site-b "$T/bin/smtp-close" "$LOCAL" "$PORT" "$(pf_addr close-now$i)" 0
	mo_as mo-site-b "$T/bin/smtp-close" 127.0.0.1 "$PORT" "$(pf_addr close-lo$i)" 0
done
pf_settle
n=0; bad=0
for f in $(grep -l -a -E '^Delivered-To: mo-rcpt\+close-(now|lo)[0-9]+@' "$PF_MAIL"/mo-rcpt/new/* 2>/dev/null); do
	n=$((n + 1))
	id=$(hdr "$f" X-Mailorigin-Id)
	[ -n "$(hdr "$f" X-Mailorigin-Uid)" ] && [ -n "$id" ] && [ -n "$(mo_log_line "$id")" ] || bad=$((bad + 1))
done
t_diag "closing at once without waiting: $n of 20 delivered, $(held_for 'close-(now|lo)[0-9]+') held," \
	"$(grep -a -c 'fault=[^ ]*no such socket' "$MO_LOG") of ours with the socket gone at connect"
t_is "$bad" 0 "closing client (no wait): each of its $n delivered messages is stamped and logged"

# ---- a client gone before the lookup, fail = "open": held, nothing lost ----------------
# The milter is stopped (SIGSTOP) from before the client connects until it
# has sent its pipelined transaction, closed and exited: whenever smtpd's
# connect event reaches the milter, the client's socket is gone.
grep -q '^fail' "$MO_ETC/mailorigin.conf" && mo_bail "the config sets fail: this check wants the default (open)"
n_before=$(grep -a -c 'rule=fault' "$MO_LOG")
kill -STOP "$MILTER_PID"
mo_as mo-site-b "$T/bin/smtp-close" 127.0.0.1 "$PORT" "$(pf_addr gone-lo)" 0
kill -CONT "$MILTER_PID"
for i in $(seq 300); do [ "$(grep -a -c 'rule=fault' "$MO_LOG")" -gt "$n_before" ] && break; sleep 0.1; done
pf_settle
L=$(grep -a 'rule=fault' "$MO_LOG" | tail -1)
t_is "$(delivered gone-lo)/$(held_for gone-lo)" "0/1" "gone before the lookup, fail = open: held, not delivered (before: passed)" ||
	t_diag "$(pf_why gone-lo)" "$(tail -2 "$MO_LOG")"
t_is "$(lf "$L" action)/$(lf "$L" rule)/$(lf "$L" uid)" "hold/fault/" "gone before the lookup: logged action=hold rule=fault, no uid"
t_like "$(lf "$L" fault)" 'no such socket.*no sender found \(a fault the client can bring about\): holding' \
	"gone before the lookup: fault= says the socket was gone and why it holds"
CTL=$MO_ROOT/build/mailoriginctl
"$CTL" hold release "$(lf "$L" id)" >"$T/rel-gone.out" 2>&1
t_is "$?" 0 "gone before the lookup: mailoriginctl hold release exit 0" || t_diag "$(cat "$T/rel-gone.out")"
if f=$(pf_wait gone-lo 30); then
	t_is "$(hdr "$f" X-Mailorigin-Uid)/$(hdr "$f" X-Mailorigin-Id)" "none (not found)/$(lf "$L" id)" \
		"gone before the lookup: released and delivered, stamped Uid none (not found) with its id"
else
	t_ok 1 "gone before the lookup: released and delivered"; t_diag "$(pf_why gone-lo)"
fi

# ---- a socket root accepted, handed to a user's code, reconnected to smtpd ----------
# (review R3) as inetd or a socket unit with Accept=yes and User= do: the
# socket keeps uid 0 (exempt in many configs); the holder's uid is charged,
# also when root keeps its own copy (systemd does).
cp "$MO_ROOT/tests/integration/fixtures/rootsock.py" "$T/bin/rootsock.py"
for mode in inetd systemd; do
	python3 "$T/bin/rootsock.py" $mode "$uid_b" "$(mo_gid mo-site-b)" "$PORT" "$(pf_addr rootsock-$mode)" \
		>"$T/rootsock-$mode.out" 2>&1
	t_is "$?" 0 "$mode: a socket accepted by root, reconnected as uid $uid_b: its message sent" ||
		t_diag "$(cat "$T/rootsock-$mode.out")"
done
pf_settle
for mode in inetd systemd; do
	if f=$(pf_wait rootsock-$mode 10); then
		t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid_b (mo-site-b)" \
			"$mode: socket of uid 0 held by uid $uid_b: stamped with the holder's uid (before: 0 (root))"
		L=$(mo_log_line "$(hdr "$f" X-Mailorigin-Id)")
		t_like "$(lf "$L" uid)/$(lf "$L" fault)" "^$uid_b/.*socket of uid 0, held by a process of uid $uid_b" \
			"$mode: logged uid=$uid_b, fault= says whose socket it was"
	else
		t_ok 1 "$mode: socket of uid 0 held by uid $uid_b: delivered"; t_diag "$(pf_why rootsock-$mode)"
	fi
done

# ---- a user's socket handed to another uid's process: its maker's (review R3) ----------
# mo-site-b makes a socket and passes it (SCM_RIGHTS) to a process of
# mo-site-a, which connects it and sends the message; mo-site-b keeps its
# copy meanwhile, so the lookup finds two holders of two uids (before
# 93ace57 the holder that is not the socket's was charged).
# Debian's python3 by path: a PATH python3 under a 0700 /root (pyenv) is
# not one the test users can go on running after setuid.
/usr/bin/python3 "$T/bin/rootsock.py" handoff "$uid_b" "$(mo_gid mo-site-b)" "$PORT" "$(pf_addr rootsock-handoff)" \
	"$uid_a" "$(mo_gid mo-site-a)" >"$T/rootsock-handoff.out" 2>&1
t_is "$?" 0 "handoff: a socket of uid $uid_b passed to uid $uid_a: its message sent" ||
	t_diag "$(cat "$T/rootsock-handoff.out")"
pf_settle
if f=$(pf_wait rootsock-handoff 10); then
	t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid_b (mo-site-b)" \
		"handoff: a user's socket sent on by another uid: stamped with its maker's uid"
	L=$(mo_log_line "$(hdr "$f" X-Mailorigin-Id)")
	t_is "$(lf "$L" uid)" "$uid_b" "handoff: logged uid=$uid_b"
else
	t_ok 1 "handoff: delivered"; t_diag "$(pf_why rootsock-handoff)"
fi

# ---- the milter's open file limit: raised at start (review R2) -----------------------
# A second milter on its own socket, started with a soft limit of 1024
# under a hard one of 4096 (this machine may not raise a hard limit).
prlimit --nofile=1024:4096 "$MILTER_BIN" -c "$MO_ETC/mailorigin.conf" -s "$MS/second.sock" \
	-u postfix --foreground >>"$MS/out" 2>&1 &
p2=$!
for i in $(seq 100); do [ -S "$MS/second.sock" ] && break; sleep 0.1; done
t_is "$(awk '/^Max open files/ { print $4 }' "/proc/$p2/limits" 2>/dev/null)" 4096 \
	"the milter raises its open file limit at start (soft 1024, hard 4096: 4096)"
kill -TERM "$p2" 2>/dev/null; wait "$p2" 2>/dev/null

# ---- the milter out of fds: a local user's many sessions bring it about --------------
# (review R2) Its limit is set, from outside, to the fds it has open plus
# one: Postfix's connection is accepted, and the lookup then gets EMFILE.
# Under fail = "open" that passed, unlimited, as the milter's own fault.
# Now it is the client's doing: held, or, when the hold quota cannot be
# counted either (no fd for it), 451: the client keeps the message.
nfd=$(ls "/proc/$MILTER_PID/fd" | wc -l)
t_diag "milter: $nfd fds open; $(grep '^Max open files' "/proc/$MILTER_PID/limits")"
n_before=$(grep -a -c 'no sender found' "$MO_LOG")
prlimit --pid "$MILTER_PID" --nofile=$((nfd + 1)):$((nfd + 1)) || mo_bail "prlimit on the milter failed"
mo_as mo-site-b swaks --server "127.0.0.1:$PORT" --from b@test.invalid --to "$(pf_addr emfile)" \
	--header "Subject: emfile" --body "emfile" >"$T/swaks-emfile.out" 2>&1
rc=$?
for i in $(seq 100); do [ "$(grep -a -c 'no sender found' "$MO_LOG")" -gt "$n_before" ] && break; sleep 0.1; done
pf_settle
L=$(grep -a 'no sender found' "$MO_LOG" | tail -1)
t_is "$(delivered emfile)" 0 "milter out of fds, fail = open: not delivered unlimited (before: passed)" ||
	t_diag "$(pf_why emfile)" "$L"
t_like "$(lf "$L" fault)" 'lookup failed: Too many open files; no sender found \(a fault the client can bring about\)' \
	"milter out of fds: fault= says the lookup failed and that it is the client's doing"
case $(lf "$L" action) in
hold) t_is "$(held_for emfile)/$(lf "$L" rule)" "1/fault" "milter out of fds: held, rule=fault" ;;
tempfail) t_like "$rc $(lf "$L" rule) $(grep -a '^<.* 451' "$T/swaks-emfile.out" | head -1)" \
	'^[1-9][0-9]* fault .*451' \
	"milter out of fds: 451 to the client (the hold quota cannot be counted without an fd), rule=fault" ;;
*) t_ok 1 "milter out of fds: held or 451"; t_diag "$L" ;;
esac

t_done
