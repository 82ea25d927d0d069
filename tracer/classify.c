/*
 * classify: SAPI of a process from comm, cmdline and exe.
 */
#include <string.h>

#include <bsd/string.h>

#include "classify.h"

static const char *const sapi_names[] = {
	[SAPI_NONE] = "-", [SAPI_FPM_MASTER] = "fpm-master", [SAPI_FPM] = "fpm",
	[SAPI_HTTPD] = "httpd", [SAPI_APACHE] = "mod_php", [SAPI_CGI] = "cgi",
	[SAPI_CLI] = "cli", [SAPI_MAIL] = "mail",
};

static const char *const mail_programs[] = {
	"sendmail", "postdrop", "qmail-inject", "mailorigin-sendmail",
	"mailorigin-send",  /* comm is cut at 15 characters */
	NULL,
};

const char *
sapi_name(enum sapi s)
{
	if ((size_t)s >= sizeof(sapi_names) / sizeof(sapi_names[0]))
		return "?";
	return sapi_names[s];
}

static const char *
base_name(const char *path)
{
	const char *b = strrchr(path, '/');

	return b ? b + 1 : path;
}

/* "php", "php8.2", "php7" and the like: "php" then digits and dots. */
static int
is_php_name(const char *name, const char *prefix)
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
copy_between(const char *s, char open, char close, char *out, size_t outsz)
{
	const char *a = strchr(s, open), *b;
	size_t n;

	if (a == NULL || (b = strrchr(a, close)) == NULL || b <= a + 1)
		return -1;
	n = (size_t)(b - a - 1);
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, a + 1, n);
	out[n] = '\0';
	return 0;
}

enum sapi
classify_process(const char *comm, const char *cmdline, const char *exe,
                 char *extra, size_t extrasz)
{
	const char *eb = base_name(exe), *p;
	size_t i;

	if (extrasz > 0)
		extra[0] = '\0';
	if (strncmp(cmdline, "php-fpm: pool ", 14) == 0) {
		p = cmdline + 14;
		strlcpy(extra, p, extrasz);
		/* the title is padded with spaces */
		for (i = strlen(extra); i > 0 && extra[i - 1] == ' '; i--)
			extra[i - 1] = '\0';
		return SAPI_FPM;
	}
	if (strncmp(cmdline, "php-fpm: master process", 23) == 0) {
		(void)copy_between(cmdline, '(', ')', extra, extrasz);
		return SAPI_FPM_MASTER;
	}
	for (i = 0; mail_programs[i] != NULL; i++)
		if (strcmp(comm, mail_programs[i]) == 0 ||
		    (exe[0] != '\0' && strcmp(eb, mail_programs[i]) == 0)) {
			strlcpy(extra, mail_programs[i], extrasz);
			if (strcmp(extra, "mailorigin-send") == 0)
				strlcpy(extra, "mailorigin-sendmail", extrasz);
			return SAPI_MAIL;
		}
	if (is_php_name(comm, "php-fpm") || is_php_name(eb, "php-fpm"))
		return SAPI_FPM;         /* a worker whose title we could not read */
	if (is_php_name(comm, "php-cgi") || is_php_name(eb, "php-cgi"))
		return SAPI_CGI;
	if (is_php_name(comm, "php") || (exe[0] != '\0' && is_php_name(eb, "php")))
		return SAPI_CLI;
	if (strcmp(comm, "apache2") == 0 || strcmp(comm, "httpd") == 0 ||
	    strncmp(comm, "httpd-", 6) == 0 || strcmp(eb, "apache2") == 0 ||
	    strcmp(eb, "httpd") == 0)
		return SAPI_HTTPD;
	return SAPI_NONE;
}

/* Options of php(1) that take a value in the next word. */
static int
takes_value(const char *opt)
{
	static const char *const with_value[] = {
		"-c", "-d", "-z", "-r", "-B", "-R", "-F", "-E", "-t", "-S", "--rf",
		"--rc", "--re", "--ri", "--rz", NULL,
	};
	size_t i;

	for (i = 0; with_value[i] != NULL; i++)
		if (strcmp(opt, with_value[i]) == 0)
			return 1;
	return 0;
}

int
cli_script(const char *cmdline, char *out, size_t outsz)
{
	char buf[1024], *word, *save = NULL;
	int first = 1, want_file = 0, skip = 0;

	strlcpy(buf, cmdline, sizeof(buf));
	for (word = strtok_r(buf, " ", &save); word != NULL;
	     word = strtok_r(NULL, " ", &save), first = 0) {
		if (first)
			continue;                       /* argv[0] */
		if (skip) {
			skip = 0;
			continue;
		}
		if (want_file) {
			strlcpy(out, word, outsz);
			return 0;
		}
		if (strcmp(word, "-f") == 0) {
			want_file = 1;
			continue;
		}
		if (strcmp(word, "--") == 0 || strcmp(word, "-r") == 0)
			return -1;                      /* code, not a file */
		if (word[0] == '-') {
			skip = takes_value(word);
			continue;
		}
		strlcpy(out, word, outsz);
		return 0;
	}
	return -1;
}
