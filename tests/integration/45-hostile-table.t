#!/usr/bin/env bash
# Issue 11, systematic: a table of hostile inputs to the setgid wrapper,
# each with its one expected outcome, as mo-site-a into a recording MTA:
#   pass      exit 0, the MTA ran once and got WANT below our 5 headers
#   hold      exit 0, the MTA did not run, one message held: WANT below ours
#   exit:N    exit N, the MTA did not run, nothing held
# WANT is the input unless given (the input minus forged headers).  Every
# pass and hold is logged once.  Config: max_recipients = 5 (recipient
# counting, finding 1), message_size_limit = 400000 (finding 3); the rest of
# the classes: header-name blank runs (finding 4), forged headers, bytes,
# options, resource limits, no_new_privs (finding 10), environment.
. "$(dirname "$0")/../lib/harness.sh"
mo_begin "$@"
mo_need_wrapper
mo_install_wrapper
REC=$T/rec
RECMTA=$(mo_recorder "$REC")
mo_conf postfix "$RECMTA"
printf 'max_recipients = 5;\nmessage_size_limit = 400000;\n' >>"$MO_ETC/mailorigin.conf"
M=$T/msg; mkdir -p "$M"; chmod 755 "$M"
n=0
# tcase LABEL OUTCOME ARGS(|-separated) MESSAGE(printf %b, or @FILE) [WANT] [CMD before the wrapper, as the user]
tcase() {
	local label=$1 want_out=$2 args=$3 msg=$4 want=${5-=} pre=${6-} how=${7-} argv=() f rc ran held h0 l0 got id
	n=$((n + 1))
	f=$M/$n.in
	if [ "${msg:0:1}" = @ ]; then cp "${msg:1}" "$f"; else printf '%b' "$msg" >"$f"; fi
	if [ "$want" = = ]; then cp "$f" "$M/$n.want"; else printf '%b' "$want" >"$M/$n.want"; fi
	chmod 644 "$f"
	[ -n "$args" ] && IFS='|' read -r -a argv <<<"$args"
	rec_reset "$REC"
	h0=$(ls "$MO_STATE/hold" | wc -l); l0=$(mo_log_count)
	# shellcheck disable=SC2086
	(cd / && mo_as mo-site-a $pre "$W" "${argv[@]}" <"$f") >/dev/null 2>"$T/err"
	rc=$?
	ran=0; [ -f "$REC/stdin" ] && ran=1
	held=$(( $(ls "$MO_STATE/hold" | wc -l) - h0 ))
	case $want_out in
	pass)
		got=$REC/stdin
		if [ "$how" = from_first ]; then
			head -1 "$REC/stdin" | grep -q '^From x@y '; t_ok $? "$n $label: the From_ line first"
			tail -n +2 "$REC/stdin" >"$M/$n.got"; got=$M/$n.got
		fi
		[ "$rc/$ran/$held" = 0/1/0 ] && strip_ours "$got" | cmp -s - "$M/$n.want"
		t_ok $? "$n $label: passed, bytes as expected" || t_diag "exit $rc ran $ran held $held" "$(head -c 300 "$T/err")"
		if [[ $pre == *no-new-privs* ]]; then
			t_like "$(cat "$T/err")" 'running without group mailorigin: no_new_privs' "$n $label: said (the log file is the group's: syslog only)"
		else
			t_is "$(( $(mo_log_count) - l0 ))" 1 "$n $label: logged once"
		fi ;;
	hold)
		id=$(ls -t "$MO_STATE/hold" | head -1)
		[ "$rc/$ran/$held" = 0/0/1 ] && strip_ours "$MO_STATE/hold/$id/message" | cmp -s - "$M/$n.want"
		t_ok $? "$n $label: held, bytes as expected" || t_diag "exit $rc ran $ran held $held" "$(head -c 300 "$T/err")"
		t_is "$(( $(mo_log_count) - l0 ))" 1 "$n $label: logged once" ;;
	exit:*)
		t_is "$rc/$ran/$held" "${want_out#exit:}/0/0" "$n $label: exit ${want_out#exit:}, MTA not run, nothing held"
		[ -n "$(cat "$T/err")" ]; t_ok $? "$n $label: says why on stderr" ;;
	esac
}
H='From: a@test.invalid\nSubject: s\n'
B='\n\nbody\n'
blanks() { printf "%*s" "$1" ''; }

# ---- finding 4: blanks after a header name, around the name buffer (998) ----------
for k in 1 996 997 998 999 1500 5000; do
	tcase "Subject + $k blanks" pass "-t|-i|r@test.invalid" "To: r@test.invalid\nSubject$(blanks $k): v\nX: y$B"
	tcase "ours + $k blanks, removed" pass "-t|-i" "To: r@test.invalid\nX-Mailorigin-Uid$(blanks $k): 0\nX: y$B" "To: r@test.invalid\nX: y$B"
	tcase "To + $k blanks counts 6" hold "-t|-i" "${H}To$(blanks $k): a@x b@x c@x d@x e@x f@x$B"
	tcase "name + $k blanks, no colon: body" pass "-i|r@test.invalid" "${H}Name$(blanks $k)x\nX-Mailorigin-Uid: 0$B"
done
# ---- finding 1: recipients as Postfix counts them (max 5) -------------------------------
for sep in ', ' ' ' '\t' ',\n ' ' (c) ' ',,' '\n\t'; do
	l5=""; l6=""
	for i in 1 2 3 4 5 6; do
		[ $i -le 5 ] && l5=${l5:+$l5$sep}r$i@x.test
		l6=${l6:+$l6$sep}r$i@x.test
	done
	tcase "5 recipients sep '$sep'" pass "-t|-i" "${H}To: $l5$B"
	tcase "6 recipients sep '$sep'" hold "-t|-i" "${H}To: $l6$B"
done
tcase "6 named, one unclosed <" hold "-t|-i" "${H}To: A <a@x>, <b@x, c@x, d@x, e@x, f@x$B"
tcase "unclosed ( swallows (Postfix too)" pass "-t|-i" "${H}To: a@x (b@x, c@x, d@x, e@x, f@x, g@x$B"
tcase "group of 6" hold "-t|-i" "${H}To: g: a@x, b@x, c@x, d@x, e@x, f@x;$B"
tcase "undisclosed + 1 argv" pass "-t|-i|r@x" "${H}To: undisclosed-recipients:;$B"
tcase "Resent-To 6 counted, To 1" hold "-t|-i" "${H}To: a@x\nResent-To: a@x b@x c@x d@x e@x f@x$B"
tcase "Resent-To 1 replaces To 6" pass "-t|-i" "${H}To: a@x b@x c@x d@x e@x f@x\nResent-To: a@x$B"
tcase "To 3 + Cc 3 = 6" hold "-t|-i" "${H}To: a@x b@x c@x\nCc: d@x e@x f@x$B"
tcase "folded To, 6" hold "-t|-i" "${H}To: a@x,\n b@x\n\tc@x d@x\n e@x f@x$B"
tcase "encoded words with a comma" hold "-t|-i" "${H}To: =?utf-8?Q?a,b?= <a@x>, =?utf-8?Q?c,d?= <b@x>, c@x, d@x$B"
tcase "quoted names with commas, 5" pass "-t|-i" "${H}To: \"a, b\" <a@x>, \"c, d\" <b@x>, c@x, d@x, e@x$B"
tcase "argv: 6 in one word" hold "-i|a@x b@x c@x d@x e@x f@x" "$H$B"
tcase "argv: 3 + 3" hold "-i|a@x b@x c@x|d@x, e@x f@x" "$H$B"
tcase "argv: 5 after --" pass "-i|--|a@x|b@x|c@x|d@x|e@x" "$H$B"
tcase "argv 3 and -t To 3" hold "-t|-i|a@x b@x c@x" "${H}To: d@x e@x f@x$B"
# ---- finding 3: message size -----------------------------------------------------------------
{ printf 'To: r@x\nSubject: big\n\n'; head -c 385000 /dev/zero | tr '\0' 'y' | fold -w 70; } >"$M/near.eml"
{ printf 'To: r@x\nSubject: big\n\n'; head -c 410000 /dev/zero | tr '\0' 'y' | fold -w 70; } >"$M/over.eml"
tcase "390 kB, under the size limit" pass "-t|-i" "@$M/near.eml"
tcase "416 kB, over the size limit" exit:65 "-t|-i" "@$M/over.eml"
# ---- forged headers ------------------------------------------------------------------------------
tcase "forged Uid removed" pass "-t|-i" "X-Mailorigin-Uid: 0\nTo: r@x$B" "To: r@x$B"
tcase "forged, lower case, folded" pass "-t|-i" "To: r@x\nx-mailorigin-script: /a\n\t/b\nS: t$B" "To: r@x\nS: t$B"
tcase "forged with space before colon" pass "-t|-i" "To: r@x\nX-Mailorigin-Vhost : bank$B" "To: r@x$B"
tcase "forged at the end of the block" pass "-t|-i" "To: r@x\nX-Mailorigin-Id: 1\n\nX-Mailorigin-Id: body\n" "To: r@x\n\nX-Mailorigin-Id: body\n"
tcase "forged in the body stays" pass "-t|-i" "To: r@x\n\nX-Mailorigin-Uid: 0\n"
tcase "similar name kept" pass "-t|-i" "To: r@x\nX-Mailoriginal: 1$B"
tcase "forged after a 300 kB line" pass "-t|-i" "To: r@x\nX-L: $(head -c 300000 /dev/zero | tr '\0' 'q')\nX-Mailorigin-Uid: 0$B" "To: r@x\nX-L: $(head -c 300000 /dev/zero | tr '\0' 'q')$B"
tcase "forged CRLF" pass "-t|-i" "To: r@x\r\nX-Mailorigin-Uid: 0\r\n\r\nb\r\n" "To: r@x\r\n\r\nb\r\n"
# ---- bytes -------------------------------------------------------------------------------------------
tcase "NUL in a value" pass "-t|-i" "To: r@x\nS: a\0b$B"
tcase "NUL in a name: body" pass "-i|r@x" "Su\0bject: x\nX-Mailorigin-Uid: 0$B"
tcase "NUL in the body" pass "-t|-i" "To: r@x\n\nb\0o\0dy\n"
tcase "8-bit in a name: body" pass "-i|r@x" "Subj\xc3\xa9: x\nX-Mailorigin-Uid: 0$B"
tcase "8-bit body" pass "-t|-i" "To: r@x\n\n\xff\xfe\x80\n"
tcase "CR only line ends" pass "-i|r@x" "To: r@x\rS: y\r\rb\r"
tcase "CRLF message" pass "-t|-i" "To: r@x\r\nS: y\r\n\r\nb\r\n"
tcase "mixed line ends" pass "-t|-i" "To: r@x\r\nS: y\n\r\nb\n"
tcase "no final newline" pass "-t|-i" "To: r@x\nS: y\n\nb"
tcase "headers only, no newline" pass "-t|-i" "To: r@x"
tcase "empty message" pass "-i|r@x" ""
tcase "only a newline" pass "-i|r@x" "\n"
tcase "From_ line first: kept ahead of ours (Postfix drops it)" pass "-i|r@x" "From x@y Mon Jan  1 00:00:00 2026\nTo: r@x$B" "To: r@x$B" "" from_first
tcase "no headers at all" pass "-i|r@x" "just a body\nX-Mailorigin-Uid: 0\n"
tcase "empty name" pass "-i|r@x" ": x\nX-Mailorigin-Uid: 1$B"
tcase "a 300 kB name without colon" pass "-i|r@x" "$(head -c 300000 /dev/zero | tr '\0' 'N') x\nX-Mailorigin-Uid: 0\n"
tcase "a 300 kB name with colon" pass "-t|-i" "$(head -c 300000 /dev/zero | tr '\0' 'N'): x\nTo: r@x\nX-Mailorigin-Uid: 0$B" "$(head -c 300000 /dev/zero | tr '\0' 'N'): x\nTo: r@x$B"
tcase "control bytes in values" pass "-t|-i" "To: r@x\nS: \x01\x1b[31m\x7f$B"
tcase "a line of 100000 dots" pass "-t|-i" "To: r@x\n\n$(head -c 100000 /dev/zero | tr '\0' '.')\n"
tcase "lone dot with -i stays" pass "-t|-i" "To: r@x\n\na\n.\nb\n"
# ---- options ------------------------------------------------------------------------------------------
tcase "-C dir refused" exit:77 "-C|/tmp|-t" "To: r@x$B"
tcase "-X file refused" exit:77 "-X|/tmp/x|-t" "To: r@x$B"
tcase "-oQ refused" exit:77 "-oQ/tmp|-t" "To: r@x$B"
tcase "-oA refused" exit:77 "-oA/tmp/a|-t" "To: r@x$B"
tcase "-bd refused" exit:77 "-bd" ""
tcase "-f with a newline" pass "-t|-i|-f|a@x
X-Mailorigin-Uid: 0" "To: r@x$B"
tcase "-F with a newline" pass "-t|-i|-F|Ann
X: y" "To: r@x$B"
tcase "-f twice (the last wins)" pass "-t|-i|-fa@x|-fb@x" "To: r@x$B"
tcase "-V envid" pass "-t|-i|-V|xy" "To: r@x$B"
tcase "-t and argv" pass "-t|-i|a@x" "To: r@x$B"
tcase "-- then a dash word" pass "-i|--|-notanoption@x" "$H$B"
tcase "-oi -odi -oem" pass "-oi|-odi|-oem|-t" "To: r@x$B"
tcase "cron's -FCronDaemon" pass "-FCronDaemon|-i|-odi|-oem|-oi|-t" "To: r@x$B"
# ---- resource limits and privileges ----------------------------------------------------------------
tcase "RLIMIT_FSIZE low" exit:75 "-t|-i" "To: r@x$B" = "prlimit --fsize=1000:1000"
tcase "RLIMIT_NOFILE low" exit:75 "-t|-i" "To: r@x$B" = "prlimit --nofile=8:8"
tcase "RLIMIT_AS low" exit:75 "-t|-i" "To: r@x$B" = "prlimit --as=50000000:50000000"
tcase "MAILORIGIN_CONF ignored" pass "-t|-i" "To: r@x$B" = "env MAILORIGIN_CONF=/nonexistent"
tcase "no_new_privs, fail=open: passes" pass "-t|-i" "To: r@x$B" = "setpriv --no-new-privs"
tcase "no_new_privs, 6 rcpts: max_recipients still applies, cannot hold: EX_TEMPFAIL" exit:75 "-t|-i" "${H}To: a@x b@x c@x d@x e@x f@x$B" = "setpriv --no-new-privs"
t_diag "$n cases"
t_ok $(( n < 100 )) "at least 100 cases ($n)"
t_done
