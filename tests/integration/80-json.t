#!/usr/bin/env bash
# Every --json output stays valid JSON, and terminal-safe, for hostile
# names: invalid UTF-8, C1 controls (raw and as UTF-8), DEL, ESC, quotes,
# backslashes, newlines, U+2028.  Checked with Python's strict parser, one
# object per line, and the escaped text must read back as what was there
# (lib/json.h: a byte that is no UTF-8 reads back as the Latin-1 character).
#   - mailorigin-tracer --json: a PHP CLI process whose script path is hostile
#   - mailoriginctl hold list --json / hold show --json: a hostile meta
#   - mailorigin-install status --json: a hostile --root
. "$(dirname "$0")/../lib/harness.sh"
mo_begin "$@"
CTL_BUILD=$MO_ROOT/build/mailoriginctl
TRACER=$MO_ROOT/build/mailorigin-tracer
MI=$MO_ROOT/build/mailorigin-install
for b in "$CTL_BUILD" "$TRACER" "$MI"; do
	[ -x "$b" ] || mo_skip_all "$b not built (run make)"
done
command -v python3 >/dev/null || mo_bail "python3 missing (.ci/deps.sh installs it)"
mo_install_wrapper
mo_conf postfix /usr/sbin/sendmail

# The hostile names (no '/'), as printf formats so that the test says what
# they hold.  The tracer keeps no path with a C0 control or DEL (PHP's memory
# and the command line are cut there: a name is not worth a forged column),
# so its name has every other class: raw C1 (CSI), C1 as UTF-8, invalid
# UTF-8, U+2028, quotes, backslashes.
HOSTILE_FMT='h"q\\b\177\377\302\233[2J\233\033]0;x\007\342\200\250\nend'
TRACER_FMT='my site h"q\\b\377\302\233[2J\233]0;x\342\200\250end'
hostile() { local h; h=$(printf "$1"; printf x); printf '%s' "${h%x}"; }
HOSTILE=$(hostile "$HOSTILE_FMT")

# json_check FILE [FMT]: every non-empty line is strict UTF-8, holds no raw C0,
# DEL, C1, U+2028/9, parses as one JSON object; and some string value of
# some line reads back as the hostile name FMT (HOSTILE_FMT; the name's invalid bytes as
# their Latin-1 characters).  Prints "ok" or why not.
json_check() {
	python3 - "$1" "${2:-$HOSTILE_FMT}" <<'PY'
import json, re, sys, subprocess
raw = open(sys.argv[1], 'rb').read()
want = subprocess.run(['printf', sys.argv[2]], capture_output=True).stdout
def latin(b):
    out, i = [], 0
    while i < len(b):
        for n in (4, 3, 2, 1):
            try:
                out.append(b[i:i+n].decode('utf-8')); i += n; break
            except UnicodeDecodeError:
                if n == 1:
                    out.append(chr(b[i])); i += 1
    return ''.join(out)
want = latin(want)
found = False
def walk(v):
    global found
    if isinstance(v, str):
        found = found or want in v
    elif isinstance(v, dict):
        for k, x in v.items(): walk(k); walk(x)
    elif isinstance(v, list):
        for x in v: walk(x)
n = 0
for ln in raw.split(b'\n'):
    if not ln:
        continue
    try:
        text = ln.decode('utf-8', 'strict')
    except UnicodeDecodeError as e:
        print('not UTF-8:', e); sys.exit(0)
    bad = re.search('[\x00-\x1f\x7f-\x9f\u2028\u2029]', text)
    if bad:
        print('raw control U+%04X in %r' % (ord(bad.group()), text[:120])); sys.exit(0)
    try:
        o = json.loads(text)
    except ValueError as e:
        print('invalid JSON:', e, text[:120]); sys.exit(0)
    if not isinstance(o, dict):
        print('not an object'); sys.exit(0)
    walk(o); n += 1
print('ok' if n and found else 'no line holds the hostile name (%d lines)' % n)
PY
}

# ---- the tracer --------------------------------------------------------------
D=$T/srv/$(hostile "$TRACER_FMT")
mkdir -p "$D"
printf '<?php\nsleep(30);\n' >"$D/x.php"
(cd / && exec php "$D/x.php") >/dev/null 2>&1 &
CLI=$!
mo_atexit "kill $CLI"
for _ in $(seq 50); do grep -q x.php /proc/$CLI/cmdline 2>/dev/null && break; sleep 0.1; done
sleep 0.3
"$TRACER" --json --all >"$T/tracer.json" 2>"$T/tracer.err"
t_is "$(json_check "$T/tracer.json" "$TRACER_FMT")" ok "tracer --json: valid JSON, the hostile script path escaped" ||
	t_diag "$(head -c 2000 "$T/tracer.json" | od -c | head -20)"
"$TRACER" --json --no-memory >"$T/tracer-cmd.json" 2>/dev/null
t_is "$(json_check "$T/tracer-cmd.json" "$TRACER_FMT")" ok "tracer --json --no-memory (script from the command line): valid"
"$TRACER" --json --watch --interval 100ms --duration 400ms >"$T/watch.json" 2>/dev/null
t_is "$(json_check "$T/watch.json" "$TRACER_FMT")" ok "tracer --watch --json: valid"

# ---- mailoriginctl hold list / show -------------------------------------------
CTL=$T/bin/mailoriginctl
install -m 0755 "$CTL_BUILD" "$CTL"
uid_a=$(mo_uid mo-site-a); gid_a=$(mo_gid mo-site-a)
ID=2222222222222222
h=$MO_STATE/hold/$ID
mkdir -m 2770 "$h"
printf 'From: x@test.invalid\nTo: r@test.invalid\nSubject: %s\n\nbody\n' "$HOSTILE" | tr '\n' '\n' >"$h/message"
{
	printf 'version=1\ntime=%s\nreason=limit\ngid=%s\nargc=2\n' "$(date +%s)" "$gid_a"
	# the wrapper writes C escapes; ctl decodes them back into the bytes
	printf 'id=%s action=hold uid=%s user=u vhost="%s" rule=uid:%s\n' "$ID" "$uid_a" \
		'h\"q\\b\x7f\xff\xc2\x9b[2J\x9b\x1b]0;x\x07\xe2\x80\xa8\nend' "$uid_a"
	printf 'arg=/usr/sbin/sendmail\narg="%s"\n' 'h\"q\\b\x7f\xff\xc2\x9b[2J\x9b\x1b]0;x\x07\xe2\x80\xa8\nend'
} >"$h/meta"
chown "$uid_a:mailorigin" "$h" "$h/message" "$h/meta"
chmod 0640 "$h/message" "$h/meta"
"$CTL" hold list --json >"$T/list.json" 2>"$T/list.err"
t_is "$(json_check "$T/list.json")" ok "hold list --json: valid JSON, the hostile vhost and argument escaped" ||
	t_diag "$(cat "$T/list.json" "$T/list.err")"
"$CTL" hold show --json "$ID" >"$T/show.json" 2>"$T/show.err"
t_is "$(json_check "$T/show.json")" ok "hold show --json: valid JSON (meta and a hostile Subject)" ||
	t_diag "$(cat "$T/show.json" "$T/show.err")"

# ---- mailorigin-install status -----------------------------------------------
R=$T/root-$HOSTILE
mkdir -p "$R"
"$MI" --root "$R" status --json >"$T/status.json" 2>"$T/status.err"
t_is "$(json_check "$T/status.json")" ok "install status --json: valid JSON for a hostile --root" ||
	t_diag "$(cat "$T/status.json" "$T/status.err")"
t_done
