/*
 * phpat: the file and line a PHP client of the milter is at, read from
 * the worker's memory (lib/phpmem.h, the tracer's reader) while it waits
 * for our reply to the end of its message.
 *
 * Promises: the memory of a worker the tracer's trust rules believe
 * (lib/trust.h: a worker of root's master, same root-only binary, not
 * dumpable) and only that is read; the worker is the process seen at
 * connect time (pid and start time) and still is after the read; every
 * read stays in memory no file backs or the PHP binary's own mappings, so
 * nothing the process holds makes it wait; the reads are bounded (frames,
 * string lengths: phpmem_sample).  Otherwise why says why, and the origin
 * code's answer stands.  Safe to call from several threads (one reader at
 * a time).
 */
#ifndef MO_PHPAT_H
#define MO_PHPAT_H

#include <limits.h>
#include <sys/types.h>

struct mo_php_at {
	pid_t			pid;            /* the PHP worker found at connect, 0: none */
	unsigned long long	start;          /* its start time (clock ticks after boot) */
	int			ok;             /* the fields below were read */
	char			script[PATH_MAX];       /* the request's script (outermost frame) */
	char			file[PATH_MAX];         /* the call into the mail code: file, */
	unsigned		line;                   /* line */
	char			function[160];          /* and the function that made it */
	char			wait[PATH_MAX + 16];    /* FILE:LINE the worker waits at */
	char			why[256];       /* when !ok */
	long			us;             /* what the read cost, microseconds */
};

/* At connect: remember the worker PID (0: none) by its start time. */
void mo_php_at_note(struct mo_php_at *a, const char *procroot, pid_t pid);
/* At the end of a message: read where the worker is, into a (ok or why). */
void mo_php_at_read(struct mo_php_at *a, const char *procroot);

#endif
