#!/usr/bin/env bash
# Issue 2, test 2: real mail clients through the wrapper into Postfix:
# PHPMailer (sendmail transport, under php-fpm and php-cli) and bsd-mailx
# (with `set sendmail=` in its MAILRC, and with the wrapper mounted over
# /usr/sbin/sendmail in this namespace, the way an administrator swaps it
# in for the whole machine).
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/postfix.sh"
. "$MO_ROOT/tests/lib/php.sh"
mo_begin "$@"
mo_need_wrapper
[ -f /usr/share/php/libphp-phpmailer/autoload.php ] || mo_skip_all "libphp-phpmailer not installed"
command -v mailx >/dev/null || mo_skip_all "bsd-mailx not installed"
pf_start
mo_install_wrapper
php_sites
# The real Postfix sendmail, under a second name: the wrapper may later be
# mounted over /usr/sbin/sendmail.
REAL=$T/bin/postfix-sendmail
cp /usr/sbin/sendmail "$REAL"
mo_conf postfix "$REAL"
SP="$W -t -i"
fpm_start "$SP"

# mailx is no PHP: the script is its folder (claimed), or the parent
# program itself as the kernel shows it (source=parent, trusted)
MAILX=$(readlink -f "$(command -v mailx)")
mailx_script() { echo "~^($(printf '%s' "$1" | sed 's/[.[\*^$]/\\&/g')/; source=cwd; claimed|$MAILX; source=parent)\$"; }
PRE="Return-Path X-Original-To Delivered-To Received"
uid_a=$(mo_uid mo-site-a); uid_b=$(mo_uid mo-site-b)

delivered() {  # delivered CASE LABEL UID USER CWD SCRIPT VHOST -> MO_FILE
	local c=$1 l=$2
	MO_FILE=$(pf_wait "$c")
	t_ok $? "$l: delivered by Postfix" || { t_diag "$(pf_why "$c")" "log: $(tail -2 "$MO_LOG")"; return 1; }
	mo_check_stamp "$MO_FILE" "$l" "$PRE" "$3" "$4" "$5" "$6" "$7"
	t_like "$(hdr "$MO_FILE" Received)" "\(Postfix, from userid $3\)" "$l: Postfix saw uid $3"
}

# PHPMailer under FPM, with its own -f sender
out=$(fpm_get site-a phpmailer.php "to=$(urlenc "$(pf_addr pm-fpm)")&from=$(urlenc owner-a@test.invalid)&body=$(urlenc $'line one\nline two\n')")
t_is "$out" "sent=1" "phpmailer fpm: send() succeeds"
if delivered pm-fpm "phpmailer fpm" "$uid_a" mo-site-a "$MO_WWW/site-a" \
	"$MO_WWW/site-a/; source=cwd; claimed" site-a; then
	t_is "$(hdr "$MO_FILE" Return-Path)" "<owner-a@test.invalid>" "phpmailer fpm: envelope sender from -f"
	t_is "$(body_of "$MO_FILE")" $'line one\nline two' "phpmailer fpm: body unchanged"
	t_is "$(hdr "$MO_FILE" X-Mailer)" "PHPMailer $(php -r 'require "/usr/share/php/libphp-phpmailer/autoload.php"; echo PHPMailer\PHPMailer\PHPMailer::VERSION;') (https://github.com/PHPMailer/PHPMailer)" \
		"phpmailer fpm: PHPMailer's own headers kept"
	mo_check_log "$MO_ID" "phpmailer fpm" action=pass from=owner-a@test.invalid rcpts=1 sapi=fpm pool=site-a
fi

# PHPMailer under the CLI, with an attachment
head -c 300000 /dev/urandom >"$T/elsewhere/blob.bin"; chmod 644 "$T/elsewhere/blob.bin"
out=$(php_cli mo-site-b "$MO_WWW/site-b" "$SP" phpmailer.php --to="$(pf_addr pm-cli)" \
	--from=owner-b@test.invalid --attach="$T/elsewhere/blob.bin" 2>"$T/stderr")
t_is "$out" "sent=1" "phpmailer cli: send() succeeds"
if delivered pm-cli "phpmailer cli" "$uid_b" mo-site-b "$MO_WWW/site-b" \
	"$MO_WWW/site-b/phpmailer.php; source=php-cli-argv; claimed" site-b; then
	# the attachment, decoded from the delivered MIME message, is the file
	got=$(php -r '
		$m = file_get_contents($argv[1]);
		if (!preg_match("/filename=\"?blob\.bin\"?\r?\n\r?\n(.*?)\r?\n\r?\n?--/s", $m, $x)) exit(1);
		echo md5(base64_decode(preg_replace("/\s+/", "", $x[1])));' "$MO_FILE")
	t_is "$got" "$(md5sum <"$T/elsewhere/blob.bin" | cut -d' ' -f1)" "phpmailer cli: attachment arrives intact"
	mo_check_log "$MO_ID" "phpmailer cli" action=pass from=owner-b@test.invalid sapi=cli
fi

# bsd-mailx with `set sendmail=` in its MAILRC
printf 'set sendmail=%s\n' "$W" >"$T/mailrc"; chmod 644 "$T/mailrc"
out=$(cd "$T/elsewhere" && printf 'mailx body\n' | mo_as mo-site-b env MAILRC="$T/mailrc" mailx -s "mailx subject" "$(pf_addr mailx)" 2>&1)
t_ok $? "mailx: exits 0" || t_diag "$out"
if delivered mailx "mailx" "$uid_b" mo-site-b "$T/elsewhere" "$(mailx_script "$T/elsewhere")" mo-site-b; then
	t_is "$(hdr "$MO_FILE" Subject)" "mailx subject" "mailx: subject"
	t_is "$(body_of "$MO_FILE")" "mailx body" "mailx: body unchanged"
	mo_check_log "$MO_ID" "mailx" action=pass rcpts=1 sapi=unknown
fi

# The wrapper mounted over /usr/sbin/sendmail (this namespace only): mailx
# with no settings at all, and a recipient on the command line.
mo_bind "$W" /usr/sbin/sendmail
t_is "$(stat -c '%U:%G %a' /usr/sbin/sendmail)" "root:mailorigin 2755" "the wrapper is /usr/sbin/sendmail here"
out=$(cd "$T/elsewhere" && printf 'system body\n' | mo_as mo-site-a mailx -s "system" "$(pf_addr mailx-sys)" 2>&1)
t_ok $? "mailx via /usr/sbin/sendmail: exits 0" || t_diag "$out"
if delivered mailx-sys "mailx via /usr/sbin/sendmail" "$uid_a" mo-site-a "$T/elsewhere" "$(mailx_script "$T/elsewhere")" mo-site-a; then
	t_is "$(body_of "$MO_FILE")" "system body" "mailx via /usr/sbin/sendmail: body unchanged"
	mo_check_log "$MO_ID" "mailx via /usr/sbin/sendmail" action=pass mta="$REAL"
fi
t_done
