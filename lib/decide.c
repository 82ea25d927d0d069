/* decide: exemptions, the recipient cap and the atomic store decision. */
#include <bsd/string.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "decide.h"
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
	}
	return 0;
}
