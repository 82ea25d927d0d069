/* pfhold: the milter's holds in Postfix's hold queue: list and release. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "escape.h"
#include "holdmeta.h"
#include "kvparse.h"
#include "pfhold.h"
#include "pfqueue.h"
#include "queue.h"
#include "spool.h"

#define POSTSUPER "/usr/sbin/postsuper"
#define POSTQUEUE "/usr/sbin/postqueue"

static void
copy_val(char *dst, size_t len, const struct qm_val *v)
{
	strlcpy(dst, v->len ? v->v : "", len);
}

static int
visit(void *arg, struct q_item *it)
{
	struct pfholds *l = arg;
	const struct qm_val *id = &it->m.own.stamp_id;
	struct pfhold *h;

	if (id->len != MO_ID_LEN || !mo_is_hold_id(id->v))
		return 0;               /* not stamped by us: not ours to list */
	if (mo_grow(&l->v, &l->cap, l->n, sizeof(*l->v)) == -1)
		return -1;
	h = &l->v[l->n++];
	memset(h, 0, sizeof(*h));
	strlcpy(h->id, id->v, sizeof(h->id));
	strlcpy(h->qid, it->m.id, sizeof(h->qid));
	strlcpy(h->rel, it->rel, sizeof(h->rel));
	h->ino = it->ino;
	h->arrival = it->m.arrival ? it->m.arrival : it->mtime.tv_sec;
	h->uid = it->m.own.stamp_uid;
	strlcpy(h->user, h->uid >= 0 ? q_user_name(h->uid) : "", sizeof(h->user));
	copy_val(h->vhost, sizeof(h->vhost), &it->m.own.stamp_vhost);
	copy_val(h->from, sizeof(h->from), &it->m.sender);
	copy_val(h->sasl, sizeof(h->sasl), &it->m.sasl);
	h->rcpts = it->m.nrcpt;
	h->size = it->m.size;
	strlcpy(h->reason, "postfix-hold", sizeof(h->reason));
	return 0;
}

static int
by_arrival(const void *a, const void *b)
{
	const struct pfhold *x = a, *y = b;

	if (x->arrival != y->arrival)
		return x->arrival < y->arrival ? -1 : 1;
	return strcmp(x->id, y->id);
}

static struct pfhold *
find(struct pfholds *l, const char *id)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->v[i].id, id) == 0)
			return &l->v[i];
	return NULL;
}

#define RECORD_MAX 16384
#define STALE_AFTER (24 * 3600)         /* a record without its hold, then removed */

/* The milter's record of hold h (STATE/quarantine/ID): a regular file of
 * root's that no one else may write, whose line is the hold of that id.
 * Then h is the milter's, with the record's rule and window. */
static void
verify(struct ctl *c, struct pfhold *h, char *buf)
{
	char path[sizeof(MO_QUARANTINE_DIR) + MO_ID_LEN + 2];
	struct mo_kvline kv;
	const char *v, *act;
	struct stat st;
	size_t pos;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", MO_QUARANTINE_DIR, h->id);
	if ((fd = openat(c->statefd, path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY |
	    O_CLOEXEC)) == -1)
		return;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) ||
	    (n = read(fd, buf, RECORD_MAX - 1)) <= 0) {
		close(fd);
		return;
	}
	close(fd);
	buf[n] = '\0';
	memset(&kv, 0, sizeof(kv));
	if (mo_kv_parse(&kv, buf, strcspn(buf, "\n"), &pos) == 0 &&
	    (v = mo_kv_str(&kv, "id")) != NULL && strcmp(v, h->id) == 0 &&
	    (act = mo_kv_str(&kv, "action")) != NULL && strcmp(act, "hold") == 0) {
		h->verified = 1;
		strlcpy(h->reason, "limit", sizeof(h->reason));
		if ((v = mo_kv_str(&kv, "rule")) != NULL)
			strlcpy(h->rule, v, sizeof(h->rule));
		if ((v = mo_kv_str(&kv, "window")) != NULL)
			strlcpy(h->window, v, sizeof(h->window));
	}
	mo_kv_free(&kv);
}

/* Records whose message left the hold queue some other way (postsuper -d
 * or -H, mailoriginctl queue) a day ago: removed. */
static void
prune(struct ctl *c, struct pfholds *l)
{
	struct dirent *e;
	struct stat st;
	int fd;
	DIR *d;

	if ((fd = openat(c->statefd, MO_QUARANTINE_DIR, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
	    O_CLOEXEC)) == -1)
		return;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return;
	}
	while ((e = readdir(d)) != NULL)
		if (mo_is_hold_id(e->d_name) && find(l, e->d_name) == NULL &&
		    fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    st.st_mtime + STALE_AFTER < time(NULL))
			unlinkat(fd, e->d_name, 0);
	closedir(d);
}

/* Which of the stamped holds are the milter's. */
static void
records_of(struct ctl *c, struct pfholds *l)
{
	struct pfhold *h;
	size_t i;
	char *buf;

	if (c->statefd == -1 || mo_quarantine_dir(c->statefd, 0) == -1 ||
	    (buf = malloc(RECORD_MAX)) == NULL)
		buf = NULL;
	for (i = 0; i < l->n; i++) {
		h = &l->v[i];
		if (buf != NULL)
			verify(c, h, buf);
		if (!h->verified) {     /* its stamps are anyone's: not believed */
			strlcpy(h->reason, "unverified", sizeof(h->reason));
			h->uid = -1;
			h->user[0] = h->vhost[0] = '\0';
		}
	}
	if (buf != NULL && l->readable)
		prune(c, l);
	free(buf);
}

int
pfhold_scan(struct ctl *c, struct pfholds *l)
{
	char err[256];

	memset(l, 0, sizeof(*l));
	if (q_scan_hold(c, NULL, visit, l, l->queue_dir, sizeof(l->queue_dir), err,
	    sizeof(err)) == -1)
		return 0;
	l->readable = 1;
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), by_arrival);
	records_of(c, l);
	return 0;
}

const struct pfhold *
pfhold_find(const struct pfholds *l, const char *id)
{
	return find((struct pfholds *)l, id);
}

void
pfhold_free(struct pfholds *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Run a Postfix tool with a fixed environment (MAIL_CONFIG passed on). */
static int
run(const char *path, const char *flag, const char *qid)
{
	const char *mc = getenv("MAIL_CONFIG");
	char envmc[PATH_MAX + 16];
	char *env[] = { (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL, NULL };
	int st, null;
	pid_t pid;

	if (mc != NULL && mc[0] == '/') {
		snprintf(envmc, sizeof(envmc), "MAIL_CONFIG=%s", mc);
		env[1] = envmc;
	}
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if ((null = open("/dev/null", O_RDWR)) != -1) {
			dup2(null, 0);
			dup2(null, 1);
		}
		execle(path, path, flag, qid, (char *)NULL, env);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void
log_release(struct ctl *c, const struct pfhold *h, const char *status)
{
	struct mo_line l;

	mo_line_init(&l);
	mo_line_kv(&l, "id", h->id);
	mo_line_kv(&l, "action", "release");
	mo_line_kv(&l, "kind", "postfix");
	mo_line_kv(&l, "queue_id", h->qid);
	if (h->uid >= 0)
		mo_line_kvu(&l, "uid", (unsigned long long)h->uid);
	mo_line_kv(&l, "mta", POSTSUPER);
	mo_line_kv(&l, "mta_status", status);
	mo_line_kv(&l, "by", "mailoriginctl");
	ctl_log(c, LOG_NOTICE, &l);
}

int
pfhold_release(struct ctl *c, const struct pfholds *l, const struct pfhold *h)
{
	char path[PATH_MAX + 128], st[16];
	struct stat sb;
	int rc;

	/* still the file that was listed: not gone, not another message */
	snprintf(path, sizeof(path), "%s/%s", l->queue_dir, h->rel);
	if (lstat(path, &sb) == -1 || sb.st_ino != h->ino) {
		ctl_fail(c, EX_NOINPUT, "hold %s: Postfix's %s is no longer in its hold queue", h->id,
		    h->qid);
		return -1;
	}
	if (!pfq_id_ok(h->qid)) {
		ctl_fail(c, EX_DATAERR, "hold %s: queue id is not one postsuper takes", h->id);
		return -1;
	}
	rc = run(POSTSUPER, "-H", h->qid);
	snprintf(st, sizeof(st), "%d", rc);
	if (rc != 0) {
		log_release(c, h, st);
		ctl_fail(c, EX_UNAVAILABLE, "hold %s: postsuper -H %s exited %d; kept", h->id, h->qid,
		    rc);
		return -1;
	}
	log_release(c, h, st);
	if (h->verified) {
		char rec[sizeof(MO_QUARANTINE_DIR) + MO_ID_LEN + 2];
		snprintf(rec, sizeof(rec), "%s/%s", MO_QUARANTINE_DIR, h->id);
		unlinkat(c->statefd, rec, 0);
	}
	(void)run(POSTQUEUE, "-i", h->qid);     /* now, not at the next deferred scan */
	printf("released %s (Postfix queue id %s)\n", h->id, h->qid);
	return 0;
}
