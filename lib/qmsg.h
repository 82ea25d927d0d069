/*
 * qmsg: one queued message as mailoriginctl sees it, whatever the MTA:
 * envelope, a few headers, and its attribution, each value marked
 * trusted or claimed.  Fed item by item (by pfqueue's callback or by the
 * qmail reader); every value is bounded and kept raw (the caller escapes
 * on output).
 *
 * Attribution, best evidence first:
 *  - the pickup Received header Postfix added on local submission,
 *    "(Postfix, from userid N)": the FIRST Received field (Postfix writes
 *    its own on top; one lower down may be forged by the submitter), and
 *    believed only when the queue file says rewrite_context=local and no
 *    client address (else claimed);
 *  - our stamps (PREFIX Uid, Script, Vhost, Cwd): trusted only on local
 *    mail whose stamped uid agrees with the pickup uid, else claimed;
 *  - the queue file's sasl_username, log_client_address/_name (trusted:
 *    Postfix's smtpd wrote them), log_helo_name (claimed);
 *  - X-PHP-Originating-Script "UID:FILE" (claimed);
 *  - qmail: "(qmail N invoked by uid U)" (trusted, as qmail-queue writes
 *    it on top) / "invoked from network" / "invoked for bounce" (a bounce
 *    qmail-send made: what it carries below "--- Below this line is a
 *    copy of the message." is the original's).
 * A bounce (null sender) is traced to its original: the headers it
 * carries (a message/rfc822 or text/rfc822-headers part) are read as the
 * original's, and X-Postfix-Sender noted.  The original's evidence is
 * trusted only when the bounce itself was made locally by the MTA.
 */
#ifndef MO_QMSG_H
#define MO_QMSG_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define QM_VAL_MAX      256
#define QM_RCPT_DOMAINS 4

enum qm_trust { QM_NONE = 0, QM_CLAIMED = 1, QM_TRUSTED = 2 };

struct qm_val {
	char		v[QM_VAL_MAX + 1];
	size_t		len;
	enum qm_trust	trust;
};

/* What one header block says of where the message came from. */
struct qm_origin {
	long		pickup_uid;     /* first Received: "(Postfix, from userid N)", -1 none */
	int		first_received; /* the first Received field was seen */
	int		net_received;   /* qmail: invoked from network */
	int		qmail_bounce;   /* qmail: invoked for bounce (qmail-send made it) */
	long		stamp_uid;      /* PREFIX Uid, -1 none */
	struct qm_val	stamp_script, stamp_vhost, stamp_cwd, stamp_id;
	long		xphp_uid;       /* X-PHP-Originating-Script UID:..., -1 none */
	struct qm_val	xphp;
	struct qm_val	subject, from_hdr, message_id;
};

struct qmsg {
	/* envelope */
	char		id[65];
	time_t		arrival;
	long		size;           /* message size: the 'C' record's, or the file's */
	struct qm_val	sender;
	unsigned long	nrcpt;
	struct qm_val	rcpt;           /* the first recipient */
	char		rcpt_domains[QM_RCPT_DOMAINS][QM_VAL_MAX + 1];
	int		nrcpt_domains;
	/* Postfix's named attributes */
	struct qm_val	sasl, client_addr, client_name, helo, rewrite_context;
	int		origin_local;   /* log_message_origin=local (Postfix's own mail) */
	int		local;          /* rewrite_context=local or Postfix's own, no client */
	long		owner_uid;      /* maildrop: the file's owner (postdrop's caller), -1 */
	/* the message's own headers, and for a bounce the original's */
	struct qm_origin own, orig;
	int		bounce;         /* null sender */
	struct qm_val	bounce_sender;  /* X-Postfix-Sender of the delivery status */
	int		mta_qmail;

	/* resolved attribution (qm_resolve) */
	long		uid;            /* -1 unknown */
	enum qm_trust	uid_trust;
	struct qm_val	script, vhost;  /* trust inside */
	int		traced;         /* a bounce whose original was found */

	/* parser state */
	const char	*prefix;
	size_t		prefix_len;
	int		body_state;     /* bounce body: 0 searching, 1 in part header, 2 in original headers, 3 done */
};

void qm_init(struct qmsg *m, const char *stamp_prefix);
/* An envelope value (sender, recipient, attribute "name=value"). */
void qm_sender(struct qmsg *m, const char *s, size_t n);
void qm_recipient(struct qmsg *m, const char *s, size_t n);
void qm_attr(struct qmsg *m, const char *s, size_t n);
/* A header field "Name: value" (folded lines joined with "\n"). */
void qm_header(struct qmsg *m, const char *s, size_t n);
/* A body line; returns 1 when the body is of no further use to attribution. */
int qm_body_line(struct qmsg *m, const char *s, size_t n);
/* Decide uid, script, vhost and their trust from all the evidence. */
void qm_resolve(struct qmsg *m);

/* "uid 1042", "sasl alice@x", "client 192.0.2.1", "unknown": the origin in
 * one short word pair, for summary and --by bounce. */
void qm_origin_label(const struct qmsg *m, char *buf, size_t len);

void qm_set(struct qm_val *v, const char *s, size_t n, enum qm_trust t);
const char *qm_trust_name(enum qm_trust t);

#endif
