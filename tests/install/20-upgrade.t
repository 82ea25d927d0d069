#!/usr/bin/env bash
# An upgrade of the MTA package during the window (real dpkg, under
# --root, a package "fakemta" that owns /usr/sbin/sendmail) keeps both the
# swap and the new real binary; revert puts the upgraded binary in place.
# A control shows the same upgrade clobbers a swap made without dpkg-divert.
. "$(dirname "$0")/../lib/harness.sh"
mo_begin "$@"
. "$(dirname "$0")/lib.sh"
mo_install_wrapper
command -v dpkg-deb >/dev/null || mo_skip_all "dpkg-deb missing"

D=$T/debs
for v in 1 2; do
	mkdir -p "$D/p$v/DEBIAN" "$D/p$v/usr/sbin"
	printf '#!/bin/sh\ncat >/dev/null\necho "fakemta %s: $*"\n' "$v" >"$D/p$v/usr/sbin/sendmail"
	chmod 755 "$D/p$v/usr/sbin/sendmail"
	printf 'Package: fakemta\nVersion: %s\nArchitecture: all\nMaintainer: t <t@test.invalid>\nDescription: a stand-in MTA\n' "$v" >"$D/p$v/DEBIAN/control"
	dpkg-deb -b --root-owner-group "$D/p$v" "$D/fakemta_$v.deb" >/dev/null || mo_bail "dpkg-deb failed"
done
mkroot_deb() {
	local r=$1
	mkdir -p "$r/var/lib/dpkg/info" "$r/var/lib/dpkg/updates" "$r/var/lib/dpkg/triggers" \
		"$r/var/lib/dpkg/alternatives" "$r/usr/sbin" "$r/usr/local/sbin" "$r/var/lib/mailorigin"
	: >"$r/var/lib/dpkg/status"
	dpkg --root="$r" --log=/dev/null -i "$D/fakemta_1.deb" >"$T/dpkg.out" 2>&1 ||
		mo_bail "dpkg -i fakemta_1 failed" "$(cat "$T/dpkg.out")"
	install -o root -g mailorigin -m 2755 "$MO_WRAPPER_BUILD" "$r$WRAPPER_IN_ROOT"
}
upgrade() { dpkg --root="$1" --log=/dev/null -i "$D/fakemta_2.deb" >"$T/dpkg2.out" 2>&1; }

R=$T/root
mkroot_deb "$R"
mo_conf postfix "$R/usr/sbin/sendmail" state="$R/var/lib/mailorigin"
t_like "$(dpkg-query --root="$R" -S /usr/sbin/sendmail)" "^fakemta: /usr/sbin/sendmail$" "dpkg says fakemta owns /usr/sbin/sendmail"

mi_ok "swap" --root "$R" swap
t_like "$MI_OUT" "dpkg diversion" "swapped through dpkg-divert"
upgrade "$R"; t_ok $? "dpkg upgrades fakemta 1 to 2 during the window" || t_diag "$(cat "$T/dpkg2.out")"
t_is "$(readlink "$R/usr/sbin/sendmail")" "../local/sbin/mailorigin-sendmail" "the swap survived the upgrade"
t_like "$(cat "$R/usr/sbin/sendmail.mailorigin-real")" "fakemta 2" "the new real binary went to the real one's name"
t_like "$(cat "$R/var/lib/mailorigin/install.record")" "phase=swapped" "the record still says swapped"
if has_hook; then
	out=$(printf 'Subject: x\n\nbody\n' | "$R/usr/sbin/sendmail" -t -i 2>&1)
	t_like "$out" "^fakemta 2: -t -i$" "a submission through the swap reaches the upgraded real one"
else
	t_skip "a submission reaches the upgraded real one" "$HOOK_WHY"
fi
mi_ok "revert" --root "$R" revert
[ -f "$R/usr/sbin/sendmail" ] && [ ! -L "$R/usr/sbin/sendmail" ]; t_ok $? "after revert /usr/sbin/sendmail is a regular file again"
t_like "$(cat "$R/usr/sbin/sendmail")" "fakemta 2" "and it is the upgraded one"
[ ! -e "$R/usr/sbin/sendmail.mailorigin-real" ]; t_ok $? "no .mailorigin-real left"
t_is "$(dpkg-divert --root="$R" --list)" "" "no diversion left"
out=$(dpkg --root="$R" --verify fakemta 2>&1); rc=$?
t_is "$rc/$out" "0/" "dpkg --verify fakemta: the installed file matches the package"

# control: the same upgrade over a swap made by hand, without a diversion
C=$T/control
mkroot_deb "$C"
ln "$C/usr/sbin/sendmail" "$C/usr/sbin/sendmail.real"
ln -sfn ../local/sbin/mailorigin-sendmail "$C/usr/sbin/sendmail.tmp" && mv -T "$C/usr/sbin/sendmail.tmp" "$C/usr/sbin/sendmail"
upgrade "$C"
[ ! -L "$C/usr/sbin/sendmail" ]; t_ok $? "control: without a diversion the upgrade replaces a hand-made swap"

t_done
