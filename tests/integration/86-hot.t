#!/usr/bin/env bash
# Issue 14, the wrapper's hot path: what was cut keeps its promises.
#  - a syslog socket: the message's line and a fault's line reach it;
#  - no syslog socket: the message passes, the log file has its line, and
#    the wrapper makes no attempt to connect to /dev/log (it used to try at
#    every syslog() call);
#  - a -bs session begun without a socket: a transaction after the socket
#    appeared logs to it (each transaction looks again);
#  - the config read whole from memory: a change is seen by the very next
#    call, also one of the same size in the same second, written in place;
#  - the log file's UTC stamp (no time zone file read) is the clock's.
# Against a recording stand-in MTA; strace (root) counts the connects.
. "$(dirname "$0")/../lib/harness.sh"
mo_begin "$@"
mo_need_wrapper
command -v strace >/dev/null || mo_skip_all "strace not installed"
mo_install_wrapper
REC=$T/rec
RECMTA=$(mo_recorder "$REC")
mo_conf postfix "$RECMTA"
SITE=$T/site; mkdir -p "$SITE"; chmod 755 "$SITE"
M=$T/msg; mkdir -p "$M"; chmod 755 "$M"
printf 'To: a@test.invalid\nSubject: hot\n\nbody\n' >"$M/m.eml"

run() {   # run ARGS...: the wrapper as mo-site-a on the message
	rec_reset "$REC"
	(cd "$SITE" && mo_as mo-site-a "$W" "$@" <"$M/m.eml") >/dev/null 2>"$T/err"
	RC=$?; ERR=$(cat "$T/err")
}
last_id() { hdr "$REC/stdin" X-Mailorigin-Id 2>/dev/null; }

# ---- a syslog socket --------------------------------------------------------------
mo_syslog_sink
run -t
id=$(last_id)
t_is "$RC" 0 "syslog socket: exit 0" || t_diag "$ERR"
t_is "$(grep -c -a -E "(^| )id=$id .*action=pass" "$MO_SYSLOG")" 1 "syslog socket: the message's line reached syslog"
# a fault: the log file cannot be opened (a folder in its place)
mo_conf postfix "$RECMTA" logfile="$T/no-such-dir/mo.log"
s0=$(wc -l <"$MO_SYSLOG")
run -t
id=$(last_id)
t_is "$RC" 0 "syslog socket, a fault: exit 0 (passes, fail = open)" || t_diag "$ERR"
t_like "$(tail -n +"$((s0 + 1))" "$MO_SYSLOG")" "fault: log file $T/no-such-dir/mo.log" \
	"syslog socket: the fault's own line reached syslog"
t_like "$(grep -a -E "(^| )id=$id " "$MO_SYSLOG")" 'fault="log file ' \
	"syslog socket: the message's line carries the fault"
mo_conf postfix "$RECMTA"

# ---- a -bs session begun without a socket ---------------------------------------------
kill "$MO_SYSLOG_PID"; wait "$MO_SYSLOG_PID" 2>/dev/null
rm -f /dev/log
: >"$MO_SYSLOG"
mkfifo "$T/bs-in"
(cd "$SITE" && mo_as mo-site-a "$W" -bs <"$T/bs-in") >"$T/bs-out" 2>"$T/bs-err" &
bs_pid=$!
exec {bsfd}>"$T/bs-in"
printf 'HELO hot.test\r\n' >&"$bsfd"
for i in $(seq 100); do grep -q '^250' "$T/bs-out" 2>/dev/null && break; sleep 0.1; done
"$T/bin/syslog-sink" /dev/log "$MO_SYSLOG" &
MO_SYSLOG_PID=$!
for i in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
printf 'MAIL FROM:<s@test.invalid>\r\nRCPT TO:<a@test.invalid>\r\nDATA\r\nSubject: bs\r\n\r\nbody\r\n.\r\nQUIT\r\n' >&"$bsfd"
exec {bsfd}>&-
wait "$bs_pid"
t_is "$?" 0 "-bs, the socket came during the session: the session ends well" || t_diag "$(cat "$T/bs-err")"
t_like "$(tr -d '\r' <"$T/bs-out" | grep '^250 2.0.0 Ok: queued as')" 'queued as [0-9a-f]{16}' "-bs: the message was accepted"
bsid=$(tr -d '\r' <"$T/bs-out" | sed -n 's/^250 2.0.0 Ok: queued as //p')
for i in $(seq 50); do grep -q -a "id=$bsid " "$MO_SYSLOG" && break; sleep 0.1; done
t_is "$(grep -c -a -E "(^| )id=$bsid .*action=pass" "$MO_SYSLOG")" 1 "-bs: the transaction's line reached the socket that came after the session began"

# ---- no syslog socket ---------------------------------------------------------------------
kill "$MO_SYSLOG_PID"; wait "$MO_SYSLOG_PID" 2>/dev/null
rm -f /dev/log
n0=$(mo_log_count)
rec_reset "$REC"
(cd "$SITE" && strace -f -qq -e trace=connect,socket -o "$T/st" setpriv --reuid=mo-site-a --regid=mo-site-a --init-groups \
	env -i HOME=/ PATH="$MO_STD_PATH" "$W" -t <"$M/m.eml") >/dev/null 2>"$T/err"
t_is "$?" 0 "no syslog socket: exit 0" || t_diag "$(cat "$T/err")"
t_like "$(head -n 1 "$REC/stdin" 2>/dev/null)" '^X-Mailorigin-Id: ' "no syslog socket: the MTA got the stamped message"
t_is "$(mo_log_since "$n0" | grep -c 'action=pass')" 1 "no syslog socket: the log file has the message's line"
t_is "$(grep -c '/dev/log' "$T/st")" 0 "no syslog socket: no attempt to connect to /dev/log" || t_diag "$(grep log "$T/st")"
# and with a fault, whose lines would go to syslog: still none
mo_conf postfix "$RECMTA" state="$T/no-such-state"
(cd "$SITE" && strace -f -qq -e trace=connect -o "$T/st" setpriv --reuid=mo-site-a --regid=mo-site-a --init-groups \
	env -i HOME=/ PATH="$MO_STD_PATH" "$W" -t <"$M/m.eml") >/dev/null 2>"$T/err"
t_is "$?" 0 "no syslog socket, a fault: exit 0" || t_diag "$(cat "$T/err")"
t_like "$(cat "$T/err")" 'warning: state dir' "no syslog socket, a fault: said on stderr"
t_is "$(grep -c '/dev/log' "$T/st")" 0 "no syslog socket, a fault: no attempt to connect to /dev/log"
mo_conf postfix "$RECMTA"

# ---- a changed config is seen by the next call ------------------------------------------------
conf=$MO_ETC/mailorigin.conf
mo_conf postfix "$RECMTA" prefix=X-Hot-One-
run -t
t_like "$(head -n 1 "$REC/stdin")" '^X-Hot-One-Id: ' "config: the prefix of the config as written"
# same size, same second, written in place (no rename): the next call sees it
sed 's/X-Hot-One-/X-Hot-Two-/' "$conf" >"$T/conf2"
touch -r "$conf" "$T/conf2"
t_is "$(stat -c %s "$T/conf2")" "$(stat -c %s "$conf")" "config: the new one has the same size"
cat "$T/conf2" >"$conf"
touch -r "$T/conf2" "$conf"
run -t
t_like "$(head -n 1 "$REC/stdin")" '^X-Hot-Two-Id: ' "config: changed in place, same size and mtime: the next call sees it"
# another MTA, in place, with a shorter file: the next call hands over to it
REC2=$T/rec2
RECMTA2=$(mo_recorder "$REC2")
sed "s|$RECMTA|$RECMTA2|" "$conf" >"$T/conf3"
cat "$T/conf3" >"$conf"
rec_reset "$REC2"
run -t
t_like "$(head -n 1 "$REC2/stdin" 2>/dev/null)" '^X-Hot-Two-Id: ' "config: another mta.path, in place: the next call runs it"
t_is "$(ls "$REC" | grep -c stdin)" 0 "config: ... and not the one before"
mo_conf postfix "$RECMTA"

# ---- the log file's stamp ---------------------------------------------------------------
n0=$(mo_log_count)
before=$(date -u +%s)
run -t
after=$(date -u +%s)
stamp=$(mo_log_since "$n0" | tail -1 | cut -d' ' -f1)
t_like "$stamp" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' "log file: a UTC stamp"
s=$(date -u -d "$stamp" +%s 2>/dev/null || echo 0)
[ "$s" -ge "$before" ] && [ "$s" -le "$after" ]
t_ok $? "log file: the stamp is the clock's ($stamp, between $before and $after)"

t_done
