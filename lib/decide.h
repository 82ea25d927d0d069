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
	unsigned charged;       /* passed: the kinds (MO_KIND bits) whose cells were charged */
};

/* Returns 0 with d filled, or -1 on a fault of the store (err filled,
 * errno set; d says pass): the caller applies its fail policy. */
int mo_decide(const struct mo_limits *lim, int statefd, int create, const struct mo_sender *s,
    unsigned long rcpts, struct mo_decision *d, char *err, size_t errlen);

/* Is err one a caller can bring about: too few fds (its rlimit, or a
 * daemon's used up by many sessions), too little memory, a full table or
 * disk, a bound run out (a lock held by a stopped process, a slow read)?
 * Such a fault holds whatever fail says: it must not open the limits. */
int mo_fault_is_callers(int err);

/* mo_decide() and the fail policy over its result, the one of every
 * program: returns what mo_decide() did (0: decided; -1: the store
 * failed), with the fault to log in fault (faultlen bytes; "" when
 * none).  A half-made store is built again (decided, and a fault).
 * A store that fails passes the message unlimited under fail = open, and
 * holds it (d over, rule "fault") under fail = closed, or, when
 * caller_faults, for an error the caller can bring about (few fds or
 * little memory, a full table or disk, a lock held by a stopped wrapper):
 * such a fault must not open the limits. */
int mo_decide_fail(const struct mo_limits *lim, int statefd, int create,
    const struct mo_sender *s, unsigned long rcpts, int caller_faults, struct mo_decision *d,
    char *fault, size_t faultlen);

/* A message over a limit, in a program that holds it itself (the wrapper,
 * the qmail front end): the log line, the program's fields by ops->line
 * (action hold, tempfail or reject, as on_limit says) then rule, window and
 * first; under on_limit = hold, the hold by ops->hold (0, or -1 with *why
 * said); the line logged by ops->log, at warning for the first refusal of
 * a cell in its window, info for the rest; when the hold failed, at err
 * as action tempfail with hold_error (what happens: the caller is told to
 * try again).  Returns what the program tells its caller. */
struct mo_line;
enum mo_over { MO_OVER_HELD, MO_OVER_NOT_HELD, MO_OVER_TEMPFAIL, MO_OVER_REJECT };
struct mo_over_ops {
	void	(*line)(void *ctx, struct mo_line *l, const char *action);
	int	(*hold)(void *ctx, const struct mo_line *l, const char **why);
	void	(*log)(void *ctx, int prio, const struct mo_line *l);
};
enum mo_over mo_over_limit(const struct mo_decision *d, enum mo_on_limit how,
    const struct mo_over_ops *ops, void *ctx);

#endif
