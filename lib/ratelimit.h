/*
 * ratelimit: rate-limit rules and the one atomic decision over them.
 *
 * A rule matches by uid, user, vhost or SMTP AUTH user ("sasl", seen by
 * the milter; each value its own counters), one value ("uid:33",
 * "sasl:alice@example.com"), or everyone ("all"), and caps messages and recipients
 * over windows ("20/1m").  A specific rule replaces the generic rule of
 * its kind; the kinds all apply together.  Each (key, kind, window) is one
 * GCRA cell: a sustained rate of N per window with bursts of up to N,
 * kept as one timestamp (the theoretical arrival time) in the store.
 *
 * The store (limitdb.h) is a fixed table in one file of the state dir,
 * locked for the decision: a message passes only if every cell has room,
 * and then every cell is charged; a refused message charges nothing.
 */
#ifndef MO_RATELIMIT_H
#define MO_RATELIMIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum mo_match {
	MO_MATCH_UID, MO_MATCH_USER, MO_MATCH_VHOST, MO_MATCH_SASL, MO_MATCH_ALL, MO_MATCH_KINDS
};
enum mo_on_limit { MO_ON_LIMIT_HOLD, MO_ON_LIMIT_TEMPFAIL, MO_ON_LIMIT_REJECT };
enum mo_unit { MO_UNIT_MESSAGES = 1, MO_UNIT_RECIPIENTS = 2 };

#define MO_MAX_WINDOWS 8

struct mo_window {
	uint32_t	n;              /* at most n ... */
	uint32_t	seconds;        /* ... per this many seconds */
	int		unit;           /* MO_UNIT_* */
	char		text[24];       /* as written: "20/1m" */
};

struct mo_rule {
	enum mo_match	 match;
	char		*value;         /* "33", "alice", or NULL: generic */
	struct mo_window windows[MO_MAX_WINDOWS * 2];
	size_t		 nwindows;
	int		 line;
};

struct mo_limits {
	struct mo_rule		*rules;
	size_t			 nrules;
	unsigned long		 max_recipients;        /* 0: none */
	enum mo_on_limit	 on_limit;
	int			 fail_closed;
	char			**exempt;               /* "uid:0", "user:x", "vhost:y" */
	size_t			 nexempt;
};

/* Who is sending: the facts rules match on. */
struct mo_sender {
	uid_t		 uid;
	const char	*user;
	const char	*vhost;
	const char	*sasl;          /* the SMTP AUTH user, or NULL: sasl rules do not apply */
	int		 no_uid;        /* no local uid known (a remote client): uid, user
					 * and vhost rules do not apply */
	unsigned	 skip;          /* kinds (1 << MO_MATCH_*) charged already
					 * (the wrapper's, passrec.h): left out */
};
#define MO_KIND(m) (1U << (m))
#define MO_KINDS_ALL ((1U << MO_MATCH_KINDS) - 1)

/* One cell a message must fit into. */
struct mo_cell {
	char		 key[96];       /* "uid:33", "vhost:example.com", "all" */
	struct mo_window w;
	uint32_t	 cost;          /* 1 message, or its recipients */
};

/* "20/1m" into w; returns 0 or -1 with why set to a reason. */
int mo_window_parse(const char *s, int unit, struct mo_window *w, const char **why);
const char *mo_match_name(enum mo_match m);
/* Is the sender exempt from every limit? */
int mo_limits_exempt(const struct mo_limits *l, const struct mo_sender *s);
/* The cells a message of rcpts recipients must fit into; returns their
 * count (at most cap).  Specific rules replace generic ones per kind; the
 * kinds in s->skip are left out.  With kinds, the kinds that have cells
 * (MO_KIND bits) into *kinds. */
size_t mo_limits_cells(const struct mo_limits *l, const struct mo_sender *s,
    unsigned long rcpts, struct mo_cell *cells, size_t cap);
unsigned mo_limits_kinds(const struct mo_limits *l, const struct mo_sender *s);
void mo_limits_free(struct mo_limits *l);

/* GCRA: may a cost of c enter a cell whose theoretical arrival time is
 * tat (ns), at now (ns)?  Returns 1 and sets *new_tat when it may. */
int mo_gcra(int64_t tat, int64_t now, const struct mo_window *w, uint32_t c, int64_t *new_tat);
/* How much of the cell is in use at now (0..n), and when it is empty. */
uint32_t mo_gcra_used(int64_t tat, int64_t now, const struct mo_window *w);

#endif
