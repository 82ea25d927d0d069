#!/usr/bin/env bash
# mailoriginctl against the uid whose mail it releases.  The MTA of a
# release runs as that uid, which can ptrace it, stop it and make it say
# anything; ctl runs as root on the administrator's terminal.
#  - the MTA gets no fd of the administrator's terminal and no controlling
#    terminal (TIOCSTI, escape sequences): its output reaches the admin
#    through a pipe, escaped;
#  - an MTA that hangs or is stopped (SIGSTOP by its uid) is killed after
#    --timeout, and the message stays held;
#  - a meta with the mailorigin gid, or a hold folder of another uid, is
#    refused; so is a meta whose owner= or uid= is not its file's owner
#    (uid= another's only from root or mta.smtpd_user);
#  - an error that quotes a meta value quotes it escaped;
#  - limits show / reset give up (EX_TEMPFAIL) on a store whose lock is
#    held by a stopped wrapper, instead of waiting for ever.
. "$(dirname "$0")/../lib/harness.sh"
mo_begin "$@"
CTL_BUILD=${MO_CTL_BUILD:-$MO_ROOT/build/mailoriginctl}
[ -x "$CTL_BUILD" ] || mo_skip_all "$CTL_BUILD not built (run make)"
command -v script >/dev/null || mo_skip_all "script (util-linux) missing: no pty to test with"
mo_install_wrapper
CTL=$T/bin/mailoriginctl
install -m 0755 "$CTL_BUILD" "$CTL"
HOLD=$MO_STATE/hold
uid_a=$(mo_uid mo-site-a); gid_a=$(mo_gid mo-site-a)
uid_b=$(mo_uid mo-site-b)
D=$T/mta; mkdir -p "$D"; chmod 0777 "$D"

conf() {   # conf MTA_PATH FILE
	mo_conf_text postfix "$1" "$MO_STATE" X-Mailorigin- "$MO_LOG" >"$2"
	chown root:root "$2"; chmod 0644 "$2"
}
conf /usr/sbin/sendmail "$MO_ETC/mailorigin.conf"

# mkhold ID UID GID [OWNER]: a hold as the wrapper writes it (files of OWNER)
mkhold() {
	local id=$1 uid=$2 gid=$3 owner=${4:-$2} h=$HOLD/$1
	mkdir -m 2770 "$h"
	printf 'From: x@test.invalid\nTo: rcpt@test.invalid\nSubject: hostile %s\n\nbody\n' "$id" >"$h/message"
	{
		printf 'version=1\ntime=%s\nreason=limit\ngid=%s\nargc=3\n' "$(date +%s)" "$gid"
		printf 'id=%s action=hold uid=%s user=u vhost=v rule=uid:%s window="1/1h messages"\n' "$id" "$uid" "$uid"
		printf 'arg=/usr/sbin/sendmail\narg=-i\narg=rcpt@test.invalid\n'
	} >"$h/meta"
	chown "$owner:mailorigin" "$h" "$h/message" "$h/meta"
	chmod 0640 "$h/message" "$h/meta"
}

# ---- the MTA and the administrator's terminal -----------------------------
cat >"$D/probe" <<SH
#!/bin/sh
cat >/dev/null
o=\$(readlink /proc/\$\$/fd/1); e=\$(readlink /proc/\$\$/fd/2)
{
	echo "\$o"
	echo "\$e"
	if (: </dev/tty) 2>/dev/null; then echo tty-open; else echo no-tty; fi
} >"$D/probe.out"
printf 'oops \033]0;owned\007 done\n'
exit 0
SH
chmod 0755 "$D/probe"
conf "$D/probe" "$T/probe.conf"
ID1=1111111111111111
mkhold "$ID1" "$uid_a" "$gid_a"
script -qec "$CTL -c $T/probe.conf hold release $ID1" /dev/null >"$T/tty.out" 2>&1 </dev/null
t_ok "$([ -s "$D/probe.out" ]; echo $?)" "release under a terminal: the MTA ran" || t_diag "$(cat "$T/tty.out")"
t_like "$(sed -n 1p "$D/probe.out") $(sed -n 2p "$D/probe.out")" '^pipe:\[[0-9]+\] pipe:\[[0-9]+\]$' \
	"the MTA's stdout and stderr are a pipe, not the administrator's terminal"
t_is "$(sed -n 3p "$D/probe.out")" "no-tty" "the MTA has no controlling terminal (/dev/tty does not open: no TIOCSTI)"
t_unlike "$(cat "$T/tty.out")" $'\033' "the MTA's escape sequence never reaches the terminal raw"
t_like "$(cat "$T/tty.out")" "hold $ID1: mta: oops \\\\x1b\\]0;owned\\\\x07 done" "... it is shown escaped, named after the hold"
t_ok "$([ ! -e "$HOLD/$ID1" ]; echo $?)" "the MTA exited 0: the message left the spool"

# ---- a hung MTA, a stopped MTA ------------------------------------------
cat >"$D/hang" <<SH
#!/bin/sh
echo \$\$ >"$D/hang.pid"
exec sleep 1000
SH
cat >"$D/stop" <<SH
#!/bin/sh
echo \$\$ >"$D/stop.pid"
kill -STOP \$\$
exit 0
SH
chmod 0755 "$D/hang" "$D/stop"
for kind in hang stop; do
	conf "$D/$kind" "$T/$kind.conf"
	ID2=22222222222222${kind:0:1}0
	ID2=$(printf '%s' "$ID2" | tr 'hs' 'ab')
	mkhold "$ID2" "$uid_a" "$gid_a"
	start=$(date +%s)
	timeout 60 "$CTL" -c "$T/$kind.conf" hold release --timeout 2 "$ID2" >/dev/null 2>"$T/err"; rc=$?
	took=$(($(date +%s) - start))
	t_is "$rc" 75 "an MTA that does not end ($kind): EX_TEMPFAIL" || t_diag "$(cat "$T/err")"
	t_ok "$([ "$took" -le 10 ]; echo $?)" "... after the --timeout, not for ever ($took s)"
	t_like "$(cat "$T/err")" "did not finish within 2 s: killed; kept" "... and says so"
	pid=$(cat "$D/$kind.pid" 2>/dev/null)
	t_ok "$([ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null; echo $?)" "... the MTA (pid $pid) is gone"
	t_ok "$([ -f "$HOLD/$ID2/message" ]; echo $?)" "... the message stays held"
	"$CTL" hold delete "$ID2" >/dev/null
done
"$CTL" hold release --timeout 0 "$ID1" >/dev/null 2>&1
t_is "$?" 64 "--timeout 0: EX_USAGE"
"$CTL" hold list --timeout 5 >/dev/null 2>&1
t_is "$?" 64 "--timeout with another verb: EX_USAGE"

# ---- ids a release would run as -------------------------------------------
REC=$T/rec
RECMTA=$(mo_recorder "$REC")
conf "$RECMTA" "$T/rec.conf"
ID3=3333333333333333
mkhold "$ID3" "$uid_a" "$MO_GID_MAILORIGIN"
"$CTL" -c "$T/rec.conf" hold release "$ID3" >/dev/null 2>"$T/err"; rc=$?
t_is "$rc" 65 "a meta whose gid is the mailorigin group: EX_DATAERR"
t_like "$(cat "$T/err")" "gid $MO_GID_MAILORIGIN is the mailorigin group" "... and says why"
t_ok "$([ ! -e "$REC/ran" ]; echo $?)" "... and the MTA never ran"
"$CTL" hold delete "$ID3" >/dev/null
ID4=4444444444444444
mkhold "$ID4" "$uid_a" "$gid_a"
chown mo-site-b "$HOLD/$ID4"
"$CTL" -c "$T/rec.conf" hold release "$ID4" >/dev/null 2>"$T/err"; rc=$?
t_is "$rc" 65 "a hold folder owned by another uid than the meta's: EX_DATAERR"
t_ok "$([ ! -e "$REC/ran" ]; echo $?)" "... and the MTA never ran"
chown mo-site-a "$HOLD/$ID4"
"$CTL" -c "$T/rec.conf" hold release "$ID4" >/dev/null 2>"$T/err"; rc=$?
t_is "$rc" 0 "the same hold as the wrapper writes it: released" || t_diag "$(cat "$T/err")"
t_is "$(awk '/^Uid:/ { print $2 }' "$REC/status")" "$uid_a" "... as its uid"
# a meta that names another uid than its file's owner, who speaks for
# nobody (F8): owner= makes uid= no one's word but the file's owner's
ID6=6666666666666666
mkhold "$ID6" "$uid_b" "$gid_a" "$uid_a"
sed -i "s/ rule=/ owner=$uid_a rule=/" "$HOLD/$ID6/meta"
t_is "$("$CTL" hold list --uid "$uid_b" 2>/dev/null | tail -n +2 | grep -c "$ID6")" 0 \
	"a meta of mo-site-a's saying uid=$uid_b owner=$uid_a: not listed as uid b's"
"$CTL" hold list >/dev/null 2>"$T/err"
t_like "$(cat "$T/err")" "$ID6.*uid=$uid_b but the meta is owned by uid $uid_a" "hold list: says why it is broken"
rec_reset "$REC"
"$CTL" -c "$T/rec.conf" hold release "$ID6" >/dev/null 2>"$T/err"; rc=$?
t_is "$rc" 65 "... and release refuses it: EX_DATAERR" || t_diag "$(cat "$T/err")"
t_ok "$([ ! -e "$REC/ran" ]; echo $?)" "... and the MTA never ran"
# owner= not the file's owner
ID7=7777777777777777
mkhold "$ID7" "$uid_a" "$gid_a"
sed -i "s/ rule=/ owner=0 rule=/" "$HOLD/$ID7/meta"
"$CTL" hold show "$ID7" >/dev/null 2>"$T/err"
t_like "$(cat "$T/err")" "owner=0 but the meta is owned by uid $uid_a" "a meta saying owner=0 in a file of mo-site-a's: refused"
"$CTL" hold delete "$ID6" "$ID7" >/dev/null 2>&1

# ---- meta values in errors are escaped --------------------------------------
ID5=5555555555555555
mkhold "$ID5" "$uid_a" "$gid_a"
sed -i 's/^version=1$/version="\\x1b]0;owned\\x07"/' "$HOLD/$ID5/meta"
"$CTL" hold list >/dev/null 2>"$T/err"
t_unlike "$(cat "$T/err")" $'\033' "hold list: a broken meta's version is not written raw to the terminal"
t_like "$(cat "$T/err")" 'version is "\\x1b\]0;owned\\x07"' "... but escaped"
"$CTL" hold show "$ID5" >"$T/out" 2>"$T/err"
t_unlike "$(cat "$T/err" "$T/out")" $'\033' "hold show: neither"
"$CTL" -c "$T/rec.conf" hold release "$ID5" >/dev/null 2>"$T/err"
t_unlike "$(cat "$T/err")" $'\033' "hold release: neither"
"$CTL" hold delete "$ID5" >/dev/null

# ---- a stopped wrapper holding the limit store's lock ----------------------
printf 'limits = ( { match = "uid"; messages = [ "5/1h" ]; } );\n' >>"$MO_ETC/mailorigin.conf"
printf 'To: x@test.invalid\n\nx\n' | (cd / && mo_as mo-site-a "$W" -i x@test.invalid) >/dev/null 2>&1
exec 9<>"$MO_STATE/limits.db"
flock 9    # as a wrapper stopped inside its decision holds it
start=$(date +%s)
timeout 60 "$CTL" limits show >/dev/null 2>"$T/err"; rc=$?
t_is "$rc" 75 "limits show while a stopped wrapper holds the store's lock: EX_TEMPFAIL" || t_diag "$(cat "$T/err")"
t_ok "$([ $(($(date +%s) - start)) -le 15 ]; echo $?)" "... soon, not for ever"
timeout 60 "$CTL" limits reset "uid:$uid_a" >/dev/null 2>"$T/err"; rc=$?
t_is "$rc" 75 "limits reset likewise: EX_TEMPFAIL" || t_diag "$(cat "$T/err")"
flock -u 9; exec 9>&-
"$CTL" limits reset "uid:$uid_b" >/dev/null 2>"$T/err"
t_is "$?" 0 "limits reset once the lock is free: exit 0" || t_diag "$(cat "$T/err")"
t_done
