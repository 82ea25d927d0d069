#!/usr/bin/env bash
# What the tracer believes (issue 11, finding 8).  A program any user can
# write that passes for PHP (tests/tracer/forged-php.c: PHP's globals
# exported, a fake executor naming another site's script) is read, but its
# memory is believed only for a worker of a master root runs from a binary
# only root can have written, the worker running that binary and not
# dumpable; anything else is marked claimed.  And huge sparse binaries
# named php-fpm8.2 neither exhaust the tracer's read budget (the real
# php-fpm beside them is still read) nor its memory.
. "$(dirname "$0")/lib.sh"
need /usr/sbin/php-fpm8.2 php setpriv cc /usr/bin/time truncate

FORGED_SRC=$TR_ROOT/tests/tracer/forged-php.c
VICTIM=$VROOT/site-b/mail.php           # the other site's script it names
TR() { "$TRACER" --vhost-root "$VROOT" "$@"; }
ASUSER=(setpriv --reuid=nobody --regid=nogroup --clear-groups)

# The user's copies live in a folder of theirs.
mkdir -p "$T/u/d1" "$T/u/d2"
cc -std=gnu11 -O1 -rdynamic -o "$T/u/php-fpm8.2" "$FORGED_SRC" ||
	{ ok 1 "build the forged binary"; done_testing; exit 1; }
chown -R nobody:nogroup "$T/u"
# Root's own copies, outside world-writable /tmp: one in a folder a user
# may write, one in root's folders only.
R=$(mktemp -d /run/mo-trust.XXXXXX)
at_exit "rm -rf --one-file-system $R"
chmod 755 "$R"
mkdir -p "$R/site" "$R/root"
install -m 0755 -o root -g root "$T/u/php-fpm8.2" "$R/site/php-fpm8.2"
install -m 0755 -o root -g root "$T/u/php-fpm8.2" "$R/root/php-fpm8.2"
chown nobody:nogroup "$R/site"

start() {   # start NAME CMD...: run CMD in its own session; pid in NAME
	setsid "${@:2}" </dev/null >/dev/null 2>&1 &
	eval "$1=$!"
	at_exit "kill -KILL -- -$!"
}
# child PID: its first child, once it has one.
child() { wait_until 10 pgrep -P "$1" >/dev/null && pgrep -P "$1" | head -1; }

# --- the sparse decoys first: lower pids, so the scan meets them first ----
for d in d1 d2; do
	cp "$T/u/php-fpm8.2" "$T/u/$d/php-fpm8.2"
	truncate -s 511M "$T/u/$d/php-fpm8.2"
	chown nobody:nogroup "$T/u/$d/php-fpm8.2"
	start DECOY_$d "${ASUSER[@]}" "$T/u/$d/php-fpm8.2" worker "$VICTIM"
done

# --- the forged cases -------------------------------------------------------
start USER_M "${ASUSER[@]}" "$T/u/php-fpm8.2" master "$VICTIM"
start SITE_M "$R/site/php-fpm8.2" master "$VICTIM"
start ROOT_M "$R/root/php-fpm8.2" master "$VICTIM"
start DUMP_M "$R/root/php-fpm8.2" master "$VICTIM" dumpable
start EXEC_M "$R/root/php-fpm8.2" master "$VICTIM" "exec:$T/u/php-fpm8.2"
USER_W=$(child "$USER_M"); SITE_W=$(child "$SITE_M"); ROOT_W=$(child "$ROOT_M")
DUMP_W=$(child "$DUMP_M"); EXEC_W=$(child "$EXEC_M")
wait_until 10 grep -q "worker" "/proc/$EXEC_W/cmdline"

# --- and a real pool ----------------------------------------------------------
make_site example.test
make_sendmail
start_fpm 2 || { ok 1 "php-fpm starts"; cat "$T/fpm.out" >&2; done_testing; exit 1; }
ok 0 "php-fpm starts (pid $FPM_PID)"

/usr/bin/time -f %M -o "$T/rss" "$TRACER" --vhost-root "$VROOT" --all --json \
	>"$T/all.json" 2>"$T/all.err"
pick() { json_pick "$T/all.json" type=php pid="$1" "$2"; }

# the real pool: believed
is "$(json_count "$T/all.json" type=php ppid="$FPM_PID" signal=memory claimed=false)" 2 \
	"the real pool's 2 workers: read by memory, not claimed"
W=$(fpm_workers | head -1)
is "$(pick "$W" claimed)" false "a worker of root's php-fpm from /usr/sbin is believed"

# a user's php-fpm: read, but claimed
is "$(pick "$USER_W" signal)/$(pick "$USER_W" confidence)" memory/exact \
	"a user's forged php-fpm is still read (memory/exact)"
is "$(pick "$USER_W" script)" "$VICTIM" "it names the other site's script"
is "$(pick "$USER_W" claimed)" true "that is marked claimed"
check "because its master is not root's" grep -q "not run by root" <<<"$(pick "$USER_W" claimed_why)"
TR --all >"$T/all.table" 2>/dev/null
check "the table says claimed too" grep -E "^$USER_W .*memory/exact claimed" "$T/all.table"
is "$(pick "$USER_M" claimed)" true "its master: claimed too"

# root runs it, from a folder a user may write
is "$(pick "$SITE_W" claimed)" true "root's master from a user-writable folder: claimed"
check "named: the folder" grep -q "$R/site: a folder others than root may write" \
	<<<"$(pick "$SITE_W" claimed_why)"

# root runs it from root's folders: what root installed is believed
is "$(pick "$ROOT_W" claimed)" false "root's master from root's folders: believed"
is "$(pick "$DUMP_W" claimed)" true "a dumpable worker (its user may write its memory): claimed"
check "named: dumpable" grep -q dumpable <<<"$(pick "$DUMP_W" claimed_why)"
is "$(pick "$EXEC_W" claimed)" true "a worker that exec'd a user's binary: claimed"
check "named: not its parent's binary" grep -q "not run its parent's binary" \
	<<<"$(pick "$EXEC_W" claimed_why)"

# the sparse decoys cost nothing: the real pool above was read, and memory
# stays far below the 511 MiB a whole-file read took (a bound, not a timing)
rss=$(tail -1 "$T/rss")
diag "tracer max RSS ${rss} KiB with two 511 MiB sparse decoys"
ok $([ "$rss" -lt 102400 ]; echo $?) "max RSS under 100 MiB (was over 500 MiB)"
is "$(pick "$DECOY_d1" claimed)" true "a decoy is read (it is a valid ELF) and claimed"
check "no binary was left unread for the budget" bash -c \
	"! grep -q 'read enough binaries' '$T/all.err'"

# A binary's folders are walked once a scan (issue 14): three masters run
# root's $R/root copy, two workers the real php-fpm, and the memory reader
# asks about the same binaries again; a walk that reaches the binary ends
# with an open of it by name (O_PATH, not a folder).  Two binaries root
# runs from root's folders ($R/site's walk stops at its folder): two such
# opens, and the same answers.
if command -v strace >/dev/null; then
	strace -f -qq -e trace=openat -o "$T/walk.st" "$TRACER" --vhost-root "$VROOT" --all --json \
		>"$T/all2.json" 2>/dev/null
	is "$(grep 'openat([0-9]*, "php-fpm8.2", [^)]*O_PATH' "$T/walk.st" | grep -vc O_DIRECTORY)" 2 \
		"one walk from / a binary a scan (/usr/sbin/php-fpm8.2 and $R/root's copy)"
	for p in "$W" "$ROOT_W" "$DUMP_W" "$EXEC_W" "$SITE_W" "$USER_W"; do
		is "$(json_pick "$T/all2.json" type=php pid="$p" claimed)/$(json_pick "$T/all2.json" type=php pid="$p" claimed_why)" \
			"$(pick "$p" claimed)/$(pick "$p" claimed_why)" "the same verdict and reason for $p"
	done
else
	skip "one walk a binary a scan" "strace not installed"
fi

done_testing
