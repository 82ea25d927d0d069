/*
 * queue_act: hold, release, requeue, delete and export a selection.
 *
 * One scan makes the plan: every selected message's queue, id, inode and
 * mtime.  Without --yes the plan is only shown (count, bytes, the origins,
 * five samples).  With --yes each file is looked at again just before
 * the act and kept only if it is still the same file (inode and mtime):
 * a message that left, moved or changed, or a queue id reused by another
 * message, is left alone and counted.  Postfix is asked through its own
 * interface, `postsuper -c DIR -h|-H|-r|-d - QUEUE` with the ids on
 * standard input, one run per queue folder, so that an id can only act
 * in the folder it was seen in.  delete acts on held messages only
 * unless --force.  Each batch is logged (one line) and its ids journaled
 * in the state dir (queue.journal).
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <bsd/string.h>

#include "escape.h"
#include "fmt.h"
#include "pfqueue.h"
#include "queue.h"

struct plan {
	struct q_plan_ent	*e;
	size_t		 n, cap;
	unsigned long long bytes;
	unsigned long	 not_eligible;  /* e.g. delete of a message not held */
	const struct q_opts *o;
};

static int
wanted_queue(const struct q_opts *o, int q)
{
	if (o->qmail)
		return qq_wanted(o, q);
	if (strcmp(o->verb, "release") == 0)
		return q == 4;
	if (strcmp(o->verb, "hold") == 0)
		return q != 4 && q != 5 && q != 0;
	if (strcmp(o->verb, "delete") == 0)
		return o->force || q == 4;
	if (strcmp(o->verb, "requeue") == 0)
		return q != 0 && q != 5;
	return 1;
}

/* A new entry at the end of the plan. */
static struct q_plan_ent *
plan_new(struct plan *p)
{
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		struct q_plan_ent *n = reallocarray(p->e, cap, sizeof(*n));
		if (n == NULL)
			err(EX_OSERR, "plan");
		p->e = n;
		p->cap = cap;
	}
	return &p->e[p->n++];
}

static int
plan_visit(void *arg, struct q_item *it)
{
	struct plan *p = arg;
	struct q_plan_ent *e;

	if (!wanted_queue(p->o, it->queue)) {
		p->not_eligible++;
		return 0;
	}
	e = plan_new(p);
	strlcpy(e->id, it->m.id, sizeof(e->id));
	strlcpy(e->rel, it->rel, sizeof(e->rel));
	e->queue = it->queue;
	e->ino = it->ino;
	e->mtime = it->mtime;
	e->size = it->m.size;
	qm_origin_label(&it->m, e->label, sizeof(e->label));
	p->bytes += (unsigned long long)it->m.size;
	return 0;
}

/* The plan as a file: a header line, then one message a line. */
static void
plan_save(const struct q_opts *o, const struct plan *p)
{
	int fd = open(o->plan_file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	FILE *f;
	size_t i;

	if (fd == -1 || (f = fdopen(fd, "w")) == NULL)
		errx(EX_CANTCREAT, "--plan %s: %s (an existing file is never overwritten)",
		    o->plan_file, strerror(errno));
	fprintf(f, "mailorigin-queue-plan 1 %s %s\n", o->verb, o->queue_dir);
	for (i = 0; i < p->n; i++) {
		const struct q_plan_ent *e = &p->e[i];
		fprintf(f, "%s %d %s %llu %lld %ld %ld %s\n", e->id, e->queue, e->rel,
		    (unsigned long long)e->ino, (long long)e->mtime.tv_sec, e->mtime.tv_nsec,
		    e->size, e->label);
	}
	if (fclose(f) == EOF)
		err(EX_IOERR, "--plan %s", o->plan_file);
	printf("plan saved to %s: act on exactly these with --yes --plan %s\n", o->plan_file,
	    o->plan_file);
}

static void
plan_load(const struct q_opts *o, struct plan *p)
{
	FILE *f = fopen(o->plan_file, "re");
	char line[512], verb[32], dir[PATH_MAX];
	unsigned long lineno = 1;

	if (f == NULL)
		errx(EX_NOINPUT, "--plan %s: %s", o->plan_file, strerror(errno));
	if (fgets(line, sizeof(line), f) == NULL ||
	    sscanf(line, "mailorigin-queue-plan 1 %31s %4095s", verb, dir) != 2)
		errx(EX_DATAERR, "--plan %s: not a plan file", o->plan_file);
	if (strcmp(verb, o->verb) != 0 || strcmp(dir, o->queue_dir) != 0)
		errx(EX_DATAERR, "--plan %s: a plan to %s in %s, not to %s in %s", o->plan_file,
		    verb, dir, o->verb, o->queue_dir);
	while (fgets(line, sizeof(line), f) != NULL) {
		struct q_plan_ent e;
		unsigned long long ino;
		long long sec;
		int used = 0;

		lineno++;
		memset(&e, 0, sizeof(e));
		if (sscanf(line, "%64s %d %95s %llu %lld %ld %ld %n", e.id, &e.queue, e.rel, &ino,
		    &sec, &e.mtime.tv_nsec, &e.size, &used) < 7 || !pfq_id_ok(e.id) ||
		    e.queue < 0 || e.queue >= Q_NQUEUES || strstr(e.rel, "..") != NULL ||
		    (o->qmail ? !qq_rel_ok(e.rel) :
		    strncmp(e.rel, q_queue_names[e.queue], strlen(q_queue_names[e.queue])) != 0))
			errx(EX_DATAERR, "--plan %s:%lu: not a plan line", o->plan_file, lineno);
		e.ino = (ino_t)ino;
		e.mtime.tv_sec = (time_t)sec;
		strlcpy(e.label, line + used, sizeof(e.label));
		e.label[strcspn(e.label, "\n")] = '\0';
		if (!wanted_queue(o, e.queue))
			continue;
		*plan_new(p) = e;
		p->bytes += (unsigned long long)e.size;
	}
	fclose(f);
}

static int
label_cmp(const void *a, const void *b)
{
	return strcmp(((const struct q_plan_ent *)a)->label, ((const struct q_plan_ent *)b)->label);
}

/* count, bytes, breakdown by origin, five samples */
static void
preview(const struct q_opts *o, struct plan *p)
{
	struct q_plan_ent *s;
	size_t i, j;

	printf("queue %s: %zu message%s, %llu bytes", o->verb, p->n, p->n == 1 ? "" : "s", p->bytes);
	if (o->sel.text[0]) {
		fputs(" selected by ", stdout);
		ctl_put_safe(stdout, o->sel.text, strlen(o->sel.text));
	}
	putchar('\n');
	if (p->not_eligible)
		printf("  %lu more selected but not %s (%s)\n", p->not_eligible,
		    strcmp(o->verb, "delete") == 0 ? "held: delete acts on held messages only, "
		    "hold them first or give --force" : "in a folder this verb acts on", o->verb);
	if (p->n == 0)
		return;
	if ((s = malloc(p->n * sizeof(*s))) == NULL)
		err(EX_OSERR, "malloc");
	memcpy(s, p->e, p->n * sizeof(*s));
	qsort(s, p->n, sizeof(*s), label_cmp);
	printf("  by origin:\n");
	for (i = 0; i < p->n; i = j) {
		for (j = i; j < p->n && strcmp(s[j].label, s[i].label) == 0; j++)
			;
		printf("  %9zu  ", j - i);
		ctl_put_safe(stdout, s[i].label, strlen(s[i].label));
		putchar('\n');
	}
	free(s);
	printf("  samples:\n");
	for (i = 0; i < p->n && i < 5; i++)
		printf("    %s  %s  %ld bytes  %s\n", p->e[i].id, q_queue_names[p->e[i].queue],
		    p->e[i].size, p->e[i].label);
}

/* Still the file that was shown? */
static int
same_file(const struct q_opts *o, const struct q_plan_ent *e)
{
	char path[PATH_MAX];
	struct stat sb;

	if (o->qmail)
		return qq_same(o, e);
	if (snprintf(path, sizeof(path), "%s/%s", o->queue_dir, e->rel) >= (int)sizeof(path))
		return 0;
	if (lstat(path, &sb) == -1 || !S_ISREG(sb.st_mode))
		return 0;
	return sb.st_ino == e->ino && sb.st_mtim.tv_sec == e->mtime.tv_sec &&
	    sb.st_mtim.tv_nsec == e->mtime.tv_nsec;
}

/* postsuper -c DIR FLAG - QUEUE, ids on stdin; returns its exit status. */
static int
run_postsuper(const struct q_opts *o, const char *flag, int q, const struct plan *p,
    const unsigned char *ok)
{
	int in[2], st;
	pid_t pid;
	size_t i;
	FILE *f, *out = tmpfile();      /* its per-message lines, summarised below */
	char line[512];

	if (out == NULL || pipe(in) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		char *const env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", NULL };
		dup2(fileno(out), 1);
		dup2(fileno(out), 2);
		dup2(in[0], 0);
		close(in[0]);
		close(in[1]);
		if (o->config_dir != NULL)
			execle(o->postsuper, "postsuper", "-c", o->config_dir, flag, "-",
			    q_queue_names[q], (char *)NULL, env);
		else
			execle(o->postsuper, "postsuper", flag, "-", q_queue_names[q], (char *)NULL, env);
		_exit(127);
	}
	close(in[0]);
	if ((f = fdopen(in[1], "w")) == NULL)
		return -1;
	for (i = 0; i < p->n; i++)
		if (ok[i] && p->e[i].queue == q)
			fprintf(f, "%s\n", p->e[i].id);
	fclose(f);
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	/* one line per message ("ID: removed") is the journal's job; the
	 * rest (its totals, warnings) is shown, escaped */
	rewind(out);
	while (fgets(line, sizeof(line), out) != NULL) {
		size_t n = strcspn(line, "\n");
		line[n] = '\0';
		if (strstr(line, ": removed") || strstr(line, ": placed on hold") ||
		    strstr(line, ": released from hold") || strstr(line, ": requeued"))
			continue;
		fputs("  ", stdout);
		ctl_put_safe(stdout, line, n);
		putchar('\n');
	}
	fclose(out);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

static void
journal(struct ctl *c, const struct q_opts *o, const struct plan *p, const unsigned char *ok)
{
	int fd = openat(c->statefd, "queue.journal",
	    O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	time_t now = time(NULL);
	FILE *f;
	size_t i;

	if (fd == -1 || (f = fdopen(fd, "a")) == NULL) {
		ctl_fail(c, EX_CANTCREAT, "journal %s/queue.journal: %s", c->cfg.state_dir,
		    strerror(errno));
		if (fd != -1)
			close(fd);
		return;
	}
	for (i = 0; i < p->n; i++)
		if (ok[i])
			fprintf(f, "%lld %s %s %s %llu %lld.%09ld\n", (long long)now, o->verb,
			    p->e[i].id, q_queue_names[p->e[i].queue], (unsigned long long)p->e[i].ino,
			    (long long)p->e[i].mtime.tv_sec, p->e[i].mtime.tv_nsec);
	if (fclose(f) == EOF)
		ctl_fail(c, EX_IOERR, "journal: %s", strerror(errno));
}

static void
log_batch(struct ctl *c, const struct q_opts *o, size_t planned, size_t acted,
    size_t changed, int status)
{
	struct mo_line l;
	char v[32];

	mo_line_init(&l);
	snprintf(v, sizeof(v), "queue-%s", o->verb);
	mo_line_kv(&l, "action", v);
	mo_line_kv(&l, "selection", o->sel.text[0] ? o->sel.text : "all");
	mo_line_kvu(&l, "planned", planned);
	mo_line_kvu(&l, "acted", acted);
	mo_line_kvu(&l, "changed", changed);
	mo_line_kvu(&l, "status", (unsigned long long)status);
	mo_line_kv(&l, "journal", "queue.journal");
	ctl_log(c, status == 0 ? LOG_NOTICE : LOG_ERR, &l);
}

/* ---- export: an mbox with the attribution as headers ----------------------- */

struct exp { FILE *f; int in_body; };

static int
exp_content(void *arg, int type, const char *d, size_t n)
{
	struct exp *x = arg;
	size_t i;

	if (type == 'H') {
		fwrite(d, 1, n, x->f);
		fputc('\n', x->f);
	} else if (type == 'B') {
		if (!x->in_body) {
			fputc('\n', x->f);
			x->in_body = 1;
		}
		/* mboxrd: ">*From " gets one more ">" */
		for (i = 0; i < n && d[i] == '>'; i++)
			;
		if (n - i >= 5 && memcmp(d + i, "From ", 5) == 0)
			fputc('>', x->f);
		fwrite(d, 1, n, x->f);
		fputc('\n', x->f);
	}
	return 0;
}

static void
exp_header(FILE *f, const char *name, const struct qm_val *v)
{
	char buf[4 * QM_VAL_MAX + 8];

	if (v->len == 0)
		return;
	mo_escape(buf, sizeof(buf), sizeof(buf) - 1, v->v, v->len);
	fprintf(f, "X-Mailorigin-Queue-%s: %s (%s)\n", name, buf, qm_trust_name(v->trust));
}

static int
export_one(struct ctl *c, struct q_opts *o, FILE *f, const struct q_plan_ent *e)
{
	struct q_item *it = calloc(1, sizeof(*it));
	struct exp x = { f, 0 };
	struct q_stats st;
	char path[PATH_MAX], *slash, sender[4 * QM_VAL_MAX + 8];
	struct tm tm;
	char date[64];
	int dfd = -1, rc;

	if (it == NULL)
		return -1;
	memset(&st, 0, sizeof(st));
	if (o->qmail)
		strlcpy(it->rel, e->rel, sizeof(it->rel));
	else if (snprintf(path, sizeof(path), "%s/%s", o->queue_dir, e->rel) >= (int)sizeof(path)) {
		free(it);
		return -1;
	} else {
		slash = strrchr(path, '/');
		*slash = '\0';
		if ((dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
			free(it);
			return -1;
		}
	}
	it->queue = e->queue;
	it->sel = &o->sel;
	/* headers and body go to a temp buffer first: the "From " line needs the sender */
	{
		char *buf = NULL;
		size_t blen = 0;
		FILE *mem = open_memstream(&buf, &blen);
		x.f = mem;
		rc = mem == NULL ? -1 : o->qmail ? qq_read(c, o, it, &st, 1, exp_content, &x) :
		    q_read_file(c, o, dfd, e->id, it, &st, 1, exp_content, &x);
		if (mem)
			fclose(mem);
		if (rc == 0 && it->ino == e->ino) {
			time_t t = it->m.arrival;
			gmtime_r(&t, &tm);
			strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
			mo_escape(sender, sizeof(sender), sizeof(sender) - 1,
			    it->m.bounce ? "MAILER-DAEMON" : it->m.sender.v,
			    it->m.bounce ? 13 : it->m.sender.len);
			fprintf(f, "From %s %s\n", sender, date);
			fprintf(f, "X-Mailorigin-Queue-Id: %s (%s)\n", e->id, q_queue_names[e->queue]);
			if (it->m.uid >= 0)
				fprintf(f, "X-Mailorigin-Queue-Uid: %ld (%s)\n", it->m.uid,
				    qm_trust_name(it->m.uid_trust));
			exp_header(f, "Vhost", &it->m.vhost);
			exp_header(f, "Script", &it->m.script);
			exp_header(f, "Sasl", &it->m.sasl);
			exp_header(f, "Client", &it->m.client_addr);
			fprintf(f, "X-Mailorigin-Queue-Origin: %s%s\n", it->m.bounce ? "bounce of " : "",
			    e->label);
			fwrite(buf, 1, blen, f);
			if (!x.in_body)
				fputc('\n', f);
			fputc('\n', f);
		} else
			rc = -1;
		free(buf);
	}
	if (dfd != -1)
		close(dfd);
	free(it);
	return rc;
}

static int
do_export(struct ctl *c, struct q_opts *o, struct plan *p, unsigned char *ok)
{
	int fd;
	FILE *f;
	size_t i, done = 0;

	if (o->out_file == NULL)
		errx(EX_USAGE, "queue export: --to FILE (the mbox to write)");
	fd = open(o->out_file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1 || (f = fdopen(fd, "w")) == NULL)
		errx(EX_CANTCREAT, "%s: %s (an existing file is never overwritten)", o->out_file,
		    strerror(errno));
	for (i = 0; i < p->n; i++) {
		ok[i] = export_one(c, o, f, &p->e[i]) == 0;
		done += ok[i];
	}
	if (fclose(f) == EOF)
		err(EX_IOERR, "%s", o->out_file);
	printf("exported %zu message%s to %s", done, done == 1 ? "" : "s", o->out_file);
	if (done < p->n)
		printf(" (%zu left the queue or changed since the scan)", p->n - done);
	putchar('\n');
	journal(c, o, p, ok);
	log_batch(c, o, p->n, done, p->n - done, 0);
	return EX_OK;
}

int
q_act(struct ctl *c, struct q_opts *o)
{
	struct plan p = { NULL, 0, 0, 0, 0, o };
	struct q_stats st;
	unsigned char *ok;
	const char *flag;
	size_t i, acted = 0, changed = 0;
	int q, rc = 0, status;

	if (c->statefd == -1 && o->yes)
		errx(EX_OSFILE, "state dir %s: %s (actions are journaled there)", c->cfg.state_dir,
		    strerror(ENOENT));
	if (o->plan_file != NULL && o->yes)
		plan_load(o, &p);
	else
		q_scan(c, o, plan_visit, &p, &st);
	preview(o, &p);
	if (!o->yes) {
		if (o->plan_file != NULL)
			plan_save(o, &p);
		if (p.n > 0)
			printf("dry run: nothing done; add --yes to %s %s\n", o->verb,
			    p.n == 1 ? "it" : "them");
		free(p.e);
		return EX_OK;
	}
	if (p.n == 0) {
		free(p.e);
		return EX_OK;
	}
	if ((ok = calloc(p.n, 1)) == NULL)
		err(EX_OSERR, "calloc");
	if (strcmp(o->verb, "export") == 0) {
		rc = do_export(c, o, &p, ok);
		free(ok);
		free(p.e);
		return rc;
	}
	if (o->qmail && strcmp(o->verb, "requeue") == 0)
		errx(EX_USAGE, "queue requeue: qmail retries on its own schedule; "
		    "send qmail-send SIGALRM (svc -a) to retry now");
	flag = strcmp(o->verb, "hold") == 0 ? "-h" : strcmp(o->verb, "release") == 0 ? "-H" :
	    strcmp(o->verb, "requeue") == 0 ? "-r" : "-d";
	for (i = 0; i < p.n; i++) {
		ok[i] = same_file(o, &p.e[i]);
		if (ok[i])
			acted++;
		else
			changed++;
	}
	if (o->qmail && qq_lock(c, o, p.e, p.n) == -1) {
		log_batch(c, o, p.n, 0, 0, c->rc);
		free(ok);
		free(p.e);
		return c->rc;
	}
	/* the journal first: if we die, the ids that may have been acted on are known */
	journal(c, o, &p, ok);
	if (o->qmail) {
		rc = qq_act(c, o, p.e, p.n, ok);
		for (i = 0, acted = 0; i < p.n; i++)
			acted += ok[i];
		changed = p.n - acted;
	}
	for (q = 0; q < Q_NQUEUES && !o->qmail; q++) {
		int any = 0;
		for (i = 0; i < p.n && !any; i++)
			any = ok[i] && p.e[i].queue == q;
		if (!any)
			continue;
		status = run_postsuper(o, flag, q, &p, ok);
		if (status != 0) {
			ctl_fail(c, EX_UNAVAILABLE, "postsuper %s - %s exited %d", flag,
			    q_queue_names[q], status);
			rc = EX_UNAVAILABLE;
		}
	}
	printf("%s: %zu message%s", o->verb, acted, acted == 1 ? "" : "s");
	if (changed)
		printf(", %zu left alone (left the queue, moved or changed since shown)", changed);
	putchar('\n');
	log_batch(c, o, p.n, acted, changed, rc);
	free(ok);
	free(p.e);
	return rc ? rc : EX_OK;
}
