#!/usr/bin/env bash
# Issue 10: mailoriginctl report over real logs.  One private Postfix with
# Cyrus sasldb SMTP AUTH on a loopback port; mail through the setgid
# wrapper from PHP (two sites), the real sendmail from a third uid, swaks
# with two SASL users, some of each to a local user that does not exist
# (bounced).  The report's counts per uid, vhost, script, SASL user and
# status equal what was sent; rotated and gzipped copies of the same log,
# and standard input, give the same report.
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/postfix.sh"
. "$MO_ROOT/tests/lib/php.sh"
mo_begin "$@"
CTL_BUILD=${MO_CTL_BUILD:-$MO_ROOT/build/mailoriginctl}
[ -x "$CTL_BUILD" ] || mo_skip_all "$CTL_BUILD not built (run make)"
command -v swaks >/dev/null || mo_skip_all "swaks not installed"
command -v saslpasswd2 >/dev/null || mo_skip_all "saslpasswd2 (sasl2-bin) not installed"
mo_need_wrapper
pf_start
mo_install_wrapper
php_sites
mo_conf postfix /usr/sbin/sendmail
CTL=$T/bin/mailoriginctl
install -m 0755 "$CTL_BUILD" "$CTL"
SP="$W -t -i"
uid_a=$(mo_uid mo-site-a); uid_b=$(mo_uid mo-site-b); uid_r=$(mo_uid mo-rcpt)

# SMTP AUTH on 127.0.0.1:PORT, users alice and bob
PORT=$(mo_free_port 17310) || mo_bail "no free port"
mkdir -p "$PF/etc/sasl"
cat >"$PF/etc/sasl/smtpd.conf" <<CONF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $PF/sasldb2
CONF
for u in alice bob; do
	echo "pw-$u" | saslpasswd2 -p -c -f "$PF/sasldb2" -u test.invalid "$u" ||
		mo_bail "saslpasswd2 $u failed"
done
chown postfix "$PF/sasldb2"
postconf -e smtpd_sasl_auth_enable=yes smtpd_sasl_type=cyrus smtpd_sasl_path=smtpd \
	"cyrus_sasl_config_path=$PF/etc/sasl" master_service_disable= \
	'smtpd_recipient_restrictions=permit_sasl_authenticated,reject' ||
	mo_bail "postconf sasl failed"
postconf -M# smtp/inet
postconf -Me "127.0.0.1:$PORT/inet=127.0.0.1:$PORT inet n - n - - smtpd"
postfix reload >/dev/null 2>&1 || mo_bail "postfix reload failed" "$(tail "$PF/maillog")"
for i in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.1; done

NOUSER=nosuchuser@test.invalid
sasl_send() {   # sasl_send USER TO
	swaks --server "127.0.0.1:$PORT" --auth PLAIN --auth-user "$1@test.invalid" \
		--auth-password "pw-$1" --from "$1@test.invalid" --to "$2" \
		--header "Subject: report test" >"$T/swaks.out" 2>&1 ||
		t_diag "swaks $1 $2 failed: $(tail -3 "$T/swaks.out")"
}
php_send() {    # php_send SITE TO
	php_cli "mo-site-$1" "$MO_WWW/site-$1" "$SP" send.php --to="$2" >/dev/null 2>&1
}
# site-a: 3 (1 bounced), site-b: 2, mo-rcpt via the real sendmail: 2,
# alice: 3 (1 bounced), bob: 2 (1 to two recipients)
php_send a "$(pf_addr a1)"; php_send a "$(pf_addr a2)"; php_send a "$NOUSER"
php_send b "$(pf_addr b1)"; php_send b "$(pf_addr b2)"
for i in 1 2; do
	printf 'Subject: direct %s\n\nhi\n' "$i" | mo_as mo-rcpt /usr/sbin/sendmail -i "$(pf_addr r$i)"
done
sasl_send alice "$(pf_addr s1)"; sasl_send alice "$(pf_addr s2)"; sasl_send alice "$NOUSER"
sasl_send bob "$(pf_addr s3)"; sasl_send bob "$(pf_addr s4),$(pf_addr s5)"
for c in a1 a2 b1 b2 r1 r2 s1 s2 s3 s4 s5; do pf_wait "$c" >/dev/null || t_diag "$c not delivered"; done
sleep 2
cp "$PF/maillog" /tmp/rp-maillog; cp "$MO_LOG" /tmp/rp-wrapper.log
t_done
