/*
 * origin: where a message comes from, as the kernel and the caller show it.
 *
 * Trusted: the real uid, the process chain read from /proc.  Claimed (the
 * caller controls it): the cwd, the environment, a process's command line.
 * Every string is kept raw here; escaping is for whoever prints it.
 * procroot is "/proc" except in tests, which build a fake tree.
 */
#ifndef MO_ORIGIN_H
#define MO_ORIGIN_H

#include <limits.h>
#include <sys/types.h>

#include "config.h"
#include "proc.h"

/* One process of the chain, as proc.h reads it. */
struct mo_proc {
	pid_t	pid, ppid;
	char	comm[MO_PROC_COMM_MAX];
	char	exe[PATH_MAX];          /* "" when unreadable (not dumpable) */
	char	cmdline[4096];          /* NUL-separated argv, cut */
	size_t	cmdline_len;
};

/* The small fields first, the three PATH_MAX arrays last: mo_origin_clear()
 * clears the first part and only the first byte of each array, so that an
 * origin costs the pages its strings reach, not 14 KiB of cleared memory
 * (a fresh page is a page fault: the wrapper pays it for every message). */
struct mo_origin {
	uid_t		 uid;
	enum mo_sapi	 sapi;
	pid_t		 php_pid;               /* 0 when no PHP process found */
	int		 script_claimed;
	const char	*script_src;            /* php-cli-argv, INTERP-argv (perl-argv,
						 * python-argv, ruby-argv, node-argv,
						 * sh-argv), cron, env, cwd, parent */
	char		 user[64];
	char		 pool[64];
	char		 vhost[256];
	char		 chain[512];            /* "sh[12] < php-fpm8.2[10]" */
	char		 php_cmdline[512];      /* its argv joined by spaces, cut */
	/* the arrays cleared by their first byte: strings, read up to their NUL */
	char		 cwd[PATH_MAX];
	char		 script[PATH_MAX];
	char		 php_exe[PATH_MAX];
};

/* An empty origin (as if zeroed, for every reader of its strings). */
void mo_origin_clear(struct mo_origin *o);

/* Read /proc/PID: stat (comm, ppid) and cmdline; exe too when with_exe
 * (a readlink the chain walk saves for the processes it keeps). */
int mo_proc_read(const char *procroot, pid_t pid, struct mo_proc *p, int with_exe);
void mo_proc_read_exe(const char *procroot, struct mo_proc *p);
void mo_proc_read_cmdline(const char *procroot, struct mo_proc *p);
/* The SAPI a process runs (proc.h's mo_sapi_of), its FPM pool into pool. */
enum mo_sapi mo_proc_sapi(const struct mo_proc *p, char *pool, size_t poollen);
/* Fill o for the caller of this process: uid, user, cwd, the chain from
 * parent upwards to the PHP process, the script and the vhost.  Shells
 * running a command (sh -c) and launchers (env, nice...) are passed
 * through; the first other program is the sender: PHP by its SAPI, an
 * interpreter (perl, python, ruby, node, a shell running a file) by the
 * script on its command line (claimed), cron by the job's command when a
 * shell ran it, anything else by its exe ("parent"). */
void mo_origin_collect(struct mo_origin *o, const char *procroot, pid_t parent,
    const struct mo_config *c);
/* The same for another process (the milter's SMTP client): the chain
 * from pid itself upwards, uid as given (the socket's owner), the cwd of
 * pid, nothing taken from our own environment. */
void mo_origin_collect_peer(struct mo_origin *o, const char *procroot, pid_t pid, uid_t uid,
    const struct mo_config *c);

/* An origin that is a uid alone (a socket's owner, a maildrop file's):
 * its user, cwd "?", the vhost its user name, script_src src. */
void mo_origin_of_uid(struct mo_origin *o, uid_t uid, const char *src);

/* The origin's part of a log line (escape.h), in two: what the report
 * attributes by (uid user vhost script script_src claimed sapi php_pid;
 * uid and user empty when no uid is known: an SMTP AUTH sender), early in
 * the line; then the long forensic fields (cwd php_exe pool chain), last,
 * which a full line leaves out first. */
struct mo_line;
void mo_line_origin(struct mo_line *l, const struct mo_origin *o, int have_uid);
void mo_line_origin_detail(struct mo_line *l, const struct mo_origin *o);

#endif
