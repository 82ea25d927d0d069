#!/usr/bin/env bash
# Issue 11, finding 2 and the fault-injection check: the limit store and
# the spool on a tiny tmpfs state dir.
#  - a half-made store (sized, no header: what a full disk while it was
#    first made left) is built again and limits apply (it passed everyone
#    unlimited as "corrupt");
#  - first creation on a full disk: nothing passes unlimited, the file is
#    left empty, and once there is room the store is built whole;
#  - a sparse store (older versions) on a full disk: no SIGBUS, the message
#    is held or refused and logged;
#  - the state dir filled to each byte count that matters (0 .. 1 MiB free)
#    under a limit: every message passed (bytes intact), held or refused
#    non-zero, always logged; never unlimited.
. "$(dirname "$0")/../lib/harness.sh"
mo_begin "$@"
mo_need_wrapper
mo_install_wrapper
REC=$T/rec
RECMTA=$(mo_recorder "$REC")
STORE_SIZE=$((4096 + 65536 * 128))
M=$T/msg; mkdir -p "$M"; chmod 755 "$M"
printf 'From: a@test.invalid\nTo: r@test.invalid\nSubject: small\n\nbody\n' >"$M/small.eml"
{ printf 'From: a@test.invalid\nTo: r@test.invalid\nSubject: big\n\n'; head -c 300000 /dev/urandom | base64; } >"$M/big.eml"
chmod 644 "$M"/*.eml

# state SIZE: a fresh tmpfs of SIZE as the state dir, laid out as make install does
state() {
	mountpoint -q "$MO_STATE" && umount -l "$MO_STATE"
	mount -t tmpfs -o "size=$1,mode=2770" tmpfs "$MO_STATE" || mo_bail "tmpfs on $MO_STATE"
	chown root:mailorigin "$MO_STATE"; chmod 2770 "$MO_STATE"
	install -d -o root -g mailorigin -m 2770 "$MO_STATE/tmp" "$MO_STATE/hold"
	install -o root -g mailorigin -m 0660 /dev/null "$MO_STATE/limits.db"
}
mo_atexit "umount -l '$MO_STATE' 2>/dev/null"
# leave FREE bytes free on the state dir
fill() {
	rm -f "$MO_STATE/fill"
	local free
	free=$(( $(stat -f -c '%a' "$MO_STATE") * $(stat -f -c '%S' "$MO_STATE") ))
	[ "$free" -gt "$1" ] && fallocate -l $((free - $1)) "$MO_STATE/fill"
}
conf() {
	mo_conf postfix "$RECMTA"
	printf 'limits = ( { match = "uid"; messages = [ "%s" ]; } );\n' "$1" >>"$MO_ETC/mailorigin.conf"
}
# send FILE: as mo-site-a; sets RC, RAN (the MTA ran), HELD (new held entries), LOGGED
send() {
	local h0 l0
	h0=$(ls "$MO_STATE/hold" | wc -l); l0=$(mo_log_count)
	rec_reset "$REC"
	(cd / && mo_as mo-site-a "$W" -t -i <"$1") >/dev/null 2>"$T/err"
	RC=$?
	RAN=0; [ -f "$REC/stdin" ] && RAN=1
	HELD=$(( $(ls "$MO_STATE/hold" | wc -l) - h0 ))
	LOGGED=$(( $(mo_log_count) - l0 ))
}
# outcome LABEL FILE: passed whole, held, or refused non-zero; logged once
outcome() {
	local what=none
	if [ "$RC" -eq 0 ] && [ "$RAN" -eq 1 ]; then
		tail -c "$(wc -c <"$2")" "$REC/stdin" | cmp -s - "$2" && what=passed || what=passed-damaged
	elif [ "$RC" -eq 0 ] && [ "$HELD" -eq 1 ]; then what=held
	elif [ "$RC" -ne 0 ] && [ "$RC" -lt 128 ] && [ "$RAN" -eq 0 ] && [ "$HELD" -eq 0 ]; then what=refused
	fi
	case $what in passed|held|refused) t_ok 0 "$1: $what (exit $RC)" ;;
	*) t_ok 1 "$1: $what (exit $RC, mta ran $RAN, held $HELD)"; t_diag "$(cat "$T/err")" ;;
	esac
	t_is "$LOGGED" 1 "$1: one log line"
	OUTCOME=$what
}

# ---- a half-made store is built again; limits apply ----------------------------
state 32m
truncate -s "$STORE_SIZE" "$MO_STATE/limits.db"
conf "3/1d"
res=""
for i in 1 2 3 4 5; do send "$M/small.eml"; res="$res $RC/$RAN/$HELD"; done
t_is "$res" " 0/1/0 0/1/0 0/1/0 0/0/1 0/0/1" "half-made store: 3 passed, then held (exit/mta ran/held)"
t_like "$(grep -a -m1 'half-made' "$MO_LOG")" 'fault="limit store limits.db was half-made' "half-made store: the rebuild is logged"
t_is "$(head -c 8 "$MO_STATE/limits.db")" MOLIMDB1 "half-made store: has its header now"

# ---- first creation on a full disk ------------------------------------------------
state 2m
conf "3/1d"
send "$M/small.eml"
outcome "store creation, disk too small" "$M/small.eml"
t_unlike "$OUTCOME" passed "store creation, disk too small: not passed unlimited"
t_is "$(stat -c %s "$MO_STATE/limits.db")" 0 "store creation, disk too small: the file is left empty"
mount -o remount,size=32m "$MO_STATE"
res=""
for i in 1 2 3 4; do send "$M/small.eml"; res="$res $RC/$RAN"; done
t_is "$res" " 0/1 0/1 0/1 0/0" "room again: the store is built whole, 3 pass, the 4th is held"
t_is "$(stat -c '%s' "$MO_STATE/limits.db")" "$STORE_SIZE" "room again: full size"
t_ok $(( $(stat -c '%b*%B' "$MO_STATE/limits.db") < STORE_SIZE )) "room again: allocated, not sparse"

# ---- a sparse store (older versions) on a full disk: no SIGBUS ----------------------
state 32m
truncate -s "$STORE_SIZE" "$MO_STATE/limits.db"
printf 'MOLIMDB1\001\000\000\000\000\000\001\000\200\000\000\000\000\000\000\000' |
	dd of="$MO_STATE/limits.db" conv=notrunc 2>/dev/null
conf "100/1d"
fill 0
send "$M/small.eml"
outcome "sparse store, disk full" "$M/small.eml"
t_unlike "$OUTCOME" passed "sparse store, disk full: not passed unlimited"
t_like "$(tail -1 "$MO_LOG")" 'fault=".*limit store' "sparse store, disk full: the store's fault is logged"

# ---- the state dir filled to each byte count that matters ----------------------
# (a built store; the small message fits the memory buffer, the big one is
# spooled in STATE/tmp, a hold needs its files in STATE/hold)
state 24m
conf "1000/1d"
send "$M/small.eml"
t_is "$RC/$RAN" 0/1 "fill: the store is built"
for free in 0 1024 4096 16384 65536 200000 450000 1048576; do
	for f in small big; do
		fill "$free"
		send "$M/$f.eml"
		outcome "fill: $free bytes free, $f message" "$M/$f.eml"
	done
done
# and under a limit already reached: held or refused, never passed
conf "1/1d"
send "$M/small.eml"
for free in 0 4096 65536 450000; do
	fill "$free"
	send "$M/big.eml"
	outcome "fill, over the limit: $free bytes free" "$M/big.eml"
	t_unlike "$OUTCOME" passed "fill, over the limit: $free bytes free: not passed"
done
rm -f "$MO_STATE/fill"
t_done
