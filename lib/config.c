/* config: load, check and query mailorigin.conf. */
#include <sys/stat.h>

#include <bsd/string.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static const char *const top_keys[] = {
	"mta", "state_dir", "log", "headers", "vhosts", NULL
};

void
mo_config_defaults(struct mo_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mta_type = MO_MTA_POSTFIX;
	strlcpy(c->mta_path, MO_DEFAULT_MTA_PATH, sizeof(c->mta_path));
	strlcpy(c->state_dir, MO_STATE_DIR, sizeof(c->state_dir));
	c->log_syslog = 1;
	strlcpy(c->header_prefix, MO_DEFAULT_PREFIX, sizeof(c->header_prefix));
}

void
mo_config_free(struct mo_config *c)
{
	size_t i;

	for (i = 0; i < c->nvhosts; i++) {
		free(c->vhosts[i].pattern);
		free(c->vhosts[i].name);
	}
	free(c->vhosts);
	c->vhosts = NULL;
	c->nvhosts = 0;
}

static int
fail(char *err, size_t errlen, const char *name, int line, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(err, errlen, "%s:%d: %s", name, line, msg);
	else
		snprintf(err, errlen, "%s: %s", name, msg);
	return -1;
}

static int
line_of(const config_setting_t *s)
{
	return s != NULL ? (int)config_setting_source_line(s) : 0;
}

/* Only the listed keys may appear in group g. */
static int
check_keys(const config_setting_t *g, const char *const *allowed, const char *where,
    const char *name, char *err, size_t errlen)
{
	int i, n = config_setting_length(g);

	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned)i);
		const char *k = config_setting_name(s);
		const char *const *a;

		for (a = allowed; *a != NULL; a++)
			if (k != NULL && strcmp(k, *a) == 0)
				break;
		if (*a == NULL)
			return fail(err, errlen, name, line_of(s), "unknown key \"%s\"%s%s",
			    k ? k : "?", where[0] ? " in " : "", where);
	}
	return 0;
}

/* A string setting at key under g (absent: untouched).  Must fit out. */
static int
get_string(const config_setting_t *g, const char *key, char *out, size_t outlen,
    int absolute, const char *name, char *err, size_t errlen)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	const char *v;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(err, errlen, name, line_of(s), "%s must be a string", key);
	v = config_setting_get_string(s);
	if (absolute && v[0] != '/')
		return fail(err, errlen, name, line_of(s), "%s must be an absolute path, not \"%s\"", key, v);
	if (strlcpy(out, v, outlen) >= outlen)
		return fail(err, errlen, name, line_of(s), "%s is too long", key);
	return 0;
}

static int
read_mta(struct mo_config *c, const config_setting_t *g, const char *name, char *err, size_t errlen)
{
	static const char *const keys[] = { "type", "path", NULL };
	const config_setting_t *t;
	char type[16] = "";

	if (!config_setting_is_group(g))
		return fail(err, errlen, name, line_of(g), "mta must be a group { type = ...; path = ...; }");
	if (check_keys(g, keys, "mta", name, err, errlen) == -1 ||
	    get_string(g, "type", type, sizeof(type), 0, name, err, errlen) == -1 ||
	    get_string(g, "path", c->mta_path, sizeof(c->mta_path), 1, name, err, errlen) == -1)
		return -1;
	t = config_setting_get_member(g, "type");
	if (t == NULL || strcmp(type, "postfix") == 0)
		c->mta_type = MO_MTA_POSTFIX;
	else if (strcmp(type, "qmail") == 0)
		c->mta_type = MO_MTA_QMAIL;
	else
		return fail(err, errlen, name, line_of(t), "mta.type must be \"postfix\" or \"qmail\", not \"%s\"", type);
	if (config_setting_get_member(g, "path") == NULL && c->mta_type == MO_MTA_QMAIL)
		strlcpy(c->mta_path, "/var/qmail/bin/qmail-inject", sizeof(c->mta_path));
	return 0;
}

static int
read_log(struct mo_config *c, const config_setting_t *g, const char *name, char *err, size_t errlen)
{
	static const char *const keys[] = { "file", "syslog", NULL };
	const config_setting_t *s;

	if (!config_setting_is_group(g))
		return fail(err, errlen, name, line_of(g), "log must be a group { file = ...; syslog = ...; }");
	if (check_keys(g, keys, "log", name, err, errlen) == -1 ||
	    get_string(g, "file", c->log_file, sizeof(c->log_file), 1, name, err, errlen) == -1)
		return -1;
	if ((s = config_setting_get_member(g, "syslog")) != NULL) {
		if (config_setting_type(s) != CONFIG_TYPE_BOOL)
			return fail(err, errlen, name, line_of(s), "log.syslog must be true or false");
		c->log_syslog = config_setting_get_bool(s);
	}
	return 0;
}

static int
read_headers(struct mo_config *c, const config_setting_t *g, const char *name, char *err, size_t errlen)
{
	static const char *const keys[] = { "prefix", NULL };
	const char *p;

	if (!config_setting_is_group(g))
		return fail(err, errlen, name, line_of(g), "headers must be a group { prefix = ...; }");
	if (check_keys(g, keys, "headers", name, err, errlen) == -1 ||
	    get_string(g, "prefix", c->header_prefix, sizeof(c->header_prefix), 0, name, err, errlen) == -1)
		return -1;
	if (c->header_prefix[0] == '\0')
		return fail(err, errlen, name, line_of(g), "headers.prefix must not be empty");
	for (p = c->header_prefix; *p; p++)
		if (*p < 33 || *p > 126 || *p == ':')
			return fail(err, errlen, name, line_of(g),
			    "headers.prefix \"%s\" may hold only printable ASCII without ':' or spaces", c->header_prefix);
	return 0;
}

static int
read_vhosts(struct mo_config *c, const config_setting_t *l, const char *name, char *err, size_t errlen)
{
	static const char *const keys[] = { "path", "name", NULL };
	int i, n;

	if (!config_setting_is_list(l) && !config_setting_is_array(l))
		return fail(err, errlen, name, line_of(l), "vhosts must be a list ( { path = ...; }, ... )");
	n = config_setting_length(l);
	if ((c->vhosts = calloc((size_t)n + 1, sizeof(*c->vhosts))) == NULL)
		return fail(err, errlen, name, 0, "out of memory");
	for (i = 0; i < n; i++) {
		const config_setting_t *r = config_setting_get_elem(l, (unsigned)i);
		struct mo_vhost_rule *v = &c->vhosts[c->nvhosts];
		char path[PATH_MAX] = "", vname[256] = "";

		v->line = line_of(r);
		if (!config_setting_is_group(r))
			return fail(err, errlen, name, v->line, "each vhosts entry must be a group { path = ...; }");
		if (check_keys(r, keys, "a vhosts entry", name, err, errlen) == -1 ||
		    get_string(r, "path", path, sizeof(path), 1, name, err, errlen) == -1 ||
		    get_string(r, "name", vname, sizeof(vname), 0, name, err, errlen) == -1)
			return -1;
		if (path[0] == '\0')
			return fail(err, errlen, name, v->line, "a vhosts entry needs path = \"/...\"");
		if (vname[0] == '\0' && strchr(path, '*') == NULL)
			return fail(err, errlen, name, v->line,
			    "vhosts path \"%s\" has no \"*\": give name = \"...\"", path);
		if ((v->pattern = strdup(path)) == NULL ||
		    (vname[0] && (v->name = strdup(vname)) == NULL))
			return fail(err, errlen, name, 0, "out of memory");
		c->nvhosts++;
	}
	return 0;
}

int
mo_config_read(struct mo_config *c, FILE *fp, const char *name, char *err, size_t errlen)
{
	config_t cfg;
	config_setting_t *root, *s;
	int rc = -1;

	config_init(&cfg);
	if (config_read(&cfg, fp) != CONFIG_TRUE) {
		fail(err, errlen, name, config_error_line(&cfg), "%s", config_error_text(&cfg));
		goto out;
	}
	root = config_root_setting(&cfg);
	if (check_keys(root, top_keys, "", name, err, errlen) == -1)
		goto out;
	if ((s = config_setting_get_member(root, "mta")) != NULL &&
	    read_mta(c, s, name, err, errlen) == -1)
		goto out;
	if (get_string(root, "state_dir", c->state_dir, sizeof(c->state_dir), 1, name, err, errlen) == -1)
		goto out;
	if ((s = config_setting_get_member(root, "log")) != NULL &&
	    read_log(c, s, name, err, errlen) == -1)
		goto out;
	if ((s = config_setting_get_member(root, "headers")) != NULL &&
	    read_headers(c, s, name, err, errlen) == -1)
		goto out;
	if ((s = config_setting_get_member(root, "vhosts")) != NULL &&
	    read_vhosts(c, s, name, err, errlen) == -1)
		goto out;
	rc = 0;
out:
	config_destroy(&cfg);
	if (rc == -1)
		mo_config_free(c);
	return rc;
}

int
mo_config_load(struct mo_config *c, const char *path, uid_t owner, char *err, size_t errlen)
{
	struct stat st;
	FILE *fp;
	int fd, rc, saved;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		saved = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(saved));
		errno = saved;
		return -1;
	}
	if (fstat(fd, &st) == -1) {
		saved = errno;
		close(fd);
		snprintf(err, errlen, "%s: %s", path, strerror(saved));
		errno = saved;
		return -1;
	}
	errno = EPERM;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return fail(err, errlen, path, 0, "not a regular file");
	}
	if (st.st_uid != 0 && st.st_uid != owner) {
		close(fd);
		return fail(err, errlen, path, 0, "owned by uid %lu, not by root: refused",
		    (unsigned long)st.st_uid);
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		close(fd);
		return fail(err, errlen, path, 0, "writable by group or others (mode %03o): refused",
		    (unsigned)(st.st_mode & 0777));
	}
	if ((fp = fdopen(fd, "r")) == NULL) {
		saved = errno;
		close(fd);
		errno = saved;
		return fail(err, errlen, path, 0, "%s", strerror(saved));
	}
	rc = mo_config_read(c, fp, path, err, errlen);
	fclose(fp);
	if (rc == -1)
		errno = EINVAL;
	return rc;
}

/* The n-th (0-based) component of path into out. */
static int
component(const char *path, int n, char *out, size_t outlen)
{
	const char *p = path, *end;

	for (;;) {
		while (*p == '/')
			p++;
		if (*p == '\0')
			return -1;
		end = strchrnul(p, '/');
		if (n-- == 0)
			break;
		p = end;
	}
	if ((size_t)(end - p) >= outlen)
		return -1;
	memcpy(out, p, (size_t)(end - p));
	out[end - p] = '\0';
	return 0;
}

const char *
mo_vhost_match(const struct mo_config *c, const char *path, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; i < c->nvhosts; i++) {
		const struct mo_vhost_rule *v = &c->vhosts[i];
		char pat[PATH_MAX];
		size_t n = strlcpy(pat, v->pattern, sizeof(pat));
		const char *star, *q;
		int comp = 0;

		while (n > 1 && pat[n - 1] == '/')
			pat[--n] = '\0';
		if (fnmatch(pat, path, FNM_PATHNAME | FNM_LEADING_DIR) != 0)
			continue;
		if (v->name != NULL) {
			strlcpy(out, v->name, outlen);
			return out;
		}
		star = strchr(pat, '*');
		for (q = pat; q < star; q++)
			if (*q == '/' && q[1] != '/' && q[1] != '\0')
				comp++;
		if (component(path, comp - 1, out, outlen) == 0)
			return out;
	}
	return NULL;
}
