#!/usr/bin/env bash
# The harness itself, without the wrapper: PHP mail() from php-cli,
# php-fpm and Apache mod_php straight into the private Postfix through the
# real /usr/sbin/sendmail.  If this file fails, the other integration
# results say nothing about the wrapper.
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/postfix.sh"
. "$MO_ROOT/tests/lib/php.sh"
mo_begin "$@"
pf_start
php_sites
SP="/usr/sbin/sendmail -t -i"
fpm_start "$SP"
apache_start "$SP"

uid_a=$(mo_uid mo-site-a)
uid_b=$(mo_uid mo-site-b)
uid_www=$(mo_uid www-data)

t_ok "$(grep -c . /etc/postfix/main.cf >/dev/null; [ "$(postconf -h queue_directory)" = "$PF/spool" ]; echo $?)" \
	"sendmail in this namespace sees the private Postfix"

out=$(php_cli mo-site-a "$MO_WWW/site-a" "$SP" send.php --to="$(pf_addr h-cli)")
t_is "$out" "mail=1" "php-cli mail() returns true"
f=$(pf_wait h-cli)
t_ok $? "php-cli message delivered" || t_diag "$(pf_why h-cli)"
t_like "$(hdr "$f" Received 2>/dev/null)" "\(Postfix, from userid $uid_a\)" "php-cli: Received shows uid $uid_a"

out=$(fpm_get site-b send.php "to=$(urlenc "$(pf_addr h-fpm)")")
t_is "$out" "mail=1" "php-fpm mail() returns true"
f=$(pf_wait h-fpm)
t_ok $? "php-fpm message delivered" || t_diag "$(pf_why h-fpm)" "$(cat "$FPM/error.log")"
t_like "$(hdr "$f" Received 2>/dev/null)" "\(Postfix, from userid $uid_b\)" "php-fpm: Received shows uid $uid_b"

out=$(apache_get "site-a/send.php?to=$(urlenc "$(pf_addr h-apache)")")
t_is "$out" "mail=1" "mod_php mail() returns true"
f=$(pf_wait h-apache)
t_ok $? "mod_php message delivered" || t_diag "$(pf_why h-apache)" "$(cat "$AP/error.log")"
t_like "$(hdr "$f" Received 2>/dev/null)" "\(Postfix, from userid $uid_www\)" "mod_php: Received shows uid $uid_www"

body=$(body_of "$f")
t_is "$body" "Hello from $MO_WWW/site-a/send.php" "body delivered as sent"
t_done
