#!/usr/bin/env bash
# The tracer's own ELF dynamic-symbol reader against `objdump -T`, on
# Debian's PHP binaries and libphp8.2.so: same symbols, values and sizes.
. "$(dirname "$0")/lib.sh"
need objdump

# objdump -T lines: "VALUE FLAGS SECTION<TAB>SIZE  [VERSION]  NAME"
objdump_syms() {
	objdump -T "$1" | awk -F'\t' '
		/^[0-9a-f]+ / && NF >= 2 {
			n = split($1, a, " "); value = a[1]; sect = a[n]
			m = split($2, b, " "); size = b[1]; name = b[m]
			print value, size, (sect == "*UND*" ? "UND" : "DEF"), name
		}' | sort
}
ours() { "$TRACER" --symbols "$1" | awk '{ print $1, $2, $4, $5 }' | sort; }

for f in /usr/sbin/php-fpm8.2 /usr/bin/php8.2 /usr/bin/php-cgi8.2 \
         /usr/lib/apache2/modules/libphp8.2.so; do
	if [ ! -e "$f" ]; then
		skip "$f" "not installed"
		continue
	fi
	objdump_syms "$f" >"$T/objdump"
	ours "$f" >"$T/ours"
	n=$(wc -l <"$T/objdump")
	if cmp -s "$T/objdump" "$T/ours"; then
		ok 0 "$f: $n dynamic symbols, same as objdump -T"
	else
		ok 1 "$f: same dynamic symbols as objdump -T"
		diff "$T/objdump" "$T/ours" | head -5 | while read -r l; do diag "$l"; done
	fi
	check "$f: exports executor_globals and sapi_globals" \
		test "$(grep -cE ' DEF (executor_globals|sapi_globals)$' "$T/ours")" = 2
done

# Refusals: not ELF, truncated ELF.
"$TRACER" --symbols /etc/passwd >/dev/null 2>&1
is $? 66 "a text file is refused with EX_NOINPUT"
head -c 2000 /usr/bin/php8.2 >"$T/truncated"
"$TRACER" --symbols "$T/truncated" >/dev/null 2>&1
is $? 66 "a truncated ELF file is refused, not read past its end"

done_testing
