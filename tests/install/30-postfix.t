#!/usr/bin/env bash
# The real layout, in a private mount namespace over copies of /usr/sbin,
# /usr/local/sbin and /var/lib/dpkg, with a private Postfix: a swapped
# system delivers mail from PHP through the wrapper (stamped), and after
# revert directly again (unstamped); 200 concurrent submissions while swap
# and revert run back and forth are all delivered, none fails.
. "$(dirname "$0")/../lib/harness.sh"
mo_begin "$@"
. "$(dirname "$0")/lib.sh"
. "$MO_ROOT/tests/lib/postfix.sh"
. "$MO_ROOT/tests/lib/php.sh"
mo_install_wrapper
mo_atexit stop_sleepers

# copies of the system's folders, seen at their real places in here only
cp -a /usr/sbin "$T/usr-sbin" && mo_bind "$T/usr-sbin" /usr/sbin
mkdir -p "$T/usr-local-sbin" && mo_bind "$T/usr-local-sbin" /usr/local/sbin
cp -a /var/lib/dpkg "$T/dpkg" && mo_bind "$T/dpkg" /var/lib/dpkg
install -o root -g mailorigin -m 2755 "$MO_WRAPPER_BUILD" /usr/local/sbin/mailorigin-sendmail
pf_start
php_sites
# what an administrator has: the default mta.path, /usr/sbin/sendmail
mo_conf postfix /usr/sbin/sendmail
SP="/usr/sbin/sendmail -t -i"   # PHP's default sendmail_path
snap /usr/sbin >"$T/before"
divs=$(dpkg-divert --list | sort)

send() {  # send CASE: php-cli mail() as mo-site-a; prints mail=1|0
	php_cli mo-site-a "$MO_WWW/site-a" "$SP" send.php --to="$(pf_addr "$1")" 2>>"$T/php.err"
}

out=$(send before)
t_is "$out" "mail=1" "before the swap: PHP mail() through the real sendmail"
f=$(pf_wait before); t_ok $? "delivered" || t_diag "$(pf_why before)"
[ -n "$f" ] && ! grep -qi '^X-Mailorigin-' "$f"; t_ok $? "unstamped (no wrapper yet)"

mi_ok "swap (--root /, inside the namespace)" swap
t_is "$(readlink /usr/sbin/sendmail)" "../local/sbin/mailorigin-sendmail" "/usr/sbin/sendmail runs the wrapper"
t_like "$(dpkg-divert --truename /usr/sbin/sendmail)" "mailorigin-real" "postfix's sendmail is diverted"
if has_hook; then
	out=$(send during)
	t_is "$out" "mail=1" "swapped: PHP mail() returns true"
	f=$(pf_wait during); t_ok $? "swapped: delivered by the real Postfix" || t_diag "$(pf_why during)" "$(tail -3 "$MO_LOG")"
	t_like "$(hdr "$f" X-Mailorigin-Uid 2>/dev/null)" "^$(mo_uid mo-site-a) \(mo-site-a\)$" "swapped: stamped with the site's uid"
	t_like "$(hdr "$f" X-Mailorigin-Cwd 2>/dev/null)" "site-a$" "swapped: stamped with the script's folder"
	t_like "$(grep -a '^Received: .*from userid' "$f")" "from userid $(mo_uid mo-site-a)\)" "Postfix saw the site's uid, not root"
	mi --root / status --json
	t_is "$(json_get messages.total <<<"$MI_OUT")" 1 "status counts the 1 message the wrapper logged in the window"
else
	for d in "mail() true" delivered "stamped uid" "stamped cwd" "Received uid" "status count"; do
		t_skip "swapped: $d" "$HOOK_WHY"
	done
fi
mi_ok "revert" revert
t_same_tree "$T/before" /usr/sbin "revert: /usr/sbin byte-identical"
t_is "$(dpkg-divert --list | sort)" "$divs" "revert: dpkg's diversions as before"
out=$(send after)
t_is "$out" "mail=1" "after revert: PHP mail() returns true"
f=$(pf_wait after); t_ok $? "after revert: delivered" || t_diag "$(pf_why after)"
[ -n "$f" ] && ! grep -qi '^X-Mailorigin-' "$f"; t_ok $? "after revert: directly, unstamped"

# --- 200 concurrent submissions while swap and revert run ---
if ! has_hook; then
	t_skip "200 concurrent submissions during swap/revert" "$HOOK_WHY"
	t_done; exit
fi
N=200
mkdir -p "$T/rc"
: >"$T/flips"
( while [ ! -e "$T/stop" ]; do
	"$MI" -q swap >>"$T/flips.out" 2>&1; echo "swap $?" >>"$T/flips"
	sleep 0.3
	"$MI" -q revert >>"$T/flips.out" 2>&1; echo "revert $?" >>"$T/flips"
  done ) &
FLIP=$!
mo_atexit "touch '$T/stop'; kill $FLIP 2>/dev/null"
for ((i = 1; i <= N; i++)); do
	( printf 'From: site@test.invalid\nTo: %s\nSubject: c%d\n\nmessage %d\n' "$(pf_addr "c$i")" "$i" "$i" |
		mo_as mo-site-a /usr/sbin/sendmail -t -i >"$T/rc/$i.out" 2>&1; echo $? >"$T/rc/$i" ) &
	(( i % 20 == 0 )) && sleep 0.3
done
wait $(jobs -p | grep -vx "$FLIP") 2>/dev/null
touch "$T/stop"; wait "$FLIP"
"$MI" -q revert
flips=$(grep -c . "$T/flips")
t_ok $([ "$(grep -c ' 0$' "$T/flips")" -eq "$flips" ]; echo $?) "every one of $flips swaps and reverts during the burst exited 0" || t_diag "$(tail -5 "$T/flips.out")"
[ "$flips" -ge 4 ]; t_ok $? "the burst saw at least 2 swaps and 2 reverts ($flips)"
failed=0
for ((i = 1; i <= N; i++)); do [ "$(cat "$T/rc/$i" 2>/dev/null)" = 0 ] || failed=$((failed + 1)); done
t_is "$failed" 0 "none of the $N submissions failed (exit 0 each)" || t_diag "$(cat "$T"/rc/*.out | sort | uniq -c | head)"
for ((k = 0; k < 600; k++)); do
	got=$(grep -l -a '^Delivered-To: mo-rcpt+c[0-9]*@test.invalid' "$PF_MAIL"/mo-rcpt/new/* 2>/dev/null | wc -l)
	[ "$got" -ge "$N" ] && break
	sleep 0.1
done
uniq=$(grep -h -a -o '^Delivered-To: mo-rcpt+c[0-9]*@' "$PF_MAIL"/mo-rcpt/new/* | sort -u | wc -l)
t_is "$uniq" "$N" "all $N delivered, each once"
stamped=$(grep -l -a '^X-Mailorigin-Id:' $(grep -l -a '^Delivered-To: mo-rcpt+c' "$PF_MAIL"/mo-rcpt/new/*) | wc -l)
t_diag "of the $N: $stamped went through the wrapper, $((N - stamped)) straight to Postfix; $flips swaps+reverts"
[ "$stamped" -gt 0 ] && [ "$stamped" -lt "$N" ]; t_ok $? "the burst really straddled swaps and reverts (some stamped, some not)"
t_same_tree "$T/before" /usr/sbin "after the burst and a last revert: /usr/sbin byte-identical"

t_done
