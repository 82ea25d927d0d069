#!/usr/bin/env bash
# The tracer's fast walk of /proc (a process's comm first, its directory
# only when the comm may be PHP's or a mail program's, a parent's stat
# only when a walk up from a mail program reaches it) against the
# reference walk, --exhaustive (every process's directory opened and its
# stat parsed, as the tracer did before): the same answers, line for line,
# on real PHP of every kind at work (php-fpm, mod_php, php-cgi, the CLI,
# three of them in mail() with a waiting sendmail), with decoys whose names
# are near PHP's, and a sendmail under a parent whose name holds a
# backslash and a newline (which /proc/PID/comm escapes and stat does not).
# As root with every signal, with the cheaper signals only, and as nobody.
. "$(dirname "$0")/lib.sh"
need /usr/sbin/php-fpm8.2 /usr/sbin/apache2 /usr/bin/php-cgi8.2 cgi-fcgi curl php setpriv

start_php_world 18960
ok $? "real PHP of every kind at work (fpm, mod_php, cgi, cli; 3 in mail())"

# decoys: sleep under names near PHP's and the mail programs'
mkdir -p "$T/bin"
for n in php8.2x php7.4 xphp-fpm httpd-x sendmai; do
	cp /bin/sleep "$T/bin/$n"
	"$T/bin/$n" 600 &
	at_exit "kill $!"
done
# a sendmail whose parent's comm is "we\ird<newline>sh"
weird=$T/bin/$'we\\ird\nsh'
cp /bin/bash "$weird"
"$weird" -c "\"$T/sendmail\" -t -i </dev/null; :" &
at_exit "kill $!"
# a few processes holding many fds
: >"$T/held"
for k in 1 2 3 4 5; do
	(for ((i = 0; i < 300; i++)); do exec {fd}<"$T/held"; done; exec sleep 600) &
	at_exit "kill $!"
done
# (counted at each try: "test $(sendmails)" as wait_until's argument would
# be counted once, before the weird shell has started its sendmail)
four_sendmails() { [ "$(sendmails)" -ge 4 ]; }
wait_until 60 four_sendmails
ok $? "the fourth sendmail runs"

# SCAN's lines, running_for left out (it moves), sorted.  The file runs in
# its own pid namespace (lib.sh): every process in it is ours.
mine() {
	php -r '
		foreach (file($argv[1]) as $l) {
			$o = json_decode($l, true);
			if (!is_array($o)) continue;
			unset($o["running_for"]);
			echo json_encode($o, JSON_UNESCAPED_SLASHES), "\n";
		}' "$1" | sort
}

# compare LABEL ARGS...: fast and reference scans alike, line for line,
# and in what they say on standard error (notes, denied counts).
compare() {
	local label=$1; shift
	"$@" >"$T/fast.json" 2>"$T/fast.err"
	"$@" --exhaustive >"$T/ref.json" 2>"$T/ref.err"
	mine "$T/fast.json" >"$T/fast.mine"
	mine "$T/ref.json" >"$T/ref.mine"
	if diff "$T/ref.mine" "$T/fast.mine" >"$T/diff"; then
		ok 0 "$label: the same $(wc -l <"$T/ref.mine") lines"
	else
		ok 1 "$label: the same lines"
		diag "$(head -c 3000 "$T/diff")"
	fi
	diff "$T/ref.err" "$T/fast.err" >"$T/diff"
	ok $? "$label: the same notes and denied counts"
	[ -s "$T/diff" ] && diag "$(cat "$T/diff")"
}

TR() { "$TRACER" --json --all --vhost-root "$VROOT" "$@"; }
compare "root, every signal" TR
ref=$T/ref.mine
is "$(grep -c '"type":"php".*"state":"busy"' "$ref")" 10 \
	"the reference names 10 busy PHP processes (4 fpm, 2 mod_php, cgi, 2 cli, the decoy php7.4)"
is "$(grep -c '"type":"mail".*"php_pid":[0-9]' "$ref")" 3 "the reference traces 3 sendmails to their PHP"
check "the reference names the decoy php7.4 (a CLI by its name)" grep -q '"sapi":"cli".*php7.4' "$ref"
check "the parent's comm as stat gives it, not escaped" grep -qF '"comm":"we\\ird\nsh"' "$ref"
for s in fpm mod_php cgi cli; do
	check "a busy $s process is named" grep -q "\"sapi\":\"$s\",.*\"state\":\"busy\"" "$ref"
done
# (not the status page: which worker answers it, and so is left out of it,
# changes from one scan to the next)
compare "root, no memory, no status page (cwd, fd, env, cmdline)" TR --no-memory --no-status
compare "nobody" setpriv --reuid=65534 --regid=65534 --clear-groups "$TRACER" --json --all \
	--vhost-root "$VROOT"
done_testing
