#!/usr/bin/env bash
# Issue 3: rate limits through the setgid wrapper into the real Postfix.
#  - 64 submissions of one uid released at one instant against a limit of
#    N: exactly N delivered, the rest held, each held message byte-identical
#    to what was sent (below our headers), one first-hold warning;
#  - a second uid keeps sending while the first is held;
#  - SIGKILL at random points of a burst: the store still works, and the
#    count it charged is never below the messages delivered;
#  - on_limit = tempfail / reject: PHP's mail() returns false, exit 75 / 77;
#  - a held argv is kept whole (no cut) with argc;
#  - a store lock held for seconds (a stopped wrapper) holds the message;
#  - low resource limits set by the caller are refused (EX_TEMPFAIL);
#  - a corrupt store: passes with a fault by default, holds with fail = closed.
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/postfix.sh"
. "$MO_ROOT/tests/lib/php.sh"
mo_begin "$@"
mo_need_wrapper
pf_start
mo_install_wrapper
php_sites
uid_a=$(mo_uid mo-site-a); uid_b=$(mo_uid mo-site-b)
N=10
mkdir -p "$T/msg"; chmod 755 "$T/msg"

# limits_conf TEXT: the base config plus TEXT
limits_conf() {
	mo_conf postfix /usr/sbin/sendmail
	printf '%s\n' "$1" >>"$MO_ETC/mailorigin.conf"
}
# delivered PREFIX: how many messages to mo-rcpt+PREFIX* are in the mailbox
delivered() { grep -l -a -E "^Delivered-To: mo-rcpt\+$1" "$PF_MAIL"/mo-rcpt/new/* 2>/dev/null | wc -l; }
# settle: wait until Postfix's queue is empty (a bound for failure, not a timing)
settle() {
	local i
	for i in $(seq 300); do
		[ -z "$(find "$PF/spool/incoming" "$PF/spool/active" "$PF/spool/maildrop" -type f 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	return 1
}
msg() {  # msg CASE: a message file for CASE
	printf 'From: site@test.invalid\nTo: %s\nSubject: %s\n\nbody of %s\n' "$(pf_addr "$1")" "$1" "$1" >"$T/msg/$1.eml"
	chmod 644 "$T/msg/$1.eml"
}
held_ids() { ls "$MO_STATE/hold" 2>/dev/null; }
# A gate that releases many callers at one instant, whatever the load: the
# test holds the fifo's write end open (so that a caller's open never
# blocks), each caller opens it, says so in $T/ready, then reads; when all
# N have it open, the test closes its end and every read sees EOF at once.
# (A caller that opened the fifo only after the release would wait forever.)
# Callers: sh -c "$GATE_SH" - "$GATE" WRAPPER MESSAGE (they must not inherit
# the write end: run them as `( exec {gate_fd}>&-; ... ) &`).
GATE_SH='exec 3<"$1/go"; : >"$1/ready/$$"; read -r _ <&3; exec 3<&-; exec "$2" -t -i <"$3"'
GATE=$T/gate GATE_FIFO=$T/gate/go GATE_READY=$T/gate/ready
gate_open() {
	mkdir -p "$GATE"; chmod 755 "$GATE"
	rm -rf "$GATE_FIFO" "$GATE_READY"
	mkfifo "$GATE_FIFO"; chmod 666 "$GATE_FIFO"
	mkdir "$GATE_READY"; chmod 1777 "$GATE_READY"
	exec {gate_fd}<>"$GATE_FIFO"
}
gate_go() {   # gate_go N: wait (up to 5 min) until N callers wait, then release them
	local i
	for i in $(seq 3000); do
		[ "$(ls "$GATE_READY" | wc -l)" -ge "$1" ] && break
		sleep 0.1
	done
	exec {gate_fd}>&-
}

# ---- 64 at one instant, limit N -------------------------------------------
limits_conf "limits = ( { match = \"uid\"; messages = [ \"$N/1d\" ]; } );"
gate_open
pids=()
for i in $(seq 64); do
	msg "burst$i"
	( exec {gate_fd}>&-; cd "$MO_WWW/site-a" && mo_as mo-site-a sh -c "$GATE_SH" \
		- "$GATE" "$W" "$T/msg/burst$i.eml"; echo $? >"$T/msg/burst$i.rc" ) &
	pids+=($!)
done
gate_go 64
wait "${pids[@]}"
rcs=$(cat "$T"/msg/burst*.rc | sort | uniq -c | tr -s ' ')
t_is "$rcs" " 64 0" "burst: all 64 callers see success (passed or held)"
settle
t_is "$(delivered burst)" "$N" "burst: exactly $N of 64 delivered to Postfix (limit $N)"
nheld=$(held_ids | wc -l)
t_is "$nheld" "$((64 - N))" "burst: exactly $((64 - N)) held"
t_is "$(grep -c 'action=pass' "$MO_LOG")" "$N" "burst: $N pass lines in the log"
t_is "$(grep -c 'action=hold.*rule=uid:'"$uid_a"' window="'"$N"'/1d messages" first=1' "$MO_LOG")" 1 \
	"burst: one first-hold line (warning) for the cell"
bad=0
for id in $(held_ids); do
	subj=$(hdr "$MO_STATE/hold/$id/message" Subject)
	strip_ours "$MO_STATE/hold/$id/message" | cmp -s - "$T/msg/$subj.eml" || { bad=$((bad + 1)); t_diag "held $id ($subj) differs"; }
	grep -q '^reason=limit$' "$MO_STATE/hold/$id/meta" || { bad=$((bad + 1)); t_diag "held $id: no reason=limit"; }
done
t_is "$bad" 0 "burst: every held message is byte-identical to what was sent, with its metadata"
# every one of the 64 is either delivered or held: nothing lost
all=0
for i in $(seq 64); do
	d=$(grep -l -a -F "Delivered-To: $(pf_addr "burst$i")" "$PF_MAIL"/mo-rcpt/new/* 2>/dev/null | wc -l)
	h=$(grep -l -a -x -F "Subject: burst$i" "$MO_STATE"/hold/*/message 2>/dev/null | wc -l)
	[ $((d + h)) -eq 1 ] && all=$((all + 1))
done
t_is "$all" 64 "burst: each of the 64 is delivered or held, exactly once"

# ---- a second uid keeps sending -------------------------------------------
ok=0
for i in 1 2 3; do
	msg "other$i"
	(cd "$MO_WWW/site-b" && mo_as mo-site-b "$W" -t -i <"$T/msg/other$i.eml") && ok=$((ok + 1))
done
settle
t_is "$ok/$(delivered other)" "3/3" "second uid: sends and is delivered while the first is held"
msg "stillheld"
(cd "$MO_WWW/site-a" && mo_as mo-site-a "$W" -t -i <"$T/msg/stillheld.eml")
t_is "$(held_ids | wc -l)" "$((64 - N + 1))" "first uid: still held"

# ---- SIGKILL at random points of a burst -----------------------------------
K=50                    # more than the 40 sent: every survivor passes
limits_conf "limits = ( { match = \"uid:$uid_b\"; messages = [ \"$K/1d\" ]; } );"
before_pass=$(grep -c "action=pass uid=$uid_b " "$MO_LOG")
gate_open
pids=()
for i in $(seq 40); do
	msg "kill$i"
	# one pid from the subshell to the wrapper: cd, then exec all the way
	( exec {gate_fd}>&-; cd "$MO_WWW/site-b" && exec setpriv --reuid=mo-site-b --regid=mo-site-b --init-groups \
		sh -c "$GATE_SH" - "$GATE" "$W" "$T/msg/kill$i.eml" ) &
	pids+=($!)
done
gate_go 40
killed=0
for p in "${pids[@]}"; do
	case $((RANDOM % 3)) in
	0) kill -KILL "$p" 2>/dev/null && killed=$((killed + 1)) ;;
	1) sleep "0.00$((RANDOM % 10))"; kill -KILL "$p" 2>/dev/null && killed=$((killed + 1)) ;;
	esac
done
wait "${pids[@]}" 2>/dev/null
settle
got=$(delivered kill)
# what the store charged: K minus what still fits afterwards
more=0
for i in $(seq $((K + 1))); do
	msg "after$i"
	out=$(cd "$MO_WWW/site-b" && mo_as mo-site-b "$W" -t -i <"$T/msg/after$i.eml" 2>&1)
	line=$(grep "Subject: after$i" -l "$MO_STATE"/hold/*/message 2>/dev/null)
	[ -n "$line" ] && break
	more=$((more + 1))
done
# the 3 "other" messages are in the same cell (uid:B, messages, 1d), kept
# as 3 when the limit changed from N/1d to K/1d
charged=$((K - more - 3))
t_diag "kill burst: $killed SIGKILLs sent, $got delivered, store charged $charged, $more fit afterwards"
[ "$charged" -ge "$got" ]; t_ok $? "SIGKILL burst: charged ($charged) >= delivered ($got)"
t_unlike "$(tail -n $((more + 1)) "$MO_LOG")" 'fault=' "SIGKILL burst: the store still works (no fault logged afterwards)"
[ "$charged" -le 40 ]; t_ok $? "SIGKILL burst: no more charged ($charged) than submitted (40)"

# ---- tempfail and reject give PHP's mail() false ---------------------------
held_before=$(held_ids | wc -l)
for how in tempfail:75 reject:77; do
	mode=${how%%:*} code=${how#*:}
	limits_conf "limits = ( { match = \"uid:$uid_a\"; messages = [ \"1/1d\" ]; } ); on_limit = \"$mode\";"
	out=$(php_cli mo-site-a "$MO_WWW/site-a" "$W -t -i" "$MO_WWW/site-a/send.php" --to="$(pf_addr "php-$mode")" --subject="php-$mode" 2>&1)
	t_like "$out" 'mail=0' "on_limit=$mode: PHP mail() returns false"
	msg "$mode"
	(cd "$MO_WWW/site-a" && mo_as mo-site-a "$W" -t -i <"$T/msg/$mode.eml" >/dev/null 2>&1); rc=$?
	t_is "$rc" "$code" "on_limit=$mode: exit $code"
	t_like "$(tail -1 "$MO_LOG")" "action=$mode .*rule=uid:$uid_a" "on_limit=$mode: logged with the rule"
done
t_is "$(held_ids | wc -l)" "$held_before" "tempfail/reject: nothing held"

# ---- a held argv comes back whole, however long ------------------------------
limits_conf "limits = ( { match = \"uid:$uid_a\"; messages = [ \"1/1d\" ]; } );"
long=$(for i in $(seq 40); do printf 'user%02d@test.invalid,' "$i"; done)
long=${long%,}
msg longargv
(cd "$MO_WWW/site-a" && mo_as mo-site-a "$W" -i -- "$long" <"$T/msg/longargv.eml")
h=$(grep -l -a -x -F 'Subject: longargv' "$MO_STATE"/hold/*/message | head -1)
t_is "$(grep -a "^arg=" "$(dirname "$h")/meta" | tail -1)" "arg=$long" "held argv: a ${#long}-byte recipient list is kept whole"
t_is "$(grep -a '^argc=' "$(dirname "$h")/meta")" "argc=4" "held argv: argc recorded"

# ---- a lock held for long (a stopped wrapper) holds mail, never opens the limits -------
limits_conf "limits = ( { match = \"uid\"; messages = [ \"1000/1d\" ]; } );"
# the locker takes the lock, says so, and holds it until killed
( exec 9<>"$MO_STATE/limits.db" && flock 9 && : >"$T/locked" && exec sleep 600 ) &
locker=$!
mo_atexit "kill $locker"
for i in $(seq 3000); do [ -e "$T/locked" ] && break; sleep 0.1; done
msg locked
(cd "$MO_WWW/site-b" && mo_as mo-site-b "$W" -t -i <"$T/msg/locked.eml" 2>"$T/err")
t_ok $? "lock held elsewhere: exit 0 (held)" || t_diag "$(cat "$T/err")"
t_is "$(grep -l -a -x -F 'Subject: locked' "$MO_STATE"/hold/*/message 2>/dev/null | wc -l)" 1 "lock held elsewhere: the message is held"
t_like "$(tail -1 "$MO_LOG")" 'action=hold .*fault="limit store limits.db: Connection timed out; holding".* rule=fault' \
	"lock held elsewhere: the fault is logged, rule=fault"
kill "$locker" 2>/dev/null; wait "$locker" 2>/dev/null

# ---- resource limits set by the caller: refused, never a fault that passes --------------
msg rlimit
for lim in "--nofile=8:8" "--fsize=100000:100000" "--as=50000000:50000000"; do
	n0=$(mo_log_count)
	(cd "$MO_WWW/site-b" && mo_as mo-site-b prlimit "$lim" "$W" -t -i <"$T/msg/rlimit.eml" >/dev/null 2>"$T/err"); rc=$?
	t_is "$rc" 75 "prlimit $lim: not accepted (EX_TEMPFAIL)"
	t_like "$(cat "$T/err")" 'RLIMIT_[A-Z]+ .* message not accepted' "prlimit $lim: says which limit"
	t_is "$(mo_log_count)" "$n0" "prlimit $lim: no message line (nothing accepted)"
done
settle
t_is "$(delivered rlimit)" 0 "prlimit: nothing delivered"

# ---- a corrupt store ----------------------------------------------------------
printf 'GARBAGE!' | dd of="$MO_STATE/limits.db" conv=notrunc 2>/dev/null
limits_conf "limits = ( { match = \"uid\"; messages = [ \"1000/1d\" ]; } );"
msg corrupt-open
(cd "$MO_WWW/site-b" && mo_as mo-site-b "$W" -t -i <"$T/msg/corrupt-open.eml" 2>"$T/err")
t_ok $? "corrupt store, fail=open: exit 0"
settle
t_is "$(delivered corrupt-open)" 1 "corrupt store, fail=open: delivered"
t_like "$(tail -1 "$MO_LOG")" 'action=pass .*fault="limit store limits.db: corrupt' "corrupt store, fail=open: the fault is logged"
limits_conf "limits = ( { match = \"uid\"; messages = [ \"1000/1d\" ]; } ); fail = \"closed\";"
msg corrupt-closed
(cd "$MO_WWW/site-b" && mo_as mo-site-b "$W" -t -i <"$T/msg/corrupt-closed.eml" 2>/dev/null)
t_ok $? "corrupt store, fail=closed: exit 0 (held)"
t_is "$(grep -l -a -x -F 'Subject: corrupt-closed' "$MO_STATE"/hold/*/message | wc -l)" 1 "corrupt store, fail=closed: held"
t_done
