#!/usr/bin/env bash
# Issue 12: fidelity as a property.  Every case (a message shape and a
# command line from Postfix's sendmail(1): options, modes, end-of-input
# rules, and the cases real clients found) is submitted twice as the same
# site user into one private Postfix: once through the real sendmail, once
# through the wrapper (called by the name callers use, "sendmail").  Each
# side sends to its own recipient tag; then, per case, these must be equal
# after the tags are made one:
#  - the exit status,
#  - stderr (its text: Postfix's own words in both),
#  - stdout (but for -bp, whose queue listing is of another moment),
#  - what was delivered to each recipient: envelope (Return-Path,
#    X-Original-To, Delivered-To) and content, minus Received, our
#    X-Mailorigin-* headers and the values of the Date and Message-Id that
#    Postfix adds per run.
# The submissions are made in one batch and Postfix delivers them all
# while they run; the comparison is made once the queue is empty.
# The same message shapes then go through the wrapper in qmail mode into
# the recording stand-in for qmail-inject (50-qmail.t's): qmail's sendmail
# front end passes every byte, so qmail-inject must get every byte of the
# input below our headers, with qmail's argv.
# Differences that are the wrapper's on purpose (--help, -bd, -C, -bs) are
# checked for the wrapper's documented behaviour in 65-refusals.t and
# 80-bs.t, and listed in mailorigin-sendmail(8).
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/postfix.sh"
mo_begin "$@"
mo_need_wrapper
pf_start
mo_install_wrapper
mo_conf postfix /usr/sbin/sendmail
ln -s "$W" "$T/bin/sendmail"
SITE=$T/site; mkdir -p "$SITE"; chmod 755 "$SITE"
S=$T/shapes; C=$T/cases; mkdir -p "$S" "$C"; chmod 755 "$S" "$C"
export LC_ALL=C

# ---- message shapes (@R1@, @R2@: the case's recipients) --------------------------
shape() { printf "$2" >"$S/$1"; SHAPES+=("$1"); }   # shape NAME PRINTF-FORMAT
SHAPES=()
shape plain 'To: @R1@\nSubject: plain\n\nbody\n'
shape crlf 'To: @R1@\r\nSubject: crlf\r\n\r\nbody\r\nline 2\r\n'
shape mbox-from 'From someone@test.invalid Mon Dec  1 10:00:00 2026\nFrom: git@test.invalid\nTo: @R1@\nSubject: [PATCH] x\n\npatch\n'
shape mbox-from2 '>From a Mon\nFrom b Tue\nTo: @R1@\nSubject: two\n\nb\n'
shape mbox-crlf 'From a Mon\r\nTo: @R1@\r\nSubject: crlf mbox\r\n\r\nb\r\n'
shape fromage 'Fromage: not an mbox line\nTo: @R1@\nSubject: f\n\nb\n'
shape lone-dot 'To: @R1@\nSubject: dot\n\nbefore\n.\nafter the dot\n'
shape dot-cr 'To: @R1@\nSubject: dot cr\n\nbefore\n.\r\nafter\n'
shape dot-last 'To: @R1@\nSubject: dot last\n\nbefore\n.'
shape dot-stuffed 'To: @R1@\nSubject: stuffed\n\n..\n. \n.x\nx.\n'
shape dot-first '.\nTo: @R1@\nSubject: dot first\n\nb\n'
shape from-dot 'From x Mon\n.\nTo: @R1@\n\nb\n'
shape blank-first ' folded?\nTo: @R1@\nSubject: blank first\n\nb\n'
shape tab-first '\tX-Mailorigin-Id: forged\nTo: @R1@\n\nb\n'
shape body-only 'hello world\nno header here\n'
shape empty ''
shape no-eol 'To: @R1@\nSubject: no eol'
shape later-from 'To: @R1@\nFrom someone Mon\nSubject: later\n\nb\n'
shape forged 'X-Mailorigin-Id: forged\nTo: @R1@\nX-Mailorigin-Uid: 0 (root)\nSubject: forged\n\nb\n'
shape bcc 'To: @R1@\nBcc: @R2@\nSubject: bcc\n\nb\n'
shape resent 'To: nobody@test.invalid\nResent-To: @R1@\nResent-Cc: @R2@\nSubject: resent\n\nb\n'
shape eightbit 'To: @R1@\nSubject: =?UTF-8?Q?=C3=A9t=C3=A9?=\n\n\xc3\xa9t\xc3\xa9 \xff\x01 tab\there\n'
long=$(head -c 3000 /dev/zero | tr '\0' x)
shape long-line "To: @R1@\nSubject: long\n\n$long\n.\n"
shape long-from "From $long\nTo: @R1@\n\nb\n"
shape long-header "To: @R1@\nX-Long: $long\n\nb\n"

# ---- cases: "SHAPE|ARGS" (ARGS split on blanks, %20 a blank inside one) -------------------
CASES=()
for sh in "${SHAPES[@]}"; do
	CASES+=("$sh|@R1@" "$sh|-i @R1@" "$sh|-t" "$sh|-t -i")
done
for a in "-oi @R1@" "-oi -t" "-oifalse @R1@" "-o i @R1@" "-ti" "-it" "-oem -oi -t" \
	"-f sender@test.invalid @R1@" "-fsender@test.invalid -t" "-r rs@test.invalid -i @R1@" \
	"-f <> -i @R1@" "-F Jane%20Doe -i @R1@" "-FCronDaemon -i -odi -oem -oi -t" \
	"-h 17 @R1@" "-h 17 -t" "-B8BITMIME @R1@" "-B 7BIT -i @R1@" "-B bogus @R1@" \
	"-N never @R1@" "-N delay,failure -t" "-R hdrs -V envid1 @R1@" "-V -i @R1@" \
	"-XV -f s@test.invalid @R1@" "-V +=" "-G -i @R1@" "-U -i @R1@" "-c -i @R1@" \
	"-m -i @R1@" "-x -i @R1@" "-e q -i @R1@" "-p smtp -i @R1@" "-L tag -i @R1@" \
	"-A m -i @R1@" "-O x=y -i @R1@" "-n @R1@" "-ba" "-bz" "-Z @R1@" "-t -f" "-qX" \
	"-- @R1@" "-i -- @R1@ @R2@" "@R1@,%20@R2@" "@R1@ -t" "-t -- @R2@" "-bm @R1@" \
	"-bp -bm -i @R1@" "-q -bm -i @R1@" "-bv @R1@" "-bv -t" "-bp" "-q" "-q30m" \
	"-qRtest.invalid" "-qIDEADBEEF" "-bi" "-I" "-bh" "-bH" "-bp @R1@"; do
	CASES+=("plain|$a")
done
CASES+=("lone-dot|-oi @R1@" "lone-dot|-oifalse @R1@" "lone-dot|-fsender@test.invalid @R1@"
	"mbox-from|-t -i -f patch@test.invalid" "long-line|-i @R1@" "dot-cr|-t -oi")

# ---- submit each case on both sides --------------------------------------------------
# side: d = the real sendmail, w = the wrapper
submit() {   # submit N SIDE
	local n=$1 s=$2 case=${CASES[$1]} tag=c$1$2 prog sh args a out=() r1 r2
	sh=${case%%|*}; args=${case#*|}
	r1="mo-rcpt+${tag}a@test.invalid"; r2="mo-rcpt+${tag}b@test.invalid"
	prog=/usr/sbin/sendmail; [ "$s" = w ] && prog=$T/bin/sendmail
	for a in $args; do
		a=${a//@R1@/$r1}; a=${a//@R2@/$r2}; out+=("${a//%20/ }")
	done
	sed "s/@R1@/$r1/g; s/@R2@/$r2/g" "$S/$sh" >"$C/$tag.in"
	(cd "$SITE" && mo_as mo-site-a "$prog" "${out[@]}" <"$C/$tag.in") >"$C/$tag.out" 2>"$C/$tag.err"
	echo $? >"$C/$tag.rc"
}
n0=$(mo_log_count)
t0=$(date +%s)
# three lanes at once: each case has its own files and tags
for lane in 0 1 2; do
	(
		for i in "${!CASES[@]}"; do
			[ $((i % 3)) = "$lane" ] || continue
			submit "$i" d
			submit "$i" w
		done
	) &
done
wait

t_diag "submitted ${#CASES[@]} cases twice in $(($(date +%s) - t0)) s"
# ---- a client that keeps its pipe open after the lone dot ---------------------------
# (the real sendmail returns at the dot; so must the wrapper: what the
# pipe still holds is not part of the message)
for s in d w; do
	prog=/usr/sbin/sendmail; [ "$s" = w ] && prog=$T/bin/sendmail
	mkfifo "$T/pipe.$s"; chmod 666 "$T/pipe.$s"
	{ printf 'To: x\nSubject: open pipe\n\nbody\n.\nnot part of it\n'; exec sleep 60; } >"$T/pipe.$s" &
	writer=$!
	(cd "$SITE" && timeout 30 setpriv --reuid=mo-site-a --regid=mo-site-a --init-groups \
		env -i HOME=/ PATH="$MO_STD_PATH" "$prog" "mo-rcpt+pipe${s}a@test.invalid" <"$T/pipe.$s") >/dev/null 2>&1
	echo $? >"$T/pipe.$s.rc"
	kill "$writer" 2>/dev/null; wait "$writer" 2>/dev/null
done
t_is "$(cat "$T/pipe.d.rc")" 0 "open pipe after a lone dot: the real sendmail returns (exit 0)"
t_is "$(cat "$T/pipe.w.rc")" 0 "open pipe after a lone dot: the wrapper returns too (not killed by timeout, exit 0)"

# ---- wait for Postfix to deliver everything ------------------------------------------
for ((k = 0; k < 600; k++)); do
	if [ -z "$(find "$PF/spool/maildrop" "$PF/spool/incoming" "$PF/spool/active" -type f 2>/dev/null | head -1)" ] &&
		postqueue -p 2>/dev/null | grep -q 'Mail queue is empty'; then
		break
	fi
	sleep 0.1
done
t_diag "queue empty after $(($(date +%s) - t0)) s"
[ "$k" -lt 600 ]; t_ok $? "Postfix delivered or bounced every submission" || t_diag "$(postqueue -p 2>&1 | tail -5)"

# ---- compare ---------------------------------------------------------------------------
# Everything is normalized in a few passes over all files (a process a
# file would be slow); the per-case loop then only reads files.
# index: tag of each delivered file ("Delivered-To: mo-rcpt+TAG@")
grep -H -m1 -a '^Delivered-To: mo-rcpt+' "$PF_MAIL"/mo-rcpt/new/* 2>/dev/null |
	sed -E 's/^([^:]*):Delivered-To: mo-rcpt\+([^@]*)@.*/\2 \1/' >"$T/delivered.map"
# the delivered messages without the lines of one run, header block only
awk -v dir="$C" 'NR == FNR { tag[$2] = $1; next }
	FNR == 1 { if (out != "") close(out); out = dir "/" tag[FILENAME] ".dlv"; h = 1; drop = 0 }
	h && /^\r?$/ { h = 0; print > out; next }
	h && /^[ \t]/ { if (!drop) print > out; next }
	h { drop = 0; n = index($0, ":"); name = tolower(substr($0, 1, n - 1))
	    if (name == "received" || name ~ /^x-mailorigin-/) { drop = 1; next }
	    if (name ~ /^(resent-)?(message-id|date)$/) { print substr($0, 1, n) " (per run)" > out; drop = 1; next }
	    print > out; next }
	{ print > out }' "$T/delivered.map" $(cut -d' ' -f2 "$T/delivered.map")
# one tag for both sides (VERP puts the recipient in the sender: "+c12da=test.invalid@")
sed -s -i -E 's/\+c[0-9]+[dw]([ab])([@=])/+cN\1\2/g; s/\+pipe[dw]a@/+pipeNa@/g; s/\[[0-9]+\]/[PID]/g' \
	"$C"/*.err "$C"/*.out "$C"/*.dlv
slurp() { V=; [ -f "$1" ] && IFS= read -r -d '' V <"$1"; return 0; }   # V = the file, no fork
delivered() {   # DLV = both recipients' messages of tag $1
	local r
	DLV=
	for r in a b; do
		[ -f "$C/$1$r.dlv" ] || continue
		slurp "$C/$1$r.dlv"; DLV+="== to $r"$'\n'"$V"
	done
}

same=0 differ=0
for i in "${!CASES[@]}"; do
	l="case $i (${CASES[$i]})"
	slurp "$C/c${i}d.rc"; rd=$V; slurp "$C/c${i}w.rc"; rw=$V
	t_is "$rw" "$rd" "$l: exit status" || t_diag "wrapper stderr: $(head -c 300 "$C/c${i}w.err")"
	slurp "$C/c${i}d.err"; ed=$V; slurp "$C/c${i}w.err"; ew=$V
	t_is "$ew" "$ed" "$l: stderr"
	case ${CASES[$i]} in
	*"|-bp"*) ;;    # the queue listing is of another moment
	*) slurp "$C/c${i}d.out"; od=$V; slurp "$C/c${i}w.out"; t_is "$V" "$od" "$l: stdout" ;;
	esac
	delivered "c${i}d"; dd=$DLV; delivered "c${i}w"; dw=$DLV
	if [ "$dw" = "$dd" ]; then
		t_ok 0 "$l: delivered the same"
		same=$((same + 1))
	else
		t_ok 1 "$l: delivered the same"
		t_diag "$(diff <(printf '%s\n' "$dd") <(printf '%s\n' "$dw") | head -20)"
		differ=$((differ + 1))
	fi
done
t_diag "${#CASES[@]} cases: $same delivered the same, $differ not"
slurp "$C/pipeda.dlv"; dd=$V; slurp "$C/pipewa.dlv"; dw=$V
[ -n "$dd" ] && [ "$dd" = "$dw" ]
t_ok $? "open pipe: the same message delivered, without what followed the dot" ||
	t_diag "$(diff <(printf '%s\n' "$dd") <(printf '%s\n' "$dw") | head -10)"
t_unlike "$dw" "not part of it" "open pipe: nothing after the dot"
# the log: one line a submission through the wrapper (a usage error left to
# Postfix and the modes that are not a submission are not logged)
subs=$(mo_log_since "$n0" | grep -c 'action=pass')
t_like "$subs" '^[0-9]+$' "the wrapper logged its submissions ($subs)"

t_diag "compared after $(($(date +%s) - t0)) s"
# ---- qmail: every byte reaches qmail-inject, with qmail's argv ---------------------------
Q=$T/qmail/bin
QI=$(mo_recorder "$Q" qmail-inject)
mo_conf qmail "$QI"
qargv() {   # what qmail's sendmail front end runs for ARGS: -H|-a [-f S] -- RCPTS
	local t=0 f= a
	local -a r=()
	while [ $# -gt 0 ]; do
		case $1 in
		--) shift; r+=("$@"); break ;;
		-t) t=1 ;; -i|-oi) ;;
		-f) f=$2; shift ;;
		-f*) f=${1#-f} ;;
		-*) ;;
		*) r+=("$@"); break ;;
		esac
		shift
	done
	printf '[%s]' "$([ $t = 1 ] && echo -H || echo -a)"
	[ -n "$f" ] && printf '[-f][%s]' "$f"
	printf '[--]'
	for a in "${r[@]}"; do printf '[%s]' "$a"; done
}
qn=0
for sh in "${SHAPES[@]}"; do
	for args in "-t" "-f s@test.invalid -i r@test.invalid"; do
		qn=$((qn + 1))
		rec_reset "$Q"
		# shellcheck disable=SC2086
		(cd "$SITE" && mo_as mo-site-a "$T/bin/sendmail" $args <"$S/$sh") >/dev/null 2>"$T/qerr"
		rc=$?
		# shellcheck disable=SC2086
		want=$(qargv $args)
		got=$(tail -z -n +2 "$Q/argv" 2>/dev/null | while IFS= read -r -d '' x; do printf '[%s]' "$x"; done)
		strip_ours "$Q/stdin" >"$T/qgot" 2>/dev/null
		# what qmail-inject must get: the input, but for our empty line
		# ending our block before a first line that starts with a blank,
		# and the forged copies of our headers (removed)
		case $sh in blank-first|tab-first) tail -c +2 "$T/qgot" >"$T/qgot2"; mv "$T/qgot2" "$T/qgot" ;; esac
		grep -a -v '^X-Mailorigin-' "$S/$sh" >"$T/qwant"; [ "$sh" = forged ] || cp "$S/$sh" "$T/qwant"
		if [ "$rc" = 0 ] && [ "$got" = "$want" ] && cmp -s "$T/qwant" "$T/qgot"; then
			t_ok 0 "qmail $sh ($args): exit 0, qmail's argv, every byte below our headers"
		else
			t_ok 1 "qmail $sh ($args): exit 0, qmail's argv, every byte below our headers"
			t_diag "rc=$rc argv got $got want $want" "$(cmp "$S/$sh" "$T/qgot" 2>&1)" "$(head -c 300 "$T/qerr")"
		fi
	done
done
t_diag "qmail: $qn cases, done after $(($(date +%s) - t0)) s"
t_done
