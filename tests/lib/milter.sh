# tests/lib/milter.sh: mailorigin-milter beside a private Postfix
# (tests/lib/postfix.sh), for the milter's test files.
#   milter_conf TEXT     the base config plus TEXT (read at the milter's start)
#   milter_start         start it on $SOCK (Postfix's user owns it), pid file in $MS
#                        (MILTER_ARGS: more options, e.g. "-t 300")
#   milter_stop          stop it (registered with mo_atexit by milter_start)
# The caller sets MILTER_BIN, MS (a folder) and SOCK.

milter_conf() {
	mo_conf postfix /usr/sbin/sendmail
	printf '%s\n' "$1" >>"$MO_ETC/mailorigin.conf"
}
milter_start() {
	"$MILTER_BIN" ${MILTER_ARGS:-} -c "$MO_ETC/mailorigin.conf" -s "$SOCK" -u postfix -p "$MS/pid" --foreground \
		>>"$MS/out" 2>&1 &
	MILTER_PID=$!
	[ -n "${_milter_atexit:-}" ] || { mo_atexit milter_stop; _milter_atexit=1; }
	local i
	for i in $(seq 100); do [ -S "$SOCK" ] && [ -s "$MS/pid" ] && return 0; sleep 0.05; done
	mo_bail "the milter did not start" "$(cat "$MS/out")"
}
milter_stop() {
	[ -n "${MILTER_PID:-}" ] || return 0
	kill -TERM "$MILTER_PID" 2>/dev/null
	local i
	for i in $(seq 50); do kill -0 "$MILTER_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$MILTER_PID" 2>/dev/null
	wait "$MILTER_PID" 2>/dev/null
	MILTER_PID=; rm -f "$SOCK" "$MS/pid"
}
