/*
 * report: mailoriginctl report's core, the part between the lines and the
 * output: one message per Postfix queue id (or qmail message number),
 * joined with the wrapper's line for it, counted once when it ends.
 *
 * Memory is bounded: a message is forgotten at Postfix's "removed" (or
 * qmail's "end msg"), and the least recently seen are counted and
 * forgotten beyond RPT_MAX_OPEN; what stays is one entry per distinct
 * origin (the --by keys) and the strings they name.
 *
 * The wrapper's line and Postfix's lines of one local message are joined
 * by the Message-ID both logged, else by uid: the oldest unjoined wrapper
 * line of that uid no more than RPT_JOIN_WINDOW seconds before pickup.
 */
#ifndef CTL_REPORT_CORE_H
#define CTL_REPORT_CORE_H

#include <stdint.h>
#include <stdio.h>

#include "report_parse.h"

enum rpt_key {
	RK_UID, RK_USER, RK_VHOST, RK_SCRIPT, RK_SASL, RK_CLIENT, RK_SENDER,
	RK_RCPT_DOMAIN, RK_STATUS, RK_ACTION, RK_HOUR, RK_NKEYS
};
#define RPT_MAX_BY 4
#define RPT_MAX_OPEN 200000     /* messages followed at once */
#define RPT_JOIN_WINDOW 600     /* seconds from the wrapper's line to pickup */

struct rpt_opts {
	int64_t		since, until;   /* INT64_MIN / INT64_MAX: open */
	enum rpt_key	by[RPT_MAX_BY];
	int		nby;
	size_t		limit;
	int		json;
	size_t		max_open;
	/* a uid's user and vhost (empty strings: none); NULL: no names */
	void		(*name_uid)(void *ctx, long uid, char *user, size_t ulen,
			    char *vhost, size_t vlen);
	void		*name_ctx;
};

struct rpt;

/* The name of a key ("rcpt-domain"), and the key of a name (-1: none). */
const char *rpt_key_name(enum rpt_key k);
int rpt_key_parse(const char *s);

struct rpt *rpt_new(const struct rpt_opts *o);
/* One line, without its newline; c gives year-less times their year. */
void rpt_line(struct rpt *r, const char *line, size_t len, struct rp_clock *c);
/* A line too long to be read whole (skipped, counted as unparsable). */
void rpt_bad_line(struct rpt *r);
/* Count the messages still open (the log ended before they did). */
void rpt_finish(struct rpt *r);
/* The table (or JSON lines) on out, the summary on sum. */
void rpt_print(struct rpt *r, FILE *out, FILE *sum);
void rpt_free(struct rpt *r);

/* Statistics, for tests and the benchmark. */
struct rpt_stats {
	unsigned long long	lines, used, other, bad, messages, joined, evicted, dup_wrapper;
	size_t			open, peak_open, origins;
};
void rpt_stats(const struct rpt *r, struct rpt_stats *s);

#endif
