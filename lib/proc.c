/* proc: /proc readers and the parsers of stat, argv, SAPI and script. */
#include <sys/stat.h>

#include <bsd/string.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"

#define MAPS_MAX (1 << 20)

int
mo_proc_parse_stat(const char *buf, struct mo_stat *st)
{
	const char *open_paren, *close_paren, *p;
	unsigned long long v;
	size_t n;
	int field;
	char *end;

	memset(st, 0, sizeof(*st));
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (open_paren == NULL || close_paren == NULL || close_paren < open_paren)
		return -1;
	st->pid = (pid_t)strtol(buf, NULL, 10);
	n = (size_t)(close_paren - open_paren - 1);
	if (n >= sizeof(st->comm))
		n = sizeof(st->comm) - 1;
	memcpy(st->comm, open_paren + 1, n);
	st->comm[n] = '\0';
	p = close_paren + 1;
	if (p[0] != ' ' || p[1] == '\0')
		return -1;
	st->state = p[1];
	p += 2;
	/* fields after state: 4 ppid ... 22 starttime */
	for (field = 4; field <= 22; field++) {
		while (*p == ' ')
			p++;
		v = strtoull(p, &end, 10);
		if (end == p && *p == '-') {    /* negative fields (tty_nr -1) */
			(void)strtoll(p, &end, 10);
			v = 0;
		}
		if (end == p)
			return -1;
		if (field == 4)
			st->ppid = (pid_t)v;
		else if (field == 22)
			st->starttime = v;
		p = end;
	}
	return 0;
}

static int __attribute__((noinline))
proc_open_long(const char *procroot, pid_t pid)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%d", procroot, (int)pid);
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* "PROCROOT/PID" in a small buffer, without printf: the wrapper opens a
 * few of these per message, and a 4 KiB buffer and printf's frames below
 * its caller's reach fresh stack pages (each a page fault).  A long root
 * (a test's fake tree) or a negative pid takes the general way. */
int
mo_proc_open(const char *procroot, pid_t pid)
{
	char path[64], digits[16];
	size_t n = strlen(procroot), k = 0;
	unsigned long v = (unsigned long)pid;

	if (pid < 0 || n + 1 + sizeof(digits) > sizeof(path))
		return proc_open_long(procroot, pid);
	do
		digits[k++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	memcpy(path, procroot, n);
	path[n++] = '/';
	while (k > 0)
		path[n++] = digits[--k];
	path[n] = '\0';
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

/* read(2) again after a signal; on failure FD is closed, errno kept. */
static ssize_t
read_or_close(int fd, void *buf, size_t n)
{
	ssize_t r;
	int saved;

	do
		r = read(fd, buf, n);
	while (r == -1 && errno == EINTR);
	if (r == -1) {
		saved = errno;
		close(fd);
		errno = saved;
	}
	return r;
}

/* NAME under DIRFD into BUF, NUL-terminated; its length, or -1.  RECORD:
 * a first short read ending in a newline is all of it (mo_proc_record). */
static ssize_t
proc_read(int dirfd, const char *name, char *buf, size_t size, int record)
{
	ssize_t n, total = 0;
	int fd;

	if (size == 0) {
		errno = EINVAL;
		return -1;
	}
	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	while ((size_t)total < size - 1) {
		if ((n = read_or_close(fd, buf + total, size - 1 - (size_t)total)) == -1)
			return -1;
		if (n == 0)
			break;
		total += n;
		if (record && total == n && (size_t)total < size - 1 && buf[total - 1] == '\n')
			break;
	}
	close(fd);
	buf[total] = '\0';
	return total;
}

ssize_t
mo_proc_file(int dirfd, const char *name, char *buf, size_t size)
{
	return proc_read(dirfd, name, buf, size, 0);
}

ssize_t
mo_proc_record(int dirfd, const char *name, char *buf, size_t size)
{
	return proc_read(dirfd, name, buf, size, 1);
}

int
mo_proc_link(int dirfd, const char *name, char *out, size_t outsz)
{
	ssize_t n = readlinkat(dirfd, name, out, outsz - 1);

	if (n == -1)
		return -1;
	out[n] = '\0';
	return 0;
}

/*
 * maps is read as the kernel gives it (about a page a read) and searched as
 * it comes: libphp is mapped early (an Apache child's maps has it in its
 * first 6 KB of 33), and the rest is not read.  A match across two reads
 * is kept by carrying the last bytes over.  At most MAPS_MAX - 1 bytes are
 * looked at, as when maps was read whole.
 */
int
mo_proc_maps_libphp(int dirfd)
{
	static const char needle[] = "/libphp";
	const size_t nlen = sizeof(needle) - 1;
	char buf[8192];
	size_t keep = 0, len, total = 0, room;
	ssize_t n;
	int fd, found = 0;

	if ((fd = openat(dirfd, "maps", O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1)
		return -1;
	while (total < MAPS_MAX - 1) {
		room = sizeof(buf) - keep;
		if (room > MAPS_MAX - 1 - total)
			room = MAPS_MAX - 1 - total;
		if ((n = read_or_close(fd, buf + keep, room)) == -1)
			return -1;
		if (n == 0)
			break;
		total += (size_t)n;
		len = keep + (size_t)n;
		if (memmem(buf, len, needle, nlen) != NULL) {
			found = 1;
			break;
		}
		keep = len < nlen - 1 ? len : nlen - 1;
		memmove(buf, buf + len - keep, keep);
	}
	close(fd);
	return found;
}

/* ---- argv ---- */

const char *
mo_argv_next(const char *argv, size_t len, const char *w)
{
	const char *end = argv + len, *p;

	if (w == NULL)
		return len > 0 ? argv : NULL;
	p = w + strnlen(w, (size_t)(end - w)) + 1;
	return p < end ? p : NULL;
}

void
mo_argv_join(const char *argv, size_t len, char *out, size_t outsz)
{
	size_t i, n = 0;

	if (outsz == 0)
		return;
	while (len > 0 && argv[len - 1] == '\0')        /* not separators */
		len--;
	for (i = 0; i < len && n + 1 < outsz; i++) {
		unsigned char c = (unsigned char)argv[i];
		out[n++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	out[n] = '\0';
}

/* ---- names ---- */

const char *
mo_base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b != NULL ? b + 1 : path;
}

/* argv[0] of argv[0..len) into out, terminated (argv may not be). */
static const char *
argv0_of(const char *argv, size_t len, char *out, size_t outsz)
{
	size_t n = strnlen(argv, len);

	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, argv, n);
	out[n] = '\0';
	return out;
}

/* argv[0..len) ending in a NUL, so that every word is a C string: argv
 * itself, or a copy (cut) in buf. */
#define ARGV_COPY 4097
static const char *
terminated(const char *argv, size_t *len, char *buf)
{
	if (*len == 0 || argv[*len - 1] == '\0')
		return argv;
	if (*len >= ARGV_COPY)
		*len = ARGV_COPY - 1;
	memcpy(buf, argv, *len);
	buf[(*len)++] = '\0';
	return buf;
}

/* prefix, then only digits and dots: "php", "php8.2", "python3.11". */
static int
versioned(const char *name, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *p;

	if (strncmp(name, prefix, n) != 0)
		return 0;
	for (p = name + n; *p != '\0'; p++)
		if (!((*p >= '0' && *p <= '9') || *p == '.'))
			return 0;
	return 1;
}

static int
is_httpd(const char *n)
{
	return versioned(n, "apache") || versioned(n, "httpd") || strncmp(n, "httpd-", 6) == 0;
}

static const char *const mail_programs[] = {
	"sendmail", "postdrop", "qmail-inject", "mailorigin-sendmail",
	"mailorigin-send",      /* comm is cut at 15 characters */
	NULL,
};

static const char *const sapi_names[] = {
	[MO_SAPI_UNKNOWN] = "unknown", [MO_SAPI_FPM_MASTER] = "fpm-master",
	[MO_SAPI_FPM] = "fpm", [MO_SAPI_HTTPD] = "httpd", [MO_SAPI_MOD_PHP] = "mod_php",
	[MO_SAPI_CGI] = "cgi", [MO_SAPI_CLI] = "cli", [MO_SAPI_MAIL] = "mail",
};

const char *
mo_sapi_name(enum mo_sapi s)
{
	if ((size_t)s >= sizeof(sapi_names) / sizeof(sapi_names[0]))
		return "unknown";
	return sapi_names[s];
}

/* "(...)" of s into out. */
static void
between_parens(const char *s, char *out, size_t outsz)
{
	const char *a = strchr(s, '('), *b;
	size_t n;

	if (a == NULL || (b = strrchr(a, ')')) == NULL || b <= a + 1)
		return;
	n = (size_t)(b - a - 1);
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, a + 1, n);
	out[n] = '\0';
}

enum mo_sapi
mo_sapi_of(const char *comm, const char *argv, size_t len, const char *exe,
    char *extra, size_t extrasz)
{
	char title[256], a0[256];
	const char *names[3];
	size_t i, k;

	if (extrasz > 0)
		extra[0] = '\0';
	/* php-fpm's titles are one word (argv[0] rewritten) */
	mo_argv_join(argv, len, title, sizeof(title));
	if (strncmp(title, "php-fpm: pool ", 14) == 0) {
		strlcpy(extra, title + 14, extrasz);
		for (i = strlen(extra); i > 0 && extra[i - 1] == ' '; i--)
			extra[i - 1] = '\0';            /* the title is padded */
		return MO_SAPI_FPM;
	}
	if (strncmp(title, "php-fpm: master process", 23) == 0) {
		between_parens(title, extra, extrasz);
		return MO_SAPI_FPM_MASTER;
	}
	if (strncmp(title, "php-fpm:", 8) == 0)
		return MO_SAPI_FPM;
	names[0] = comm;
	names[1] = exe[0] != '\0' ? mo_base_name(exe) : "";
	names[2] = len > 0 && strchr(title, ':') == NULL ?
	    mo_base_name(argv0_of(argv, len, a0, sizeof(a0))) : "";
	for (i = 0; mail_programs[i] != NULL; i++)
		if (strcmp(names[0], mail_programs[i]) == 0 || strcmp(names[1], mail_programs[i]) == 0) {
			strlcpy(extra, i == 4 ? "mailorigin-sendmail" : mail_programs[i], extrasz);
			return MO_SAPI_MAIL;
		}
	for (k = 0; k < 3; k++) {
		if (names[k][0] == '\0')
			continue;
		if (versioned(names[k], "php-fpm"))
			return MO_SAPI_FPM;     /* a worker whose title is not read */
		if (versioned(names[k], "php-cgi"))
			return MO_SAPI_CGI;
		if (versioned(names[k], "php"))
			return MO_SAPI_CLI;
		if (is_httpd(names[k]))
			return MO_SAPI_HTTPD;
	}
	return MO_SAPI_UNKNOWN;
}

/* ---- interpreters and their scripts ---- */

struct rules {
	const char		*code;          /* -X: code follows, no script file */
	const char		*value;         /* -X: a value (rest of the word, or the next) */
	const char		*rest;          /* -X: eats the rest of the word only */
	char			 script;        /* -X: the script follows (php -f) */
	const char *const	*long_value;    /* --name VALUE */
	const char *const	*long_code;     /* --name: no script file */
	const char		*long_script;   /* --name FILE */
	int			 dashdash_stdin; /* "--": code from stdin (php) */
	int			 dash_ends;      /* "-": end of options (sh), else stdin */
};

static const char *const php_long[] = { "php-ini", "define", "zend-extension", "rf", "rc",
	"re", "ri", "rz", "process-begin", "process-code", "process-file", "process-end", NULL };
static const char *const php_long_code[] = { "run", NULL };
static const char *const py_long[] = { "check-hash-based-pycs", NULL };
static const char *const node_long[] = { "require", "loader", "experimental-loader", "import",
	"conditions", "title", "input-type", NULL };
static const char *const node_long_code[] = { "eval", "print", "interactive", NULL };
static const char *const sh_long[] = { "rcfile", "init-file", NULL };
static const char *const none[] = { NULL };

static const struct rules rules[] = {
	[MO_INTERP_PHP] = { "r", "cdzBRFEtS", "", 'f', php_long, php_long_code, "file", 1, 0 },
	[MO_INTERP_PERL] = { "eE", "IMm", "0lixCdDFV", 0, none, none, NULL, 0, 0 },
	[MO_INTERP_PYTHON] = { "cm", "WXQ", "", 0, py_long, none, NULL, 0, 0 },
	[MO_INTERP_RUBY] = { "e", "IrCE", "0FxTWK", 0, none, none, NULL, 0, 0 },
	[MO_INTERP_NODE] = { "epi", "rC", "", 0, node_long, node_long_code, NULL, 0, 0 },
	[MO_INTERP_SH] = { "cs", "oO", "", 0, sh_long, none, NULL, 0, 1 },
};

static const char *const interp_names[] = {
	[MO_INTERP_NONE] = "", [MO_INTERP_PHP] = "php", [MO_INTERP_PERL] = "perl",
	[MO_INTERP_PYTHON] = "python", [MO_INTERP_RUBY] = "ruby", [MO_INTERP_NODE] = "node",
	[MO_INTERP_SH] = "sh",
};

const char *
mo_interp_name(enum mo_interp i)
{
	if ((size_t)i >= sizeof(interp_names) / sizeof(interp_names[0]))
		return "";
	return interp_names[i];
}

static enum mo_interp
interp_by_name(const char *n)
{
	static const char *const shells[] = { "sh", "dash", "bash", "ash", "zsh", "ksh",
		"mksh", NULL };
	size_t i;

	if (versioned(n, "php"))
		return MO_INTERP_PHP;
	if (versioned(n, "perl"))
		return MO_INTERP_PERL;
	if (versioned(n, "python"))
		return MO_INTERP_PYTHON;
	if (versioned(n, "ruby"))
		return MO_INTERP_RUBY;
	if (strcmp(n, "node") == 0 || strcmp(n, "nodejs") == 0)
		return MO_INTERP_NODE;
	for (i = 0; shells[i] != NULL; i++)
		if (strcmp(n, shells[i]) == 0)
			return MO_INTERP_SH;
	return MO_INTERP_NONE;
}

enum mo_interp
mo_interp_of(const char *comm, const char *argv, size_t len, const char *exe)
{
	enum mo_interp i = MO_INTERP_NONE;
	char a0[256];

	if (exe[0] != '\0')
		i = interp_by_name(mo_base_name(exe));
	if (i == MO_INTERP_NONE && len > 0)
		i = interp_by_name(mo_base_name(argv0_of(argv, len, a0, sizeof(a0))));
	if (i == MO_INTERP_NONE)
		i = interp_by_name(comm);
	return i;
}

static int
listed(const char *const *list, const char *name, size_t n)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == n && strncmp(*list, name, n) == 0)
			return 1;
	return 0;
}

/* What word w (an option) means: 0 go on, 1 skip the next word too,
 * 2 the script is the rest (*file) or the next word (*file NULL), -1 no
 * script at all. */
static int
option(const struct rules *r, const char *w, const char **file)
{
	const char *p, *eq;
	size_t n;

	*file = NULL;
	if (w[1] == '-') {                      /* --long[=value] */
		eq = strchr(w + 2, '=');
		n = eq != NULL ? (size_t)(eq - w - 2) : strlen(w + 2);
		if (listed(r->long_code, w + 2, n))
			return -1;
		if (r->long_script != NULL && strlen(r->long_script) == n &&
		    strncmp(r->long_script, w + 2, n) == 0) {
			*file = eq != NULL ? eq + 1 : NULL;
			return 2;
		}
		return eq == NULL && listed(r->long_value, w + 2, n) ? 1 : 0;
	}
	for (p = w + 1; *p != '\0'; p++) {      /* bundled short options */
		if (strchr(r->code, *p) != NULL)
			return -1;
		if (r->script != 0 && *p == r->script) {
			*file = p[1] != '\0' ? p + 1 : NULL;
			return 2;
		}
		if (strchr(r->value, *p) != NULL)
			return p[1] == '\0' ? 1 : 0;    /* attached, or the next word */
		if (strchr(r->rest, *p) != NULL)
			return 0;
	}
	return 0;
}

int
mo_interp_script(enum mo_interp i, const char *argv, size_t len, const char *cwd,
    char *out, size_t outlen)
{
	const struct rules *r;
	const char *w, *script = NULL, *file;
	char copy[ARGV_COPY];
	int rc;

	argv = terminated(argv, &len, copy);
	if (i <= MO_INTERP_NONE || (size_t)i >= sizeof(rules) / sizeof(rules[0]) || len == 0)
		return -1;
	r = &rules[i];
	for (w = mo_argv_next(argv, len, NULL); (w = mo_argv_next(argv, len, w)) != NULL;) {
		if (strcmp(w, "--") == 0 || (r->dash_ends && strcmp(w, "-") == 0)) {
			if (r->dashdash_stdin)
				return -1;
			script = mo_argv_next(argv, len, w);
			break;
		}
		if (w[0] == '+' && i == MO_INTERP_SH) {         /* +o name, +e */
			if (strcmp(w, "+o") == 0 || strcmp(w, "+O") == 0)
				w = mo_argv_next(argv, len, w);
			if (w == NULL)
				break;
			continue;
		}
		if (w[0] != '-' || w[1] == '\0') {
			if (strcmp(w, "-") == 0)
				return -1;              /* standard input */
			script = w;
			break;
		}
		if ((rc = option(r, w, &file)) == -1)
			return -1;
		if (rc == 2) {
			script = file != NULL ? file : mo_argv_next(argv, len, w);
			break;
		}
		if (rc == 1 && (w = mo_argv_next(argv, len, w)) == NULL)
			break;
	}
	if (script == NULL || script[0] == '\0')
		return -1;
	if (script[0] == '/' || cwd == NULL || cwd[0] == '\0')
		strlcpy(out, script, outlen);
	else
		snprintf(out, outlen, "%s%s%s", cwd, cwd[strlen(cwd) - 1] == '/' ? "" : "/", script);
	return 0;
}

int
mo_cli_script(const char *argv, size_t len, const char *cwd, char *out, size_t outlen)
{
	return mo_interp_script(MO_INTERP_PHP, argv, len, cwd, out, outlen);
}

const char *
mo_sh_command(const char *argv, size_t len)
{
	static char copy[ARGV_COPY];    /* the command returned may point here */
	const char *w, *p;

	argv = terminated(argv, &len, copy);
	for (w = mo_argv_next(argv, len, NULL); (w = mo_argv_next(argv, len, w)) != NULL;) {
		if (w[0] != '-' || strcmp(w, "--") == 0 || w[1] == '-')
			return NULL;
		for (p = w + 1; *p != '\0'; p++)
			if (*p == 'c') {
				/* sh -c CMD, sh -ec CMD; options after -c still come first */
				while ((w = mo_argv_next(argv, len, w)) != NULL && w[0] == '-' &&
				    strcmp(w, "--") != 0)
					;
				if (w != NULL && strcmp(w, "--") == 0)
					w = mo_argv_next(argv, len, w);
				return w;
			}
		if (strcmp(w, "-o") == 0 || strcmp(w, "-O") == 0)
			if ((w = mo_argv_next(argv, len, w)) == NULL)
				return NULL;
	}
	return NULL;
}

int
mo_is_launcher(const char *name)
{
	static const char *const launchers[] = { "env", "nice", "ionice", "timeout", "stdbuf",
		"nohup", "setsid", "busybox", "chronic", "flock", NULL };
	size_t i;

	for (i = 0; launchers[i] != NULL; i++)
		if (strcmp(name, launchers[i]) == 0)
			return 1;
	return 0;
}

int
mo_is_cron(const char *name)
{
	return strcmp(name, "cron") == 0 || strcmp(name, "crond") == 0 ||
	    strcmp(name, "CRON") == 0;
}

int
mo_proc_parse_status_uid(const char *buf, uid_t *uid)
{
	const char *p = strstr(buf, "\nUid:");
	char *end;
	unsigned long v;

	if (p == NULL)
		return -1;
	p += 5;
	v = strtoul(p, &end, 10);
	if (end == p)
		return -1;
	*uid = (uid_t)v;
	return 0;
}

int
mo_proc_real_uid(int procfd, const char *pid, uid_t *uid)
{
	char buf[2048];
	int fd;
	ssize_t n;

	if ((fd = openat(procfd, pid, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	n = mo_proc_file(fd, "status", buf, sizeof(buf));
	close(fd);
	return n <= 0 || mo_proc_parse_status_uid(buf, uid) == -1 ? -1 : 0;
}

/* The fourth number of the line that starts with TAG ("\nUid:"). */
static int
status_fourth(const char *buf, const char *tag, unsigned long *v)
{
	const char *p = strstr(buf, tag);
	char *end;
	int i;

	if (p == NULL)
		return -1;
	p += strlen(tag);
	for (i = 0; i < 4; i++) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p < '0' || *p > '9')
			return -1;
		*v = strtoul(p, &end, 10);
		p = end;
	}
	return 0;
}

int
mo_proc_parse_status_creds(const char *buf, struct mo_creds *c)
{
	const char *p;
	unsigned long v;
	char *end;

	memset(c, 0, sizeof(*c));
	if (status_fourth(buf, "\nUid:", &v) == -1)
		return -1;
	c->fsuid = (uid_t)v;
	if (status_fourth(buf, "\nGid:", &v) == -1)
		return -1;
	c->fsgid = (gid_t)v;
	if ((p = strstr(buf, "\nGroups:")) == NULL)
		return -1;
	for (p += 8; *p != '\n' && *p != '\0';) {
		if (*p == ' ' || *p == '\t') {
			p++;
			continue;
		}
		if (*p < '0' || *p > '9')
			return -1;
		v = strtoul(p, &end, 10);
		p = end;
		if (c->ngroups == MO_GROUPS_MAX)
			c->groups_cut = 1;
		else
			c->groups[c->ngroups++] = (gid_t)v;
	}
	return 0;
}

int
mo_proc_parse_maps_line(char *line, struct mo_map_entry *me)
{
	char *p = line, *end;
	int i;

	me->start = strtoull(p, &end, 16);
	if (end == p || *end != '-')
		return -1;
	p = end + 1;
	me->end = strtoull(p, &end, 16);
	if (end == p || *end != ' ')
		return -1;
	p = end + 1;
	for (i = 0; i < 4 && p[i] != '\0' && p[i] != ' '; i++)
		me->perms[i] = p[i];
	me->perms[i] = '\0';
	if (i != 4 || p[4] != ' ')
		return -1;
	p += 5;
	me->offset = strtoull(p, &end, 16);
	if (end == p || *end != ' ')
		return -1;
	p = end + 1;
	/* dev major:minor */
	p = strchr(p, ' ');
	if (p == NULL)
		return -1;
	p++;
	me->inode = strtoul(p, &end, 10);
	if (end == p)
		return -1;
	p = end;
	while (*p == ' ')
		p++;
	end = p + strlen(p);
	if (end > p && end[-1] == '\n')
		end[-1] = '\0';
	me->path = p;
	return 0;
}
