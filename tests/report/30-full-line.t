#!/usr/bin/env bash
# Issue 13 F9: a log line full of the caller's long values (vhost, cwd,
# script, PHP binary, command line, X-PHP header, sender, Message-ID, each
# cut at 512 bytes escaped: more than the line's 4096 bytes together) still
# holds the decision (action, rule, window, first) and what the report
# attributes by (uid, vhost, script, from, msgid), and says what it left
# out (cut=KEY,...).  Through the setgid wrapper from PHP's CLI into the
# real Postfix: one message passes (the report joins it with Postfix's log
# by its Message-ID), the next is held by a 1/1d limit (hold list shows
# its rule).
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/postfix.sh"
. "$MO_ROOT/tests/lib/php.sh"
mo_begin "$@"
CTL_BUILD=${MO_CTL_BUILD:-$MO_ROOT/build/mailoriginctl}
[ -x "$CTL_BUILD" ] || mo_skip_all "$CTL_BUILD not built (run make)"
mo_need_wrapper
pf_start
mo_install_wrapper
php_sites
CTL=$T/bin/mailoriginctl
install -m 0755 "$CTL_BUILD" "$CTL"
uid_a=$(mo_uid mo-site-a)
mo_conf postfix /usr/sbin/sendmail
printf 'limits = ( { match = "uid:%s"; messages = [ "1/1d" ]; } );\n' "$uid_a" >>"$MO_ETC/mailorigin.conf"

# names of control bytes: each escapes to 4 bytes in the log
ctl() { local i s=; for ((i = 0; i < $1; i++)); do s+=$'\x01'; done; printf '%s' "$s"; }
VH="$(ctl 127)v"                      # the vhost: MO_WWW's first component
SITE=$MO_WWW/$VH
DIR=$SITE/$(ctl 200)/$(ctl 200)
SCRIPT=$DIR/$(ctl 150).php
mkdir -p "$DIR"; cp "$MO_ROOT/tests/integration/send.php" "$SCRIPT"
chown -R mo-site-a: "$SITE"; chmod -R u+rwX,go+rX,go-w "$SITE"
# the PHP binary itself at a long path (its exe is logged)
PHPDIR=$T/$(ctl 200); mkdir -p "$PHPDIR"; chmod 755 "$PHPDIR"
cp "$(readlink -f "$(command -v php)")" "$PHPDIR/php"; chmod 755 "$PHPDIR/php"
SENDER=$(printf 'x%.0s' $(seq 500))@test.invalid
MSGID="<$(printf 'm%.0s' $(seq 230))@test.invalid>"

send() {   # send CASE: mail() from the script, sender and Message-ID as above
	(cd "$DIR" && mo_as mo-site-a "$PHPDIR/php" -d "sendmail_path=$W -t -i -f$SENDER" \
		-d mail.add_x_header=On "$SCRIPT" --to="$(pf_addr "$1")" --hdrs="Message-ID: $MSGID") \
		>"$T/out" 2>&1
}
send full1
t_is "$(cat "$T/out")" "mail=1" "first message: mail() returns true"
pf_wait full1 >/dev/null; t_ok $? "first message delivered"
send full2
t_is "$(cat "$T/out")" "mail=1" "second message (held): mail() returns true"

pass=$(grep ' action=pass ' "$MO_LOG" | tail -1)
held=$(grep ' action=hold ' "$MO_LOG" | tail -1)
for l in pass held; do
	line=${!l}
	# the long values did not all fit
	t_ok "$([ "${#line}" -gt 3000 ] && [ "${#line}" -lt 4200 ]; echo $?)" "$l: a long line (${#line} bytes)"
	log_parses "$line"; t_ok $? "$l: the line parses" || t_diag "$line"
	t_like "$(lf "$line" cut)" '^[a-z_,+]+$' "$l: cut= names what was left out" || t_diag "$line"
	t_unlike ",$(lf "$line" cut)," ',(uid|vhost|script|from|msgid|rule|window|first),' "$l: nothing the report or hold list reads was left out"
	t_is "$(lf "$line" uid)" "$uid_a" "$l: uid"
	t_is "$(lf "$line" vhost)" "$VH" "$l: vhost whole"
	t_like "$(lf "$line" script)" "^$MO_WWW/" "$l: script (cut at 512 bytes)"
	t_like "$(lf "$line" from)" "^${SENDER:0:500}@test\.inv\.\.\.\$" "$l: from (cut at 512 bytes, ends in ...)"
	t_is "$(lf "$line" msgid)" "$MSGID" "$l: msgid whole"
done
t_is "$(lf "$held" rule)" "uid:$uid_a" "held: rule survives the full line"
t_is "$(lf "$held" window)" "1/1d messages" "held: window survives the full line"
t_is "$(lf "$held" first)" 1 "held: first survives the full line"

# hold list reads the rule from the held message's line
json=$("$CTL" hold list --json 2>"$T/err")
t_like "$json" "\"rule\":\"uid:$uid_a\",\"window\":\"1/1d messages\"" "hold list: the rule and window of the held message" || t_diag "$json" "$(cat "$T/err")"

# the report: the delivered one joined with Postfix's log by its msgid,
# the held one from the wrapper's line
for i in $(seq 300); do grep -q ': removed$' "$PF/maillog" && break; sleep 0.1; done
rep() { "$CTL" report --json --limit 1000 "$@" "$MO_LOG" "$PF/maillog" 2>"$T/rep.err"; }
cnt() { grep -F "\"key\":$1," | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"; }
vh_json=$(printf '%s' "$VH" | "$MO_PHP" -n -r 'echo json_encode(stream_get_contents(STDIN), JSON_UNESCAPED_SLASHES);')
out=$(rep --by vhost)
t_is "$(cnt "$vh_json" count <<<"$out")" 2 "report --by vhost: both messages to the long vhost" || t_diag "$out"
out=$(rep --by vhost --by status)
t_is "$(cnt "[$vh_json,\"sent\"]" count <<<"$out")" 1 "report: the delivered one joined with Postfix's log (status sent)" || t_diag "$out"
t_is "$(cnt "[$vh_json,\"held\"]" count <<<"$out")" 1 "report: the held one" || t_diag "$out"
t_done
