/* origin: uid, cwd, process chain, script and vhost of the caller. */
#include <sys/stat.h>

#include <bsd/string.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "origin.h"

#define CHAIN_DEPTH 8

const char *
mo_sapi_name(enum mo_sapi s)
{
	switch (s) {
	case MO_SAPI_FPM: return "fpm";
	case MO_SAPI_APACHE: return "apache";
	case MO_SAPI_CGI: return "cgi";
	case MO_SAPI_CLI: return "cli";
	default: return "unknown";
	}
}

static ssize_t
read_small(const char *path, char *buf, size_t cap)
{
	ssize_t n, total = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	/* a short read is the end: these files come out in one read */
	while ((size_t)total < cap) {
		n = read(fd, buf + total, cap - (size_t)total);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		total += n;
		if ((size_t)n < cap - (size_t)(total - n))
			break;
	}
	close(fd);
	return total;
}

static int proc_read_stat(const char *procroot, pid_t pid, struct mo_proc *p);

void
mo_proc_read_exe(const char *procroot, struct mo_proc *p)
{
	char path[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%d/exe", procroot, (int)p->pid);
	if ((n = readlink(path, p->exe, sizeof(p->exe) - 1)) > 0)
		p->exe[n] = '\0';
	else
		p->exe[0] = '\0';
}

int
mo_proc_read(const char *procroot, pid_t pid, struct mo_proc *p, int with_exe)
{
	if (proc_read_stat(procroot, pid, p) == -1)
		return -1;
	if (with_exe)
		mo_proc_read_exe(procroot, p);
	mo_proc_read_cmdline(procroot, p);
	return 0;
}

void
mo_proc_read_cmdline(const char *procroot, struct mo_proc *p)
{
	char path[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/%d/cmdline", procroot, (int)p->pid);
	if ((n = read_small(path, p->cmdline, sizeof(p->cmdline) - 1)) < 0)
		n = 0;
	p->cmdline[n] = '\0';
	p->cmdline_len = (size_t)n;
}

/* stat alone: comm and ppid. */
static int
proc_read_stat(const char *procroot, pid_t pid, struct mo_proc *p)
{
	char path[PATH_MAX], stat[1024];
	const char *open_paren, *close_paren;
	ssize_t n;
	int ppid;

	memset(p, 0, sizeof(*p));
	p->pid = pid;
	snprintf(path, sizeof(path), "%s/%d/stat", procroot, (int)pid);
	if ((n = read_small(path, stat, sizeof(stat) - 1)) <= 0)
		return -1;
	stat[n] = '\0';
	/* "pid (comm) state ppid ...": comm may hold ')' and spaces */
	if ((open_paren = strchr(stat, '(')) == NULL ||
	    (close_paren = strrchr(stat, ')')) == NULL || close_paren < open_paren ||
	    sscanf(close_paren + 1, " %*c %d", &ppid) != 1)
		return -1;
	p->ppid = ppid;
	n = close_paren - open_paren - 1;
	if ((size_t)n >= sizeof(p->comm))
		n = sizeof(p->comm) - 1;
	memcpy(p->comm, open_paren + 1, (size_t)n);
	return 0;
}

static const char *
base_name(const char *s)
{
	const char *p = strrchr(s, '/');

	return p != NULL ? p + 1 : s;
}

enum mo_sapi
mo_sapi_of(const struct mo_proc *p, char *pool, size_t poollen)
{
	const char *argv0 = p->cmdline, *name;

	pool[0] = '\0';
	if (strncmp(argv0, "php-fpm: pool ", 14) == 0) {
		size_t n = strlcpy(pool, argv0 + 14, poollen);
		if (n >= poollen)
			n = poollen - 1;
		while (n > 0 && pool[n - 1] == ' ')
			pool[--n] = '\0';
		return MO_SAPI_FPM;
	}
	if (strncmp(argv0, "php-fpm:", 8) == 0)
		return MO_SAPI_FPM;
	name = p->exe[0] ? base_name(p->exe) : argv0[0] ? base_name(argv0) : p->comm;
	if (strncmp(name, "apache", 6) == 0 || strncmp(name, "httpd", 5) == 0)
		return MO_SAPI_APACHE;
	if (strncmp(name, "php-fpm", 7) == 0)
		return MO_SAPI_FPM;
	if (strncmp(name, "php-cgi", 7) == 0)
		return MO_SAPI_CGI;
	if (strncmp(name, "php", 3) == 0 &&
	    (name[3] == '\0' || name[3] == '.' || (name[3] >= '0' && name[3] <= '9')))
		return MO_SAPI_CLI;
	return MO_SAPI_UNKNOWN;
}

int
mo_cli_script(const char *cmdline, size_t len, const char *cwd, char *out, size_t outlen)
{
	/* php CLI options that take an argument */
	static const char with_arg[] = "cdzBRFEtS";
	const char *p = cmdline, *end = cmdline + len, *script = NULL;

	if (len == 0)
		return -1;
	p += strnlen(p, (size_t)(end - p)) + 1;         /* skip argv[0] */
	while (p < end) {
		const char *w = p;
		size_t wl = strnlen(w, (size_t)(end - w));

		p += wl + 1;
		if (strcmp(w, "--") == 0 || w[0] != '-' || w[1] == '\0') {
			if (strcmp(w, "--") == 0)
				return -1;      /* "php -- args": code from stdin */
			script = w;
			break;
		}
		if (w[1] == '-')                /* --ini, --rf name ...: no script */
			return -1;
		if (w[1] == 'f') {
			script = w[2] ? w + 2 : (p < end ? p : NULL);
			break;
		}
		if (w[1] == 'r')                /* code on the command line */
			return -1;
		if (strchr(with_arg, w[1]) != NULL && w[2] == '\0')
			p += strnlen(p, (size_t)(end - p)) + 1;
	}
	if (script == NULL || script[0] == '\0')
		return -1;
	if (script[0] == '/' || cwd == NULL || cwd[0] == '\0')
		strlcpy(out, script, outlen);
	else
		snprintf(out, outlen, "%s%s%s", cwd,
		    cwd[strlen(cwd) - 1] == '/' ? "" : "/", script);
	return 0;
}

/* A process that runs another and means nothing itself: shells, and the
 * small tools that wrap a command (nice, timeout, env...). */
static int
is_shell(const struct mo_proc *p)
{
	static const char *const shells[] = {
		"sh", "dash", "bash", "ash", "zsh", "ksh", "busybox",
		"env", "nice", "ionice", "timeout", "stdbuf", "nohup", "setsid", NULL
	};
	const char *name = p->exe[0] ? base_name(p->exe) : p->comm;
	const char *const *s;

	for (s = shells; *s; s++)
		if (strcmp(name, *s) == 0)
			return 1;
	return 0;
}

/* argv as one line: NULs between arguments become spaces. */
static void
join_argv(char *out, size_t outlen, const struct mo_proc *p)
{
	size_t n = p->cmdline_len < outlen ? p->cmdline_len : outlen - 1, i;

	memcpy(out, p->cmdline, n);
	while (n > 0 && out[n - 1] == '\0')
		n--;
	for (i = 0; i < n; i++)
		if (out[i] == '\0')
			out[i] = ' ';
	out[n] = '\0';
}

static void
chain_add(struct mo_origin *o, const struct mo_proc *p)
{
	char hop[64];

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

/* The origin of a message from process pid up (its uid given): for a
 * peer (not our caller) the cwd is the process's own, and no environment
 * of ours stands for its. */
static void
collect(struct mo_origin *o, const char *procroot, pid_t parent, uid_t uid, int peer,
    const struct mo_config *c)
{
	struct mo_proc p, php, first_other;
	struct passwd *pw;
	pid_t pid = parent;
	int depth, have_other = 0;
	char path[PATH_MAX], php_cwd[PATH_MAX];
	ssize_t n;

	memset(o, 0, sizeof(*o));
	o->uid = uid;
	if ((pw = getpwuid(o->uid)) != NULL)
		strlcpy(o->user, pw->pw_name, sizeof(o->user));
	else
		snprintf(o->user, sizeof(o->user), "%lu", (unsigned long)o->uid);
	if (!peer)
		own_cwd(o->cwd, sizeof(o->cwd));
	else {
		snprintf(path, sizeof(path), "%s/%d/cwd", procroot, (int)parent);
		if ((n = readlink(path, o->cwd, sizeof(o->cwd) - 1)) > 0)
			o->cwd[n] = '\0';
		else
			strlcpy(o->cwd, "?", sizeof(o->cwd));
	}

	for (depth = 0; depth < CHAIN_DEPTH && pid > 1; depth++) {
		if (proc_read_stat(procroot, pid, &p) == -1)
			break;
		chain_add(o, &p);
		if (is_shell(&p)) {     /* by its name: nothing more to read */
			pid = p.ppid;
			continue;
		}
		mo_proc_read_cmdline(procroot, &p);
		/* classified by its command line and name; the exe is read only
		 * for the process that is kept */
		if ((o->sapi = mo_sapi_of(&p, o->pool, sizeof(o->pool))) != MO_SAPI_UNKNOWN) {
			mo_proc_read_exe(procroot, &p);
			php = p;
			o->php_pid = p.pid;
			strlcpy(o->php_exe, p.exe[0] ? p.exe : p.comm, sizeof(o->php_exe));
			join_argv(o->php_cmdline, sizeof(o->php_cmdline), &p);
			break;
		}
		/* the first program that is neither PHP nor a shell sent it */
		mo_proc_read_exe(procroot, &p);
		first_other = p;
		have_other = 1;
		break;
	}

	switch (o->sapi) {
	case MO_SAPI_CLI:
		snprintf(path, sizeof(path), "%s/%d/cwd", procroot, (int)php.pid);
		if ((n = readlink(path, php_cwd, sizeof(php_cwd) - 1)) > 0)
			php_cwd[n] = '\0';
		else
			strlcpy(php_cwd, o->cwd, sizeof(php_cwd));
		if (mo_cli_script(php.cmdline, php.cmdline_len, php_cwd, o->script, sizeof(o->script)) == 0) {
			o->script_src = "php-cli-argv";
			o->script_claimed = 1;  /* the command line is the caller's */
			break;
		}
		goto by_cwd;
	case MO_SAPI_CGI: {
		/* claimed: php-cgi passes the CGI environment down to us */
		const char *sf = peer ? NULL : getenv("SCRIPT_FILENAME");
		if (sf != NULL && sf[0] == '/') {
			strlcpy(o->script, sf, sizeof(o->script));
			o->script_src = "env";
			o->script_claimed = 1;
			break;
		}
		goto by_cwd;
	}
	case MO_SAPI_UNKNOWN:
		if (have_other) {
			strlcpy(o->script, first_other.exe[0] ? first_other.exe : first_other.cmdline,
			    sizeof(o->script));
			o->script_src = "parent";
			o->script_claimed = first_other.exe[0] == '\0';
			break;
		}
		/* FALLTHROUGH */
	default:
	by_cwd:
		snprintf(o->script, sizeof(o->script), "%s%s", o->cwd,
		    o->cwd[0] && o->cwd[strlen(o->cwd) - 1] == '/' ? "" : "/");
		o->script_src = "cwd";
		o->script_claimed = 1;
	}

	if (mo_vhost_match(c, strcmp(o->script_src, "parent") == 0 ? o->cwd : o->script,
	    o->vhost, sizeof(o->vhost)) == NULL)
		strlcpy(o->vhost, o->user, sizeof(o->vhost));
}

void
mo_origin_collect(struct mo_origin *o, const char *procroot, pid_t parent,
    const struct mo_config *c)
{
	collect(o, procroot, parent, getuid(), 0, c);
}

void
mo_origin_collect_peer(struct mo_origin *o, const char *procroot, pid_t pid, uid_t uid,
    const struct mo_config *c)
{
	collect(o, procroot, pid, uid, 1, c);
}
