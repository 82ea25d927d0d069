#!/usr/bin/env bash
# Issue 2, test 3: nothing but our headers changes.
#  - through the real Postfix: the delivered message minus Postfix's and
#    our headers equals what the caller sent, byte for byte (a 20 MiB
#    attachment included);
#  - through a recording stand-in (Postfix normalises line endings): LF
#    and CRLF input arrive exactly, our headers use the input's line ending;
#  - the hand-over: argv unchanged (argv[0] the name the caller used), the group dropped
#    (all four gids the caller's), the environment from the allow-list;
#  - a failing MTA's exit status (75, 3) is the caller's, and PHP mail()
#    returns false then.
. "$(dirname "$0")/../lib/harness.sh"
. "$MO_ROOT/tests/lib/postfix.sh"
. "$MO_ROOT/tests/lib/php.sh"
mo_begin "$@"
mo_need_wrapper
pf_start
mo_install_wrapper
php_sites
REC=$T/rec
RECMTA=$(mo_recorder "$REC")
MKMSG=$MO_ROOT/tests/integration/mkmsg.php
uid_a=$(mo_uid mo-site-a); gid_a=$(mo_gid mo-site-a)
mkdir -p "$T/msg"; chmod 755 "$T/msg"

# ---- through Postfix -----------------------------------------------------
mo_conf postfix /usr/sbin/sendmail
# the private Postfix takes 100 MiB (tests/lib/postfix.sh): so do we
echo 'message_size_limit = 104857600;' >>"$MO_ETC/mailorigin.conf"
for c in small:2000 big:$((20 * 1024 * 1024)); do
	name=${c%%:*}; size=${c#*:}
	php -n "$MKMSG" "$(pf_addr "b-$name")" "b-$name" lf "$size" >"$T/msg/$name.eml"
	chmod 644 "$T/msg/$name.eml"
	out=$(cd "$MO_WWW/site-a" && mo_as mo-site-a "$W" -t -i <"$T/msg/$name.eml" 2>&1)
	t_ok $? "postfix $name: wrapper exits 0" || t_diag "$out"
	f=$(pf_wait "b-$name" 180)
	t_ok $? "postfix $name: delivered" || { t_diag "$(pf_why "b-$name")"; continue; }
	strip_delivered "$f" >"$T/msg/$name.got"
	cmp "$T/msg/$name.eml" "$T/msg/$name.got" >"$T/cmp.out" 2>&1
	t_ok $? "postfix $name ($(stat -c %s "$T/msg/$name.eml") bytes): delivered = sent, byte for byte, below our headers" ||
		t_diag "$(cat "$T/cmp.out")"
	t_is "$(hdr "$f" X-Mailorigin-Uid)" "$uid_a (mo-site-a)" "postfix $name: stamped"
	id=$(hdr "$f" X-Mailorigin-Id)
	line=$(mo_log_line "$id")
	# size = bytes written to the MTA: the input plus our header lines
	ours=$(drop_top_raw "$f" 'return-path|x-original-to|delivered-to|received' | head -n 5 | wc -c)
	t_is "$(lf "$line" size)" "$(( $(stat -c %s "$T/msg/$name.eml") + ours ))" "postfix $name: log size = bytes handed to the MTA"
done
rm -f "$T/msg/big.got"

# ---- through the recording stand-in: exact bytes, LF and CRLF ---------------
mo_conf postfix "$RECMTA"
for eol in lf crlf; do
	php -n "$MKMSG" "rcpt@test.invalid" "r-$eol" "$eol" 5000 >"$T/msg/$eol.eml"
	chmod 644 "$T/msg/$eol.eml"
	rec_reset "$REC"
	out=$(cd "$MO_WWW/site-a" && mo_as mo-site-a "$W" -t -i <"$T/msg/$eol.eml" 2>&1)
	t_ok $? "stand-in $eol: wrapper exits 0" || t_diag "$out"
	[ -f "$REC/stdin" ]; t_ok $? "stand-in $eol: the MTA ran" || continue
	strip_ours "$REC/stdin" >"$T/msg/$eol.got"
	cmp "$T/msg/$eol.eml" "$T/msg/$eol.got" >"$T/cmp.out" 2>&1
	t_ok $? "stand-in $eol: the MTA got the input byte for byte below our headers" || t_diag "$(cat "$T/cmp.out")"
	n=$(head -n 5 "$REC/stdin" | grep -c '^X-Mailorigin-')
	t_is "$n" 5 "stand-in $eol: our 5 headers are the first 5 lines"
	if [ $eol = crlf ]; then
		t_is "$(head -n 5 "$REC/stdin" | grep -c $'\r$')" 5 "stand-in crlf: our headers end in CRLF"
	else
		t_is "$(head -n 5 "$REC/stdin" | grep -c $'\r')" 0 "stand-in lf: our headers end in LF, no CR"
	fi
done

# ---- the hand-over ------------------------------------------------------------
rec_reset "$REC"
printf 'Subject: env\n\nhello\n' >"$T/msg/env.eml"; chmod 644 "$T/msg/env.eml"
(cd "$MO_WWW/site-a" && setpriv --reuid=mo-site-a --regid=mo-site-a --init-groups \
	env -i HOME=/home/x USER=mo-site-a LOGNAME=mo-site-a TZ=UTC LANG=C.UTF-8 LC_ALL=C \
	MAIL_CONFIG=/etc/postfix PATH=/evil/bin IFS=x BASH_ENV=/evil LD_LIBRARY_PATH=/evil \
	LD_FOO=1 SECRET=s3cret MAILORIGIN_X=1 \
	"$W" -f sender@test.invalid -i -- rcpt1@test.invalid rcpt2@test.invalid <"$T/msg/env.eml") >/dev/null 2>&1
t_is "$(rec_argv_q "$REC")" "[mailorigin-sendmail][-f][sender@test.invalid][-i][--][rcpt1@test.invalid][rcpt2@test.invalid]" \
	"hand-over: argv unchanged, argv[0] the name the caller used"
t_is "$(awk '/^Gid:/ { print $2, $3, $4, $5 }' "$REC/status")" "$gid_a $gid_a $gid_a $gid_a" \
	"hand-over: setgid group dropped (real, effective, saved, fs gid = the caller's)"
t_is "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "$REC/status")" "$uid_a $uid_a $uid_a $uid_a" "hand-over: uids the caller's"
t_is "$(awk '/^Umask:/ { print $2 }' "$REC/status")" 0022 "hand-over: the caller's umask (022) restored for the MTA"
t_unlike "$(grep '^Groups:' "$REC/status")" "[[:space:]]$MO_GID_MAILORIGIN([[:space:]]|\$)" "hand-over: mailorigin not among the groups"
envnames=$(rec_env "$REC" | cut -d= -f1 | tr '\n' ' ')
t_is "$(rec_env "$REC" | grep '^PATH=')" "PATH=/usr/sbin:/usr/bin:/sbin:/bin" "hand-over: PATH fixed"
t_is "$(rec_env "$REC" | grep -E '^(HOME|USER|LOGNAME|TZ|LANG|LC_ALL|MAIL_CONFIG)=' | tr '\n' ' ')" \
	"HOME=/home/x LANG=C.UTF-8 LC_ALL=C LOGNAME=mo-site-a TZ=UTC USER=mo-site-a " \
	"hand-over: allowed variables passed as they were (MAIL_CONFIG not: root's only)"
t_unlike "$envnames" "(^| )(IFS|BASH_ENV|LD_[A-Z_]*|SECRET|MAILORIGIN_X)( |\$)" "hand-over: nothing outside the allow-list (env: $envnames)"
t_like "$(cat "$REC/fd0")" "^$MO_STATE/|^/memfd:|\(deleted\)" "hand-over: fd 0 is the spool file, not the caller's stdin ($(cat "$REC/fd0"))"
t_is "$(strip_ours "$REC/stdin")" "$(cat "$T/msg/env.eml")" "hand-over: message handed over"

# ---- the MTA's exit status is the caller's --------------------------------------
for code in 75 3 0; do
	rec_reset "$REC"; echo $code >"$REC/exitcode"
	(cd "$MO_WWW/site-a" && mo_as mo-site-a "$W" -t -i <"$T/msg/env.eml") >/dev/null 2>&1
	t_is "$?" "$code" "exit status $code of the MTA reaches the caller"
done
rec_reset "$REC"; echo 75 >"$REC/exitcode"
out=$(php_cli mo-site-a "$MO_WWW/site-a" "$W -t -i" send.php --to=rcpt@test.invalid 2>&1)
t_is "$out" "mail=0" "PHP mail() returns false when the MTA exits 75"
[ -s "$REC/stdin" ]; t_ok $? "... and the MTA did get the message"
rec_reset "$REC"
out=$(php_cli mo-site-a "$MO_WWW/site-a" "$W -t -i" send.php --to=rcpt@test.invalid 2>&1)
t_is "$out" "mail=1" "PHP mail() returns true when the MTA exits 0"
t_done
