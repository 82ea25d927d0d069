/*
 * scan: walk /proc, read the signals, decide.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "buf.h"
#include "config.h"
#include "scan.h"
#include "cutprintf.h"
#include "trust.h"
#include "vhost.h"

/*
 * The cheap facts of every process, for the walk up from mail programs.
 * The fast walk reads only the comm of a process it does not look into;
 * its stat (parent, comm as stat gives it) is read when a walk up reaches
 * it (known = 0 until then).
 */
struct lite {
	pid_t pid, ppid;
	char comm[PROC_COMM_MAX];
	unsigned long long starttime;
	int known;
};

struct master {
	pid_t pid;
	char cwd[PATH_MAX];
	struct fpm_pools pools;
};

static const char *const signal_names[] = {
	[SIGNAL_NONE] = "-", [SIGNAL_MEMORY] = "memory", [SIGNAL_STATUS] = "status",
	[SIGNAL_CWD] = "cwd", [SIGNAL_FD] = "fd", [SIGNAL_ENV] = "env",
	[SIGNAL_CMDLINE] = "cmdline", [SIGNAL_ACCOUNT] = "account",
};
static const char *const confidence_names[] = {
	[CONF_NONE] = "-", [CONF_EXACT] = "exact", [CONF_FILE] = "file",
	[CONF_DIRECTORY] = "directory", [CONF_ACCOUNT] = "account",
};

const char *
signal_name(enum signal_kind s)
{
	return (size_t)s < sizeof(signal_names) / sizeof(signal_names[0]) ?
	       signal_names[s] : "?";
}

const char *
confidence_name(enum confidence c)
{
	return (size_t)c < sizeof(confidence_names) / sizeof(confidence_names[0]) ?
	       confidence_names[c] : "?";
}

static int
is_denied(int e)
{
	return e == EACCES || e == EPERM;
}

/* Is FILE inside folder DIR? */
static int
inside(const char *file, const char *dir)
{
	size_t n = strlen(dir);

	if (n == 0 || strncmp(file, dir, n) != 0)
		return 0;
	return dir[n - 1] == '/' || file[n] == '/';
}

static void
set_uri(struct traced *t, const char *uri, const char *query)
{
	if (query != NULL && query[0] != '\0' && strchr(uri, '?') == NULL)
		cut_printf(t->uri, sizeof(t->uri), "%s?%s", uri, query);
	else
		strlcpy(t->uri, uri, sizeof(t->uri));
}

static void
decide_memory(struct traced *t, const struct signals *s)
{
	t->state = STATE_BUSY;
	t->by = SIGNAL_MEMORY;
	t->conf = CONF_EXACT;
	strlcpy(t->file, s->mem.file, sizeof(t->file));
	t->line = s->mem.line;
	strlcpy(t->function, s->mem.function, sizeof(t->function));
	if (s->mem.main_script[0] == '/')
		strlcpy(t->script, s->mem.main_script, sizeof(t->script));
	else if (s->mem.path_translated[0] != '\0')
		strlcpy(t->script, s->mem.path_translated, sizeof(t->script));
	else
		strlcpy(t->script, s->mem.file, sizeof(t->script));
	set_uri(t, s->mem.request_uri, s->mem.query_string);
}

/* Which signals apply to which SAPI. */
static int
cwd_applies(enum mo_sapi sapi)
{
	return sapi == MO_SAPI_FPM || sapi == MO_SAPI_MOD_PHP || sapi == MO_SAPI_CGI;
}

static void
decide_signals(struct traced *t)
{
	const struct signals *s = &t->sig;
	int cwd_moved = s->cwd_ok && s->idle_cwd_ok && cwd_applies(t->sapi) &&
	                strcmp(s->cwd, s->idle_cwd) != 0;

	if (s->mem_ok) {
		if (s->mem.busy)
			decide_memory(t, s);
		else {
			t->state = STATE_IDLE;
			t->by = SIGNAL_MEMORY;
		}
		return;
	}
	if (s->status_ok) {
		if (strcmp(s->status.state, "Idle") == 0) {
			t->state = STATE_IDLE;
			t->by = SIGNAL_STATUS;
			return;
		}
		t->state = STATE_BUSY;
		t->by = SIGNAL_STATUS;
		t->conf = CONF_FILE;
		strlcpy(t->script, s->status.script, sizeof(t->script));
		strlcpy(t->uri, s->status.uri, sizeof(t->uri));
		return;
	}
	if (cwd_moved) {
		t->state = STATE_BUSY;
		t->by = SIGNAL_CWD;
		t->conf = CONF_DIRECTORY;
		strlcpy(t->script, s->cwd, sizeof(t->script));
		/* a less trusted signal naming a file in that folder refines it */
		if (s->fd_count > 0 && inside(s->fd_file, s->cwd)) {
			strlcpy(t->script, s->fd_file, sizeof(t->script));
			t->conf = CONF_FILE;
			t->refined_by = SIGNAL_FD;
		} else if (s->env_ok && inside(s->env_script, s->cwd)) {
			strlcpy(t->script, s->env_script, sizeof(t->script));
			t->conf = CONF_FILE;
			t->refined_by = SIGNAL_ENV;
		}
		if (s->env_ok)
			strlcpy(t->uri, s->env_uri, sizeof(t->uri));
		return;
	}
	if (s->fd_count > 0) {
		t->state = STATE_BUSY;
		t->by = SIGNAL_FD;
		t->conf = CONF_FILE;
		strlcpy(t->script, s->fd_file, sizeof(t->script));
		return;
	}
	if (s->env_ok) {
		t->state = STATE_BUSY;
		t->by = SIGNAL_ENV;
		t->conf = CONF_FILE;
		strlcpy(t->script, s->env_script, sizeof(t->script));
		strlcpy(t->uri, s->env_uri, sizeof(t->uri));
		return;
	}
	if (s->cli_ok) {
		t->state = STATE_BUSY;
		t->by = SIGNAL_CMDLINE;
		t->conf = CONF_FILE;
		strlcpy(t->script, s->cli_script, sizeof(t->script));
		return;
	}
	if (cwd_applies(t->sapi) && s->cwd_ok && s->idle_cwd_ok && s->fd_ok) {
		/* at its idle folder with no script open: not in a request */
		t->state = STATE_IDLE;
		t->by = SIGNAL_CWD;
		return;
	}
	t->state = STATE_UNKNOWN;
	t->by = SIGNAL_ACCOUNT;
	t->conf = CONF_ACCOUNT;
}

/* Could the process have written what decided?  Why, or NULL. */
static const char *
claimed_by(const struct traced *t)
{
	const char *why = t->worker_why[0] ? t->worker_why :
	    "not a worker of a root master";

	if (t->sapi == MO_SAPI_FPM && !t->worker_trusted)
		return why;                 /* its pool and kind are its title */
	switch (t->by) {
	case SIGNAL_MEMORY:
		if (!t->worker_trusted)
			return why;
		return t->sig.mem_bin_trusted ? NULL : t->sig.mem_bin_why;
	case SIGNAL_CWD:
		return "the process chooses its cwd";
	case SIGNAL_FD:
		return "the process chooses the files it opens";
	case SIGNAL_ENV:
		return "the process's environment";
	case SIGNAL_CMDLINE:
		return "the process's command line";
	default:
		return NULL;
	}
}

void
trace_decide(struct traced *t, const struct mo_config *conf,
    const char *const *roots, size_t nroots,
             double uptime, long clk_tck)
{
	const struct signals *s = &t->sig;
	double age = uptime - (double)t->pi.starttime / (double)clk_tck;
	const char *why;

	t->state = STATE_UNKNOWN;
	t->by = SIGNAL_NONE;
	t->conf = CONF_NONE;
	t->refined_by = SIGNAL_NONE;
	t->script[0] = t->file[0] = t->function[0] = t->uri[0] = t->vhost[0] = '\0';
	t->line = 0;
	t->running_for = -1;
	decide_signals(t);
	why = claimed_by(t);
	t->claimed = why != NULL;
	strlcpy(t->claimed_why, why ? why : "", sizeof(t->claimed_why));
	if (t->state != STATE_BUSY)
		return;
	if (s->env_ok && s->env_host[0] != '\0' && t->sapi == MO_SAPI_CGI)
		strlcpy(t->vhost, s->env_host, sizeof(t->vhost));
	else if (t->script[0] == '/' && (conf == NULL ||
	    mo_vhost_match(conf, t->script, t->vhost, sizeof(t->vhost)) == NULL))
		/* the wrapper's rules first, so that both name a site alike */
		(void)vhost_from_path(t->script, roots, nroots, t->vhost, sizeof(t->vhost));
	if (s->status_ok && s->status.duration_us > 0)
		t->running_for = (double)s->status.duration_us / 1e6;
	else if (s->mem_ok && s->mem.request_time > 0) {
		struct timeval tv;
		gettimeofday(&tv, NULL);
		t->running_for = (double)tv.tv_sec + tv.tv_usec / 1e6 - s->mem.request_time;
	} else if ((t->sapi == MO_SAPI_CGI || t->sapi == MO_SAPI_CLI) && age >= 0)
		t->running_for = age;       /* one process, one request */
}

/* --- reading the signals --- */

static void
user_name(uid_t uid, char *out, size_t outsz)
{
	static uid_t last_uid = (uid_t)-1;
	static char last[64];
	struct passwd *pw;

	if (uid != last_uid) {
		pw = getpwuid(uid);
		if (pw != NULL)
			strlcpy(last, pw->pw_name, sizeof(last));
		else
			snprintf(last, sizeof(last), "%u", (unsigned)uid);
		last_uid = uid;
	}
	strlcpy(out, last, outsz);
}

static void
note(struct scan_result *res, const char *msg)
{
	size_t i;

	for (i = 0; i < res->nnotes; i++)
		if (strcmp(res->notes[i], msg) == 0)
			return;
	if (res->nnotes < sizeof(res->notes) / sizeof(res->notes[0]))
		strlcpy(res->notes[res->nnotes++], msg, sizeof(res->notes[0]));
}

static void
read_memory(int dirfd, struct traced *t, struct scan_result *res)
{
	struct php_target target;
	char why[160];
	int r, tries;

	r = phpmem_target(dirfd, t->pi.pid, t->pi.exe, &target, why, sizeof(why));
	if (r == -1) {
		t->sig.mem_errno = errno;
		if (is_denied(errno))
			res->denied.maps++;
		return;
	}
	if (r == -2) {
		strlcpy(t->sig.mem_why, why, sizeof(t->sig.mem_why));
		note(res, why);
		return;
	}
	/* the target runs on: a torn read fails the checks, so try again */
	for (tries = 0; tries < 3; tries++) {
		r = phpmem_sample(&target, &t->sig.mem, why, sizeof(why));
		if (r != -2)
			break;
	}
	if (r == 0) {
		t->sig.mem_ok = 1;
		t->sig.mem_bin_trusted = target.bin->trusted;
		strlcpy(t->sig.mem_bin_why, target.bin->trust_why,
		    sizeof(t->sig.mem_bin_why));
		return;
	}
	if (r == -1) {
		t->sig.mem_errno = errno;
		if (is_denied(errno))
			res->denied.memory++;
		return;
	}
	cut_printf(t->sig.mem_why, sizeof(t->sig.mem_why), "PHP %s: %s",
	         target.bin->version, why);
	note(res, t->sig.mem_why);
}

static void
fd_found(void *arg, const char *path)
{
	struct signals *s = arg;

	if (s->fd_count++ == 0)
		strlcpy(s->fd_file, path, sizeof(s->fd_file));
}

static void
read_env(int dirfd, struct traced *t, struct scan_result *res)
{
	static char buf[65536];
	const char *v;
	ssize_t n = mo_proc_file(dirfd, "environ", buf, sizeof(buf));

	if (n == -1) {
		if (is_denied(errno))
			res->denied.env++;
		return;
	}
	if ((v = proc_env_lookup(buf, (size_t)n, "SCRIPT_FILENAME")) == NULL)
		return;
	t->sig.env_ok = 1;
	strlcpy(t->sig.env_script, v, sizeof(t->sig.env_script));
	if ((v = proc_env_lookup(buf, (size_t)n, "DOCUMENT_ROOT")) != NULL)
		strlcpy(t->sig.env_docroot, v, sizeof(t->sig.env_docroot));
	if ((v = proc_env_lookup(buf, (size_t)n, "HTTP_HOST")) != NULL)
		strlcpy(t->sig.env_host, v, sizeof(t->sig.env_host));
	if ((v = proc_env_lookup(buf, (size_t)n, "REQUEST_URI")) != NULL)
		strlcpy(t->sig.env_uri, v, sizeof(t->sig.env_uri));
}

static void
read_signals(int dirfd, const struct scan_opts *o, struct traced *t,
             struct scan_result *res)
{
	struct signals *s = &t->sig;

	if (o->memory)
		read_memory(dirfd, t, res);
	if (o->cwd && cwd_applies(t->sapi)) {
		if (mo_proc_link(dirfd, "cwd", s->cwd, sizeof(s->cwd)) == 0)
			s->cwd_ok = 1;
		else if (is_denied(errno))
			res->denied.cwd++;
	}
	if (o->fds && t->sapi != MO_SAPI_CLI) {
		int n = proc_fds_with_suffix(dirfd, ".php", fd_found, s);
		if (n >= 0)
			s->fd_ok = 1;
		else if (is_denied(errno))
			res->denied.fds++;
	}
	if (o->env && t->sapi == MO_SAPI_CGI)
		read_env(dirfd, t, res);
	if (t->sapi == MO_SAPI_CLI) {
		/* a relative script is under the process's folder, as the
		 * wrapper names it (lib/proc.h) */
		char cwd[PATH_MAX];
		if (mo_proc_link(dirfd, "cwd", cwd, sizeof(cwd)) == -1)
			cwd[0] = '\0';
		if (mo_cli_script(t->pi.argv, t->pi.argv_len, cwd, s->cli_script,
		    sizeof(s->cli_script)) == 0)
			s->cli_ok = 1;
	}
}

static const struct lite *
lite_find(const struct lite *all, size_t n, pid_t pid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (all[mid].pid == pid)
			return &all[mid];
		if (all[mid].pid < pid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static int
lite_cmp(const void *a, const void *b)
{
	const struct lite *x = a, *y = b;

	return (x->pid > y->pid) - (x->pid < y->pid);
}

struct walk {
	const struct scan_opts *o;
	struct scan_result *res;
	int procfd;                     /* /proc */
	pid_t self;
	struct lite *all;
	size_t nall, capall;
	struct master *masters;
	size_t nmasters, capmasters;
};

/* A process for the walk up; its index in w->all, or -1. */
static ssize_t
lite_add(struct walk *w, pid_t pid, const char *comm)
{
	struct lite *l;

	if (mo_grow(&w->all, &w->capall, w->nall, sizeof(*w->all)) == -1)
		return -1;
	l = &w->all[w->nall];
	l->pid = pid;
	l->ppid = 0;
	l->starttime = 0;
	l->known = 0;
	strlcpy(l->comm, comm, sizeof(l->comm));
	return (ssize_t)w->nall++;
}

static void
lite_know(struct lite *l, pid_t ppid, unsigned long long starttime, const char *comm)
{
	l->ppid = ppid;
	l->starttime = starttime;
	strlcpy(l->comm, comm, sizeof(l->comm));
	l->known = 1;
}

/*
 * The first look at one process: is it one that may be PHP or a mail
 * program (by its comm alone, mo_sapi_of)?  Then its /proc directory is
 * opened for visit().  The fast walk reads only NAME/comm under /proc; with
 * scan_opts.exhaustive, every process's directory is opened and its stat
 * parsed, as the tracer did before (the reference the tests compare with).
 * The directory fd, or -1 when there is nothing more to read.
 */
static int
first_look(struct walk *w, pid_t pid, const char *name, ssize_t *li)
{
	char comm[PROC_COMM_MAX], extra[PATH_MAX], buf[4096];
	struct mo_stat st;
	int dirfd = -1;

	*li = -1;
	if (w->o->exhaustive) {
		if ((dirfd = proc_open(pid)) == -1)
			return -1;
		if (mo_proc_file(dirfd, "stat", buf, sizeof(buf)) == -1 ||
		    mo_proc_parse_stat(buf, &st) == -1) {
			close(dirfd);
			return -1;
		}
		strlcpy(comm, st.comm, sizeof(comm));
	} else if (proc_comm_at(w->procfd, name, comm, sizeof(comm)) == -1)
		return -1;
	w->res->nprocs++;
	if ((*li = lite_add(w, pid, comm)) >= 0 && dirfd != -1)
		lite_know(&w->all[*li], st.ppid, st.starttime, st.comm);
	if (mo_sapi_of(comm, "", 0, "", extra, sizeof(extra)) == MO_SAPI_UNKNOWN ||
	    pid == w->self) {
		if (dirfd != -1)
			close(dirfd);
		return -1;
	}
	if (dirfd == -1)
		dirfd = openat(w->procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return dirfd;
}

/* Look at one process; add it to the result when it matters. */
static void
visit(struct walk *w, pid_t pid, const char *name)
{
	struct scan_result *res = w->res;
	char extra[PATH_MAX], buf[4096];
	struct proc_info pi;
	enum mo_sapi sapi;
	int dirfd, unreadable_httpd = 0;
	ssize_t li;

	if ((dirfd = first_look(w, pid, name, &li)) == -1)
		return;
	if (proc_info_read(dirfd, pid, &pi) == -1)
		goto out;
	if (li >= 0 && !w->all[li].known)
		lite_know(&w->all[li], pi.ppid, pi.starttime, pi.comm);
	if (pi.exe[0] == '\0' && is_denied(pi.exe_errno))
		res->denied.exe++;
	sapi = mo_sapi_of(pi.comm, pi.argv, pi.argv_len, pi.exe, extra, sizeof(extra));
	if (sapi == MO_SAPI_HTTPD) {
		int has = mo_proc_maps_libphp(dirfd);
		if (has == 1)
			sapi = MO_SAPI_MOD_PHP;
		else if (has == -1 && is_denied(errno)) {
			res->denied.maps++;
			/*
			 * A child that is not root's and whose maps we may not
			 * read may run mod_php: keep it, known by its account
			 * only, so that a mail program it started is traced to
			 * it instead of to nothing.  No signal is read: all of
			 * them would be denied too.
			 */
			if (pi.uid == 0)
				goto out;
			unreadable_httpd = 1;
		} else
			goto out;
	}
	if (sapi == MO_SAPI_FPM_MASTER) {
		struct master *m;
		/* 800 KiB each (64 pools), mostly never written: zeros */
		if (mo_grow_big(&w->masters, &w->capmasters, w->nmasters,
		         sizeof(*m)) == -1)
			goto out;
		m = &w->masters[w->nmasters++];
		m->pid = pid;
		(void)mo_proc_link(dirfd, "cwd", m->cwd, sizeof(m->cwd));
		/*
		 * The config path comes from the master's title, which any user
		 * can set: only a master root runs is believed (the file must
		 * then be root's too, see fpm_conf_load).
		 */
		if (extra[0] == '/' && pi.uid != 0) {
			cut_printf(buf, sizeof(buf), "php-fpm %d: master not run by root, "
			    "its config not read (give it with --fpm-conf)", (int)pid);
			note(res, buf);
		} else if (extra[0] == '/' && fpm_conf_load(extra, &m->pools) == -1) {
			cut_printf(buf, sizeof(buf), "php-fpm %d: cannot read %s: %s",
			         (int)pid, extra, strerror(errno));
			note(res, buf);
		}
		goto out;
	}
	if (sapi == MO_SAPI_MAIL) {
		struct mailproc *mp;
		/* fresh elements of mo_grow_big's arrays are zeros */
		if (mo_grow_big(&res->m, &res->capm, res->nm, sizeof(*mp)) == -1)
			goto out;
		mp = &res->m[res->nm++];
		mp->pi = pi;
		mp->php = -1;
		strlcpy(mp->prog, extra, sizeof(mp->prog));
		user_name(pi.uid, mp->user, sizeof(mp->user));
		goto out;
	}
	{
		struct traced *t;
		if (mo_grow_big(&res->t, &res->capt, res->nt, sizeof(*t)) == -1)
			goto out;
		t = &res->t[res->nt++];
		t->pi = pi;
		t->sapi = sapi;
		if (sapi == MO_SAPI_FPM)
			strlcpy(t->pool, extra, sizeof(t->pool));
		user_name(pi.uid, t->user, sizeof(t->user));
		if (sapi == MO_SAPI_FPM || sapi == MO_SAPI_MOD_PHP)
			t->worker_trusted = trust_worker(dirfd, pi.uid, pi.ppid,
			    pi.starttime, t->worker_why, sizeof(t->worker_why));
		else
			strlcpy(t->worker_why, "run by its user, not a worker of a "
			    "root master", sizeof(t->worker_why));
		if (!unreadable_httpd)
			read_signals(dirfd, w->o, t, res);
	}
out:
	close(dirfd);
}

static const struct master *
master_of(const struct walk *w, pid_t ppid)
{
	size_t i;

	for (i = 0; i < w->nmasters; i++)
		if (w->masters[i].pid == ppid)
			return &w->masters[i];
	return NULL;
}

/*
 * After each request PHP chdirs back, by path, to the folder it was in: a
 * worker whose user may not search its idle folder cannot, and stays in
 * its last script's folder (a master started from root's 0700 home): then
 * where it sits says nothing, and its idle folder is not known.
 */
static void
idle_cwd_reachable(struct traced *t)
{
	char why[160];

	if (!t->sig.idle_cwd_ok)
		return;
	if (!t->pi.creds_ok) {
		strlcpy(t->sig.idle_cwd_why, "its credentials could not be read",
		    sizeof(t->sig.idle_cwd_why));
		t->sig.idle_cwd_ok = 0;
	} else if (!creds_may_search(t->sig.idle_cwd, &t->pi.creds, why, sizeof(why))) {
		cut_printf(t->sig.idle_cwd_why, sizeof(t->sig.idle_cwd_why),
		    "its idle folder %s: it cannot go back there (%s)",
		    t->sig.idle_cwd, why);
		t->sig.idle_cwd_ok = 0;
	}
}

/*
 * The folder an idle worker sits in: the pool's chdir, else its parent's,
 * when the worker may go back there.
 */
static void
idle_cwds(struct walk *w)
{
	struct scan_result *res = w->res;
	const struct master *m;
	const struct fpm_pool *p;
	size_t i;
	int fd;

	for (i = 0; i < res->nt; i++) {
		struct traced *t = &res->t[i];
		if (!t->sig.cwd_ok)
			continue;
		if (t->sapi == MO_SAPI_FPM && (m = master_of(w, t->pi.ppid)) != NULL) {
			p = fpm_pool_find(&m->pools, t->pool);
			if (p != NULL && p->chdir[0] != '\0')
				strlcpy(t->sig.idle_cwd, p->chdir, sizeof(t->sig.idle_cwd));
			else
				strlcpy(t->sig.idle_cwd, m->cwd, sizeof(t->sig.idle_cwd));
			t->sig.idle_cwd_ok = t->sig.idle_cwd[0] != '\0';
			idle_cwd_reachable(t);
			continue;
		}
		if ((fd = proc_open(t->pi.ppid)) == -1)
			continue;
		if (mo_proc_link(fd, "cwd", t->sig.idle_cwd, sizeof(t->sig.idle_cwd)) == 0)
			t->sig.idle_cwd_ok = 1;
		close(fd);
		idle_cwd_reachable(t);
	}
}

/* Does this worker still need the status page (memory said nothing)? */
static int
needs_status(const struct traced *t)
{
	return !t->sig.mem_ok;
}

static void
status_pages(struct walk *w)
{
	static struct fpm_status st;
	struct scan_result *res = w->res;
	char why[300];
	size_t i, j, k, pidx;

	for (i = 0; i < w->nmasters; i++) {
		const struct master *m = &w->masters[i];
		for (pidx = 0; pidx < m->pools.n; pidx++) {
			const struct fpm_pool *p = &m->pools.pool[pidx];
			int wanted = 0;
			for (j = 0; j < res->nt; j++)
				if (res->t[j].sapi == MO_SAPI_FPM && res->t[j].pi.ppid == m->pid &&
				    strcmp(res->t[j].pool, p->name) == 0 &&
				    needs_status(&res->t[j]))
					wanted = 1;
			if (!wanted)
				continue;
			if (fpm_status_fetch(p, w->o->status_timeout_ms, &st, why,
			                     sizeof(why)) == -1) {
				note(res, why);
				continue;
			}
			for (k = 0; k < st.n; k++) {
				const struct fpm_worker *fw = &st.w[k];
				/* the worker that served our own request */
				if (strncmp(fw->uri, p->status_path, strlen(p->status_path)) == 0 &&
				    strcmp(fw->state, "Idle") != 0)
					continue;
				for (j = 0; j < res->nt; j++)
					if (res->t[j].pi.pid == fw->pid &&
					    res->t[j].sapi == MO_SAPI_FPM) {
						res->t[j].sig.status_ok = 1;
						res->t[j].sig.status = *fw;
					}
			}
		}
	}
}

static ssize_t
traced_index(const struct scan_result *res, pid_t pid)
{
	size_t i;

	for (i = 0; i < res->nt; i++)
		if (res->t[i].pi.pid == pid)
			return (ssize_t)i;
	return -1;
}

static int
is_mail_pid(const struct scan_result *res, pid_t pid)
{
	size_t i;

	for (i = 0; i < res->nm; i++)
		if (res->m[i].pi.pid == pid)
			return 1;
	return 0;
}

/*
 * The process PID of the walk, its stat read now when the walk did not
 * (the fast walk read its comm only); NULL when it was not seen or is gone.
 */
static const struct lite *
lite_get(struct walk *w, pid_t pid)
{
	struct lite *l = (struct lite *)lite_find(w->all, w->nall, pid);
	struct mo_stat st;
	char name[16];

	if (l == NULL || l->known)
		return l;
	snprintf(name, sizeof(name), "%d", (int)pid);
	if (proc_stat_at(w->procfd, name, &st) == -1)
		return NULL;
	lite_know(l, st.ppid, st.starttime, st.comm);
	return l;
}

/* Walk up from each mail program to the PHP process that started it. */
static void
mail_chains(struct walk *w, double uptime, long tck)
{
	struct scan_result *res = w->res;
	const struct lite *l;
	size_t i;
	pid_t pid;

	for (i = 0; i < res->nm; i++) {
		struct mailproc *mp = &res->m[i];
		mp->running_for = uptime - (double)mp->pi.starttime / (double)tck;
		for (pid = mp->pi.ppid; pid > 1 && mp->nchain < CHAIN_MAX;) {
			if ((l = lite_get(w, pid)) == NULL)
				break;
			mp->chain[mp->nchain] = pid;
			strlcpy(mp->chain_comm[mp->nchain], l->comm,
			        sizeof(mp->chain_comm[0]));
			mp->nchain++;
			if (is_mail_pid(res, pid))
				mp->nested = 1;
			if ((mp->php = traced_index(res, pid)) >= 0)
				break;
			pid = l->ppid;
		}
		if (mp->php >= 0 && !mp->nested)
			res->t[mp->php].mails++;
	}
}

int
scan_run(const struct scan_opts *o, struct scan_result *res)
{
	struct walk w;
	struct dirent *de;
	struct timeval tv;
	const char *errstr;
	double uptime;
	long tck = proc_clk_tck();
	size_t i;
	DIR *d;

	trust_scan_begin();     /* a binary's trust is looked at once a scan */
	pid_t pid;
	int fd = -1;

	memset(res, 0, sizeof(*res));
	memset(&w, 0, sizeof(w));
	w.o = o;
	w.res = res;
	gettimeofday(&tv, NULL);
	res->now = (double)tv.tv_sec + tv.tv_usec / 1e6;
	w.self = getpid();
	if ((w.procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if ((fd = dup(w.procfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		close(w.procfd);
		return -1;
	}
	phpmem_scan_begin();
	while ((de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = (pid_t)strtonum(de->d_name, 1, INT_MAX, &errstr);
		if (errstr == NULL)
			visit(&w, pid, de->d_name);
	}
	closedir(d);
	uptime = proc_uptime();
	qsort(w.all, w.nall, sizeof(*w.all), lite_cmp);
	for (i = 0; i < w.nmasters; i++)
		for (size_t k = 0; k < o->nfpm_confs; k++)
			(void)fpm_conf_load(o->fpm_confs[k], &w.masters[i].pools);
	idle_cwds(&w);
	if (o->status)
		status_pages(&w);
	for (i = 0; i < res->nt; i++)
		trace_decide(&res->t[i], o->conf, o->vhost_roots, o->nvhost_roots, uptime, tck);
	mail_chains(&w, uptime, tck);
	close(w.procfd);
	free(w.all);
	mo_big_free(w.masters, w.capmasters, sizeof(*w.masters));
	return 0;
}

void
scan_free(struct scan_result *res)
{
	mo_big_free(res->t, res->capt, sizeof(*res->t));
	mo_big_free(res->m, res->capm, sizeof(*res->m));
	memset(res, 0, sizeof(*res));
}
