/* held: one held message read, locked, removed and logged (for hold.c and
 * release.c). */
#include <sys/file.h>
#include <sys/stat.h>

#include <bsd/string.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <unistd.h>

#include "escape.h"
#include "fmt.h"
#include "held.h"

static int
read_file(int dirfd, const char *name, size_t max, char **buf, size_t *len, struct stat *st,
    char *err, size_t errlen)
{
	ssize_t n;
	size_t got = 0;
	int fd;

	*buf = NULL;
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "%s: %s", name, errno == ELOOP ? "is a symlink" : strerror(errno));
		return -1;
	}
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode) || st->st_size > (off_t)max) {
		snprintf(err, errlen, "%s: %s", name, !S_ISREG(st->st_mode) ? "not a regular file" :
		    "too big");
		close(fd);
		return -1;
	}
	if ((*buf = malloc((size_t)st->st_size + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		close(fd);
		return -1;
	}
	while (got < (size_t)st->st_size &&
	    (n = read(fd, *buf + got, (size_t)st->st_size - got)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", name, strerror(errno));
			free(*buf);
			*buf = NULL;
			close(fd);
			return -1;
		}
		got += (size_t)n;
	}
	close(fd);
	(*buf)[got] = '\0';
	*len = got;
	return 0;
}

/* The hold dir of id, or -1 (errno). */
int
ctl_held_open(struct ctl *c, const char *id)
{
	char path[64];

	if (snprintf(path, sizeof(path), "hold/%s", id) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return openat(c->statefd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* May the owner of a meta file hold for another uid?  root, and
 * mta.smtpd_user (mailorigin-qmail-queue under qmail-smtpd holds for the
 * client's uid). */
static int
speaks_for(const struct ctl *c, uid_t uid)
{
	struct passwd *pw;

	return uid == 0 || (c->cfg.qmail_smtpd_user[0] != '\0' &&
	    (pw = getpwnam(c->cfg.qmail_smtpd_user)) != NULL && pw->pw_uid == uid);
}

/* Read and parse the meta of the hold in dirfd. */
void
ctl_held_load(struct ctl *c, int dirfd, const char *id, struct held *h)
{
	char *text;
	size_t len;

	memset(h, 0, sizeof(*h));
	strlcpy(h->id, id, sizeof(h->id));
	if (read_file(dirfd, "meta", MO_HOLDMETA_MAX, &text, &len, &h->st, h->err, sizeof(h->err)) == -1)
		return;
	if (mo_holdmeta_parse(&h->meta, text, len, h->err, sizeof(h->err)) == -1) {
		char why[sizeof(h->err)];
		strlcpy(why, h->err, sizeof(why));
		strlcpy(h->err, "meta: ", sizeof(h->err));
		strlcat(h->err, why, sizeof(h->err));
		mo_holdmeta_free(&h->meta);
	} else if (strcmp(mo_holdmeta_get(&h->meta, "id"), id) != 0) {
		char *q = ctl_safe(mo_holdmeta_get(&h->meta, "id"),
		    strnlen(mo_holdmeta_get(&h->meta, "id"), 64));
		snprintf(h->err, sizeof(h->err), "meta: id is %s, not the folder's name",
		    q != NULL ? q : "?");
		free(q);
		mo_holdmeta_free(&h->meta);
	} else if (mo_holdmeta_owned(&h->meta, h->st.st_uid, speaks_for(c, h->st.st_uid), h->err,
	    sizeof(h->err)) == -1) {
		char why[sizeof(h->err)];
		strlcpy(why, h->err, sizeof(why));
		strlcpy(h->err, "meta: ", sizeof(h->err));
		strlcat(h->err, why, sizeof(h->err));
		mo_holdmeta_free(&h->meta);
	} else
		h->ok = 1;
	free(text);
}

/* Remove every entry of the folder name in parent, then the folder.
 * Entries are unlinked, never followed; a sub-folder is an error. */
int
ctl_held_purge(int parent, const char *name)
{
	struct dirent *e;
	DIR *d;
	int fd, rc = 0;

	fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return errno == ENOENT ? 0 : -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    unlinkat(dirfd(d), e->d_name, 0) == -1)
			rc = -1;
	closedir(d);
	if (rc == 0 && unlinkat(parent, name, AT_REMOVEDIR) == -1)
		rc = -1;
	return rc;
}

/* Take hold id out of hold/ in one rename (to tmp/gone.ID), then remove it. */
int
ctl_held_remove(struct ctl *c, const char *id)
{
	char from[64], to[64];

	snprintf(from, sizeof(from), "hold/%s", id);
	snprintf(to, sizeof(to), "tmp/gone.%s", id);
	if (ctl_held_purge(c->statefd, to) == -1)
		return -1;
	if (renameat(c->statefd, from, c->statefd, to) == -1) {
		if (errno != ENOENT)
			return -1;
		return ctl_held_purge(c->statefd, from);         /* no tmp/: in place */
	}
	return ctl_held_purge(c->statefd, to);
}

/* Lock the hold dir of id for this run; -1 with the reason reported. */
int
ctl_held_lock(struct ctl *c, const char *id)
{
	int fd;

	if ((fd = ctl_held_open(c, id)) == -1) {
		ctl_fail(c, errno == ENOENT ? EX_NOINPUT : EX_IOERR, "hold %s: %s", id,
		    errno == ENOENT ? "no such held message" : strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
		ctl_fail(c, EX_TEMPFAIL, "hold %s: %s", id, errno == EWOULDBLOCK ?
		    "being released or deleted by another mailoriginctl" : strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void
ctl_held_log(struct ctl *c, int prio, const struct held *h, const char *action,
    const char *status)
{
	struct mo_line l;

	mo_line_init(&l);
	mo_line_kv(&l, "id", h->id);
	mo_line_kv(&l, "action", action);
	if (h->ok) {
		mo_line_kv(&l, "uid", mo_holdmeta_get(&h->meta, "uid"));
		mo_line_kv(&l, "user", mo_holdmeta_get(&h->meta, "user"));
		mo_line_kv(&l, "vhost", mo_holdmeta_get(&h->meta, "vhost"));
	}
	if (status != NULL) {
		mo_line_kv(&l, "mta", c->cfg.mta_path);
		mo_line_kv(&l, "mta_status", status);
	}
	mo_line_kv(&l, "by", "mailoriginctl");
	ctl_log(c, prio, &l);
}

