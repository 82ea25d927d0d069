/*
 * queue: `mailoriginctl queue VERB`: find the Postfix queue the way
 * Postfix's own tools do, walk its folders while Postfix runs, and read
 * each complete queue file once (lib/pfqueue), headers only unless the
 * selection reads the body.  A file that is still being written (its
 * owner-execute bit not yet set), that vanishes or that changes while it
 * is read is skipped and counted, never an error.  Memory: one reader,
 * one message at a time.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <bsd/string.h>

#include "config.h"
#include "pfqueue.h"
#include "queue.h"

const char *const pf_queue_names[Q_NQUEUES] = {
	"maildrop", "incoming", "active", "deferred", "hold", "corrupt"
};
const char *const *q_queue_names = pf_queue_names;

#define POSTCONF "/usr/sbin/postconf"
#define POSTSUPER "/usr/sbin/postsuper"
#define HASH_DEPTH_MAX 8
#define QMAIL_QUEUE_DIR "/var/qmail/queue"
#define QMAIL_QUEUE "/var/qmail/bin/qmail-queue"

static struct pfq_reader reader;

/* ---- the queue directory -------------------------------------------------- */

/* postconf -h queue_directory (with -c DIR), run without a shell. */
static int
postconf_queue_dir(const char *config_dir, char *out, size_t len)
{
	int p[2], st;
	pid_t pid;
	ssize_t n;
	size_t got = 0;

	if (pipe(p) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		char *const env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		if (config_dir != NULL)
			execle(POSTCONF, "postconf", "-c", config_dir, "-h", "queue_directory",
			    (char *)NULL, env);
		else
			execle(POSTCONF, "postconf", "-h", "queue_directory", (char *)NULL, env);
		_exit(127);
	}
	close(p[1]);
	while (got + 1 < len && (n = read(p[0], out + got, len - got - 1)) > 0)
		got += (size_t)n;
	close(p[0]);
	out[got] = '\0';
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	out[strcspn(out, "\n")] = '\0';
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || out[0] != '/')
		return -1;
	return 0;
}

static void
find_queue_dir(struct q_opts *o)
{
	const char *env = getenv("MAIL_CONFIG");

	if (o->direct_dir)
		return;
	if (o->qmail) {
		strlcpy(o->queue_dir, QMAIL_QUEUE_DIR, sizeof(o->queue_dir));
		return;
	}
	if (o->config_dir == NULL && env != NULL && env[0] == '/')
		o->config_dir = env;
	if (postconf_queue_dir(o->config_dir, o->queue_dir, sizeof(o->queue_dir)) == -1)
		errx(EX_UNAVAILABLE, "cannot learn queue_directory from %s%s%s (is Postfix installed?)",
		    POSTCONF, o->config_dir ? " -c " : "", o->config_dir ? o->config_dir : "");
}

/* ---- user names ----------------------------------------------------------- */

/* uid -> name and home, cached: a queue holds few uids and many messages */
static struct pw_ent { long uid; char name[64]; char home[PATH_MAX]; } pw_cache[64];

static const struct pw_ent *
pw_of(long uid)
{
	static int n, next, last;
	struct passwd *pw;
	int i;

	if (n > 0 && pw_cache[last].uid == uid)
		return &pw_cache[last];
	for (i = 0; i < n; i++)
		if (pw_cache[i].uid == uid)
			return &pw_cache[last = i];
	last = i = n < 64 ? n++ : next++ % 64;
	pw_cache[i].uid = uid;
	pw = getpwuid((uid_t)uid);
	strlcpy(pw_cache[i].name, pw ? pw->pw_name : "", sizeof(pw_cache[i].name));
	strlcpy(pw_cache[i].home, pw && pw->pw_dir ? pw->pw_dir : "", sizeof(pw_cache[i].home));
	return &pw_cache[i];
}

const char *
q_user_name(long uid)
{
	return uid < 0 ? "" : pw_of(uid)->name;
}

/* ---- reading one file ----------------------------------------------------- */

struct read_ctx {
	struct q_item	*it;
	int		(*body_fn)(void *, int, const char *, size_t);
	void		*body_arg;
	int		 body_done;     /* attribution needs no more body */
};

static int
on_item(void *arg, enum pfq_section sec, int type, const char *d, size_t n, int cut)
{
	struct read_ctx *x = arg;
	struct q_item *it = x->it;

	(void)cut;
	switch (sec) {
	case PFQ_ENVELOPE:
	case PFQ_EXTRACTED:
		if (type == 'S') {
			qm_sender(&it->m, d, n);
			if (n == 0 && sec == PFQ_ENVELOPE)
				return 2;       /* a bounce: its original is in the body */
		}
		else if (type == 'R') {
			qm_recipient(&it->m, d, n);
			if (it->sel)
				q_sel_rcpt(it->sel, it, d, n);
		} else if (type == 'A')
			qm_attr(&it->m, d, n);
		else if (type == 'T')
			it->m.arrival = (time_t)pfq_number(d, NULL);
		else if (type == 'C')
			it->m.size = pfq_number(d, NULL);
		if (x->body_fn && sec == PFQ_EXTRACTED)
			x->body_fn(x->body_arg, type, d, n);
		return 0;
	case PFQ_HEADER:
		qm_header(&it->m, d, n);
		if (it->sel)
			q_sel_header(it->sel, it, d, n);
		if (x->body_fn)
			x->body_fn(x->body_arg, 'H', d, n);
		return 0;
	case PFQ_BODY:
		if (!x->body_done)
			x->body_done = qm_body_line(&it->m, d, n);
		if (it->sel && it->sel->want_body)
			q_sel_body(it->sel, it, d, n);
		if (x->body_fn)
			x->body_fn(x->body_arg, 'B', d, n);
		/* a bounce is read until its original's headers are known */
		if (x->body_done && !it->want_body && x->body_fn == NULL)
			return 1;
		return 0;
	}
	return 0;
}

/* Open a queue file to read it.  O_NOATIME where we may (the file's
 * owner or CAP_FOWNER): a scan then writes no inode of the queue. */
static int
open_queue_file(int dirfd, const char *name)
{
	static int noatime = O_NOATIME;
	int flags = O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY, fd;

	fd = openat(dirfd, name, flags | noatime);
	if (fd == -1 && errno == EPERM && noatime != 0) {
		noatime = 0;
		fd = openat(dirfd, name, flags);
	}
	return fd;
}

/*
 * Did the reader get everything from one pread(2), of the whole file as
 * fstat saw it before (or of its first window, when larger)?  One read is
 * a snapshot: once Postfix has set the ready bit, the only writes to a
 * queue file are one-byte record marks (qmgr's "done"), which one read
 * sees either before or after, never torn.  Then the fstat after reading
 * can tell nothing more; a file read in several calls is checked by it
 * (changed, cut short or unlinked in between: counted, not used).
 */
static int
read_in_one(const struct pfq_reader *r, const struct stat *a)
{
	if (r->preads != 1)
		return 0;
	if (r->first_len == sizeof(r->win))
		return a->st_size >= (off_t)sizeof(r->win);
	return (off_t)r->first_len == a->st_size;
}

int
q_read_file(struct ctl *c, struct q_opts *o, int dirfd, const char *name,
    struct q_item *it, struct q_stats *st, int want_body,
    int (*body_fn)(void *, int, const char *, size_t), void *body_arg)
{
	struct read_ctx x = { it, body_fn, body_arg, 0 };
	struct stat a, b;
	int fd, rc;

	fd = open_queue_file(dirfd, name);
	if (fd == -1) {
		if (errno == ENOENT)
			st->vanished++;
		else
			st->unreadable++;
		return -1;
	}
	if (fstat(fd, &a) == -1 || !S_ISREG(a.st_mode)) {
		close(fd);
		st->unreadable++;
		return -1;
	}
	/* Postfix sets the owner-execute bit when a file is complete
	 * (MAIL_QUEUE_STAT_READY; postdrop's maildrop files 0744); corrupt
	 * files are 0400 */
	if (!(a.st_mode & S_IXUSR) && it->queue != 5) {
		close(fd);
		st->incomplete++;
		return -1;
	}
	qm_init(&it->m, c->cfg.header_prefix);
	strlcpy(it->m.id, name, sizeof(it->m.id));
	if (it->queue == 0)
		it->m.owner_uid = a.st_uid;
	it->ino = a.st_ino;
	it->mtime = a.st_mtim;
	it->file_size = a.st_size;
	it->want_body = want_body;
	q_sel_item_begin(it->sel, it);
	/* a null-sender message's body is read for its original's headers
	 * (on_item asks for it), and reading stops when attribution is done */
	rc = pfq_read(&reader, pfq_pread_fd, &fd, want_body || body_fn != NULL, on_item, &x);
	if (rc == PFQ_STOPPED)
		rc = PFQ_OK;
	if (rc == PFQ_OK && !read_in_one(&reader, &a) && (fstat(fd, &b) == -1 ||
	    b.st_ino != a.st_ino || b.st_mtim.tv_sec != a.st_mtim.tv_sec ||
	    b.st_mtim.tv_nsec != a.st_mtim.tv_nsec || b.st_size != a.st_size ||
	    b.st_nlink == 0))
		rc = PFQ_SHORT;
	close(fd);
	if (rc != PFQ_OK) {
		/* a file cut short or unlinked under us changed; one that is
		 * whole but wrong is not a queue file we can read */
		if (rc == PFQ_SHORT || faccessat(dirfd, name, F_OK, AT_SYMLINK_NOFOLLOW) == -1)
			st->changed++;
		else
			st->unreadable++;
		return -1;
	}
	if (it->m.size <= 0)
		it->m.size = (long)a.st_size;
	q_item_finish(c, it);
	(void)o;
	return 0;
}

void
q_item_finish(struct ctl *c, struct q_item *it)
{
	qm_resolve(&it->m);
	strlcpy(it->user, q_user_name(it->m.uid), sizeof(it->user));
	if (it->m.vhost.len == 0 && it->m.own.stamp_cwd.len > 0) {
		char vh[QM_VAL_MAX + 1];
		if (mo_vhost_match(&c->cfg, it->m.own.stamp_cwd.v, vh, sizeof(vh)) != NULL)
			qm_set(&it->m.vhost, vh, strlen(vh), QM_CLAIMED);
	}
	if (it->m.vhost.len == 0 && it->m.uid >= 0) {
		const char *home = pw_of(it->m.uid)->home;
		char vh[QM_VAL_MAX + 1];
		if (home[0] == '/' && mo_vhost_match(&c->cfg, home, vh, sizeof(vh)) != NULL)
			qm_set(&it->m.vhost, vh, strlen(vh), it->m.uid_trust);
	}
}

/* ---- the walk --------------------------------------------------------------- */

struct walk {
	struct ctl	*c;
	struct q_opts	*o;
	q_visit_fn	 visit;
	void		*arg;
	struct q_stats	*st;
	struct q_item	*it;
};

static int
walk_dir(struct walk *w, int qi, int fd, const char *rel, int depth)
{
	DIR *d;
	struct dirent *e;
	size_t rl = strlen(rel);
	int rc = 0;

	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return 0;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char path[sizeof(w->it->rel)];
		size_t nl;
		if (e->d_name[0] == '.')
			continue;
		/* rel "/" d_name, without printf: this runs once a file */
		nl = strlen(e->d_name);
		if (rl + 1 + nl >= sizeof(path))
			continue;
		memcpy(path, rel, rl);
		path[rl] = '/';
		memcpy(path + rl + 1, e->d_name, nl + 1);
		if (e->d_type == DT_DIR || (e->d_type == DT_UNKNOWN && strlen(e->d_name) == 1)) {
			int sub;
			if (depth >= HASH_DEPTH_MAX)
				continue;
			sub = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub != -1)
				rc = walk_dir(w, qi, sub, path, depth + 1);
			continue;
		}
		if (!pfq_id_ok(e->d_name))
			continue;
		w->st->files++;
		w->it->queue = qi;
		memcpy(w->it->rel, path, rl + 1 + nl + 1);
		if (q_read_file(w->c, w->o, dirfd(d), e->d_name, w->it, w->st,
		    w->o->sel.want_body, NULL, NULL) == -1)
			continue;
		w->st->messages++;
		if (!q_sel_match(&w->o->sel, w->it, w->o->now))
			continue;
		w->st->selected++;
		rc = w->visit(w->arg, w->it);
	}
	closedir(d);
	return rc;
}

int
q_scan(struct ctl *c, struct q_opts *o, q_visit_fn visit, void *arg, struct q_stats *st)
{
	struct walk w = { c, o, visit, arg, st, NULL };
	int qi, top, dfd, rc = 0;

	if (o->qmail)
		return qq_scan(c, o, visit, arg, st);
	memset(st, 0, sizeof(*st));
	if ((w.it = calloc(1, sizeof(*w.it))) == NULL)
		err(EX_OSERR, "calloc");
	w.it->sel = &o->sel;
	top = open(o->queue_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (top == -1)
		errx(errno == ENOENT ? EX_OSFILE : EX_NOPERM, "queue directory %s: %s",
		    o->queue_dir, strerror(errno));
	for (qi = 0; qi < Q_NQUEUES && rc == 0; qi++) {
		if (o->only_hold && strcmp(q_queue_names[qi], "hold") != 0)
			continue;
		dfd = openat(top, q_queue_names[qi], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (dfd == -1)
			continue;
		rc = walk_dir(&w, qi, dfd, q_queue_names[qi], 0);
	}
	close(top);
	free(w.it);
	return rc;
}

int
q_scan_hold(struct ctl *c, const char *config_dir, q_visit_fn visit, void *arg,
    char *queue_dir, size_t qlen, char *err, size_t errlen)
{
	static struct q_opts o;
	const char *env = getenv("MAIL_CONFIG");
	struct q_stats st;
	int fd;

	memset(&o, 0, sizeof(o));
	o.verb = "hold";
	o.only_hold = 1;
	o.now = time(NULL);
	o.config_dir = config_dir != NULL ? config_dir : env != NULL && env[0] == '/' ? env : NULL;
	if (access(POSTCONF, X_OK) == -1) {
		snprintf(err, errlen, "no %s", POSTCONF);
		return -1;
	}
	if (postconf_queue_dir(o.config_dir, o.queue_dir, sizeof(o.queue_dir)) == -1) {
		snprintf(err, errlen, "cannot learn queue_directory from %s", POSTCONF);
		return -1;
	}
	if ((fd = open(o.queue_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "queue directory %s: %s", o.queue_dir, strerror(errno));
		return -1;
	}
	close(fd);
	strlcpy(queue_dir, o.queue_dir, qlen);
	return q_scan(c, &o, visit, arg, &st);
}

/* ---- the verb ----------------------------------------------------------------- */

static const char queue_usage[] =
"usage: mailoriginctl queue VERB [OPTIONS] [SELECTION]\n"
"  summary                      counts and bytes per queue folder, arrivals, top origins\n"
"  top --by KEY [--limit N]     KEY: uid user vhost script sasl client sender\n"
"                               sender-domain rcpt-domain subject bounce queue age\n"
"  list                         one line per selected message\n"
"  show ID                      one message: envelope, attribution, headers\n"
"  hold|release|requeue|delete  preview the selection; act with --yes (delete: held\n"
"                               messages only unless --force)\n"
"  export --to FILE             the selection as an mbox with its attribution\n"
"  --plan FILE                  (actions) without --yes: save what is shown to FILE;\n"
"                               with --yes: act on exactly FILE's messages, no new scan\n"
"options: --json  -C DIR (Postfix config dir; default $MAIL_CONFIG or postconf's)\n"
"         --queue-dir DIR (read DIR directly; Postfix: listings only)\n"
"         --qmail (qmail's queue, default /var/qmail/queue; also when mta.type is\n"
"         \"qmail\" or --queue-dir holds mess/)  --qmail-queue PATH (release)\n"
"selection (ANDed; --not before a term negates it):\n"
"  --uid N --user U --vhost GLOB --script GLOB --sasl GLOB --client ADDR[/LEN]\n"
"  --from GLOB --rcpt GLOB (--to GLOB, but in export --to is the mbox)\n"
"  --header 'Name: REGEX' --body REGEX --bounce --older DUR --younger DUR\n"
"  --queue NAME --id-file FILE     DUR: 90s 15m 2h 3d\n";

static const char *const sel_opts[] = {
	"uid", "user", "vhost", "script", "sasl", "client", "from", "rcpt", "to",
	"header", "body", "bounce", "older", "younger", "queue", "id-file", NULL
};

static int
is_sel_opt(const char *name)
{
	int i;

	for (i = 0; sel_opts[i] != NULL; i++)
		if (strcmp(sel_opts[i], name) == 0)
			return 1;
	return 0;
}

/* Options by hand: a selection term may follow --not, and order matters. */
static void
parse_args(struct q_opts *o, int argc, char *argv[])
{
	int i, negate = 0;
	char errbuf[256];

	for (i = 2; i < argc; i++) {
		const char *a = argv[i], *name, *val = NULL;
		char nbuf[64];
		const char *eq;

		if (strncmp(a, "--", 2) != 0) {
			if (strcmp(o->verb, "show") == 0 && o->id == NULL) {
				o->id = a;
				continue;
			}
			errx(EX_USAGE, "queue %s: unexpected argument (see --help)", o->verb);
		}
		name = a + 2;
		if ((eq = strchr(name, '=')) != NULL) {
			strlcpy(nbuf, name, (size_t)(eq - name + 1) < sizeof(nbuf) ?
			    (size_t)(eq - name + 1) : sizeof(nbuf));
			name = nbuf;
			val = eq + 1;
		}
#define NEED() do { \
		if (val == NULL && i + 1 >= argc) \
			errx(EX_USAGE, "--%s needs a value", name); \
		if (val == NULL) \
			val = argv[++i]; \
	} while (0)
		if (strcmp(name, "not") == 0) {
			negate = !negate;
			continue;
		}
		if (strcmp(name, "json") == 0)
			o->json = 1;
		else if (strcmp(name, "yes") == 0)
			o->yes = 1;
		else if (strcmp(name, "force") == 0)
			o->force = 1;
		else if (strcmp(name, "qmail") == 0)
			o->qmail = 1;
		else if (strcmp(name, "qmail-queue") == 0) {
			NEED();
			o->qmail_queue = val;
		}
		else if (strcmp(name, "help") == 0) {
			fputs(queue_usage, stdout);
			exit(EX_OK);
		} else if (strcmp(name, "by") == 0) {
			NEED();
			o->by = val;
		} else if (strcmp(name, "limit") == 0) {
			NEED();
			o->limit = strtol(val, NULL, 10);
			if (o->limit <= 0)
				errx(EX_USAGE, "--limit: a positive number");
		} else if (strcmp(name, "config-dir") == 0) {
			NEED();
			o->config_dir = val;
		} else if (strcmp(name, "queue-dir") == 0) {
			NEED();
			strlcpy(o->queue_dir, val, sizeof(o->queue_dir));
			o->direct_dir = 1;
		} else if (strcmp(name, "plan") == 0) {
			NEED();
			o->plan_file = val;
		} else if (strcmp(name, "to") == 0 && strcmp(o->verb, "export") == 0) {
			NEED();
			o->out_file = val;
		} else if (is_sel_opt(name)) {
			if (strcmp(name, "bounce") != 0)
				NEED();
			if (q_sel_option(&o->sel, name, val, negate, errbuf, sizeof(errbuf)) == -1)
				errx(EX_USAGE, "--%s: %s", name, errbuf);
			negate = 0;
			continue;
		} else
			errx(EX_USAGE, "queue %s: unknown option --%s (see --help)", o->verb, name);
		if (negate)
			errx(EX_USAGE, "--not before --%s: only a selection term can be negated", name);
#undef NEED
	}
	if (negate)
		errx(EX_USAGE, "--not at the end: negate which term?");
}

/* qmail or Postfix: --qmail, the config's mta.type, or a --queue-dir
 * holding qmail's mess/ folder (Postfix's queue has none). */
static void
is_qmail(struct ctl *c, struct q_opts *o)
{
	char path[PATH_MAX];
	struct stat sb;

	if (!o->qmail && c->cfg.mta_type == MO_MTA_QMAIL && o->config_dir == NULL)
		o->qmail = 1;
	if (!o->qmail && o->direct_dir &&
	    snprintf(path, sizeof(path), "%s/mess", o->queue_dir) < (int)sizeof(path) &&
	    stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		o->qmail = 1;
	if (o->qmail && o->config_dir != NULL)
		errx(EX_USAGE, "-C DIR names a Postfix instance; qmail's queue is given by --queue-dir");
	if (o->qmail) {
		q_queue_names = qq_queue_names;
		qq_setup(c, o);
	}
}

int
ctl_queue(struct ctl *c, int argc, char *argv[])
{
	struct q_opts *o;
	int i, rc;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(queue_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? EX_USAGE : EX_OK;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL)
		err(EX_OSERR, "calloc");
	o->verb = argv[1];
	o->limit = 10;
	o->postsuper = POSTSUPER;
	o->now = time(NULL);
	/* -C DIR as postqueue takes it */
	for (i = 2; i + 1 < argc; i++)
		if (strcmp(argv[i], "-C") == 0) {
			o->config_dir = argv[i + 1];
			memmove(argv + i, argv + i + 2, (size_t)(argc - i - 1) * sizeof(*argv));
			argc -= 2;
			break;
		}
	o->qmail_queue = QMAIL_QUEUE;
	/* which MTA first: the selection's --queue names depend on it */
	for (i = 2; i < argc; i++)
		if (strcmp(argv[i], "--qmail") == 0)
			o->qmail = 1;
		else if (strcmp(argv[i], "--queue-dir") == 0 && i + 1 < argc) {
			strlcpy(o->queue_dir, argv[i + 1], sizeof(o->queue_dir));
			o->direct_dir = 1;
		} else if (strncmp(argv[i], "--queue-dir=", 12) == 0) {
			strlcpy(o->queue_dir, argv[i] + 12, sizeof(o->queue_dir));
			o->direct_dir = 1;
		}
	is_qmail(c, o);
	parse_args(o, argc, argv);
	if (o->config_dir != NULL && o->config_dir[0] != '/')
		errx(EX_USAGE, "-C %s: an absolute path", o->config_dir);
	if (strcmp(o->verb, "summary") == 0)
		rc = (find_queue_dir(o), q_summary(c, o));
	else if (strcmp(o->verb, "top") == 0)
		rc = (find_queue_dir(o), q_top(c, o));
	else if (strcmp(o->verb, "list") == 0)
		rc = (find_queue_dir(o), q_list(c, o));
	else if (strcmp(o->verb, "show") == 0) {
		if (o->id == NULL || !pfq_id_ok(o->id))
			errx(EX_USAGE, "queue show: a queue id ([0-9A-Za-z]+)");
		rc = (find_queue_dir(o), q_show(c, o));
	} else if (strcmp(o->verb, "hold") == 0 || strcmp(o->verb, "release") == 0 ||
	    strcmp(o->verb, "requeue") == 0 || strcmp(o->verb, "delete") == 0 ||
	    strcmp(o->verb, "export") == 0) {
		if (o->direct_dir && !o->qmail && strcmp(o->verb, "export") != 0)
			errx(EX_USAGE, "queue %s: acts through postsuper on a Postfix instance: "
			    "give -C DIR, not --queue-dir", o->verb);
		rc = (find_queue_dir(o), q_act(c, o));
	} else
		errx(EX_USAGE, "queue %s: unknown verb\n%s", o->verb, queue_usage);
	q_sel_free(&o->sel);
	pfq_reader_free(&reader);
	free(o);
	return rc;
}
