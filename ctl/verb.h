/*
 * verb: mailoriginctl's verbs as tables (as OpenSMTPD's smtpctl does).
 *
 * A command word ("hold", "limits") is one entry of the table in
 * mailoriginctl.c.  A group of verbs ("hold list", "hold show"...) is one
 * entry whose `subs` is its own table; ctl_verb_run() picks the entry
 * that argv[0] names and runs it, or goes down into its group.  Adding a
 * verb group is: one file with its table, one line in mailoriginctl.c.
 *
 *	static const struct ctl_verb queue_verbs[] = {
 *		{ "list", queue_list, "  queue list [--json]   what the queue holds\n", 0, NULL },
 *		{ NULL, NULL, NULL, 0, NULL }
 *	};
 *	const struct ctl_verb ctl_verb_queue =
 *		{ "queue", NULL, NULL, 0, queue_verbs };
 *
 * A handler gets argv from its own word on (argv[0] = "list"), so that
 * getopt_long (optind = 0) parses its options and operands; `opts` is a
 * mask of the group's option bits the verb accepts, for the group's own
 * option parser to check (see hold.c); `usage` is its lines of --help.
 */
#ifndef CTL_VERB_H
#define CTL_VERB_H

#include <stdio.h>

#include "ctl.h"

#define CTL_NO_STATE 0x100     /* a command word's opts: no state dir needed */

struct ctl_verb {
	const char		*name;
	int			(*run)(struct ctl *c, const struct ctl_verb *v, int argc, char *argv[]);
	const char		*usage;         /* "  hold list [--json]   what it does\n" lines */
	unsigned		 opts;          /* the group's option bits it accepts */
	const struct ctl_verb	*subs;          /* a group: its verbs, ended by a NULL name */
};

/* The entry of table named name, or NULL. */
const struct ctl_verb *ctl_verb_find(const struct ctl_verb *table, const char *name);
/* Run the entry argv[0] names (a group: its verb argv[1]).  An unknown or
 * missing word exits EX_USAGE naming the words there are; `--help` after a
 * group prints the group's usage.  Returns the handler's exit code. */
int ctl_verb_run(struct ctl *c, const struct ctl_verb *table, const char *group,
    int argc, char *argv[]);
/* The usage lines of every entry of table, groups expanded. */
void ctl_verb_usage(FILE *f, const struct ctl_verb *table);

#endif
