/* origin: uid, cwd, process chain, script and vhost of the caller. */
#include <sys/stat.h>

#include <bsd/string.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "escape.h"
#include "origin.h"
#include "proc.h"

#define CHAIN_DEPTH 8

/* stat alone: comm and ppid. */
static int
proc_read_stat(int dirfd, pid_t pid, struct mo_proc *p)
{
	char buf[1024];
	struct mo_stat st;

	/* not cleared whole: 8 KiB of buffers, strings read up to their NUL
	 * (cmdline up to cmdline_len) */
	p->pid = pid;
	p->ppid = 0;
	p->comm[0] = p->exe[0] = p->cmdline[0] = '\0';
	p->cmdline_len = 0;
	if (mo_proc_record(dirfd, "stat", buf, sizeof(buf)) <= 0 ||
	    mo_proc_parse_stat(buf, &st) == -1)
		return -1;
	p->ppid = st.ppid;
	strlcpy(p->comm, st.comm, sizeof(p->comm));
	return 0;
}

static void
read_exe(int dirfd, struct mo_proc *p)
{
	if (mo_proc_link(dirfd, "exe", p->exe, sizeof(p->exe)) == -1)
		p->exe[0] = '\0';
}

static void
read_cmdline(int dirfd, struct mo_proc *p)
{
	ssize_t n = mo_proc_file(dirfd, "cmdline", p->cmdline, sizeof(p->cmdline));

	p->cmdline_len = n > 0 ? (size_t)n : 0;
	if (n <= 0)
		p->cmdline[0] = '\0';  /* a read that failed half-way left no NUL */
}

void
mo_proc_read_exe(const char *procroot, struct mo_proc *p)
{
	int fd = mo_proc_open(procroot, p->pid);

	p->exe[0] = '\0';
	if (fd != -1) {
		read_exe(fd, p);
		close(fd);
	}
}

void
mo_proc_read_cmdline(const char *procroot, struct mo_proc *p)
{
	int fd = mo_proc_open(procroot, p->pid);

	p->cmdline[0] = '\0';
	p->cmdline_len = 0;
	if (fd != -1) {
		read_cmdline(fd, p);
		close(fd);
	}
}

int
mo_proc_read(const char *procroot, pid_t pid, struct mo_proc *p, int with_exe)
{
	int fd = mo_proc_open(procroot, pid), rc = -1;

	if (fd == -1)
		return -1;
	if (proc_read_stat(fd, pid, p) == 0) {
		if (with_exe)
			read_exe(fd, p);
		read_cmdline(fd, p);
		rc = 0;
	}
	close(fd);
	return rc;
}

enum mo_sapi
mo_proc_sapi(const struct mo_proc *p, char *pool, size_t poollen)
{
	enum mo_sapi s = mo_sapi_of(p->comm, p->cmdline, p->cmdline_len, p->exe, pool, poollen);

	if (s != MO_SAPI_FPM)
		pool[0] = '\0';
	/* a master or a mail program sends nothing of its own here */
	return s == MO_SAPI_FPM_MASTER || s == MO_SAPI_MAIL ? MO_SAPI_UNKNOWN : s;
}

static void
chain_add(struct mo_origin *o, const struct mo_proc *p)
{
	char hop[MO_PROC_COMM_MAX + 32];

	snprintf(hop, sizeof(hop), "%s%s[%d]", o->chain[0] ? " < " : "", p->comm, (int)p->pid);
	strlcat(o->chain, hop, sizeof(o->chain));
}

static void
own_cwd(char *cwd, size_t len)
{
	ssize_t n;

	if (getcwd(cwd, len) != NULL)
		return;
	/* deleted or unreachable: the kernel's name for it still says much */
	if ((n = readlink("/proc/self/cwd", cwd, len - 1)) > 0)
		cwd[n] = '\0';
	else
		strlcpy(cwd, "?", len);
}

/* The readlink of procroot/pid/name into out, or "" (0 or -1). */
static int
link_of(const char *procroot, pid_t pid, const char *name, char *out, size_t outlen)
{
	int fd = mo_proc_open(procroot, pid), rc = -1;

	out[0] = '\0';
	if (fd != -1) {
		rc = mo_proc_link(fd, name, out, outlen);
		close(fd);
	}
	if (rc == -1)
		out[0] = '\0';
	return rc;
}

/* The folder a relative script on p's command line is under: p's cwd when
 * it may be read, else ours (the same for a process that ran us). */
static void
cwd_of(const char *procroot, const struct mo_proc *p, const struct mo_origin *o,
    char *out, size_t outlen)
{
	if (link_of(procroot, p->pid, "cwd", out, outlen) == -1)
		strlcpy(out, o->cwd, outlen);
}

/* A process that runs another and means nothing itself: launchers, and
 * shells that run a command (sh -c) or read one (sh -s, a terminal).  The
 * nearest shell's command is kept in *sh_cmd, for cron. */
static int
passes_through(const struct mo_proc *p, char *sh_cmd, size_t len)
{
	const char *cmd;
	char script[8];

	if (mo_is_launcher(p->comm))
		return 1;
	if (mo_interp_of(p->comm, p->cmdline, p->cmdline_len, "") != MO_INTERP_SH)
		return 0;
	if ((cmd = mo_sh_command(p->cmdline, p->cmdline_len)) != NULL) {
		if (sh_cmd[0] == '\0')
			strlcpy(sh_cmd, cmd, len);
		return 1;
	}
	/* a shell running a file is that file's interpreter */
	return mo_interp_script(MO_INTERP_SH, p->cmdline, p->cmdline_len, NULL, script,
	    sizeof(script)) == -1;
}

/* The script of the first program that is neither PHP nor passed through.
 * SH_CMD (PATH_MAX bytes) holds the nearest shell's command, read for cron
 * only; past that it is the buffer for the folder of a relative script, so
 * that collect()'s frame, and the stack pages it touches, hold one PATH_MAX
 * buffer fewer. */
static void
other_script(struct mo_origin *o, const char *procroot, const struct mo_proc *p,
    char *sh_cmd)
{
	static char src[24];
	enum mo_interp in = mo_interp_of(p->comm, p->cmdline, p->cmdline_len, p->exe);
	char *cwd = sh_cmd;

	if (mo_is_cron(p->comm) || (p->exe[0] && mo_is_cron(mo_base_name(p->exe)))) {
		/* the job's command, when a shell ran it (claimed: the user's
		 * crontab); cron itself mailing a job's output names cron */
		strlcpy(o->script, sh_cmd[0] ? sh_cmd : p->exe[0] ? p->exe : p->comm,
		    sizeof(o->script));
		o->script_src = "cron";
		o->script_claimed = sh_cmd[0] != '\0' || p->exe[0] == '\0';
		return;
	}
	if (in != MO_INTERP_NONE) {
		cwd_of(procroot, p, o, cwd, PATH_MAX);
		if (mo_interp_script(in, p->cmdline, p->cmdline_len, cwd, o->script,
		    sizeof(o->script)) == 0) {
			snprintf(src, sizeof(src), "%s-argv", mo_interp_name(in));
			o->script_src = src;
			o->script_claimed = 1;  /* the command line is the caller's */
			return;
		}
	}
	strlcpy(o->script, p->exe[0] ? p->exe : p->cmdline, sizeof(o->script));
	o->script_src = "parent";
	o->script_claimed = p->exe[0] == '\0';
}

static void
by_cwd(struct mo_origin *o)
{
	snprintf(o->script, sizeof(o->script), "%s%s", o->cwd,
	    o->cwd[0] && o->cwd[strlen(o->cwd) - 1] == '/' ? "" : "/");
	o->script_src = "cwd";
	o->script_claimed = 1;
}

/* The script of the PHP process php, by its SAPI; PHP_CWD, PATH_MAX bytes,
 * a buffer of the caller's (collect()'s sh_cmd, not needed for PHP). */
static void
php_script(struct mo_origin *o, const char *procroot, const struct mo_proc *php, int peer,
    char *php_cwd)
{
	const char *sf;

	switch (o->sapi) {
	case MO_SAPI_CLI:
		cwd_of(procroot, php, o, php_cwd, PATH_MAX);
		if (mo_cli_script(php->cmdline, php->cmdline_len, php_cwd, o->script,
		    sizeof(o->script)) == 0) {
			o->script_src = "php-cli-argv";
			o->script_claimed = 1;  /* the command line is the caller's */
			return;
		}
		break;
	case MO_SAPI_CGI:
		/* claimed: php-cgi passes the CGI environment down to us */
		if ((sf = peer ? NULL : getenv("SCRIPT_FILENAME")) != NULL && sf[0] == '/') {
			strlcpy(o->script, sf, sizeof(o->script));
			o->script_src = "env";
			o->script_claimed = 1;
			return;
		}
		break;
	default:
		break;
	}
	by_cwd(o);
}

/* The origin of a message from process pid up (o started by
 * origin_start() with its uid): for a peer (not our caller) the cwd is the
 * process's own, and no environment of ours stands for its. */
static void
collect(struct mo_origin *o, const char *procroot, pid_t parent, int peer)
{
	struct mo_proc p;
	pid_t pid = parent;
	int depth, fd, found = 0;
	char sh_cmd[PATH_MAX];  /* then php_script()'s and other_script()'s buffer */

	sh_cmd[0] = '\0';      /* not "" as initialiser: that clears all 4 KiB */
	if (!peer)
		own_cwd(o->cwd, sizeof(o->cwd));
	else if (link_of(procroot, parent, "cwd", o->cwd, sizeof(o->cwd)) == -1)
		strlcpy(o->cwd, "?", sizeof(o->cwd));

	for (depth = 0; depth < CHAIN_DEPTH && pid > 1; depth++) {
		if ((fd = mo_proc_open(procroot, pid)) == -1)
			break;
		if (proc_read_stat(fd, pid, &p) == -1) {
			close(fd);
			break;
		}
		chain_add(o, &p);
		read_cmdline(fd, &p);
		if (passes_through(&p, sh_cmd, sizeof(sh_cmd))) {
			close(fd);
			pid = p.ppid;
			continue;
		}
		/* classified by its command line and name; the exe is read only
		 * for the process that is kept */
		read_exe(fd, &p);
		close(fd);
		if ((o->sapi = mo_proc_sapi(&p, o->pool, sizeof(o->pool))) != MO_SAPI_UNKNOWN) {
			o->php_pid = p.pid;
			strlcpy(o->php_exe, p.exe[0] ? p.exe : p.comm, sizeof(o->php_exe));
			mo_argv_join(p.cmdline, p.cmdline_len, o->php_cmdline, sizeof(o->php_cmdline));
			php_script(o, procroot, &p, peer, sh_cmd);
		} else
			other_script(o, procroot, &p, sh_cmd);
		found = 1;
		break;
	}
	if (!found)
		by_cwd(o);
}

/* The vhost, by the config's rules; after collect() has returned, so that
 * the matcher's frame is not below collect()'s on the stack (a fresh stack
 * page is a page fault: the wrapper pays it for every message). */
static void
vhost_of(struct mo_origin *o, const struct mo_config *c)
{
	/* a program's exe or a cron command is no path under a site */
	if (mo_vhost_match(c, strcmp(o->script_src, "parent") == 0 ||
	    strcmp(o->script_src, "cron") == 0 ? o->cwd : o->script, o->vhost,
	    sizeof(o->vhost)) == NULL)
		strlcpy(o->vhost, o->user, sizeof(o->vhost));
}

void
mo_origin_clear(struct mo_origin *o)
{
	memset(o, 0, offsetof(struct mo_origin, cwd));
	o->cwd[0] = o->script[0] = o->php_exe[0] = '\0';
}

/* The account's name, or its number.  Looked up here, before collect()
 * and its 12 KiB of process buffers are on the stack: the name service
 * and the formatting below it then run on stack pages already touched.
 * getpwuid_r: the milter looks up its clients in several threads at once,
 * and getpwuid's one static answer gave a message another uid's name (and
 * so that user's counters and exemptions; review R10: 771 of 200,000).
 * An entry that does not fit the buffer (ERANGE: a long gecos, an NSS
 * module's large answer) is asked again with a bigger one, up to 1 MiB,
 * instead of naming the account by its number; the first try is on the
 * stack, so the usual entry costs no allocation. */
#define PW_BUF_FIRST 2048
#define PW_BUF_MAX (1024 * 1024)

static void
origin_start(struct mo_origin *o, uid_t uid)
{
	struct passwd pwd, *pw = NULL;
	char first[PW_BUF_FIRST], *buf = first, *big = NULL;
	size_t len = sizeof(first);
	int e;

	mo_origin_clear(o);
	o->uid = uid;
	while ((e = getpwuid_r(uid, &pwd, buf, len, &pw)) == ERANGE && len < PW_BUF_MAX) {
		char *n;

		len *= 2;
		if ((n = realloc(big, len)) == NULL)
			break;
		buf = big = n;
	}
	if (e == 0 && pw != NULL && pw->pw_uid == uid)
		strlcpy(o->user, pw->pw_name, sizeof(o->user));
	else
		snprintf(o->user, sizeof(o->user), "%lu", (unsigned long)uid);
	free(big);
}

void
mo_origin_collect(struct mo_origin *o, const char *procroot, pid_t parent,
    const struct mo_config *c)
{
	origin_start(o, getuid());
	collect(o, procroot, parent, 0);
	vhost_of(o, c);
}

void
mo_origin_collect_peer(struct mo_origin *o, const char *procroot, pid_t pid, uid_t uid,
    const struct mo_config *c)
{
	origin_start(o, uid);
	collect(o, procroot, pid, 1);
	vhost_of(o, c);
}

void
mo_line_origin(struct mo_line *l, const struct mo_origin *g, int have_uid)
{
	if (have_uid) {
		mo_line_kvu(l, "uid", g->uid);
		mo_line_kv(l, "user", g->user);
	} else {
		mo_line_kv(l, "uid", "");
		mo_line_kv(l, "user", "");
	}
	mo_line_kv_long(l, "vhost", g->vhost);
	mo_line_kv_long(l, "script", g->script);
	mo_line_kv(l, "script_src", g->script_src != NULL ? g->script_src : "");
	mo_line_kvu(l, "claimed", (unsigned)g->script_claimed);
	mo_line_kv(l, "sapi", mo_sapi_name(g->sapi));
	mo_line_kvu(l, "php_pid", (unsigned long long)g->php_pid);
}

void
mo_line_origin_detail(struct mo_line *l, const struct mo_origin *g)
{
	mo_line_kv_long(l, "cwd", g->cwd);
	mo_line_kv_long(l, "php_exe", g->php_exe);
	mo_line_kv_long(l, "pool", g->pool);
	mo_line_kv_long(l, "chain", g->chain);
}

void
mo_origin_of_uid(struct mo_origin *o, uid_t uid, const char *src)
{
	origin_start(o, uid);
	strlcpy(o->cwd, "?", sizeof(o->cwd));
	o->script_src = src;
	strlcpy(o->vhost, o->user, sizeof(o->vhost));
}
