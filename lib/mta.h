/*
 * mta: how the real MTA is run: its argv and its environment.
 *
 * Postfix (and every sendmail-compatible MTA) gets the caller's argv
 * unchanged, argv[0] included as far as it is a name the MTA reads the
 * same way (mo_exec_argv0()), so that its messages name the program the
 * caller ran.  qmail gets what qmail's own sendmail front end would run:
 * qmail-inject -H|-a [-f sender] -- recipients, with QMAILUSER, QMAILHOST
 * and MAILNAME from -f and -F.
 *
 * The environment is an allow-list plus a fixed PATH: HOME, USER,
 * LOGNAME, TZ, LANG, LC_*; for Postfix NAME (the From line's full name)
 * and, for root only, MAIL_CONFIG; for qmail QMAIL* but QMAILQUEUE, NAME,
 * MAILNAME, MAILHOST, MAILUSER.  Nothing else passes: not LD_*, MALLOC_*,
 * GCONV_PATH, MAIL_DEBUG, MAIL_VERBOSE, MAIL_LOGTAG.
 */
#ifndef MO_MTA_H
#define MO_MTA_H

#include <sys/types.h>

#include "config.h"
#include "options.h"

struct mo_exec {
	char	**argv;         /* NULL-terminated, malloc'd array */
	char	**envp;         /* NULL-terminated, malloc'd array */
	char	 *extra[4];     /* variables set from the command line */
	char	  user[1024], host[1024], name[1024];
};

/* Build what to execve for a submission sent as uid; -1 on out of memory.
 * The strings of argv and environ are borrowed, not copied. */
int mo_exec_build(struct mo_exec *x, const struct mo_config *c, const struct mo_args *a,
    int argc, char *const argv[], char *const *environ_in, uid_t uid);
/* The environment alone (for modes that are not a submission). */
char **mo_exec_env(const struct mo_config *c, char *const *environ_in, char *const *extra,
    uid_t uid);
/* argv[0] for the MTA: the base name the caller used when it is a plain
 * name that says sendmail, mailq or newaliases, else "sendmail" (an MTA
 * may read other names as modes: Exim's rsmtp, Sendmail's hoststat). */
const char *mo_exec_argv0(const char *caller_argv0);
void mo_exec_free(struct mo_exec *x);

#endif
