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
for i in $(seq 300); do (exec 3<>/dev/tcp/127.0.0.1/"$PORT") 2>/dev/null && break; sleep 0.1; done

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
# every message is in the log once it is removed (bounces made too)
for i in $(seq 300); do
	[ "$(grep -c ': removed$' "$PF/maillog")" -ge 14 ] && break; sleep 0.1
done
t_is "$(grep -c ': removed$' "$PF/maillog")" 14 "Postfix logged 12 messages and 2 bounces as removed"
t_is "$(grep -c 'action=pass' "$MO_LOG")" 5 "the wrapper logged 5 messages"

L=$T/logs; mkdir -p "$L"
cp "$PF/maillog" "$L/maillog"; cp "$MO_LOG" "$L/wrapper.log"

# rep BY... : the report as JSON lines over the wrapper's log and the maillog
rep() { "$CTL" report --json --limit 1000 "$@" 2>"$T/rep.err"; }
# cnt JSON-KEY FIELD < report: FIELD (count, rcpts) of the origin whose key is JSON-KEY
cnt() { grep -F "\"key\":$1," | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"; }

out=$(rep --by uid "$L/wrapper.log" "$L/maillog")
t_is "$(cnt "$uid_a" count <<<"$out")" 3 "uid $uid_a (site-a, through the wrapper): 3 messages"
t_is "$(cnt "$uid_b" count <<<"$out")" 2 "uid $uid_b (site-b): 2"
t_is "$(cnt "$uid_r" count <<<"$out")" 2 "uid $uid_r (the real sendmail): 2"
t_is "$(cnt null count <<<"$out")" 7 "no uid: 5 over SMTP AUTH and 2 bounces" ||
	# the lines of every queue ID that has no delivery (to=) line
	t_diag "$(awk '{ if (match($0, /: [0-9A-F]+: /)) { id = substr($0, RSTART + 2, RLENGTH - 4);
		l[id] = l[id] "\n" $0; if ($0 ~ / to=/) d[id] = 1 } }
		END { for (id in l) if (!(id in d)) print "no delivery: " id l[id] }' "$L/maillog")"
t_is "$(wc -l <<<"$out")" 4 "four origins by uid"
t_like "$(cat "$T/rep.err")" " 0 unparsable" "every line parsed" || t_diag "$(cat "$T/rep.err")"

out=$(rep --by user "$L/wrapper.log" "$L/maillog")
t_is "$(cnt '"mo-site-a"' count <<<"$out")" 3 "user mo-site-a: 3"
t_is "$(cnt '"mo-rcpt"' count <<<"$out")" 2 "user mo-rcpt, named from the passwd file: 2"

out=$(rep --by vhost "$L/wrapper.log" "$L/maillog")
t_is "$(cnt '"site-a"' count <<<"$out")" 3 "vhost site-a: 3 (joined with the wrapper's line)"
t_is "$(cnt '"site-b"' count <<<"$out")" 2 "vhost site-b: 2"

out=$(rep --by script "$L/wrapper.log" "$L/maillog")
t_is "$(cnt "\"$MO_WWW/site-a/send.php\"" count <<<"$out")" 3 "script site-a/send.php: 3"
t_is "$(cnt "\"$MO_WWW/site-b/send.php\"" count <<<"$out")" 2 "script site-b/send.php: 2"

out=$(rep --by sasl "$L/wrapper.log" "$L/maillog")
t_is "$(cnt '"alice@test.invalid"' count <<<"$out")" 3 "SASL alice: 3 messages"
t_is "$(cnt '"bob@test.invalid"' count <<<"$out")" 2 "SASL bob: 2 messages"
t_is "$(cnt '"bob@test.invalid"' rcpts <<<"$out")" 3 "SASL bob: 3 recipients"

out=$(rep --by status "$L/wrapper.log" "$L/maillog")
t_is "$(cnt '"sent"' count <<<"$out")" 11 "status sent: 11 (10 sent and one bounce delivered)"
t_is "$(cnt '"bounced"' count <<<"$out")" 3 "status bounced: 3 (2 sent to nosuchuser, alice's bounce)"

out=$(rep --by sasl --by status "$L/wrapper.log" "$L/maillog")
t_is "$(cnt '["alice@test.invalid","bounced"]' count <<<"$out")" 1 "alice > bounced: 1"
out=$(rep --by vhost,status "$L/wrapper.log" "$L/maillog")
t_is "$(cnt '["site-a","bounced"]' count <<<"$out")" 1 "site-a > bounced: 1"
t_is "$(cnt '["site-a","sent"]' count <<<"$out")" 2 "site-a > sent: 2"

out=$(rep --by action "$L/wrapper.log" "$L/maillog")
t_is "$(cnt '"pass"' count <<<"$out")" 5 "action pass: 5"

# the same log rotated and gzipped, named in any order, and on standard input
base=$(rep --by uid --by sasl --by status "$L/wrapper.log" "$L/maillog")
n=$(wc -l <"$L/maillog")
mkdir -p "$L/rot"
head -n $((n / 3)) "$L/maillog" | gzip >"$L/rot/mail.log.2.gz"
sed -n "$((n / 3 + 1)),$((2 * n / 3))p" "$L/maillog" >"$L/rot/mail.log.1"
tail -n +$((2 * n / 3 + 1)) "$L/maillog" >"$L/rot/mail.log"
t_is "$(rep --by uid --by sasl --by status "$L/rot/mail.log" "$L/rot/mail.log.1" \
	"$L/wrapper.log" "$L/rot/mail.log.2.gz")" "$base" "rotated and gzipped copies: the same report"
t_is "$(rep --by uid --by sasl --by status - "$L/wrapper.log" <"$L/maillog")" "$base" \
	"standard input: the same report"

# syslog's mail.log holds the wrapper's lines too: counted once (each
# line's own date, as syslog writes it: "Mon DD HH:MM:SS", in UTC here)
{
	awk 'BEGIN { split("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec", mon, " ") }
	/^[0-9]+-[0-9]+-[0-9]+T[0-9:]+Z mailorigin/ {
		print mon[substr($1, 6, 2) + 0] " " substr($1, 9, 2) " " substr($1, 12, 8) " test" substr($0, length($1) + 1)
		next
	}
	{ print }' "$L/wrapper.log"
	cat "$L/maillog"
} | sort -s -k3,3 >"$L/mail.log"
t_is "$(rep --by uid --by sasl --by status "$L/mail.log")" "$base" "one syslog file with both"
t_is "$(rep --by uid --by sasl --by status "$L/mail.log" "$L/wrapper.log")" "$base" \
	"syslog and the wrapper's file: each message once"

# the table
tab=$("$CTL" report --by sasl "$L/wrapper.log" "$L/maillog")
t_like "$tab" "14 messages, 15 recipients" "table: the totals"
t_like "$tab" "      3       3  21\.4%  .*alice@test\.invalid" "table: count, rcpts, share, key"
t_like "$tab" "per 1m from" "table: a per-minute histogram for a short log"
t_done
