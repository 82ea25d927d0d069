#!/usr/bin/env bash
# make install: DESTDIR and PREFIX honoured, the wrapper root:mailorigin
# 2755, the state dir laid out for the group, the config never overwritten.
. "$(dirname "$0")/../lib/harness.sh"
mo_begin "$@"
mo_need_wrapper
D=$T/dest
out=$(make -C "$MO_ROOT" -s install DESTDIR="$D" PREFIX=/opt/mo 2>&1)
t_ok $? "make install DESTDIR PREFIX=/opt/mo" || t_diag "$out"
m() { stat -c '%A %U:%G' "$D$1" 2>/dev/null; }
t_is "$(m /opt/mo/sbin/mailorigin-sendmail)" "-rwxr-sr-x root:mailorigin" "wrapper: root:mailorigin 2755"
t_is "$(m /opt/mo/sbin/mailorigin-qmail-queue)" "-rwxr-sr-x root:mailorigin" "qmail-queue front end: root:mailorigin 2755"
t_is "$(m /opt/mo/share/man/man8/mailorigin-qmail-queue.8)" "-rw-r--r-- root:root" "its man page"
for p in mailoriginctl mailorigin-tracer mailorigin-install; do
	t_is "$(m /opt/mo/sbin/$p)" "-rwxr-xr-x root:root" "$p: 0755"
done
t_is "$(m /var/lib/mailorigin)" "drwxrws--- root:mailorigin" "state dir: root:mailorigin 2770"
t_is "$(m /var/lib/mailorigin/tmp)/$(m /var/lib/mailorigin/hold)" \
	"drwxrws--- root:mailorigin/drwxrws--- root:mailorigin" "state dir: tmp/ and hold/"
t_is "$(m /var/lib/mailorigin/limits.db)" "-rw-rw---- root:mailorigin" "state dir: limits.db"
t_ok "$([ ! -e "$D/var/lib/mailorigin/passed" ]; echo $?)" \
	"state dir: no passed (the milter makes its pass-record table at its start; without it the wrapper writes none)"
t_is "$(m /var/lib/mailorigin/quarantine)" "drwx--S--- root:root" "state dir: quarantine/ (the milter's hold records), root's alone (the setgid bit of the state dir inherited, harmless)"
t_is "$(m /etc/mailorigin/mailorigin.conf)" "-rw-r--r-- root:root" "config: root-owned, 0644"
t_is "$(m /etc/logrotate.d/mailorigin)" "-rw-r--r-- root:root" "logrotate file installed"
t_like "$(cat "$D/etc/logrotate.d/mailorigin" 2>/dev/null)" 'create 0660 root mailorigin' "logrotate: new files for the group"
t_like "$(cat "$D/opt/mo/share/mailorigin/php-mailorigin.ini" 2>/dev/null)" \
	'^sendmail_path = "/opt/mo/sbin/mailorigin-sendmail -t -i"' "PHP drop-in example names the installed wrapper"
for p in man5/mailorigin.conf.5 man8/mailorigin-sendmail.8 man8/mailoriginctl.8 man8/mailorigin-tracer.8 man8/mailorigin-install.8; do
	[ -f "$D/opt/mo/share/man/$p" ]; t_ok $? "man page $p"
done
# the installed default config is one the wrapper accepts (a copy without
# the setgid bit honours MAILORIGIN_CONF; a broken file shows the check works)
install -m 0755 "$D/opt/mo/sbin/mailorigin-sendmail" "$T/plain"
MAILORIGIN_CONF=$D/etc/mailorigin/mailorigin.conf "$T/plain" -bp >/dev/null 2>"$T/err"
t_unlike "$(cat "$T/err")" 'warning: config' "the default config parses"
printf 'mta = {\n' >"$T/broken.conf"
MAILORIGIN_CONF=$T/broken.conf "$T/plain" -bp >/dev/null 2>"$T/err"
t_like "$(cat "$T/err")" "warning: config $T/broken.conf:[0-9]+: " "a broken config is reported with its line"
# a second install keeps the admin's config
echo '# edited' >>"$D/etc/mailorigin/mailorigin.conf"
make -C "$MO_ROOT" -s install DESTDIR="$D" PREFIX=/opt/mo >/dev/null 2>&1
t_like "$(tail -1 "$D/etc/mailorigin/mailorigin.conf")" '^# edited$' "a second install keeps the edited config"
t_done
