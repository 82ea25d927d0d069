#!/usr/bin/env bash
# mailoriginctl queue over a qmail queue.  qmail has no Debian package, so
# the test writes the queue in qmail's documented on-disk layout (INTERNALS,
# qmail-queue.c, qmail-send.c): mess/N/INODE with qmail-queue's Received
# line on top, todo/ and intd/ (u, p, F, T records, NUL-ended) for messages
# not yet preprocessed, info/N/INODE (F) and local/N, remote/N (T pending,
# D done) for preprocessed ones, bounce/INODE, split 23.  The generator
# keeps the truth: counts per folder and origin, and every message's bytes
# and envelope.  Checked: summary and top counts equal the truth; bounces
# qmail-send made trace to the uid of the message they carry; hold refuses
# while qmail-send's lock/sendmutex is held (flock, and lockf); hold moves
# exactly the shown selection (an inode reused since, and a message arrived
# since, are left alone); release goes through a recording stand-in
# qmail-queue whose fd 0 and fd 1 equal the original message and envelope
# byte for byte, run as the submitter's uid; delete removes only held mail
# unless --force; hostile content leaves the output clean and JSON valid.
. "$(dirname "$0")/../lib/harness.sh"
mo_begin "$@"
CTL_BUILD=$MO_ROOT/build/mailoriginctl
[ -x "$CTL_BUILD" ] || mo_skip_all "$CTL_BUILD not built (run make)"
for c in jq flock python3; do
	command -v $c >/dev/null || mo_skip_all "$c missing (.ci/deps.sh installs it)"
done
CTL=$T/bin/mailoriginctl
install -m 0755 "$CTL_BUILD" "$CTL"
mo_install_wrapper
mo_conf qmail /var/qmail/bin/qmail-inject

Q=$T/qmail/queue
SPLIT=23
A=$(mo_uid mo-site-a); B=$(mo_uid mo-site-b)
QMAILD=64011; QMAILS=64012              # qmaild's and qmails' uids (no such users here)
TR=$T/truth; mkdir -p "$TR"
for d in mess info local remote; do for ((i = 0; i < SPLIT; i++)); do mkdir -p "$Q/$d/$i"; done; done
mkdir -p "$Q/todo" "$Q/intd" "$Q/bounce" "$Q/pid" "$Q/lock"
: >"$Q/lock/sendmutex"; chmod 600 "$Q/lock/sendmutex"

# The recording stand-in for qmail-queue: fd 0 and fd 1 kept byte for byte.
REC=$T/rec; mkdir -p "$REC"; chmod 1777 "$REC"
cat >"$T/bin/qmail-queue" <<EOF
#!/bin/bash
r=\$(mktemp -d "$REC/r.XXXXXX") || exit 53
cat >"\$r/fd0" || exit 54
cat <&1 >"\$r/fd1" || exit 54
id -u >"\$r/uid"
[ -f "$REC/exitcode" ] && exit "\$(cat "$REC/exitcode")"
exit 0
EOF
chmod 755 "$T/bin/qmail-queue"
q() { "$CTL" queue "$@" --queue-dir "$Q" --qmail-queue "$T/bin/qmail-queue"; }

next=1000
# msg STATE WHO SENDER LOCAL REMOTE SUBJECT BODY [EXTRA-HEADERS]
#  STATE todo | todosplit | pre | intd; WHO a uid, net or bounce;
#  LOCAL, REMOTE: space-separated recipients, "D:" before one already done.
# Prints the message's id; writes the truth: $TR/ID.env (the envelope
# qmail-queue took: F, the pending T, a NUL), $TR/ID.who.
msg() {
	local state=$1 who=$2 sender=$3 loc=$4 rem=$5 subj=$6 body=$7 extra=${8:-}
	local id=$next n u recv r f
	next=$((next + 1)); n=$((id % SPLIT))
	case $who in
	net) recv="from network"; u=$QMAILD ;;
	bounce) recv="for bounce"; u=$QMAILS ;;
	*) recv="by uid $who"; u=$who ;;
	esac
	{
		printf 'Received: (qmail %d invoked %s); 1 Dec 2026 22:00:00 -0000\n' $((id + 7)) "$recv"
		[ "$who" = net ] && printf 'Received: from unknown (HELO x.example) (192.0.2.7)\n  by mx.example with SMTP; 1 Dec 2026 22:00:00 -0000\n'
		printf '%b' "$extra"
		printf 'From: %s\nSubject: %s\nMessage-ID: <%d@test>\n\n%b\n' "$sender" "$subj" "$id" "$body"
	} >"$Q/mess/$n/$id"
	cp "$Q/mess/$n/$id" "$TR/$id.mess"
	{ printf 'F%s\0' "$sender"; for r in $loc $rem; do [ "${r#D:}" = "$r" ] && printf 'T%s\0' "$r"; done; printf '\0'; } >"$TR/$id.env"
	echo "$who" >"$TR/$id.who"
	case $state in
	todo|todosplit|intd)
		f=$Q/intd/$id
		{ printf 'u%d\0p%d\0F%s\0' "$u" $((id + 7)) "$sender"; for r in $loc $rem; do printf 'T%s\0' "$r"; done; } >"$f"
		if [ "$state" = todo ]; then ln "$f" "$Q/todo/$id"
		elif [ "$state" = todosplit ]; then mkdir -p "$Q/todo/$n"; mv "$f" "$Q/todo/$n/$id"
		fi ;;
	pre)
		printf 'F%s\0' "$sender" >"$Q/info/$n/$id"
		for r in $loc; do if [ "${r#D:}" != "$r" ]; then printf 'D%s\0' "${r#D:}"; else printf 'T%s\0' "$r"; fi; done >"$Q/local/$n/$id"
		for r in $rem; do if [ "${r#D:}" != "$r" ]; then printf 'D%s\0' "${r#D:}"; else printf 'T%s\0' "$r"; fi; done >"$Q/remote/$n/$id"
		[ -n "$loc" ] || rm "$Q/local/$n/$id"
		[ -n "$rem" ] || rm "$Q/remote/$n/$id" ;;
	esac
	echo "$id"
}
many() { local k=$1 i; shift; for ((i = 0; i < k; i++)); do msg "$@" >>"$TR/ids.$GROUP"; done; }

# the truth, by group
GROUP=a_spam_remote;  many 150 pre  "$A" spam@site-a.example "" "x@remote.example y@remote.example" "cheap pills" "casino casino"
GROUP=a_spam_todo;    many 40  todo "$A" spam@site-a.example "" "z@remote.example" "cheap pills" "casino now"
GROUP=a_ham_remote;   many 20  pre  "$A" news@site-a.example "" "reader@remote.example" "newsletter" "monthly news"
GROUP=b_ham_local;    many 60  pre  "$B" b@site-b.example "mo-rcpt@local.example" "" "invoice" "your invoice"
GROUP=b_ham_both;     many 10  pre  "$B" b@site-b.example "mo-rcpt@local.example" "c@remote.example" "invoice" "both channels"
GROUP=b_ham_partdone; many 5   pre  "$B" b@site-b.example "D:mo-rcpt@local.example" "d@remote.example" "invoice" "local done"
GROUP=net_remote;     many 30  pre  net relay@else.example "" "e@remote.example" "hello" "from the network"
bounce_body="Hi. This is the qmail-send program at mx.example.\nI'm afraid I wasn't able to deliver your message to the following addresses.\nThis is a permanent error; I've given up. Sorry it didn't work out.\n\n<nobody@remote.example>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n--- Below this line is a copy of the message.\n\nReturn-Path: <spam@site-a.example>\nReceived: (qmail 777 invoked by uid $A); 1 Dec 2026 21:00:00 -0000\nFrom: spam@site-a.example\nSubject: cheap pills\n\ncasino casino"
GROUP=bounce_local;   many 25  pre  bounce "" "mo-rcpt@local.example" "" "failure notice" "$bounce_body"
GROUP=b_done;         many 1   pre  "$B" b@site-b.example "D:mo-rcpt@local.example" "" "invoice" "all done"
GROUP=b_todosplit;    many 1   todosplit "$B" b@site-b.example "mo-rcpt@local.example" "" "invoice" "big todo"
for id in $(cat "$TR/ids.b_done"); do echo "failure text" >"$Q/bounce/$id"; done
GROUP=writing;        many 1   intd "$B" b@site-b.example "" "w@remote.example" "half" "still being written"
# hostile content from uid B (a local user controls headers and body)
esc=$'\e'
GROUP=hostile
msg pre "$B" "evil${esc}[31m@site-b.example" "" "h@remote.example" "${esc}]0;owned${esc}[2J title" "body" >>"$TR/ids.hostile"
msg pre "$B" b@site-b.example "" "h@remote.example" 'nul \0 inside' 'body \0 nul \xff\xfe' 'X-Bad: \xc3\x28 \xed\xa0\x80 nul \0 inside\n' >>"$TR/ids.hostile"
msg pre "$B" b@site-b.example "" "h@remote.example" "forged lower line" "body" 'Received: (qmail 1 invoked by uid 0); 1 Dec 2026 20:00:00 -0000\n' >>"$TR/ids.hostile"
big=$(head -c 300000 /dev/zero | tr '\0' 'A')
msg pre "$B" b@site-b.example "" "h@remote.example" "huge $big" "body" >>"$TR/ids.hostile"
cnt() { local g s=0; for g in "$@"; do s=$((s + $(wc -l <"$TR/ids.$g"))); done; echo $s; }

# ---- summary and top against the truth --------------------------------------
sum=$(q summary --json)
qc() { jq -r --arg q "$1" 'select(.type == "queue" and .queue == $q) | .count' <<<"$sum"; }
t_is "$(qc todo)" "$(cnt a_spam_todo b_todosplit)" "summary: not yet preprocessed (todo, flat and split)"
t_is "$(qc remote)" "$(cnt a_spam_remote a_ham_remote b_ham_partdone net_remote hostile)" "summary: preprocessed, remote pending"
t_is "$(qc local)" "$(cnt b_ham_local bounce_local)" "summary: preprocessed, local pending"
t_is "$(qc both)" "$(cnt b_ham_both)" "summary: local and remote pending"
t_is "$(qc done)" "$(cnt b_done)" "summary: nothing pending (bounce due)"
t_is "$(qc hold)" 0 "summary: nothing held yet"
t_is "$(jq -r 'select(.type == "scan") | "\(.messages) \(.incomplete)"' <<<"$sum")" \
	"$(($(cnt a_spam_remote a_spam_todo a_ham_remote b_ham_local b_ham_both b_ham_partdone net_remote bounce_local b_done b_todosplit hostile))) 1" \
	"summary: every whole message read; the one qmail-queue is still writing skipped as incomplete"
t_is "$(jq -r 'select(.type == "queue" and .queue == "remote") | .bytes' <<<"$sum")" \
	"$(for g in a_spam_remote a_ham_remote b_ham_partdone net_remote hostile; do for id in $(cat "$TR/ids.$g"); do stat -c %s "$Q/mess/$((id % SPLIT))/$id"; done; done | awk '{ s += $1 } END { print s }')" \
	"summary: bytes of the remote folder are its mess files' sizes"
top=$(q top --by uid --json --limit 10)
tk() { jq -r --argjson k "$1" 'select(.key == $k) | .count' <<<"$top"; }
t_is "$(tk "$A")" "$(cnt a_spam_remote a_spam_todo a_ham_remote bounce_local)" "top --by uid: uid A (its bounces included, traced)"
t_is "$(tk "$B")" "$(cnt b_ham_local b_ham_both b_ham_partdone b_done b_todosplit hostile)" "top --by uid: uid B (a forged lower Received line changes nothing)"
t_is "$(tk null)" "$(cnt net_remote)" "top --by uid: network mail has no uid"
t_is "$(jq -r 'select(.key == '"$A"') | .user' <<<"$top")" mo-site-a "top --by uid names the user"
bt=$(q top --by bounce --json)
t_is "$(jq -r '"\(.key) \(.count)"' <<<"$bt")" "uid $A $(cnt bounce_local)" "top --by bounce: qmail-send's bounces trace to the uid of the message they carry"
t_is "$(q list --json --bounce | jq -r '"\(.uid_trust) \(.traced)"' | sort -u)" "trusted true" "bounces made by qmail-send: traced, trusted"
t_is "$(q top --by queue --json | jq -r 'select(.key == "todo") | .count')" "$(cnt a_spam_todo b_todosplit)" "top --by queue"
t_is "$(q list --json --queue todo | wc -l) $(q list --json --queue both | wc -l)" "$(cnt a_spam_todo b_todosplit) $(cnt b_ham_both)" "--queue takes qmail's folder names"
t_like "$(q list --queue deferred 2>&1)" "no such queue: deferred \(todo local remote both hold done\)" "and names them when given a Postfix one"
t_is "$(q list --json --uid "$A" --body casino | wc -l)" "$(cnt a_spam_remote a_spam_todo bounce_local)" "selection by body regex: exactly the spam"
t_is "$(q list --json --header 'Subject: ^newsletter' | wc -l)" "$(cnt a_ham_remote)" "selection by header regex"
t_is "$(q top --by client --json | jq -r .count)" "$(($(cnt a_spam_remote a_spam_todo a_ham_remote b_ham_local b_ham_both b_ham_partdone net_remote bounce_local b_done b_todosplit hostile)))" "top --by client: no client claimed on qmail"
t_is "$(q summary | grep -c '% .*network')" 1 "summary: network mail shown as network among the top origins"
id=$(head -1 "$TR/ids.a_spam_todo")
sh=$(q show "$id" --json)
t_is "$(jq -r '"\(.queue) \(.uid) \(.uid_trust) \(.sender) \(.nrcpt)"' <<<"$sh")" "todo $A trusted spam@site-a.example 1" "show ID: a todo message, its uid and envelope"
t_like "$(q show "$id")" "Received: \(qmail $((id + 7)) invoked by uid $A\)" "show ID prints the headers"
t_like "$("$CTL" queue summary --qmail --queue-dir "$Q" 2>&1 | head -1)" "^queue $Q" "--qmail with --queue-dir"
t_like "$(q summary)" "todo: not yet preprocessed" "the summary says what qmail's folders mean"

# ---- hostile content ----------------------------------------------------------
clean() { LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]' <<<"$1"; }
for v in "summary" "list" "top --by subject" "top --by sender"; do
	t_is "$(clean "$(q $v 2>&1)")" 0 "queue $v: no control byte reaches the terminal"
done
for id in $(cat "$TR/ids.hostile"); do out=$(q show "$id" 2>&1); [ "$(clean "$out")" = 0 ] || break; done
t_is "$(clean "$out")" 0 "queue show of each hostile message: no control byte"
for v in "summary --json" "list --json" "top --by subject --json" "top --by sender --json"; do
	out=$(q $v)
	bad=$(printf '%s\n' "$out" | while IFS= read -r l; do jq -e . >/dev/null 2>&1 <<<"$l" || echo bad; done | wc -l)
	t_is "$bad" 0 "queue $v: every line valid JSON"
done
t_is "$(q list --json --header 'Subject: ^huge' | jq -r '.subject | length')" 256 "a 300 KB header is cut, not a problem"

# ---- acting: qmail-send's lock ---------------------------------------------------
before=$(find "$Q" -type f | wc -l)
# a process holding the lock as qmail-send does (lock_exnb: flock, or lockf)
hold_lock() {   # hold_lock flock|lockf: the holder's pid, once it holds it
	rm -f "$T/lock.out"
	python3 -c 'import fcntl, sys, time
f = open(sys.argv[2], "a")
fcntl.flock(f, fcntl.LOCK_EX) if sys.argv[1] == "flock" else fcntl.lockf(f, fcntl.LOCK_EX)
print("locked", flush=True); time.sleep(300)' "$1" "$Q/lock/sendmutex" >"$T/lock.out" &
	holder=$!
	for ((i = 0; i < 200; i++)); do grep -q locked "$T/lock.out" 2>/dev/null && break; sleep 0.1; done
}
hold_lock flock
out=$(q hold --uid "$A" --yes 2>&1); rc=$?
t_ok $((rc == 0)) "hold refused while qmail-send holds lock/sendmutex (flock)"
t_like "$out" "qmail-send is running" "the refusal says why"
kill "$holder"; wait "$holder" 2>/dev/null
hold_lock lockf
out=$(q hold --uid "$A" --yes 2>&1); rc=$?
t_ok $((rc == 0)) "hold refused while another process holds it with lockf (qmail built without flock)"
kill "$holder"; wait "$holder" 2>/dev/null
t_is "$(find "$Q" -type f | wc -l)" "$before" "nothing moved while refused"
t_is "$(ls "$MO_STATE/qmail-hold" 2>/dev/null | wc -l)" 0 "nothing held while refused"

# ---- hold exactly what was shown ----------------------------------------------------
prev=$(q hold --uid "$A" --plan "$T/plan")
held_want=$(cnt a_spam_remote a_spam_todo a_ham_remote bounce_local)
t_like "$prev" "queue hold: $held_want messages" "the preview counts the selection"
t_like "$prev" "dry run: nothing done" "without --yes nothing is done"
t_is "$(ls "$MO_STATE/qmail-hold" 2>/dev/null | wc -l)" 0 "the preview held nothing"
# after the preview: one new message from A arrives, one planned inode is reused
GROUP=a_late; many 1 pre "$A" spam@site-a.example "" "late@remote.example" "cheap pills" "casino late"
victim=$(head -1 "$TR/ids.a_spam_remote"); vn=$((victim % SPLIT))
printf 'Received: (qmail 9 invoked by uid %d); 1 Dec 2026 23:00:00 -0000\nSubject: a new message, same inode\n\nnot the shown one\n' "$B" >"$Q/mess/$vn/$victim.new"
touch -d '2026-12-01 23:30:00' "$Q/mess/$vn/$victim.new"; mv "$Q/mess/$vn/$victim.new" "$Q/mess/$vn/$victim"
out=$(q hold --yes --plan "$T/plan" 2>&1)
t_like "$out" "hold: $((held_want - 1)) messages, 1 left alone" "hold --yes --plan: all shown but the reused inode"
t_is "$(ls "$MO_STATE/qmail-hold" | wc -l)" $((held_want - 1)) "that many in the hold area"
t_ok "$([ -f "$Q/mess/$vn/$victim" ] && [ -f "$Q/info/$vn/$victim" ]; echo $?)" "the reused inode's message is still in the queue"
late=$(cat "$TR/ids.a_late")
t_ok "$([ -f "$Q/mess/$((late % SPLIT))/$late" ] && [ -f "$Q/remote/$((late % SPLIT))/$late" ]; echo $?)" "the message arrived after the preview is not held"
gone=0
for g in a_spam_todo a_ham_remote bounce_local; do for id in $(cat "$TR/ids.$g"); do
	n=$((id % SPLIT))
	for f in mess/$n/$id info/$n/$id local/$n/$id remote/$n/$id todo/$id intd/$id; do [ -e "$Q/$f" ] && gone=$((gone + 1)); done
done; done
t_is "$gone" 0 "every file of every held message left the queue (mess, info, local, remote, todo, intd)"
id=$(head -1 "$TR/ids.a_spam_todo")
t_ok "$(cmp -s "$MO_STATE/qmail-hold/$id/envelope" "$TR/$id.env"; echo $?)" "the hold keeps the envelope in qmail-queue's format"
t_ok "$(cmp -s "$MO_STATE/qmail-hold/$id/todo" <(printf 'u%d\0p%d\0F%s\0T%s\0' "$A" $((id + 7)) spam@site-a.example z@remote.example); echo $?)" "and the todo file as it was"
t_is "$(q summary --json | jq -r 'select(.type == "queue" and .queue == "hold") | .count')" $((held_want - 1)) "summary shows them held"
t_is "$(q list --json --queue hold | jq -r .uid | sort -u)" "$A" "held messages keep their attribution"
t_is "$(grep -c ' hold ' "$MO_STATE/queue.journal")" $((held_want - 1)) "the journal lists every held id"
t_like "$(tail -5 "$MO_LOG")" "action=queue-hold.*planned=$held_want.*acted=$((held_want - 1)).*changed=1" "one log line for the batch"

# ---- release the ham through qmail-queue ------------------------------------------------
prev=$(q release --queue hold --not --body casino)
t_like "$prev" "queue release: $(cnt a_ham_remote) messages" "release preview: the ham among the held"
q release --queue hold --not --body casino --yes >"$T/rel.out" 2>&1
t_like "$(cat "$T/rel.out")" "release: $(cnt a_ham_remote) messages" "release --yes"
t_is "$(ls -d "$REC"/r.* | wc -l)" "$(cnt a_ham_remote)" "qmail-queue ran once per released message"
bad=0
for id in $(cat "$TR/ids.a_ham_remote"); do
	found=0
	for r in "$REC"/r.*; do
		if cmp -s "$r/fd1" "$TR/$id.env" && grep -q "^Message-ID: <$id@test>" "$r/fd0"; then found=1; break; fi
	done
	[ $found = 1 ] || { bad=$((bad + 1)); continue; }
	# fd 0: the message byte for byte as it was in mess/N/ID
	cmp -s "$TR/$id.mess" "$r/fd0" || bad=$((bad + 1))
	[ "$(cat "$r/uid")" = "$A" ] || bad=$((bad + 1))
done
t_is "$bad" 0 "each release: fd 0 the original message, fd 1 its envelope, byte for byte; run as the submitter's uid"
t_is "$(q list --json --queue hold | wc -l)" $((held_want - 1 - $(cnt a_ham_remote))) "the released left the hold area, the rest stays"
# a release qmail-queue refuses keeps the message held
echo 53 >"$REC/exitcode"
one=$(q list --json --queue hold | jq -r .id | head -1); echo "$one" >"$T/one"
out=$(q release --id-file "$T/one" --yes 2>&1); rc=$?
t_ok $((rc == 0)) "a failing qmail-queue makes release fail"
t_like "$out" "exited 53" "with qmail-queue's exit code"
t_ok "$([ -d "$MO_STATE/qmail-hold/$one" ]; echo $?)" "and the message stays held"
rm -f "$REC/exitcode"

# ---- export and delete ------------------------------------------------------------------
nheld=$(q list --json --queue hold | wc -l)
q export --queue hold --to "$T/evidence.mbox" --yes >/dev/null 2>&1
t_is "$(grep -c '^From ' "$T/evidence.mbox")" "$nheld" "export: every held message in the mbox"
t_is "$(grep -c "^X-Mailorigin-Queue-Uid: $A (trusted)" "$T/evidence.mbox")" "$nheld" "with its attribution"
out=$(q delete --uid "$B")
t_like "$out" "more selected but not held" "delete: queue messages are not deleted without --force"
q delete --queue hold --yes >/dev/null 2>&1
t_is "$(ls "$MO_STATE/qmail-hold" | wc -l)" 0 "delete: the hold area is empty"
t_is "$(q summary --json | jq -r 'select(.type == "scan") | .messages')" \
	"$(($(cnt b_ham_local b_ham_both b_ham_partdone net_remote b_done b_todosplit hostile a_late) + 1))" \
	"only the held were deleted: B's, the network's, the late and the reused inode's remain"
id=$(head -1 "$TR/ids.b_ham_both"); echo "$id" >"$T/one"
out=$(q delete --force --id-file "$T/one" --yes 2>&1)
n=$((id % SPLIT))
t_ok "$([ ! -e "$Q/mess/$n/$id" ] && [ ! -e "$Q/info/$n/$id" ] && [ ! -e "$Q/local/$n/$id" ] && [ ! -e "$Q/remote/$n/$id" ]; echo $?)" "delete --force: all of a queue message's files"
# ---- a virtual domain's local recipients: released as given, not with qmail-send's prefix ----
# (control/virtualdomains beside the queue; local/ holds "PREFIX-user@domain")
mkdir -p "$T/qmail/control"
printf 'other.example:mo-o\nvdom.example:mo-v\n.sub.example:mo-w\n' >"$T/qmail/control/virtualdomains"
GROUP=vdom; many 1 pre "$B" b@site-b.example "alice@vdom.example bob@x.sub.example mo-rcpt@local.example" "" "vdom" "virtual"
id=$(cat "$TR/ids.vdom"); n=$((id % SPLIT))
printf 'Tmo-v-alice@vdom.example\0Tmo-w-bob@x.sub.example\0Tmo-rcpt@local.example\0' >"$Q/local/$n/$id"
echo "$id" >"$T/one"
q hold --id-file "$T/one" --yes >/dev/null 2>&1
t_ok "$(cmp -s "$MO_STATE/qmail-hold/$id/envelope" "$TR/$id.env"; echo $?)" \
	"hold: a virtual domain's local recipients in the envelope without qmail-send's prefix, others as they are"
q release --id-file "$T/one" --yes >/dev/null 2>&1
r=$(grep -l "^Message-ID: <$id@test>" "$REC"/r.*/fd0 | head -1)
t_ok "$([ -n "$r" ] && cmp -s "${r%/fd0}/fd1" "$TR/$id.env"; echo $?)" "release: qmail-queue's fd 1 has them so"
t_done
