/*
 * pfhold: the other kind of held mail: messages mailorigin-milter put in
 * Postfix's hold queue (its quarantine).  They are recognised by our
 * X-Mailorigin-Id stamp in a hold queue file, and named by that id.  Only
 * those the milter recorded in STATE/quarantine/ID (root's, holding its
 * log line: the rule and window) are the milter's, their stamps believed;
 * any other stamped message in the hold queue (held by hand, stamps of
 * its sender's making) is listed as unverified, without uid or vhost.
 * Release is Postfix's: postsuper -H QUEUE_ID, then postqueue -i to send
 * it now, after checking that the file is still the one listed.
 */
#ifndef CTL_PFHOLD_H
#define CTL_PFHOLD_H

#include <sys/types.h>
#include <time.h>

#include "ctl.h"
#include "qmsg.h"
#include "spool.h"

struct pfhold {
	char		id[MO_ID_LEN + 1];      /* our stamp */
	char		qid[65];                /* Postfix's queue id */
	char		rel[96];                /* hold/ID under the queue dir */
	ino_t		ino;
	time_t		arrival;
	long		uid;                    /* the stamped uid, -1 none */
	char		user[64];
	char		vhost[QM_VAL_MAX + 1], from[QM_VAL_MAX + 1], sasl[QM_VAL_MAX + 1];
	unsigned long	rcpts;
	long		size;
	char		reason[32], rule[128], window[64];      /* from our record */
	int		verified;               /* the milter's record says it is its hold */
};

struct pfholds {
	struct pfhold	*v;
	size_t		 n, cap;
	char		 queue_dir[PATH_MAX];
	int		 readable;              /* a Postfix queue was read */
};

/* Postfix's hold queue, our messages in it, oldest first.  Without
 * Postfix (or its queue) the list is empty and readable 0. */
int pfhold_scan(struct ctl *c, struct pfholds *l);
const struct pfhold *pfhold_find(const struct pfholds *l, const char *id);
/* Release one: 0, or -1 (ctl_fail said why). */
int pfhold_release(struct ctl *c, const struct pfholds *l, const struct pfhold *h);
void pfhold_free(struct pfholds *l);

#endif
