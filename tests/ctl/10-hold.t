#!/usr/bin/env bash
# Issue 3, mailoriginctl: held mail and limit usage, end to end.
#  - two sites send through the setgid wrapper with a limit of 2 messages
#    an hour per uid: each gets 2 through to the real Postfix, the rest held;
#  - hold list (table, --uid, --vhost, --json) and hold show say what is held;
#  - hold release sends a held message into the real Postfix as its original
#    uid (Postfix: "from userid N") with its original arguments (-f), byte
#    for byte, and removes it from the spool;
#  - a failing MTA keeps the message (and saw the right uid, gid, argv, bytes);
#  - a hold whose message is a symlink or a foreign hard link is refused;
#  - hold delete; limits show (table, --json) and limits reset uid:N, after
#    which that uid sends again;
#  - a caller who is not root gets EX_NOPERM.
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/postfix.sh"
. "$MO_ROOT/tests/lib/php.sh"
mo_begin "$@"
CTL_BUILD=${MO_CTL_BUILD:-$MO_ROOT/build/mailoriginctl}   # MO_CTL_BUILD: e.g. an ASan build
[ -x "$CTL_BUILD" ] || mo_skip_all "$CTL_BUILD not built (run make)"
mo_need_wrapper
pf_start
mo_install_wrapper
php_sites
CTL=$T/bin/mailoriginctl
install -m 0755 "$CTL_BUILD" "$CTL"
uid_a=$(mo_uid mo-site-a); gid_a=$(mo_gid mo-site-a)
uid_b=$(mo_uid mo-site-b); gid_b=$(mo_gid mo-site-b)
HOLD=$MO_STATE/hold

limits_conf() {   # limits_conf MTA_PATH FILE
	mo_conf_text postfix "$1" "$MO_STATE" X-Mailorigin- "$MO_LOG" >"$2.new"
	cat >>"$2.new" <<'CONF'
limits = ( { match = "uid"; messages = [ "2/1h" ]; } );
on_limit = "hold";
CONF
	chown root:root "$2.new"; chmod 0644 "$2.new"; mv -f "$2.new" "$2"
}
limits_conf /usr/sbin/sendmail "$MO_ETC/mailorigin.conf"

M=$T/msg; mkdir -p "$M"; chmod 755 "$M"
# send SITE CASE: mail from site SITE (a or b) to case CASE, with -f
send() {
	local f=$M/$2.eml
	# Date and Message-ID present: Postfix adds neither, so that what it
	# delivers is comparable byte for byte
	printf 'From: site-%s@test.invalid\nTo: %s\nSubject: ctl %s\nDate: %s\nMessage-ID: <%s.%s@test.invalid>\n\nbody of %s\n\xc3\xa9t\xc3\xa9 8-bit\ttab\n.\nlast line\n' \
		"$1" "$(pf_addr "$2")" "$2" "$(date -R)" "$2" "$$" "$2" >"$f"
	(cd "$MO_WWW/site-$1" && mo_as "mo-site-$1" "$W" -i -f "site-$1@test.invalid" -- "$(pf_addr "$2")" <"$f") \
		>"$T/send.out" 2>&1
}
# held_id CASE: the id of the held message of CASE (by its Subject)
held_id() { grep -l -a -F "Subject: ctl $1" "$HOLD"/*/message 2>/dev/null | head -1 | xargs -r dirname | xargs -r basename; }
nheld() { find "$HOLD" -mindepth 1 -maxdepth 1 -type d | wc -l; }

# ---- a burst from two sites: 2 each pass, the rest is held -----------------
# (each uid's first message is sent at t_burst or later: what limits show
# says later is checked against the time gone by since, not a fixed guess)
t_burst=$(date +%s)
for c in a1 a2 a3 a4; do send a "$c"; t_is "$?" 0 "site a, $c: the wrapper exits 0" || t_diag "$(cat "$T/send.out")"; done
for c in b1 b2 b3; do send b "$c"; t_is "$?" 0 "site b, $c: the wrapper exits 0" || t_diag "$(cat "$T/send.out")"; done
for c in a1 a2 b1 b2; do
	f=$(pf_wait "$c"); t_ok $? "$c: delivered by Postfix (under the limit)" || t_diag "$(pf_why "$c")"
done
t_is "$(nheld)" 3 "3 messages held (a3, a4, b3)"
A3=$(held_id a3); A4=$(held_id a4); B3=$(held_id b3)
t_like "$A3 $A4 $B3" '^[0-9a-f]{16} [0-9a-f]{16} [0-9a-f]{16}$' "the held ones are a3, a4 and b3"

# ---- hold list -------------------------------------------------------------
out=$("$CTL" hold list 2>"$T/err"); rc=$?
t_is "$rc" 0 "hold list: exit 0" || t_diag "$(cat "$T/err")"
t_like "$(printf '%s\n' "$out" | head -1)" '^ID +TIME +UID +USER +VHOST +REASON +RULE +FROM +RCPTS +SIZE$' "hold list: header line"
t_is "$(printf '%s\n' "$out" | tail -n +2 | wc -l)" 3 "hold list: one row per held message"
row=$(printf '%s\n' "$out" | grep "^$A3 ")
t_like "$row" "^$A3 +[0-9-]{10}T[0-9:]{8}Z +$uid_a +mo-site-a +site-a +limit +uid:$uid_a 2/1h messages +site-a@test.invalid +1 +[0-9]+\$" \
	"hold list: a3's row (time, uid, user, vhost, reason, rule and window, from, rcpts, size)"
t_is "$("$CTL" hold list --uid "$uid_a" | tail -n +2 | cut -d' ' -f1 | sort | tr '\n' ' ')" \
	"$(printf '%s\n' "$A3" "$A4" | sort | tr '\n' ' ')" "hold list --uid: only that uid's"
t_is "$("$CTL" hold list --vhost site-b | tail -n +2 | cut -d' ' -f1)" "$B3" "hold list --vhost: only that vhost's"

json=$("$CTL" hold list --json); rc=$?
t_is "$rc" 0 "hold list --json: exit 0"
t_is "$(printf '%s\n' "$json" | wc -l)" 3 "hold list --json: one line per held message"
jq_php='$n = 0; while (($l = fgets(STDIN)) !== false) { $o = json_decode($l, true, 512, JSON_THROW_ON_ERROR);
	if ($o["id"] !== $argv[1]) continue; $n++;
	echo $o["uid"], "|", $o["gid"], "|", $o["user"], "|", $o["vhost"], "|", $o["reason"], "|", $o["rule"], "|",
	     $o["window"], "|", $o["rcpts"], "|", $o["from"], "|", json_encode(array_slice($o["args"], 1)), "|",
	     is_int($o["time"]) && abs($o["time"] - time()) < 600 ? "recent" : "bad-time", "\n"; }
	exit($n == 1 ? 0 : 3);'
got=$(printf '%s\n' "$json" | php -n -r "$jq_php" "$B3" 2>&1)
t_is "$got" "$uid_b|$gid_b|mo-site-b|site-b|limit|uid:$uid_b|2/1h messages|1|site-b@test.invalid|[\"-i\",\"-f\",\"site-b@test.invalid\",\"--\",\"$(pf_addr b3)\"]|recent" \
	"hold list --json: b3 parses, with uid, gid, user, vhost, reason, rule, window, rcpts, from, original args, time"

# ---- hold show -------------------------------------------------------------
out=$("$CTL" hold show "$A3" 2>"$T/err"); rc=$?
t_is "$rc" 0 "hold show: exit 0" || t_diag "$(cat "$T/err")"
t_like "$out" "(^|$'\n')reason +limit($'\n'|\$)" "hold show: the reason"
t_like "$out" "(^|$'\n')rule +uid:$uid_a($'\n'|\$)" "hold show: the rule"
t_like "$out" "(^|$'\n')cwd +$MO_WWW/site-a($'\n'|\$)" "hold show: the cwd"
t_like "$out" "(^|$'\n')arg\\[3\\] +site-a@test.invalid($'\n'|\$)" "hold show: the original argv"
t_like "$out" "(^|$'\n')X-Mailorigin-Id: $A3($'\n'|\$)" "hold show: the message's headers (our stamp)"
t_like "$out" "(^|$'\n')Subject: ctl a3($'\n'|\$)" "hold show: the message's headers (Subject)"
t_unlike "$out" "body of a3" "hold show: not the body"
t_run "the held message is the caller's, byte for byte below our headers" \
	cmp "$M/a3.eml" <(strip_ours "$HOLD/$A3/message")
t_is "$("$CTL" hold show "$A3" --json | php -n -r '$o = json_decode(stream_get_contents(STDIN), true); echo $o["id"], " ", strpos($o["headers"], "Subject: ctl a3\n") !== false ? "headers" : "no-headers";')" \
	"$A3 headers" "hold show --json: one object with the headers"
"$CTL" hold show 0123456789abcdef >/dev/null 2>"$T/err"
t_is "$?" 66 "hold show of an unknown id: EX_NOINPUT"
"$CTL" hold show ../../etc >/dev/null 2>"$T/err"
t_is "$?" 64 "hold show of a path: EX_USAGE (ids are 16 hex digits)"

# ---- a failing MTA keeps the message -----------------------------------
REC=$T/rec
RECMTA=$(mo_recorder "$REC")
limits_conf "$RECMTA" "$T/fail.conf"
echo 75 >"$REC/exitcode"
"$CTL" -c "$T/fail.conf" hold release "$B3" >"$T/out" 2>"$T/err"; rc=$?
t_is "$rc" 75 "release into an MTA that exits 75: exit EX_TEMPFAIL"
t_like "$(cat "$T/err")" "hold $B3: .* exited 75; kept" "release failure: says the MTA's status and that the message is kept"
t_ok "$([ -f "$HOLD/$B3/message" ] && [ -f "$HOLD/$B3/meta" ]; echo $?)" "release failure: the message stays held"
t_is "$(rec_argv_q "$REC")" "[mailorigin-sendmail][-i][-f][site-b@test.invalid][--][$(pf_addr b3)]" \
	"release: the MTA got the original arguments (argv[0] the name the sender used)"
t_run "release: the MTA got the held message on stdin, byte for byte" cmp "$HOLD/$B3/message" "$REC/stdin"
t_is "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "$REC/status")" "$uid_b $uid_b $uid_b $uid_b" "release: the MTA ran as the original uid (real, effective, saved, fs)"
t_is "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "$REC/status")" "$gid_b $gid_b $gid_b $gid_b" "release: ... and the original gid, not root's nor mailorigin's"
t_is "$(awk '/^Groups:/ { $1 = ""; print }' "$REC/status" | tr -s ' ' | sed 's/^ //; s/ $//')" \
	"$(id -G mo-site-b | tr ' ' '\n' | sort -n | tr '\n' ' ' | sed 's/ $//')" "release: ... with the user's own groups"
t_is "$(rec_env "$REC" | grep -c -E '^(LD_|MAILORIGIN_CONF=)')" 0 "release: no LD_* or MAILORIGIN_CONF in the MTA's environment"

# ---- qmail: the release translates the held argv as the wrapper does ------
limits_conf "$RECMTA" "$T/qmail.conf"
sed -i 's/type = "postfix"/type = "qmail"/' "$T/qmail.conf"
rec_reset "$REC"; echo 75 >"$REC/exitcode"
"$CTL" -c "$T/qmail.conf" hold release "$B3" >/dev/null 2>"$T/err"
t_is "$(rec_argv_q "$REC")" "[$RECMTA][-a][-f][site-b@test.invalid][--][$(pf_addr b3)]" \
	"release with mta.type qmail: qmail-inject's argv, translated from the held one"
t_is "$(rec_env "$REC" | grep -E '^QMAIL(USER|HOST)=' | tr '\n' ' ')" "QMAILHOST=test.invalid QMAILUSER=site-b " \
	"release with mta.type qmail: QMAILUSER and QMAILHOST from -f"

# ---- what the wrapper escaped comes back exact (cwd with a newline, quotes) --
odd=$T/special/$'odd\n"dir" \\x41'
mkdir -p "$odd"; chmod 777 "$odd"
printf 'To: %s\nSubject: ctl odd\n\nodd\n' "$(pf_addr odd)" >"$M/odd.eml"
(cd "$odd" && mo_as mo-site-b "$W" -i -- "$(pf_addr odd)" <"$M/odd.eml") >/dev/null 2>&1
ODD=$(held_id odd)
t_like "$ODD" '^[0-9a-f]{16}$' "a message sent from an odd folder is held (uid b is over its limit)"
t_is "$("$CTL" hold list --json | php -n -r 'while (($l = fgets(STDIN)) !== false) { $o = json_decode($l, true);
	if ($o["id"] === $argv[1]) echo $o["cwd"]; }' "$ODD")" "$odd" \
	"hold list --json: the cwd with a newline, quotes and a backslash comes back exact"
t_like "$("$CTL" hold show "$ODD")" "(^|$'\n')cwd +$T/special/odd\\\\n\"dir\" \\\\\\\\x41($'\n'|\$)" \
	"hold show: ... shown escaped on one line"
"$CTL" hold delete "$ODD" >/dev/null

# ---- a hold that is not what the wrapper wrote is refused -------------
fake=fedcba9876543210
mkdir "$HOLD/$fake"; chown mo-site-b:mailorigin "$HOLD/$fake"
sed "s/id=$B3 /id=$fake /" "$HOLD/$B3/meta" >"$HOLD/$fake/meta"; chown mo-site-b:mailorigin "$HOLD/$fake/meta"
echo "secret of root" >"$T/secret"; chmod 600 "$T/secret"
ln -s "$T/secret" "$HOLD/$fake/message"
rec_reset "$REC"; echo 0 >"$REC/exitcode"
"$CTL" -c "$T/fail.conf" hold release "$fake" >/dev/null 2>"$T/err"; rc=$?
t_is "$rc" 65 "release of a hold whose message is a symlink: EX_DATAERR"
t_like "$(cat "$T/err")" "message: is a symlink" "... and says why"
t_ok "$([ ! -e "$REC/ran" ]; echo $?)" "... and the MTA never ran"
rm "$HOLD/$fake/message"; ln "$T/secret" "$HOLD/$fake/message"
"$CTL" -c "$T/fail.conf" hold release "$fake" >/dev/null 2>"$T/err"; rc=$?
t_is "$rc" 65 "release of a hold whose message is a hard link to root's file: EX_DATAERR"
t_ok "$([ ! -e "$REC/ran" ]; echo $?)" "... and the MTA never ran"
rm "$HOLD/$fake/message"; cp "$HOLD/$B3/message" "$HOLD/$fake/message"; chown mo-site-b "$HOLD/$fake/message"
rm "$HOLD/$fake/meta"; ln -s "$HOLD/$B3/meta" "$HOLD/$fake/meta"
out=$("$CTL" hold list 2>"$T/err")
t_like "$(printf '%s\n' "$out" | grep "^$fake ")" "broken +meta: is a symlink" "hold list: a hold whose meta is a symlink is listed as broken"
t_like "$(cat "$T/err")" "warning: hold $fake: meta: is a symlink" "hold list: ... with a warning"
"$CTL" -c "$T/fail.conf" hold release "$fake" >/dev/null 2>&1
t_is "$?" 65 "release of a hold whose meta is a symlink: EX_DATAERR"
t_ok "$([ ! -e "$REC/ran" ]; echo $?)" "... and the MTA never ran"
"$CTL" hold delete "$fake" >"$T/out" 2>"$T/err"; rc=$?
t_is "$rc" 0 "hold delete of a broken hold: exit 0" || t_diag "$(cat "$T/err")"
t_ok "$([ ! -e "$HOLD/$fake" ] && [ -f "$HOLD/$B3/meta" ]; echo $?)" "... it is gone, and the file its symlink named is untouched"

# ---- release into the real Postfix, as the original uid -----------------
"$CTL" hold release "$A3" >"$T/out" 2>"$T/err"; rc=$?
t_is "$rc" 0 "hold release ID: exit 0" || t_diag "$(cat "$T/err")" "$(tail -5 "$PF/maillog")"
t_like "$(cat "$T/out")" "^released $A3 \\(uid $uid_a\\)" "hold release: says so"
t_ok "$([ ! -e "$HOLD/$A3" ]; echo $?)" "hold release: the message left the hold spool"
f=$(pf_wait a3); t_ok $? "a3 (released): delivered by Postfix" || t_diag "$(pf_why a3)"
if [ -n "$f" ]; then
	t_like "$(hdr_all "$f" Received | head -1)" "\\(Postfix, from userid $uid_a\\)" "a3: Postfix says it came from userid $uid_a (mo-site-a), not root"
	t_is "$(hdr "$f" X-Mailorigin-Id)" "$A3" "a3: the stamp of the held message"
	t_is "$(hdr "$f" Return-Path)" "<site-a@test.invalid>" "a3: the original -f is kept"
	t_run "a3: the delivered message is the caller's, byte for byte" cmp "$M/a3.eml" <(strip_delivered "$f")
fi
t_like "$(grep -a "id=$A3 action=release " "$MO_LOG")" "mta_status=0 by=mailoriginctl" "hold release: logged"

# ---- delete ------------------------------------------------------------------
"$CTL" hold delete "$B3" >"$T/out" 2>"$T/err"; rc=$?
t_is "$rc" 0 "hold delete ID: exit 0" || t_diag "$(cat "$T/err")"
t_ok "$([ ! -e "$HOLD/$B3" ]; echo $?)" "hold delete: gone"
"$CTL" hold delete "$B3" >/dev/null 2>&1
t_is "$?" 66 "hold delete of an id no longer held: EX_NOINPUT"
"$CTL" hold delete >/dev/null 2>&1
t_is "$?" 64 "hold delete without ids, --uid or --all: EX_USAGE"

# ---- limits --------------------------------------------------------------
out=$("$CTL" limits show 2>"$T/err"); rc=$?
t_is "$rc" 0 "limits show: exit 0" || t_diag "$(cat "$T/err")"
row=$(printf '%s\n' "$out" | grep "^uid:$uid_a ")
t_like "$row" "^uid:$uid_a +messages +2/1h +2 +in [0-9hms]+ +in [0-9hms]+ +yes\$" \
	"limits show: uid a: 2 of 2/1h used, when the next fits and when empty, first hold logged"
# 2/1h: one message per half hour, the first one sent at t_burst or later:
# the next fits half an hour after it, the cell is empty an hour after it
# (the table shows minutes only above an hour: 60 s of slack there)
gone_by=$(($(date +%s) - t_burst))
secs() { local n=0; [[ $1 =~ ([0-9]+)h ]] && n=$((n + BASH_REMATCH[1] * 3600))
	[[ $1 =~ ([0-9]+)m ]] && n=$((n + BASH_REMATCH[1] * 60)); [[ $1 =~ ([0-9]+)s ]] && n=$((n + BASH_REMATCH[1])); echo $n; }
read -ra fld <<<"$row"    # uid:N messages 2/1h 2 in NEXT in EMPTY yes
nf=$(secs "${fld[5]}") em=$(secs "${fld[7]}")
[ "$nf" -le 1800 ] && [ "$nf" -ge $((1800 - gone_by - 1)) ] && [ "$em" -le 3600 ] && [ "$em" -ge $((3600 - gone_by - 60)) ]
t_ok $? "limits show: uid a: next fits in half an hour, empty in an hour, less the $gone_by s gone by (${fld[5]}, ${fld[7]})"
lj=$("$CTL" limits show --json | grep "\"key\":\"uid:$uid_b\"")
gone_by=$(($(date +%s) - t_burst))
t_is "$(printf '%s' "$lj" | php -n -r '$o = json_decode(stream_get_contents(STDIN), true); $g = (int)$argv[1];
	echo $o["unit"], " ", $o["limit"], " ", $o["n"], " ", $o["seconds"], " ", $o["used"], " ",
	$o["next_fits_in"] >= 1800 - $g - 1 && $o["next_fits_in"] <= 1800 ? "half-window" : "next=" . $o["next_fits_in"], " ",
	$o["empty_in"] >= 3600 - $g - 1 && $o["empty_in"] <= 3600 ? "window" : "empty=" . $o["empty_in"], " ",
	$o["empty_at"] - $o["empty_in"] - time() <= 1 ? "epoch" : "bad-epoch", " ", var_export($o["warned"], true);' "$gone_by")" \
	"messages 2/1h 2 3600 2 half-window window epoch true" \
	"limits show --json: uid b: 2 of 2 used, next fits in half an hour, empty in an hour (less the time gone by), warned"

out=$("$CTL" limits reset "uid:$uid_a" 2>"$T/err"); rc=$?
t_is "$rc" 0 "limits reset uid:N: exit 0" || t_diag "$(cat "$T/err")"
t_is "$out" "reset uid:$uid_a: 1 cell" "limits reset: says how many cells"
t_is "$("$CTL" limits show "uid:$uid_a" | tail -n +2)" "" "limits show KEY: nothing in use after the reset"
t_like "$("$CTL" limits show "uid:$uid_b" | tail -n +2)" "^uid:$uid_b +messages +2/1h +2 " "limits reset: the other uid's counters are untouched"
send a a5; t_is "$?" 0 "site a, a5 after the reset: the wrapper exits 0"
f=$(pf_wait a5); t_ok $? "a5: delivered by Postfix, not held (the reset uid sends again)" || t_diag "$(pf_why a5)"
t_is "$(held_id a5)" "" "a5: not in the hold spool"
send b b4
t_ok "$([ -n "$(held_id b4)" ]; echo $?)" "b4: the other uid is still held"
"$CTL" limits reset "bogus" >/dev/null 2>&1
t_is "$?" 64 "limits reset of something that is not a key: EX_USAGE"

# ---- release --uid, delete --all -------------------------------------------
"$CTL" hold release --uid "$uid_a" >"$T/out" 2>"$T/err"; rc=$?
t_is "$rc" 0 "hold release --uid: exit 0" || t_diag "$(cat "$T/err")"
f=$(pf_wait a4); t_ok $? "a4 (released by --uid): delivered" || t_diag "$(pf_why a4)"
[ -n "$f" ] && t_like "$(hdr_all "$f" Received | head -1)" "from userid $uid_a\\)" "a4: from userid $uid_a"
t_is "$("$CTL" hold list --uid "$uid_a" | tail -n +2)" "" "hold release --uid: nothing of that uid is held any more"
t_ok "$([ -n "$(held_id b4)" ]; echo $?)" "hold release --uid: the other uid's stay held"
"$CTL" hold delete --all >/dev/null 2>"$T/err"; rc=$?
t_is "$rc" 0 "hold delete --all: exit 0" || t_diag "$(cat "$T/err")"
t_is "$(nheld)" 0 "hold delete --all: the spool is empty"

# ---- two releases of one message at once: it is sent once ------------------
send b b5
B5=$(held_id b5)
t_like "$B5" '^[0-9a-f]{16}$' "b5: held (uid b is still over its limit)"
SLOW=$T/slow; mkdir -p "$SLOW"; chmod 0777 "$SLOW"
cat >"$SLOW/sendmail" <<SH
#!/bin/sh
# a slow MTA: keeps the first release busy while the second one starts
cat >/dev/null
echo "\$(id -u)" >>"$SLOW/runs"
n=0
while [ ! -e "$SLOW/go" ] && [ \$n -lt 600 ]; do sleep 0.1; n=\$((n + 1)); done
exit 0
SH
chmod 0755 "$SLOW/sendmail"
limits_conf "$SLOW/sendmail" "$T/slow.conf"
"$CTL" -c "$T/slow.conf" hold release "$B5" >"$T/r1.out" 2>"$T/r1.err" & p1=$!
mo_atexit "kill $p1"
# the first release's MTA is running (and holds until it is let go)
for i in $(seq 600); do [ -s "$SLOW/runs" ] && break; sleep 0.1; done
"$CTL" -c "$T/slow.conf" hold release "$B5" >"$T/r2.out" 2>"$T/r2.err"; rc2=$?
touch "$SLOW/go"
wait "$p1"; rc1=$?
t_is "$rc1 $rc2" "0 75" "two releases at once: the first sends, the second finds it locked (EX_TEMPFAIL)" ||
	t_diag "$(cat "$T/r1.err" "$T/r2.err")"
t_like "$(cat "$T/r2.err")" "being released or deleted by another mailoriginctl" "... and says so"
t_is "$(cat "$SLOW/runs" 2>/dev/null | tr '\n' ' ')" "$uid_b " "the MTA ran once, as uid b"
t_ok "$([ ! -e "$HOLD/$B5" ]; echo $?)" "the message left the spool"

# ---- root only -------------------------------------------------------------
mo_as mo-site-a "$CTL" hold list >/dev/null 2>"$T/err"; rc=$?
t_is "$rc" 77 "hold list as a site user: EX_NOPERM"
t_like "$(cat "$T/err")" "must be run as root" "... with a clear message"
mo_as mo-site-a "$CTL" limits reset "uid:$uid_a" >/dev/null 2>&1
t_is "$?" 77 "limits reset as a site user: EX_NOPERM"
t_done
