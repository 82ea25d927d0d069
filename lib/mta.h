/*
 * mta: how the real MTA is run: its argv and its environment.
 *
 * Postfix (and every sendmail-compatible MTA) gets the caller's argv
 * unchanged but for argv[0], the configured path.  qmail gets what qmail's
 * own sendmail front end would run: qmail-inject -H|-a [-f sender] --
 * recipients, with QMAILUSER, QMAILHOST and MAILNAME from -f and -F.
 * The environment is an allow-list plus a fixed PATH; LD_* never passes.
 */
#ifndef MO_MTA_H
#define MO_MTA_H

#include "config.h"
#include "options.h"

struct mo_exec {
	char	**argv;         /* NULL-terminated, malloc'd array */
	char	**envp;         /* NULL-terminated, malloc'd array */
	char	 *extra[4];     /* variables set from the command line */
	char	  user[1024], host[1024], name[1024];
};

/* Build what to execve for a submission; -1 on out of memory.  The
 * strings of argv and environ are borrowed, not copied. */
int mo_exec_build(struct mo_exec *x, const struct mo_config *c, const struct mo_args *a,
    int argc, char *const argv[], char *const *environ_in);
/* The environment alone (for modes that are not a submission). */
char **mo_exec_env(const struct mo_config *c, char *const *environ_in, char *const *extra);
void mo_exec_free(struct mo_exec *x);

#endif
