#!/usr/bin/env bash
# A swap or a revert killed (SIGKILL) right after each of its steps is
# completed by the next swap and undone by the next revert; at no instant
# is /usr/sbin/sendmail missing.  MAILORIGIN_INSTALL_CRASH_AT=N makes the
# tests' build of the program (build/tests/mailorigin-install-hooks, made
# by `make unit` with -DMO_TEST_HOOKS) kill itself right after step N, as
# a power cut would; the shipped build ignores it.
. "$(dirname "$0")/../lib/harness.sh"
mo_begin "$@"
SHIPPED=$MO_ROOT/build/mailorigin-install
MI=$MO_ROOT/build/tests/mailorigin-install-hooks
[ -x "$MI" ] || mo_skip_all "$MI not built (run make unit)"
. "$(dirname "$0")/lib.sh"
mo_need_wrapper

R=$T/root
mk_root "$R"
snap "$R" >"$T/before"

# --- the shipped program has no crash hook ---
out=$(MAILORIGIN_INSTALL_CRASH_AT=1 "$SHIPPED" --root "$R" swap 2>&1); rc=$?
t_is "$rc" 0 "the shipped installer ignores MAILORIGIN_INSTALL_CRASH_AT (swap completes)" || t_diag "$out"
"$SHIPPED" --root "$R" revert >/dev/null 2>&1
t_is "$(snap "$R")" "$(cat "$T/before")" "... and its revert restores the tree"
! grep -q MAILORIGIN_INSTALL_CRASH_AT "$SHIPPED"; t_ok $? "the string is not even in the shipped binary"

crash() {  # crash N ARGS...: run with a kill after step N; exit status in $MI_RC
	local n=$1; shift
	MAILORIGIN_INSTALL_CRASH_AT=$n mi "$@"
}

check_swapped() {  # all of a completed system swap
	[ "$(readlink "$R/usr/sbin/sendmail")" = ../local/sbin/mailorigin-sendmail ] &&
	[ "$(stat -c %i "$R/usr/sbin/sendmail.mailorigin-real")" = "$(grep '^\./usr/sbin/sendmail F' "$T/before" | sed 's/.*ino=\([0-9]*\).*/\1/')" ] &&
	[ "$(dpkg-divert --root="$R" --truename /usr/sbin/sendmail)" = /usr/sbin/sendmail.mailorigin-real ] &&
	grep -q '^phase=swapped$' "$R/var/lib/mailorigin/install.record"
}

# --- swap killed at step N, then swap again: completed ---
steps=0 bad_complete=0 bad_undo=0 missing=0
for n in $(seq 1 30); do
	crash "$n" --root "$R" swap
	if [ "$MI_RC" -eq 0 ]; then steps=$((n - 1)); break; fi
	[ "$MI_RC" -eq 137 ] || { t_diag "step $n: exit $MI_RC: $MI_OUT"; bad_complete=$((bad_complete + 1)); }
	[ -e "$R/usr/sbin/sendmail" ] || missing=$((missing + 1))
	mi --root "$R" swap
	{ [ "$MI_RC" -eq 0 ] && check_swapped; } || { t_diag "swap after a kill at step $n did not complete: $MI_OUT"; bad_complete=$((bad_complete + 1)); }
	mi --root "$R" revert
	[ "$(snap "$R")" = "$(cat "$T/before")" ] || { t_diag "revert after step $n: tree differs"; bad_complete=$((bad_complete + 1)); }
done
t_like "$steps" '^[0-9]+$' "a swap takes a known number of steps ($steps)"
[ "$steps" -ge 5 ]; t_ok $? "at least 5 steps were each interrupted"
t_is "$bad_complete" 0 "after a kill at each of the $steps swap steps, the next swap completes it"
check_swapped; t_ok $? "the uninterrupted run is a complete swap"
mi --root "$R" revert

# --- swap killed at step N, then revert: undone ---
for n in $(seq 1 "$steps"); do
	crash "$n" --root "$R" swap
	[ -e "$R/usr/sbin/sendmail" ] || missing=$((missing + 1))
	mi --root "$R" revert
	[ "$MI_RC" -eq 0 ] && [ "$(snap "$R")" = "$(cat "$T/before")" ] ||
		{ t_diag "revert after a swap killed at step $n: exit $MI_RC, $MI_OUT" "$(diff "$T/before" <(snap "$R") | head -5)"; bad_undo=$((bad_undo + 1)); }
done
t_is "$bad_undo" 0 "after a kill at each swap step, the next revert gives a byte-identical tree"

# --- revert killed at step N, then revert again ---
bad_rev=0 rsteps=0
for n in $(seq 1 30); do
	mi --root "$R" swap
	crash "$n" --root "$R" revert
	if [ "$MI_RC" -eq 0 ]; then rsteps=$((n - 1)); break; fi
	[ -e "$R/usr/sbin/sendmail" ] || missing=$((missing + 1))
	mi --root "$R" status
	t_diag "revert killed after step $n; status: $(printf '%s' "$MI_OUT" | head -1)" >/dev/null
	mi --root "$R" revert
	[ "$MI_RC" -eq 0 ] && [ "$(snap "$R")" = "$(cat "$T/before")" ] ||
		{ t_diag "revert after a revert killed at step $n: exit $MI_RC, $MI_OUT"; bad_rev=$((bad_rev + 1)); }
done
[ "$rsteps" -ge 4 ]; t_ok $? "a revert takes $rsteps steps, each interrupted once"
t_is "$bad_rev" 0 "after a kill at each revert step, the next revert gives a byte-identical tree"
t_is "$missing" 0 "/usr/sbin/sendmail existed after every kill (never missing)"

# --- php mode: the same for the drop-ins ---
P=$T/root-php
mkdir -p "$P/etc/mailorigin" "$P/var/lib/mailorigin" "$P/usr/local/sbin"
cp -a /etc/php "$P/etc/php"
install -m 0755 "$MO_WRAPPER_BUILD" "$P$WRAPPER_IN_ROOT"
snap "$P" >"$T/before-php"
psteps=0 bad_php=0
for n in $(seq 1 30); do
	crash "$n" --root "$P" swap --mode php
	if [ "$MI_RC" -eq 0 ]; then psteps=$((n - 1)); break; fi
	mi --root "$P" swap --mode php
	[ "$MI_RC" -eq 0 ] && [ "$(ls "$P"/etc/php/*/*/conf.d/zz-mailorigin.ini | wc -l)" -eq "$(ls -d "$P"/etc/php/*/*/conf.d | wc -l)" ] ||
		{ t_diag "php swap after a kill at step $n: $MI_OUT"; bad_php=$((bad_php + 1)); }
	mi --root "$P" revert
	crash "$n" --root "$P" swap --mode php
	mi --root "$P" revert
	[ "$MI_RC" -eq 0 ] && [ "$(snap "$P")" = "$(cat "$T/before-php")" ] ||
		{ t_diag "php revert after a kill at step $n differs" "$(diff "$T/before-php" <(snap "$P") | head -5)"; bad_php=$((bad_php + 1)); }
done
[ "$psteps" -ge 3 ]; t_ok $? "a php swap takes $psteps steps, each interrupted"
t_is "$bad_php" 0 "php mode: each interrupted swap is completed by swap and undone by revert"

t_done
