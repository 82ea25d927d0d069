#!/usr/bin/env bash
# swap --mode milter: mailorigin-milter into a real Postfix's main.cf for a
# time window (smtpd_milters, non_smtpd_milters, milter_default_action,
# milter_connect_macros),
# and everything back: `postconf -n` identical before and after, whether
# the parameters were set, set to nothing or not set; local mail through
# the real sendmail is stamped by the milter during the window only.
. "$(dirname "$0")/../lib/harness.sh"
mo_begin "$@"
. "$(dirname "$0")/lib.sh"
. "$MO_ROOT/tests/lib/postfix.sh"
MILTER_BIN=$MO_ROOT/build/mailorigin-milter
[ -x "$MILTER_BIN" ] || mo_skip_all "$MILTER_BIN not built (run make)"
mo_install_wrapper
mo_atexit stop_sleepers
pf_start
mo_conf postfix /usr/sbin/sendmail
MS=$T/milter; mkdir -p "$MS"; chmod 755 "$MS"
SOCK=$MS/milter.sock
"$MILTER_BIN" -c "$MO_ETC/mailorigin.conf" -s "$SOCK" -u postfix -p "$MS/pid" --foreground >>"$MS/out" 2>&1 &
MILTER_PID=$!
mo_atexit 'kill $MILTER_PID 2>/dev/null; wait $MILTER_PID 2>/dev/null'
for i in $(seq 100); do [ -S "$SOCK" ] && [ -s "$MS/pid" ] && break; sleep 0.05; done
[ -S "$SOCK" ] || mo_bail "the milter did not start" "$(cat "$MS/out")"
rec=$MO_STATE/install.record

# send CASE: the real sendmail as mo-site-b (local mail: non_smtpd_milters)
send() {
	printf 'From: b@test.invalid\nSubject: %s\n\nbody\n' "$1" |
		mo_as mo-site-b /usr/sbin/sendmail -i "$(pf_addr "$1")" 2>>"$T/send.err"
}
pc() { postconf -n | LC_ALL=C sort; }

# ---- 1: smtpd_milters set, non_smtpd_milters set to nothing, the action unset
postconf -e "smtpd_milters = inet:127.0.0.1:9, { unix:/nonexistent/x.sock, default_action = accept }" \
	"non_smtpd_milters =" || mo_bail "postconf -e failed"
postconf -X milter_default_action
postfix reload >/dev/null 2>&1
pc >"$T/before1"
mi_ok "swap --mode milter --for 1h" swap --mode milter --milter "unix:$SOCK" --for 1h --timer none
p=$(sed -n 's/^timer_ref=//p' "$rec"); [ -n "$p" ] && echo "$p" >>"$T/sleepers"
t_is "$(postconf -h smtpd_milters)" "inet:127.0.0.1:9, { unix:/nonexistent/x.sock, default_action = accept }, unix:$SOCK" \
	"smtpd_milters: ours appended to the ones there"
t_is "$(postconf -h non_smtpd_milters)" "unix:$SOCK" "non_smtpd_milters: ours"
t_is "$(postconf -n milter_default_action)" "milter_default_action = tempfail" "milter_default_action = tempfail"
t_is "$(postconf -h milter_connect_macros)" "$(postconf -dh milter_connect_macros) {daemon_port}" \
	"milter_connect_macros: the default plus {daemon_port} (the milter's exact lookup)"
mi_ok "status" status
t_like "$MI_OUT" "mode: +milter \\(swapped\\)" "status: mode milter"
t_like "$MI_OUT" "before: +non_smtpd_milters = " "status: what was there"
mi_ok "status --json" status --json
t_is "$(printf '%s' "$MI_OUT" | json_get milter)" "unix:$SOCK" "status --json: milter"
mi_ok "swap again: a no-op" swap --mode milter --milter "unix:$SOCK"
t_is "$(postconf -h non_smtpd_milters)" "unix:$SOCK" "swap again: ours not added twice"

send during
f=$(pf_wait during); t_ok $? "during the window: delivered" || t_diag "$(pf_why during)"
t_is "$(hdr "$f" X-Mailorigin-Uid 2>/dev/null)" "$(mo_uid mo-site-b) (mo-site-b)" "during the window: the milter stamped it"

# the wrapper is no part of a milter swap
mi swap --mode system
t_is "$MI_RC" 64 "a system swap while the milter one is on: refused (revert first)"
t_like "$MI_OUT" "a milter swap is on: revert it before a system swap" "... and says why"

mi_ok "revert" revert
pc >"$T/after1"
cmp -s "$T/before1" "$T/after1"; t_ok $? "revert: postconf -n identical" || t_diag "$(diff "$T/before1" "$T/after1")"
[ ! -e "$rec" ]; t_ok $? "revert: the record is gone"
send after
f=$(pf_wait after); t_ok $? "after the revert: delivered" || t_diag "$(pf_why after)"
[ -n "$f" ] && ! grep -qi '^X-Mailorigin-' "$f"; t_ok $? "after the revert: not stamped"

# ---- 2: nothing set; the window ends by itself ----------------------------
postconf -X smtpd_milters non_smtpd_milters milter_default_action milter_connect_macros
postconf -e "milter_default_action = accept"
pc >"$T/before2"
# (the window may be over before the next command: what the swap did is read from its -v steps)
mi_ok "swap --for 2s" -v swap --mode milter --milter "unix:$SOCK" --for 2s --timer none
p=$(sed -n 's/^timer_ref=//p' "$rec" 2>/dev/null); [ -n "$p" ] && echo "$p" >>"$T/sleepers"
t_is "$(printf '%s\n' "$MI_OUT" | grep -o 'postconf -e "[a-z_]*=[^"]*"' | tr '\n' '|')" \
	"postconf -e \"smtpd_milters=unix:$SOCK\"|postconf -e \"non_smtpd_milters=unix:$SOCK\"|postconf -e \"milter_default_action=tempfail\"|postconf -e \"milter_connect_macros=$(postconf -dh milter_connect_macros) {daemon_port}\"|" \
	"2: all four set by the swap"
for i in $(seq 300); do [ -e "$rec" ] || break; sleep 0.1; done
[ ! -e "$rec" ]; t_ok $? "2: the window's end reverted it (sleeper)"
pc >"$T/after2"
cmp -s "$T/before2" "$T/after2"; t_ok $? "2: postconf -n identical (unset ones unset again, the action back to accept)" ||
	t_diag "$(diff "$T/before2" "$T/after2")"

# ---- hostile: a record naming another parameter is refused, nothing changed
mi_ok "swap" swap --mode milter --milter "unix:$SOCK"
sed -i 's/^param=milter_default_action$/param=relayhost/' "$rec"
pc >"$T/edited"
mi revert
t_is "$MI_RC" 65 "a record naming relayhost: revert refused (EX_DATAERR)"
t_like "$MI_OUT" "param relayhost is not one a milter swap changes" "... and says why"
pc >"$T/edited2"
cmp -s "$T/edited" "$T/edited2"; t_ok $? "... and main.cf is untouched"
sed -i 's/^param=relayhost$/param=milter_default_action/' "$rec"
mi_ok "revert" revert
pc >"$T/after3"
cmp -s "$T/before2" "$T/after3"; t_ok $? "then reverted: postconf -n identical"
mi swap --mode milter --milter "unix:/a, unix:/b"
t_is "$MI_RC" 64 "--milter with two addresses: usage error"
t_done
