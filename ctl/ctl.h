/*
 * ctl: what the verbs of mailoriginctl share: the loaded config, the state
 * dir, and the one error style (ctl_fail: a message naming the thing and
 * the reason, and the sysexits code to end with), in ctl.c.  The verbs
 * themselves are tables (verb.h).
 */
#ifndef CTL_CTL_H
#define CTL_CTL_H

#include "config.h"

struct ctl {
	struct mo_config	 cfg;
	const char		*conf_path;
	int			 statefd;       /* STATE, opened without creating anything */
	int			 rc;            /* the first failure's exit code, or 0 */
	int			 mta_timeout;   /* seconds a release's MTA may take */
};

#define CTL_MTA_TIMEOUT 120             /* default of hold release --timeout */
#define CTL_MTA_OUTPUT_MAX 4096         /* bytes of the MTA's output shown */

/* Report a failure (to stderr, "mailoriginctl: ...") and remember rc. */
void ctl_fail(struct ctl *c, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A line for the log: syslog, and the log file when one is configured. */
struct mo_line;
void ctl_log(struct ctl *c, int prio, const struct mo_line *l);

/* The report verb (report.c). */
int ctl_report(struct ctl *c, int argc, char *argv[]);
int ctl_queue(struct ctl *c, int argc, char *argv[]);

#endif
