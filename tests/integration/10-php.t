#!/usr/bin/env bash
# Issue 2, test 1: PHP mail() from php-cli, php-cgi, php-fpm and Apache
# mod_php, each with sendmail_path pointing at the setgid wrapper, into
# the private Postfix.  Each delivered message carries our five headers
# (right uid, cwd, script, vhost), Postfix's Received line shows the
# caller's uid (not root, not the mailorigin group), and the log file and
# syslog each have one parsable line for it.
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/postfix.sh"
. "$MO_ROOT/tests/lib/php.sh"
mo_begin "$@"
mo_need_wrapper
mo_syslog_sink
pf_start
mo_install_wrapper
php_sites
mo_conf postfix /usr/sbin/sendmail
SP="$W -t -i"
fpm_start "$SP"
apache_start "$SP"
cp "$MO_ROOT/tests/integration/send.php" "$T/special/send.php"
cp "$MO_ROOT/tests/integration/send.php" "$T/elsewhere/send.php"
chmod 644 "$T/special/send.php" "$T/elsewhere/send.php"

PRE="Return-Path X-Original-To Delivered-To Received"
uid_a=$(mo_uid mo-site-a); uid_b=$(mo_uid mo-site-b); uid_www=$(mo_uid www-data)

# check_case CASE LABEL UID USER CWD SCRIPT VHOST SAPI SCRIPT_PATH SCRIPT_SRC [LOG KEY=VALUE...]
check_case() {
	local c=$1 l=$2 uid=$3 user=$4 cwd=$5 script=$6 vhost=$7 f
	shift 7
	f=$(pf_wait "$c")
	t_ok $? "$l: delivered by Postfix" || { t_diag "$(pf_why "$c")" "log: $(tail -2 "$MO_LOG")"; return 1; }
	mo_check_stamp "$f" "$l" "$PRE" "$uid" "$user" "$cwd" "$script" "$vhost"
	local rec
	rec=$(hdr "$f" Received)
	t_like "$rec" "\(Postfix, from userid $uid\)" "$l: Postfix saw the caller's uid $uid"
	t_unlike "$rec" "from userid 0\)" "$l: not root"
	[ "$uid" = "$MO_GID_MAILORIGIN" ] ||   # a number both can be (uid 995, gid 995)
		t_unlike "$rec" "from userid $MO_GID_MAILORIGIN\)" "$l: not the mailorigin gid"
	mo_check_log "$MO_ID" "$l" action=pass mta_status=exec uid="$uid" user="$user" \
		vhost="$vhost" cwd="$cwd" rcpts=1 forged=0 "from=" \
		mta=/usr/sbin/sendmail 'size~^[1-9][0-9]*$' "$@"
	t_is "$(lf "$MO_LINE" fault)" "" "$l: no fault logged"
	local sl
	sl=$(grep -a -E "(^| )id=$MO_ID( |\$)" "$MO_SYSLOG" | tail -1)
	t_like "$sl" "^<1[6-9]>|^<2[0-3]>" "$l: syslog line has facility mail" || t_diag "syslog: $(tail -2 "$MO_SYSLOG")"
	t_is "$(lf "$sl" _ident)" mailorigin "$l: syslog ident mailorigin"
	t_is "$(lf "$sl" action)" pass "$l: syslog line parses, action=pass"
	MO_FILE=$f
}

# php-cli, run from the site folder with a relative script name
out=$(php_cli mo-site-a "$MO_WWW/site-a" "$SP" send.php --to="$(pf_addr cli-a)" 2>"$T/stderr")
t_is "$out" "mail=1" "cli: mail() returns true"
check_case cli-a "cli" "$uid_a" mo-site-a "$MO_WWW/site-a" \
	"$MO_WWW/site-a/send.php; source=php-cli-argv; claimed" site-a \
	sapi=cli script="$MO_WWW/site-a/send.php" script_src=php-cli-argv 'php_pid~^[1-9][0-9]*$'
t_is "$(body_of "$MO_FILE")" "Hello from $MO_WWW/site-a/send.php" "cli: body unchanged"

# php-cli from another folder, absolute script path: cwd is the caller's,
# the vhost follows the script, not the cwd
out=$(php_cli mo-site-b "$T/elsewhere" "$SP" "$MO_WWW/site-b/send.php" --to="$(pf_addr cli-b)" 2>"$T/stderr")
t_is "$out" "mail=1" "cli elsewhere: mail() returns true"
check_case cli-b "cli elsewhere" "$uid_b" mo-site-b "$T/elsewhere" \
	"$MO_WWW/site-b/send.php; source=php-cli-argv; claimed" site-b \
	sapi=cli script="$MO_WWW/site-b/send.php"

# a named vhost rule, and the user-name fallback when no rule matches
out=$(php_cli mo-site-a "$T/special" "$SP" send.php --to="$(pf_addr cli-special)" 2>"$T/stderr")
t_is "$out" "mail=1" "cli special: mail() returns true"
check_case cli-special "cli special" "$uid_a" mo-site-a "$T/special" \
	"$T/special/send.php; source=php-cli-argv; claimed" special.example
out=$(php_cli mo-site-a "$T/elsewhere" "$SP" send.php --to="$(pf_addr cli-none)" 2>"$T/stderr")
t_is "$out" "mail=1" "cli no rule: mail() returns true"
check_case cli-none "cli no rule" "$uid_a" mo-site-a "$T/elsewhere" \
	"$T/elsewhere/send.php; source=php-cli-argv; claimed" mo-site-a

# php-cgi: SCRIPT_FILENAME from the environment is a claim
if command -v php-cgi >/dev/null; then
	out=$(php_cgi mo-site-b "$SP" "$MO_WWW/site-b/send.php" "to=$(urlenc "$(pf_addr cgi-b)")" 2>"$T/stderr" | sed '1,/^\r\?$/d')
	t_is "$out" "mail=1" "cgi: mail() returns true"
	check_case cgi-b "cgi" "$uid_b" mo-site-b "$MO_WWW/site-b" \
		"$MO_WWW/site-b/send.php; source=env; claimed" site-b \
		sapi=cgi script="$MO_WWW/site-b/send.php" script_src=env
else
	t_skip "cgi" "php-cgi not installed"
fi

# php-fpm, one pool per site
for s in a b; do
	out=$(fpm_get site-$s send.php "to=$(urlenc "$(pf_addr fpm-$s)")")
	t_is "$out" "mail=1" "fpm site-$s: mail() returns true"
	uid=$(mo_uid mo-site-$s)
	check_case fpm-$s "fpm site-$s" "$uid" mo-site-$s "$MO_WWW/site-$s" \
		"$MO_WWW/site-$s/; source=cwd; claimed" site-$s \
		sapi=fpm pool=site-$s script="$MO_WWW/site-$s/" script_src=cwd 'php_pid~^[1-9][0-9]*$'
done
# the second request of the same script (opcache hit) is stamped the same
out=$(fpm_get site-a send.php "to=$(urlenc "$(pf_addr fpm-a2)")")
t_is "$out" "mail=1" "fpm site-a again: mail() returns true"
check_case fpm-a2 "fpm site-a again" "$uid_a" mo-site-a "$MO_WWW/site-a" \
	"$MO_WWW/site-a/; source=cwd; claimed" site-a sapi=fpm pool=site-a

# Apache mod_php: one uid (www-data) for both sites, the vhost tells them apart
for s in a b; do
	out=$(apache_get "site-$s/send.php?to=$(urlenc "$(pf_addr apache-$s)")")
	t_is "$out" "mail=1" "apache site-$s: mail() returns true"
	check_case apache-$s "apache site-$s" "$uid_www" www-data "$MO_WWW/site-$s" \
		"$MO_WWW/site-$s/; source=cwd; claimed" site-$s \
		sapi=httpd script="$MO_WWW/site-$s/" script_src=cwd
done

# one log line per message, no more
t_is "$(wc -l <"$MO_LOG" | tr -d ' ')" 10 "the log file holds one line per message (10)"
log_parses "$(cat "$MO_LOG")"; t_ok $? "every log file line parses"
t_is "$(ls "$MO_STATE/hold" 2>/dev/null | wc -l | tr -d ' ')" 0 "nothing held"
# Several uids share the state dir: what the wrapper made there must stay
# usable by the group and must not belong to one of the callers (a site
# owning hold/ could delete the others' held mail).
st=$(cd "$MO_STATE" && stat -c '%n %U:%G %A' * 2>/dev/null)
t_unlike "$st" " (mo-site-[ab]|www-data):" "state dir entries not owned by a caller" || t_diag "$st"
t_unlike "$st" " d...r-.---" "state dir folders group-writable" || t_diag "$st"
t_done
