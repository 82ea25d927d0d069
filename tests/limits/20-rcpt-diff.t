#!/usr/bin/env bash
# Issue 11, finding 1: the recipient count is never below what Postfix
# delivers to.  A generated corpus of address lists (separators, phrases,
# angle addresses, groups, comments, quotes, unclosed brackets, encoded
# words, Resent-*, folded lines, duplicates, NULs) goes through the setgid
# wrapper into ONE private Postfix, in headers with -t and in argv.  For
# every case our logged rcpts= must be >= the nrcpt= Postfix's queue
# manager logs for the same Message-ID (0 when Postfix refused the
# message), and equal unless the case is marked as one where we over-count
# on purpose (duplicates, which Postfix drops; fields we count by tokens).
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/postfix.sh"
mo_begin "$@"
mo_need_wrapper
pf_start
# keep everything queued: nrcpt is logged when the message becomes active,
# no delivery or bounce is needed
postconf -e 'defer_transports = local, error, smtp' && postfix reload >/dev/null 2>&1
mo_install_wrapper
mo_conf postfix /usr/sbin/sendmail
M=$T/msg; mkdir -p "$M"; chmod 755 "$M"

cases=()          # "KIND|CMP|TEXT": KIND h (header, -t) or a (argv, words split on '|')
add() { cases+=("$1|$2|$3"); }

# ---- generated: every item shape with every separator ------------------
forms=('a@x.test' '<a@x.test>' '"Doe, A" <a@x.test>' 'Ann Doe <a@x.test>'
       '(c, d) a@x.test' 'a@x.test (Doe; A)' '=?utf-8?Q?J=C3=B6rg?= <a@x.test>')
seps=(', ' ' ' $'\t' $',\n ' ' (c) ' ',,' $'\n\t')
for f in "${forms[@]}"; do
	for s in "${seps[@]}"; do
		l=""
		for n in 1 2 3; do
			item=${f//a@x/r$n@x}
			l=${l:+$l$s}$item
		done
		add h eq "To: $l"
	done
done
# ---- hand-made shapes -----------------------------------------------------
add h eq 'To: undisclosed-recipients:;'
add h eq 'To: team: r1@x.test, r2@x.test;'
add h eq 'To: team: r1@x.test r2@x.test;, r3@x.test'
add h eq 'To: g: r1@x.test; h: r2@x.test, r3@x.test;'
add h eq 'To: r1:r2@x.test'
add h eq 'To: <r1@x.test, r2@x.test, r3@x.test'
add h eq 'To: r1@x.test, <r2@x.test r3@x.test'
add h eq 'To: (r1@x.test, r2@x.test'
add h eq 'To: "r1@x.test, r2@x.test'
add h eq 'To: [r1@x.test, r2@x.test'
add h eq 'To: r1@x.test, r2@x.test>'
add h eq 'To: <r1@x.test> <r2@x.test> r3@x.test'
add h eq 'To: r1@x.test <r2@x.test>'
add h eq 'To: "q"r1@x.test r2@x.test'
add h eq 'To: r1\ r2@x.test r3@x.test'
add h eq 'To: r1@[127.0.0.1] r2@x.test'
add h eq 'To: =?utf-8?Q?a,b?= <r1@x.test>'
add h eq 'To: <>, r1@x.test'
add h eq 'To: r1@x.test;r2@x.test'
add h eq $'To: r1@x.test\nCc: r2@x.test r3@x.test\nBcc: r4@x.test'
add h eq $'To: r1@x.test,\n r2@x.test\n\tr3@x.test'
add h eq $'To: r1@x.test\nResent-To: r2@x.test, r3@x.test'
add h eq $'Resent-Cc: r2@x.test r3@x.test\nTo: r1@x.test r4@x.test r5@x.test'
add h eq $'Resent-Bcc: r2@x.test\nResent-Date: Mon, 1 Jan 2026 00:00:00 +0000\nTo: r1@x.test'
add h eq $'Resent-Date: Mon, 1 Jan 2026 00:00:00 +0000\nTo: r1@x.test r2@x.test'
add h eq $'To: r1@x.test\nResent-To: r2@x.test\nCc: r3@x.test r4@x.test'
add h eq $'TO: r1@x.test r2@x.test\ncc: r3@x.test\nbCC: r4@x.test'
add h eq $'To : r1@x.test r2@x.test'
add h ge 'To: r1@x.test, r1@x.test, R1@x.test'
add h ge $'To: r1@x.test\nCc: r1@x.test'
add h eq "To: $(for i in $(seq 150); do printf 'm%s@x.test ' "$i"; done)"
add h eq "To: $(for i in $(seq 40); do printf '"N %s" <m%s@x.test>, ' "$i" "$i"; done)"
add h eq "To: $(printf 'r1@x.test%*s r2@x.test' 3000 '')"
add a eq 'r1@x.test'
add a eq 'r1@x.test r2@x.test r3@x.test'
add a eq 'r1@x.test|r2@x.test, r3@x.test|"D, R" <r4@x.test>'
add a eq '<r1@x.test, r2@x.test'
add a eq 'Ann Doe <r1@x.test>|(c) r2@x.test r3@x.test'
add a eq 'g: r1@x.test r2@x.test;'
add a eq '--|r1@x.test r2@x.test'
add a ge 'r1@x.test|r1@x.test'
add a eq "$(for i in $(seq 60); do printf 'a%s@x.test ' "$i"; done)"
t_diag "${#cases[@]} cases"

# ---- submit all (four at a time), then read both logs -------------------------
# submit I KIND TEXT
submit() {
	local f=$M/$1.eml words
	if [ "$2" = h ]; then
		printf 'From: mo-site-a@test.invalid\nMessage-ID: <rc-%s@mo.test>\nSubject: case %s\n%s\n\nbody\n' \
			"$1" "$1" "$3" >"$f"
		mo_as mo-site-a "$W" -t -i <"$f" >/dev/null 2>"$M/$1.err"
	else
		printf 'From: mo-site-a@test.invalid\nMessage-ID: <rc-%s@mo.test>\nSubject: case %s\n\nbody\n' \
			"$1" "$1" >"$f"
		IFS='|' read -r -a words <<<"$3"
		mo_as mo-site-a "$W" -i "${words[@]}" <"$f" >/dev/null 2>"$M/$1.err"
	fi
	echo $? >"$M/$1.rc"
}
i=0
declare -A kind cmp
for c in "${cases[@]}"; do
	i=$((i + 1))
	k=${c%%|*}; rest=${c#*|}
	kind[$i]=$k; cmp[$i]=${rest%%|*}
	submit "$i" "$k" "${rest#*|}" &
	[ $((i % 4)) -eq 0 ] && wait
done
wait
n=$i

# nrcpt_table: "CASE NRCPT" for every case Postfix queued and activated
nrcpt_table() {
	awk '/: message-id=<rc-[0-9]*@mo.test>/ { q = $0; sub(/: message-id=.*/, "", q); sub(/.* /, "", q)
		id = $0; sub(/.*<rc-/, "", id); sub(/@.*/, "", id); c[q] = id }
	     / from=<.*nrcpt=/ { q = $0; sub(/: from=.*/, "", q); sub(/.* /, "", q)
		r = $0; sub(/.*nrcpt=/, "", r); sub(/ .*/, "", r); if (q in c) print c[q], r }' "$PF/maillog"
}
queued() { grep -a -c -E ': message-id=<rc-[0-9]+@mo.test>' "$PF/maillog"; }
# wait until every queued case shows its nrcpt (a bound for failure, not a timing)
for try in $(seq 300); do
	[ "$(nrcpt_table | wc -l)" -ge "$(queued)" ] && break
	sleep 0.2
done
declare -A nrcpt
while read -r c r; do nrcpt[$c]=$r; done < <(nrcpt_table)
t_diag "$(queued) queued by Postfix, all activated by $SECONDS s"

for i in $(seq "$n"); do
	line=$(grep -a -F "msgid=<rc-$i@mo.test>" "$MO_LOG" | tail -1)
	ours=$(printf "%s" "$line" | sed -n "s/.* rcpts=\([0-9]*\).*/\1/p")
	theirs=${nrcpt[$i]:-0}
	[ "$(cat "$M/$i.rc")" = 0 ] || theirs=0
	label="case $i (${kind[$i]}): $(head -c 70 <<<"${cases[$((i - 1))]#*|*|}" | tr '\n\t' '  ')"
	if [ -z "$ours" ]; then
		t_ok 1 "$label: logged" ; t_diag "$(cat "$M/$i.err")"; continue
	fi
	if [ "${cmp[$i]}" = eq ]; then
		t_is "$ours" "${theirs:-none}" "$label: rcpts=$ours, Postfix nrcpt=${theirs:-none}"
	else
		[ -n "$theirs" ] && [ "$ours" -ge "$theirs" ] && [ "$ours" -gt "$theirs" ]
		t_ok $? "$label: rcpts=$ours > Postfix nrcpt=${theirs:-none} (over-count on purpose)"
	fi
done
t_done
