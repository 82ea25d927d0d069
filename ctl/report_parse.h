/*
 * report_parse: pure parsers over one log line, for mailoriginctl report.
 * No allocation, no I/O: every result points into the line.
 *
 * Line prefixes (rp_prefix):
 *   "Dec  1 20:23:28 host prog[pid]: msg"        classic syslog (and Postfix's
 *   "Dec 01 20:23:28 host prog[pid]: msg"         maillog_file, day zero-padded);
 *                                                 local time, no year: the year
 *                                                 is the reference time's, or the
 *                                                 one before when that would put
 *                                                 the line more than a day after
 *                                                 the reference (a log read in
 *                                                 January holding December lines)
 *   "2026-12-01T20:23:28.123456+01:00 host prog[pid]: msg"   RFC 3339 (rsyslog)
 *   "2026-12-01T20:23:28Z prog[pid]: msg"        the wrapper's own log file
 *   "@4000000065a1b2c3xxxxxxxx msg"              multilog (qmail), TAI64N
 * "[pid]" is optional.
 *
 * Messages (rp_message, by the program's last path component):
 *   Postfix  pickup    "QID: uid=N from=<S>"
 *            smtpd     "QID: client=C[, sasl_method=M, sasl_username=U]"
 *                      "NOQUEUE: reject: RCPT from C: ...; from=<S> to=<R> ..."
 *            cleanup   "QID: message-id=<...>", "QID: [milter-]hold: ...",
 *                      "QID: [milter-]reject: ...", "QID: discard: ..."
 *            qmgr      "QID: from=<S>, size=N, nrcpt=R (queue active)",
 *                      "QID: from=<S>, status=expired, returned to sender",
 *                      "QID: removed"
 *            delivery  (smtp, lmtp, local, virtual, pipe, error, discard, ...)
 *                      "QID: to=<R>, [orig_to=<O>, ]relay=X, ..., status=S (...)"
 *            bounce    "QID: sender non-delivery notification: QID2"
 *            postsuper "QID: placed on hold", "released from hold", "removed",
 *                      "requeued"
 *   qmail-send (qmail-log(5); with or without splogger's "SECONDS.FRAC "):
 *            "new msg N", "info msg N: bytes B from <S> qp P uid U",
 *            "starting delivery D: msg N to local|remote R",
 *            "delivery D: success|failure|deferral: ...", "end msg N",
 *            "bounce msg N qp P"
 *   SMTP AUTH on qmail:
 *            Plesk     "smtp_auth: SMTP user U : logged in from H [IP]"
 *                      "smtp_auth: FAILED: U - password incorrect from H [IP]"
 *            s/qmail, spamcontrol
 *                      "qmail-smtpd: [pid P ]Accept::AUTH::TYPE: ... F:<U> ..."
 *                      "qmail-smtpd: [pid P ]Reject::AUTH::TYPE: ... F:<U> ..."
 *   mailorigin (the wrapper, mailoriginctl): key=value, see kvparse.h.
 */
#ifndef CTL_REPORT_PARSE_H
#define CTL_REPORT_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct rp_str {
	const char	*p;
	size_t		 n;
};

/* What turns a year-less time into seconds: the reference instant (a
 * file's mtime, or now) and a cache of the last day computed. */
struct rp_clock {
	time_t	ref;
	int	ref_year;
	int	c_mon, c_day, c_year;
	time_t	c_base;         /* local midnight of c_year-c_mon-c_day */
};
void rp_clock_init(struct rp_clock *c, time_t ref);

struct rp_prefix {
	int64_t		t;      /* seconds since the epoch */
	struct rp_str	host;   /* may be empty */
	struct rp_str	prog;   /* "postfix/smtpd", "mailorigin", "qmail" */
	struct rp_str	msg;    /* after ": " */
	int		multilog;       /* "@4000..." (no program named) */
};

/* Split a line (without its newline).  Returns 0, or -1 when it has no
 * prefix of the forms above. */
int rp_prefix(const char *line, size_t len, struct rp_clock *c, struct rp_prefix *p);

/* A time written as "YYYY-MM-DD[ T]hh:mm[:ss[.frac]][Z|+hh:mm]" (local
 * time when no zone).  Returns 0 and *t, or -1. */
int rp_parse_time(const char *s, size_t len, int64_t *t);

enum rp_kind {
	RP_OTHER = 0,   /* a well-formed line this report does not use */
	RP_BAD,         /* a line of a known program that does not parse */
	PF_PICKUP, PF_CLIENT, PF_MSGID, PF_QMGR, PF_EXPIRED, PF_DELIVERY,
	PF_REMOVED, PF_BOUNCE, PF_HOLD, PF_RELEASE, PF_REJECT, PF_NOQUEUE,
	QM_NEW, QM_INFO, QM_START, QM_DELIVERY, QM_END, QM_BOUNCE,
	QM_AUTH, QM_AUTH_FAIL,
	MO_LINE         /* a mailorigin key=value line: rp_event.rest */
};

struct rp_event {
	enum rp_kind	kind;
	struct rp_str	qid;    /* Postfix queue id */
	struct rp_str	from, to, client, sasl, msgid, relay, status, newqid;
	struct rp_str	rest;   /* MO_LINE: the key=value text */
	unsigned long	uid, size, nrcpt;
	int		has_uid;
	unsigned long	msg, dlv;       /* qmail message (inode) and delivery numbers */
	int		remote;         /* qmail: to remote */
};

/* What a line's message says.  p from rp_prefix(). */
void rp_message(const struct rp_prefix *p, struct rp_event *e);

/* The address inside "<...>" (or the whole when there are no brackets),
 * so that the wrapper's msgid and cleanup's message-id compare equal. */
struct rp_str rp_msgid_core(struct rp_str s);

#endif
