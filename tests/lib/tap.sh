# tests/lib/tap.sh: TAP output for the integration scripts.
#   t_ok STATUS DESC          pass when STATUS is 0 (use: [ ... ]; t_ok $? "desc")
#   t_run DESC CMD...         pass when CMD exits 0; its output goes to diag on failure
#   t_is GOT WANT DESC        string equality, both shown on failure
#   t_like GOT ERE DESC       extended-regex match
#   t_unlike GOT ERE DESC     no match
#   t_skip DESC REASON        "ok N - DESC # SKIP REASON" (tests/run fails it in CI)
#   t_diag TEXT...            "# TEXT" lines, never mistaken for a result
#   t_done                    prints the plan "1..N", exits 1 if anything failed
# Output from the code under test must go through t_diag, so that no line
# of it can start with "ok" and be counted.

_t_n=0
_t_failed=0

t_diag() {
	local line
	printf '%s\n' "$@" | while IFS= read -r line; do printf '# %s\n' "$line"; done
}

t_ok() {   # t_ok STATUS DESC
	_t_n=$((_t_n + 1))
	if [ "$1" -eq 0 ]; then
		printf 'ok %d - %s\n' "$_t_n" "$2"
	else
		printf 'not ok %d - %s\n' "$_t_n" "$2"
		_t_failed=$((_t_failed + 1))
	fi
	return "$1"
}

t_run() {  # t_run DESC CMD...
	local desc=$1 out rc; shift
	out=$("$@" 2>&1); rc=$?
	t_ok $rc "$desc" || { t_diag "command: $*" "exit: $rc"; [ -n "$out" ] && t_diag "$out"; }
	return $rc
}

_t_show() { printf '%s' "$1" | head -c 2000 | cat -A | head -40; }

t_is() {   # t_is GOT WANT DESC
	if [ "$1" = "$2" ]; then t_ok 0 "$3"
	else
		t_ok 1 "$3"
		t_diag "got:" "$(_t_show "$1")" "want:" "$(_t_show "$2")"
		return 1
	fi
}

t_like() { # t_like GOT ERE DESC
	if printf '%s' "$1" | grep -Eq -- "$2"; then t_ok 0 "$3"
	else
		t_ok 1 "$3"
		t_diag "got:" "$(_t_show "$1")" "want to match: $2"
		return 1
	fi
}

t_unlike() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then
		t_ok 1 "$3"
		t_diag "got:" "$(_t_show "$1")" "must not match: $2"
		return 1
	else t_ok 0 "$3"
	fi
}

t_skip() { # t_skip DESC REASON
	_t_n=$((_t_n + 1))
	printf 'ok %d - %s # SKIP %s\n' "$_t_n" "$1" "$2"
	printf '# SKIPPED: %s: %s\n' "$1" "$2" >&2
}

t_done() {
	printf '1..%d\n' "$_t_n"
	[ "$_t_failed" -eq 0 ]
}
