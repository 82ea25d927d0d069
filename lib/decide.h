/*
 * decide: the limits' verdict on one message, for the wrapper and the
 * milter alike: exemptions, the per-message recipient cap, then one
 * atomic decision over every matching cell in STATE/limits.db (opened and
 * closed for this one decision: flock() excludes other open files, so
 * concurrent deciders, threads included, each need their own).
 */
#ifndef MO_DECIDE_H
#define MO_DECIDE_H

#include "ratelimit.h"

struct mo_decision {
	int	over;           /* a limit is reached */
	int	first;          /* the first refusal of that cell in its window */
	char	rule[112];      /* "uid:33", "max_recipients" */
	char	window[40];     /* "5/1h messages" */
	int	rebuilt;        /* the store was half-made and is built again (a fault to log) */
};

/* Returns 0 with d filled, or -1 on a fault of the store (err filled,
 * errno set; d says pass): the caller applies its fail policy. */
int mo_decide(const struct mo_limits *lim, int statefd, int create, const struct mo_sender *s,
    unsigned long rcpts, struct mo_decision *d, char *err, size_t errlen);

#endif
