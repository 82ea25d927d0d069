#!/usr/bin/env bash
# Issue 12.7: a script in another language is named by its script, not by
# its interpreter: perl (as git send-email runs), python, node, a shell
# script, and a cron job (a process named cron whose shell runs the job's
# command).  Each through the setgid wrapper as the site's user, into the
# recording stand-in: the log's script and script_src, and the stamped
# X-Mailorigin-Script header.
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/php.sh"
mo_begin "$@"
mo_need_wrapper
mo_install_wrapper
php_sites
REC=$T/rec
RECMTA=$(mo_recorder "$REC")
mo_conf postfix "$RECMTA"
PY=/usr/bin/python3
[ -x "$PY" ] || mo_bail "$PY missing (.ci/deps.sh installs python3)"
command -v node >/dev/null || mo_bail "node missing (.ci/deps.sh installs nodejs)"
BIN=$MO_WWW/site-a/bin
mkdir -p "$BIN"
printf 'To: a@test.invalid\nSubject: interp\n\nbody\n' >"$BIN/m.eml"
cat >"$BIN/send.pl" <<'PL'
open(my $m, "|-", $ENV{W}, "-t", "-i") or die; print $m "To: a\@test.invalid\n\nbody\n"; close($m) or exit 1;
PL
cat >"$BIN/send.py" <<'PY'
import os, subprocess
subprocess.run([os.environ["W"], "-t", "-i"], input=b"To: a@test.invalid\n\nbody\n", check=True)
PY
cat >"$BIN/send.js" <<'JS'
require("child_process").execFileSync(process.env.W, ["-t", "-i"], { input: "To: a@test.invalid\n\nbody\n" });
JS
printf '#!/bin/sh\n"$W" -t -i <"%s/m.eml"\necho sent\n' "$BIN" >"$BIN/mail.sh"
# a stand-in cron: its comm is "cron"; like cron it runs the job with sh -c
mkdir -p "$T/cron"; chmod 755 "$T/cron"
printf '#!/bin/sh\n/bin/sh -c "$1"\nexit $?\n' >"$T/cron/cron"
chmod 755 "$T/cron/cron"
chown -R mo-site-a:mo-site-a "$BIN"; chmod -R a+rX "$BIN"

# sent LABEL CMD...: run CMD as mo-site-a from its site; the log line
sent() {
	local l=$1 n0; shift
	n0=$(mo_log_count)
	rec_reset "$REC"
	(cd "$MO_WWW/site-a" && mo_as mo-site-a env W="$W" "$@") >/dev/null 2>"$T/err"
	t_is "$?" 0 "$l: exit 0" || t_diag "$(cat "$T/err")"
	LINE=$(mo_log_since "$n0" | tail -1)
}
hdr_script() { grep -a -m1 '^X-Mailorigin-Script:' "$REC/stdin" | sed 's/^X-Mailorigin-Script: //'; }

sent "perl" /usr/bin/perl "$BIN/send.pl"
t_is "$(lf "$LINE" script)/$(lf "$LINE" script_src)" "$BIN/send.pl/perl-argv" "perl: the script, from perl's command line"
t_is "$(hdr_script)" "$BIN/send.pl; source=perl-argv; claimed" "perl: stamped with the script, claimed"
t_is "$(lf "$LINE" vhost)" site-a "perl: the script's site"
sent "python" "$PY" bin/send.py
t_is "$(lf "$LINE" script)/$(lf "$LINE" script_src)" "$MO_WWW/site-a/bin/send.py/python-argv" "python: a relative script, joined to its folder"
sent "node" node "$BIN/send.js"
t_is "$(lf "$LINE" script)/$(lf "$LINE" script_src)" "$BIN/send.js/node-argv" "node: the script"
sent "sh script" /bin/sh "$BIN/mail.sh"
t_is "$(lf "$LINE" script)/$(lf "$LINE" script_src)" "$BIN/mail.sh/sh-argv" "a shell script: the script"
sent "cron job" "$T/cron/cron" "\"\$W\" -t -i <$BIN/m.eml; :"
t_is "$(lf "$LINE" script_src)" cron "cron: named as cron's"
t_is "$(lf "$LINE" script)" "\"\$W\" -t -i <$BIN/m.eml; :" "cron: the job's command"
t_is "$(lf "$LINE" user)" mo-site-a "cron: the job's user"
t_done
