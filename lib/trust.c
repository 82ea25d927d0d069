/*
 * trust: the checks behind "exact" and "claimed" (see trust.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bsd/string.h>

#include "cutprintf.h"
#include "proc.h"
#include "trust.h"

/* Only root may change what ST holds (or, for a folder, what it names). */
static int
root_only(const struct stat *st)
{
	return st->st_uid == 0 && (st->st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

/* Check the folders of PATH from / down; the last one's fd, or -1 with WHY. */
static int
walk_dirs(char *path, char **last, char *why, size_t whysz)
{
	struct stat st;
	char *p, *slash;
	int fd, next;

	if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1 || !root_only(&st)) {
		cut_printf(why, whysz, "/ is not root's only");
		if (fd != -1)
			close(fd);
		return -1;
	}
	for (p = path + 1; (slash = strchr(p, '/')) != NULL; p = slash + 1) {
		*slash = '\0';
		next = openat(fd, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		if (next == -1 || fstat(next, &st) == -1 || !root_only(&st)) {
			cut_printf(why, whysz, "%s: %s", path, next == -1 ?
			    "not a folder (a symlink?)" :
			    "a folder others than root may write");
			if (next != -1)
				close(next);
			return -1;
		}
		*slash = '/';
		fd = next;
	}
	*last = p;
	return fd;
}

/* trust_path()'s answers in this scan (trust_scan_begin() forgets them) */
#define MEMO_MAX 32
static struct memo {
	dev_t			 dev;
	ino_t			 ino;
	struct timespec		 mtim, ctim;
	char			*path;
	int			 r;
	char			 why[256];
} memo[MEMO_MAX];
static size_t nmemo;
static int memo_on;     /* only after trust_scan_begin(): the tracer's */

void
trust_scan_begin(void)
{
	while (nmemo > 0)
		free(memo[--nmemo].path);
	memo_on = 1;
}

static const struct memo *
memo_find(const char *path, const struct stat *st)
{
	size_t i;

	for (i = 0; i < nmemo; i++)
		if (memo[i].dev == st->st_dev && memo[i].ino == st->st_ino &&
		    memo[i].mtim.tv_sec == st->st_mtim.tv_sec &&
		    memo[i].mtim.tv_nsec == st->st_mtim.tv_nsec &&
		    memo[i].ctim.tv_sec == st->st_ctim.tv_sec &&
		    memo[i].ctim.tv_nsec == st->st_ctim.tv_nsec &&
		    strcmp(memo[i].path, path) == 0)
			return &memo[i];
	return NULL;
}

static void
memo_add(const char *path, const struct stat *st, int r, const char *why)
{
	struct memo *m;

	if (nmemo == MEMO_MAX)
		return;
	m = &memo[nmemo];
	if ((m->path = strdup(path)) == NULL)
		return;
	m->dev = st->st_dev;
	m->ino = st->st_ino;
	m->mtim = st->st_mtim;
	m->ctim = st->st_ctim;
	m->r = r;
	strlcpy(m->why, why, sizeof(m->why));
	nmemo++;
}

static int walk_and_check(const char *path, const struct stat *st, char *why, size_t whysz);

int
trust_path(const char *path, const struct stat *st, char *why, size_t whysz)
{
	const struct memo *m;
	char full[sizeof(m->why)];     /* the reason whole, for every caller's size */
	int r;

	if (path[0] != '/' || strlen(path) >= PATH_MAX) {
		cut_printf(why, whysz, "%s: not an absolute path", path);
		return 0;
	}
	if (!S_ISREG(st->st_mode) || !root_only(st)) {
		cut_printf(why, whysz, "%s: not a file only root may write", path);
		return 0;
	}
	if (memo_on && (m = memo_find(path, st)) != NULL) {
		if (!m->r)
			strlcpy(why, m->why, whysz);
		return m->r;
	}
	full[0] = '\0';
	r = walk_and_check(path, st, full, sizeof(full));
	if (memo_on)
		memo_add(path, st, r, full);
	if (!r)
		strlcpy(why, full, whysz);
	return r;
}

/* The walk from / down to PATH, and PATH still the file ST describes. */
static int
walk_and_check(const char *path, const struct stat *st, char *why, size_t whysz)
{
	char buf[PATH_MAX], *last;
	struct stat fst;
	int dfd, fd;

	strlcpy(buf, path, sizeof(buf));
	if ((dfd = walk_dirs(buf, &last, why, whysz)) == -1)
		return 0;
	fd = openat(dfd, last, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	close(dfd);
	if (fd == -1 || fstat(fd, &fst) == -1 || fst.st_dev != st->st_dev ||
	    fst.st_ino != st->st_ino) {
		cut_printf(why, whysz, "%s: not the file at that path (replaced, "
		    "deleted or a symlink)", path);
		if (fd != -1)
			close(fd);
		return 0;
	}
	close(fd);
	return 1;
}

/* Real uid and start time of the process behind MFD. */
static int
master_facts(int mfd, uid_t *uid, unsigned long long *start)
{
	struct mo_stat st;
	char buf[4096];

	if (mo_proc_file(mfd, "status", buf, sizeof(buf)) == -1 ||
	    mo_proc_parse_status_uid(buf, uid) == -1 ||
	    mo_proc_file(mfd, "stat", buf, sizeof(buf)) == -1 ||
	    mo_proc_parse_stat(buf, &st) == -1)
		return -1;
	*start = st.starttime;
	return 0;
}

/* Is the master behind MFD root's, from a trusted binary?  Its exe in MST. */
static int
master_trusted(int mfd, pid_t ppid, unsigned long long wstart, struct stat *mst,
               char *why, size_t whysz)
{
	char path[PATH_MAX];
	unsigned long long mstart;
	uid_t muid;
	int efd, r;

	if (master_facts(mfd, &muid, &mstart) == -1) {
		cut_printf(why, whysz, "its parent %d cannot be read", (int)ppid);
		return 0;
	}
	if (muid != 0) {
		cut_printf(why, whysz, "its parent %d is not run by root", (int)ppid);
		return 0;
	}
	if (mstart > wstart) {
		cut_printf(why, whysz, "its parent %d is younger than it", (int)ppid);
		return 0;
	}
	if ((efd = openat(mfd, "exe", O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1 ||
	    fstat(efd, mst) == -1 ||
	    mo_proc_link(mfd, "exe", path, sizeof(path)) == -1) {
		cut_printf(why, whysz, "the binary of its parent %d cannot be read",
		    (int)ppid);
		if (efd != -1)
			close(efd);
		return 0;
	}
	close(efd);
	if ((r = trust_path(path, mst, why, whysz)) == 0) {
		char inner[200];

		strlcpy(inner, why, sizeof(inner));
		cut_printf(why, whysz, "its parent %d runs %s", (int)ppid, inner);
	}
	return r;
}

int
trust_worker(int dirfd, uid_t uid, pid_t ppid, unsigned long long starttime,
             char *why, size_t whysz)
{
	struct stat mst, wst, dst;
	char name[32];
	int mfd, r;

	if (ppid <= 1) {
		cut_printf(why, whysz, "no master (parent %d)", (int)ppid);
		return 0;
	}
	snprintf(name, sizeof(name), "/proc/%d", (int)ppid);
	if ((mfd = open(name, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		cut_printf(why, whysz, "its parent %d is gone", (int)ppid);
		return 0;
	}
	r = master_trusted(mfd, ppid, starttime, &mst, why, whysz);
	close(mfd);
	if (r == 0)
		return 0;
	if (fstatat(dirfd, "exe", &wst, 0) == -1 || wst.st_dev != mst.st_dev ||
	    wst.st_ino != mst.st_ino) {
		cut_printf(why, whysz, "it does not run its parent's binary");
		return 0;
	}
	/* /proc/PID/mem is root's unless the process is dumpable */
	if (uid != 0 && (fstatat(dirfd, "mem", &dst, AT_SYMLINK_NOFOLLOW) == -1 ||
	    dst.st_uid != 0)) {
		cut_printf(why, whysz, "it is dumpable: its user may write its memory");
		return 0;
	}
	return 1;
}

/* Is the folder ST searchable for C by its mode bits? */
static int
searchable(const struct stat *st, const struct mo_creds *c)
{
	size_t i;

	if (c->fsuid == 0)
		return 1;
	if (st->st_uid == c->fsuid)
		return (st->st_mode & S_IXUSR) != 0;
	if (st->st_gid == c->fsgid)
		return (st->st_mode & S_IXGRP) != 0;
	for (i = 0; i < c->ngroups; i++)
		if (st->st_gid == c->groups[i])
			return (st->st_mode & S_IXGRP) != 0;
	return (st->st_mode & S_IXOTH) != 0;
}

int
creds_may_search(const char *path, const struct mo_creds *c,
                 char *why, size_t whysz)
{
	char buf[PATH_MAX], *p, *slash;
	struct stat st;
	int fd, next, ok;

	if (path[0] != '/' || strlcpy(buf, path, sizeof(buf)) >= sizeof(buf)) {
		cut_printf(why, whysz, "%s: not an absolute path", path);
		return 0;
	}
	if ((fd = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1 || !searchable(&st, c)) {
		cut_printf(why, whysz, "/ cannot be searched by uid %u",
		    (unsigned)c->fsuid);
		if (fd != -1)
			close(fd);
		return 0;
	}
	for (p = buf + 1; *p != '\0'; p = slash + 1) {
		if ((slash = strchr(p, '/')) != NULL)
			*slash = '\0';
		next = *p == '\0' ? -1 :
		    openat(fd, p, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		ok = next != -1 && fstat(next, &st) == 0 && searchable(&st, c);
		if (!ok) {
			cut_printf(why, whysz, "%s: %s", buf, next == -1 ?
			    "not a folder (gone, or a symlink?)" :
			    "a folder it may not search");
			if (next != -1)
				close(next);
			return 0;
		}
		fd = next;
		if (slash == NULL)
			break;
		*slash = '/';
	}
	close(fd);
	return 1;
}
