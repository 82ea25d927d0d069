#!/usr/bin/env bash
# mailorigin-install against a damaged record, a tree under --root that
# leads out of itself, and processes that pretend to be php-fpm:
#  - a record naming other files than a swap makes (target=/etc/passwd,
#    real=/etc/passwd; dropin=/etc/passwd) is refused, and nothing is
#    renamed or unlinked;
#  - a file at a drop-in's name that is not our drop-in is not removed;
#  - --root trees whose folders are symlinks out of the root (usr/sbin,
#    a PHP conf.d, the state dir) are refused, and the outside is untouched;
#  - --for with a --root that a shell would read as commands is refused;
#  - the FPM reload signals only a root php-fpm master run from the real
#    binary: a user's process named php-fpm with the master's command line
#    is left alone.
. "$(dirname "$0")/../lib/harness.sh"
mo_begin "$@"
. "$(dirname "$0")/lib.sh"
mo_need_wrapper

record() {   # record ROOT LINES...: a root-owned record as a swap writes it
	local r=$1; shift
	{ printf 'version=1\nid=0123456789abcdef\nphase=swapped\nroot=%s\nsince=1\nuntil=0\n' "$r"
	  printf 'wrapper=%s\nlink=%s\ntimer=none\ntimer_ref=\n' "$WRAPPER_IN_ROOT" "$WRAPPER_IN_ROOT"
	  printf '%s\n' "$@"; } >"$r/var/lib/mailorigin/install.record"
	chmod 0644 "$r/var/lib/mailorigin/install.record"
}

# ---- a damaged record never makes revert delete a system file -----------
R=$T/root
mk_root "$R" nodpkg
mkdir -p "$R/etc"; echo "root:x:0:0:root:/root:/bin/bash" >"$R/etc/passwd"
record "$R" mode=system target=/etc/passwd real=/etc/passwd dpkg=0
mi --root "$R" revert
t_is "$MI_RC" 65 "revert of a record with target=/etc/passwd real=/etc/passwd: EX_DATAERR"
t_like "$MI_OUT" "target /etc/passwd is not a file a system swap changes" "... and says why"
t_ok "$([ -s "$R/etc/passwd" ]; echo $?)" "... /etc/passwd is still there"
record "$R" mode=system target=/usr/sbin/sendmail real=/etc/passwd dpkg=0
mi --root "$R" revert
t_is "$MI_RC" 65 "a record whose real one is not PATH.mailorigin-real: EX_DATAERR"
t_ok "$([ -s "$R/etc/passwd" ] && [ -f "$R/usr/sbin/sendmail" ] && [ ! -L "$R/usr/sbin/sendmail" ]; echo $?)" \
	"... nothing renamed over /usr/sbin/sendmail, /etc/passwd kept"
record "$R" mode=php dropin=/etc/passwd
mi --root "$R" revert
t_is "$MI_RC" 65 "a php record with dropin=/etc/passwd: EX_DATAERR"
t_ok "$([ -s "$R/etc/passwd" ]; echo $?)" "... /etc/passwd is still there"
mi --root "$R" status
t_is "$MI_RC" 65 "status of such a record: EX_DATAERR too (it is not guessed at)"

# a drop-in name holding something else (the admin's own file, a link)
mkdir -p "$R/etc/php/8.2/cli/conf.d"
echo "; the admin's own settings" >"$R/etc/php/8.2/cli/conf.d/zz-mailorigin.ini"
record "$R" mode=php dropin=/etc/php/8.2/cli/conf.d/zz-mailorigin.ini
mi --root "$R" revert
t_is "$MI_RC" 0 "revert of a php record whose drop-in is not ours: exit 0" || t_diag "$MI_OUT"
t_like "$MI_OUT" "is not a drop-in written by mailorigin-install: not removed" "... says so"
t_ok "$([ -s "$R/etc/php/8.2/cli/conf.d/zz-mailorigin.ini" ]; echo $?)" "... and keeps it"
rm -rf "$R/etc/php"
rm -f "$R/var/lib/mailorigin/install.record"

# ---- --root trees that lead out of the root -----------------------------
OUT=$T/outside; mkdir -p "$OUT/sbin"
cp -a /usr/sbin/sendmail "$OUT/sbin/sendmail"
snap "$OUT" >"$T/out.before"
R2=$T/root2
mk_root "$R2" nodpkg
rm -rf "$R2/usr/sbin"; ln -s "$OUT/sbin" "$R2/usr/sbin"
mi --root "$R2" swap --mode system
t_is "$MI_RC" 73 "swap under a --root whose usr/sbin is a symlink out of it: EX_CANTCREAT"
t_like "$MI_OUT" "resolves outside --root" "... says why"
t_same_tree "$T/out.before" "$OUT" "... and the sendmail outside the root is untouched"
mi --root "$R2" revert
t_same_tree "$T/out.before" "$OUT" "... also by the revert of what was recorded"

R3=$T/root3
mk_root "$R3" nodpkg
mkdir -p "$OUT/conf.d" "$R3/etc/php/8.2/cli"
ln -s "$OUT/conf.d" "$R3/etc/php/8.2/cli/conf.d"
mi --root "$R3" swap --mode php
t_is "$MI_RC" 73 "php swap under a --root whose conf.d is a symlink out of it: EX_CANTCREAT"
t_is "$(ls -A "$OUT/conf.d")" "" "... nothing written outside the root"
mi --root "$R3" revert

R4=$T/root4
mk_root "$R4" nodpkg
cat >"$R4/etc/mailorigin/mailorigin.conf" <<CONF
state_dir = "/../outside-state";
CONF
chmod 0644 "$R4/etc/mailorigin/mailorigin.conf"
mi --root "$R4" status
t_is "$MI_RC" 73 "a root's config whose state_dir climbs out with ..: EX_CANTCREAT"
t_ok "$([ ! -e "$T/outside-state" ]; echo $?)" "... no state dir made outside the root"

# ---- --for with a --root a shell would split ------------------------------
R5="$T/root5;touch $T/pwned"
mk_root "$R5" nodpkg
mi --root "$R5" --timer at swap --mode system --for 1h
t_is "$MI_RC" 64 "--for with a --root holding ';': EX_USAGE (it would go into at's shell job)"
t_like "$MI_OUT" "cannot go into the revert's command line" "... says why"
t_ok "$([ ! -L "$R5/usr/sbin/sendmail" ]; echo $?)" "... nothing swapped"

# ---- the FPM reload: only the real master --------------------------------
PHP_VER=$(ls /etc/php 2>/dev/null | head -1)
if [ -n "$PHP_VER" ] && [ -x "/usr/sbin/php-fpm$PHP_VER" ]; then
	# a swap of this machine (--root /), so the config and the state dir
	# must be the test's own: without a config, the default state dir
	# would be the machine's /var/lib/mailorigin
	host_state() { ls -la --time-style=+%s.%N /var/lib/mailorigin/ 2>&1; }
	host_before=$(host_state)
	mo_install_wrapper
	mo_conf postfix /usr/sbin/sendmail
	cp -a /etc/php "$T/etc-php" && mo_bind "$T/etc-php" /etc/php
	mkdir -p "$T/usr-local-sbin" && mo_bind "$T/usr-local-sbin" /usr/local/sbin
	install -o root -g mailorigin -m 2755 "$MO_WRAPPER_BUILD" /usr/local/sbin/mailorigin-sendmail
	U=$T/user; mkdir -p "$U"; chmod 755 "$U"
	cp /bin/sleep "$U/php-fpm$PHP_VER"; chown mo-site-a "$U/php-fpm$PHP_VER"
	# a site's process: a binary named php-fpmX.Y, the master's command line
	setpriv --reuid=mo-site-a --regid=mo-site-a --init-groups \
		bash -c "exec -a 'php-fpm: master process (/etc/php/$PHP_VER/fpm/php-fpm.conf)' '$U/php-fpm$PHP_VER' 300" &
	fake=$!
	# and root running a copy with that name, too
	bash -c "exec -a 'php-fpm: master process (x)' '$U/php-fpm$PHP_VER' 300" &
	fake_root=$!
	mo_atexit "kill $fake $fake_root"
	sleep 0.3
	mi_ok "swap --mode php with look-alike php-fpm masters about" swap --mode php
	t_unlike "$MI_OUT" "pid $fake\\)" "the site's look-alike is not told to reload"
	t_ok "$(kill -0 "$fake" 2>/dev/null; echo $?)" "... and still runs (SIGUSR2 would have ended it)"
	t_ok "$(kill -0 "$fake_root" 2>/dev/null; echo $?)" "root's copy under that name is left alone too"
	mi_ok "revert" revert
	t_ok "$(kill -0 "$fake" 2>/dev/null && kill -0 "$fake_root" 2>/dev/null; echo $?)" "... after the revert too"
	t_is "$(host_state)" "$host_before" "the machine's /var/lib/mailorigin is untouched (the swap used the test's state dir)"
else
	t_skip "FPM reload look-alikes" "php-fpm not installed"
fi
t_done
