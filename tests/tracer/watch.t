#!/usr/bin/env bash
# --watch over a window: samples and busy time per script, vhost and uid,
# mails counted once each, first/last seen, the file's owner and mtime;
# SIGINT ends the window early and still prints it.
. "$(dirname "$0")/lib.sh"
need /usr/sbin/php-fpm8.2 cgi-fcgi php

make_site example.test
make_sendmail
echo 2 >"$T/sendmail.sleep"
find "$VROOT" -type f -exec touch -d '10 minutes ago' {} +
start_fpm 3 || { ok 1 "php-fpm starts"; done_testing; exit 1; }
ok 0 "php-fpm starts"
SITE=$VROOT/example.test
now() { date +%s.%N; }

# A 10 s window at 100 ms: 100 moments, a scan at each.  (A scan that
# runs past the next moment skips it: a loaded machine may make fewer
# scans, never more, and the window still ends on time.)
t_watch=$(now)
"$TRACER" --vhost-root "$VROOT" --watch --interval 100ms --duration 10s --json \
	>"$T/watch.json" 2>"$T/watch.err" &
WATCH=$!
at_exit "kill $WATCH"
# it blocks SIGINT and SIGTERM just before its first scan
check "the tracer is scanning (--watch)" wait_until 30 watching $WATCH
t_req=$(now)
fpm_get example.test slow.php s=2 >/dev/null 2>&1 &
S=$!
fpm_get example.test mail.php >/dev/null 2>&1 &
M1=$!
fpm_get example.test mail.php >/dev/null 2>&1 &
M2=$!
wait $S
t_end=$(now)
wait $M1 $M2
wait $WATCH
ok $? "--watch --duration 10s exits 0"
t_done=$(now)
win() { json_pick "$T/watch.json" type=window "$1"; }
diag "window: first scan $(php -r "echo $(win started) - $t_watch;") s after the start, $(win scans) scans, $(win skipped) moments skipped, a scan $(win scan_mean) s on average, $(win scan_max) s at most"
[ -s "$T/watch.err" ] && diag "its stderr: $(head -c 2000 "$T/watch.err")"
is "$(php -r 'echo (int)$argv[1] + (int)$argv[2];' "$(win scans)" "$(win skipped)")" 100 \
	"the window: 100 moments, each scanned or skipped"
is "$(win interval)" 0.1 "the window's interval"
# its last scan starts one interval before the end, 9.9 s after the first;
# it has ended once that scan is done (5 s are plenty for the exit)
elapsed=$(php -r "echo $t_done - $(win started);")
check "and ends when its window is over, not before (${elapsed} s after the first scan)" \
	php -r "exit($elapsed >= 9.9 && $elapsed < 10 + $(win scan_max) + 5 ? 0 : 1);"

samples=$(json_pick "$T/watch.json" type=script key="$SITE/slow.php" samples)
diag "slow.php: $samples samples"
check "slow.php (2 s busy, 100 scans): seen in 2 to 100 scans" \
	test "$samples" -ge 2 -a "$samples" -le 100
busy=$(json_pick "$T/watch.json" type=script key="$SITE/slow.php" busy)
# a scan stands for the moments it skipped: samples x interval when none
# was, up to (samples + skipped) x interval when some were
check "busy estimate = samples x interval, with the moments skipped ($busy s)" \
	php -r "exit($busy >= $samples * 0.1 - 0.001 && $busy <= ($samples + $(win skipped)) * 0.1 + 0.001 &&
		($(win skipped) > 0 || abs($busy - $samples * 0.1) < 0.001) ? 0 : 1);"
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
# first and last seen are times of the clock, within the request's own
# lifetime: a scan is stamped when it starts (the first one that sees the
# request may have started a moment before it; 1 s is plenty), so the last
# one that sees it started before the request ended
check "first and last seen are two moments of the request (${first} .. ${last}, request ${t_req} .. ${t_end})" \
	php -r "exit($first >= $t_req - 1 && $last > $first && $last <= $t_end + 0.001 ? 0 : 1);"

# scans longer than the interval (a scan reads three workers' memory: more
# than 1 ms) skip the moments they run over: 300 moments of 1 ms, far
# fewer scans, and the window still ends after 300 ms, not after 300 scans
"$TRACER" --vhost-root "$VROOT" --watch --interval 1ms --duration 300ms --json \
	>"$T/fast.json" 2>/dev/null
t_done=$(now)
fast() { json_pick "$T/fast.json" type=window "$1"; }
diag "1 ms moments: $(fast scans) scans, $(fast skipped) skipped, a scan $(fast scan_mean) s on average"
is "$(php -r 'echo (int)$argv[1] + (int)$argv[2];' "$(fast scans)" "$(fast skipped)")" 300 \
	"1 ms moments over 300 ms: each scanned or skipped"
check "some skipped ($(fast skipped))" test "$(fast skipped)" -gt 0
elapsed=$(php -r "echo $t_done - $(fast started);")
check "the window still ends on time (${elapsed} s after the first scan)" \
	php -r "exit($elapsed >= 0.299 && $elapsed < 0.3 + $(fast scan_max) + 5 ? 0 : 1);"

# table mode, ended by SIGINT long before its 120 s
"$TRACER" --vhost-root "$VROOT" --watch --duration 120s --top 3 >"$T/watch.txt" 2>&1 &
WATCH=$!
check "the tracer is scanning (--watch)" wait_until 30 watching $WATCH
kill -INT $WATCH
t0=$(date +%s)
wait $WATCH
ok $? "SIGINT ends --watch with status 0"
check "long before the window's end" test $(( $(date +%s) - t0 )) -lt 60
check "and prints the window" grep -q '^SCRIPT ' "$T/watch.txt"

done_testing
