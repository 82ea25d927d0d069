/*
 * hold: the verbs over STATE/hold: list, show, release, delete.
 *
 * Nothing in a hold dir is trusted more than its owner could make it: the
 * wrapper writes it as the caller's uid with the mailorigin group.  Every
 * file is opened with O_NOFOLLOW and must be a regular file; the message
 * of a release must be a single link owned by the uid it is sent as.  A
 * hold dir is locked (flock) while it is released or deleted, and leaves
 * hold/ by one rename, so that two runs never send it twice.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "escape.h"
#include "fmt.h"
#include "meta.h"
#include "mta.h"
#include "options.h"
#include "spool.h"

#define HEADERS_MAX 65536       /* bytes of the header block `show` prints */

struct held {
	char		 id[MO_ID_LEN + 1];
	int		 ok;            /* meta read and parsed */
	char		 err[256];      /* else why not */
	struct stat	 st;            /* of meta */
	struct ctl_meta	 meta;
};

struct heldlist {
	struct held	*v;
	size_t		 n;
};

/* Which holds a verb works on. */
struct select {
	int		 all;
	int		 by_uid;
	uid_t		 uid;
	const char	*vhost;
	char		**ids;
	int		 nids;
	int		 json;
};

/* --- reading --- */

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
static int
open_hold(struct ctl *c, const char *id)
{
	char path[64];

	if (snprintf(path, sizeof(path), "hold/%s", id) >= (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return openat(c->statefd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* Read and parse the meta of the hold in dirfd. */
static void
load(int dirfd, const char *id, struct held *h)
{
	char *text;
	size_t len;

	memset(h, 0, sizeof(*h));
	strlcpy(h->id, id, sizeof(h->id));
	if (read_file(dirfd, "meta", CTL_META_MAX, &text, &len, &h->st, h->err, sizeof(h->err)) == -1)
		return;
	if (ctl_meta_parse(&h->meta, text, len, h->err, sizeof(h->err)) == -1) {
		char why[sizeof(h->err)];
		strlcpy(why, h->err, sizeof(why));
		strlcpy(h->err, "meta: ", sizeof(h->err));
		strlcat(h->err, why, sizeof(h->err));
		ctl_meta_free(&h->meta);
	} else if (strcmp(ctl_meta_get(&h->meta, "id"), id) != 0) {
		snprintf(h->err, sizeof(h->err), "meta: id is %s, not the folder's name",
		    ctl_meta_get(&h->meta, "id"));
		ctl_meta_free(&h->meta);
	} else
		h->ok = 1;
	free(text);
}

static int
by_time(const void *a, const void *b)
{
	const struct held *x = a, *y = b;

	if (x->ok != y->ok)
		return x->ok ? 1 : -1;  /* broken ones first: they need a look */
	if (x->ok && x->meta.time != y->meta.time)
		return x->meta.time < y->meta.time ? -1 : 1;
	return strcmp(x->id, y->id);
}

/* Every hold in STATE/hold, oldest first.  A missing hold/ is empty. */
static int
scan(struct ctl *c, struct heldlist *l)
{
	struct dirent *e;
	struct held *v;
	size_t cap = 0;
	DIR *d;
	int fd, dirfd;

	memset(l, 0, sizeof(*l));
	fd = openat(c->statefd, "hold", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1 && errno == ENOENT)
		return 0;
	if (fd == -1 || (d = fdopendir(fd)) == NULL) {
		ctl_fail(c, EX_IOERR, "%s/hold: %s", c->cfg.state_dir, strerror(errno));
		if (fd != -1)
			close(fd);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (!ctl_is_id(e->d_name))
			continue;
		if ((dirfd = open_hold(c, e->d_name)) == -1)
			continue;       /* not a folder (or a symlink): not a hold */
		if (l->n == cap) {
			cap = cap ? cap * 2 : 64;
			if ((v = reallocarray(l->v, cap, sizeof(*v))) == NULL) {
				close(dirfd);
				closedir(d);
				ctl_fail(c, EX_OSERR, "out of memory");
				return -1;
			}
			l->v = v;
		}
		load(dirfd, e->d_name, &l->v[l->n++]);
		close(dirfd);
	}
	closedir(d);
	if (l->n > 0)
		qsort(l->v, l->n, sizeof(*l->v), by_time);
	return 0;
}

static void
free_list(struct heldlist *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		ctl_meta_free(&l->v[i].meta);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int
selected(const struct select *s, const struct held *h)
{
	if (s->by_uid && !(h->ok && h->meta.uid == s->uid))
		return 0;
	if (s->vhost != NULL && !(h->ok && strcmp(ctl_meta_get(&h->meta, "vhost"), s->vhost) == 0))
		return 0;
	return 1;
}

/* --- list and show --- */

static void
utc(char *buf, size_t len, long long t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static int
is_number(const char *s)
{
	return s[0] != '\0' && strspn(s, "0123456789") == strlen(s) && strlen(s) < 20;
}

static void
json_kv(FILE *f, const char *key, const char *v, size_t len, int *first)
{
	fprintf(f, "%s\"%s\":", *first ? "" : ",", key);
	ctl_put_json(f, v, len);
	*first = 0;
}

/* One hold as one JSON object, without its closing brace. */
static void
json_open(FILE *f, const struct held *h)
{
	static const char *const numbers[] = { "uid", "rcpts", "size", "first", NULL };
	const struct ctl_meta *m = &h->meta;
	const char *const *k;
	int first = 1, i;
	size_t j;

	fputc('{', f);
	json_kv(f, "id", h->id, strlen(h->id), &first);
	if (!h->ok) {
		json_kv(f, "error", h->err, strlen(h->err), &first);
		return;
	}
	fprintf(f, ",\"time\":%lld,\"gid\":%lu", m->time, (unsigned long)m->gid);
	for (k = numbers; *k; k++)
		if (is_number(ctl_meta_get(m, *k)))
			fprintf(f, ",\"%s\":%s", *k, ctl_meta_get(m, *k));
	for (j = 0; j < m->kv.n; j++) {
		const struct mo_kv *kv = &m->kv.kv[j];
		int skip = strcmp(kv->key, "id") == 0 || strcmp(kv->key, "time") == 0 ||
		    strcmp(kv->key, "gid") == 0 || mo_kv_get(&m->kv, kv->key) != kv;
		for (k = numbers; *k && !skip; k++)
			skip = strcmp(kv->key, *k) == 0 && is_number(ctl_meta_get(m, *k));
		if (!skip)
			json_kv(f, kv->key, kv->value, kv->len, &first);
	}
	fputs(",\"args\":[", f);
	for (i = 0; i < m->nargs; i++) {
		if (i > 0)
			fputc(',', f);
		ctl_put_json(f, m->args[i], strlen(m->args[i]));
	}
	fputc(']', f);
}

enum { COL_ID, COL_TIME, COL_UID, COL_USER, COL_VHOST, COL_REASON, COL_RULE, COL_FROM,
	COL_RCPTS, COL_SIZE, NCOLS };

static const char *const col_names[NCOLS] = {
	"ID", "TIME", "UID", "USER", "VHOST", "REASON", "RULE", "FROM", "RCPTS", "SIZE"
};

/* The table cells of one hold, each a safe malloc'd string. */
static int
row(const struct held *h, char *cells[NCOLS])
{
	const struct ctl_meta *m = &h->meta;
	char t[32], rule[256];
	const char *v[NCOLS];
	int i, rc = 0;

	memset(v, 0, sizeof(v));
	v[COL_ID] = h->id;
	if (!h->ok) {
		v[COL_REASON] = "broken";
		v[COL_RULE] = h->err;
	} else {
		utc(t, sizeof(t), m->time);
		v[COL_TIME] = t;
		v[COL_UID] = ctl_meta_get(m, "uid");
		v[COL_USER] = ctl_meta_get(m, "user");
		v[COL_VHOST] = ctl_meta_get(m, "vhost");
		v[COL_REASON] = ctl_meta_get(m, "reason");
		snprintf(rule, sizeof(rule), "%s%s%s", ctl_meta_get(m, "rule"),
		    ctl_meta_get(m, "window")[0] ? " " : "", ctl_meta_get(m, "window"));
		v[COL_RULE] = rule;
		v[COL_FROM] = ctl_meta_get(m, "from");
		v[COL_RCPTS] = ctl_meta_get(m, "rcpts");
		v[COL_SIZE] = ctl_meta_get(m, "size");
	}
	for (i = 0; i < NCOLS; i++) {
		const char *s = v[i] && v[i][0] ? v[i] : "-";
		if ((cells[i] = ctl_safe(s, strlen(s))) == NULL)
			rc = -1;
	}
	return rc;
}

static void
print_cell(const char *s, size_t width, int last)
{
	if (last)
		printf("%s\n", s);
	else
		printf("%-*s  ", (int)width, s);
}

static void
print_table(const struct heldlist *l, const struct select *s)
{
	size_t w[NCOLS], i, r, nrows = 0;
	char *(*cells)[NCOLS];
	int c;

	if ((cells = calloc(l->n + 1, sizeof(*cells))) == NULL)
		errx(EX_OSERR, "out of memory");
	for (c = 0; c < NCOLS; c++)
		w[c] = strlen(col_names[c]);
	for (i = 0; i < l->n; i++) {
		if (!selected(s, &l->v[i]))
			continue;
		if (row(&l->v[i], cells[nrows]) == -1)
			errx(EX_OSERR, "out of memory");
		for (c = 0; c < NCOLS; c++)
			if (strlen(cells[nrows][c]) > w[c])
				w[c] = strlen(cells[nrows][c]);
		nrows++;
	}
	for (c = 0; c < NCOLS; c++)
		print_cell(col_names[c], w[c], c + 1 == NCOLS);
	for (r = 0; r < nrows; r++)
		for (c = 0; c < NCOLS; c++) {
			print_cell(cells[r][c], w[c], c + 1 == NCOLS);
			free(cells[r][c]);
		}
	free(cells);
}

static int
hold_list(struct ctl *c, const struct select *s)
{
	struct heldlist l;
	size_t i;

	if (scan(c, &l) == -1)
		return c->rc;
	for (i = 0; i < l.n; i++)
		if (!l.v[i].ok)
			fprintf(stderr, "mailoriginctl: warning: hold %s: %s\n", l.v[i].id, l.v[i].err);
	if (s->json) {
		for (i = 0; i < l.n; i++)
			if (selected(s, &l.v[i])) {
				json_open(stdout, &l.v[i]);
				fputs("}\n", stdout);
			}
	} else
		print_table(&l, s);
	free_list(&l);
	return c->rc;
}

/* The header block of the message in dirfd (up to the empty line), or NULL. */
static char *
headers_of(int dirfd, size_t *len, off_t *size, char *err, size_t errlen)
{
	char *buf = NULL, *p;
	struct stat st;
	ssize_t n;
	int fd;

	fd = openat(dirfd, "message", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "message: %s", fd == -1 ? (errno == ELOOP ? "is a symlink" :
		    strerror(errno)) : "not a regular file");
		if (fd != -1)
			close(fd);
		return NULL;
	}
	*size = st.st_size;
	if ((buf = malloc(HEADERS_MAX + 1)) == NULL || (n = pread(fd, buf, HEADERS_MAX, 0)) == -1) {
		snprintf(err, errlen, "message: %s", strerror(errno));
		free(buf);
		close(fd);
		return NULL;
	}
	close(fd);
	buf[n] = '\0';
	*len = (size_t)n;
	/* the header block ends at the first empty line, LF or CRLF */
	for (p = buf; p < buf + n; p++)
		if (*p == '\n' && (p == buf || p[-1] == '\n' || (p[-1] == '\r' &&
		    (p - 1 == buf || p[-2] == '\n')))) {
			*len = (size_t)(p - buf) + 1;
			break;
		}
	return buf;
}

static void
print_headers(const char *h, size_t len)
{
	const char *p = h, *end = h + len, *nl;
	size_t n;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl ? nl : end) - p);
		if (n > 0 && p[n - 1] == '\r')
			n--;
		if (n == 0)
			break;
		ctl_put_safe(stdout, p, n);
		putchar('\n');
		p = nl ? nl + 1 : end;
	}
}

static int
hold_show(struct ctl *c, const struct select *s)
{
	struct held h;
	char t[32], err[256], *hdr;
	size_t len, j;
	off_t size = 0;
	int dirfd, i;

	if (s->nids != 1)
		errx(EX_USAGE, "hold show takes one id\n%s", ctl_usage);
	if (!ctl_is_id(s->ids[0]))
		errx(EX_USAGE, "\"%s\" is not a hold id (16 hex digits)", s->ids[0]);
	if ((dirfd = open_hold(c, s->ids[0])) == -1) {
		ctl_fail(c, errno == ENOENT ? EX_NOINPUT : EX_IOERR, "hold %s: %s", s->ids[0],
		    errno == ENOENT ? "no such held message" : strerror(errno));
		return c->rc;
	}
	load(dirfd, s->ids[0], &h);
	hdr = headers_of(dirfd, &len, &size, err, sizeof(err));
	close(dirfd);
	if (!h.ok)
		ctl_fail(c, EX_DATAERR, "hold %s: %s", h.id, h.err);
	if (hdr == NULL)
		ctl_fail(c, EX_DATAERR, "hold %s: %s", h.id, err);
	if (s->json) {
		json_open(stdout, &h);
		if (hdr != NULL) {
			printf(",\"message_size\":%lld,\"headers\":", (long long)size);
			ctl_put_json(stdout, hdr, len);
		}
		fputs("}\n", stdout);
		free(hdr);
		ctl_meta_free(&h.meta);
		return c->rc;
	}
	printf("%-12s %s\n", "id", h.id);
	if (h.ok) {
		utc(t, sizeof(t), h.meta.time);
		printf("%-12s %s (%lld)\n", "time", t, h.meta.time);
		printf("%-12s %lu\n", "gid", (unsigned long)h.meta.gid);
		for (j = 0; j < h.meta.kv.n; j++) {
			const struct mo_kv *kv = &h.meta.kv.kv[j];
			if (strcmp(kv->key, "id") == 0 || strcmp(kv->key, "time") == 0 ||
			    strcmp(kv->key, "gid") == 0)
				continue;
			printf("%-12s ", kv->key);
			ctl_put_safe(stdout, kv->value, kv->len);
			putchar('\n');
		}
		for (i = 0; i < h.meta.nargs; i++) {
			printf("arg[%d]%*s ", i, i < 10 ? 5 : 4, "");
			ctl_put_safe(stdout, h.meta.args[i], strlen(h.meta.args[i]));
			putchar('\n');
		}
	}
	if (hdr != NULL) {
		printf("%-12s %lld bytes\n\n", "message", (long long)size);
		print_headers(hdr, len);
	}
	free(hdr);
	ctl_meta_free(&h.meta);
	return c->rc;
}

/* --- delete and release --- */

/* Remove every entry of the folder name in parent, then the folder.
 * Entries are unlinked, never followed; a sub-folder is an error. */
static int
purge(int parent, const char *name)
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
static int
remove_hold(struct ctl *c, const char *id)
{
	char from[64], to[64];

	snprintf(from, sizeof(from), "hold/%s", id);
	snprintf(to, sizeof(to), "tmp/gone.%s", id);
	if (purge(c->statefd, to) == -1)
		return -1;
	if (renameat(c->statefd, from, c->statefd, to) == -1) {
		if (errno != ENOENT)
			return -1;
		return purge(c->statefd, from);         /* no tmp/: in place */
	}
	return purge(c->statefd, to);
}

/* Lock the hold dir of id for this run; -1 with the reason reported. */
static int
lock_hold(struct ctl *c, const char *id)
{
	int fd;

	if ((fd = open_hold(c, id)) == -1) {
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

static void
log_action(struct ctl *c, int prio, const struct held *h, const char *action,
    const char *status)
{
	struct mo_line l;

	mo_line_init(&l);
	mo_line_kv(&l, "id", h->id);
	mo_line_kv(&l, "action", action);
	if (h->ok) {
		mo_line_kv(&l, "uid", ctl_meta_get(&h->meta, "uid"));
		mo_line_kv(&l, "user", ctl_meta_get(&h->meta, "user"));
		mo_line_kv(&l, "vhost", ctl_meta_get(&h->meta, "vhost"));
	}
	if (status != NULL) {
		mo_line_kv(&l, "mta", c->cfg.mta_path);
		mo_line_kv(&l, "mta_status", status);
	}
	mo_line_kv(&l, "by", "mailoriginctl");
	ctl_log(c, prio, &l);
}

static void
delete_one(struct ctl *c, const char *id)
{
	struct held h;
	int fd;

	if ((fd = lock_hold(c, id)) == -1)
		return;
	load(fd, id, &h);
	if (remove_hold(c, id) == -1)
		ctl_fail(c, EX_IOERR, "hold %s: cannot remove: %s", id, strerror(errno));
	else {
		log_action(c, LOG_NOTICE, &h, "delete", NULL);
		printf("deleted %s\n", id);
	}
	ctl_meta_free(&h.meta);
	close(fd);
}

/* Who the MTA runs as: the held message's uid, gid and that user's groups. */
struct runas {
	uid_t	 uid;
	gid_t	 gid;
	gid_t	 groups[1024];
	int	 ngroups;
	char	 home[1024], user[256], logname[256];
	char	*env[4];
};

static int
runas_of(const struct held *h, struct runas *r, char *err, size_t errlen)
{
	struct passwd *pw;

	memset(r, 0, sizeof(*r));
	r->uid = h->meta.uid;
	r->gid = h->meta.gid;
	errno = 0;
	if ((pw = getpwuid(r->uid)) != NULL) {
		r->ngroups = (int)(sizeof(r->groups) / sizeof(r->groups[0]));
		if (getgrouplist(pw->pw_name, r->gid, r->groups, &r->ngroups) == -1) {
			snprintf(err, errlen, "user %s is in too many groups", pw->pw_name);
			return -1;
		}
		snprintf(r->home, sizeof(r->home), "HOME=%s", pw->pw_dir);
		snprintf(r->user, sizeof(r->user), "USER=%s", pw->pw_name);
		snprintf(r->logname, sizeof(r->logname), "LOGNAME=%s", pw->pw_name);
	} else {
		/* the user is gone: just its gid */
		r->groups[0] = r->gid;
		r->ngroups = 1;
		strlcpy(r->home, "HOME=/", sizeof(r->home));
		snprintf(r->user, sizeof(r->user), "USER=%lu", (unsigned long)r->uid);
		snprintf(r->logname, sizeof(r->logname), "LOGNAME=%lu", (unsigned long)r->uid);
	}
	r->env[0] = r->home;
	r->env[1] = r->user;
	r->env[2] = r->logname;
	r->env[3] = NULL;
	return 0;
}

/* Open the held message for a release: a regular file, one link, owned
 * by the uid it will be sent as (as the wrapper wrote it). */
static int
open_message(int dirfd, const struct held *h, char *err, size_t errlen)
{
	struct stat st;
	int fd;

	fd = openat(dirfd, "message", O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "message: %s", errno == ELOOP ? "is a symlink" : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    st.st_uid != h->meta.uid || h->st.st_uid != h->meta.uid) {
		snprintf(err, errlen, "message: %s", !S_ISREG(st.st_mode) ? "not a regular file" :
		    st.st_nlink != 1 ? "has other hard links" :
		    "meta or message not owned by the uid of the meta");
		close(fd);
		return -1;
	}
	if (fcntl(fd, F_SETFL, 0) == -1) {
		snprintf(err, errlen, "message: %s", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Is path the setgid mailorigin wrapper?  Releasing into it would count
 * and hold the message again. */
static int
is_wrapper(const char *path)
{
	struct group *g = getgrnam(MO_GROUP);
	struct stat st;

	return g != NULL && stat(path, &st) == 0 && (st.st_mode & S_ISGID) &&
	    st.st_gid == g->gr_gid;
}

struct child_error {
	int	step;
	int	err;
};

static const char *const steps[] = {
	"dup2", "chdir /", "setgroups", "setresgid", "setresuid", "dropped ids check", "execve"
};

static void __attribute__((noreturn))
child(int report, int msgfd, const struct runas *r, const struct mo_exec *x, const char *path)
{
	struct child_error e = { 0, 0 };
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (dup2(msgfd, 0) == -1 || dup2(2, 1) == -1)
		goto fail;
	e.step++;
	if (chdir("/") == -1)
		goto fail;
	e.step++;
	if (setgroups((size_t)r->ngroups, r->groups) == -1)
		goto fail;
	e.step++;
	if (setresgid(r->gid, r->gid, r->gid) == -1)
		goto fail;
	e.step++;
	if (setresuid(r->uid, r->uid, r->uid) == -1)
		goto fail;
	e.step++;
	errno = EPERM;
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    ru != r->uid || eu != r->uid || su != r->uid ||
	    rg != r->gid || eg != r->gid || sg != r->gid ||
	    (r->uid != 0 && setuid(0) != -1))
		goto fail;
	e.step++;
	umask(022);
	signal(SIGPIPE, SIG_DFL);
	execve(path, x->argv, x->envp);
fail:
	e.err = errno;
	if (write(report, &e, sizeof(e)) != (ssize_t)sizeof(e))
		_exit(EX_OSERR);
	_exit(EX_OSERR);
}

/* Run the MTA as r with the message on stdin; returns its wait status,
 * or -1 with err when it could not be run. */
static int
run_mta(const struct ctl *c, const struct runas *r, const struct mo_exec *x, int msgfd,
    char *err, size_t errlen)
{
	struct child_error e;
	int p[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		child(p[1], msgfd, r, x, c->cfg.mta_path);
	}
	close(p[1]);
	while ((n = read(p[0], &e, sizeof(e))) == -1 && errno == EINTR)
		;
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			snprintf(err, errlen, "waitpid: %s", strerror(errno));
			return -1;
		}
	if (n == (ssize_t)sizeof(e)) {
		if (snprintf(err, errlen, "cannot run %s as uid %lu: %s: %s", c->cfg.mta_path,
		    (unsigned long)r->uid, steps[e.step], strerror(e.err)) >= (int)errlen)
			strlcpy(err + errlen - 4, "...", 4);
		return -1;
	}
	return status;
}

static void
status_text(char *buf, size_t len, int status)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "%d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "signal-%d", WTERMSIG(status));
	else
		snprintf(buf, len, "status-%d", status);
}

/* Check what the held argv asks for before anything runs. */
static int
check_args(const struct held *h, struct mo_args *a, char *err, size_t errlen)
{
	if (mo_args_classify(h->meta.nargs, h->meta.args, a) == -1) {
		snprintf(err, errlen, "held argv: %s", a->error);
		return -1;
	}
	if (!a->submission) {
		snprintf(err, errlen, "held argv is not a submission (%s)", a->mode ? a->mode : "?");
		return -1;
	}
	if (a->file_option != NULL && h->meta.uid != 0) {
		snprintf(err, errlen, "held argv has %s, which names a file, for uid %lu",
		    a->file_option, (unsigned long)h->meta.uid);
		return -1;
	}
	return 0;
}

static void
release_one(struct ctl *c, const char *id)
{
	char err[512], st[32];
	struct mo_args a;
	struct mo_exec x;
	struct runas r;
	struct held h;
	int fd, msgfd = -1, status;

	if ((fd = lock_hold(c, id)) == -1)
		return;
	load(fd, id, &h);
	if (!h.ok) {
		ctl_fail(c, EX_DATAERR, "hold %s: %s; not released", id, h.err);
		goto out;
	}
	if (check_args(&h, &a, err, sizeof(err)) == -1 ||
	    runas_of(&h, &r, err, sizeof(err)) == -1 ||
	    (msgfd = open_message(fd, &h, err, sizeof(err))) == -1) {
		ctl_fail(c, EX_DATAERR, "hold %s: %s; not released", id, err);
		goto out;
	}
	if (is_wrapper(c->cfg.mta_path)) {
		ctl_fail(c, EX_CONFIG, "hold %s: mta.path %s is the setgid mailorigin wrapper, which "
		    "would hold it again; not released", id, c->cfg.mta_path);
		goto out;
	}
	if (mo_exec_build(&x, &c->cfg, &a, h.meta.nargs, h.meta.args, r.env) == -1) {
		ctl_fail(c, EX_OSERR, "out of memory");
		goto out;
	}
	status = run_mta(c, &r, &x, msgfd, err, sizeof(err));
	mo_exec_free(&x);
	if (status == -1) {
		log_action(c, LOG_ERR, &h, "release-failed", "not-run");
		ctl_fail(c, EX_UNAVAILABLE, "hold %s: %s; kept", id, err);
		goto out;
	}
	status_text(st, sizeof(st), status);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		log_action(c, LOG_ERR, &h, "release-failed", st);
		ctl_fail(c, WIFEXITED(status) && WEXITSTATUS(status) == EX_TEMPFAIL ? EX_TEMPFAIL :
		    EX_UNAVAILABLE, "hold %s: %s exited %s; kept", id, c->cfg.mta_path, st);
		goto out;
	}
	log_action(c, LOG_NOTICE, &h, "release", st);
	if (remove_hold(c, id) == -1)
		ctl_fail(c, EX_IOERR, "hold %s: released, but cannot be removed from the "
		    "spool (%s): delete it, or it may be sent twice", id, strerror(errno));
	else
		printf("released %s (uid %lu)\n", id, (unsigned long)r.uid);
out:
	if (msgfd != -1)
		close(msgfd);
	ctl_meta_free(&h.meta);
	close(fd);
}

/* The ids a release or delete works on: named, or picked by --uid / --all. */
static int
pick(struct ctl *c, const struct select *s, void (*fn)(struct ctl *, const char *))
{
	struct heldlist l;
	size_t i;
	int k;

	if (s->nids > 0) {
		for (k = 0; k < s->nids; k++) {
			if (!ctl_is_id(s->ids[k]))
				ctl_fail(c, EX_USAGE, "\"%s\" is not a hold id (16 hex digits)", s->ids[k]);
			else
				fn(c, s->ids[k]);
		}
		return c->rc;
	}
	if (scan(c, &l) == -1)
		return c->rc;
	for (i = 0; i < l.n; i++)
		if (selected(s, &l.v[i]))
			fn(c, l.v[i].id);
	free_list(&l);
	return c->rc;
}

int
ctl_hold(struct ctl *c, int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "uid", required_argument, NULL, 'u' },
		{ "vhost", required_argument, NULL, 'V' },
		{ "all", no_argument, NULL, 'a' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct select s = { 0 };
	const char *verb, *errstr;
	int ch;

	if (argc < 2)
		errx(EX_USAGE, "hold needs a verb: list, show, release or delete\n%s", ctl_usage);
	verb = argv[1];
	argc--;
	argv++;
	optind = 0;      /* glibc: start over, permuting again */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'u':
			s.by_uid = 1;
			s.uid = (uid_t)strtonum(optarg, 0, UINT32_MAX - 1, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "--uid %s: not a uid", optarg);
			break;
		case 'V': s.vhost = optarg; break;
		case 'a': s.all = 1; break;
		case 'j': s.json = 1; break;
		case 'h': fputs(ctl_usage, stdout); exit(EX_OK);
		default: errx(EX_USAGE, "see mailoriginctl --help");
		}
	}
	s.ids = argv + optind;
	s.nids = argc - optind;
	if (strcmp(verb, "list") == 0) {
		if (s.nids > 0 || s.all)
			errx(EX_USAGE, "hold list takes --uid, --vhost and --json only");
		return hold_list(c, &s);
	}
	if (strcmp(verb, "show") == 0) {
		if (s.by_uid || s.vhost || s.all)
			errx(EX_USAGE, "hold show takes one id (and --json)");
		return hold_show(c, &s);
	}
	if (strcmp(verb, "release") != 0 && strcmp(verb, "delete") != 0)
		errx(EX_USAGE, "hold %s: unknown verb (list, show, release, delete)", verb);
	if (s.json || s.vhost)
		errx(EX_USAGE, "hold %s takes ids, --uid N or --all", verb);
	if ((s.nids > 0) + s.by_uid + s.all != 1)
		errx(EX_USAGE, "hold %s takes ids, --uid N or --all (one of them)", verb);
	return pick(c, &s, verb[0] == 'r' ? release_one : delete_one);
}
