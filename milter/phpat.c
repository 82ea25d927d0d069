/* phpat: a PHP client's file and line, from its memory (see phpat.h). */
#include <bsd/string.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cutprintf.h"
#include "phpat.h"
#include "phpmem.h"
#include "proc.h"
#include "trust.h"

/* phpmem's cache of binaries is the process's: one reader at a time */
static pthread_mutex_t reader = PTHREAD_MUTEX_INITIALIZER;

static int
stat_of(int dirfd, struct mo_stat *st)
{
	char buf[1024];

	return mo_proc_record(dirfd, "stat", buf, sizeof(buf)) <= 0 ||
	    mo_proc_parse_stat(buf, st) == -1 ? -1 : 0;
}

void
mo_php_at_note(struct mo_php_at *a, const char *procroot, pid_t pid)
{
	struct mo_stat st;
	int fd;

	memset(a, 0, sizeof(*a));
	if (pid <= 0 || (fd = mo_proc_open(procroot, pid)) == -1)
		return;
	if (stat_of(fd, &st) == 0) {
		a->pid = pid;
		a->start = st.starttime;
	}
	close(fd);
}

static const char *
gone_or(int e, const char *what)
{
	return e == ESRCH || e == ENOENT ? "the worker is gone" : what;
}

/* The worker behind DIRFD is believed: the sample, else why. */
static int
sample(struct mo_php_at *a, int dirfd, const char *exe)
{
	struct php_target t;
	struct php_sample *s;
	char why[200];
	int r, tries;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		strlcpy(a->why, "out of memory", sizeof(a->why));
		return -1;
	}
	pthread_mutex_lock(&reader);
	phpmem_scan_begin();
	if ((r = phpmem_target_guarded(dirfd, a->pid, exe, &t, why, sizeof(why))) == -1)
		cut_printf(a->why, sizeof(a->why), "maps: %s", gone_or(errno, strerror(errno)));
	else if (r == -2)
		strlcpy(a->why, why, sizeof(a->why));
	else {
		/* the worker runs on: a torn read fails the checks, so try again */
		for (tries = 0; tries < 3; tries++)
			if ((r = phpmem_sample(&t, s, why, sizeof(why))) != -2)
				break;
		if (r == -1)
			cut_printf(a->why, sizeof(a->why), "memory: %s",
			    gone_or(errno, strerror(errno)));
		else if (r == -2)
			cut_printf(a->why, sizeof(a->why), "PHP %s: %s", t.bin->version, why);
		else if (!s->busy || s->caller_file[0] == '\0') {
			strlcpy(a->why, "not in a request", sizeof(a->why));
			r = -2;
		}
		phpmem_target_release(&t);
	}
	pthread_mutex_unlock(&reader);
	if (r == 0) {
		strlcpy(a->script, s->main_script[0] == '/' ? s->main_script :
		    s->path_translated[0] != '\0' ? s->path_translated : s->file,
		    sizeof(a->script));
		strlcpy(a->file, s->caller_file, sizeof(a->file));
		a->line = s->caller_line;
		strlcpy(a->function, s->caller_function, sizeof(a->function));
		cut_printf(a->wait, sizeof(a->wait), "%s:%u", s->file, s->line);
	}
	free(s);
	return r == 0 ? 0 : -1;
}

void
mo_php_at_read(struct mo_php_at *a, const char *procroot)
{
	struct timespec t0, t1;
	struct mo_stat st;
	char buf[2048], exe[PATH_MAX], why[200];
	uid_t uid;
	int fd;

	a->ok = 0;
	a->why[0] = a->script[0] = a->file[0] = a->function[0] = a->wait[0] = '\0';
	a->line = 0;
	if (a->pid == 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* the fd pins the process: a pid used again is not it */
	if ((fd = mo_proc_open(procroot, a->pid)) == -1 || stat_of(fd, &st) == -1 ||
	    st.starttime != a->start) {
		strlcpy(a->why, "the worker is gone", sizeof(a->why));
		goto out;
	}
	if (mo_proc_file(fd, "status", buf, sizeof(buf)) == -1 ||
	    mo_proc_parse_status_uid(buf, &uid) == -1 ||
	    mo_proc_link(fd, "exe", exe, sizeof(exe)) == -1) {
		cut_printf(a->why, sizeof(a->why), "the worker: %s", gone_or(errno, strerror(errno)));
		goto out;
	}
	if (!trust_worker(fd, uid, st.ppid, st.starttime, why, sizeof(why))) {
		/* its memory is its user's to write: not believed, not read */
		cut_printf(a->why, sizeof(a->why), "not trusted: %s", why);
		goto out;
	}
	if (sample(a, fd, exe) == 0) {
		if (stat_of(fd, &st) == -1 || st.starttime != a->start)
			strlcpy(a->why, "the worker went away during the read", sizeof(a->why));
		else
			a->ok = 1;
	}
out:
	if (fd != -1)
		close(fd);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	a->us = (t1.tv_sec - t0.tv_sec) * 1000000L + (t1.tv_nsec - t0.tv_nsec) / 1000;
}
