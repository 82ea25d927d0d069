#!/usr/bin/env bash
# mailorigin-install --mode system under --root: swap and revert leave a
# byte-identical tree (checksums, modes, owners, links, inodes, dpkg's
# diversions); swapping twice is a no-op; refusals say why.
. "$(dirname "$0")/../lib/harness.sh"
mo_begin "$@"
. "$(dirname "$0")/lib.sh"
mo_need_wrapper

R=$T/root
mk_root "$R"
snap "$R" >"$T/before"
divs_before=$(dpkg-divert --root="$R" --list | sort)
real_ino=$(stat -c %i "$R/usr/sbin/sendmail")
real_sum=$(sha256sum <"$R/usr/sbin/sendmail")

# --- swap ---
mi_ok "swap --mode system under --root exits 0" --root "$R" swap --mode system
t_like "$MI_OUT" "/usr/sbin/sendmail now runs the wrapper" "swap says what it did"
[ -L "$R/usr/sbin/sendmail" ]; t_ok $? "/usr/sbin/sendmail is now a symlink"
t_is "$(readlink "$R/usr/sbin/sendmail")" "../local/sbin/mailorigin-sendmail" "relative link to the wrapper (works inside and outside the root)"
t_is "$(stat -L -c %i "$R/usr/sbin/sendmail")" "$(stat -c %i "$R$WRAPPER_IN_ROOT")" "the link reaches the wrapper from outside the root"
t_is "$(stat -c %i "$R/usr/sbin/sendmail.mailorigin-real")" "$real_ino" "the real one is the same inode, at .mailorigin-real"
t_is "$(sha256sum <"$R/usr/sbin/sendmail.mailorigin-real")" "$real_sum" "and the same bytes"
t_is "$(readlink "$R/usr/lib/sendmail")" "../sbin/sendmail" "/usr/lib/sendmail is untouched (it follows)"
t_like "$(dpkg-divert --root="$R" --list)" "local diversion of /usr/sbin/sendmail to /usr/sbin/sendmail.mailorigin-real" "dpkg knows the diversion"
t_is "$(dpkg-divert --root="$R" --truename /usr/sbin/sendmail)" "/usr/sbin/sendmail.mailorigin-real" "a postfix upgrade would write to the real one's name"
rec=$R/var/lib/mailorigin/install.record
t_like "$(cat "$rec" 2>/dev/null)" "phase=swapped" "the record says swapped"
mi --root "$R" status --json
t_is "$(json_get swapped <<<"$MI_OUT")/$(json_get mode <<<"$MI_OUT")/$(json_get until <<<"$MI_OUT")" "true/system/0" "status --json: swapped, system, no window"
mi --root "$R" status
t_like "$MI_OUT" "swapped:  /usr/sbin/sendmail \(the real one at /usr/sbin/sendmail.mailorigin-real, dpkg diversion\)" "status says what and where"

# --- twice ---
snap "$R" >"$T/swapped"
mi_ok "a second swap exits 0" --root "$R" swap
t_like "$MI_OUT" "already swapped" "and says it did nothing"
t_same_tree "$T/swapped" "$R" "a second swap changes nothing"
mi --root "$R" swap --mode php
t_is "$MI_RC" 64 "a swap in another mode while swapped is refused (EX_USAGE)"
t_like "$MI_OUT" "revert it before" "and says what to do"

# --- revert ---
mi_ok "revert exits 0" --root "$R" revert
t_same_tree "$T/before" "$R" "revert: byte-identical tree (same inode, mode, owner, mtime, links)"
t_is "$(dpkg-divert --root="$R" --list | sort)" "$divs_before" "revert: dpkg's diversions as before"
cmp -s /var/lib/dpkg/diversions "$R/var/lib/dpkg/diversions"; t_ok $? "revert: dpkg's diversions file byte-identical"
[ ! -e "$rec" ]; t_ok $? "revert: no record left"
mi_ok "a second revert exits 0" --root "$R" revert
t_like "$MI_OUT" "nothing is swapped" "and says there is nothing to revert"
t_same_tree "$T/before" "$R" "and changes nothing"

# --- without dpkg ---
R2=$T/root-nodpkg
mk_root "$R2" nodpkg
snap "$R2" >"$T/before2"
mi_ok "swap without dpkg" --root "$R2" swap
t_unlike "$MI_OUT" "dpkg" "no diversion mentioned without dpkg"
[ -L "$R2/usr/sbin/sendmail" ] && [ -f "$R2/usr/sbin/sendmail.mailorigin-real" ]; t_ok $? "swapped by rename alone"
mi_ok "revert without dpkg" --root "$R2" revert
t_same_tree "$T/before2" "$R2" "round trip without dpkg: byte-identical"

# --- /usr/lib/sendmail a hard link of /usr/sbin/sendmail ---
R3=$T/root-hardlink
mk_root "$R3" nodpkg
rm "$R3/usr/lib/sendmail"; ln "$R3/usr/sbin/sendmail" "$R3/usr/lib/sendmail"
snap "$R3" >"$T/before3"
mi_ok "swap with /usr/lib/sendmail a hard link" --root "$R3" swap
t_is "$(readlink "$R3/usr/lib/sendmail")" "../local/sbin/mailorigin-sendmail" "/usr/lib/sendmail is swapped too"
mi_ok "revert with the hard link" --root "$R3" revert
t_same_tree "$T/before3" "$R3" "round trip with the hard link: byte-identical (one inode, link count 2)"

# --- refusals ---
E=$T/empty; mkdir -p "$E"
mi --root "$E" swap
t_is "$MI_RC" 69 "no sendmail to swap out: EX_UNAVAILABLE"
t_like "$MI_OUT" "there is no sendmail to swap out" "and says why"
[ ! -e "$E/var/lib/mailorigin/install.record" ]; t_ok $? "and records nothing"
R4=$T/root-nowrapper
mk_root "$R4" nodpkg
snap "$R4" >"$T/before4"
mi --root "$R4" --wrapper /usr/local/sbin/missing swap
t_is "$MI_RC" 69 "a missing wrapper is refused"
t_same_tree "$T/before4" "$R4" "before anything is recorded or changed"
out=$(setpriv --reuid=mo-site-a --regid=mo-site-a --init-groups "$MI" --root "$R" status 2>&1); rc=$?
t_is "$rc" 77 "a non-root caller is refused (EX_NOPERM)"
mi --root "$R" swap --for 2x
t_is "$MI_RC" 64 "a bad duration is refused"

t_done
