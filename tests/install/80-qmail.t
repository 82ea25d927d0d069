#!/usr/bin/env bash
# --mode qmail under --root (qmail has no Debian package: stand-ins for
# qmail's sendmail and qmail-inject record what they get): the round trip
# is byte-identical; during the swap a submission reaches qmail-inject
# through the wrapper, stamped; without qmail-inject the swap is refused.
. "$(dirname "$0")/../lib/harness.sh"
mo_begin "$@"
. "$(dirname "$0")/lib.sh"
mo_install_wrapper

R=$T/root
mkdir -p "$R/var/qmail/bin" "$R/usr/local/sbin" "$R/var/lib/mailorigin"
install -o root -g mailorigin -m 2755 "$MO_WRAPPER_BUILD" "$R$WRAPPER_IN_ROOT"
fake_mta "$R/var/qmail/bin/sendmail" "$T/qsendmail"
snap "$R" >"$T/before0"
mi --root "$R" swap --mode qmail
t_is "$MI_RC" 69 "no qmail-inject: refused (EX_UNAVAILABLE)"
t_like "$MI_OUT" "needs qmail-inject" "and says why"
t_same_tree "$T/before0" "$R" "and nothing changed"

fake_mta "$R/var/qmail/bin/qmail-inject" "$T/qinject"
snap "$R" >"$T/before"
mo_conf qmail "$R/var/qmail/bin/qmail-inject" state="$R/var/lib/mailorigin"
mi_ok "swap --mode qmail" --root "$R" swap --mode qmail
t_is "$(readlink "$R/var/qmail/bin/sendmail")" "../../../usr/local/sbin/mailorigin-sendmail" "/var/qmail/bin/sendmail runs the wrapper"
[ -x "$R/var/qmail/bin/sendmail.mailorigin-real" ]; t_ok $? "qmail's own sendmail kept at .mailorigin-real"
# the config names qmail-inject, which the swap does not touch: no need
# for the record here
printf 'To: x@test.invalid\nSubject: q\n\nbody\n' | "$R/var/qmail/bin/sendmail" -t -i; rc=$?
t_is "$rc" 0 "a submission through the swapped qmail sendmail exits 0"
t_like "$(tr '\0' ' ' <"$T/qinject/argv" 2>/dev/null)" "qmail-inject -H" "qmail-inject got the translated flags"
t_like "$(cat "$T/qinject/stdin" 2>/dev/null)" "^X-Mailorigin-Id: " "and the message stamped"
mi_ok "revert" --root "$R" revert
t_same_tree "$T/before" "$R" "qmail round trip: byte-identical tree"

t_done
