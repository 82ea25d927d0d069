#!/usr/bin/env bash
# Issue 2, test 4: hostile input.  Each case has one clear outcome and no
# message is lost.  Run as the site user mo-site-a through the setgid
# wrapper into a recording stand-in MTA, which keeps the exact bytes.
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/php.sh"
mo_begin "$@"
mo_need_wrapper
mo_install_wrapper
php_sites
REC=$T/rec
RECMTA=$(mo_recorder "$REC")
REC2=$T/rec2
RECMTA2=$(mo_recorder "$REC2")
mo_conf postfix "$RECMTA"
uid_a=$(mo_uid mo-site-a)
SITE=$MO_WWW/site-a
M=$T/msg; mkdir -p "$M"; chmod 755 "$M"

# send DIR FILE ARGS...: the wrapper as mo-site-a in DIR with FILE on stdin;
# sets RC and ERR (its stderr)
send() {
	local d=$1 f=$2; shift 2
	rec_reset "$REC"; rec_reset "$REC2"
	(cd "$d" && mo_as mo-site-a "$W" "$@" <"$f") >/dev/null 2>"$T/err"
	RC=$?; ERR=$(cat "$T/err")
}
# passed LABEL FILE: the MTA ran once and got FILE exactly, below our 5 headers
passed() {
	t_is "$RC" 0 "$1: exit 0" || t_diag "stderr: $ERR"
	[ -f "$REC/stdin" ]; t_ok $? "$1: the MTA got the message" || return 1
	t_is "$(head -n 5 "$REC/stdin" | grep -c '^X-Mailorigin-[A-Za-z]*: ')" 5 "$1: our 5 header lines on top"
	strip_ours "$REC/stdin" >"$T/got"
	cmp "$2" "$T/got" >"$T/cmp.out" 2>&1
	t_ok $? "$1: the rest is the input, byte for byte" || t_diag "$(cat "$T/cmp.out")" "$(head -c 600 "$REC/stdin" | cat -A)"
	MO_ID=$(head -n 5 "$REC/stdin" | sed -n 's/^X-Mailorigin-Id: //p')
}
# our_header NAME: the value of our header NAME as the MTA got it
our_header() { head -n 5 "$REC/stdin" 2>/dev/null | sed -n "s/^X-Mailorigin-$1: //p"; }

printf 'To: rcpt@test.invalid\nSubject: hostile\n\nbody\n' >"$M/plain.eml"

# ---- a cwd whose name contains a newline (and other awkward bytes) ---------------
for name in $'evil\nX-Mailorigin-Vhost: bank.example' $'tab\there' 'back\slash' "caf$(printf '\xc3\xa9')" $'cr\rlf'; do
	d=$SITE/$name
	mkdir -p "$d"; chown mo-site-a: "$d"
	label="cwd $(printf '%q' "$name")"
	send "$d" "$M/plain.eml" -t -i
	passed "$label" "$M/plain.eml" || continue
	cwd=$(our_header Cwd)
	t_unlike "$(head -n 5 "$REC/stdin" | tr -d '\n' | tr '\r\t\0' '###')" "#" "$label: no CR, TAB or NUL in our headers"
	want=$(printf '%s' "$d" | LC_ALL=C sed -e 's/\\/\\\\/g' -e 's/\t/\\t/g' -e 's/\r/\\r/g' -e 's/\xc3/\\xc3/g' -e 's/\xa9/\\xa9/g' | sed ':a;N;$!ba;s/\n/\\n/g')
	want_re=$(printf '%s' "$want" | sed 's/[][\.*^$|?+(){}]/\\&/g')
	# \xHH may use either case; \t may be written \t or \x09
	t_like "$cwd" "^$(printf '%s' "$want_re" | sed -e 's/\\\\x\([0-9a-f]\)\([0-9a-f]\)/\\\\x[\1\U\1][\2\U\2]/g' -e 's/\\\\t/\\\\(t|x09)/g' -e 's/\\\\r/\\\\(r|x0[dD])/g')\$" "$label: Cwd escaped"
	t_is "$(our_header Vhost)" site-a "$label: Vhost from the path rule (site-a), no injected header"
	line=$(mo_log_line "$MO_ID")
	log_parses "$line"; t_ok $? "$label: log line parses" || t_diag "$line"
	t_is "$(lf "$line" cwd)" "$d" "$label: log cwd decodes to the real folder name"
done

# a cwd longer than 256 bytes: cut with "..."
d=$SITE/$(printf 'd%.0s' $(seq 120))/$(printf 'e%.0s' $(seq 120))
mkdir -p "$d"; chown -R mo-site-a: "$SITE"
send "$d" "$M/plain.eml" -t -i
passed "long cwd" "$M/plain.eml"
cwd=$(our_header Cwd)
t_like "$cwd" '\.\.\.$' "long cwd: value ends in ..."
[ "${#cwd}" -le 259 ]; t_ok $? "long cwd: value at most 256 bytes + ... (${#cwd})"
t_is "${cwd%...}" "$(printf '%s' "$d" | head -c $((${#cwd} - 3)))" "long cwd: a prefix of the real path"

# ---- forged headers ---------------------------------------------------------------
printf '%s\n' 'X-Mailorigin-Id: 0000000000000000' 'To: rcpt@test.invalid' \
	'x-mailorigin-uid: 0 (root)' 'Subject: forged' 'X-MAILORIGIN-Vhost: bank.example,' \
	'	folded.example' '  still folded' 'X-Mailoriginal: not ours, kept' \
	'X-MailOrigin-Script: /var/www/innocent.php; source=php-cli-argv' 'Received: from x by y' \
	'' 'X-Mailorigin-Id: in the body, kept' 'body' >"$M/forged.in"
printf '%s\n' 'To: rcpt@test.invalid' 'Subject: forged' 'X-Mailoriginal: not ours, kept' \
	'Received: from x by y' '' 'X-Mailorigin-Id: in the body, kept' 'body' >"$M/forged.want"
send "$SITE" "$M/forged.in" -t -i
passed "forged" "$M/forged.want"
t_like "$(our_header Id)" '^[0-9a-f]{16}$' "forged: our Id, not the forged one"
t_is "$(our_header Uid)" "$uid_a (mo-site-a)" "forged: our Uid"
t_is "$(our_header Vhost)" site-a "forged: our Vhost"
line=$(mo_log_line "$MO_ID")
t_is "$(lf "$line" forged)" 4 "forged: log forged=4 (folded one counted once)"

# CRLF forged headers, folded with CRLF
printf 'X-Mailorigin-Uid: 0\r\n\tfold\r\nSubject: crlf\r\n\r\nbody\r\n' >"$M/forged-crlf.in"
printf 'Subject: crlf\r\n\r\nbody\r\n' >"$M/forged-crlf.want"
send "$SITE" "$M/forged-crlf.in" -t -i
passed "forged crlf" "$M/forged-crlf.want"

# ---- NUL bytes, a 1 MiB header line, no blank line, no headers, empty ---------------
printf 'To: rcpt@test.invalid\nSubject: nul\0here\nX-A: b\0\n\nbody\0with\0nuls\n\0\n' >"$M/nul.eml"
send "$SITE" "$M/nul.eml" -t -i
passed "NUL bytes" "$M/nul.eml"
t_unlike "$(head -n 5 "$REC/stdin" | tr '\0' '#')" "#" "NUL bytes: none in our headers"

{ printf 'To: rcpt@test.invalid\nX-Long: '; head -c $((1024 * 1024)) /dev/zero | tr '\0' 'a'; printf '\nSubject: long\n\nbody\n'; } >"$M/long.eml"
send "$SITE" "$M/long.eml" -t -i
passed "1 MiB header line" "$M/long.eml"

printf 'To: rcpt@test.invalid\nSubject: no blank line' >"$M/noblank.eml"
send "$SITE" "$M/noblank.eml" -t -i
passed "no blank line, no final newline" "$M/noblank.eml"

printf 'just a body line\nand another\n' >"$M/noheaders.eml"
send "$SITE" "$M/noheaders.eml" -i rcpt@test.invalid
passed "no header block" "$M/noheaders.eml"

: >"$M/empty.eml"
send "$SITE" "$M/empty.eml" -i rcpt@test.invalid
t_is "$RC" 0 "empty message: exit 0"
t_like "$(tr '\n' '|' <"$REC/stdin" 2>/dev/null)" '^(X-Mailorigin-[A-Za-z]+: [^|]*\|){5}\|?$' "empty message: the MTA got our 5 headers and nothing else"
t_is "$(lf "$(mo_log_line "$(our_header Id)")" action)" pass "empty message: logged as passed"

# ---- stdin, stdout, stderr closed ----------------------------------------------------
rec_reset "$REC"
(cd "$SITE" && mo_as mo-site-a "$W" -i rcpt@test.invalid 0<&- 1>&- 2>&-); RC=$?
t_is "$RC" 0 "fds 0-2 closed: exit 0"
t_like "$(tr '\n' '|' <"$REC/stdin" 2>/dev/null)" '^(X-Mailorigin-[A-Za-z]+: [^|]*\|){5}\|?$' "fds 0-2 closed: an empty message, stamped"
t_is "$(lf "$(mo_log_line "$(our_header Id 2>/dev/null)")" action)" pass "fds 0-2 closed: logged"
rec_reset "$REC"
(cd "$SITE" && mo_as mo-site-a "$W" -t -i <"$M/plain.eml" 1>&- 2>&-); RC=$?; ERR=
passed "stdout and stderr closed" "$M/plain.eml"

# ---- a fault (state dir missing): passed stamped, fault logged; with stderr closed
# a warning must not land in the message either
mo_conf postfix "$RECMTA" state="$T/no-such-state"
send "$SITE" "$M/plain.eml" -t -i
passed "state dir missing" "$M/plain.eml"
line=$(mo_log_line "$MO_ID")
t_like "$(lf "$line" fault)" . "state dir missing: log has fault=..." || t_diag "$line"
t_is "$(lf "$line" action)" pass "state dir missing: action=pass"
# the same fault behind long values the caller sets (a 3000-byte -f, a
# 256-byte Message-ID): fault= is written before them, so they cannot push
# it off the line (S3-14, as in the milter and the qmail front end)
long_from="$(head -c 3000 /dev/zero | tr '\0' f)@test.invalid"
{ printf 'Message-ID: <%s@test.invalid>\n' "$(head -c 256 /dev/zero | tr '\0' m)"; cat "$M/plain.eml"; } >"$M/longid.eml"
send "$SITE" "$M/longid.eml" -i -f "$long_from" rcpt@test.invalid
t_is "$RC" 0 "state dir missing, long -f and Message-ID: exit 0" || t_diag "stderr: $ERR"
MO_ID=$(head -n 5 "$REC/stdin" 2>/dev/null | sed -n 's/^X-Mailorigin-Id: //p')
line=$(mo_log_line "$MO_ID")
t_like "$(lf "$line" fault)" 'state dir' "state dir missing, long -f and Message-ID: fault= still on the line" ||
	t_diag "cut: $(lf "$line" cut)"
t_is "$(lf "$line" action)" pass "state dir missing, long -f and Message-ID: action=pass"
rec_reset "$REC"
(cd "$SITE" && mo_as mo-site-a "$W" -t -i <"$M/plain.eml" 2>&-); RC=$?; ERR=
passed "state dir missing, stderr closed" "$M/plain.eml"
mkdir -p "$T/ro-state"; chown root:root "$T/ro-state"; chmod 755 "$T/ro-state"
mo_conf postfix "$RECMTA" state="$T/ro-state"
send "$SITE" "$M/plain.eml" -t -i
passed "state dir not writable" "$M/plain.eml"
t_like "$(lf "$(mo_log_line "$MO_ID")" fault)" . "state dir not writable: fault logged"
mo_conf postfix "$RECMTA"

# ---- MAILORIGIN_CONF and LD_PRELOAD while setgid -------------------------------------
mo_conf_text postfix "$RECMTA2" "$MO_STATE" X-Alt- "$MO_LOG" >"$T/alt.conf"
chmod 644 "$T/alt.conf"
cc -shared -fPIC -DMARK="\"$T/preload.mark\"" -o "$T/evil.so" "$MO_FIXTURES/evil-preload.c" && chmod 755 "$T/evil.so"
: >"$T/preload.mark"; chmod 666 "$T/preload.mark"
rec_reset "$REC"; rec_reset "$REC2"
(cd "$SITE" && setpriv --reuid=mo-site-a --regid=mo-site-a --init-groups env -i PATH="$MO_STD_PATH" \
	MAILORIGIN_CONF="$T/alt.conf" LD_PRELOAD="$T/evil.so" "$W" -t -i <"$M/plain.eml") >/dev/null 2>"$T/err"
RC=$?; ERR=$(cat "$T/err")
passed "setgid with MAILORIGIN_CONF and LD_PRELOAD" "$M/plain.eml"
[ ! -e "$REC2/ran" ]; t_ok $? "setgid: MAILORIGIN_CONF ignored (the other config's MTA did not run)"
t_is "$(cat "$T/preload.mark")" "" "setgid: LD_PRELOAD loaded into no process"
t_unlike "$(rec_env "$REC" | cut -d= -f1 | tr '\n' ' ')" "LD_|MAILORIGIN_CONF" "setgid: LD_PRELOAD, MAILORIGIN_CONF not in the MTA's environment"
# control: not setgid, run by root: MAILORIGIN_CONF is honoured, and the
# wrapper still keeps LD_* from the MTA
rec_reset "$REC"; rec_reset "$REC2"; : >"$T/preload.mark"
(cd "$SITE" && env -i PATH="$MO_STD_PATH" MAILORIGIN_CONF="$T/alt.conf" LD_PRELOAD="$T/evil.so" \
	LD_LIBRARY_PATH=/nonexistent "$W_PLAIN" -t -i <"$M/plain.eml") >/dev/null 2>&1
t_is "$?" 0 "plain copy as root: exit 0"
[ -f "$REC2/stdin" ] && [ ! -e "$REC/ran" ]; t_ok $? "plain copy as root: MAILORIGIN_CONF honoured"
t_like "$(head -n 1 "$REC2/stdin" 2>/dev/null)" '^X-Alt-Id: ' "plain copy as root: the other config's prefix"
t_unlike "$(rec_env "$REC2" 2>/dev/null | cut -d= -f1 | tr '\n' ' ')" "LD_" "plain copy as root: no LD_* reaches the MTA"
t_unlike "$(cat "$T/preload.mark")" "record-mta|sendmail\$" "plain copy as root: the preload library not in the MTA"

# ---- @include in root's config of a file the caller writes ------------------------
# The main file passes the owner and mode check; the included one, the
# caller's, would name the MTA the setgid wrapper runs.  The config is
# refused whole (defaults: /usr/sbin/sendmail, here the stand-in), and
# the caller's MTA never runs.
{ mo_conf_text postfix "$RECMTA" "$MO_STATE" X-Mailorigin- "$MO_LOG" | grep -v '^mta = '
  printf '@include "%s"\n' "$T/user-inc.conf"; } >"$MO_ETC/mailorigin.conf"
printf 'mta = { type = "postfix"; path = "%s"; };\n' "$RECMTA2" >"$T/user-inc.conf"
chown mo-site-a: "$T/user-inc.conf"; chmod 666 "$T/user-inc.conf"
# (a script that runs the stand-in: it records beside its own path)
printf '#!/bin/sh\nexec %s "$@"\n' "$RECMTA" >"$T/bin/default-mta"; chmod 755 "$T/bin/default-mta"
mo_bind "$T/bin/default-mta" /usr/sbin/sendmail
send "$SITE" "$M/plain.eml" -t -i
passed "config @including a caller's file" "$M/plain.eml"
[ ! -e "$REC2/ran" ]; t_ok $? "config @including a caller's file: the included file's MTA did not run"
t_like "$ERR" "warning: config /etc/mailorigin/mailorigin.conf:[0-9]+: @include is refused" \
	"config @including a caller's file: the warning names the file, its line and why"
umount /usr/sbin/sendmail
mo_conf postfix "$RECMTA"

# ---- -X, -C and friends refused for a non-root caller -------------------------------------
for opt in "-X $T/x.log" "-C $T/pf" "-oQ$T/q" "-oA$T/aliases" "-X$T/x.log"; do
	# shellcheck disable=SC2086
	send "$SITE" "$M/plain.eml" -t -i $opt
	o=${opt%% *}; o=${o:0:3}; [ "${o:0:2}" = -X ] && o=-X; [ "${o:0:2}" = -C ] && o=-C
	shown=${opt//$T/\$T}
	t_is "$RC" 77 "refused $shown: exit 77 (EX_NOPERM)"
	t_like "$ERR" "$o" "refused $shown: stderr names $o"
	[ ! -e "$REC/ran" ]; t_ok $? "refused $shown: nothing exec'd"
done
[ ! -e "$T/x.log" ]; t_ok $? "refused: no -X log file written"
# the PHPMailer CVE-2016-10033 route: mail()'s 5th argument
out=$(php_cli mo-site-a "$SITE" "$W -t -i" send.php --to=rcpt@test.invalid \
	--extra="-fa@test.invalid -X$T/x.php -OQueueDirectory=/tmp" 2>"$T/err")
t_is "$out" "mail=0" "CVE-2016-10033 route: mail() returns false"
[ ! -e "$REC/ran" ] && [ ! -e "$T/x.php" ]; t_ok $? "CVE-2016-10033 route: nothing exec'd, no file written"
t_like "$(cat "$T/err")" "-X" "CVE-2016-10033 route: the refusal names -X"
# root may
rec_reset "$REC"
(cd "$SITE" && "$W" -t -i -X "$T/x.log" <"$M/plain.eml") >/dev/null 2>&1
t_is "$?" 0 "root: -X accepted"
t_like "$(rec_argv_q "$REC" 2>/dev/null)" "\[-X\]\[$T/x.log\]" "root: -X handed to the MTA"
# an unknown option: Postfix refuses it itself (its words, its exit 75):
# handed over unchanged, nothing stamped (the stand-in records it)
send "$SITE" "$M/plain.eml" -t -i -Z
t_like "$(rec_argv_q "$REC" 2>/dev/null)" '^\[mailorigin-sendmail\][\[]-t\]\[-i\]\[-Z\]$' "unknown option -Z: handed to the MTA unchanged, argv[0] the name used"
t_unlike "$(head -c 200 "$REC/stdin" 2>/dev/null)" "X-Mailorigin-" "unknown option -Z: not stamped"

# ---- the MTA cannot be run: exit 69, the message held, not lost -----------------------------
printf '#!/bin/sh\nexit 0\n' >"$T/bin/not-exec"; chmod 644 "$T/bin/not-exec"
for mta in "$T/bin/no-such-mta" "$T/bin/not-exec"; do
	l="MTA $(basename "$mta")"
	mo_conf postfix "$mta"
	n0=$(mo_log_count)
	send "$SITE" "$M/plain.eml" -t -i
	t_is "$RC" 69 "$l: exit 69 (EX_UNAVAILABLE)" || t_diag "stderr: $ERR"
	line=$(mo_log_since "$n0" | tail -1)
	t_is "$(lf "$line" action)" hold "$l: log action=hold" || t_diag "log: $line"
	id=$(lf "$line" id)
	[ -n "$id" ] && [ -f "$MO_STATE/hold/$id/message" ] && [ -f "$MO_STATE/hold/$id/meta" ]
	t_ok $? "$l: hold/$id/message and meta exist" || t_diag "$(ls -lR "$MO_STATE" 2>&1 | head -20)"
	if [ -f "$MO_STATE/hold/$id/message" ]; then
		strip_ours "$MO_STATE/hold/$id/message" >"$T/got"
		cmp -s "$M/plain.eml" "$T/got"; t_ok $? "$l: the held message is the input (below our headers)"
		t_is "$(sed -n 's/^X-Mailorigin-Id: //p' "$MO_STATE/hold/$id/message" | head -1)" "$id" "$l: the held message carries its id"
	fi
done
t_done
