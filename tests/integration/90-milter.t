#!/usr/bin/env bash
# Issue 13, part 2: mailorigin-milter inside a real Postfix (smtpd on a
# loopback port, smtpd_milters and non_smtpd_milters).
#  - PHPMailer in SMTP mode from php-fpm and from the CLI (two uids):
#    stamped and logged with the right uid and script; the FPM worker's
#    memory (it waits for the reply to the end of DATA) names the script
#    and the included file and line of the call into PHPMailer; the CLI's
#    is not read (not a worker of a root master: its user may write it),
#    the origin code's answer stands and the log says why;
#  - swaks with SMTP AUTH (Cyrus sasldb) for two users, limited per user
#    (match = "sasl:USER"), the other user unaffected;
#  - the real sendmail run directly by a uid over its limit (its uid: the
#    owner of the maildrop file pickup reads): held through
#    non_smtpd_milters (Postfix's hold queue);
#  - forged X-Mailorigin-* headers over SMTP removed;
#  - a 64-way burst over SMTP against a limit of 10: exactly 10 delivered,
#    54 in the hold queue, none lost;
#  - the milter killed mid-message and restarted: milter_default_action =
#    tempfail makes Postfix answer 451 to that message (nothing accepted,
#    nothing lost), and the next message goes through the new milter.
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/postfix.sh"
. "$MO_ROOT/tests/lib/php.sh"
. "$MO_ROOT/tests/lib/milter.sh"
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
php_smtp_site a
php_smtp_site b
# the line of the call into PHPMailer
send_line=$(grep -n -- '->send(); // MO-SEND' "$MO_ROOT/tests/integration/lib/smtp-send.php" | cut -d: -f1)
PHPMAILER_SRC=/usr/share/php/libphp-phpmailer/src
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
	"milter_connect_macros = j {daemon_name} {daemon_addr} {daemon_port} v _" \
	"smtpd_recipient_restrictions = permit_mynetworks, permit_sasl_authenticated, reject" \
	"mynetworks = 127.0.0.0/8" || mo_bail "postconf -e failed"
postconf -M# smtp/inet
postconf -Me "127.0.0.1:$PORT/inet=127.0.0.1:$PORT inet n - n - - smtpd" || mo_bail "postconf -Me failed"

# uid b: 4 a day (its PHPMailer message below is one of them); uid a: 10 a
# day, from its 64-way burst on
milter_conf "limits = ( { match = \"sasl:alice@test.invalid\"; messages = [ \"2/1d\" ]; },
                        { match = \"sasl\"; messages = [ \"100/1d\" ]; },
                        { match = \"uid:$uid_b\"; messages = [ \"4/1d\" ]; } );"
milter_start
postfix reload >/dev/null 2>&1 || mo_bail "postfix reload failed"
for i in $(seq 50); do
	awk 'FNR > 1 && $4 == "0A" { split($2, a, ":"); print a[2] }' /proc/net/tcp | grep -qix "$(printf '%04X' "$PORT")" && break
	sleep 0.1
done
fpm_start "$W -t -i"
PRE="Return-Path X-Original-To Delivered-To Received"

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
	t_is "$(hdr "$f" X-Mailorigin-Script)" "$MO_WWW/site-a/smtp.php; source=memory; at=$MO_WWW/site-a/lib/smtp-send.php:$send_line" \
		"phpmailer smtp fpm: Script from the worker's memory: the request's script, the included file and line of the send()"
	t_is "$(hdr "$f" X-Mailorigin-Vhost)" "site-a" "phpmailer smtp fpm: Vhost"
	MO_ID=$(hdr "$f" X-Mailorigin-Id)
	L=$(mo_log_line "$MO_ID")
	t_is "$(lf "$L" path)/$(lf "$L" sapi)/$(lf "$L" pool)/$(lf "$L" action)" "smtp/fpm/site-a/pass" "phpmailer smtp fpm: log path=smtp sapi=fpm pool=site-a action=pass"
	t_like "$(lf "$L" client)" '^127\.0\.0\.1:[0-9]+$' "phpmailer smtp fpm: log client="
	t_is "$(lf "$L" lookup)" "netlink-exact" "phpmailer smtp fpm: the socket found by the kernel's exact 4-tuple lookup ({daemon_port})"
	t_is "$(lf "$L" script)/$(lf "$L" script_src)/$(lf "$L" claimed)/$(lf "$L" memory)" "$MO_WWW/site-a/smtp.php/memory/0/read" \
		"phpmailer smtp fpm: log script= from memory, script_src=memory, not claimed"
	t_is "$(lf "$L" file):$(lf "$L" line):$(lf "$L" function)" "$MO_WWW/site-a/lib/smtp-send.php:$send_line:mo_smtp_send" \
		"phpmailer smtp fpm: log file= line= function= of the send()"
	t_like "$(lf "$L" wait)" "^$PHPMAILER_SRC/SMTP\.php:[0-9]+\$" "phpmailer smtp fpm: log wait= inside PHPMailer's SMTP.php"
	t_like "$(lf "$L" memory_us)" '^[0-9]+$' "phpmailer smtp fpm: log memory_us="
	us="$(lf "$L" memory_us)"
else
	t_ok 1 "phpmailer smtp fpm: delivered"; t_diag "$(pf_why smtp-fpm)" "$(tail -3 "$MO_LOG")" "$(cat "$MS/out")"
fi
# three more: the binary's symbols are known now (the cost of a read alone)
read_ok=0
for i in 1 2 3; do
	fpm_get site-a smtp.php "port=$PORT&to=$(urlenc "$(pf_addr "smtp-fpm$i")")" >/dev/null
	f=$(pf_wait "smtp-fpm$i") && L=$(mo_log_line "$(hdr "$f" X-Mailorigin-Id)") &&
		[ "$(lf "$L" memory)/$(lf "$L" line)" = "read/$send_line" ] && read_ok=$((read_ok + 1))
	us="$us $(lf "$L" memory_us)"
done
t_is "$read_ok" 3 "phpmailer smtp fpm: three more messages, each read from memory with its line"
echo "# the memory read's cost per message (first with the ELF symbols), us: $us"
out=$(php_cli mo-site-b "$MO_WWW/site-b" "$W -t -i" smtp.php --port="$PORT" --to="$(pf_addr smtp-cli)" 2>&1)
t_is "$out" "sent=1" "phpmailer smtp cli: send() succeeds"
if f=$(pf_wait smtp-cli); then
	t_ok 0 "phpmailer smtp cli: delivered"
	t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid_b (mo-site-b)" "phpmailer smtp cli: Uid is the CLI's user"
	t_is "$(hdr "$f" X-Mailorigin-Script)" "$MO_WWW/site-b/smtp.php; source=php-cli-argv; claimed" "phpmailer smtp cli: Script from PHP's command line"
	t_is "$(hdr "$f" X-Mailorigin-Cwd)" "$MO_WWW/site-b" "phpmailer smtp cli: Cwd of the PHP process"
	t_is "$(hdr_names "$f" | grep -ci '^x-mailorigin-')" 5 "phpmailer smtp cli: our 5 headers, once"
	L=$(mo_log_line "$(hdr "$f" X-Mailorigin-Id)")
	t_is "$(lf "$L" script_src)/$(lf "$L" sapi)/$(lf "$L" line)" "php-cli-argv/cli/" \
		"phpmailer smtp cli: the CLI's memory not read: the origin code's answer, no line"
	t_like "$(lf "$L" memory)" '^not trusted: ' "phpmailer smtp cli: log memory= says why (not trusted: ...)"
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


# ---- SMTP AUTH: two users, limited per user ---------------------------------------
auth_send() {  # auth_send USER CASE
	swaks --server "127.0.0.1:$PORT" --auth PLAIN --auth-user "$1@test.invalid" --auth-password "pw-$1" \
		--from "$1@test.invalid" --to "$(pf_addr "$2")" --header "Subject: $2" --body "$2" >"$T/swaks-$2.out" 2>&1
}
h0=$(pf_held)
for i in 1 2 3 4; do auth_send alice "sasl-alice$i"; done
for i in 1 2 3; do auth_send bob "sasl-bob$i"; done
pf_settle
t_is "$(delivered 'sasl-alice[1234]')" 2 "sasl: alice delivered 2 of 4 (sasl:alice 2/1d)"
t_is "$(held_for 'sasl-alice[1234]')" 2 "sasl: alice's other 2 in Postfix's hold queue"
t_is "$(delivered 'sasl-bob[123]')" 3 "sasl: bob unaffected, 3 of 3 delivered (generic sasl 100/1d)"
# Postfix 3.7 keeps no reason with a milter's hold: our log line is the record
t_is "$(grep -a 'milter triggers HOLD action' "$PF/maillog" | grep -a -c 'sasl-alice')" 2 \
	"sasl: Postfix logs the milter's HOLD for alice's two"
L=$(grep -a 'action=hold' "$MO_LOG" | grep -a 'sasl=alice@test.invalid' | tail -1)
t_is "$(lf "$L" rule)/$(lf "$L" path)" "sasl:alice@test.invalid/smtp" "sasl: the log line says the rule and path=smtp"
f=$(pf_wait sasl-bob1 1) && t_is "$(hdr "$f" X-Mailorigin-Vhost)" "root" "sasl: stamped (the client's uid is root's: swaks ran as root on loopback)"

# ---- the real sendmail run directly: non_smtpd_milters, pickup's uid --------------
for i in 1 2 3 4; do
	printf 'Subject: direct%s\n\ndirect\n' "$i" | (cd "$MO_WWW/site-b" && mo_as mo-site-b /usr/sbin/sendmail -i "$(pf_addr "direct$i")")
done
pf_settle
t_is "$(delivered 'direct[1234]')" 3 "real sendmail: 3 delivered (uid b: 4/1d, one used by its SMTP message)"
t_is "$(held_for 'direct[1234]')" 1 "real sendmail: the 4th in the hold queue"
if f=$(pf_wait direct1 1); then
	t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid_b (mo-site-b)" "real sendmail: Uid of the maildrop file pickup reads"
	t_is "$(hdr "$f" X-Mailorigin-Script)" "; source=pickup" "real sendmail: Script says pickup"
fi
L=$(grep -a 'action=hold' "$MO_LOG" | grep -a "uid=$uid_b " | tail -1)
t_is "$(lf "$L" rule)/$(lf "$L" client)" "uid:$uid_b/local" "real sendmail: held by rule uid:$uid_b, client=local"
# a remote-looking Received in SMTP mail is not believed
mo_as mo-site-a swaks --server "127.0.0.1:$PORT" --from f@test.invalid --to "$(pf_addr fake-pickup)" \
	--header "Received: by x (Postfix, from userid 0)" --body x >/dev/null 2>&1
f=$(pf_wait fake-pickup) && t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid_a (mo-site-a)" "SMTP mail with a pickup-like Received: the socket's uid, not the header's"

# ---- mailoriginctl hold: both kinds, our spool and Postfix's hold queue ----------
CTL=$MO_ROOT/build/mailoriginctl
# uid b is over its 4/1d: the wrapper holds this one in our spool
printf 'To: %s\nSubject: spool-b\n\nspool\n' "$(pf_addr spool-b)" | (cd "$MO_WWW/site-b" && mo_as mo-site-b "$W" -t -i)
out=$("$CTL" hold list 2>"$T/ctl.err"); rc=$?
t_is "$rc" 0 "hold list: exit 0" || t_diag "$(cat "$T/ctl.err")"
t_is "$(printf '%s\n' "$out" | grep -c ' limit (postfix [0-9A-Za-z]*) ')" 3 \
	"hold list: the milter's 3 quarantined messages (alice 2, direct 1), from Postfix's hold queue"
t_is "$(printf '%s\n' "$out" | grep -v '(postfix ' | tail -n +2 | grep -c " limit .*uid:$uid_b")" 1 \
	"hold list: and the wrapper's hold in our spool"
t_is "$(printf '%s\n' "$out" | grep '(postfix ' | grep -c 'sasl:alice@test.invalid 2/1d messages')" 2 \
	"hold list: alice's two with their rule and window (from our log)"
t_is "$("$CTL" hold list --uid "$uid_b" | tail -n +2 | wc -l)" 2 "hold list --uid: uid b's spool and Postfix holds"
json=$("$CTL" hold list --json)
pfj=$(printf '%s\n' "$json" | php -n -r 'while (($l = fgets(STDIN)) !== false) { $o = json_decode($l, true);
	if (($o["kind"] ?? "") === "postfix") echo $o["id"], " ", $o["queue_id"], " ", $o["rule"], "\n"; }')
t_is "$(printf '%s\n' "$pfj" | grep -c .)" 3 "hold list --json: 3 objects of kind postfix"
ok=1
while read -r id qid rule; do
	[ -f "$(find "$PF/spool/hold" -name "$qid" | head -1)" ] && grep -q -a "X-Mailorigin-Id: $id" "$(find "$PF/spool/hold" -name "$qid" | head -1)" || ok=0
done <<<"$pfj"
t_ok $((1 - ok)) "hold list --json: each queue_id is a hold queue file carrying that X-Mailorigin-Id"
# release one of alice's: postsuper -H, and it is delivered
rid=$(printf '%s\n' "$pfj" | grep 'sasl:alice' | head -1 | cut -d' ' -f1)
rqid=$(printf '%s\n' "$pfj" | grep 'sasl:alice' | head -1 | cut -d' ' -f2)
"$CTL" hold release "$rid" >"$T/rel.out" 2>&1
t_is "$?" 0 "hold release of a Postfix hold: exit 0" || t_diag "$(cat "$T/rel.out")"
t_like "$(cat "$T/rel.out")" "released $rid \\(Postfix queue id $rqid\\)" "hold release: says which"
for i in $(seq 300); do [ "$(delivered 'sasl-alice[1234]')" -ge 3 ] && break; sleep 0.1; done
t_is "$(delivered 'sasl-alice[1234]')" 3 "hold release: alice's released message is delivered (3 of 4 now)"
t_is "$(held_for 'sasl-alice[1234]')" 1 "hold release: the other stays held"
t_like "$(grep -a "id=$rid action=release" "$MO_LOG")" "kind=postfix queue_id=$rqid " "hold release: logged"
"$CTL" hold release "$rid" >"$T/rel2.out" 2>&1
t_is "$?" 66 "hold release again: no such hold (EX_NOINPUT)"


# one bash per connection (a light client: /dev/tcp), as mo-site-a, released
# at one instant; each prints the reply to the end of DATA
cat >"$T/bin/smtp-one" <<'EOF'
#!/bin/bash
# smtp-one PORT RCPT SUBJECT: one SMTP transaction; prints the reply code to "."
exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
rd() { local l; while IFS= read -r -t 60 l <&3; do case $l in [0-9][0-9][0-9]-*) ;; *) R=${l%$'\r'}; return 0 ;; esac; done; return 1; }
rd && printf 'EHLO burst\r\n' >&3 && rd && printf 'MAIL FROM:<burst@test.invalid>\r\n' >&3 && rd &&
	printf 'RCPT TO:<%s>\r\n' "$2" >&3 && rd && printf 'DATA\r\n' >&3 && rd &&
	printf 'Subject: %s\r\n\r\nburst body\r\n.\r\n' "$3" >&3 && rd && echo "${R%% *}" &&
	printf 'QUIT\r\n' >&3
EOF
chmod 755 "$T/bin/smtp-one"
milter_stop
milter_conf "limits = ( { match = \"uid:$uid_a\"; messages = [ \"10/1d\" ]; } );"
rm -f "$MO_STATE/limits.db"; install -o root -g mailorigin -m 0660 /dev/null "$MO_STATE/limits.db"
milter_start
h0=$(pf_held)
mkdir -p "$T/burst"; chmod 777 "$T/burst"
pids=()
for i in $(seq 64); do
	# each waits for the flag file, whenever it got here (a fifo would
	# leave behind those that open it after the release)
	( mo_as mo-site-a sh -c 'touch "$1.$7"; while [ ! -e "$1" ]; do sleep 0.02; done; "$2" "$3" "$4" "$5" > "$6"' \
		- "$T/burst/go" "$T/bin/smtp-one" "$PORT" "$(pf_addr "burst$i")" "burst$i" "$T/burst/$i.rc" "$i" ) &
	pids+=($!)
done
for i in $(seq 600); do [ "$(ls "$T/burst" | grep -c '^go\.')" -eq 64 ] && break; sleep 0.1; done
touch "$T/burst/go"
wait "${pids[@]}"
t_is "$(cat "$T"/burst/*.rc | sort | uniq -c | tr -s ' ')" " 64 250" "burst: all 64 clients get 250 (passed or held)"
pf_settle
t_is "$(delivered 'burst[0-9]+')" 10 "burst: exactly 10 of 64 delivered (limit 10/1d)"
t_is "$(($(pf_held) - h0))" 54 "burst: exactly 54 in Postfix's hold queue"
all=0
for i in $(seq 64); do
	[ $(($(delivered "burst$i") + $(held_for "burst$i"))) -eq 1 ] && all=$((all + 1))
done
t_is "$all" 64 "burst: each of the 64 is delivered or held, exactly once"
t_is "$(grep -a -c "action=hold .*uid=$uid_a .*rule=uid:$uid_a" "$MO_LOG")" 54 "burst: 54 hold lines in the log"

# ---- the milter killed mid-message, then restarted ----------------------------------
# milter_default_action = tempfail: the message in flight gets 4xx (the
# client keeps it), nothing is accepted unchecked, nothing lost
exec 4<>"/dev/tcp/127.0.0.1/$PORT"
rd4() { local l; while IFS= read -r -t 60 l <&4; do case $l in [0-9][0-9][0-9]-*) ;; *) R=${l%$'\r'}; return 0 ;; esac; done; R=; return 1; }
rd4; printf 'EHLO kill\r\n' >&4; rd4
printf 'MAIL FROM:<k@test.invalid>\r\n' >&4; rd4
printf 'RCPT TO:<%s>\r\n' "$(pf_addr killed)" >&4; rd4
printf 'DATA\r\n' >&4; rd4
printf 'Subject: killed\r\n\r\nhalf' >&4
kill -KILL "$MILTER_PID"; wait "$MILTER_PID" 2>/dev/null; MILTER_PID=
printf ' and the rest\r\n.\r\n' >&4; rd4
t_like "$R" '^4[0-9][0-9] ' "milter killed mid-message: Postfix answers 4xx (milter_default_action = tempfail)"
printf 'QUIT\r\n' >&4; exec 4>&-
rm -f "$SOCK"
milter_start
out=$(php_cli mo-site-b "$MO_WWW/site-b" "$W -t -i" smtp.php --port="$PORT" --to="$(pf_addr after-restart)" 2>&1)
t_is "$out" "sent=1" "milter restarted: the next message is accepted"
pf_settle
t_is "$(delivered killed)$(held_for killed)" "00" "milter killed mid-message: that message neither delivered nor queued"
f=$(pf_wait after-restart) && t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid_b (mo-site-b)" "milter restarted: stamped again"

# ---- the limit store's lock held for long (a local user's stopped wrapper) --------------
# a fault the user brings about: held even under fail = "open", as in the
# wrapper and the qmail front end (before: passed unlimited; review S3-4)
milter_stop
milter_conf "limits = ( { match = \"uid:$uid_a\"; messages = [ \"1000/1d\" ]; } ); fail = \"open\";"
milter_start
( exec 9<>"$MO_STATE/limits.db" && flock 9 && : >"$T/locked" && exec sleep 600 ) &
locker=$!
mo_atexit "kill $locker"
for i in $(seq 3000); do [ -e "$T/locked" ] && break; sleep 0.1; done
h0=$(pf_held)
t_is "$(mo_as mo-site-a "$T/bin/smtp-one" "$PORT" "$(pf_addr locked)" locked)" 250 "lock held, fail = open: 250 (accepted)"
kill "$locker" 2>/dev/null; wait "$locker" 2>/dev/null
pf_settle
t_is "$(delivered locked)/$(held_for locked)" "0/1" "lock held, fail = open: held in Postfix's hold queue, not delivered"
t_like "$(grep -a 'Connection timed out' "$MO_LOG" | tail -1)" 'action=hold .*limit store limits.db: Connection timed out; holding' \
	"lock held, fail = open: the fault is logged, holding"

t_done
