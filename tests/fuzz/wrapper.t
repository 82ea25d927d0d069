#!/usr/bin/env bash
# A short libFuzzer run of the setgid wrapper's harness (fuzz_wrapper.c:
# the header filter checked byte for byte against its model, escaping,
# argv) under ASan and bounds-checking UBSan, through `make fuzz` itself,
# so that a crash there is a failure here.  `make fuzz` runs every harness
# longer (FUZZ_SECONDS).
set -u
cd "$(dirname "$0")/../.." || exit 2
secs=${WRAPPER_FUZZ_SECONDS:-20}
if ! command -v clang >/dev/null; then
	echo "ok 1 - wrapper fuzz # SKIP clang not installed"
	echo "1..1"
	exit 0
fi
b=${BUILD:-build}
out=$(make --no-print-directory BUILD="$b" FUZZ_SECONDS="$secs" \
	FUZZ_BINS="$b/fuzz/fuzz_wrapper" fuzz 2>&1)
rc=$?
printf '%s\n' "$out" | tail -8 | sed 's/^/# /'
if [ $rc -eq 0 ]; then echo "ok 1 - fuzz_wrapper ${secs}s: no crash, leak or loss"
else echo "not ok 1 - fuzz_wrapper ${secs}s: make fuzz failed (exit $rc)"; fi
echo "1..1"
