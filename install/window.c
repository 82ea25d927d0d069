/*
 * window: --for DURATION, and what reverts the swap when it ends.
 *
 * systemd (running): a persistent timer with an absolute OnCalendar, so a
 * reboot inside the window fires it at boot.  at (installed): an at job,
 * which atd also runs after a reboot.  Neither: a sleeper process that
 * reverts at the deadline, plus an /etc/cron.d entry where that folder
 * exists; and in every case the wrapper passes through unstamped once the
 * window is over (mo_install_apply), and the next swap, revert or status
 * finishes the revert.  So a reboot never leaves the swap on for good.
 */
#include <sys/stat.h>
#include <sys/wait.h>

#include <bsd/string.h>
#include <bsd/unistd.h>
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sysexits.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "duration.h"
#include "install.h"

#define MAX_WINDOW (30LL * 86400)

long long
parse_duration(const char *s, const char **why)
{
	long long ms = mo_duration_ms(s, MAX_WINDOW * 1000, why);

	if (ms == -1) {
		if (strcmp(*why, "too long") == 0)
			*why = "longer than 30 days";
		return -1;
	}
	if (ms < 1000) {
		*why = "must be at least 1s";
		return -1;
	}
	return (ms + 999) / 1000;               /* whole seconds, rounded up */
}

void
format_time(char *out, size_t outlen, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, outlen, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

int
unit_text(char *service, size_t slen, char *timer, size_t tlen, const char *self,
    const char *root, time_t until)
{
	char when[64];
	int a, b;

	format_time(when, sizeof(when), until);
	a = snprintf(service, slen,
	    "# Written by mailorigin-install swap --for; removed by its revert.\n"
	    "[Unit]\n"
	    "Description=mailorigin: revert the sendmail swap when its window ends\n"
	    "\n"
	    "[Service]\n"
	    "Type=oneshot\n"
	    "ExecStart=%s%s%s revert --expired --quiet\n",
	    self, strcmp(root, "/") ? " --root " : "", strcmp(root, "/") ? root : "");
	b = snprintf(timer, tlen,
	    "# Written by mailorigin-install swap --for; removed by its revert.\n"
	    "[Unit]\n"
	    "Description=mailorigin: end of the sendmail swap window\n"
	    "\n"
	    "[Timer]\n"
	    "OnCalendar=%s\n"
	    "Persistent=true\n"
	    "AccuracySec=1s\n"
	    "\n"
	    "[Install]\n"
	    "WantedBy=timers.target\n", when);
	return a < 0 || b < 0 || (size_t)a >= slen || (size_t)b >= tlen ? -1 : 0;
}

/* at -t takes local time: [[CC]YY]MMDDhhmm[.ss] */
int
at_time(char *out, size_t outlen, time_t until)
{
	struct tm tm;

	localtime_r(&until, &tm);
	return strftime(out, outlen, "%Y%m%d%H%M.%S", &tm) == 0 ? -1 : 0;
}

int
cron_text(char *out, size_t outlen, const char *self, const char *root)
{
	int n = snprintf(out, outlen,
	    "# Written by mailorigin-install swap --for; removed by its revert.\n"
	    "# Finishes the revert once the window is over, also after a reboot.\n"
	    "* * * * * root [ -x %s ] && %s%s%s revert --expired --quiet\n",
	    self, self, strcmp(root, "/") ? " --root " : "", strcmp(root, "/") ? root : "");
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

static const char *
choose(const struct ctx *c)
{
	char tool[PATH_MAX];
	struct stat st;

	if (strcmp(c->timer, "auto") != 0)
		return c->timer;
	if (strcmp(c->root, "/") == 0 && stat("/run/systemd/system", &st) == 0 &&
	    S_ISDIR(st.st_mode) && find_tool("systemctl", tool, sizeof(tool)) == 0)
		return "systemd";
	if (strcmp(c->root, "/") == 0 && find_tool("at", tool, sizeof(tool)) == 0)
		return "at";
	return "none";
}

static void
run_or_die(char *const argv[])
{
	char out[2048];
	int rc = run_tool(argv, out, sizeof(out));

	if (rc != 0)
		errx(EX_OSERR, "%s %s failed (exit %d): %s", argv[0], argv[1], rc, out);
}

static int
systemctl(const struct ctx *c, const char *verb, const char *now)
{
	char tool[PATH_MAX], rootopt[PATH_MAX + 8];
	char *argv[8];
	int n = 0;

	if (find_tool("systemctl", tool, sizeof(tool)) == -1)
		errx(EX_UNAVAILABLE, "--timer systemd: systemctl not found");
	argv[n++] = tool;
	if (strcmp(c->root, "/") != 0) {
		/* not the running system: enable offline, start nothing */
		snprintf(rootopt, sizeof(rootopt), "--root=%s", c->root);
		argv[n++] = rootopt;
	} else if (now != NULL)
		argv[n++] = (char *)now;
	argv[n++] = (char *)verb;
	if (strcmp(verb, "daemon-reload") != 0)
		argv[n++] = (char *)UNIT_NAME ".timer";
	argv[n] = NULL;
	if (strcmp(verb, "daemon-reload") == 0 && strcmp(c->root, "/") != 0)
		return 0;
	run_or_die(argv);
	return 0;
}

static void
unit_paths(const struct ctx *c, char *svc, char *tmr)
{
	rpath(c, svc, PATH_MAX, "/etc/systemd/system/" UNIT_NAME ".service");
	rpath(c, tmr, PATH_MAX, "/etc/systemd/system/" UNIT_NAME ".timer");
	need_in_root(c, svc);
	need_in_root(c, tmr);
}

static void
schedule_systemd(struct ctx *c, struct mo_install_record *r)
{
	char svc[PATH_MAX], tmr[PATH_MAX], st[1024], tt[1024], dir[PATH_MAX];

	unit_paths(c, svc, tmr);
	rpath(c, dir, sizeof(dir), "/etc/systemd/system");
	if (mkdir(dir, 0755) == -1 && errno != EEXIST)
		err(EX_CANTCREAT, "%s", dir);
	if (unit_text(st, sizeof(st), tt, sizeof(tt), c->self, "/", r->until) == -1)
		errx(EX_SOFTWARE, "unit text too long");
	if (mo_write_atomic(svc, st, strlen(st), 0644) == -1 ||
	    mo_write_atomic(tmr, tt, strlen(tt), 0644) == -1)
		err(EX_CANTCREAT, "cannot write %s", tmr);
	step(c, "systemd units");
	systemctl(c, "daemon-reload", NULL);
	systemctl(c, "enable", "--now");
	strlcpy(r->timer_ref, UNIT_NAME ".timer", sizeof(r->timer_ref));
	step(c, "systemctl enable");
}

static void
schedule_at(struct ctx *c, struct mo_install_record *r)
{
	char tool[PATH_MAX], when[32], job[PATH_MAX + 32], text[PATH_MAX * 3], out[1024], *p;
	char *argv[] = { tool, (char *)"-f", job, (char *)"-t", when, NULL };

	if (find_tool("at", tool, sizeof(tool)) == -1)
		errx(EX_UNAVAILABLE, "--timer at: at not found");
	at_time(when, sizeof(when), r->until);
	snprintf(job, sizeof(job), "%s/revert.at", c->state);
	snprintf(text, sizeof(text), "%s%s%s revert --expired --quiet\n", c->self,
	    strcmp(c->root, "/") ? " --root " : "", strcmp(c->root, "/") ? c->root : "");
	if (mo_write_atomic(job, text, strlen(text), 0600) == -1)
		err(EX_CANTCREAT, "%s", job);
	if (run_tool(argv, out, sizeof(out)) != 0)
		errx(EX_OSERR, "at failed: %s", out);
	unlink(job);
	if ((p = strstr(out, "job ")) != NULL)
		snprintf(r->timer_ref, sizeof(r->timer_ref), "%ld", strtol(p + 4, NULL, 10));
	step(c, "at job %s", r->timer_ref);
}

/* The sleeper: a detached process that reverts at the deadline, or goes
 * away as soon as the record no longer names this swap. */
static void __attribute__((noreturn))
sleeper(struct ctx *c, const char *id, time_t until, window_revert_fn revert)
{
	struct mo_install_record *r = malloc(sizeof(*r));
	char e[256], lock[PATH_MAX + 32];
	int fd;

	closefrom(0);
	if ((fd = open("/dev/null", O_RDWR)) != 0 || dup(fd) != 1 || dup(fd) != 2)
		_exit(EX_OSERR);
	c->quiet = 1;
	c->verbose = 0;
	c->crash_at = 0;
	openlog("mailorigin-install", LOG_PID, LOG_MAIL);
	if (r == NULL || chdir("/") == -1)
		_exit(EX_OSERR);
	for (;;) {
		if (mo_install_record_read(c->state, r, e, sizeof(e)) != 1 || strcmp(r->id, id) != 0)
			_exit(0);
		if (time(NULL) >= until)
			break;
		sleep(1);
	}
	/* our own open of the lock file: the inherited one was closed above,
	 * so the lock is never held while sleeping */
	snprintf(lock, sizeof(lock), "%s/%s", c->state, MO_INSTALL_LOCK);
	if ((c->lockfd = open(lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW)) == -1 ||
	    flock(c->lockfd, LOCK_EX) == -1)
		_exit(EX_OSERR);
	if (mo_install_record_read(c->state, r, e, sizeof(e)) == 1 && strcmp(r->id, id) == 0 &&
	    mo_install_expired(r, time(NULL))) {
		c->now = time(NULL);
		syslog(LOG_NOTICE, "swap %s: window over, reverting", id);
		revert(c, r);
		syslog(LOG_NOTICE, "swap %s: reverted", id);
	}
	_exit(0);
}

static pid_t
spawn_sleeper(struct ctx *c, const struct mo_install_record *r, window_revert_fn revert)
{
	int p[2], status;
	pid_t pid, got = -1;

	fflush(NULL);
	if (pipe(p) == -1 || (pid = fork()) == -1)
		err(EX_OSERR, "cannot start the sleeper");
	if (pid == 0) {
		close(p[0]);
		if (setsid() == -1)
			_exit(EX_OSERR);
		signal(SIGHUP, SIG_IGN);
		if ((pid = fork()) != 0) {
			(void)!write(p[1], &pid, sizeof(pid));
			_exit(pid == -1 ? EX_OSERR : 0);
		}
		close(p[1]);
		sleeper(c, r->id, r->until, revert);
	}
	close(p[1]);
	if (read(p[0], &got, sizeof(got)) != sizeof(got))
		got = -1;
	close(p[0]);
	waitpid(pid, &status, 0);
	return got;
}

static void
schedule_none(struct ctx *c, struct mo_install_record *r, window_revert_fn revert)
{
	char dir[PATH_MAX], file[PATH_MAX], text[PATH_MAX * 3];
	pid_t pid;

	rpath(c, dir, sizeof(dir), "/etc/cron.d");
	rpath(c, file, sizeof(file), "/etc/cron.d/" CRON_NAME);
	need_in_root(c, file);
	if (mo_exists(dir)) {
		if (cron_text(text, sizeof(text), c->self, "/") == -1 ||
		    mo_write_atomic(file, text, strlen(text), 0644) == -1)
			err(EX_CANTCREAT, "cannot write %s", file);
		step(c, "cron.d entry");
	}
	if ((pid = spawn_sleeper(c, r, revert)) == -1)
		errx(EX_OSERR, "the sleeper did not start");
	snprintf(r->timer_ref, sizeof(r->timer_ref), "%d", (int)pid);
	step(c, "sleeper %d", (int)pid);
}

/* Is the timer of r still in place (so that completing a swap does not
 * start a second one)? */
static int
scheduled(const struct ctx *c, const struct mo_install_record *r)
{
	char path[64], buf[256];
	pid_t pid;
	FILE *f;
	size_t n;

	if (r->timer_ref[0] == '\0')
		return 0;
	if (strcmp(r->timer, "none") != 0)
		return 1;
	pid = (pid_t)atoi(r->timer_ref);
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if (pid <= 0 || (f = fopen(path, "re")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	(void)c;
	return strstr(buf, "mailorigin-install") != NULL;
}

/* Can path go into a shell command line (the at job, the cron.d entry)
 * and a unit's ExecStart as it is: no quoting needed, no "%"? */
static int
plain_path(const char *path)
{
	return path[0] == '/' && strspn(path, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789/._+-,:@") == strlen(path);
}

/* Before anything is recorded: can the chosen way end the window here? */
int
window_preflight(const struct ctx *c, time_t until)
{
	const char *how = choose(c);
	char tool[PATH_MAX];

	if (until == 0)
		return 0;
	/* at runs its job with /bin/sh and cron its line: a --root or a
	 * program path with a space, quote, ";" or "$(...)" would be cut or
	 * run as a command by root */
	if (!plain_path(c->root) || !plain_path(c->self))
		errx(EX_USAGE, "--for: %s holds characters that cannot go into the revert's "
		    "command line (only letters, digits and / . _ + - , : @)",
		    !plain_path(c->root) ? "--root" : "this program's path");
	if (strcmp(how, "systemd") == 0 && find_tool("systemctl", tool, sizeof(tool)) == -1)
		errx(EX_UNAVAILABLE, "--timer systemd: systemctl not found");
	if (strcmp(how, "at") == 0 && find_tool("at", tool, sizeof(tool)) == -1)
		errx(EX_UNAVAILABLE, "--timer at: at not found");
	return 0;
}

int
window_schedule(struct ctx *c, struct mo_install_record *r, window_revert_fn revert)
{
	if (r->until == 0 || scheduled(c, r))
		return 0;
	strlcpy(r->timer, choose(c), sizeof(r->timer));
	r->timer_ref[0] = '\0';
	record_save(c, r);      /* what will be scheduled, before it is */
	if (strcmp(r->timer, "systemd") == 0)
		schedule_systemd(c, r);
	else if (strcmp(r->timer, "at") == 0)
		schedule_at(c, r);
	else if (strcmp(r->timer, "none") == 0)
		schedule_none(c, r, revert);
	else
		errx(EX_USAGE, "--timer %s: use auto, systemd, at or none", r->timer);
	return 0;
}

int
window_cancel(struct ctx *c, const struct mo_install_record *r)
{
	char a[PATH_MAX], b[PATH_MAX], tool[PATH_MAX];

	if (strcmp(r->timer, "systemd") == 0) {
		unit_paths(c, a, b);
		if (mo_exists(b)) {
			systemctl(c, "disable", "--now");
			step(c, "systemctl disable");
		}
		int gone = unlink(b) == 0;

		gone += unlink(a) == 0;
		if (gone) {
			systemctl(c, "daemon-reload", NULL);
			step(c, "remove systemd units");
		}
	} else if (strcmp(r->timer, "at") == 0 && r->timer_ref[0] != '\0' &&
	    find_tool("atrm", tool, sizeof(tool)) == 0) {
		char *argv[] = { tool, (char *)r->timer_ref, NULL };
		run_tool(argv, NULL, 0);         /* gone already when it ran */
		step(c, "atrm %s", r->timer_ref);
	}
	rpath(c, a, sizeof(a), "/etc/cron.d/" CRON_NAME);
	if (parent_in_root(c, a) && unlink(a) == 0) {
		mo_fsync_parent(a);
		step(c, "remove cron.d entry");
	}
	/* a sleeper goes away by itself once the record is gone */
	return 0;
}
