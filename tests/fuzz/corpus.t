#!/usr/bin/env bash
# Replay every input of tests/fuzz/corpus/NAME/ once through its harness
# tests/fuzz/fuzz_NAME.c, built with clang's ASan and UBSan (no libFuzzer:
# tests/fuzz/driver.c calls LLVMFuzzerTestOneInput for each file).  Each
# input once fixed a crash, a hang or an overread, or seeds a parser: none
# may fail again.  TAP, for tests/run; well under a minute.
set -u
cd "$(dirname "$0")/../.." || exit 2
out=${BUILD:-build}/fuzz-regress
cc=${FUZZ_CC:-clang}
n=0
ok() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fi; }

if ! command -v "$cc" >/dev/null; then
	echo "ok 1 - corpus replay # SKIP $cc not installed"
	echo "1..1"
	exit 0
fi
mkdir -p "$out"
flags=(-std=gnu11 -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined,bounds
       -fno-sanitize-recover=all -D_GNU_SOURCE -Ilib -Itracer -Ictl -Imilter
       $(pkg-config --cflags libbsd))
libs=($(pkg-config --libs libbsd) -lm)
srcs=(lib/elfsym.c tracer/procfs.c tracer/fcgi.c tracer/fpm.c lib/cutprintf.c lib/trust.c
      tracer/vhost.c lib/proc.c lib/stamp.c lib/rcpt.c lib/escape.c lib/options.c
      ctl/report_parse.c ctl/report_core.c lib/kvparse.c lib/json.c lib/hygiene.c
      lib/pfqueue.c lib/qmsg.c lib/qmailq.c lib/smtpd.c lib/buf.c milter/peer.c
      tests/fuzz/driver.c)

# Objects, rebuilt when their source or any tracer header is newer.
build_obj() {   # build_obj SRC -> prints nothing, exit status
	local src=$1 obj=$out/$(basename "${1%.c}").o h
	if [ -f "$obj" ] && [ "$obj" -nt "$src" ]; then
		for h in tracer/*.h lib/*.h ctl/report*.h milter/*.h lib/phpmem.c; do
			[ "$h" -nt "$obj" ] && break
		done
		[ "$h" -nt "$obj" ] || return 0
	fi
	"$cc" "${flags[@]}" -c -o "$obj" "$src"
}
objs=()
fail=0
for s in "${srcs[@]}" tests/fuzz/fuzz_*.c; do
	build_obj "$s" >"$out/build.log" 2>&1 || { cat "$out/build.log" | sed 's/^/# /'; fail=1; }
done
for s in "${srcs[@]}"; do objs+=("$out/$(basename "${s%.c}").o"); done
ok $fail "harnesses build with ASan and UBSan"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for h in tests/fuzz/fuzz_*.c; do
	name=$(basename "${h%.c}"); name=${name#fuzz_}
	bin=$out/fuzz_$name
	"$cc" "${flags[@]}" -o "$bin" "$out/fuzz_$name.o" "${objs[@]}" "${libs[@]}" \
		>"$out/$name.log" 2>&1
	if [ ! -d "tests/fuzz/corpus/$name" ]; then
		ok 1 "$name: a corpus in tests/fuzz/corpus/$name"
		continue
	fi
	count=$(find "tests/fuzz/corpus/$name" -type f | wc -l)
	timeout 30 "$bin" "tests/fuzz/corpus/$name" >>"$out/$name.log" 2>&1
	r=$?
	[ $r -ne 0 ] && tail -20 "$out/$name.log" | sed 's/^/# /'
	ok $r "$name: $count corpus inputs replayed clean"
done
echo "1..$n"
