#!/usr/bin/env bash
# Issue 13: the wrapper and mailorigin-milter together (non_smtpd_milters),
# in one real Postfix.
#  - the wrapper's message meets the milter again through pickup: counted
#    once (the limit store says how many), the wrapper's stamps kept, one
#    log line per hop (the wrapper's, then the milter's with
#    wrapper=verified) under the same id;
#  - the real sendmail run directly with a replayed real X-Mailorigin-Id,
#    or a made-up one: stripped, stamped afresh, charged;
#  - a message the wrapper stamped but did not hand to Postfix (its
#    mta.path a capture: what a user who reads their own real sendmail's
#    input holds), sent with the real sendmail: with a stamp changed,
#    from another uid, or with more recipients it is charged; untouched,
#    by its uid, it is the wrapper's and is not charged; a second time it
#    is a replay;
#  - no record table: counted again, nothing lost;
#  - a release of the wrapper's hold (mailoriginctl) is recorded too: the
#    milter neither counts nor holds it again;
#  - mailoriginctl hold list: a message put on hold by hand (postsuper -h)
#    with stamps of its own is listed "unverified", its stamped uid not
#    believed, and can be released; the milter's own hold (its record in
#    STATE/quarantine) is the milter's, with its rule;
#  - review S3-5: with per-vhost rules alone (the wrapper's vhost from the
#    cwd the script chose), the wrapper's record does not switch off the
#    milter's own key for the uid (vhost:USER): the milter charges the
#    kinds of rule the wrapper did not charge under its keys.
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/postfix.sh"
. "$MO_ROOT/tests/lib/php.sh"
. "$MO_ROOT/tests/lib/milter.sh"
mo_begin "$@"
MILTER_BIN=$MO_ROOT/build/mailorigin-milter
CTL=$MO_ROOT/build/mailoriginctl
[ -x "$MILTER_BIN" ] || mo_skip_all "$MILTER_BIN not built (run make)"
mo_need_wrapper
pf_start
mo_install_wrapper
php_sites
uid_a=$(mo_uid mo-site-a); uid_b=$(mo_uid mo-site-b)
SITE=$MO_WWW/site-a

MS=$T/milter; mkdir -p "$MS"; chmod 755 "$MS"
SOCK=$MS/milter.sock
postconf -e "non_smtpd_milters = unix:$SOCK" "milter_default_action = tempfail" \
	"milter_protocol = 6" || mo_bail "postconf -e failed"
LIM="limits = ( { match = \"uid:$uid_a\"; messages = [ \"20/1d\" ]; } );"
conf_mta() {  # conf_mta PATH: the wrapper's MTA (the milter reads the config at its start)
	mo_conf postfix "$1"
	printf '%s\n' "$LIM" >>"$MO_ETC/mailorigin.conf"
}
conf_mta /usr/sbin/sendmail
milter_start
postfix reload >/dev/null 2>&1 || mo_bail "postfix reload failed"

# used UID: messages counted against uid:UID's 20/1d (exact while the test
# runs well under a twentieth of a day)
used() {
	"$CTL" limits show --json | php -n -r '$n = 0; while (($l = fgets(STDIN)) !== false) {
		$o = json_decode($l, true); if ($o["key"] === $argv[1] && $o["unit"] === "messages") $n = $o["used"]; }
		echo $n, "\n";' "uid:$1"
}
wsend() {  # wsend CASE: mail() as the wrapper sees it, -t, run by mo-site-a
	printf 'To: %s\nSubject: %s\n\n%s\n' "$(pf_addr "$1")" "$1" "$1" |
		(cd "$SITE" && mo_as mo-site-a "$W" -t -i) >"$T/wsend.out" 2>&1
}
rsend() {  # rsend USER FILE [ARG...]: the real sendmail -t -i, run by USER
	local u=$1 f=$2; shift 2
	(cd "$SITE" && mo_as "$u" /usr/sbin/sendmail -t -i "$@") <"$f"
}
ours() { hdr_names "$1" | grep -ci '^x-mailorigin-'; }
delivered_n() { grep -l -a -E "^Delivered-To: mo-rcpt\+$1@" "$PF_MAIL"/mo-rcpt/new/* 2>/dev/null | wc -l; }
lines_of() { grep -a -c -E "(^| )id=$1( |\$)" "$MO_LOG"; }
# the milter's line for ID (path=smtp)
milter_line() { grep -a -E "(^| )id=$1( |\$)" "$MO_LOG" | grep -a ' path=smtp ' | tail -1; }

t_is "$(stat -c '%U:%G %a %s' "$MO_STATE/passed")" "root:mailorigin 660 1048576" \
	"the milter made the record table at its start: root:mailorigin 0660, 1 MiB written"

# ---- the wrapper's mail, through pickup: counted once ---------------------------
wsend wrap1; t_is "$?" 0 "wrapper: exit 0" || t_diag "$(cat "$T/wsend.out")"
wsend wrap2
pf_settle
t_is "$(used "$uid_a")" 2 "wrapper + non_smtpd_milters: 2 messages, counted 2 (not 4)"
if f1=$(pf_wait wrap1); then
	id1=$(hdr "$f1" X-Mailorigin-Id)
	WL=$(grep -a -E "(^| )id=$id1 " "$MO_LOG" | grep -a ' mta=' | head -1)
	t_is "$(lf "$WL" action)" "pass" "wrapper: the delivered X-Mailorigin-Id is the wrapper's (its log line)"
	t_is "$(ours "$f1")" 5 "wrapper: our 5 headers, once"
	t_is "$(hdr "$f1" X-Mailorigin-Script)" "$(lf "$WL" script); source=$(lf "$WL" script_src); claimed" \
		"wrapper: the wrapper's Script stamp is kept (not pickup's)"
	t_is "$(hdr "$f1" X-Mailorigin-Cwd)" "$SITE" "wrapper: the wrapper's Cwd is kept"
	t_is "$(lines_of "$id1")" 2 "wrapper: two log lines for the id, one per hop"
	ML=$(milter_line "$id1")
	t_is "$(lf "$ML" action)/$(lf "$ML" wrapper)/$(lf "$ML" client)/$(lf "$ML" uid)/$(lf "$ML" forged)" \
		"pass/verified/local/$uid_a/0" "wrapper: the milter's line: pass, wrapper=verified, client=local, pickup's uid, none removed"
else
	t_ok 1 "wrapper: wrap1 delivered"; t_diag "$(pf_why wrap1)" "$(tail -5 "$MO_LOG")" "$(cat "$MS/out")"
fi
f2=$(pf_wait wrap2); t_ok $? "wrapper: wrap2 delivered, not held (old: the milter's second charge took it over)"
t_is "$(find "$PF/spool/hold" -type f | wc -l)" 0 "wrapper: nothing in Postfix's hold queue"

# ---- the real sendmail with a real id: a replay --------------------------------
{ grep -a -i '^x-mailorigin-' "$f1"; printf 'To: %s\nSubject: replay\n\nreplay\n' "$(pf_addr replay)"; } >"$T/replay.eml"
rsend mo-site-a "$T/replay.eml"
pf_settle
t_is "$(used "$uid_a")" 3 "replay of a real id with the real sendmail: charged (3)"
if f=$(pf_wait replay); then
	t_unlike "$(hdr "$f" X-Mailorigin-Id)" "^$id1\$" "replay: the replayed Id is replaced"
	t_is "$(hdr "$f" X-Mailorigin-Script)" "; source=pickup" "replay: stamped afresh (pickup)"
	t_is "$(ours "$f")" 5 "replay: our 5 headers, once"
	L=$(milter_line "$(hdr "$f" X-Mailorigin-Id)")
	t_is "$(lf "$L" wrapper)/$(lf "$L" wrapper_id)/$(lf "$L" forged)" "replayed/$id1/5" \
		"replay: logged wrapper=replayed with the id, 5 removed"
fi

# ---- the real sendmail with a made-up id ------------------------------------------
printf 'X-Mailorigin-Id: 0123456789abcdef\nX-Mailorigin-Uid: 0 (root)\nX-Mailorigin-Script: /forged.php; source=cwd\nTo: %s\nSubject: madeup\n\nmadeup\n' \
	"$(pf_addr madeup)" >"$T/madeup.eml"
rsend mo-site-a "$T/madeup.eml"
pf_settle
t_is "$(used "$uid_a")" 4 "a made-up X-Mailorigin-Id: charged (4)"
if f=$(pf_wait madeup); then
	t_unlike "$(cat "$f")" 'forged\.php|0123456789abcdef|0 \(root\)' "made-up id: the forged stamps are gone"
	t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid_a (mo-site-a)" "made-up id: pickup's uid stamped"
	L=$(milter_line "$(hdr "$f" X-Mailorigin-Id)")
	t_is "$(lf "$L" wrapper)/$(lf "$L" wrapper_id)" "stamps-changed/0123456789abcdef" \
		"made-up id: logged (not the wrapper's five stamps)"
fi
# the five names, a made-up id: no record
{ grep -a -i '^x-mailorigin-' "$f1" | sed "s/^\(X-Mailorigin-Id: \).*/\1fedcba9876543210/I"
  printf 'To: %s\nSubject: norec\n\nnorec\n' "$(pf_addr norec)"; } >"$T/norec.eml"
rsend mo-site-a "$T/norec.eml"
pf_settle
t_is "$(used "$uid_a")" 5 "five stamps, an id the wrapper never made: charged (5)"
f=$(pf_wait norec) && t_is "$(lf "$(milter_line "$(hdr "$f" X-Mailorigin-Id)")" wrapper)" "no-record" \
	"no such id: logged wrapper=no-record"

# ---- a message the wrapper stamped, counted and did not hand over ------------------
mkdir -p "$T/cap"; chmod 777 "$T/cap"
cat >"$T/bin/capture" <<EOF
#!/bin/sh
cat >"$T/cap/msg"
EOF
chmod 755 "$T/bin/capture"
conf_mta "$T/bin/capture"
wsend captured; t_is "$?" 0 "capture: the wrapper hands the message to a capture and exits 0"
conf_mta /usr/sbin/sendmail
capid=$(hdr "$T/cap/msg" X-Mailorigin-Id)
t_like "$capid" '^[0-9a-f]{16}$' "capture: the captured message carries the wrapper's id"
t_is "$(used "$uid_a")" 6 "capture: the wrapper counted it (6)"
# a stamp changed
sed 's|^\(X-Mailorigin-Script: \).*|\1/srv/other/site.php; source=cwd|' "$T/cap/msg" >"$T/changed.eml"
rsend mo-site-a "$T/changed.eml"
pf_settle
t_is "$(used "$uid_a")" 7 "a real live id with a changed stamp: charged (7)"
# another uid
rsend mo-site-b "$T/cap/msg"
pf_settle
t_is "$(used "$uid_a")" 7 "a real live id sent by another uid: not counted to the id's uid"
# more recipients than the wrapper counted
rsend mo-site-a "$T/cap/msg" "$(pf_addr extra)"
pf_settle
t_is "$(used "$uid_a")" 8 "a real live id with one more recipient: charged (8)"
L=$(grep -a " path=smtp " "$MO_LOG" | grep -a "wrapper_id=$capid" | sed -n 's/.* wrapper=\([a-z-]*\) .*/\1/p' | tr '\n' ' ')
t_is "$L" "stamps-changed other-uid more-rcpts " "the three logged: stamps-changed, other-uid, more-rcpts (the record left live)"
# untouched, by its uid: the wrapper's message
rsend mo-site-a "$T/cap/msg"
pf_settle
t_is "$(used "$uid_a")" 8 "the captured message untouched, by its uid: the wrapper's count stands (8)"
t_is "$(lf "$(milter_line "$capid")" wrapper)" "verified" "untouched: wrapper=verified under the wrapper's id"
n=$(grep -l -a -F "X-Mailorigin-Id: $capid" "$PF_MAIL"/mo-rcpt/new/* 2>/dev/null | wc -l)
t_is "$n" 1 "untouched: delivered once with the wrapper's id kept"
# and once more: a replay
rsend mo-site-a "$T/cap/msg"
pf_settle
t_is "$(used "$uid_a")" 9 "the same message again: a replay, charged (9)"
t_is "$(grep -a " path=smtp " "$MO_LOG" | grep -a -c "wrapper=replayed wrapper_id=$capid")" 1 "again: logged wrapper=replayed"

# ---- no record table: counted again, nothing lost -----------------------------------
mv "$MO_STATE/passed" "$T/passed.away"
n0=$(wc -l <"$MO_LOG")
wsend notable; t_is "$?" 0 "no record table: the wrapper exits 0"
pf_settle
f=$(pf_wait notable); t_ok $? "no record table: delivered"
t_is "$(used "$uid_a")" 11 "no record table: counted by the wrapper and by the milter (11: the safe side)"
t_is "$(mo_log_since "$n0" | grep -a -c 'fault=')" 0 "no record table: no fault logged (nothing to say)"
mv "$T/passed.away" "$MO_STATE/passed"

# ---- mailoriginctl hold list: the milter's holds and the others ---------------------
milter_stop
LIM="limits = ( { match = \"uid:$uid_b\"; messages = [ \"1/1d\" ]; } );"
conf_mta /usr/sbin/sendmail
milter_start
for i in 1 2; do
	printf 'To: %s\nSubject: mh%s\n\nmh\n' "$(pf_addr "mh$i")" "$i" >"$T/mh.eml"
	rsend mo-site-b "$T/mh.eml"
done
pf_settle
t_is "$(find "$PF/spool/hold" -type f | wc -l)" 1 "uid b over 1/1d: the milter put its 2nd message in Postfix's hold queue"
MH=$(grep -a ' action=hold ' "$MO_LOG" | grep -a " uid=$uid_b " | tail -1 | sed -n 's/.*: id=\([0-9a-f]*\) .*/\1/p')
t_is "$(stat -c '%U %a' "$MO_STATE/quarantine/$MH" 2>/dev/null)" "root 600" "the milter recorded its hold (quarantine/ID, root's 0600)"
# the wrapper's own hold, released: the administrator's decision, not
# counted (and held) again by the milter
printf 'To: %s\nSubject: wheld\n\nwheld\n' "$(pf_addr wheld)" | (cd "$MO_WWW/site-b" && mo_as mo-site-b "$W" -t -i)
WH=$(ls "$MO_STATE/hold")
t_like "$WH" '^[0-9a-f]{16}$' "uid b over its limit: the wrapper holds its message in our spool"
"$CTL" hold release "$WH" >"$T/rel.out" 2>&1
t_is "$?" 0 "hold release of the wrapper's hold: exit 0" || t_diag "$(cat "$T/rel.out")"
pf_settle
f=$(pf_wait wheld); t_ok $? "released: delivered, not held again by the milter" || t_diag "$(tail -3 "$MO_LOG")"
t_is "$(lf "$(milter_line "$WH")" wrapper)" "verified" "released: the milter keeps its stamps, wrapper=verified (the release's record)"
t_is "$(find "$PF/spool/hold" -type f | wc -l)" 1 "released: Postfix's hold queue holds the milter's hold alone"
# a message held by hand, with stamps of its sender's making: the milter
# out of the way (as before it was installed), a remote recipient kept
# deferred, then postsuper -h
postconf -e "non_smtpd_milters =" "defer_transports = error" || mo_bail "postconf -e failed"
postfix reload >/dev/null 2>&1 || mo_bail "postfix reload failed"
for i in $(seq 100); do   # until pickup's cleanup runs without the milter
	printf 'Subject: probe\n\nprobe\n' | /usr/sbin/sendmail -i "$(pf_addr "probe$i")"
	f=$(pf_wait "probe$i") && [ -z "$(hdr "$f" X-Mailorigin-Id)" ] && break
done
printf 'X-Mailorigin-Id: 00c0ffee00c0ffee\nX-Mailorigin-Uid: %s (mo-site-a)\nX-Mailorigin-Vhost: site-a\nSubject: byhand\n\nbyhand\n' \
	"$uid_a" >"$T/byhand.eml"
/usr/sbin/sendmail -i -f byhand@test.invalid someone@remote.invalid <"$T/byhand.eml"
for i in $(seq 300); do
	qid=$(grep -a -l -r 'X-Mailorigin-Id: 00c0ffee00c0ffee' "$PF/spool/deferred" 2>/dev/null | head -1)
	[ -n "$qid" ] && break; sleep 0.1
done
t_ok "$([ -n "$qid" ]; echo $?)" "by hand: the stamped message is in the deferred queue"
postsuper -h "$(basename "$qid")" >/dev/null 2>&1; t_is "$?" 0 "by hand: postsuper -h"
out=$("$CTL" hold list 2>"$T/ctl.err"); t_is "$?" 0 "hold list: exit 0" || t_diag "$(cat "$T/ctl.err")"
t_like "$(printf '%s\n' "$out" | grep "^$MH ")" " limit \\(postfix [0-9A-Z]+\\) +uid:$uid_b 1/1d messages" \
	"hold list: the milter's hold is the milter's (limit, its rule from the record)"
t_like "$(printf '%s\n' "$out" | grep '^00c0ffee00c0ffee ')" '^00c0ffee00c0ffee +[0-9TZ:-]+ +- +- +- +unverified \(postfix ' \
	"hold list: the one held by hand is listed, unverified, its stamped uid, user and vhost not believed"
t_is "$("$CTL" hold list --uid "$uid_a" | grep -c 00c0ffee00c0ffee)" 0 "hold list --uid: its stamped uid is not believed"
t_is "$("$CTL" hold list --json | php -n -r 'while (($l = fgets(STDIN)) !== false) { $o = json_decode($l, true);
	if (($o["kind"] ?? "") === "postfix") echo $o["id"], "=", var_export($o["verified"], true), isset($o["uid"]) ? ",uid" : "", " "; }')" \
	"$MH=true,uid 00c0ffee00c0ffee=false " "hold list --json: verified true / false, no uid for the unverified"
"$CTL" hold release 00c0ffee00c0ffee >"$T/rel.out" 2>&1
t_is "$?" 0 "hold release: the unverified one can still be released by the admin" || t_diag "$(cat "$T/rel.out")"
t_is "$(grep -a -r -l 'X-Mailorigin-Id: 00c0ffee00c0ffee' "$PF/spool/hold" 2>/dev/null | wc -l)" 0 "... and it left the hold queue"
"$CTL" hold release "$MH" >"$T/rel.out" 2>&1
t_is "$?" 0 "hold release: the milter's" || t_diag "$(cat "$T/rel.out")"
f=$(pf_wait mh2); t_ok $? "... delivered"
t_ok "$([ ! -e "$MO_STATE/quarantine/$MH" ]; echo $?)" "... and its record is gone"

# ---- S3-5: per-vhost rules alone, the vhost from a cwd the sender chose -------------
# the wrapper charges vhost:site-b and vhost:site-x (mo-site-a's script in
# their folders); the milter's key for local mail is vhost:mo-site-a (the
# user's), which the wrapper did not charge: the milter charges it
milter_stop
mkdir -p "$MO_WWW/site-x"; chmod 755 "$MO_WWW/site-x"
LIM="limits = ( { match = \"vhost\"; messages = [ \"2/1d\" ]; } );"   # vhosts: $MO_WWW/*/ (mo_conf)
conf_mta /usr/sbin/sendmail
milter_start
postconf -e "non_smtpd_milters = unix:$SOCK" "defer_transports =" || mo_bail "postconf -e failed"
postfix reload >/dev/null 2>&1 || mo_bail "postfix reload failed"
for i in $(seq 100); do   # until pickup's cleanup runs with the milter again
	printf 'Subject: probe\n\nprobe\n' | /usr/sbin/sendmail -i "$(pf_addr "vprobe$i")"
	f=$(pf_wait "vprobe$i") && [ -n "$(hdr "$f" X-Mailorigin-Id)" ] && break
done
used_key() {
	"$CTL" limits show --json | php -n -r '$n = 0; while (($l = fgets(STDIN)) !== false) {
		$o = json_decode($l, true); if ($o["key"] === $argv[1] && $o["unit"] === "messages") $n = $o["used"]; }
		echo $n, "\n";' "$1"
}
h0=$(find "$PF/spool/hold" -type f | wc -l)
for c in b1:site-b b2:site-b x1:site-x x2:site-x; do
	printf 'To: %s\nSubject: %s\n\n%s\n' "$(pf_addr "vh-${c%%:*}")" "${c%%:*}" "${c%%:*}" |
		(cd "$MO_WWW/${c#*:}" && mo_as mo-site-a "$W" -t -i) >"$T/wsend.out" 2>&1
done
pf_settle
t_is "$(used_key vhost:site-b)/$(used_key vhost:site-x)" "2/2" \
	"per-vhost rules: the wrapper charged the vhosts of the folders the script chose (2 each)"
t_is "$(used_key vhost:mo-site-a)" 2 \
	"per-vhost rules: the milter charges vhost:mo-site-a, the key the wrapper did not charge (before: 0)"
t_is "$(delivered_n 'vh-[bx][12]')/$(( $(find "$PF/spool/hold" -type f | wc -l) - h0 ))" "2/2" \
	"per-vhost rules: 2 delivered, 2 held by the milter's vhost:mo-site-a 2/1d (before: 4/0)"
t_is "$(grep -a ' path=smtp ' "$MO_LOG" | grep -a ' action=hold ' | grep -a -c 'wrapper=verified .*rule=vhost:mo-site-a ')" 2 \
	"per-vhost rules: the milter's holds are the wrapper's messages (wrapper=verified), rule vhost:mo-site-a"
if f=$(pf_wait vh-b1 10); then
	t_is "$(hdr "$f" X-Mailorigin-Vhost)/$(ours "$f")" "site-b/5" \
		"per-vhost rules: the delivered one keeps the wrapper's stamps (its vhost site-b, 5 headers)"
else
	t_ok 1 "per-vhost rules: vh-b1 delivered"; t_diag "$(pf_why vh-b1)" "$(tail -4 "$MO_LOG")"
fi

t_done
