# tests/lib/harness.sh: the integration tests' world.
#
# Every .t sources this file and calls `mo_begin "$@"` first.  That
#  - re-executes the script inside a private mount namespace
#    (unshare -m --propagation private), so that the bind mounts below and
#    every daemon the test starts see private copies of /etc/postfix and
#    /etc/mailorigin while the system's files stay untouched;
#  - makes a world-traversable temp dir $T under /tmp (setgid works there);
#  - installs an EXIT trap that runs the cleanups registered with
#    mo_atexit, last first (daemons are stopped by pid), then removes $T.
# Set MO_KEEP=1 to keep $T for a post-mortem.  Scripts that are not TAP
# tests (tests/demo, bench/run) set MO_NO_TAP=1 and MO_TMP_PREFIX first.
#
# Test users (created when missing; CI is a fresh machine): mo-site-a and
# mo-site-b own the two sites, mo-rcpt receives the mail.  The group
# mailorigin is the wrapper's setgid group, as `make install` makes it.

. "$(dirname "${BASH_SOURCE[0]}")/tap.sh"

MO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MO_FIXTURES=$MO_ROOT/tests/integration/fixtures
MO_WRAPPER_BUILD=${MO_WRAPPER_BUILD:-$MO_ROOT/build/mailorigin-sendmail}
MO_PHP=$(command -v php || echo /usr/bin/php)
MO_STD_PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin
# mo-crowd: a uid no test sends mail as, for fd-heavy crowds of processes
# (91-milter-pickup.t, 93-milter-sapi.t): test files run in parallel, and a
# lookup walks the client uid's own processes first, so a crowd of
# mo-site-b's would slow another file's lookup of a mo-site-b client
MO_USERS="mo-site-a mo-site-b mo-rcpt mo-crowd"
_mo_cleanups=()

mo_atexit() { _mo_cleanups+=("$*"); }

_mo_exit() {
	local rc=$? i
	trap - EXIT INT TERM HUP
	for ((i = ${#_mo_cleanups[@]} - 1; i >= 0; i--)); do
		eval "${_mo_cleanups[$i]}" >/dev/null 2>&1
	done
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		if [ "${MO_KEEP:-}" = 1 ]; then
			echo "# MO_KEEP=1: kept $T" >&2
		else
			# --one-file-system: never follow a mount that is still in place
			rm -rf --one-file-system "$T"
		fi
	fi
	exit $rc
}

# mo_skip_all REASON: the whole file cannot run.  One SKIP line (a failure
# in CI, a loud skip elsewhere), then stop.
mo_skip_all() {
	if [ -n "${MO_NO_TAP:-}" ]; then echo "$(basename "$0"): cannot run: $1" >&2; exit 1; fi
	t_skip "$(basename "$0")" "$1"
	t_done
	exit 0
}

# mo_bail REASON: the set-up failed; that is a failing test, not a skip.
mo_bail() {
	if [ -n "${MO_NO_TAP:-}" ]; then
		echo "$(basename "$0"): set-up failed: $1" >&2
		[ -n "${2:-}" ] && printf '%s\n' "$2" >&2
		exit 1
	fi
	t_ok 1 "set-up: $1"
	[ -n "${2:-}" ] && t_diag "$2"
	t_done
	exit 1
}

mo_begin() {
	[ "$(id -u)" -eq 0 ] || mo_skip_all "needs root (namespaces, daemons, test users)"
	if [ -z "${MO_IN_NS:-}" ]; then
		command -v unshare >/dev/null || mo_skip_all "unshare (util-linux) missing"
		# MO_NETNS=1: a network namespace of its own too (its own
		# interfaces and addresses; lo brought up below)
		MO_IN_NS=1 exec unshare -m ${MO_NETNS:+-n} --propagation private bash "$0" "$@"
	fi
	if [ -n "${MO_NETNS:-}" ]; then
		ip link set lo up || mo_bail "ip link set lo up failed (iproute2)"
	fi
	# Belt and braces: nothing mounted here may leak back to the host.
	mount --make-rprivate / || mo_bail "mount --make-rprivate / failed"
	umask 022
	T=$(mktemp -d "/tmp/${MO_TMP_PREFIX:-mo-it}.XXXXXX") || mo_bail "mktemp failed"
	chmod 755 "$T"
	mkdir -p "$T/bin"
	trap _mo_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM HUP
	mo_users
	mo_private_etc
}

# /etc/mailorigin must exist as a mount point for the private one.  When
# the host has none, an overlay over /etc (upper layer in $T) provides it
# inside this namespace only; users are created before, on the host.
mo_private_etc() {
	[ -d /etc/mailorigin ] && return 0
	mkdir -p "$T/etc-up" "$T/etc-work"
	mount -t overlay overlay -o "lowerdir=/etc,upperdir=$T/etc-up,workdir=$T/etc-work" /etc ||
		mo_bail "no /etc/mailorigin and cannot overlay /etc"
	mo_atexit "umount -l /etc"
	mkdir /etc/mailorigin || mo_bail "cannot make /etc/mailorigin in the overlay"
}

# Test files run in parallel (tests/run): the check and the creation happen
# under one lock, so that two files never both see a user missing and race
# to add it (the loser's useradd would fail, or find /etc/passwd locked).
MO_USERS_LOCK=/run/lock/mailorigin-test-users.lock

mo_users() {
	local u fd
	[ -d "${MO_USERS_LOCK%/*}" ] || mkdir -p "${MO_USERS_LOCK%/*}"
	exec {fd}>"$MO_USERS_LOCK" || mo_bail "cannot open $MO_USERS_LOCK"
	flock "$fd" || mo_bail "cannot lock $MO_USERS_LOCK"
	getent group mailorigin >/dev/null || groupadd --system mailorigin ||
		mo_bail "cannot create group mailorigin"
	for u in $MO_USERS; do
		getent passwd "$u" >/dev/null ||
			useradd --system --user-group --no-create-home \
				--home-dir /nonexistent --shell /usr/sbin/nologin "$u" ||
			mo_bail "cannot create user $u"
	done
	exec {fd}>&-
	MO_GID_MAILORIGIN=$(getent group mailorigin | cut -d: -f3)
}

# mo_free_port BASE: the first port from BASE (up to 17999) with no
# listener (from /proc/net/tcp{,6}, state 0A = LISTEN) and not reserved by
# another live test file, reserved for this one (this shell's $$, which a
# $(...) keeps) until it ends.  Test files run in parallel: without the
# reservation, two could pick the same port before either listens.  A
# reservation is a symbolic link /tmp/mo-ports/PORT -> PID (made in one
# step); a dead PID's is taken over, under the lock /tmp/mo-ports/.lock.
mo_free_port() {
	local p used d
	used=$(awk 'FNR > 1 && $4 == "0A" { split($2, a, ":"); print a[2] }' /proc/net/tcp /proc/net/tcp6 2>/dev/null)
	mkdir -p -m 1777 /tmp/mo-ports 2>/dev/null
	for ((p = $1; p < 18000; p++)); do
		printf '%s\n' "$used" | grep -qix "$(printf '%04X' "$p")" && continue
		d=/tmp/mo-ports/$p
		if ! ln -s "$$" "$d" 2>/dev/null; then
			# A dead pid's reservation is taken over under one lock: two
			# files that both saw it dead could otherwise both take it (the
			# second's rm removing the first's new link).
			(
				flock 9 || exit 1
				owner=$(readlink "$d" 2>/dev/null) || exit 1
				[ "$owner" = "$$" ] && exit 1     # ours already, in use
				kill -0 "$owner" 2>/dev/null && exit 1
				rm -f "$d" && ln -s "$$" "$d" 2>/dev/null
			) 9>>/tmp/mo-ports/.lock || continue
		fi
		echo "$p"
		return 0
	done
	return 1
}

mo_uid() { id -u "$1"; }
mo_gid() { id -g "$1"; }

# mo_as USER CMD...: run CMD as USER (real and effective uid and gid, the
# user's groups) with a small clean environment, as a web server would.
mo_as() {
	local u=$1; shift
	setpriv --reuid="$u" --regid="$u" --init-groups \
		env -i HOME=/ USER="$u" LOGNAME="$u" PATH="$MO_STD_PATH" LANG=C "$@"
}

# mo_bind SRC TARGET: bind-mount inside our namespace only.
mo_bind() {
	mount --bind "$1" "$2" || mo_bail "mount --bind $1 $2 failed"
	mo_atexit "umount -l '$2'"
}

# ---- fixtures (small C helpers compiled per run) -------------------------

mo_cc() {   # mo_cc NAME: build fixtures/NAME.c into $T/bin/NAME
	[ -x "$T/bin/$1" ] && return 0
	cc -O1 -Wall -o "$T/bin/$1" "$MO_FIXTURES/$1.c" 2>"$T/cc-$1.err" ||
		mo_bail "cannot compile fixtures/$1.c" "$(cat "$T/cc-$1.err")"
}

# mo_recorder DIR [NAME]: a recording stand-in MTA at DIR/NAME (default
# "sendmail").  Each run writes DIR/argv (NUL-separated, argv[0] first),
# DIR/env (NUL-separated), DIR/stdin (exact bytes), DIR/status (the
# Uid/Gid/Groups lines of /proc/self/status), DIR/fd0 (what fd 0 is), and
# exits with the number in DIR/exitcode (0 when absent).
mo_recorder() {
	local d=$1 name=${2:-sendmail}
	mo_cc record-mta
	mkdir -p "$d"; chmod 0777 "$d"
	install -m 0755 "$T/bin/record-mta" "$d/$name"
	echo "$d/$name"
}

rec_reset() { rm -f "$1"/argv "$1"/env "$1"/stdin "$1"/status "$1"/fd0 "$1"/fd1 "$1"/exitcode "$1"/ran; }
rec_argv()  { tr '\0' '\n' <"$1/argv"; }          # one argument a line
rec_argv_q() { local a; while IFS= read -r -d '' a; do printf '[%s]' "$a"; done <"$1/argv"; }
rec_env()   { tr '\0' '\n' <"$1/env" | sort; }

# ---- the wrapper and its config --------------------------------------------

mo_need_wrapper() {
	[ -x "$MO_WRAPPER_BUILD" ] ||
		mo_skip_all "$MO_WRAPPER_BUILD not built (run make)"
}

# mo_install_wrapper: $W = setgid copy root:mailorigin 2755 (what users run),
# $W_PLAIN = a copy without setgid, root only (MAILORIGIN_CONF honoured).
# Sets up the private /etc/mailorigin, the state dir and the log file.
mo_install_wrapper() {
	mo_need_wrapper
	W=$T/bin/mailorigin-sendmail
	case ,$(findmnt -no OPTIONS -T "$T" 2>/dev/null), in
	*,nosuid,*) mo_bail "$T is on a nosuid mount: the setgid wrapper cannot be tested there" ;;
	esac
	W_PLAIN=$T/bin/mailorigin-sendmail.plain
	install -o root -g mailorigin -m 2755 "$MO_WRAPPER_BUILD" "$W"
	install -o root -g root -m 0700 "$MO_WRAPPER_BUILD" "$W_PLAIN"
	MO_ETC=$T/etc-mailorigin
	mkdir -p "$MO_ETC"; chmod 755 "$MO_ETC"
	mo_bind "$MO_ETC" /etc/mailorigin
	MO_STATE=$T/state
	# the layout `make install` makes: no caller may own an entry of it
	install -d -o root -g mailorigin -m 2770 "$MO_STATE" "$MO_STATE/tmp" "$MO_STATE/hold"
	install -o root -g mailorigin -m 0660 /dev/null "$MO_STATE/limits.db"
	install -d -o root -g root -m 0700 "$MO_STATE/quarantine"
	# no passed: the milter makes it at its start (lib/passrec.h)
	MO_LOGDIR=$T/log
	mkdir -p "$MO_LOGDIR"; chown root:mailorigin "$MO_LOGDIR"; chmod 2770 "$MO_LOGDIR"
	MO_LOG=$MO_LOGDIR/mailorigin.log
	install -o root -g mailorigin -m 0660 /dev/null "$MO_LOG"
	MO_WWW=$T/www
}

# mo_conf TYPE PATH [EXTRA...]: write /etc/mailorigin/mailorigin.conf.
# Options after PATH: state=DIR prefix=STR logfile=FILE
mo_conf() {
	local type=$1 path=$2 state=$MO_STATE prefix=X-Mailorigin- logfile=$MO_LOG o
	shift 2
	for o in "$@"; do
		case $o in
		state=*) state=${o#state=} ;;
		prefix=*) prefix=${o#prefix=} ;;
		logfile=*) logfile=${o#logfile=} ;;
		esac
	done
	mo_conf_text "$type" "$path" "$state" "$prefix" "$logfile" >"$MO_ETC/mailorigin.conf.new"
	chown root:root "$MO_ETC/mailorigin.conf.new"; chmod 0644 "$MO_ETC/mailorigin.conf.new"
	mv -f "$MO_ETC/mailorigin.conf.new" "$MO_ETC/mailorigin.conf"
}

mo_conf_text() {  # TYPE PATH STATE PREFIX LOGFILE
	cat <<CONF
# written by $(basename "$0")
mta = { type = "$1"; path = "$2"; };
state_dir = "$3";
log = { file = "$5"; syslog = true; };
headers = { prefix = "$4"; };
vhosts = ( { path = "$MO_WWW/*/"; },
           { path = "$T/special/"; name = "special.example"; } );
CONF
}

# ---- the log -----------------------------------------------------------------

MO_LOGLINE=$MO_ROOT/tests/integration/logline.php

mo_log_count() { [ -f "$MO_LOG" ] && wc -l <"$MO_LOG" | tr -d ' ' || echo 0; }
# mo_log_since N: the log lines after the first N
mo_log_since() { tail -n +"$(($1 + 1))" "$MO_LOG"; }
# lf LINE KEY: the decoded value of KEY in log line LINE (exit 1 if absent,
# 2 if the line does not parse)
lf() { printf '%s\n' "$1" | "$MO_PHP" -n "$MO_LOGLINE" get "$2" 2>/dev/null; }
# log_parses LINE: exit 0 when the line is well-formed key=value
log_parses() { printf '%s\n' "$1" | "$MO_PHP" -n "$MO_LOGLINE" check; }
# log_keys_missing LINE KEY...: prints the keys that are absent
log_keys_missing() { local l=$1; shift; printf '%s\n' "$l" | "$MO_PHP" -n "$MO_LOGLINE" missing "$@"; }

# ---- messages ---------------------------------------------------------------

# hdr FILE NAME: the (unfolded) value of the first header NAME in FILE's
# header block, without the leading space.
hdr() {
	awk -v want="$(printf '%s' "$2" | tr 'A-Z' 'a-z')" '
		BEGIN { found = 0 }
		{ sub(/\r$/, "") }
		/^$/ { exit }
		/^[ \t]/ { if (cur == want && !done) val = val " " substr($0, 2) ; next }
		{ if (cur == want && !done) { done = 1 }
		  n = index($0, ":"); cur = tolower(substr($0, 1, n - 1));
		  if (cur == want && !done) { val = substr($0, n + 1); sub(/^[ \t]+/, "", val); found = 1 } }
		END { if (found) print val; else exit 1 }' "$1"
}
# hdr_all FILE NAME: every header NAME (case-insensitive), one a line
hdr_all() {
	awk -v want="$(printf '%s' "$2" | tr 'A-Z' 'a-z')" '
		{ sub(/\r$/, "") } /^$/ { exit }
		/^[ \t]/ { if (cur == want) printf " %s", substr($0, 2); next }
		{ if (cur == want) print ""; n = index($0, ":"); cur = tolower(substr($0, 1, n - 1));
		  if (cur == want) printf "%s", substr($0, n + 1) }
		END { if (cur == want) print "" }' "$1" | sed 's/^[ \t]*//'
}
# hdr_names FILE: header names in order, one a line
hdr_names() { awk '/^\r?$/ { exit } /^[^ \t]/ { n = index($0, ":"); print substr($0, 1, n - 1) }' "$1"; }
# body_of FILE: everything after the first empty line (LF or CRLF)
body_of() {
	local n
	n=$(grep -n -m1 -a $'^\r\\?$' "$1" | cut -d: -f1)
	[ -n "$n" ] && tail -n +"$((n + 1))" "$1"
}

# ---- syslog ---------------------------------------------------------------

# mo_syslog_sink: give this namespace its own /dev (a tmpfs holding bind
# mounts of every host device node and folder) with a /dev/log that a
# fixture listens on; lines land in $MO_SYSLOG.  The host's /dev is not
# touched: the new /dev exists only in this namespace.
mo_syslog_sink() {
	mo_cc syslog-sink
	local nd=$T/newdev e name
	mkdir -p "$nd"
	mount -t tmpfs -o mode=755 tmpfs "$nd" || mo_bail "tmpfs for /dev failed"
	for e in /dev/*; do
		name=${e##*/}
		if [ -L "$e" ]; then cp -P "$e" "$nd/$name"
		elif [ -d "$e" ]; then mkdir "$nd/$name" && mount --rbind "$e" "$nd/$name"
		elif [ -c "$e" ] || [ -b "$e" ]; then : >"$nd/$name" && mount --bind "$e" "$nd/$name"
		fi
	done
	mount --move "$nd" /dev || mo_bail "mount --move to /dev failed"
	mo_atexit "umount -l /dev"
	MO_SYSLOG=$T/syslog.out
	: >"$MO_SYSLOG"
	"$T/bin/syslog-sink" /dev/log "$MO_SYSLOG" &
	MO_SYSLOG_PID=$!
	mo_atexit 'kill $MO_SYSLOG_PID; wait $MO_SYSLOG_PID'
	local i
	for i in $(seq 50); do [ -S /dev/log ] && return 0; sleep 0.1; done
	mo_bail "syslog sink did not start"
}

# ---- checks shared by the wrapper tests --------------------------------------

MO_HDRS="Id Uid Cwd Script Vhost"
MO_LOG_KEYS="id action uid user vhost cwd script script_src sapi php_pid pool from rcpts size forged mta mta_status"

# mo_check_stamp FILE LABEL PRE UID USER CWD SCRIPT VHOST
#   PRE: the header names expected before ours ("" for what the MTA got,
#   "Return-Path X-Original-To Delivered-To Received" for what Postfix
#   delivered).
#   Checks our five headers, in order, once, right after PRE, and their
#   values (CWD, SCRIPT, VHOST as they must appear, i.e. escaped; SCRIPT
#   may be "~ERE").
#   Sets MO_ID to the X-Mailorigin-Id value.
mo_check_stamp() {
	local f=$1 l=$2 pre=$3 uid=$4 user=$5 cwd=$6 script=$7 vhost=$8 want h
	want=$pre
	for h in $MO_HDRS; do want="${want:+$want }X-Mailorigin-$h"; done
	local names
	names=$(hdr_names "$f" | tr '\n' ' ')
	case "$names" in
	"$want "*|"$want") t_ok 0 "$l: our 5 headers in order at the top${pre:+ (after $pre)}" ;;
	*) t_ok 1 "$l: our 5 headers in order at the top${pre:+ (after $pre)}"; t_diag "header names: $names" ;;
	esac
	t_is "$(hdr_names "$f" | grep -ci '^x-mailorigin-')" 5 "$l: no other X-Mailorigin- header"
	MO_ID=$(hdr "$f" X-Mailorigin-Id)
	t_like "$MO_ID" '^[0-9a-f]{16}$' "$l: Id is 16 lowercase hex digits"
	t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid ($user)" "$l: Uid"
	t_is "$(hdr "$f" X-Mailorigin-Cwd)" "$cwd" "$l: Cwd"
	case $script in   # "~ERE": a regex, for callers where two answers are right
	"~"*) t_like "$(hdr "$f" X-Mailorigin-Script)" "${script#\~}" "$l: Script" ;;
	*) t_is "$(hdr "$f" X-Mailorigin-Script)" "$script" "$l: Script" ;;
	esac
	t_is "$(hdr "$f" X-Mailorigin-Vhost)" "$vhost" "$l: Vhost"
}

# mo_log_line ID: the log file's line for message ID (the last one)
mo_log_line() { grep -a -E "(^| )id=$1( |\$)" "$MO_LOG" | tail -1; }

# mo_check_log ID LABEL KEY=VALUE...: the line for ID exists, parses, has
# every key of MO_LOG_KEYS, and each KEY has exactly VALUE (decoded).
# KEY~ERE checks a regex instead.  Sets MO_LINE.
mo_check_log() {
	local id=$1 l=$2 kv k v got; shift 2
	MO_LINE=$(mo_log_line "$id")
	[ -n "$MO_LINE" ]; t_ok $? "$l: a log line with id=$id" || { t_diag "log:" "$(tail -3 "$MO_LOG")"; return 1; }
	log_parses "$MO_LINE"; t_ok $? "$l: the log line parses as key=value" || t_diag "$MO_LINE"
	t_is "$(log_keys_missing "$MO_LINE" $MO_LOG_KEYS)" "" "$l: the log line has every key"
	for kv in "$@"; do
		case $kv in
		*~*) k=${kv%%~*}; v=${kv#*~}; got=$(lf "$MO_LINE" "$k"); t_like "$got" "$v" "$l: log $k matches $v" ;;
		*) k=${kv%%=*}; v=${kv#*=}; got=$(lf "$MO_LINE" "$k"); t_is "$got" "$v" "$l: log $k=$v" ;;
		esac
	done
}

# strip_delivered FILE: what Postfix delivered minus the headers Postfix
# and the wrapper put on top: must be the caller's message, byte for byte.
strip_delivered() { drop_top_raw "$1" 'return-path|x-original-to|delivered-to|received|x-mailorigin-(id|uid|cwd|script|vhost)'; }
strip_ours() { drop_top_raw "$1" 'x-mailorigin-(id|uid|cwd|script|vhost)'; }
# drop_top_raw FILE ERE: FILE without the header lines at its very top whose
# name matches ERE (continuations included), byte for byte (no awk
# re-joining): counts the bytes of the dropped lines, then tail -c.
drop_top_raw() {
	local skip
	skip=$(LC_ALL=C awk -v re="$2" 'BEGIN { re = tolower(re); s = 0 }
		/^[ \t]/ && dropping { s += length($0) + 1; next }
		{ n = index($0, ":"); name = tolower(substr($0, 1, n - 1));
		  if (n > 1 && name ~ ("^(" re ")$")) { dropping = 1; s += length($0) + 1; next } exit }
		END { print s }' "$1")
	tail -c +"$((skip + 1))" "$1"
}
