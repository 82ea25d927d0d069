#!/usr/bin/env bash
# --watch over a window: samples and busy time per script, vhost and uid,
# mails counted once each, first/last seen, the file's owner and mtime;
# SIGINT ends the window early and still prints it.
. "$(dirname "$0")/lib.sh"
need /usr/sbin/php-fpm8.2 cgi-fcgi php

make_site example.test
make_sendmail
echo 1 >"$T/sendmail.sleep"
find "$VROOT" -type f -exec touch -d '10 minutes ago' {} +
start_fpm 3 || { ok 1 "php-fpm starts"; done_testing; exit 1; }
ok 0 "php-fpm starts"
SITE=$VROOT/example.test

"$TRACER" --vhost-root "$VROOT" --watch --interval 100ms --duration 5s --json \
	>"$T/watch.json" 2>"$T/watch.err" &
WATCH=$!
at_exit "kill $WATCH"
sleep 0.3
fpm_get example.test slow.php s=2 >/dev/null 2>&1 &
S=$!
fpm_get example.test mail.php >/dev/null 2>&1
fpm_get example.test mail.php >/dev/null 2>&1
wait $S
start=$(date +%s)
wait $WATCH
ok $? "--watch --duration 5s exits 0"
check "and ends on time" test $(( $(date +%s) - start )) -le 4

samples=$(json_pick "$T/watch.json" type=script key="$SITE/slow.php" samples)
diag "slow.php: $samples samples"
check "slow.php (2 s busy, 100 ms interval): between 10 and 25 samples" \
	test "$samples" -ge 10 -a "$samples" -le 25
busy=$(json_pick "$T/watch.json" type=script key="$SITE/slow.php" busy)
check "busy estimate = samples x interval ($busy s)" \
	php -r "exit(abs($busy - $samples * 0.1) < 0.001 ? 0 : 1);"
is "$(json_pick "$T/watch.json" type=script key="$SITE/slow.php" signal)" memory "named by memory"
is "$(json_pick "$T/watch.json" type=script key="$SITE/mail.php" mails)" 2 "mail.php: 2 mails started, each counted once"
is "$(json_pick "$T/watch.json" type=script key="$SITE/slow.php" mails)" 0 "slow.php: no mail"
is "$(json_pick "$T/watch.json" type=uid key=nobody mails)" 2 "per uid: nobody started 2 mails"
is "$(json_pick "$T/watch.json" type=vhost key=example.test mails)" 2 "per vhost: example.test started 2 mails"
is "$(json_pick "$T/watch.json" type=script key="$SITE/mail.php" owner)" root "the file's owner"
is "$(json_pick "$T/watch.json" type=script key="$SITE/mail.php" mtime | cut -d. -f1)" \
	"$(stat -c %Y "$SITE/mail.php")" "the file's mtime (ten minutes ago)"
first=$(json_pick "$T/watch.json" type=script key="$SITE/slow.php" first_seen)
last=$(json_pick "$T/watch.json" type=script key="$SITE/slow.php" last_seen)
check "first and last seen span the request (${first} .. ${last})" \
	php -r "exit($last - $first > 1.5 && $last - $first < 2.6 ? 0 : 1);"

# table mode, ended by SIGINT
"$TRACER" --vhost-root "$VROOT" --watch --duration 60s --top 3 >"$T/watch.txt" 2>&1 &
WATCH=$!
sleep 1
kill -INT $WATCH
t0=$(date +%s%N)
wait $WATCH
ok $? "SIGINT ends --watch with status 0"
check "promptly" test $(( ($(date +%s%N) - t0) / 1000000 )) -lt 1000
check "and prints the window" grep -q '^SCRIPT ' "$T/watch.txt"

done_testing
