# tests/lib/postfix.sh: a private Postfix under $T/pf, in this namespace.
#
# The private config directory is bind-mounted over /etc/postfix, so that
# the real /usr/sbin/sendmail and postdrop, run by any uid inside this
# namespace, inject into the private queue without -C (Postfix refuses -C
# for non-root callers unless the system main.cf lists the directory).
# Local delivery is to Maildir folders $PF_MAIL/<user>/new (one file per
# message, no mbox "From " quoting), recipient_delimiter "+", so each test
# case sends to mo-rcpt+<case>@test.invalid and finds its message by the
# Delivered-To header.  No inet service is started (loopback only anyway).

pf_start() {
	command -v postfix >/dev/null || mo_skip_all "postfix not installed"
	PF=$T/pf
	PF_MAIL=$PF/mail
	mkdir -p "$PF/etc" "$PF/spool" "$PF/data" "$PF_MAIL"
	chmod 755 "$PF"; chmod 1777 "$PF_MAIL"
	cp -a /etc/postfix/. "$PF/etc/"
	chown -R root:root "$PF/etc"
	chown postfix "$PF/data"
	cat >"$PF/etc/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $PF/spool
data_directory = $PF/data
mail_owner = postfix
setgid_group = postdrop
myhostname = test.invalid
mydomain = test.invalid
myorigin = test.invalid
mydestination = test.invalid, localhost
inet_interfaces = loopback-only
inet_protocols = ipv4
master_service_disable = inet
alias_maps =
alias_database =
local_recipient_maps =
recipient_delimiter = +
mail_spool_directory = $PF_MAIL/
home_mailbox =
mailbox_command =
mailbox_size_limit = 0
message_size_limit = 104857600
default_transport = error
relay_transport = error
biff = no
maillog_file = $PF/maillog
maillog_file_prefixes = /tmp, $T
CF
	rm -f "$PF/etc/master.cf.proto" "$PF/etc/main.cf.proto"
	mo_bind "$PF/etc" /etc/postfix
	postconf -F '*/*/chroot = n' || mo_bail "postconf -F failed"
	postfix check >"$T/pf-check.out" 2>&1 ||
		mo_bail "postfix check failed" "$(cat "$T/pf-check.out")"
	postfix start >"$T/pf-start.out" 2>&1 ||
		mo_bail "postfix start failed" "$(cat "$T/pf-start.out"; cat "$PF/maillog" 2>/dev/null)"
	mo_atexit pf_stop
	PF_MASTER_PID=$(sed -n '1s/ //gp' "$PF/spool/pid/master.pid" 2>/dev/null)
	[ -n "$PF_MASTER_PID" ] && kill -0 "$PF_MASTER_PID" ||
		mo_bail "postfix master not running" "$(cat "$PF/maillog" 2>/dev/null)"
}

pf_stop() {
	[ -n "${PF_MASTER_PID:-}" ] || return 0
	local kids c
	kids=$(ps -o pid= --ppid "$PF_MASTER_PID" 2>/dev/null)
	postfix stop >/dev/null 2>&1 || kill -TERM "$PF_MASTER_PID"
	local i
	for i in $(seq 50); do kill -0 "$PF_MASTER_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$PF_MASTER_PID" 2>/dev/null
	# Children of the master (pickup, qmgr, local...) die with it; make sure.
	for c in $kids; do kill -KILL "$c" 2>/dev/null; done
	PF_MASTER_PID=
}

# pf_addr CASE: the address for one test case
pf_addr() { echo "mo-rcpt+$1@test.invalid"; }

# pf_wait CASE [SECONDS]: print the delivered message file for CASE, waiting
# for delivery (default 30 s; waiting is a bound for failure, not a timing).
pf_wait() {
	local c=$1 max=${2:-30} i f
	for ((i = 0; i < max * 10; i++)); do
		f=$(grep -l -m1 -a -F "Delivered-To: mo-rcpt+$c@test.invalid" "$PF_MAIL"/mo-rcpt/new/* 2>/dev/null | head -1)
		[ -n "$f" ] && { echo "$f"; return 0; }
		sleep 0.1
	done
	return 1
}

# pf_settle: wait until the queue's incoming, active and maildrop folders
# are empty (a bound for failure, not a timing)
pf_settle() {
	local i
	for i in $(seq 300); do
		[ -z "$(find "$PF/spool/incoming" "$PF/spool/active" "$PF/spool/maildrop" -type f 2>/dev/null)" ] && return 0
		sleep 0.1
	done
	return 1
}

# pf_flush: ask the queue manager to try everything now (after a deferral)
pf_flush() { postqueue -f >/dev/null 2>&1; }

# pf_why CASE: what the maillog says about a case (for diagnostics)
pf_why() { grep -a -F "$1" "$PF/maillog" 2>/dev/null | tail -5; postqueue -p 2>/dev/null | tail -5; }
