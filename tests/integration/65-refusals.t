#!/usr/bin/env bash
# Issue 12 items 1, 5 (env), 6 and issue 11 findings 5, 7, 11, against a
# recording stand-in MTA (the real Postfix side is 80-fidelity.t):
#  - "-h N" is sendmail's hop count: the message passes, stamped and logged;
#  - the -C/-X/-oQ/-oA refusal as every parser reads the words (-V xy -C,
#    -V -- -C, -O long options), also for `hold release`;
#  - MAIL_CONFIG reaches the MTA for root only; NAME passes;
#  - every refusal is one line in every configured log (file and syslog),
#    and a caller's newline in the refused word forges no line;
#  - `hold release` during a system swap goes through the real MTA the
#    install record names, not through the wrapper now at mta.path.
. "$(dirname "$0")/../lib/harness.sh"
mo_begin "$@"
mo_need_wrapper
CTL_BUILD=${MO_CTL_BUILD:-$MO_ROOT/build/mailoriginctl}
[ -x "$CTL_BUILD" ] || mo_skip_all "$CTL_BUILD not built (run make)"
mo_install_wrapper
mo_syslog_sink
CTL=$T/bin/mailoriginctl
install -m 0755 "$CTL_BUILD" "$CTL"
REC=$T/rec
RECMTA=$(mo_recorder "$REC")
mo_conf postfix "$RECMTA"
SITE=$T/site; mkdir -p "$SITE"; chmod 755 "$SITE"
M=$T/msg; mkdir -p "$M"; chmod 755 "$M"
printf 'To: a@test.invalid\nSubject: refusals\n\nbody\n' >"$M/m.eml"
uid_a=$(mo_uid mo-site-a); gid_a=$(mo_gid mo-site-a)
ln -s "$W" "$T/bin/sendmail"

run() {   # run ARGS...: as mo-site-a, through $T/bin/sendmail
	rec_reset "$REC"
	(cd "$SITE" && mo_as mo-site-a "$T/bin/sendmail" "$@" <"$M/m.eml") >/dev/null 2>"$T/err"
	RC=$?; ERR=$(cat "$T/err")
}
syslog_count() { wc -l <"$MO_SYSLOG" | tr -d ' '; }

# ---- issue 12 item 1: -h N is a submission ------------------------------------
n0=$(mo_log_count)
run -h 17 a@test.invalid
t_is "$RC" 0 "-h 17 first: exit 0" || t_diag "$ERR"
t_is "$(rec_argv_q "$REC" 2>/dev/null)" "[sendmail][-h][17][a@test.invalid]" "-h 17: handed to the MTA with its hop count"
t_like "$(head -n 1 "$REC/stdin" 2>/dev/null)" '^X-Mailorigin-Id: ' "-h 17: stamped"
line=$(mo_log_since "$n0" | tail -1)
t_is "$(lf "$line" action)" pass "-h 17: logged action=pass"
t_unlike "$ERR" "usage" "-h 17: no usage text"
(cd "$SITE" && mo_as mo-site-a "$W" --help </dev/null) >"$T/out" 2>&1
t_is "$?" 0 "--help: exit 0"
t_like "$(cat "$T/out")" "usage: mailorigin-sendmail" "--help: our usage"

# ---- issue 11 finding 5: file options as any parser reads them --------------------------
refused() {   # refused LABEL LABEL_IN_ERR ARGS...
	local l=$1 want=$2 n0 s0 lines; shift 2
	n0=$(mo_log_count); s0=$(syslog_count)
	run "$@"
	t_is "$RC" 77 "$l: refused (EX_NOPERM)" || t_diag "$ERR"
	[ ! -e "$REC/ran" ]; t_ok $? "$l: the MTA did not run"
	t_like "$ERR" "$want" "$l: stderr names $want"
	lines=$(mo_log_since "$n0")
	t_is "$(printf '%s\n' "$lines" | grep -c .)" 1 "$l: one line in the log file" || t_diag "$lines"
	t_is "$(lf "$lines" action)" refused "$l: log action=refused"
	t_is "$(lf "$lines" uid)" "$uid_a" "$l: log uid"
	sleep 0.2
	t_is "$(tail -n +"$((s0 + 1))" "$MO_SYSLOG" | grep -c 'action=refused')" 1 "$l: one line in syslog"
}
refused "-V xy -C dir" "-C" -V xy -C "$T/pf" a@test.invalid
refused "-V xy -X file" "-X" -V xy -X "$T/x.log" a@test.invalid
refused "-V -- -C dir" "-C" -V -- -C "$T/pf"
refused "-OQueueDirectory=" "-O" -OQueueDirectory=/tmp -t
refused "-OAliasFile=" "-O" -OAliasFile=/tmp/aliases -t
refused "-O QueueDirectory=" "-O" -O "QueueDirectory=/tmp" -t
refused "-o Q/tmp" "-oQ" -o Q/tmp -t
refused "-D file" "-D" -D "$T/debug.log" -t
refused "-tC dir (a cluster)" "-C" -tC "$T/pf"
[ ! -e "$T/x.log" ] && [ ! -e "$T/debug.log" ]; t_ok $? "no file written by a refused option"
# issue 12 item 6: a mode that would bypass the wrapper, in the log file too
refused "-bd" "-bd" -bd
# recipients after the end of options are not options
run -i -- -Cweird@test.invalid
t_is "$RC" 0 "-- -Cweird@: a recipient, passed"

# ---- issue 11 finding 7: a newline in a refused word forges no line --------------------
n0=$(mo_log_count); s0=$(syslog_count)
run "-bd
$(date '+%b %e %T') host mailorigin[1]: id=0000000000000000 action=pass uid=0 user=root"
t_is "$RC" 77 "a mode word with a newline: refused"
t_is "$(mo_log_since "$n0" | wc -l | tr -d ' ')" 1 "... one line in the log file"
t_unlike "$(mo_log_since "$n0")" "^[^ ]+ [^ ]+ mailorigin\[1\]|^.{0,40}action=pass" "... the forged line is not a line of its own"
log_parses "$(mo_log_since "$n0")"; t_ok $? "... the line parses as key=value"
t_like "$(lf "$(mo_log_since "$n0")" mode)" $'^-bd\n' "... the word is kept whole, decoded"
sleep 0.2
t_is "$(tail -n +"$((s0 + 1))" "$MO_SYSLOG" | grep -c .)" 1 "... one line in syslog" ||
	t_diag "$(tail -n +"$((s0 + 1))" "$MO_SYSLOG")"
t_like "$(tail -n +"$((s0 + 1))" "$MO_SYSLOG")" 'action=refused uid=[0-9]+ mode="-bd\\n' "... it is the refusal, the word escaped"
t_is "$(wc -l <"$T/err" | tr -d ' ')" 1 "... stderr is one line: the word escaped"
n0=$(mo_log_count)
run "-C$T/x
id=1 action=pass uid=0"
t_is "$(mo_log_since "$n0" | wc -l | tr -d ' ')" 1 "a file option with a newline: one log line"

# ---- review: what the wrapper does not parse reads no message -----------------------
# A command line the wrapper hands over unparsed (Postfix refuses it itself)
# or a mode that is no submission must not carry the caller's message to
# the MTA: under Exim or OpenSMTPD (type "postfix") -bS or -S would submit
# it unstamped and unlimited.  Such hand-overs get /dev/null as input.
for words in "-bS" "-S -i a@test.invalid" "-bp" "-q"; do
	# shellcheck disable=SC2086
	run $words
	[ -e "$REC/argv" ]; t_ok $? "'$words': handed to the MTA"
	t_is "$(wc -c <"$REC/stdin" 2>/dev/null | tr -d ' ')" 0 "'$words': the MTA reads no message (got $(wc -c <"$REC/stdin" 2>/dev/null) bytes)"
	t_like "$(cat "$REC/fd0" 2>/dev/null)" "^/dev/null" "'$words': its input is /dev/null"
done

# ---- issue 12 item 5: the environment the MTA gets ------------------------------------
rec_reset "$REC"
(cd "$SITE" && setpriv --reuid=mo-site-a --regid=mo-site-a --init-groups env -i HOME=/ PATH="$MO_STD_PATH" \
	NAME="Jane Site" MAIL_CONFIG="$T/evil" MAIL_LOGTAG=postfix/smtpd LD_PRELOAD=/nonexistent.so \
	"$T/bin/sendmail" -t <"$M/m.eml") >/dev/null 2>&1
t_is "$?" 0 "environment: exit 0"
envs=$(rec_env "$REC" 2>/dev/null | cut -d= -f1 | tr '\n' ' ')
t_like "$envs" "(^| )NAME " "NAME reaches Postfix (the From line's full name)"
t_unlike "$envs" "MAIL_CONFIG|MAIL_LOGTAG|LD_PRELOAD" "MAIL_CONFIG, MAIL_LOGTAG, LD_PRELOAD do not (uid $uid_a)"
rec_reset "$REC"
(cd "$SITE" && env -i HOME=/ PATH="$MO_STD_PATH" MAIL_CONFIG=/etc/postfix "$T/bin/sendmail" -t <"$M/m.eml") >/dev/null 2>&1
t_like "$(rec_env "$REC" 2>/dev/null | tr '\n' ' ')" "MAIL_CONFIG=/etc/postfix" "MAIL_CONFIG kept for root"

# ---- hold release: the same check, and a swap ---------------------------------------
HOLD=$MO_STATE/hold
mkhold() {   # mkhold ID ARG...: a hold of mo-site-a as the wrapper writes it
	local id=$1 h=$MO_STATE/hold/$1 a; shift
	mkdir -m 2770 "$h"
	cp "$M/m.eml" "$h/message"
	{
		printf 'version=1\ntime=%s\nreason=limit\ngid=%s\nargc=%s\n' "$(date +%s)" "$gid_a" "$(($# + 1))"
		printf 'id=%s action=hold uid=%s user=mo-site-a vhost=v rule=uid:%s window="1/1h messages"\n' "$id" "$uid_a" "$uid_a"
		printf 'arg=/usr/sbin/sendmail\n'
		for a in "$@"; do printf 'arg=%s\n' "$a"; done
	} >"$h/meta"
	chown "mo-site-a:mailorigin" "$h" "$h/message" "$h/meta"
	chmod 0640 "$h/message" "$h/meta"
}
i=0
for spelling in "-V xy -C $T/pf" "-V -- -C $T/pf" "-OQueueDirectory=/tmp" "-V xy -X $T/x.log"; do
	i=$((i + 1)); id=$(printf '%016x' "$((0xa0 + i))")
	# shellcheck disable=SC2086
	mkhold "$id" $spelling a@test.invalid
	rec_reset "$REC"
	"$CTL" hold release "$id" >"$T/out" 2>&1
	t_is "$?" 65 "hold release, held argv $spelling: refused (EX_DATAERR)" || t_diag "$(cat "$T/out")"
	[ ! -e "$REC/ran" ] && [ -d "$HOLD/$id" ]; t_ok $? "... the MTA did not run, the message is kept"
done

# a system swap: mta.path is /usr/sbin/sendmail (under a root), which is now the setgid wrapper
R=$T/root; mkdir -p "$R/usr/sbin"
install -o root -g mailorigin -m 2755 "$MO_WRAPPER_BUILD" "$R/usr/sbin/sendmail"
install -m 0755 "$RECMTA" "$R/usr/sbin/sendmail.mailorigin-real"
chmod 1777 "$R/usr/sbin"     # the stand-in records beside itself, as the sender
mo_conf postfix "$R/usr/sbin/sendmail"
now=$(date +%s)
cat >"$MO_STATE/install.record" <<REC
version=1
id=0123456789abcdef
mode=system
phase=swapped
root=$R
since=$now
until=$((now + 3600))
wrapper=/usr/local/sbin/mailorigin-sendmail
link=/usr/local/sbin/mailorigin-sendmail
timer=none
timer_ref=
target=/usr/sbin/sendmail
real=/usr/sbin/sendmail.mailorigin-real
dpkg=0
REC
chown root:mailorigin "$MO_STATE/install.record"; chmod 0640 "$MO_STATE/install.record"
id=00000000000000b1
mkhold "$id" -i a@test.invalid
"$CTL" hold release "$id" >"$T/out" 2>&1
t_is "$?" 0 "hold release during a swap: exit 0" || t_diag "$(cat "$T/out")"
t_is "$(rec_argv_q "$R/usr/sbin" 2>/dev/null | sed 's/^\[[^]]*\]//')" "[-i][a@test.invalid]" \
	"... released through the real MTA the record names, with the held argv"
cmp -s "$M/m.eml" "$R/usr/sbin/stdin"; t_ok $? "... the message byte for byte"
[ ! -e "$HOLD/$id" ]; t_ok $? "... and it left the spool"
t_done
