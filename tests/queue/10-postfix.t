#!/usr/bin/env bash
# mailoriginctl queue against a real Postfix queue of more than 10,000
# messages, made through the real submission paths and kept queued:
#  - spam of mo-site-a from PHP mail() through the setgid wrapper (stamped);
#  - spam of mo-site-b through the real /usr/sbin/sendmail (unstamped: only
#    Postfix's pickup Received header says who);
#  - ham from root and from mo-rcpt (real sendmail), to local mailboxes;
#  - SMTP submissions with SASL AUTH (Cyrus sasldb, swaks) on a loopback port;
#  - backscatter: bounces Postfix itself made for mo-site-b's spam to an
#    undeliverable domain.
# First bounces are made with the queue manager running (and local
# delivery deferred); then qmgr is taken out of master.cf so that the bulk
# stays in incoming.  The test knows how many of each it sent and checks
# summary and top counts exactly, bounce tracing, header+body selection,
# hold / release / delete on exactly the shown selection (the --plan of a
# preview, a reused queue id left alone), races with arriving mail, and at
# the end every ham message delivered byte-identical and nothing else.
#   QUEUE_SPAM_A, QUEUE_SPAM_B: volumes (defaults make > 10,000 messages)
. "$(dirname "$0")/../lib/harness.sh"
. "$(dirname "$0")/../lib/postfix.sh"
mo_begin "$@"
CTL_BUILD=$MO_ROOT/build/mailoriginctl
[ -x "$CTL_BUILD" ] || mo_skip_all "$CTL_BUILD not built (run make)"
command -v swaks >/dev/null || mo_skip_all "swaks not installed (.ci/deps.sh)"
command -v saslpasswd2 >/dev/null || mo_skip_all "saslpasswd2 (sasl2-bin) not installed"
NA=${QUEUE_SPAM_A:-4000}    # PHP via the wrapper, mo-site-a
NB=${QUEUE_SPAM_B:-5800}    # real sendmail, mo-site-b
NBOUNCE=120                 # bounces of mo-site-b's spam
NHAM=100                    # per ham sender (root, mo-rcpt)
NSASL=40
CTL=$T/bin/mailoriginctl
install -m 0755 "$CTL_BUILD" "$CTL"

mo_install_wrapper
mo_conf postfix /usr/sbin/sendmail
pf_start
uid_a=$(mo_uid mo-site-a); uid_b=$(mo_uid mo-site-b); uid_r=$(mo_uid mo-rcpt)

# SASL: a sasldb with alice, smtpd on a loopback high port
mkdir -p "$PF/etc/sasl"
cat >"$PF/etc/sasl/smtpd.conf" <<EOF
pwcheck_method: auxprop
auxprop_plugin: sasldb
mech_list: PLAIN LOGIN
sasldb_path: $PF/sasldb2
EOF
echo secret | saslpasswd2 -p -c -f "$PF/sasldb2" -u test.invalid alice
chown postfix "$PF/sasldb2"
PORT=$(mo_free_port 17410) || mo_bail "no free port"
postconf -e "smtpd_sasl_auth_enable = yes" "smtpd_sasl_type = cyrus" \
	"smtpd_sasl_path = smtpd" "cyrus_sasl_config_path = $PF/etc/sasl" \
	"smtpd_relay_restrictions = permit_sasl_authenticated, reject" \
	"smtpd_recipient_restrictions = permit_sasl_authenticated, reject" \
	"master_service_disable =" \
	"default_transport = error" "relay_transport = error" \
	"defer_transports = local" "maximal_queue_lifetime = 5d" "bounce_queue_lifetime = 5d" \
	"in_flow_delay = 0"     # without qmgr no flow tokens come back: no 1 s pause a message
postconf -M# smtp/inet
postconf -Me "127.0.0.1:$PORT/inet=127.0.0.1:$PORT inet n - n - - smtpd"
postfix reload >/dev/null 2>&1 || mo_bail "postfix reload failed" "$(tail "$PF/maillog")"
sleep 1
Q=$PF/spool
mo_atexit 'kill $(jobs -p) 2>/dev/null'
q() { "$CTL" queue "$@" -C "$PF/etc"; }

# wait_queue N: until the queue holds N complete files and pickup is done
wait_queue() {
	local want=$1 i n last=-1 still=0
	for ((i = 0; i < 2400; i++)); do
		n=$(find "$Q/incoming" "$Q/active" "$Q/deferred" "$Q/hold" -type f -perm -u+x 2>/dev/null | wc -l)
		[ "$n" -ge "$want" ] && [ -z "$(ls -A "$Q/maildrop")" ] && return 0
		if [ "$n" -eq "$last" ]; then still=$((still + 1)); else still=0; last=$n; fi
		[ $still -ge 80 ] && break       # 20 s without progress: something is wrong
		sleep 0.25
	done
	t_diag "queue holds $n, wanted $want"
	return 1
}

# ---- 1. backscatter, made by Postfix, qmgr running ---------------------------
(
	for ((i = 0; i < NBOUNCE; i++)); do
		printf 'From: mo-site-b@test.invalid\nSubject: Cheap pills bounce %d\n\nSPAMTOKEN bounce %d\n' "$i" "$i" |
			mo_as mo-site-b /usr/sbin/sendmail -i -f mo-site-b@test.invalid "victim$i@nowhere.example"
	done
)
# SASL submissions (ham for alice's account; deferred like every local delivery)
for ((i = 0; i < NSASL; i++)); do
	swaks --server "127.0.0.1:$PORT" --auth PLAIN --auth-user alice@test.invalid \
		--auth-password secret --from alice@test.invalid --to "mo-rcpt+sasl$i@test.invalid" \
		--header "Subject: sasl ham $i" --body "sasl body $i" >/dev/null 2>&1 ||
		t_diag "swaks $i failed"
done
wait_queue $((NBOUNCE + NSASL)) || t_diag "$(tail -5 "$PF/maillog")"
# the originals bounced and left; only bounces and SASL mail remain
nb=$(grep -c 'sender non-delivery notification' "$PF/maillog")
t_is "$nb" "$NBOUNCE" "Postfix made $NBOUNCE bounces"

# ---- 2. the bulk, qmgr out of master.cf: everything stays in incoming -----------
cp "$PF/etc/master.cf" "$T/master.cf.qmgr"
postconf -M# qmgr/unix
postfix reload >/dev/null 2>&1
sleep 1
mkdir -p "$MO_WWW/site-a"; chmod 755 "$MO_WWW" "$MO_WWW/site-a"
cat >"$MO_WWW/site-a/spam.php" <<'PHP'
<?php
$from = (int)$argv[1]; $n = (int)$argv[2];
for ($i = $from; $i < $from + $n; $i++) {
    mail("buyer$i@remote.example", "Cheap pills A $i", "SPAMTOKEN a-$i\n", "From: shop@test.invalid");
}
PHP
chown -R mo-site-a: "$MO_WWW/site-a"
t0=$(date +%s)
half=$((NA / 2))
(cd "$MO_WWW/site-a" && mo_as mo-site-a php -n -d "sendmail_path=$W -t -i" -d mail.add_x_header=On spam.php 0 $half) &
pa=$!
(cd "$MO_WWW/site-a" && mo_as mo-site-a php -n -d "sendmail_path=$W -t -i" -d mail.add_x_header=On spam.php $half $((NA - half))) &
pb=$!
spam_b() {  # spam_b FROM N
	local i
	for ((i = $1; i < $1 + $2; i++)); do
		printf 'From: mo-site-b@test.invalid\nSubject: Cheap pills B %d\n\nSPAMTOKEN b-%d\n' "$i" "$i" |
			mo_as mo-site-b /usr/sbin/sendmail -i -f mo-site-b@test.invalid "buyer$i@remote.example" || return 1
	done
}
third=$((NB / 3))
spam_b 0 $third & p1=$!
spam_b $third $third & p2=$!
spam_b $((2 * third)) $((NB - 2 * third)) & p3=$!
# ham: full messages, kept to compare with what is delivered
mkdir -p "$T/ham"
for ((i = 0; i < NHAM; i++)); do
	for who in root mo-rcpt; do
		f=$T/ham/$who-$i.eml
		printf 'From: %s@test.invalid\nTo: mo-rcpt+ham-%s-%d@test.invalid\nSubject: meeting %d\nMessage-ID: <ham-%s-%d@test.invalid>\nDate: Tue, 01 Dec 2026 10:00:00 +0000\n\nHello %d,\nthe minutes are attached.\n\n-- \n%s\n' \
			"$who" "$who" "$i" "$i" "$who" "$i" "$i" "$who" >"$f"
	done
done
chmod 644 "$T"/ham/*.eml
(for ((i = 0; i < NHAM; i++)); do /usr/sbin/sendmail -t -i <"$T/ham/root-$i.eml"; done) & ph=$!
(for ((i = 0; i < NHAM; i++)); do mo_as mo-rcpt /usr/sbin/sendmail -t -i <"$T/ham/mo-rcpt-$i.eml"; done) & pr=$!
fails=0
for p in $pa $pb $p1 $p2 $p3 $ph $pr; do wait "$p" || fails=$((fails + 1)); done
t_is "$fails" 0 "every submission process succeeded"
TOTAL=$((NBOUNCE + NSASL + NA + NB + 2 * NHAM))
wait_queue "$TOTAL"
t_diag "made $TOTAL messages in $(($(date +%s) - t0)) s (bulk)"
nfiles=$(find "$Q/incoming" "$Q/deferred" "$Q/active" -type f | wc -l)
t_is "$nfiles" "$TOTAL" "the queue holds every message ($TOTAL >= 10000)"

# ---- 3. summary and top against the truth ------------------------------------------
sum=$(q summary --json)
inc=$(printf '%s\n' "$sum" | jq -r 'select(.type == "queue" and .queue == "incoming") | .count')
def=$(printf '%s\n' "$sum" | jq -r 'select(.type == "queue" and .queue == "deferred") | .count')
t_is "$inc" $((NA + NB + 2 * NHAM)) "summary: incoming count"
t_is "$def" $((NBOUNCE + NSASL)) "summary: deferred count"
# bytes per folder as Postfix's own showq reports them (postqueue -j needs qmgr: compare files)
pb_inc=$(printf '%s\n' "$sum" | jq -r 'select(.type == "queue" and .queue == "incoming") | .bytes')
[ "$pb_inc" -gt 0 ]; t_ok $? "summary: incoming bytes ($pb_inc)"
top5=$(printf '%s\n' "$sum" | jq -r 'select(.type == "origin") | "\(.key) \(.count)"' | head -2)
t_is "$top5" "uid $uid_b $((NB + NBOUNCE))
uid $uid_a $NA" "summary: top origins (bounces counted to their culprit)"
t_like "$(q summary)" "arrivals per minute" "summary: text with the arrivals chart"

top_uid=$(q top --by uid --json | jq -r '"\(.key) \(.count)"' | sort)
want=$(printf '%s\n' "$uid_a $NA" "$uid_b $((NB + NBOUNCE))" "0 $NHAM" "$uid_r $NHAM" "null $NSASL" | sort)
t_is "$top_uid" "$want" "top --by uid: exact counts"
t_is "$(q top --by uid --json | jq -r 'select(.key == '"$uid_a"') | .user')" mo-site-a "top --by uid: user name"
t_is "$(q top --by user --json | jq -r 'select(.key == "mo-site-b") | .count')" $((NB + NBOUNCE)) "top --by user"
t_is "$(q top --by vhost --json | jq -r '"\(.key) \(.count)"' | sort | head -1)" "null $((NB + NBOUNCE + 2 * NHAM + NSASL))" "top --by vhost: unstamped mail has none"
t_is "$(q top --by vhost --json | jq -r 'select(.key == "site-a") | .count')" "$NA" "top --by vhost: the stamped site"
t_is "$(q top --by script --json | jq -r 'select(.key != null) | "\(.key) \(.count)"')" "$MO_WWW/site-a/spam.php $NA" "top --by script: the stamped script"
t_is "$(q top --by sasl --json | jq -r 'select(.key != null) | "\(.key) \(.count)"')" "alice@test.invalid $NSASL" "top --by sasl"
t_is "$(q top --by bounce --json | jq -r '"\(.key) \(.count) \(.share)"')" "uid $uid_b $NBOUNCE 1" "top --by bounce: every bounce traced to mo-site-b"
t_is "$(q top --by queue --json | jq -r '"\(.key) \(.count)"' | sort | tr '\n' ' ')" "deferred $((NBOUNCE + NSASL)) incoming $((NA + NB + 2 * NHAM)) " "top --by queue"
t_is "$(q top --by rcpt-domain --json --limit 1 | jq -r '"\(.key) \(.count)"')" "remote.example $((NA + NB))" "top --by rcpt-domain"
t_is "$(q list --json --uid "$uid_a" | jq -r '[.uid_trust, .script_trust, .vhost_trust] | join(" ")' | sort -u)" "trusted trusted trusted" "stamps trusted on local mail whose pickup uid agrees"
t_is "$(q list --json --uid "$uid_b" --not --bounce | jq -r '.uid_trust' | sort -u)" "trusted" "the pickup uid is trusted"
t_is "$(q list --json --sasl 'alice@*' | jq -r '.client' | sort -u)" "127.0.0.1" "SASL mail: the client address"

# ---- 4. selection by header and body: exactly the spam -------------------------------
sel=(--header 'Subject: ^Cheap pills [AB] ' --body 'SPAMTOKEN [ab]-')
n=$(q list --json "${sel[@]}" | wc -l)
t_is "$n" $((NA + NB)) "header+body selection picks exactly the spam"
t_is "$(q list --json "${sel[@]}" | jq -r '.uid' | sort -u | tr '\n' ' ')" "$(printf '%s\n' "$uid_a" "$uid_b" | sort -u | tr '\n' ' ')" "... of the two spamming uids"
want=$((NA > 2000 ? 1000 : NA > 1000 ? NA - 1000 : 0))
t_is "$(q list --json --body 'SPAMTOKEN a-1[0-9]{3}$' | wc -l)" "$want" "body regex alone"
t_is "$(q list --json --not --from 'mo-site-b@*' --not --bounce --uid "$uid_b" | wc -l)" 0 "--not negates each term"
t_is "$(q list --json --bounce | jq -r .id | sort -u | wc -l)" "$NBOUNCE" "list --json --bounce: one valid object per bounce"

# ---- 5. hold the shown selection, with a race and a reused id ------------------------
rm -f "$T/plan"
prev=$(q hold "${sel[@]}" --plan "$T/plan")
t_like "$prev" "queue hold: $((NA + NB)) messages" "hold preview: count"
t_like "$prev" "dry run: nothing done" "hold preview acts on nothing"
t_is "$(find "$Q/hold" -type f | wc -l)" 0 "nothing held by the preview"
# a reused queue id: one planned file replaced by another file of that name
# (one of mo-site-b's, so that the counts below know where it is)
vid=$(q list --json --uid "$uid_b" --not --bounce | jq -r .id | head -1)
victim=$(grep "^$vid " "$T/plan" | cut -d' ' -f3)
cp -p "$Q/$victim" "$Q/$victim.new" && mv "$Q/$victim.new" "$Q/$victim"
# mail arriving while the action runs: it must not be held
( for ((i = 0; i < 50; i++)); do
	printf 'From: mo-site-b@test.invalid\nSubject: Cheap pills B late %d\n\nSPAMTOKEN b-late\n' "$i" |
		mo_as mo-site-b /usr/sbin/sendmail -i -f mo-site-b@test.invalid "late$i@remote.example"
done ) & plate=$!
out=$(q hold --yes --plan "$T/plan")
wait $plate
t_like "$out" "hold: $((NA + NB - 1)) messages, 1 left alone" "hold --yes: the reused id left alone"
wait_queue $((TOTAL + 50))
t_is "$(find "$Q/hold" -type f | wc -l)" $((NA + NB - 1)) "exactly the shown selection is held"
t_ok $([ -f "$Q/$victim" ]; echo $?) "the reused id is still in its queue"
t_is "$(q list --json --queue hold --not --header 'Subject: ^Cheap pills [AB] [0-9]+$' | wc -l)" 0 "nothing else was held (late arrivals not)"
t_like "$(tail -1 "$MO_LOG")" "action=queue-hold .*planned=$((NA + NB)) acted=$((NA + NB - 1)) changed=1" "the batch is logged"
t_is "$(grep -c ' hold ' "$MO_STATE/queue.journal")" $((NA + NB - 1)) "the ids are journaled"

# ---- 6. release a wrongly held one, delete the rest, only held ones ------------------
one=$(q list --json --queue hold --uid "$uid_a" | head -1 | jq -r .id)
echo "$one" >"$T/one"
t_like "$(q release --id-file "$T/one" --yes)" "release: 1 message" "release one by id"
t_is "$(q list --json --queue deferred --id-file "$T/one" | wc -l)" 1 "released back to the deferred queue"
out=$(q delete --uid "$uid_b" --not --bounce)
t_like "$out" "not held: delete acts on held messages only" "delete: messages not held are named, not deleted"
out=$(q delete --uid "$uid_b" --not --bounce --yes)
t_is "$(find "$Q/hold" -type f | wc -l)" $((NA - 1)) "delete --yes removed only mo-site-b's held spam"
t_is "$(q list --json --uid "$uid_b" --not --bounce | wc -l)" 51 "mo-site-b's unheld spam (reused id, late) is still queued"
q delete --queue hold --yes >/dev/null
q delete --force --yes --uid "$uid_b" >/dev/null
q delete --force --yes --id-file "$T/one" >/dev/null
t_is "$(q list --json --not --uid "$uid_a" --not --uid "$uid_b" | wc -l)" $((2 * NHAM + NSASL)) "only the ham is left"
t_is "$(q list --json | wc -l)" $((2 * NHAM + NSASL)) "... and nothing else"

# ---- 7. deliver the ham: every message, byte-identical ------------------------------
cp "$T/master.cf.qmgr" "$PF/etc/master.cf"
postconf -e 'defer_transports =' 
postfix reload >/dev/null 2>&1
sleep 1; postqueue -f
for ((i = 0; i < 600; i++)); do
	[ "$(find "$Q/incoming" "$Q/active" "$Q/deferred" -type f | wc -l)" -eq 0 ] && break
	sleep 0.25
done
got=$(ls "$PF_MAIL/mo-rcpt/new" | wc -l)
t_is "$got" $((2 * NHAM + NSASL)) "every ham message delivered, nothing more"
bad=0
for f in "$PF_MAIL"/mo-rcpt/new/*; do
	tag=$(grep -a -m1 '^Delivered-To: ' "$f" | sed 's/.*mo-rcpt+\(ham-[a-z-]*-[0-9]*\)@.*/\1/')
	case $tag in ham-*) ;; *) continue ;; esac
	who=${tag#ham-}; n=${who##*-}; who=${who%-*}
	cmp -s <(strip_delivered "$f") "$T/ham/$who-$n.eml" || { bad=$((bad + 1)); [ $bad -eq 1 ] && t_diag "differs: $f"; }
done
t_is "$bad" 0 "ham delivered byte-identical"
t_done
