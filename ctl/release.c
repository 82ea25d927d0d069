/*
 * release: send a held message to the real MTA as the uid that sent it.
 *
 * A child sets the user's groups, the caller's gid and the uid (each
 * checked, root not to be regained), changes to /, takes the message file
 * on stdin and execs the MTA with the argv mo_exec_build() makes of the
 * held one: what the wrapper would have run.  The message leaves the
 * spool only when the MTA exited 0.  Before anything runs, the hold must
 * look as the wrapper wrote it: regular files, not links, owned by that
 * uid, a meta parsed whole, a submission without options naming files.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <bsd/string.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <sysexits.h>
#include <unistd.h>

#include "ctl.h"
#include "escape.h"
#include "fsutil.h"
#include "fmt.h"
#include "held.h"
#include "install_record.h"
#include "mta.h"
#include "options.h"
#include "passrec.h"

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
	r->uid = h->meta.owner;
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
	    st.st_uid != h->meta.owner || h->st.st_uid != h->meta.owner) {
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

struct child_error {
	int	step;
	int	err;
};

static const char *const steps[] = {
	"dup2", "setsid", "chdir /", "setgroups", "setresgid", "setresuid", "dropped ids check", "execve"
};

static void __attribute__((noreturn))
child(int report, int out, int msgfd, const struct runas *r, const struct mo_exec *x,
    const char *path)
{
	struct child_error e = { 0, 0 };
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	/* the MTA runs as the held message's uid, which may ptrace it once
	 * it runs: it gets no fd of the administrator's terminal and no
	 * controlling terminal (TIOCSTI, escape sequences), only a pipe */
	if (dup2(msgfd, 0) == -1 || dup2(out, 1) == -1 || dup2(out, 2) == -1)
		goto fail;
	e.step++;
	if (setsid() == -1)
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
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	execve(path, x->argv, x->envp);
fail:
	e.err = errno;
	if (write(report, &e, sizeof(e)) != (ssize_t)sizeof(e))
		_exit(EX_OSERR);
	_exit(EX_OSERR);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Read what fd has now (non-blocking) into buf (at most cap, the rest is
 * read and dropped); 0 at its end, 1 when there may be more. */
static int
take(int fd, char *buf, size_t cap, size_t *len)
{
	char tmp[4096];
	ssize_t n;

	for (;;) {
		if ((n = read(fd, tmp, sizeof(tmp))) == -1)
			return errno == EINTR ? 1 : errno == EAGAIN ? 1 : 0;
		if (n == 0)
			return 0;
		if (*len < cap) {
			size_t k = (size_t)n < cap - *len ? (size_t)n : cap - *len;
			memcpy(buf + *len, tmp, k);
			*len += k;
		}
	}
}

/* Show what the MTA said, escaped: it ran as the sender's uid. */
static void
show_output(const char *id, const char *out, size_t len)
{
	const char *p = out, *end = out + len, *nl;
	size_t n;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl ? nl : end) - p);
		fprintf(stderr, "mailoriginctl: hold %s: mta: ", id);
		ctl_put_safe(stderr, p, n);
		fputc('\n', stderr);
		p = nl ? nl + 1 : end;
	}
}

/* Run the MTA as r with the message on stdin, for at most c->mta_timeout
 * seconds (then it is killed); returns its wait status, or -1 with err
 * when it could not be run or did not finish. */
static int
run_mta(const struct ctl *c, const char *path, const char *id, const struct runas *r,
    const struct mo_exec *x, int msgfd, char *err, size_t errlen)
{
	struct child_error e;
	struct pollfd pf[2];
	char out[CTL_MTA_OUTPUT_MAX];
	size_t elen = 0, olen = 0;
	int rep[2], op[2], status = 0, reaped = 0, timed_out = 0, nfd;
	int64_t deadline;
	pid_t pid;

	if (pipe2(rep, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	if (pipe2(op, O_CLOEXEC) == -1) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		close(rep[0]);
		close(rep[1]);
		return -1;
	}
	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) == -1) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(rep[0]);
		close(rep[1]);
		close(op[0]);
		close(op[1]);
		return -1;
	}
	if (pid == 0) {
		close(rep[0]);
		close(op[0]);
		child(rep[1], op[1], msgfd, r, x, path);
	}
	close(rep[1]);
	close(op[1]);
	fcntl(rep[0], F_SETFL, O_NONBLOCK);
	fcntl(op[0], F_SETFL, O_NONBLOCK);
	memset(&e, 0, sizeof(e));
	deadline = now_ms() + (int64_t)c->mta_timeout * 1000;
	/* the child may be stopped (SIGSTOP from its uid) or hang: never
	 * wait for it without an end */
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			reaped = 1;
		else if (w == -1 && errno != EINTR) {
			snprintf(err, errlen, "waitpid: %s", strerror(errno));
			kill(pid, SIGKILL);
			while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
				;
			close(rep[0]);
			close(op[0]);
			return -1;
		}
		nfd = 0;
		if (rep[0] != -1)
			pf[nfd++] = (struct pollfd){ .fd = rep[0], .events = POLLIN };
		if (op[0] != -1)
			pf[nfd++] = (struct pollfd){ .fd = op[0], .events = POLLIN };
		if (!reaped && now_ms() < deadline)
			poll(pf, (nfds_t)nfd, 100);
		if (rep[0] != -1 && take(rep[0], (char *)&e, sizeof(e), &elen) == 0) {
			close(rep[0]);
			rep[0] = -1;
		}
		if (op[0] != -1 && take(op[0], out, sizeof(out), &olen) == 0) {
			close(op[0]);
			op[0] = -1;
		}
		/* a child of the MTA may keep the output pipe open: the MTA's
		 * own exit is the end */
		if (reaped)
			break;
		if (now_ms() >= deadline) {
			kill(pid, SIGKILL);     /* our own child, not yet reaped: that pid */
			while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
				;
			timed_out = 1;
			break;
		}
	}
	if (rep[0] != -1)
		close(rep[0]);
	if (op[0] != -1)
		close(op[0]);
	if (olen > 0)
		show_output(id, out, olen);
	if (timed_out) {
		if (snprintf(err, errlen, "%s did not finish within %d s: killed", path,
		    c->mta_timeout) >= (int)errlen)
			strlcpy(err + errlen - 4, "...", 4);
		return -2;
	}
	if (elen == sizeof(e)) {
		if (e.step < 0 || e.step >= (int)(sizeof(steps) / sizeof(steps[0])))
			e.step = (int)(sizeof(steps) / sizeof(steps[0])) - 1;
		if (snprintf(err, errlen, "cannot run %s as uid %lu: %s: %s", path,
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
	char *q;

	/* both quote the held argv, the sender's: escaped */
	if (mo_args_classify(h->meta.nargs, h->meta.args, a) == -1) {
		q = ctl_safe(a->error, strlen(a->error));
		snprintf(err, errlen, "held argv: %s", q != NULL ? q : "?");
		free(q);
		return -1;
	}
	if (!a->submission) {
		q = a->mode ? ctl_safe(a->mode, strnlen(a->mode, 64)) : NULL;
		snprintf(err, errlen, "held argv is not a submission (%s)", q != NULL ? q : "?");
		free(q);
		return -1;
	}
	if (a->file_option != NULL && h->meta.owner != 0) {
		snprintf(err, errlen, "held argv has %s, which names a file, for uid %lu",
		    a->file_option, (unsigned long)h->meta.owner);
		return -1;
	}
	return 0;
}

/* The ids the MTA would run as: the hold dir is the uid's (the wrapper
 * made it as that uid), and the gid is not the mailorigin group, which
 * would give the MTA the state dir (the wrapper drops it before it runs
 * the MTA, and records the real gid). */
static int
check_ids(int dirfd, const struct held *h, char *err, size_t errlen)
{
	struct group *g = getgrnam(MO_GROUP);
	struct stat st;

	if (fstat(dirfd, &st) == -1 || st.st_uid != h->meta.owner) {
		snprintf(err, errlen, "the hold folder is not owned by uid %lu of the meta",
		    (unsigned long)h->meta.owner);
		return -1;
	}
	if (g != NULL && h->meta.gid == g->gr_gid) {
		snprintf(err, errlen, "meta gid %lu is the %s group", (unsigned long)h->meta.gid,
		    MO_GROUP);
		return -1;
	}
	return 0;
}

/* The MTA to release through: mta.path, but during a swap by
 * mailorigin-install (mta.path /usr/sbin/sendmail is then the wrapper)
 * the real one the install record names, as the wrapper itself finds it. */
static void
release_mta(const struct ctl *c, struct mo_config *cfg)
{
	struct mo_install_record *rec;
	char err[256];

	mo_config_copy(cfg, &c->cfg);
	if ((rec = malloc(sizeof(*rec))) == NULL)
		return;
	if (mo_install_record_read(cfg->state_dir, rec, err, sizeof(err)) == 1)
		(void)mo_install_apply_record(cfg, rec, time(NULL), mo_is_wrapper);
	free(rec);
}

/* With non_smtpd_milters the released message meets mailorigin-milter
 * again, which would count it (and hold it in Postfix's hold queue, its
 * uid being over the limit that held it).  A release bypasses the limits:
 * so it is recorded for the milter as the wrapper records what it passes
 * (passrec.h), by the wrapper's five stamps on top of the held message.
 * A record that cannot be made: the milter counts the message. */
static void
record_release(struct ctl *c, const struct mo_config *cfg, const struct held *h, uid_t uid,
    int msgfd)
{
	static char buf[16384];
	char vals[MO_PASSREC_NSTAMPS][MO_HEADER_VALUE_MAX + 64], *p, *nl, *colon;
	const char *v[MO_PASSREC_NSTAMPS], *name;
	unsigned char d[MO_PASSREC_DIGEST];
	size_t plen = strlen(cfg->header_prefix), vlen;
	int seen[MO_PASSREC_NSTAMPS] = { 0 }, i;
	ssize_t n;

	if (cfg->mta_type != MO_MTA_POSTFIX || c->statefd == -1 ||
	    (n = pread(msgfd, buf, sizeof(buf) - 1, 0)) <= 0)
		return;
	buf[n] = '\0';
	/* the header block: our lines are the wrapper's (it removed others) */
	for (p = buf; *p != '\0' && *p != '\n' && strncmp(p, "\r\n", 2) != 0; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			return;
		if (strncasecmp(p, cfg->header_prefix, plen) != 0 ||
		    (colon = memchr(p, ':', (size_t)(nl - p))) == NULL)
			continue;
		name = p + plen;
		for (i = 0; i < MO_PASSREC_NSTAMPS; i++)
			if ((size_t)(colon - name) == strlen(mo_passrec_names[i]) &&
			    strncasecmp(name, mo_passrec_names[i], (size_t)(colon - name)) == 0)
				break;
		vlen = (size_t)(nl - colon - 1);
		if (i == MO_PASSREC_NSTAMPS || seen[i]++ > 0 || vlen >= sizeof(vals[0]))
			return;
		memcpy(vals[i], colon + 1, vlen);
		vals[i][vlen] = '\0';
		v[i] = vals[i];
	}
	for (i = 0; i < MO_PASSREC_NSTAMPS; i++)
		if (seen[i] != 1)
			return;
	if (strncmp(vals[0] + strspn(vals[0], " \t"), h->id, MO_ID_LEN) != 0)
		return;
	mo_passrec_digest(v, d);
	if (mo_passrec_put(c->statefd, h->id, uid,
	    strtoul(mo_holdmeta_get(&h->meta, "rcpts"), NULL, 10), d, MO_KINDS_ALL, time(NULL)) == -1 &&
	    errno != ENOENT)
		fprintf(stderr, "mailoriginctl: hold %s: pass record: %s; a milter counts it\n",
		    h->id, strerror(errno));
}

void
ctl_release_one(struct ctl *c, const char *id)
{
	struct mo_config cfg;
	char err[512], st[32];
	struct mo_args a;
	struct mo_exec x;
	struct runas r;
	struct held h;
	int fd, msgfd = -1, status;

	if ((fd = ctl_held_lock(c, id)) == -1)
		return;
	ctl_held_load(c, fd, id, &h);
	if (!h.ok) {
		ctl_fail(c, EX_DATAERR, "hold %s: %s; not released", id, h.err);
		goto out;
	}
	if (check_ids(fd, &h, err, sizeof(err)) == -1 ||
	    check_args(&h, &a, err, sizeof(err)) == -1 ||
	    runas_of(&h, &r, err, sizeof(err)) == -1 ||
	    (msgfd = open_message(fd, &h, err, sizeof(err))) == -1) {
		ctl_fail(c, EX_DATAERR, "hold %s: %s; not released", id, err);
		goto out;
	}
	release_mta(c, &cfg);
	if (mo_is_wrapper(cfg.mta_path)) {
		ctl_fail(c, EX_CONFIG, "hold %s: mta.path %s is the setgid mailorigin wrapper, which "
		    "would hold it again; not released", id, cfg.mta_path);
		goto out;
	}
	if (mo_exec_build(&x, &cfg, &a, h.meta.nargs, h.meta.args, r.env, r.uid) == -1) {
		ctl_fail(c, EX_OSERR, "out of memory");
		goto out;
	}
	record_release(c, &cfg, &h, r.uid, msgfd);
	status = run_mta(c, cfg.mta_path, id, &r, &x, msgfd, err, sizeof(err));
	mo_exec_free(&x);
	if (status == -2) {
		ctl_held_log(c, LOG_ERR, &h, "release-failed", "timeout");
		ctl_fail(c, EX_TEMPFAIL, "hold %s: %s; kept (it may have been sent: look before "
		    "releasing it again)", id, err);
		goto out;
	}
	if (status == -1) {
		ctl_held_log(c, LOG_ERR, &h, "release-failed", "not-run");
		ctl_fail(c, EX_UNAVAILABLE, "hold %s: %s; kept", id, err);
		goto out;
	}
	status_text(st, sizeof(st), status);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		ctl_held_log(c, LOG_ERR, &h, "release-failed", st);
		ctl_fail(c, WIFEXITED(status) && WEXITSTATUS(status) == EX_TEMPFAIL ? EX_TEMPFAIL :
		    EX_UNAVAILABLE, "hold %s: %s exited %s; kept", id, cfg.mta_path, st);
		goto out;
	}
	ctl_held_log(c, LOG_NOTICE, &h, "release", st);
	if (ctl_held_remove(c, id) == -1)
		ctl_fail(c, EX_IOERR, "hold %s: released, but cannot be removed from the "
		    "spool (%s): delete it, or it may be sent twice", id, strerror(errno));
	else
		printf("released %s (uid %lu)\n", id, (unsigned long)r.uid);
out:
	if (msgfd != -1)
		close(msgfd);
	mo_holdmeta_free(&h.meta);
	close(fd);
}
