/* decide: exemptions, the recipient cap and the atomic store decision. */
#include <bsd/string.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "decide.h"
#include "escape.h"
#include "limitdb.h"

int
mo_decide(const struct mo_limits *lim, int statefd, int create, const struct mo_sender *s,
    unsigned long rcpts, struct mo_decision *d, char *err, size_t errlen)
{
	struct mo_cell cells[2 * MO_MATCH_KINDS * MO_MAX_WINDOWS];
	struct mo_limitdb db;
	struct mo_verdict v;
	size_t n;
	int rc, why;

	memset(d, 0, sizeof(*d));
	if (mo_limits_exempt(lim, s))
		return 0;
	if (lim->max_recipients > 0 && rcpts > lim->max_recipients) {
		d->over = d->first = 1;
		strlcpy(d->rule, "max_recipients", sizeof(d->rule));
		snprintf(d->window, sizeof(d->window), "%lu/message", lim->max_recipients);
		return 0;
	}
	if ((n = mo_limits_cells(lim, s, rcpts, cells, sizeof(cells) / sizeof(cells[0]))) == 0)
		return 0;
	if (statefd == -1) {
		strlcpy(err, "no state dir", errlen);
		errno = ENOENT;
		return -1;
	}
	if (mo_limitdb_open(&db, statefd, create, err, errlen) == -1)
		return -1;
	d->rebuilt = db.rebuilt;
	if ((rc = mo_limitdb_decide(&db, cells, n, 0, &v)) == -1) {
		why = errno;
		snprintf(err, errlen, "%s: %s", MO_LIMITDB_NAME, strerror(why));
	}
	mo_limitdb_close(&db);
	if (rc == -1) {
		errno = why;
		return -1;
	}
	if (!v.pass) {
		d->over = 1;
		d->first = v.first_hold;
		strlcpy(d->rule, cells[v.over].key, sizeof(d->rule));
		snprintf(d->window, sizeof(d->window), "%s %s", cells[v.over].w.text,
		    cells[v.over].w.unit == MO_UNIT_MESSAGES ? "messages" : "recipients");
	} else
		d->charged = mo_limits_kinds(lim, s);
	return 0;
}

int
mo_fault_is_callers(int err)
{
	return err == EMFILE || err == ENFILE || err == ENOMEM || err == ENOBUFS || err == EFBIG ||
	    err == ENOSPC || err == ETIMEDOUT || err == EAGAIN;
}

int
mo_decide_fail(const struct mo_limits *lim, int statefd, int create, const struct mo_sender *s,
    unsigned long rcpts, int caller_faults, struct mo_decision *d, char *fault, size_t faultlen)
{
	char err[256];
	int why, closed;

	fault[0] = '\0';
	if (mo_decide(lim, statefd, create, s, rcpts, d, err, sizeof(err)) == 0) {
		if (d->rebuilt)
			snprintf(fault, faultlen, "limit store %s was half-made (a full disk or a "
			    "kill while it was built): built again, counters start afresh",
			    MO_LIMITDB_NAME);
		return 0;
	}
	why = errno;
	closed = lim->fail_closed || (caller_faults && mo_fault_is_callers(why));
	snprintf(fault, faultlen, "limit store %s; %s", err,
	    closed ? "holding" : "passing unlimited (fail = open)");
	if (closed) {
		d->over = d->first = 1;
		strlcpy(d->rule, "fault", sizeof(d->rule));
	}
	return -1;
}

enum mo_over
mo_over_limit(const struct mo_decision *d, enum mo_on_limit how, const struct mo_over_ops *ops,
    void *ctx)
{
	static const char *const actions[] = { "hold", "tempfail", "reject" };
	int prio = d->first ? LOG_WARNING : LOG_INFO;
	const char *why = NULL;
	struct mo_line l;

	ops->line(ctx, &l, actions[how]);
	mo_line_kv(&l, "rule", d->rule);
	mo_line_kv(&l, "window", d->window);
	mo_line_kvu(&l, "first", (unsigned)d->first);
	if (how == MO_ON_LIMIT_HOLD && ops->hold(ctx, &l, &why) == -1) {
		/* not held: the line says what happens instead (the caller
		 * is told to try again), so that no count of holds has it */
		ops->line(ctx, &l, "tempfail");
		mo_line_kv(&l, "rule", d->rule);
		mo_line_kv(&l, "window", d->window);
		mo_line_kvu(&l, "first", (unsigned)d->first);
		mo_line_kv(&l, "hold_error", why != NULL ? why : "");
		ops->log(ctx, LOG_ERR, &l);
		return MO_OVER_NOT_HELD;
	}
	ops->log(ctx, prio, &l);
	return how == MO_ON_LIMIT_HOLD ? MO_OVER_HELD :
	    how == MO_ON_LIMIT_TEMPFAIL ? MO_OVER_TEMPFAIL : MO_OVER_REJECT;
}
