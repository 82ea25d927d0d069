#!/usr/bin/env bash
# --for: the swap reverts by itself when the window ends, on this machine
# (no systemd running, no at): a sleeper process reverts at the deadline;
# after a "reboot" (the sleeper killed) the wrapper passes mail through
# unstamped and the next status finishes the revert.  The systemd and at
# paths can only be checked here for what they write and run (see the
# unit test test_install_parts for the unit and at texts).
. "$(dirname "$0")/../lib/harness.sh"
mo_begin "$@"
. "$(dirname "$0")/lib.sh"
mo_install_wrapper
mo_atexit stop_sleepers

R=$T/root
mk_root "$R"
# the "real" sendmail in this root is a recording stand-in: it shows what
# the wrapper handed over, and no mail reaches any real MTA
REC=$T/rec
fake_mta "$R/usr/sbin/sendmail" "$REC"
snap "$R" >"$T/before"
# the wrapper's config, from outside the root, names the file being swapped
mo_conf postfix "$R/usr/sbin/sendmail" state="$R/var/lib/mailorigin"
msg() { printf 'From: a@test.invalid\nTo: b@test.invalid\nSubject: %s\n\nbody\n' "$1"; }

# --- inside a window: what status says, nothing reverted before the end ---
# (a window of an hour: a loaded machine cannot make it end mid-check)
mi_ok "swap --for 1h" --root "$R" swap --for 1h
note_sleeper "$R"; t_ok $? "no systemd, no at: a sleeper process was started"
t_like "$MI_OUT" "reverts by itself at .* \(sleeper pid [0-9]+\)" "swap says when and how it reverts"
pid=$(sleeper_of "$R")
mi --root "$R" status --json
t_is "$(json_get timer <<<"$MI_OUT")" none "status --json: timer none (the sleeper)"
rem=$(json_get remaining <<<"$MI_OUT")
[ "$rem" -gt 3000 ] && [ "$rem" -le 3600 ]; t_ok $? "status --json: up to an hour remaining ($rem s)"
mi_ok "revert --expired before the end does nothing" --root "$R" revert --expired
t_like "$MI_OUT" "not over" "and says the window is not over"
[ -L "$R/usr/sbin/sendmail" ]; t_ok $? "still swapped"
if has_hook; then
	rm -f "$REC"/argv "$REC"/stdin
	msg inside | "$R/usr/sbin/sendmail" -t -i; rc=$?
	t_is "$rc" 0 "inside the window: a submission through the swapped sendmail exits 0"
	t_like "$(cat "$REC/stdin" 2>/dev/null)" "^X-Mailorigin-Id: " "inside the window: the real one got the message stamped"
else
	t_skip "inside the window: submission stamped" "$HOOK_WHY"
	t_skip "inside the window: stamped" "$HOOK_WHY"
fi
mi_ok "revert by hand inside the window" --root "$R" revert
for i in $(seq 300); do gone "$pid" && break; sleep 0.1; done
gone "$pid"; t_ok $? "the sleeper goes away once its swap is reverted" || t_diag "$(head -3 /proc/$pid/status 2>/dev/null)"
t_same_tree "$T/before" "$R" "reverted by hand: byte-identical tree"

# --- the sleeper reverts at the deadline, not before ---
t0=$(date +%s)
mi_ok "swap --for 3s" --root "$R" swap --for 3s
# its pid from what swap said, not from the record: on a loaded machine
# the window may be over (and the record gone) before the next command
pid=$(sed -n 's/.*(sleeper pid \([0-9][0-9]*\)).*/\1/p' <<<"$MI_OUT")
[ -n "$pid" ] && echo "$pid" >>"$T/sleepers"
[ -n "$pid" ]; t_ok $? "a sleeper process was started (pid ${pid:-none})" || t_diag "$MI_OUT"
# generous: on a loaded machine the sleeper may wake late, never early
for i in $(seq 1200); do [ -e "$R/var/lib/mailorigin/install.record" ] || break; sleep 0.1; done
t_same_tree "$T/before" "$R" "the window ended: reverted by itself, byte-identical tree, with no command run"
# the revert renamed the real sendmail back: its change time is when
ct=$(stat -c %Z "$R/usr/sbin/sendmail")
[ "$ct" -ge $((t0 + 3)) ]; t_ok $? "not before the end of the window (reverted $((ct - t0)) s after the swap began)"
for i in $(seq 300); do gone "$pid" && break; sleep 0.1; done
gone "$pid"; t_ok $? "the sleeper is gone after the revert" || t_diag "$(head -3 /proc/$pid/status 2>/dev/null)"

# --- a reboot inside the window: nobody left to revert ---
# (the sleeper killed at once, the window's end then moved into the past:
# the same record a real end of the window leaves, without a race against
# the sleeper)
mi_ok "swap --for 1h again" --root "$R" swap --for 1h
note_sleeper "$R"
pid=$(sleeper_of "$R")
kill -KILL "$pid"      # the machine went down
for i in $(seq 300); do gone "$pid" && break; sleep 0.1; done
sed -i "s/^until=.*/until=$(($(date +%s) - 5))/" "$R/var/lib/mailorigin/install.record"
[ -L "$R/usr/sbin/sendmail" ]; t_ok $? "after the 'reboot' and the end of the window the files are still swapped"
if has_hook; then
	rm -f "$REC"/argv "$REC"/stdin
	msg after | "$R/usr/sbin/sendmail" -t -i -fsender@test.invalid; rc=$?
	t_is "$rc" 0 "window over, revert not done: a submission still exits 0"
	t_unlike "$(cat "$REC/stdin" 2>/dev/null)" "X-Mailorigin" "the wrapper passed it through unstamped"
	t_is "$(rec_argv_q "$REC")" "[$R/usr/sbin/sendmail.mailorigin-real][-t][-i][-fsender@test.invalid]" "with the caller's argv unchanged, to the real one"
else
	t_skip "window over: submission passes" "$HOOK_WHY"
	t_skip "window over: unstamped" "$HOOK_WHY"
	t_skip "window over: argv unchanged" "$HOOK_WHY"
fi
mi_ok "the next status exits 0" --root "$R" status
t_like "$MI_OUT" "window ended at .*: reverting it" "status says it finishes the revert"
t_like "$MI_OUT" "nothing is swapped" "and then that nothing is swapped"
t_same_tree "$T/before" "$R" "the next command finished the revert: byte-identical tree"

# --- an ended window and a new swap: the old one is reverted first ---
# (a long window whose end is then moved into the past: a 1 s window
# could be reverted by its sleeper before the test stops it, on a loaded
# machine)
mi --root "$R" swap --for 1h
note_sleeper "$R"; kill -KILL "$(sleeper_of "$R")"
sed -i "s/^until=.*/until=$(($(date +%s) - 5))/" "$R/var/lib/mailorigin/install.record"
mi_ok "swap after an ended window" --root "$R" swap
t_like "$MI_OUT" "window ended .*reverting it" "reverts the ended one first"
t_like "$(cat "$R/var/lib/mailorigin/install.record")" "until=0" "then swaps anew, without a window"
mi --root "$R" revert

# --- /etc/cron.d present: an entry that survives a reboot ---
mkdir -p "$R/etc/cron.d"
snap "$R" >"$T/before-cron"
mi_ok "swap --for 1h with /etc/cron.d" --root "$R" swap --for 1h
note_sleeper "$R"
t_like "$(cat "$R/etc/cron.d/mailorigin-revert" 2>/dev/null)" "^\* \* \* \* \* root .*mailorigin-install revert --expired --quiet$" "a cron.d entry runs revert --expired every minute"
t_is "$(stat -c %a "$R/etc/cron.d/mailorigin-revert" 2>/dev/null)" 644 "cron.d entry mode 644"
mi_ok "revert" --root "$R" revert
t_same_tree "$T/before-cron" "$R" "revert removes the cron.d entry: byte-identical tree"

# --- --timer systemd: what is written, and enabled offline under --root ---
if command -v systemctl >/dev/null; then
	mkdir -p "$R/etc/systemd/system"
	snap "$R" >"$T/before-sd"
	mi_ok "swap --for 1h --timer systemd" --root "$R" --timer systemd swap --for 1h
	t_like "$(cat "$R/etc/systemd/system/mailorigin-revert.timer" 2>/dev/null)" "OnCalendar=[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} UTC" "a timer unit with the absolute end"
	t_like "$(cat "$R/etc/systemd/system/mailorigin-revert.timer" 2>/dev/null)" "Persistent=true" "persistent: fires at boot when the end passed while down"
	[ -L "$R/etc/systemd/system/timers.target.wants/mailorigin-revert.timer" ]; t_ok $? "enabled (systemctl --root, offline: this machine runs no systemd)"
	mi_ok "revert" --root "$R" revert
	[ ! -e "$R/etc/systemd/system/mailorigin-revert.timer" ] && [ ! -e "$R/etc/systemd/system/timers.target.wants/mailorigin-revert.timer" ]
	t_ok $? "revert disables and removes the units"
	t_same_tree "$T/before-sd" "$R" "systemd round trip: byte-identical tree"
else
	t_skip "systemd timer" "systemctl not installed"
fi

# --- --timer at on a machine without at: refused before anything changes ---
if ! command -v at >/dev/null; then
	snap "$R" >"$T/before-at"
	mi --root "$R" --timer at swap --for 1h
	t_is "$MI_RC" 69 "--timer at without at: EX_UNAVAILABLE"
	t_same_tree "$T/before-at" "$R" "and nothing changed"
fi

t_done
