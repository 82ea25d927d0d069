/* util: paths under --root, helpers run by absolute path, atomic files. */
#include <sys/stat.h>
#include <sys/wait.h>

#include <bsd/string.h>
#include <bsd/stdlib.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "install.h"

int
rpath(const struct ctx *c, char *out, size_t outlen, const char *inside)
{
	return mo_root_join(out, outlen, c->root, inside);
}

/* One step that changes something.  MAILORIGIN_INSTALL_CRASH_AT=N kills
 * this process right after the N-th step, as a power cut would: that is
 * how the tests prove that the next command completes or undoes it. */
void
step(struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	c->steps++;
	if (c->verbose) {
		va_start(ap, fmt);
		fprintf(stderr, PROG ": step %u: ", c->steps);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
		va_end(ap);
	}
	if (c->crash_at > 0 && (long)c->steps == c->crash_at)
		kill(getpid(), SIGKILL);
}

void
say(const struct ctx *c, const char *fmt, ...)
{
	va_list ap;

	if (c->quiet || c->json)
		return;
	va_start(ap, fmt);
	fputs(PROG ": ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	fflush(stdout);
}

/* A helper program by absolute path: never PATH. */
int
find_tool(const char *name, char *out, size_t outlen)
{
	static const char *const dirs[] = { "/usr/sbin", "/usr/bin", "/sbin", "/bin", NULL };
	int i;

	for (i = 0; dirs[i]; i++) {
		snprintf(out, outlen, "%s/%s", dirs[i], name);
		if (access(out, X_OK) == 0)
			return 0;
	}
	out[0] = '\0';
	return -1;
}

/* Run argv[0] (absolute) with a fixed environment; its stdout and stderr
 * land in out (cut to fit).  Returns the exit status, 128+N for a
 * signal, or -1 when it could not run. */
int
run_tool(char *const argv[], char *out, size_t outlen)
{
	static char *const env[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C", NULL
	};
	int p[2], status;
	size_t len = 0;
	ssize_t n;
	char buf[4096];
	pid_t pid;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);
		if (null == -1 || dup2(null, 0) == -1 || dup2(p[1], 1) == -1 || dup2(p[1], 2) == -1)
			_exit(127);
		execve(argv[0], argv, env);
		dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	while ((n = read(p[0], buf, sizeof(buf))) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (out != NULL && len + 1 < outlen) {
			size_t k = (size_t)n < outlen - 1 - len ? (size_t)n : outlen - 1 - len;
			memcpy(out + len, buf, k);
			len += k;
			out[len] = '\0';
		}
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return -1;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* Does the folder of rp (a path under the root, as rpath made it) resolve
 * inside the root?  A tree under --root may hold symlinks ("usr/sbin" ->
 * "/usr/sbin", "conf.d" -> "/etc") that would make us change the host's
 * files instead.  Always true without --root. */
int
parent_in_root(const struct ctx *c, const char *rp)
{
	char dir[PATH_MAX], real[PATH_MAX], *slash;
	size_t n = strlen(c->root);

	if (strcmp(c->root, "/") == 0)
		return 1;
	strlcpy(dir, rp, sizeof(dir));
	/* the deepest folder that exists: what is made below it follows it */
	do {
		if ((slash = strrchr(dir, '/')) == NULL)
			return 0;
		*slash = '\0';
	} while (realpath(dir[0] ? dir : "/", real) == NULL && errno == ENOENT);
	if (realpath(dir[0] ? dir : "/", real) == NULL)
		return 0;
	return strncmp(real, c->root, n) == 0 && (real[n] == '/' || real[n] == '\0');
}

/* The same, or die naming the path. */
void
need_in_root(const struct ctx *c, const char *rp)
{
	if (!parent_in_root(c, rp))
		errx(EX_CANTCREAT, "%s: its folder resolves outside --root %s (a symlink?): "
		    "not touching it", rp, c->root);
}

int
same_file(const char *a, const char *b)
{
	struct stat x, y;

	return lstat(a, &x) == 0 && lstat(b, &y) == 0 && x.st_dev == y.st_dev &&
	    x.st_ino == y.st_ino;
}

/* The relative symlink text that, placed at from_file, reaches to (both
 * absolute, no "." or ".." components): "/usr/sbin/sendmail" and
 * "/usr/local/sbin/w" give "../local/sbin/w".  Relative, so that a tree
 * under --root works both from inside and from outside the root. */
int
rel_link(char *out, size_t outlen, const char *from_file, const char *to)
{
	const char *a = from_file, *b = to, *sa = from_file, *sb = to, *p;
	size_t n = 0;

	if (from_file[0] != '/' || to[0] != '/')
		return -1;
	/* skip the common leading directories */
	while (*a && *a == *b) {
		if (*a == '/') {
			sa = a + 1;
			sb = b + 1;
		}
		a++, b++;
	}
	out[0] = '\0';
	for (p = sa; *p; p++)
		if (*p == '/') {
			if (n + 3 >= outlen)
				return -1;
			memcpy(out + n, "../", 4);
			n += 3;
		}
	return strlcat(out, sb, outlen) < outlen ? 0 : -1;
}

int
record_save(struct ctx *c, const struct mo_install_record *r)
{
	if (mo_install_record_write(c->state, r) == -1)
		err(EX_CANTCREAT, "cannot write %s/%s", c->state, MO_INSTALL_RECORD);
	step(c, "record: phase=%s", mo_swap_phase_name(r->phase));
	return 0;
}
