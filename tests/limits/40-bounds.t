#!/usr/bin/env bash
# Issue 11, finding 3: what one caller can store is bounded.
#  - message_size_limit (default 10240000, Postfix's default): a larger
#    message is refused (EX_DATAERR), logged, the MTA not run;
#  - a hold quota per uid (hold_max_messages, hold_max_bytes): beyond it
#    EX_TEMPFAIL, nothing held, the caller keeps the message; another uid
#    still holds;
#  - stale tmp/hold.* (a wrapper killed mid-hold) show in `mailoriginctl
#    hold list` and `hold clean` removes them (not a fresh one);
#  - after a spool write error (full state dir) the message goes on in
#    memory only up to 64 MiB: more is refused EX_TEMPFAIL, not kept in RAM.
. "$(dirname "$0")/../lib/harness.sh"
mo_begin "$@"
mo_need_wrapper
mo_install_wrapper
REC=$T/rec
RECMTA=$(mo_recorder "$REC")
M=$T/msg; mkdir -p "$M"; chmod 755 "$M"
# mk NAME BYTES: a message of about BYTES
mk() { { printf 'From: a@test.invalid\nTo: r@test.invalid\nSubject: %s\n\n' "$1"; head -c "$2" /dev/zero | tr '\0' 'x' | fold -w 76; } >"$M/$1.eml"; chmod 644 "$M/$1.eml"; }
conf() {
	mo_conf postfix "$RECMTA"
	printf '%s\n' "$@" >>"$MO_ETC/mailorigin.conf"
}
# send USER FILE: sets RC, RAN, LINE (the new log line, if any)
send() {
	local l0; l0=$(mo_log_count)
	rec_reset "$REC"
	(cd / && mo_as "$1" "$W" -t -i <"$2") >/dev/null 2>"$T/err"
	RC=$?; RAN=0; [ -f "$REC/stdin" ] && RAN=1
	LINE=$(mo_log_since "$l0" | tail -1)
}
held_by() { find "$MO_STATE/hold" -mindepth 1 -maxdepth 1 -user "$1" | wc -l; }

# ---- message_size_limit ---------------------------------------------------------
mk small 90000; mk big 200000; mk huge 11000000
conf 'message_size_limit = 100000;'
send mo-site-a "$M/small.eml"
t_is "$RC/$RAN" 0/1 "size limit 100000: a 90 kB message passes"
send mo-site-a "$M/big.eml"
t_is "$RC/$RAN" 65/0 "size limit 100000: a 200 kB message is refused (EX_DATAERR), the MTA not run"
t_like "$LINE" 'action=reject .*rule=message_size_limit limit=100000' "size limit: the refusal is logged"
t_like "$(cat "$T/err")" 'message_size_limit' "size limit: says why"
conf
send mo-site-a "$M/huge.eml"
t_is "$RC/$RAN" 65/0 "default size limit (10240000): an 11 MB message is refused"
conf 'message_size_limit = 0;'
send mo-site-a "$M/huge.eml"
t_is "$RC/$RAN" 0/1 "message_size_limit = 0: no bound, the 11 MB message passes"

# ---- hold quota per uid -----------------------------------------------------------
mk h 1000; mk hb 100000
conf 'limits = ( { match = "uid"; messages = [ "1/1d" ]; } );' 'hold_max_messages = 3;'
res=""
for i in 1 2 3 4 5; do send mo-site-a "$M/h.eml"; res="$res $RC/$RAN"; done
t_is "$res" " 0/1 0/0 0/0 0/0 75/0" "hold_max_messages 3: 1 passes, 3 held, the 5th not accepted (EX_TEMPFAIL)"
t_is "$(held_by mo-site-a)" 3 "hold_max_messages 3: 3 held for mo-site-a"
t_like "$LINE" 'action=tempfail .*rule=uid:[0-9]+ .*hold_error=.*quota' "hold quota: the refusal is logged, as a tempfail (not a hold)"
t_like "$(cat "$T/err")" 'hold quota of uid [0-9]+ reached' "hold quota: says why"
send mo-site-b "$M/h.eml"; send mo-site-b "$M/h.eml"
t_is "$RC/$(held_by mo-site-b)" 0/1 "hold quota: another uid still holds"
conf 'limits = ( { match = "uid"; messages = [ "1/1d" ]; } );' 'hold_max_bytes = 250000;'
rm -rf "$MO_STATE"/hold/*
res=""
for i in 1 2 3; do send mo-site-a "$M/hb.eml"; res="$res $RC/$(held_by mo-site-a)"; done
t_is "$res" " 0/1 0/2 75/2" "hold_max_bytes 250000: two 100 kB held, the third not accepted"

# ---- half-made holds a killed wrapper left count toward its quota ------------------
# (a caller may SIGKILL its own wrapper between link and rename, again and
# again: what it leaves in tmp/ is its, and is charged to it)
conf 'limits = ( { match = "uid"; messages = [ "1/1d" ]; } );' 'hold_max_messages = 3;'
rm -rf "$MO_STATE"/hold/*
for n in 1 2 3; do
	mkdir "$MO_STATE/tmp/hold.00000000000kill$n"; echo x >"$MO_STATE/tmp/hold.00000000000kill$n/message"
	chown -R mo-site-a "$MO_STATE/tmp/hold.00000000000kill$n"
done
send mo-site-a "$M/h.eml"
t_is "$RC/$(held_by mo-site-a)" 75/0 "hold quota: 3 half-made holds in tmp/ count, the next is not accepted"
send mo-site-b "$M/h.eml"; send mo-site-b "$M/h.eml"
t_is "$RC" 0 "hold quota: another uid's are not charged for them"
rm -rf "$MO_STATE"/tmp/hold.00000000000kill* "$MO_STATE"/hold/*

# ---- stale temporary entries: listed, cleaned ---------------------------------------
CTL=$T/bin/mailoriginctl
install -m 0755 "$MO_ROOT/build/mailoriginctl" "$CTL"
for n in hold.0000000000stale gone.00000000000old hold.0000000000fresh; do
	mkdir "$MO_STATE/tmp/$n"; echo x >"$MO_STATE/tmp/$n/message"; chown -R mo-site-a "$MO_STATE/tmp/$n"
done
touch -d '2 hours ago' "$MO_STATE/tmp/hold.0000000000stale" "$MO_STATE/tmp/gone.00000000000old"
"$CTL" hold list >/dev/null 2>"$T/err"
t_like "$(cat "$T/err")" '2 stale temporary entries in tmp/' "hold list: the stale tmp/ entries are shown"
t_is "$("$CTL" hold clean 2>&1)" "2 stale temporary entries removed from tmp/" "hold clean: removes the 2 stale ones"
t_is "$(ls "$MO_STATE/tmp")" hold.0000000000fresh "hold clean: a fresh one (a wrapper at work) is kept"
"$CTL" hold list >/dev/null 2>"$T/err"
t_unlike "$(cat "$T/err")" 'stale' "hold list: nothing stale any more"
rm -rf "$MO_STATE/tmp/hold.0000000000fresh"

# ---- bounded memory after a spool write error -------------------------------------------
rm -rf "$MO_STATE"/hold/*
mount -t tmpfs -o size=1m tmpfs "$MO_STATE/tmp" && mo_atexit "umount -l '$MO_STATE/tmp'"
chown root:mailorigin "$MO_STATE/tmp"; chmod 2770 "$MO_STATE/tmp"
fallocate -l $(( $(stat -f -c '%a*%S' "$MO_STATE/tmp") )) "$MO_STATE/tmp/fill" 2>/dev/null ||
	head -c 2m /dev/zero >"$MO_STATE/tmp/fill" 2>/dev/null
conf 'message_size_limit = 0;'
mk mem 3000000
send mo-site-a "$M/mem.eml"
t_is "$RC/$RAN" 0/1 "spool dir full: a 3 MB message goes on in memory and passes"
t_like "$LINE" 'fault="spool file: .*spooling in memory' "spool dir full: the fault is logged"
mk memhuge 70000000
send mo-site-a "$M/memhuge.eml"
t_is "$RC/$RAN" 75/0 "spool dir full: a 70 MB message is not kept in memory (EX_TEMPFAIL)"
rm -f "$M/memhuge.eml" "$M/huge.eml" "$REC/stdin"
t_done
