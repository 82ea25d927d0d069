/*
 * hold: the verbs over STATE/hold: list, show, delete (release.c sends).
 * list and release also cover the milter's holds in Postfix's hold queue
 * (pfhold.c), named by our stamp's id.
 *
 * Nothing in a hold dir is trusted more than its owner could make it: the
 * wrapper writes it as the caller's uid with the mailorigin group.  Every
 * file is opened with O_NOFOLLOW and must be a regular file; values are
 * shown escaped, never raw.  A hold dir is locked (flock) while it is
 * released or deleted, and leaves hold/ by one rename, so that two runs
 * never send it twice.
 */
#include <sys/file.h>
#include <sys/stat.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "duration.h"
#include "escape.h"
#include "fmt.h"
#include "held.h"
#include "hold.h"
#include "json.h"
#include "holdmeta.h"
#include "pfhold.h"
#include "spool.h"
#include "verb.h"

#define HEADERS_MAX 65536       /* bytes of the header block `show` prints */

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
		if (!mo_is_hold_id(e->d_name))
			continue;
		if ((dirfd = ctl_held_open(c, e->d_name)) == -1)
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
		ctl_held_load(c, dirfd, e->d_name, &l->v[l->n++]);
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
		mo_holdmeta_free(&l->v[i].meta);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int
selected(const struct select *s, const struct held *h)
{
	if (s->by_uid && !(h->ok && h->meta.uid == s->uid))
		return 0;
	if (s->vhost != NULL && !(h->ok && strcmp(mo_holdmeta_get(&h->meta, "vhost"), s->vhost) == 0))
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

/* One hold as one JSON object, left open for the caller's members. */
static void
json_open(struct mo_json *j, FILE *f, const struct held *h)
{
	static const char *const numbers[] = { "uid", "rcpts", "size", "first", NULL };
	const struct mo_holdmeta *m = &h->meta;
	const char *const *k;
	int i;
	size_t n;

	mo_json_begin(j, f);
	mo_json_str(j, "id", h->id);
	if (!h->ok) {
		mo_json_str(j, "error", h->err);
		return;
	}
	mo_json_int(j, "time", m->time);
	mo_json_uint(j, "gid", (unsigned long)m->gid);
	for (k = numbers; *k; k++)
		if (is_number(mo_holdmeta_get(m, *k)))
			mo_json_uint(j, *k, strtoull(mo_holdmeta_get(m, *k), NULL, 10));
	for (n = 0; n < m->kv.n; n++) {
		const struct mo_kv *kv = &m->kv.kv[n];
		int skip = strcmp(kv->key, "id") == 0 || strcmp(kv->key, "time") == 0 ||
		    strcmp(kv->key, "gid") == 0 || mo_kv_get(&m->kv, kv->key) != kv;
		for (k = numbers; *k && !skip; k++)
			skip = strcmp(kv->key, *k) == 0 && is_number(mo_holdmeta_get(m, *k));
		if (!skip)
			mo_json_strn(j, kv->key, kv->value, kv->len);
	}
	mo_json_array(j, "args");
	for (i = 0; i < m->nargs; i++)
		mo_json_str(j, NULL, m->args[i]);
	mo_json_close(j);
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
	const struct mo_holdmeta *m = &h->meta;
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
		v[COL_UID] = mo_holdmeta_get(m, "uid");
		v[COL_USER] = mo_holdmeta_get(m, "user");
		v[COL_VHOST] = mo_holdmeta_get(m, "vhost");
		v[COL_REASON] = mo_holdmeta_get(m, "reason");
		snprintf(rule, sizeof(rule), "%s%s%s", mo_holdmeta_get(m, "rule"),
		    mo_holdmeta_get(m, "window")[0] ? " " : "", mo_holdmeta_get(m, "window"));
		v[COL_RULE] = rule;
		v[COL_FROM] = mo_holdmeta_get(m, "from");
		v[COL_RCPTS] = mo_holdmeta_get(m, "rcpts");
		v[COL_SIZE] = mo_holdmeta_get(m, "size");
	}
	for (i = 0; i < NCOLS; i++) {
		const char *s = v[i] && v[i][0] ? v[i] : "-";
		/* h->err is made safe where it is made: not escaped twice */
		if ((cells[i] = v[i] == h->err ? strdup(s) : ctl_safe(s, strlen(s))) == NULL)
			rc = -1;
	}
	return rc;
}

static int
pf_selected(const struct select *s, const struct pfhold *h)
{
	if (s->by_uid && h->uid != (long)s->uid)
		return 0;
	return s->vhost == NULL || strcmp(h->vhost, s->vhost) == 0;
}

/* The cells of one of Postfix's holds: REASON says where it is. */
static int
pf_row(const struct pfhold *h, char *cells[NCOLS])
{
	char t[32], uid[24], rule[256], rcpts[24], size[24], reason[128];
	const char *v[NCOLS];
	int i, rc = 0;

	utc(t, sizeof(t), (long long)h->arrival);
	snprintf(uid, sizeof(uid), "%ld", h->uid);
	snprintf(rule, sizeof(rule), "%s%s%s", h->rule, h->window[0] ? " " : "", h->window);
	snprintf(rcpts, sizeof(rcpts), "%lu", h->rcpts);
	snprintf(size, sizeof(size), "%ld", h->size);
	snprintf(reason, sizeof(reason), "%s (postfix %s)", h->reason, h->qid);
	v[COL_ID] = h->id;
	v[COL_TIME] = t;
	v[COL_UID] = h->uid >= 0 ? uid : "";
	v[COL_USER] = h->user[0] ? h->user : h->sasl;
	v[COL_VHOST] = h->vhost;
	v[COL_REASON] = reason;
	v[COL_RULE] = rule;
	v[COL_FROM] = h->from;
	v[COL_RCPTS] = rcpts;
	v[COL_SIZE] = size;
	for (i = 0; i < NCOLS; i++) {
		const char *x = v[i][0] ? v[i] : "-";
		if ((cells[i] = ctl_safe(x, strlen(x))) == NULL)
			rc = -1;
	}
	return rc;
}

static void
pf_json(const struct pfhold *h)
{
	struct mo_json j;

	mo_json_begin(&j, stdout);
	mo_json_str(&j, "id", h->id);
	mo_json_str(&j, "kind", "postfix");
	mo_json_str(&j, "queue_id", h->qid);
	mo_json_int(&j, "time", (long long)h->arrival);
	if (h->uid >= 0)
		mo_json_uint(&j, "uid", (unsigned long)h->uid);
	mo_json_str(&j, "user", h->user);
	mo_json_str(&j, "sasl", h->sasl);
	mo_json_str(&j, "vhost", h->vhost);
	mo_json_str(&j, "reason", h->reason);
	mo_json_bool(&j, "verified", h->verified);
	mo_json_str(&j, "rule", h->rule);
	mo_json_str(&j, "window", h->window);
	mo_json_str(&j, "from", h->from);
	mo_json_uint(&j, "rcpts", h->rcpts);
	mo_json_uint(&j, "size", (unsigned long)(h->size > 0 ? h->size : 0));
	mo_json_end(&j);
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
print_table(const struct heldlist *l, const struct pfholds *pf, const struct select *s)
{
	size_t w[NCOLS], i, r, nrows = 0;
	char *(*cells)[NCOLS];
	int c;

	if ((cells = calloc(l->n + pf->n + 1, sizeof(*cells))) == NULL)
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
	for (i = 0; i < pf->n; i++) {
		if (!pf_selected(s, &pf->v[i]))
			continue;
		if (pf_row(&pf->v[i], cells[nrows]) == -1)
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

/* A wrapper or a release killed midway leaves tmp/hold.ID, tmp/gone.ID or
 * tmp/spool.ID behind; older than this, nothing is working on it. */
#define STALE_SECONDS 3600

/* Count (and with remove, take away) the stale temporary entries of tmp/. */
static unsigned
stale_tmp(struct ctl *c, int remove)
{
	struct dirent *e;
	struct stat st;
	unsigned n = 0;
	time_t now = time(NULL);
	DIR *d;
	int fd;

	if ((fd = openat(c->statefd, "tmp", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return 0;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return 0;
	}
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, "hold.", 5) != 0 && strncmp(e->d_name, "gone.", 5) != 0 &&
		    strncmp(e->d_name, "spool.", 6) != 0)
			continue;
		if (fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    now - st.st_mtime < STALE_SECONDS)
			continue;
		n++;
		if (!remove)
			continue;
		if ((S_ISDIR(st.st_mode) ? ctl_held_purge(fd, e->d_name) : unlinkat(fd, e->d_name, 0)) == -1) {
			warn("tmp/%s", e->d_name);
			c->rc = EX_IOERR;
			n--;
		}
	}
	closedir(d);
	return n;
}

static int
hold_clean(struct ctl *c)
{
	unsigned n = stale_tmp(c, 1);

	printf("%u stale temporary entr%s removed from tmp/\n", n, n == 1 ? "y" : "ies");
	if (n > 0)
		syslog(LOG_NOTICE, "hold clean: %u stale temporary entries removed", n);
	return c->rc;
}

static int
hold_list(struct ctl *c, const struct select *s)
{
	struct heldlist l;
	struct pfholds pf;
	size_t i;
	unsigned n;

	if (scan(c, &l) == -1)
		return c->rc;
	pfhold_scan(c, &pf);
	for (i = 0; i < l.n; i++)
		if (!l.v[i].ok)
			fprintf(stderr, "mailoriginctl: warning: hold %s: %s\n", l.v[i].id, l.v[i].err);
	if (s->json) {
		for (i = 0; i < l.n; i++)
			if (selected(s, &l.v[i])) {
				struct mo_json j;
				json_open(&j, stdout, &l.v[i]);
				mo_json_end(&j);
			}
		for (i = 0; i < pf.n; i++)
			if (pf_selected(s, &pf.v[i]))
				pf_json(&pf.v[i]);
	} else
		print_table(&l, &pf, s);
	free_list(&l);
	pfhold_free(&pf);
	if ((n = stale_tmp(c, 0)) > 0)
		fprintf(stderr, "mailoriginctl: warning: %u stale temporary entr%s in tmp/ (a wrapper "
		    "killed while holding): `mailoriginctl hold clean` removes them\n", n,
		    n == 1 ? "y" : "ies");
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
		errx(EX_USAGE, "hold show takes one id (and --json)");
	if (!mo_is_hold_id(s->ids[0]))
		errx(EX_USAGE, "\"%s\" is not a hold id (16 hex digits)", s->ids[0]);
	if ((dirfd = ctl_held_open(c, s->ids[0])) == -1) {
		ctl_fail(c, errno == ENOENT ? EX_NOINPUT : EX_IOERR, "hold %s: %s", s->ids[0],
		    errno == ENOENT ? "no such held message" : strerror(errno));
		return c->rc;
	}
	ctl_held_load(c, dirfd, s->ids[0], &h);
	hdr = headers_of(dirfd, &len, &size, err, sizeof(err));
	close(dirfd);
	if (!h.ok)
		ctl_fail(c, EX_DATAERR, "hold %s: %s", h.id, h.err);
	if (hdr == NULL)
		ctl_fail(c, EX_DATAERR, "hold %s: %s", h.id, err);
	if (s->json) {
		struct mo_json jw;
		json_open(&jw, stdout, &h);
		if (hdr != NULL) {
			mo_json_int(&jw, "message_size", (long long)size);
			mo_json_strn(&jw, "headers", hdr, len);
		}
		mo_json_end(&jw);
		free(hdr);
		mo_holdmeta_free(&h.meta);
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
	mo_holdmeta_free(&h.meta);
	return c->rc;
}

/* --- delete and release --- */

static void
delete_one(struct ctl *c, const char *id)
{
	struct held h;
	int fd;

	if ((fd = ctl_held_lock(c, id)) == -1)
		return;
	ctl_held_load(c, fd, id, &h);
	if (ctl_held_remove(c, id) == -1)
		ctl_fail(c, EX_IOERR, "hold %s: cannot remove: %s", id, strerror(errno));
	else {
		ctl_held_log(c, LOG_NOTICE, &h, "delete", NULL);
		printf("deleted %s\n", id);
	}
	mo_holdmeta_free(&h.meta);
	close(fd);
}


/* Release one id: from our spool, else from Postfix's hold queue when the
 * milter put it there (the queue is read once per run). */
static void
release_one(struct ctl *c, const char *id)
{
	static struct pfholds pf;
	static int scanned;
	const struct pfhold *h;
	int fd;

	if ((fd = ctl_held_open(c, id)) != -1 || errno != ENOENT) {
		if (fd != -1)
			close(fd);
		ctl_release_one(c, id);
		return;
	}
	if (!scanned++)
		pfhold_scan(c, &pf);
	if ((h = pfhold_find(&pf, id)) != NULL)
		pfhold_release(c, &pf, h);
	else
		ctl_release_one(c, id);         /* says there is no such hold */
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
			if (!mo_is_hold_id(s->ids[k]))
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

enum { O_UID = 1, O_VHOST = 2, O_ALL = 4, O_JSON = 8, O_TIMEOUT = 16 };

/* The options and operands of a hold verb, each checked against v->opts. */
static void
hold_args(struct ctl *c, const struct ctl_verb *v, int argc, char *argv[], struct select *s)
{
	static const struct option opts[] = {
		{ "uid", required_argument, NULL, O_UID },
		{ "vhost", required_argument, NULL, O_VHOST },
		{ "all", no_argument, NULL, O_ALL },
		{ "json", no_argument, NULL, O_JSON },
		{ "timeout", required_argument, NULL, O_TIMEOUT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *errstr;
	int ch;

	memset(s, 0, sizeof(*s));
	optind = 0;      /* glibc: start over, permuting again */
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(v->usage, stdout);
			exit(EX_OK);
		}
		if (ch == '?')
			errx(EX_USAGE, "see mailoriginctl --help");
		if (((unsigned)ch & v->opts) == 0)
			errx(EX_USAGE, "hold %s does not take --%s; usage:\n%s", v->name,
			    opts[__builtin_ctz((unsigned)ch)].name, v->usage);
		switch (ch) {
		case O_UID:
			s->by_uid = 1;
			s->uid = (uid_t)strtonum(optarg, 0, UINT32_MAX - 1, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "--uid %s: not a uid", optarg);
			break;
		case O_VHOST: s->vhost = optarg; break;
		case O_ALL: s->all = 1; break;
		case O_JSON: s->json = 1; break;
		case O_TIMEOUT: {
			/* the one duration grammar: 90, 90s, 2m, 1h */
			long long ms = mo_duration_ms(optarg, 86400LL * 1000, &errstr);
			if (ms < 1000)
				errx(EX_USAGE, "--timeout %s: a duration from 1s to 1d (90, 90s, 2m, 1h)",
				    optarg);
			c->mta_timeout = (int)((ms + 999) / 1000);
			break;
		}
		}
	}
	s->ids = argv + optind;
	s->nids = argc - optind;
}

static int
verb_list(struct ctl *c, const struct ctl_verb *v, int argc, char *argv[])
{
	struct select s;

	hold_args(c, v, argc, argv, &s);
	if (s.nids > 0)
		errx(EX_USAGE, "hold list takes --uid, --vhost and --json only");
	return hold_list(c, &s);
}

static int
verb_show(struct ctl *c, const struct ctl_verb *v, int argc, char *argv[])
{
	struct select s;

	hold_args(c, v, argc, argv, &s);
	return hold_show(c, &s);
}

/* release and delete: ids, --uid N or --all, one of them. */
static int
verb_pick(struct ctl *c, const struct ctl_verb *v, int argc, char *argv[])
{
	struct select s;

	hold_args(c, v, argc, argv, &s);
	if ((s.nids > 0) + s.by_uid + s.all != 1)
		errx(EX_USAGE, "hold %s takes ids, --uid N or --all (one of them)", v->name);
	return pick(c, &s, strcmp(v->name, "release") == 0 ? release_one : delete_one);
}

static int
verb_clean(struct ctl *c, const struct ctl_verb *v, int argc, char *argv[])
{
	struct select s;

	hold_args(c, v, argc, argv, &s);
	if (s.nids > 0)
		errx(EX_USAGE, "hold clean takes no arguments");
	return hold_clean(c);
}

const struct ctl_verb ctl_hold_verbs[] = {
	{ "list", verb_list,
	  "  hold list [--uid N] [--vhost V] [--json]   held messages, oldest first\n",
	  O_UID | O_VHOST | O_JSON, NULL },
	{ "show", verb_show,
	  "  hold show ID [--json]                      one held message: meta and headers\n",
	  O_JSON, NULL },
	{ "release", verb_pick,
	  "  hold release ID...|--uid N|--all [--timeout S]\n"
	  "                                             send to the real MTA as the original uid\n",
	  O_UID | O_ALL | O_TIMEOUT, NULL },
	{ "delete", verb_pick,
	  "  hold delete ID...|--uid N|--all            remove from the hold spool\n",
	  O_UID | O_ALL, NULL },
	{ "clean", verb_clean,
	  "  hold clean                                 remove stale tmp/ entries (over 1 h old)\n",
	  0, NULL },
	{ NULL, NULL, NULL, 0, NULL }
};

