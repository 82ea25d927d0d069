#!/usr/bin/env bash
# Issue 13, review S3-2: local mail (non_smtpd_milters) is charged to the
# owner of the maildrop file that Postfix's own pickup is reading, found
# from the cleanup that holds the queue file; a process a user names
# "pickup" is not believed and not looked into.  One real Postfix.
#  - a fake "pickup" run by mo-site-b, with a root-owned file open under a
#    folder named maildrop beside an "incoming" that leads to the real
#    queue (what a user namespace and a bind mount let any user build
#    alone; here root lays it out): mo-site-b's real sendmail is still
#    charged to mo-site-b, not to root (before: uid 0);
#  - fake "pickup"s holding 500,000 fds, ahead of the real one in /proc
#    (25 processes: a process may not have more than 20,000 here): the
#    lookup is not stalled, the sender found, no fault logged (before:
#    each one's fds were walked to the end, without a look at the clock,
#    until the lookup's bound had passed, and nobody was found);
#  - review S3-12: the hold quota (hold_max_messages, as for the wrapper's
#    hold spool) over the milter's holds in Postfix's hold queue, per uid:
#    over it the message is not held, 451 at the end of DATA (the client
#    keeps it), logged action=tempfail with hold_error; a released hold
#    no longer counts.
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/postfix.sh"
. "$MO_ROOT/tests/lib/milter.sh"
mo_begin "$@"
MILTER_BIN=$MO_ROOT/build/mailorigin-milter
[ -x "$MILTER_BIN" ] || mo_skip_all "$MILTER_BIN not built (run make)"
command -v perl >/dev/null || mo_skip_all "perl not installed"
command -v prlimit >/dev/null || mo_skip_all "prlimit (util-linux) not installed"
mo_need_wrapper
pf_start
mo_install_wrapper
uid_a=$(mo_uid mo-site-a); uid_b=$(mo_uid mo-site-b)

MS=$T/milter; mkdir -p "$MS"; chmod 755 "$MS"
SOCK=$MS/milter.sock
PORT=$(mo_free_port 10625)
postconf -e "non_smtpd_milters = unix:$SOCK" "smtpd_milters = unix:$SOCK" \
	"milter_default_action = tempfail" "milter_protocol = 6" "master_service_disable =" \
	"milter_connect_macros = j {daemon_name} {daemon_addr} {daemon_port} v _" \
	"smtpd_recipient_restrictions = permit_mynetworks, reject" "mynetworks = 127.0.0.0/8" ||
	mo_bail "postconf -e failed"
postconf -M# smtp/inet
postconf -Me "127.0.0.1:$PORT/inet=127.0.0.1:$PORT inet n - n - - smtpd" || mo_bail "postconf -Me failed"
milter_conf ""
# a short lookup bound (the milter's -t): a walk of a user's 500,000 fds
# takes longer than this; the real lookup, a few ms, far less
MILTER_ARGS="-t 300" milter_start
postfix reload >/dev/null 2>&1 || mo_bail "postfix reload failed"

rsend() {  # rsend USER CASE: the real sendmail -t -i, run by USER
	printf 'To: %s\nSubject: %s\n\n%s\n' "$(pf_addr "$2")" "$2" "$2" |
		mo_as "$1" /usr/sbin/sendmail -t -i
}
milter_line() { grep -a -E "(^| )id=$1( |\$)" "$MO_LOG" | grep -a ' path=smtp ' | tail -1; }
pickup_pid() { pgrep -u postfix -x pickup -P "$PF_MASTER_PID" | head -1; }

# ---- the fakes: both ahead of the real pickup in /proc ------------------------------
F=$T/fake; mkdir -p "$F/q/maildrop"; chmod -R 755 "$F"
echo "root's" >"$F/q/maildrop/rootfile"; chmod 644 "$F/q/maildrop/rootfile"
ln -s "$PF/spool/incoming" "$F/q/incoming"
cp "$(command -v perl)" "$F/pickup"; chmod 755 "$F/pickup"   # its comm: "pickup"
mkdir -p "$F/run"; chmod 777 "$F/run"
# the fd-heavy ones: 25 of them (a hard limit of $(ulimit -Hn) fds a process
# here, and no CAP_SYS_RESOURCE to raise it), 20,000 fds each, opened
# when told to (run/go); run by mo-crowd, whom no test sends as (a crowd of
# mo-site-b's would slow the lookups of another file's mo-site-b clients)
NOFILE=$(ulimit -Hn)
[ "$NOFILE" = unlimited ] && NOFILE=1048576
[ "$NOFILE" -gt 20010 ] && NOFILE=20010
NMANY=$(( (500000 + NOFILE - 11) / (NOFILE - 10) ))
FAKE_MANY=
for i in $(seq "$NMANY"); do
	prlimit --nofile="$NOFILE:$NOFILE" setpriv --reuid=mo-crowd --regid=mo-crowd --init-groups \
		"$F/pickup" -e 'use POSIX; my ($go, $ready, $n) = @ARGV;
		select(undef, undef, undef, 0.05) until -e $go;
		open(my $null, "<", "/dev/null") or die; my $fd = fileno($null);
		for (1 .. $n) { defined(POSIX::dup($fd)) or die "dup: $!" }
		open(my $r, ">", $ready) or die; close $r; sleep 100000' "$F/run/go" "$F/run/many.$i" \
		"$((NOFILE - 10))" &
	FAKE_MANY="$FAKE_MANY $!"
done
mo_atexit "kill $FAKE_MANY"
FIRST_MANY=${FAKE_MANY%% *}; FIRST_MANY=${FAKE_MANY# }; FIRST_MANY=${FIRST_MANY%% *}
# the false trail: root's file open under .../maildrop/, .../incoming the real queue's
setpriv --reuid=mo-site-b --regid=mo-site-b --init-groups \
	"$F/pickup" -e 'my ($f, $ready) = @ARGV; open(my $h, "<", $f) or die;
	open(my $r, ">", $ready) or die; close $r; sleep 100000' "$F/q/maildrop/rootfile" "$F/run/trail" &
FAKE_TRAIL=$!
mo_atexit "kill $FAKE_TRAIL"
for i in $(seq 100); do [ -e "$F/run/trail" ] && break; sleep 0.05; done
# a new real pickup, after the fakes (Postfix's daemons exit and are started
# afresh on reload)
old=$(pickup_pid)
postfix reload >/dev/null 2>&1 || mo_bail "postfix reload failed"
for i in $(seq 100); do p=$(pickup_pid); [ -n "$p" ] && [ "$p" != "$old" ] && break; sleep 0.1; done
p=$(pickup_pid)
t_ok "$([ -n "$p" ] && [ "$p" -gt "$FAKE_TRAIL" ] && [ "$FAKE_TRAIL" -gt "$FIRST_MANY" ]; echo $?)" \
	"the fakes come before the real pickup in /proc (pids $FIRST_MANY..., $FAKE_TRAIL; pickup ${p:-none})"
t_is "$(cat "/proc/$FAKE_TRAIL/comm")/$(stat -c %u "/proc/$FAKE_TRAIL")" "pickup/$uid_b" \
	"the false trail is a process named pickup, run by mo-site-b"

# ---- a false trail to root's file ---------------------------------------------------
rsend mo-site-b trail
pf_settle
if f=$(pf_wait trail 10); then
	t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid_b (mo-site-b)" \
		"a fake pickup with root's file in a maildrop folder: the mail is still mo-site-b's (not 0 (root))"
	L=$(milter_line "$(hdr "$f" X-Mailorigin-Id)")
	t_is "$(lf "$L" uid)/$(lf "$L" lookup)/$(lf "$L" client)/$(lf "$L" fault)" "$uid_b/pickup/local/" \
		"its line: uid mo-site-b, lookup=pickup, client=local, no fault"
else
	t_ok 1 "trail: delivered"; t_ok 1 "trail: its line"; t_diag "$(pf_why trail)" "$(tail -3 "$MO_LOG")"
fi
kill "$FAKE_TRAIL" 2>/dev/null

# ---- a fake pickup with 500,000 fds -------------------------------------------------
touch "$F/run/go"
for i in $(seq 600); do [ "$(ls "$F/run" | grep -c '^many\.')" -ge "$NMANY" ] && break; sleep 0.1; done
n=0; for p in $FAKE_MANY; do n=$((n + $(ls "/proc/$p/fd" 2>/dev/null | wc -l))); done
t_ok "$([ "$n" -ge 500000 ]; echo $?)" "$NMANY fake pickups of mo-crowd hold 500,000 fds ($n)"
rsend mo-site-a many
pf_settle
if f=$(pf_wait many 10); then
	t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid_a (mo-site-a)" \
		"fake pickups with 500,000 fds ahead of the real one: the sender is found (mo-site-a)"
	L=$(milter_line "$(hdr "$f" X-Mailorigin-Id)")
	t_is "$(lf "$L" uid)/$(lf "$L" lookup)/$(lf "$L" fault)" "$uid_a/pickup/" \
		"its line: uid mo-site-a, lookup=pickup, no fault (the lookup kept within its bound)"
else
	t_ok 1 "many: delivered"; t_ok 1 "many: its line"; t_diag "$(pf_why many)" "$(tail -3 "$MO_LOG")"
fi
kill $FAKE_MANY 2>/dev/null

# ---- S3-12: the hold quota over the milter's holds (Postfix's hold queue) --------------
# mo-site-b: 1 a day, and at most 2 messages held; over SMTP from loopback
milter_stop
milter_conf "hold_max_messages = 2;
limits = ( { match = \"uid:$uid_b\"; messages = [ \"1/1d\" ]; } );"
milter_start
for i in $(seq 50); do
	awk 'FNR > 1 && $4 == "0A" { split($2, a, ":"); print a[2] }' /proc/net/tcp | grep -qix "$(printf '%04X' "$PORT")" && break
	sleep 0.1
done
hq() { find "$PF/spool/hold" -type f | wc -l; }
ssend() {  # ssend CASE: swaks as mo-site-b to the loopback smtpd; its output in $T/swaks-CASE
	mo_as mo-site-b swaks --server "127.0.0.1:$PORT" --from b@test.invalid --to "$(pf_addr "$1")" \
		--header "Subject: $1" --body "$1" >"$T/swaks-$1" 2>&1
}
for i in 1 2 3 4; do ssend "q$i"; done
pf_settle
t_is "$(grep -l -a -E '^Delivered-To: mo-rcpt\+q[1-4]@' "$PF_MAIL"/mo-rcpt/new/* 2>/dev/null | wc -l)/$(hq)" "1/2" \
	"hold quota 2: of 4 over SMTP (1/1d), 1 delivered, 2 in Postfix's hold queue (before: 3)"
t_like "$(grep -a '^<\*\* *4' "$T/swaks-q4" | head -1)" '^<\*\* +451 4\.7\.1 ' \
	"the 4th, over the hold quota: 451 at the end of DATA, the client keeps it (before: 250, held)"
L=$(grep -a ' path=smtp ' "$MO_LOG" | grep -a "from=b@test.invalid" | tail -1)
t_is "$(lf "$L" action)/$(lf "$L" uid)/$(lf "$L" rule)" "tempfail/$uid_b/uid:$uid_b" \
	"its line: action=tempfail, the uid, the limit's rule"
t_like "$(lf "$L" hold_error)" "^hold quota of uid-$uid_b reached \\(2 messages, [0-9]+ bytes held; hold_max_messages 2, " \
	"its line: hold_error says the hold quota of the uid"
t_is "$(ls "$MO_STATE/quarantine/by/uid-$uid_b" 2>/dev/null | wc -l)" 2 \
	"the two holds counted for the uid (quarantine/by/uid-N)"
# a released hold no longer counts
MH=$(grep -a ' action=hold ' "$MO_LOG" | grep -a " uid=$uid_b " | tail -1 | sed -n 's/.*: id=\([0-9a-f]*\) .*/\1/p')
"$MO_ROOT/build/mailoriginctl" hold release "$MH" >"$T/rel.out" 2>&1
t_is "$?" 0 "hold release of one of the milter's holds" || t_diag "$(cat "$T/rel.out")"
pf_settle
ssend q5
pf_settle
t_is "$(hq)" 2 "after a release, one more hold fits (2 in the hold queue again)"
t_is "$(grep -a -c 'queued as' "$T/swaks-q5")" 1 "... the 5th accepted (held)"

t_done
