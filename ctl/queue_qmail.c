/*
 * queue_qmail: the queue verbs over qmail's queue (lib/qmailq reads its
 * files).  A message is found by its mess/N/INODE file; its envelope is
 * todo/[N/]INODE while not yet preprocessed (u, p, F, T records as
 * qmail-queue wrote them), else info/N/INODE (F) with local/N/INODE and
 * remote/N/INODE (T pending, D done).  A mess file with neither is still
 * being written by qmail-queue (or is qmail-send's to clean up): skipped
 * as incomplete.  Files that vanish while read are counted, never an error.
 *
 * qmail has no hold queue: hold copies all of a message's files into
 * STATE/qmail-hold/ID/ (with "envelope", the pending recipients in
 * qmail-queue's fd 1 format, and "meta", who submitted it), fsyncs and
 * renames that folder into place, and only then unlinks the queue files
 * (todo and intd first, mess last, as qmail-send's cleanup expects: a
 * crash leaves a duplicate, never a loss).  release runs qmail-queue with
 * the held message on fd 0 and its envelope on fd 1 (qmail-queue(8)), as
 * the submitting uid when it is known, so the new Received line names the
 * same origin; the held copy is removed only when qmail-queue exits 0.
 * hold and delete --force touch the queue and need qmail-send stopped:
 * its lock, lock/sendmutex (qmail-send takes it with lock_exnb(): flock
 * LOCK_EX|LOCK_NB, or lockf where flock is missing), is taken by us for
 * the whole action, and the action refused while another process has it.
 *
 * A virtual domain's local recipients are in local/ as qmail-send
 * rewrote them, "PREFIX-user@domain" (control/virtualdomains, beside the
 * queue: QUEUE/../control); the hold's envelope takes the prefix off, as
 * qmail-send's own bounces do, so that a release hands qmail-queue the
 * address that was given and qmail-send does not prefix it twice.
 */
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <bsd/string.h>
#include <bsd/unistd.h>

#include "escape.h"
#include "pfqueue.h"
#include "qmailq.h"
#include "queue.h"

enum { QQ_TODO, QQ_LOCAL, QQ_REMOTE, QQ_BOTH, QQ_HOLD, QQ_DONE };
const char *const qq_queue_names[Q_NQUEUES] = {
	"todo", "local", "remote", "both", "hold", "done"
};

#define HOLD_DIR "qmail-hold"

static struct qmq_buf qbuf;
static int holdfd = -1;         /* STATE/qmail-hold, or -1 */
static int lockfd = -1;         /* lock/sendmutex while we act */

void
qq_setup(struct ctl *c, struct q_opts *o)
{
	(void)o;
	if (c->statefd != -1)
		holdfd = openat(c->statefd, HOLD_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

/* STATE/qmail-hold, made when an action needs it. */
static int
hold_dir(struct ctl *c)
{
	if (holdfd != -1)
		return holdfd;
	if (c->statefd == -1)
		return -1;
	if (mkdirat(c->statefd, HOLD_DIR, 0700) == -1 && errno != EEXIST)
		return -1;
	holdfd = openat(c->statefd, HOLD_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return holdfd;
}

static int
open_at(int dfd, const char *path)
{
	return openat(dfd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
}

/* ---- paths ------------------------------------------------------------------ */

/* rel "mess/N/ID" -> N and ID; "hold/ID" -> ID, *n = -1.  0, or -1. */
static int
rel_parse(const char *rel, long *n, char *id, size_t idlen)
{
	const char *p, *s;
	char *end;

	if (strncmp(rel, "hold/", 5) == 0) {
		*n = -1;
		if (!pfq_id_ok(rel + 5) || strlen(rel + 5) >= idlen)
			return -1;
		strlcpy(id, rel + 5, idlen);
		return 0;
	}
	if (strncmp(rel, "mess/", 5) != 0)
		return -1;
	p = rel + 5;
	*n = strtol(p, &end, 10);
	if (end == p || *end != '/' || *n < 0 || *n >= QMQ_SPLIT_MAX)
		return -1;
	s = end + 1;
	if (!qmq_name_ok(s) || strlen(s) >= idlen)
		return -1;
	strlcpy(id, s, idlen);
	return 0;
}

int
qq_rel_ok(const char *rel)
{
	char id[65];
	long n;

	return rel_parse(rel, &n, id, sizeof(id)) == 0;
}

/* The queue files of message ID in split folder N, in the order they are
 * removed (todo and intd first, mess last); name is their name in a hold. */
struct qfile { const char *name; char path[64]; };
#define QFILES 10

static size_t
queue_files(long n, const char *id, struct qfile *f)
{
	static const char *const flat[] = { "todo", "intd", "bounce" };
	static const char *const split[] = { "todo", "intd", "info", "local", "remote", "mess" };
	size_t k = 0, i;

	for (i = 0; i < 2; i++) {
		f[k].name = flat[i];
		snprintf(f[k++].path, sizeof(f->path), "%s/%s", flat[i], id);
		f[k].name = flat[i];
		snprintf(f[k++].path, sizeof(f->path), "%s/%ld/%s", flat[i], n, id);
	}
	for (i = 2; i < 5; i++) {
		f[k].name = split[i];
		snprintf(f[k++].path, sizeof(f->path), "%s/%ld/%s", split[i], n, id);
	}
	f[k].name = "bounce";
	snprintf(f[k++].path, sizeof(f->path), "bounce/%s", id);
	f[k].name = "mess";
	snprintf(f[k++].path, sizeof(f->path), "mess/%ld/%s", n, id);
	return k;
}

/* ---- reading ------------------------------------------------------------------ */

struct env_ctx {
	struct q_item	*it;
	long		 uid;           /* the u record, -1 */
	unsigned long	 pending;       /* T records of this file */
	FILE		*out;           /* hold: the envelope being written, or NULL */
	int		 local;         /* reading local/: T may carry a vdom prefix */
};

#define VDOM_MAX (1 << 20)
static char vdoms[VDOM_MAX + 1];        /* control/virtualdomains, NUL-ended */
static int vdoms_read;

/* control/virtualdomains beside the queue, once; none is an empty table. */
static void
vdoms_load(const struct q_opts *o)
{
	char path[PATH_MAX];
	ssize_t n;
	size_t len = 0;
	int fd;

	if (vdoms_read)
		return;
	vdoms_read = 1;
	if (snprintf(path, sizeof(path), "%s/../control/virtualdomains", o->queue_dir) >=
	    (int)sizeof(path) || (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return;
	while (len < VDOM_MAX && (n = read(fd, vdoms + len, VDOM_MAX - len)) > 0)
		len += (size_t)n;
	close(fd);
	vdoms[len] = '\0';
}

/* The prefix virtualdomains gives key (case-insensitive, as qmail-send's
 * constmap), its length in *plen; NULL when key has no line. */
static const char *
vdom_prefix(const char *key, size_t klen, size_t *plen)
{
	const char *l, *e, *colon;

	for (l = vdoms; *l != '\0'; l = *e != '\0' ? e + 1 : e) {
		e = l + strcspn(l, "\n");
		if ((colon = memchr(l, ':', (size_t)(e - l))) == NULL ||
		    (size_t)(colon - l) != klen || strncasecmp(l, key, klen) != 0)
			continue;
		*plen = (size_t)(e - colon - 1);
		while (*plen > 0 && (colon[*plen] == ' ' || colon[*plen] == '\t' ||
		    colon[*plen] == '\r'))
			(*plen)--;
		return colon + 1;
	}
	return NULL;
}

/* How many bytes of recipient d are qmail-send's "PREFIX-" for its virtual
 * domain (the domain, then each of its ".suffix" keys, then the empty
 * catch-all key, first line found decides): 0 when none. */
static size_t
vdom_strip(const char *d, size_t n)
{
	const char *at = NULL, *dom, *p;
	size_t i, dlen, plen;

	for (i = n; i > 0; i--)
		if (d[i - 1] == '@') {
			at = d + i - 1;
			break;
		}
	if (at == NULL)
		return 0;
	dom = at + 1;
	dlen = n - (size_t)(dom - d);
	for (i = 0; i <= dlen; i++) {
		if (i != 0 && i != dlen && dom[i] != '.')
			continue;
		if ((p = vdom_prefix(dom + i, dlen - i, &plen)) == NULL)
			continue;
		if (plen > 0 && plen + 1 < n && memcmp(d, p, plen) == 0 && d[plen] == '-')
			return plen + 1;
		return 0;
	}
	return 0;
}

static int
on_record(void *arg, int type, const char *d, size_t n, int cut)
{
	struct env_ctx *x = arg;
	struct q_item *it = x->it;

	(void)cut;
	switch (type) {
	case 'u':
		x->uid = strtol(d, NULL, 10);
		break;
	case 'F':
		qm_sender(&it->m, d, n);
		break;
	case 'T':
		x->pending++;
		qm_recipient(&it->m, d, n);
		if (it->sel)
			q_sel_rcpt(it->sel, it, d, n);
		break;
	}
	if (x->out != NULL && (type == 'F' || type == 'T')) {
		size_t skip = type == 'T' && x->local ? vdom_strip(d, n) : 0;

		fputc(type, x->out);
		fwrite(d + skip, 1, n - skip, x->out);
		fputc('\0', x->out);
	}
	return 0;
}

/* Read the records of path (under dfd): 0, -1 gone (ENOENT), -2 unreadable. */
static int
read_records(int dfd, const char *path, const char *types, struct env_ctx *x)
{
	int fd = open_at(dfd, path), rc;

	if (fd == -1)
		return errno == ENOENT ? -1 : -2;
	x->pending = 0;
	rc = qmq_records(&qbuf, qmq_read_fd, &fd, types, on_record, x);
	close(fd);
	return rc < 0 ? -2 : 0;
}

/* The envelope of message ID in folder N; sets it->queue.  0, -1 none yet
 * (todo and info both missing), -2 unreadable. */
static int
read_envelope(int qfd, long n, const char *id, struct env_ctx *x)
{
	char path[64];
	unsigned long loc, rem;
	int rc;

	snprintf(path, sizeof(path), "todo/%s", id);
	if ((rc = read_records(qfd, path, "upFT", x)) == -1) {
		snprintf(path, sizeof(path), "todo/%ld/%s", n, id);
		rc = read_records(qfd, path, "upFT", x);
	}
	if (rc != -1) {
		x->it->queue = QQ_TODO;
		return rc;
	}
	snprintf(path, sizeof(path), "info/%ld/%s", n, id);
	if ((rc = read_records(qfd, path, "F", x)) != 0)
		return rc;
	snprintf(path, sizeof(path), "local/%ld/%s", n, id);
	x->local = 1;
	rc = read_records(qfd, path, "TD", x);
	x->local = 0;
	if (rc == -2)
		return -2;
	loc = x->pending;
	snprintf(path, sizeof(path), "remote/%ld/%s", n, id);
	x->pending = 0;
	if (read_records(qfd, path, "TD", x) == -2)
		return -2;
	rem = x->pending;
	x->it->queue = loc && rem ? QQ_BOTH : loc ? QQ_LOCAL : rem ? QQ_REMOTE : QQ_DONE;
	return 0;
}

struct mess_ctx {
	struct q_item	*it;
	int		(*body_fn)(void *, int, const char *, size_t);
	void		*body_arg;
	int		 body_done;
};

static int
on_line(void *arg, int type, const char *d, size_t n, int cut)
{
	struct mess_ctx *x = arg;
	struct q_item *it = x->it;

	(void)cut;
	if (type == 'H') {
		qm_header(&it->m, d, n);
		if (it->sel)
			q_sel_header(it->sel, it, d, n);
	} else {
		if (!x->body_done)
			x->body_done = qm_body_line(&it->m, d, n);
		if (it->sel && it->sel->want_body)
			q_sel_body(it->sel, it, d, n);
	}
	if (x->body_fn)
		x->body_fn(x->body_arg, type, d, n);
	return type == 'B' && x->body_done && !it->want_body && x->body_fn == NULL;
}

/* Who submitted it, for the hold's meta and release: "u<uid>", "n"
 * (network), "b" (qmail-send's bounce), or "" unknown. */
static void
submitter(const struct q_item *it, long urec, char *buf, size_t len)
{
	if (it->m.own.pickup_uid >= 0)
		snprintf(buf, len, "u%ld", it->m.own.pickup_uid);
	else if (it->m.own.net_received)
		snprintf(buf, len, "n");
	else if (it->m.own.qmail_bounce)
		snprintf(buf, len, "b");
	else if (urec >= 0)
		snprintf(buf, len, "u%ld", urec);
	else
		buf[0] = '\0';
}

int
qq_read(struct ctl *c, struct q_opts *o, struct q_item *it, struct q_stats *st,
    int want_body, int (*body_fn)(void *, int, const char *, size_t), void *body_arg)
{
	struct env_ctx ex = { it, -1, 0, NULL, 0 };
	struct mess_ctx mx = { it, body_fn, body_arg, 0 };
	struct stat a, b;
	char id[65], mpath[96];
	int qfd, dfd = -1, fd, rc;
	long n;

	if (rel_parse(it->rel, &n, id, sizeof(id)) == -1) {
		st->unreadable++;
		return -1;
	}
	qm_init(&it->m, c->cfg.header_prefix);
	it->m.mta_qmail = 1;
	strlcpy(it->m.id, id, sizeof(it->m.id));
	it->want_body = want_body;
	q_sel_item_begin(it->sel, it);
	if (n == -1) {
		if (holdfd == -1 || (dfd = openat(holdfd, id, O_RDONLY | O_DIRECTORY |
		    O_NOFOLLOW | O_CLOEXEC)) == -1) {
			st->vanished++;
			return -1;
		}
		qfd = dfd;
		strlcpy(mpath, "mess", sizeof(mpath));
	} else {
		if ((qfd = open(o->queue_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
			st->unreadable++;
			return -1;
		}
		strlcpy(mpath, it->rel, sizeof(mpath));
	}
	fd = open_at(qfd, mpath);
	if (fd == -1 || fstat(fd, &a) == -1 || !S_ISREG(a.st_mode)) {
		if (fd == -1 && errno == ENOENT)
			st->vanished++;
		else
			st->unreadable++;
		goto fail;
	}
	if (n == -1) {
		it->queue = QQ_HOLD;
		rc = read_records(qfd, "envelope", "FT", &ex);
		if (rc == 0 && read_records(qfd, "meta", "unb", &ex) == -2)
			rc = -2;
	} else
		rc = read_envelope(qfd, n, id, &ex);
	if (rc != 0) {
		/* no envelope yet: qmail-queue is still writing it (intd only) */
		if (rc == -1 && faccessat(qfd, mpath, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
			st->incomplete++;
		else if (rc == -1)
			st->vanished++;
		else
			st->unreadable++;
		goto fail;
	}
	it->ino = a.st_ino;
	it->mtime = a.st_mtim;
	it->file_size = a.st_size;
	rc = qmq_message(&qbuf, qmq_read_fd, &fd, want_body || body_fn != NULL || it->m.bounce,
	    on_line, &mx);
	if (rc == QMQ_STOPPED)
		rc = QMQ_OK;
	if (rc != QMQ_OK) {
		st->unreadable++;
		goto fail;
	}
	if (fstat(fd, &b) == -1 || b.st_ino != a.st_ino || b.st_size != a.st_size ||
	    b.st_mtim.tv_sec != a.st_mtim.tv_sec || b.st_mtim.tv_nsec != a.st_mtim.tv_nsec ||
	    b.st_nlink == 0) {
		st->changed++;
		goto fail;
	}
	close(fd);
	if (dfd != -1)
		close(dfd);
	else
		close(qfd);
	it->m.arrival = a.st_mtim.tv_sec;
	it->m.size = (long)a.st_size;
	/* the u record (qmail-queue's getuid()) when the Received line names no uid */
	if (ex.uid >= 0 && it->m.own.pickup_uid < 0 && !it->m.own.net_received &&
	    !it->m.own.qmail_bounce)
		it->m.owner_uid = ex.uid;
	q_item_finish(c, it);
	return 0;
fail:
	if (fd != -1)
		close(fd);
	close(qfd);
	return -1;
}

/* ---- the walk -------------------------------------------------------------------- */

static int
visit_one(struct ctl *c, struct q_opts *o, struct q_item *it, struct q_stats *st,
    q_visit_fn visit, void *arg)
{
	st->files++;
	if (qq_read(c, o, it, st, o->sel.want_body, NULL, NULL) == -1)
		return 0;
	st->messages++;
	if (!q_sel_match(&o->sel, it, o->now))
		return 0;
	st->selected++;
	return visit(arg, it);
}

/* Every message of folder mess/N. */
static int
walk_split(struct ctl *c, struct q_opts *o, int messfd, int n, struct q_item *it,
    struct q_stats *st, q_visit_fn visit, void *arg)
{
	char name[16];
	struct dirent *e;
	DIR *d;
	int fd, rc = 0;

	snprintf(name, sizeof(name), "%d", n);
	if ((fd = openat(messfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return 0;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return 0;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (!qmq_name_ok(e->d_name))
			continue;
		if (snprintf(it->rel, sizeof(it->rel), "mess/%d/%s", n, e->d_name) >=
		    (int)sizeof(it->rel))
			continue;
		rc = visit_one(c, o, it, st, visit, arg);
	}
	closedir(d);
	return rc;
}

static int
walk_hold(struct ctl *c, struct q_opts *o, struct q_item *it, struct q_stats *st,
    q_visit_fn visit, void *arg)
{
	struct dirent *e;
	DIR *d;
	int fd, rc = 0;

	if (holdfd == -1 || (fd = openat(holdfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return 0;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return 0;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || !pfq_id_ok(e->d_name))
			continue;
		if (snprintf(it->rel, sizeof(it->rel), "hold/%s", e->d_name) >= (int)sizeof(it->rel))
			continue;
		rc = visit_one(c, o, it, st, visit, arg);
	}
	closedir(d);
	return rc;
}

static int
queue_split(const struct q_opts *o, int *messfd)
{
	char path[PATH_MAX];
	int split;

	if (snprintf(path, sizeof(path), "%s/mess", o->queue_dir) >= (int)sizeof(path))
		errx(EX_USAGE, "qmail queue %s: too long a path", o->queue_dir);
	if ((*messfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		errx(errno == ENOENT ? EX_OSFILE : EX_NOPERM, "qmail queue %s: %s", path,
		    strerror(errno));
	if ((split = qmq_split(*messfd)) == -1)
		errx(EX_DATAERR, "qmail queue %s: its folders are not 0..N-1 (conf-split): "
		    "not a qmail queue", path);
	return split;
}

int
qq_scan(struct ctl *c, struct q_opts *o, q_visit_fn visit, void *arg, struct q_stats *st)
{
	struct q_item *it;
	int messfd, split, n, rc = 0;

	memset(st, 0, sizeof(*st));
	split = queue_split(o, &messfd);
	if ((it = calloc(1, sizeof(*it))) == NULL)
		err(EX_OSERR, "calloc");
	it->sel = &o->sel;
	for (n = 0; n < split && rc == 0; n++)
		rc = walk_split(c, o, messfd, n, it, st, visit, arg);
	close(messfd);
	if (rc == 0)
		rc = walk_hold(c, o, it, st, visit, arg);
	free(it);
	return rc;
}

int
qq_find(const struct q_opts *o, const char *id, struct q_item *it)
{
	char path[PATH_MAX];
	struct stat sb;
	int messfd, split;
	long n;

	if (qmq_name_ok(id)) {
		split = queue_split(o, &messfd);
		close(messfd);
		n = strtol(id, NULL, 10) % split;
		if (snprintf(path, sizeof(path), "%s/mess/%ld/%s", o->queue_dir, n, id) <
		    (int)sizeof(path) && lstat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
			snprintf(it->rel, sizeof(it->rel), "mess/%ld/%s", n, id);
			it->queue = QQ_TODO;    /* the read says which */
			return 0;
		}
	}
	if (holdfd != -1 && pfq_id_ok(id) && fstatat(holdfd, id, &sb, AT_SYMLINK_NOFOLLOW) == 0 &&
	    S_ISDIR(sb.st_mode)) {
		snprintf(it->rel, sizeof(it->rel), "hold/%s", id);
		it->queue = QQ_HOLD;
		return 0;
	}
	return -1;
}

/* ---- acting ------------------------------------------------------------------------- */

int
qq_wanted(const struct q_opts *o, int q)
{
	if (strcmp(o->verb, "hold") == 0)
		return q == QQ_TODO || q == QQ_LOCAL || q == QQ_REMOTE || q == QQ_BOTH;
	if (strcmp(o->verb, "release") == 0)
		return q == QQ_HOLD;
	if (strcmp(o->verb, "delete") == 0)
		return o->force || q == QQ_HOLD;
	if (strcmp(o->verb, "requeue") == 0)
		return 0;
	return 1;
}

int
qq_same(const struct q_opts *o, const struct q_plan_ent *e)
{
	char id[65], path[PATH_MAX];
	struct stat sb;
	long n;
	int r;

	if (rel_parse(e->rel, &n, id, sizeof(id)) == -1)
		return 0;
	if (n == -1) {
		snprintf(path, sizeof(path), "%s/mess", id);
		r = holdfd == -1 ? -1 : fstatat(holdfd, path, &sb, AT_SYMLINK_NOFOLLOW);
	} else {
		r = snprintf(path, sizeof(path), "%s/%s", o->queue_dir, e->rel) >= (int)sizeof(path) ?
		    -1 : lstat(path, &sb);
	}
	return r == 0 && S_ISREG(sb.st_mode) && sb.st_ino == e->ino &&
	    sb.st_mtim.tv_sec == e->mtime.tv_sec && sb.st_mtim.tv_nsec == e->mtime.tv_nsec;
}

int
qq_lock(struct ctl *c, const struct q_opts *o, const struct q_plan_ent *e, size_t n)
{
	struct flock fl;
	char path[PATH_MAX];
	size_t i;
	int touches = 0;

	for (i = 0; i < n; i++)
		touches |= e[i].queue != QQ_HOLD;
	if (!touches || lockfd != -1)
		return 0;
	if (snprintf(path, sizeof(path), "%s/lock/sendmutex", o->queue_dir) >= (int)sizeof(path))
		return -1;
	if ((lockfd = open(path, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		ctl_fail(c, EX_UNAVAILABLE, "queue %s: %s: %s (qmail-send's lock; is %s a qmail queue?)",
		    o->verb, path, strerror(errno), o->queue_dir);
		return -1;
	}
	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (flock(lockfd, LOCK_EX | LOCK_NB) == -1 || fcntl(lockfd, F_SETLK, &fl) == -1) {
		int e2 = errno;
		close(lockfd);
		lockfd = -1;
		if (e2 == EWOULDBLOCK || e2 == EAGAIN || e2 == EACCES)
			ctl_fail(c, EX_TEMPFAIL, "queue %s: qmail-send is running (another process holds "
			    "%s): stop it first (svc -d /service/qmail-send, or qmailctl stop); "
			    "nothing done", o->verb, path);
		else
			ctl_fail(c, EX_OSERR, "queue %s: lock %s: %s; nothing done", o->verb, path,
			    strerror(e2));
		return -1;
	}
	return 0;   /* kept until we exit */
}

/* Copy src (under sfd) to name (under dfd), keeping its times; 0, or -1. */
static int
copy_file(int sfd, const char *src, int dfd, const char *name)
{
	char buf[65536];
	struct timespec ts[2];
	struct stat sb;
	ssize_t r;
	int in, out, rc = 0;

	if ((in = open_at(sfd, src)) == -1)
		return errno == ENOENT ? 1 : -1;
	if (fstat(in, &sb) == -1 ||
	    (out = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1) {
		close(in);
		return -1;
	}
	while ((r = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)r) != r) {
			rc = -1;
			break;
		}
	if (r == -1)
		rc = -1;
	ts[0] = sb.st_atim;
	ts[1] = sb.st_mtim;
	if (futimens(out, ts) == -1 || fsync(out) == -1)
		rc = -1;
	close(in);
	if (close(out) == -1)
		rc = -1;
	return rc;
}

static const char *const held_files[] = {
	"mess", "envelope", "meta", "todo", "intd", "info", "local", "remote", "bounce", NULL
};

static void
remove_dir(int pfd, const char *name)
{
	int dfd = openat(pfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC), i;

	if (dfd != -1) {
		for (i = 0; held_files[i] != NULL; i++)
			unlinkat(dfd, held_files[i], 0);
		close(dfd);
	}
	unlinkat(pfd, name, AT_REMOVEDIR);
}

/* Write the hold's envelope (F, pending T, the final NUL) and meta. */
static int
write_envelope(struct ctl *c, struct q_opts *o, int qfd, int tfd, long n, const char *id)
{
	struct q_item *it = calloc(1, sizeof(*it));
	struct env_ctx ex = { it, -1, 0, NULL, 0 };
	struct q_stats st;
	char who[32];
	int fd, rc = -1;
	FILE *f;

	if (it == NULL)
		return -1;
	snprintf(it->rel, sizeof(it->rel), "mess/%ld/%s", n, id);
	memset(&st, 0, sizeof(st));
	if (qq_read(c, o, it, &st, 0, NULL, NULL) == -1)
		goto out;
	/* the submitter: the mess file's own Received line, else the u record */
	ex.uid = -1;
	if (it->m.owner_uid >= 0)
		ex.uid = it->m.owner_uid;
	submitter(it, ex.uid, who, sizeof(who));
	if ((fd = openat(tfd, "envelope", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1 || (f = fdopen(fd, "w")) == NULL)
		goto out;
	ex.out = f;
	vdoms_load(o);
	qm_init(&it->m, c->cfg.header_prefix);
	if (read_envelope(qfd, n, id, &ex) != 0 || (it->m.sender.len == 0 && !it->m.bounce)) {
		fclose(f);
		goto out;
	}
	fputc('\0', f);
	if (fflush(f) == EOF || fsync(fileno(f)) == -1) {
		fclose(f);
		goto out;
	}
	fclose(f);
	if ((fd = openat(tfd, "meta", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1)
		goto out;
	rc = write(fd, who, strlen(who) + 1) == (ssize_t)strlen(who) + 1 && fsync(fd) == 0 ? 0 : -1;
	close(fd);
out:
	free(it);
	return rc;
}

/* A free name for a held message: ID, else IDa .. IDz. */
static int
held_name(const char *id, char *out, size_t len)
{
	struct stat sb;
	int i;

	for (i = -1; i < 26; i++) {
		snprintf(out, len, "%s%.*s", id, i >= 0, i >= 0 ? &"abcdefghijklmnopqrstuvwxyz"[i] : "");
		if (fstatat(holdfd, out, &sb, AT_SYMLINK_NOFOLLOW) == -1 && errno == ENOENT)
			return 0;
	}
	return -1;
}

static int
unlink_queue_files(int qfd, long n, const char *id)
{
	struct qfile f[QFILES];
	size_t k = queue_files(n, id, f), i;
	int rc = 0;

	for (i = 0; i < k; i++)
		if (unlinkat(qfd, f[i].path, 0) == -1 && errno != ENOENT)
			rc = -1;
	return rc;
}

static int
hold_one(struct ctl *c, struct q_opts *o, int qfd, const struct q_plan_ent *e, char *why,
    size_t wlen)
{
	struct qfile f[QFILES];
	char id[65], tmp[96], name[72];
	size_t k, i;
	long n;
	int tfd, r;

	if (rel_parse(e->rel, &n, id, sizeof(id)) == -1 || n < 0)
		return snprintf(why, wlen, "not a queue message"), -1;
	snprintf(tmp, sizeof(tmp), ".tmp.%s.%ld", id, (long)getpid());
	if (mkdirat(holdfd, tmp, 0700) == -1 ||
	    (tfd = openat(holdfd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return snprintf(why, wlen, "hold area: %s", strerror(errno)), -1;
	k = queue_files(n, id, f);
	for (i = 0; i < k; i++)
		if ((r = copy_file(qfd, f[i].path, tfd, f[i].name)) == -1)
			break;
	if (i < k || write_envelope(c, o, qfd, tfd, n, id) == -1 || fsync(tfd) == -1 ||
	    held_name(id, name, sizeof(name)) == -1 || renameat(holdfd, tmp, holdfd, name) == -1 ||
	    fsync(holdfd) == -1) {
		snprintf(why, wlen, "copying into the hold area: %s", errno ? strerror(errno) :
		    "its envelope cannot be read");
		close(tfd);
		remove_dir(holdfd, tmp);
		return -1;
	}
	close(tfd);
	if (unlink_queue_files(qfd, n, id) == -1)
		return snprintf(why, wlen, "held as %s, but not all its queue files could be "
		    "removed: %s", name, strerror(errno)), -1;
	return 0;
}

/* uid and gid qmail-queue runs as for a held message: its submitter. */
static void
release_ids(const char *who, uid_t *uid, gid_t *gid)
{
	struct passwd *pw = NULL;

	*uid = 0;
	*gid = 0;
	if (who[0] == 'u') {
		long u = strtol(who + 1, NULL, 10);
		if (u > 0) {
			*uid = (uid_t)u;
			*gid = (gid_t)65534;
			pw = getpwuid(*uid);
		}
	} else if (who[0] == 'n')
		pw = getpwnam("qmaild");
	else if (who[0] == 'b')
		pw = getpwnam("qmails");
	if (pw != NULL) {
		*uid = pw->pw_uid;
		*gid = pw->pw_gid;
	}
}

static int
release_one(struct q_opts *o, const char *name, char *why, size_t wlen)
{
	char who[32] = "";
	int dfd, in, env, mfd, st;
	uid_t uid;
	gid_t gid;
	ssize_t r;
	pid_t pid;

	if ((dfd = openat(holdfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return snprintf(why, wlen, "%s", strerror(errno)), -1;
	in = open_at(dfd, "mess");
	env = open_at(dfd, "envelope");
	if ((mfd = open_at(dfd, "meta")) != -1) {
		r = read(mfd, who, sizeof(who) - 1);
		who[r > 0 ? r : 0] = '\0';
		close(mfd);
	}
	if (in == -1 || env == -1) {
		snprintf(why, wlen, "held copy incomplete: %s", strerror(errno));
		goto fail;
	}
	release_ids(who, &uid, &gid);
	if ((pid = fork()) == -1) {
		snprintf(why, wlen, "fork: %s", strerror(errno));
		goto fail;
	}
	if (pid == 0) {
		char *const envp[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
		int null = open("/dev/null", O_RDWR);
		if (dup2(in, 0) == -1 || dup2(env, 1) == -1 || null == -1 || dup2(null, 2) == -1)
			_exit(71);
		closefrom(3);
		if (uid != 0 && (setgroups(0, NULL) == -1 || setresgid(gid, gid, gid) == -1 ||
		    setresuid(uid, uid, uid) == -1 || getuid() != uid))
			_exit(77);
		execle(o->qmail_queue, "qmail-queue", (char *)NULL, envp);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	close(in);
	close(env);
	close(dfd);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		snprintf(why, wlen, "%s exited %d (kept held; qmail-queue(8): 11 address too long, "
		    "31 refused, 5x temporary, 91 bad envelope)", o->qmail_queue,
		    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		return -1;
	}
	remove_dir(holdfd, name);
	return 0;
fail:
	if (in != -1)
		close(in);
	if (env != -1)
		close(env);
	close(dfd);
	return -1;
}

int
qq_act(struct ctl *c, struct q_opts *o, const struct q_plan_ent *e, size_t n,
    unsigned char *ok)
{
	char why[512], id[65];
	int qfd, rc = 0;
	size_t i;
	long sp;

	if (hold_dir(c) == -1)
		errx(EX_CANTCREAT, "hold area %s/%s: %s", c->cfg.state_dir, HOLD_DIR, strerror(errno));
	if ((qfd = open(o->queue_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		errx(EX_OSFILE, "qmail queue %s: %s", o->queue_dir, strerror(errno));
	for (i = 0; i < n; i++) {
		int r = 0;
		if (!ok[i])
			continue;
		why[0] = '\0';
		errno = 0;
		if (rel_parse(e[i].rel, &sp, id, sizeof(id)) == -1)
			r = -1, snprintf(why, sizeof(why), "not a qmail queue entry");
		else if (strcmp(o->verb, "hold") == 0)
			r = hold_one(c, o, qfd, &e[i], why, sizeof(why));
		else if (strcmp(o->verb, "release") == 0)
			r = release_one(o, id, why, sizeof(why));
		else if (strcmp(o->verb, "delete") == 0 && sp == -1)
			remove_dir(holdfd, id);
		else if (strcmp(o->verb, "delete") == 0 &&
		    unlink_queue_files(qfd, sp, id) == -1)
			r = -1, snprintf(why, sizeof(why), "%s", strerror(errno));
		if (r == -1) {
			ok[i] = 0;
			ctl_fail(c, EX_TEMPFAIL, "queue %s %s: %s", o->verb, e[i].id, why);
			rc = EX_TEMPFAIL;
		}
	}
	close(qfd);
	return rc;
}
