#!/usr/bin/env bash
# Issue 11, finding 10: under no_new_privs (setpriv --no-new-privs, systemd
# NoNewPrivileges=) the kernel ignores the setgid bit and the wrapper runs
# without its group: limits, hold and the log file cannot apply.  It must
# say so every time, on stderr and in syslog, and follow fail: open passes
# (stamped), closed refuses with EX_TEMPFAIL; MAILORIGIN_CONF stays ignored.
. "$(dirname "$0")/../lib/harness.sh"
mo_begin "$@"
mo_need_wrapper
mo_install_wrapper
mo_syslog_sink
REC=$T/rec
RECMTA=$(mo_recorder "$REC")
M=$T/msg; mkdir -p "$M"; chmod 755 "$M"
printf 'From: a@test.invalid\nTo: r@test.invalid\nSubject: nnp\n\nbody\n' >"$M/m.eml"; chmod 644 "$M/m.eml"
conf() {
	mo_conf postfix "$RECMTA"
	printf 'limits = ( { match = "uid"; messages = [ "2/1d" ]; } );\n%s\n' "${1:-}" >>"$MO_ETC/mailorigin.conf"
}
# nnp_send [ENV...]: as mo-site-a under no_new_privs; sets RC, RAN, ERR
nnp_send() {
	rec_reset "$REC"
	(cd / && setpriv --no-new-privs --reuid=mo-site-a --regid=mo-site-a --init-groups \
		env -i HOME=/ PATH="$MO_STD_PATH" "$@" "$W" -t -i <"$M/m.eml") >/dev/null 2>"$T/err"
	RC=$?; ERR=$(cat "$T/err")
	RAN=0; [ -f "$REC/stdin" ] && RAN=1
}

# the control: without no_new_privs the limit holds the third
conf
res=""
for i in 1 2 3; do rec_reset "$REC"; (cd / && mo_as mo-site-a "$W" -t -i <"$M/m.eml") >/dev/null 2>&1; res="$res $?/$([ -f "$REC/stdin" ] && echo 1 || echo 0)"; done
t_is "$res" " 0/1 0/1 0/0" "control: 2 passed, the third held"

# fail = open: passes, stamped, and says why every time
: >"$MO_SYSLOG"
for i in 1 2 3; do
	nnp_send
	t_is "$RC/$RAN" 0/1 "no_new_privs, fail=open, message $i: passed (exit 0, MTA ran)"
	t_like "$ERR" 'running without group mailorigin: no_new_privs is set' "no_new_privs, message $i: said on stderr"
	t_like "$(head -1 "$REC/stdin")" '^X-Mailorigin-Id: ' "no_new_privs, message $i: stamped"
done
sleep 0.5   # the sink is asynchronous (not a timing assertion)
t_is "$(grep -c 'running without group mailorigin: no_new_privs is set' "$MO_SYSLOG")" 9 \
	"no_new_privs: in syslog every time (the warning, the fault, the message line)"
t_like "$(grep 'action=pass' "$MO_SYSLOG" | tail -1)" 'fault="running without group' \
	"no_new_privs: the message's line (syslog) carries the fault"

# MAILORIGIN_CONF is still not honoured (a caller's own config would lift the limits)
cat >"$T/own.conf" <<CONF
mta = { type = "postfix"; path = "$RECMTA"; };
CONF
chown mo-site-a "$T/own.conf"
conf 'fail = "closed";'
nnp_send MAILORIGIN_CONF="$T/own.conf"
t_is "$RC/$RAN" 75/0 "no_new_privs, fail=closed (caller's MAILORIGIN_CONF ignored): not accepted, MTA not run"
t_like "$ERR" 'fail = closed: message not accepted' "no_new_privs, fail=closed: says why"
sleep 0.5
t_like "$(tail -1 "$MO_SYSLOG")" 'running without group mailorigin' "no_new_privs, fail=closed: in syslog"
t_done
