/*
 * php: PHP mode.  No system file changes: a drop-in zz-mailorigin.ini in
 * each PHP version's and SAPI's conf.d (read last) sets sendmail_path to
 * the wrapper with the flags that SAPI had, and each php-fpm master of
 * that version running in this root is told to reload (SIGUSR2).
 */
#include <sys/stat.h>
#include <sys/syscall.h>

#include <bsd/string.h>
#include <ctype.h>
#include <dirent.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "install.h"

#define PHP_DEFAULT_SENDMAIL "/usr/sbin/sendmail -t -i"
#define MAX_INI (1024 * 1024)

static char *
trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = '\0';
	return s;
}

/* The last sendmail_path set in an ini text, into out.  1: found; 0: none. */
int
php_ini_sendmail_path(const char *text, char *out, size_t outlen)
{
	const char *p = text;
	char line[4096];
	int found = 0;

	while (*p) {
		size_t n = strcspn(p, "\n");
		char *l, *eq, *k, *v;

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p += strcspn(p, "\n");
		if (*p == '\n')
			p++;
		l = trim(line);
		if (*l == ';' || *l == '#' || *l == '[' || (eq = strchr(l, '=')) == NULL)
			continue;
		*eq = '\0';
		k = trim(l);
		if (strcmp(k, "sendmail_path") != 0)
			continue;
		v = trim(eq + 1);
		if (*v == '"' || *v == '\'') {
			char *end = strchr(v + 1, *v);
			if (end != NULL)
				*end = '\0';
			v++;
		} else {
			v[strcspn(v, ";")] = '\0';
			v = trim(v);
		}
		strlcpy(out, v, outlen);
		found = 1;
	}
	return found;
}

int
php_dropin_text(char *out, size_t outlen, const char *wrapper, const char *old_value,
    const char *id)
{
	const char *old = old_value[0] ? old_value : PHP_DEFAULT_SENDMAIL;
	const char *flags = old + strcspn(old, " \t");
	int n;

	if (strpbrk(old, "\"\n\\") != NULL || strpbrk(wrapper, "\" \n\\") != NULL)
		return -1;
	while (*flags == ' ' || *flags == '\t')
		flags++;
	n = snprintf(out, outlen,
	    "; Written by mailorigin-install swap --mode php (swap %s).\n"
	    "; Removed by \"mailorigin-install revert\"; do not edit.\n"
	    "; sendmail_path was: \"%s\"\n"
	    "sendmail_path = \"%s%s%s\"\n",
	    id, old, wrapper, flags[0] ? " " : "", flags);
	return n < 0 || (size_t)n >= outlen ? -1 : n;
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	if ((buf = malloc(MAX_INI + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, MAX_INI, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
scan_file(const char *path, char *value, size_t len)
{
	char *text = slurp(path);

	if (text != NULL) {
		php_ini_sendmail_path(text, value, len);
		free(text);
	}
}

/* What sendmail_path this SAPI has now: php.ini, then conf.d in order,
 * without our own drop-in. */
static void
effective_value(const char *sapidir, char *value, size_t len)
{
	char path[PATH_MAX];
	glob_t g;
	size_t i;

	value[0] = '\0';
	snprintf(path, sizeof(path), "%s/php.ini", sapidir);
	scan_file(path, value, len);
	snprintf(path, sizeof(path), "%s/conf.d/*.ini", sapidir);
	if (glob(path, 0, NULL, &g) != 0)
		return;
	for (i = 0; i < g.gl_pathc; i++) {
		const char *b = strrchr(g.gl_pathv[i], '/') + 1;
		if (strcmp(b, MO_DROPIN_NAME) != 0)
			scan_file(g.gl_pathv[i], value, len);
	}
	globfree(&g);
}

static void
warn_pools(const struct ctx *c, const char *verdir)
{
	char pat[PATH_MAX];
	glob_t g;
	size_t i;

	snprintf(pat, sizeof(pat), "%s/fpm/pool.d/*.conf", verdir);
	if (glob(pat, 0, NULL, &g) != 0)
		return;
	for (i = 0; i < g.gl_pathc; i++) {
		char *text = slurp(g.gl_pathv[i]);
		if (text != NULL && strstr(text, "sendmail_path") != NULL)
			say(c, "warning: %s sets sendmail_path itself; a pool setting wins over "
			    "the drop-in", g.gl_pathv[i] + (strcmp(c->root, "/") ? strlen(c->root) : 0));
		free(text);
	}
	globfree(&g);
}

int
php_plan(struct ctx *c, struct mo_install_record *r)
{
	char pat[PATH_MAX], dir[PATH_MAX], value[4096];
	glob_t g;
	size_t i, rl = strcmp(c->root, "/") ? strlen(c->root) : 0;
	int s;

	rpath(c, pat, sizeof(pat), "/etc/php/*");
	if (glob(pat, GLOB_ONLYDIR, NULL, &g) != 0)
		errx(EX_UNAVAILABLE, "no PHP configuration under %s", pat);
	for (i = 0; i < g.gl_pathc; i++) {
		warn_pools(c, g.gl_pathv[i]);
		for (s = 0; mo_dropin_sapis[s]; s++) {
			snprintf(dir, sizeof(dir), "%s/%s/conf.d", g.gl_pathv[i], mo_dropin_sapis[s]);
			if (!mo_exists(dir))
				continue;
			snprintf(dir, sizeof(dir), "%s/%s", g.gl_pathv[i], mo_dropin_sapis[s]);
			effective_value(dir, value, sizeof(value));
			if (strncmp(value, r->wrapper, strlen(r->wrapper)) == 0 &&
			    (value[strlen(r->wrapper)] == '\0' || value[strlen(r->wrapper)] == ' ')) {
				say(c, "%s already sends through the wrapper: left alone", dir + rl);
				continue;
			}
			if (r->ndropins == MO_INSTALL_MAX_DROPINS)
				errx(EX_SOFTWARE, "more than %d PHP conf.d folders", MO_INSTALL_MAX_DROPINS);
			snprintf(r->dropins[r->ndropins++], PATH_MAX, "%s/conf.d/%s", dir + rl, MO_DROPIN_NAME);
		}
	}
	globfree(&g);
	if (r->ndropins == 0)
		errx(EX_UNAVAILABLE, "no PHP SAPI conf.d folder to put a drop-in in under %s", pat);
	return 0;
}

int
php_swap(struct ctx *c, const struct mo_install_record *r)
{
	char path[PATH_MAX], sapidir[PATH_MAX], value[4096], text[8192], w[PATH_MAX];
	size_t i;
	int n;

	rpath(c, w, sizeof(w), r->wrapper);
	if (access(w, X_OK) == -1)
		err(EX_UNAVAILABLE, "the wrapper %s", w);
	for (i = 0; i < r->ndropins; i++) {
		rpath(c, path, sizeof(path), r->dropins[i]);
		need_in_root(c, path);
		strlcpy(sapidir, path, sizeof(sapidir));
		*strstr(sapidir, "/conf.d/") = '\0';
		effective_value(sapidir, value, sizeof(value));
		if ((n = php_dropin_text(text, sizeof(text), r->wrapper, value, r->id)) == -1) {
			warnx("%s: sendmail_path \"%s\" holds a quote or backslash: not changed",
			    sapidir, value);
			continue;
		}
		if (mo_write_atomic(path, text, (size_t)n, 0644) == -1)
			err(EX_CANTCREAT, "cannot write %s", path);
		step(c, "drop-in %s", r->dropins[i]);
	}
	return php_fpm_reload(c, r);
}

/* Is path a drop-in we wrote: a regular file (not a link) that starts
 * with our first line?  Anything else at that name is not ours to remove. */
static int
is_our_dropin(const char *path)
{
	static const char mark[] = "; Written by mailorigin-install swap --mode php";
	char buf[sizeof(mark)];
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			warnx("%s: %s: not removed", path, errno == ELOOP ? "a symlink" : strerror(errno));
		return 0;
	}
	n = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, buf, sizeof(mark) - 1) : -1;
	close(fd);
	if (n != (ssize_t)sizeof(mark) - 1 || memcmp(buf, mark, sizeof(mark) - 1) != 0) {
		warnx("%s is not a drop-in written by mailorigin-install: not removed", path);
		return 0;
	}
	return 1;
}

int
php_revert(struct ctx *c, const struct mo_install_record *r)
{
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < r->ndropins; i++) {
		rpath(c, path, sizeof(path), r->dropins[i]);
		need_in_root(c, path);
		if (!is_our_dropin(path))
			continue;
		if (unlink(path) == -1) {
			if (errno == ENOENT)
				continue;
			err(EX_CANTCREAT, "cannot remove %s", path);
		}
		mo_fsync_parent(path);
		step(c, "remove %s", r->dropins[i]);
	}
	return php_fpm_reload(c, r);
}

/* Is pid a php-fpm master of version ver in our mount namespace and root:
 * run by root, from this root's /usr/sbin/php-fpmVER itself (the same
 * file), not a process whose command line or executable's name says so
 * (any user can name a copy "php-fpm8.2" and write its argv). */
static int
fpm_master(const struct ctx *c, pid_t pid, const char *ver)
{
	char path[64], buf[PATH_MAX], mine[PATH_MAX], bin[PATH_MAX], inside[64];
	struct stat exe, want;
	unsigned long ruid = 1;
	ssize_t n;
	FILE *f;
	size_t k;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	k = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[k] = '\0';
	if (strncmp(buf, "php-fpm: master process", 23) != 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	while (fgets(buf, sizeof(buf), f) != NULL)
		if (sscanf(buf, "Uid: %lu", &ruid) == 1)
			break;
	fclose(f);
	if (ruid != 0)
		return 0;
	snprintf(inside, sizeof(inside), "/usr/sbin/php-fpm%s", ver);
	snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
	if (rpath(c, bin, sizeof(bin), inside) == -1 || stat(bin, &want) == -1 ||
	    stat(path, &exe) == -1 || exe.st_dev != want.st_dev || exe.st_ino != want.st_ino)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/ns/mnt", (int)pid);
	if ((n = readlink(path, buf, sizeof(buf) - 1)) == -1)
		return 0;
	buf[n] = '\0';
	if ((n = readlink("/proc/self/ns/mnt", mine, sizeof(mine) - 1)) == -1)
		return 0;
	mine[n] = '\0';
	if (strcmp(buf, mine) != 0)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/root", (int)pid);
	return realpath(path, buf) != NULL && strcmp(buf, c->root) == 0;
}

/* A version as the drop-in's path holds it: digits and dots only. */
static int
plain_version(const char *v)
{
	return v[0] != '\0' && v[0] != '.' && strspn(v, "0123456789.") == strlen(v);
}

int
php_fpm_reload(struct ctx *c, const struct mo_install_record *r)
{
	char vers[MO_INSTALL_MAX_DROPINS][32];
	size_t nv = 0, i, j;
	struct dirent *d;
	DIR *dir;

	for (i = 0; i < r->ndropins; i++) {
		char ver[32];
		if (sscanf(r->dropins[i], "/etc/php/%31[^/]/fpm/conf.d/", ver) != 1 ||
		    !plain_version(ver))
			continue;
		for (j = 0; j < nv && strcmp(vers[j], ver) != 0; j++)
			;
		if (j == nv)
			strlcpy(vers[nv++], ver, sizeof(vers[0]));
	}
	if (nv == 0 || (dir = opendir("/proc")) == NULL)
		return 0;
	while ((d = readdir(dir)) != NULL) {
		pid_t pid = (pid_t)atoi(d->d_name);
		int pidfd;

		if (pid <= 0)
			continue;
		/* the process is pinned before it is looked at: if it goes and
		 * its pid is reused meanwhile, the signal fails (ESRCH) instead
		 * of reaching the newcomer */
		if ((pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) == -1)
			continue;
		for (j = 0; j < nv; j++)
			if (fpm_master(c, pid, vers[j])) {
				if (syscall(SYS_pidfd_send_signal, pidfd, SIGUSR2, NULL, 0) == 0)
					say(c, "told php-fpm%s (pid %d) to reload", vers[j], (int)pid);
				else
					warn("cannot signal php-fpm%s (pid %d)", vers[j], (int)pid);
				break;
			}
		close(pidfd);
	}
	closedir(dir);
	return 0;
}
