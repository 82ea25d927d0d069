# tests/install/lib.sh: mailorigin-install's tests.  Sourced after
# tests/lib/harness.sh (mo_begin: private mount namespace, $T, traps).
#
#   mi ARGS...              run build/mailorigin-install (stdout+stderr in $MI_OUT, exit in $MI_RC)
#   mk_root DIR [nodpkg]    a tree like this machine's: the real Postfix sendmail, the
#                           /usr/lib/sendmail symlink, dpkg's database saying postfix owns
#                           them, the wrapper in /usr/local/sbin, the state dir
#   snap DIR                one line per path: type, mode, owner, size, link target,
#                           inode, mtime and sha256 of files (dir mtimes left out: a
#                           rename in a folder changes them)
#   has_hook                the wrapper calls mo_install_apply (the record hook)
#   kill_sleeper DIR        stop the sleeper of the swap under DIR, if any, by pid

MI=${MI:-$MO_ROOT/build/mailorigin-install}
WRAPPER_IN_ROOT=/usr/local/sbin/mailorigin-sendmail

[ -x "$MI" ] || mo_skip_all "$MI not built (run make)"

mi() {
	MI_OUT=$("$MI" "$@" 2>&1); MI_RC=$?
	return $MI_RC
}

# mi_ok DESC ARGS...: one test line, the command must exit 0
mi_ok() {
	local d=$1; shift
	mi "$@"
	t_ok $MI_RC "$d" || t_diag "mailorigin-install $*" "exit $MI_RC" "$MI_OUT"
}

mk_root() {
	local r=$1 dpkg=${2:-dpkg}
	mkdir -p "$r/usr/sbin" "$r/usr/lib" "$r/usr/local/sbin" "$r/etc/mailorigin" \
		"$r/var/lib/mailorigin"
	chmod 2770 "$r/var/lib/mailorigin"
	chgrp mailorigin "$r/var/lib/mailorigin"
	cp -a /usr/sbin/sendmail "$r/usr/sbin/sendmail"
	ln -s ../sbin/sendmail "$r/usr/lib/sendmail"
	install -o root -g mailorigin -m 2755 "$MO_WRAPPER_BUILD" "$r$WRAPPER_IN_ROOT"
	if [ "$dpkg" = dpkg ]; then
		mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates" "$r/var/lib/dpkg/triggers"
		cp -a /var/lib/dpkg/status /var/lib/dpkg/diversions /var/lib/dpkg/statoverride \
			"$r/var/lib/dpkg/"
		cp -a /var/lib/dpkg/info/postfix.list "$r/var/lib/dpkg/info/"
	fi
}

# Left out of snapshots: the lock file the commands share (it stays, by
# design: removing a lock file races), and dpkg's own backup of its
# diversions file, which every dpkg-divert call rewrites.
# What the wrapper keeps in the state dir (spool, hold, limits) is its own
# business, not part of the swap; the record's absence is checked apart.
SNAP_EXCLUDE='^\./var/lib/mailorigin/.|/var/lib/dpkg/diversions-old$'

snap() {
	local r=$1
	(cd "$r" && find . -printf '%p\n' | LC_ALL=C sort | grep -Ev "$SNAP_EXCLUDE" |
	while IFS= read -r p; do
		if [ -L "$p" ]; then
			printf '%s L %s %s:%s -> %s\n' "$p" "$(stat -c %a "$p")" "$(stat -c %U "$p")" \
				"$(stat -c %G "$p")" "$(readlink "$p")"
		elif [ -d "$p" ]; then
			printf '%s D %s %s:%s\n' "$p" "$(stat -c %a "$p")" "$(stat -c %U "$p")" "$(stat -c %G "$p")"
		elif [[ $p == ./var/lib/dpkg/* ]]; then
			# dpkg rewrites its files whole (new inode, new mtime) even when
			# the content does not change: compare what they say
			printf '%s F %s %s:%s size=%s %s\n' "$p" "$(stat -c %a "$p")" \
				"$(stat -c %U "$p")" "$(stat -c %G "$p")" "$(stat -c %s "$p")" \
				"$(sha256sum <"$p" | cut -c1-64)"
		else
			printf '%s F %s %s:%s size=%s ino=%s mtime=%s %s\n' "$p" "$(stat -c %a "$p")" \
				"$(stat -c %U "$p")" "$(stat -c %G "$p")" "$(stat -c %s "$p")" \
				"$(stat -c %i "$p")" "$(stat -c %Y "$p")" "$(sha256sum <"$p" | cut -c1-64)"
		fi
	done)
}

# t_same_tree BEFORE_FILE DIR DESC: the tree is what it was
t_same_tree() {
	local got
	got=$(snap "$2")
	if [ "$got" = "$(cat "$1")" ]; then t_ok 0 "$3"
	else
		t_ok 1 "$3"
		t_diag "$(diff <(cat "$1") <(printf '%s\n' "$got") | head -30)"
	fi
}

has_hook() { grep -q mo_install_apply "$MO_WRAPPER_BUILD"; }
HOOK_WHY="the wrapper does not call mo_install_apply yet (lib/install_record.h; the diff is in the install report)"

json_get() {   # json_get KEY < json  (flat keys and messages.total)
	"$MO_PHP" -n -r '$j = json_decode(stream_get_contents(STDIN), true);
		$v = $j; foreach (explode(".", $argv[1]) as $k) $v = is_array($v) && array_key_exists($k, $v) ? $v[$k] : null;
		echo is_bool($v) ? ($v ? "true" : "false") : (is_array($v) ? json_encode($v) : $v);' "$1"
}

sleeper_of() {  # the sleeper pid recorded under root DIR ("" when none)
	local rec=$1/var/lib/mailorigin/install.record
	[ -f "$rec" ] && grep -q '^timer=none$' "$rec" && sed -n 's/^timer_ref=//p' "$rec"
}

kill_sleeper() {
	local p
	p=$(sleeper_of "$1")
	[ -n "$p" ] && grep -q mailorigin-install "/proc/$p/cmdline" 2>/dev/null && kill "$p" 2>/dev/null
	return 0
}

# note_sleeper DIR: remember the sleeper of the swap under DIR, so that the
# exit trap stops it by pid even when the test fails half-way.
note_sleeper() {
	local p
	p=$(sleeper_of "$1")
	[ -n "$p" ] && echo "$p" >>"$T/sleepers"
	[ -n "$p" ]
}
stop_sleepers() {
	local p
	[ -f "$T/sleepers" ] || return 0
	while read -r p; do
		grep -q mailorigin-install "/proc/$p/cmdline" 2>/dev/null && kill "$p"
	done <"$T/sleepers"
	return 0
}

# fake_mta FILE DIR: a stand-in "real sendmail" at FILE that records its
# argv (NUL-separated) and stdin into DIR and exits 0: no mail reaches any
# real MTA.
fake_mta() {
	mkdir -p "$2"
	cat >"$1" <<SH
#!/bin/sh
printf '%s\\0' "\$0" "\$@" >"$2/argv"
cat >"$2/stdin"
SH
	chmod 0755 "$1"
}
gone() {  # gone PID: not running (a zombie waiting for a reaper counts as gone)
	[ ! -e "/proc/$1" ] || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]
}
