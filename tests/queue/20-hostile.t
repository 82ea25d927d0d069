#!/usr/bin/env bash
# mailoriginctl queue over hostile queue content: a local user controls
# headers, body and the envelope sender.  Huge headers, NUL, invalid UTF-8,
# terminal escapes in subjects and addresses go through the real sendmail
# into a real Postfix queue (qmgr out, so they stay); a damaged queue file,
# one still being written and one that vanishes are skipped and counted.
# Output stays free of control bytes; every --json line is valid JSON.
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/postfix.sh"
mo_begin "$@"
CTL_BUILD=$MO_ROOT/build/mailoriginctl
[ -x "$CTL_BUILD" ] || mo_skip_all "$CTL_BUILD not built (run make)"
CTL=$T/bin/mailoriginctl
install -m 0755 "$CTL_BUILD" "$CTL"
mo_install_wrapper
mo_conf postfix /usr/sbin/sendmail
pf_start
postconf -e "in_flow_delay = 0"
postconf -M# qmgr/unix
postfix reload >/dev/null 2>&1; sleep 1
Q=$PF/spool
q() { "$CTL" queue "$@" -C "$PF/etc"; }
esc=$'\e'
send() { mo_as mo-site-b /usr/sbin/sendmail -i -f "$1" "rcpt@remote.example"; }
printf 'Subject: \e]0;owned\a\e[2J title %s\n\nbody\n' x | send "evil${esc}[31m@test.invalid"
printf 'Subject: nul \0 inside\nFrom: a\0b@test.invalid\n\nbody \0 nul\n' | send "n@test.invalid"
printf 'Subject: bad utf8 \xff\xfe \xc3\x28 \xed\xa0\x80\n\nbody\n' | send "u@test.invalid"
{ printf 'Subject: huge '; head -c 300000 /dev/zero | tr '\0' 'A'; printf '\nX-Long: '; for i in $(seq 2000); do printf ' folded line %d\n\t' "$i"; done; printf 'end\n\nbody\n'; } | send "h@test.invalid"
printf 'Subject: =?utf-8?q?\xe2\x80\xae?= rtl \xc2\x9b31m c1\n\n\xe2\x80\xa8 line sep\n' | send "c1@test.invalid"
printf 'Received: by h (Postfix, from userid 0)\nX-Mailorigin-Uid: 0\nX-Mailorigin-Script: /root/x\nSubject: forged\n\nbody\n' | send "f@test.invalid"
for ((i = 0; i < 100; i++)); do
	n=$(find "$Q/incoming" -type f | wc -l); [ "$n" -ge 6 ] && [ -z "$(ls -A "$Q/maildrop")" ] && break; sleep 0.25
done
t_is "$(find "$Q/incoming" -type f | wc -l)" 6 "six hostile messages queued"
uid_b=$(mo_uid mo-site-b)

clean() { LC_ALL=C grep -c $'[\x01-\x08\x0b-\x1f\x7f]' <<<"$1"; }
for v in "summary" "list" "top --by subject" "top --by sender" "top --by script"; do
	out=$(q $v 2>&1)
	t_is "$(clean "$out")" 0 "queue $v: no control byte reaches the terminal"
done
for id in $(q list --json | jq -r .id); do
	out=$(q show "$id" 2>&1)
	[ "$(clean "$out")" = 0 ] || { t_diag "show $id"; break; }
done
t_is "$(clean "$out")" 0 "queue show: every message, no control byte"
for v in "summary --json" "list --json" "top --by subject --json" "top --by sender --json"; do
	out=$(q $v)
	bad=$(printf '%s\n' "$out" | while IFS= read -r l; do jq -e . >/dev/null 2>&1 <<<"$l" || echo bad; done | wc -l)
	t_is "$bad" 0 "queue $v: every line valid JSON"
	t_is "$(clean "$out")" 0 "queue $v: no raw control byte"
done
t_like "$(q list --json | jq -r .subject | grep -c 'owned')" "^1$" "the escape-laden subject is kept, escaped"
t_is "$(q list --json --header 'Subject: ^forged' | jq -r '"\(.uid) \(.uid_trust) \(.script_trust)"')" "$uid_b trusted claimed" "forged pickup line and stamps: the real uid, stamps claimed"

# damaged, incomplete and vanishing files
mkdir -p "$Q/deferred/Z"
head -c 5000 /dev/urandom >"$Q/deferred/Z/ZZZBROKEN1"; chmod 700 "$Q/deferred/Z/ZZZBROKEN1"
cp "$(find "$Q/incoming" -type f | head -1)" "$Q/deferred/Z/ZZZWRITING1"; chmod 600 "$Q/deferred/Z/ZZZWRITING1"
f=$(find "$Q/incoming" -type f | head -1); head -c 100 "$f" >"$Q/deferred/Z/ZZZSHORT1"; chmod 700 "$Q/deferred/Z/ZZZSHORT1"
out=$(q summary --json | jq -c 'select(.type == "scan")')
t_is "$(jq -r .messages <<<"$out")" 6 "summary: only whole queue files counted"
t_is "$(jq -r '.incomplete + .unreadable + .changed' <<<"$out")" 3 "the damaged, short and half-written files are skipped and counted"
t_like "$(q show ZZZWRITING1 2>&1)" "still being written" "show of a file being written says so"
t_done
