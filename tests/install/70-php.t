#!/usr/bin/env bash
# --mode php, for real, in a private namespace over a copy of /etc/php:
# drop-ins in every SAPI's conf.d keep the site's flags; the php-fpm
# master running here is told to reload and its pool then sends through
# the wrapper (stamped, delivered by a private Postfix); php-cli too;
# revert removes the drop-ins, reloads, and mail goes direct again.
. "$(dirname "$0")/../lib/harness.sh"
mo_begin "$@"
. "$(dirname "$0")/lib.sh"
. "$MO_ROOT/tests/lib/postfix.sh"
. "$MO_ROOT/tests/lib/php.sh"
mo_install_wrapper
BIN=/usr/sbin/php-fpm$PHP_VER
[ -x "$BIN" ] || mo_skip_all "php-fpm ($BIN) not installed"
command -v cgi-fcgi >/dev/null || mo_skip_all "cgi-fcgi (libfcgi-bin) not installed"

cp -a /etc/php "$T/etc-php" && mo_bind "$T/etc-php" /etc/php
mkdir -p "$T/usr-local-sbin" && mo_bind "$T/usr-local-sbin" /usr/local/sbin
install -o root -g mailorigin -m 2755 "$MO_WRAPPER_BUILD" /usr/local/sbin/mailorigin-sendmail
pf_start
php_sites
mo_conf postfix /usr/sbin/sendmail
# a site flag the drop-in must keep
printf 'sendmail_path = "/usr/sbin/sendmail -t -i -fbounce@test.invalid"\n' >"/etc/php/$PHP_VER/fpm/conf.d/50-site.ini"
snap /etc/php >"$T/before"

FPM=$T/fpm; mkdir -p "$FPM"
cat >"$FPM/fpm.conf" <<CONF
[global]
pid = $FPM/fpm.pid
error_log = $FPM/error.log
daemonize = no
[site-a]
user = mo-site-a
group = mo-site-a
listen = $FPM/site-a.sock
listen.owner = root
listen.mode = 0600
pm = static
pm.max_children = 1
CONF
"$BIN" -y "$FPM/fpm.conf" -F >"$FPM/stdout" 2>&1 &
FPM_PID=$!
mo_atexit "kill -QUIT $FPM_PID; sleep 0.5; kill -KILL $FPM_PID"
wait_sock() { local i; for i in $(seq 100); do [ -S "$FPM/site-a.sock" ] && return 0; sleep 0.1; done; return 1; }
wait_sock || mo_bail "php-fpm did not start" "$(cat "$FPM/stdout")"

req() { fpm_get site-a send.php "to=$(urlenc "$(pf_addr "$1")")"; }

t_like "$(req fpm-before)" "mail=1" "before: FPM mail() true"
f=$(pf_wait fpm-before); t_ok $? "before: delivered"
[ -n "$f" ] && ! grep -qai '^X-Mailorigin-' "$f"; t_ok $? "before: unstamped"

mi_ok "swap --mode php" swap --mode php
t_like "$MI_OUT" "told php-fpm$PHP_VER \(pid $FPM_PID\) to reload" "the php-fpm master running here was told to reload"
n_dirs=$(ls -d /etc/php/*/*/conf.d | wc -l)
t_is "$(ls /etc/php/*/*/conf.d/zz-mailorigin.ini 2>/dev/null | wc -l)" "$n_dirs" "a drop-in in each of the $n_dirs SAPI conf.d folders"
t_like "$(cat "/etc/php/$PHP_VER/fpm/conf.d/zz-mailorigin.ini")" 'sendmail_path = "/usr/local/sbin/mailorigin-sendmail -t -i -fbounce@test.invalid"' "fpm: the site's flags kept"
t_like "$(cat "/etc/php/$PHP_VER/cli/conf.d/zz-mailorigin.ini")" 'sendmail_path = "/usr/local/sbin/mailorigin-sendmail -t -i"' "cli: PHP's default flags"
t_is "$(readlink /usr/sbin/sendmail 2>/dev/null)" "" "no system file changed (/usr/sbin/sendmail untouched)"
sleep 1; wait_sock
t_like "$(req fpm-during)" "mail=1" "swapped: FPM mail() true after the reload"
f=$(pf_wait fpm-during); t_ok $? "swapped: delivered" || t_diag "$(pf_why fpm-during)" "$(tail -3 "$MO_LOG")"
t_like "$(hdr "$f" X-Mailorigin-Uid 2>/dev/null)" "^$(mo_uid mo-site-a) \(mo-site-a\)$" "swapped: FPM mail stamped by the wrapper"
t_like "$(hdr "$f" Return-Path 2>/dev/null)" "bounce@test.invalid" "swapped: the kept -f flag reached Postfix"
out=$(cd "$MO_WWW/site-a" && mo_as mo-site-a php send.php --to="$(pf_addr cli-during)")
t_is "$out" "mail=1" "swapped: php-cli (no -d) mail() true"
f=$(pf_wait cli-during); t_ok $? "swapped: cli delivered"
t_like "$(hdr "$f" X-Mailorigin-Id 2>/dev/null)" "^[0-9a-f]{16}$" "swapped: cli mail stamped (the cli drop-in)"

mi_ok "revert" revert
t_same_tree "$T/before" /etc/php "revert: /etc/php byte-identical"
sleep 1; wait_sock
t_like "$(req fpm-after)" "mail=1" "after revert: FPM mail() true"
f=$(pf_wait fpm-after); t_ok $? "after revert: delivered"
[ -n "$f" ] && ! grep -qai '^X-Mailorigin-' "$f"; t_ok $? "after revert: FPM reloaded, unstamped again"

t_done
