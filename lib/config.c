/* config: load, check and query mailorigin.conf. */
#include <sys/auxv.h>
#include <sys/stat.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static const char *const top_keys[] = {
	"mta", "state_dir", "log", "headers", "vhosts",
	"limits", "max_recipients", "on_limit", "exempt", "fail",
	"message_size_limit", "hold_max_messages", "hold_max_bytes", NULL
};

/*
 * Pack the path strings in use, but SKIP's, at the front of strs.  Only
 * when strs is full (a string replaced several times): not inlined, so
 * that its 24 KiB buffer is no part of mo_config_set_path()'s frame.
 */
static __attribute__((noinline)) void
paths_compact(struct mo_config *c, const char **skip)
{
	const char **f[MO_CONFIG_PATHS] = { &c->mta_path, &c->state_dir, &c->log_file,
	    &c->qmail_queue, &c->lookup_socket };
	char tmp[MO_CONFIG_STRS];
	size_t off[MO_CONFIG_PATHS], i, n, used = 0;

	for (i = 0; i < MO_CONFIG_PATHS; i++) {
		if (f[i] == skip)
			continue;
		n = strlen(*f[i]) + 1;
		memcpy(tmp + used, *f[i], n);
		off[i] = used;
		used += n;
	}
	memcpy(c->strs, tmp, used);
	for (i = 0; i < MO_CONFIG_PATHS; i++)
		if (f[i] != skip)
			*f[i] = c->strs + off[i];
	c->strs_used = used;
}

int
mo_config_set_path(struct mo_config *c, const char **field, const char *v)
{
	size_t n = strnlen(v, PATH_MAX);
	char *p;

	if (n >= PATH_MAX) {
		errno = ENAMETOOLONG;
		return -1;
	}
	/* each of the other four is shorter than PATH_MAX: packed, they
	 * leave room for this one */
	if (sizeof(c->strs) - c->strs_used < n + 1)
		paths_compact(c, field);
	p = c->strs + c->strs_used;
	memmove(p, v, n + 1);   /* v may be one of c's own strings */
	c->strs_used += n + 1;
	*field = p;
	return 0;
}

void
mo_config_copy(struct mo_config *dst, const struct mo_config *src)
{
	memcpy(dst, src, offsetof(struct mo_config, strs) + src->strs_used);
	dst->mta_path = dst->strs + (src->mta_path - src->strs);
	dst->state_dir = dst->strs + (src->state_dir - src->strs);
	dst->log_file = dst->strs + (src->log_file - src->strs);
	dst->qmail_queue = dst->strs + (src->qmail_queue - src->strs);
	dst->lookup_socket = dst->strs + (src->lookup_socket - src->strs);
}

void
mo_config_defaults(struct mo_config *c)
{
	memset(c, 0, offsetof(struct mo_config, strs));
	c->mta_type = MO_MTA_POSTFIX;
	/* the empty string first: every field points into strs */
	c->strs[0] = '\0';
	c->strs_used = 1;
	c->log_file = c->strs;
	(void)mo_config_set_path(c, &c->mta_path, MO_DEFAULT_MTA_PATH);
	(void)mo_config_set_path(c, &c->qmail_queue, MO_DEFAULT_QMAIL_QUEUE);
	strlcpy(c->qmail_smtpd_user, MO_DEFAULT_QMAIL_SMTPD_USER, sizeof(c->qmail_smtpd_user));
	(void)mo_config_set_path(c, &c->lookup_socket, MO_DEFAULT_LOOKUP_SOCKET);
	(void)mo_config_set_path(c, &c->state_dir, MO_STATE_DIR);
	c->log_syslog = 1;
	strlcpy(c->header_prefix, MO_DEFAULT_PREFIX, sizeof(c->header_prefix));
	c->message_size_limit = MO_DEFAULT_MESSAGE_SIZE_LIMIT;
	c->hold_max_messages = MO_DEFAULT_HOLD_MAX_MESSAGES;
	c->hold_max_bytes = MO_DEFAULT_HOLD_MAX_BYTES;
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
	mo_limits_free(&c->limits);
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

/* A path string: absolute, as get_string() reads it, into *field. */
static int
get_path(struct mo_config *c, const config_setting_t *g, const char *key,
    const char **field, const char *name, char *err, size_t errlen)
{
	const config_setting_t *s = config_setting_get_member(g, key);
	const char *v;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return fail(err, errlen, name, line_of(s), "%s must be a string", key);
	v = config_setting_get_string(s);
	if (v[0] != '/')
		return fail(err, errlen, name, line_of(s), "%s must be an absolute path, not \"%s\"", key, v);
	if (mo_config_set_path(c, field, v) == -1)
		return fail(err, errlen, name, line_of(s), "%s is too long", key);
	return 0;
}

static int
read_mta(struct mo_config *c, const config_setting_t *g, const char *name, char *err, size_t errlen)
{
	static const char *const keys[] = { "type", "path", "queue", "smtpd_user", "lookup",
	    "remoteinfo_is_auth", NULL };
	const config_setting_t *t, *b;
	char type[16] = "";

	if (!config_setting_is_group(g))
		return fail(err, errlen, name, line_of(g), "mta must be a group { type = ...; path = ...; }");
	if (check_keys(g, keys, "mta", name, err, errlen) == -1 ||
	    get_string(g, "type", type, sizeof(type), 0, name, err, errlen) == -1 ||
	    get_path(c, g, "path", &c->mta_path, name, err, errlen) == -1 ||
	    get_path(c, g, "queue", &c->qmail_queue, name, err, errlen) == -1 ||
	    get_string(g, "smtpd_user", c->qmail_smtpd_user, sizeof(c->qmail_smtpd_user), 0, name,
	    err, errlen) == -1 ||
	    get_path(c, g, "lookup", &c->lookup_socket, name, err, errlen) == -1)
		return -1;
	/* tcpserver's TCPREMOTEINFO is an ident answer (the client's word)
	 * unless it runs with -R and an AUTH patch sets it: opt-in */
	if ((b = config_setting_get_member(g, "remoteinfo_is_auth")) != NULL) {
		if (config_setting_type(b) != CONFIG_TYPE_BOOL)
			return fail(err, errlen, name, line_of(b), "mta.remoteinfo_is_auth must be true or false");
		c->qmail_remoteinfo_auth = config_setting_get_bool(b);
	}
	t = config_setting_get_member(g, "type");
	if (t == NULL || strcmp(type, "postfix") == 0)
		c->mta_type = MO_MTA_POSTFIX;
	else if (strcmp(type, "qmail") == 0)
		c->mta_type = MO_MTA_QMAIL;
	else
		return fail(err, errlen, name, line_of(t), "mta.type must be \"postfix\" or \"qmail\", not \"%s\"", type);
	if (config_setting_get_member(g, "path") == NULL && c->mta_type == MO_MTA_QMAIL)
		(void)mo_config_set_path(c, &c->mta_path, "/var/qmail/bin/qmail-inject");
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
	    get_path(c, g, "file", &c->log_file, name, err, errlen) == -1)
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

/* "uid", "uid:33", "user:alice", "vhost", "sasl:bob@example.com", "all" into r. */
static int
parse_match(struct mo_rule *r, const char *m, const char **why)
{
	static const char *const kinds[] = { "uid", "user", "vhost", "sasl", "all" };
	const char *colon = strchr(m, ':'), *errstr;
	size_t len = colon ? (size_t)(colon - m) : strlen(m);
	int k;

	*why = "match must be \"uid\", \"user\", \"vhost\", \"sasl\", \"all\", or one of the "
	    "first four with \":value\"";
	for (k = 0; k < MO_MATCH_KINDS; k++)
		if (strlen(kinds[k]) == len && strncmp(m, kinds[k], len) == 0)
			break;
	if (k == MO_MATCH_KINDS || (k == MO_MATCH_ALL && colon != NULL))
		return -1;
	r->match = (enum mo_match)k;
	if (colon == NULL)
		return 0;
	if (colon[1] == '\0') {
		*why = "match has an empty value after \":\"";
		return -1;
	}
	if (k == MO_MATCH_UID) {
		strtonum(colon + 1, 0, UINT32_MAX - 1, &errstr);
		if (errstr != NULL) {
			*why = "uid in match is not a number";
			return -1;
		}
	}
	return (r->value = strdup(colon + 1)) != NULL ? 0 : -1;
}

static int
read_windows(struct mo_rule *r, const config_setting_t *g, const char *key, int unit,
    const char *name, char *err, size_t errlen)
{
	const config_setting_t *a = config_setting_get_member(g, key);
	const char *why;
	int i, n;

	if (a == NULL)
		return 0;
	if (!config_setting_is_array(a) && !config_setting_is_list(a))
		return fail(err, errlen, name, line_of(a), "%s must be a list like [ \"20/1m\" ]", key);
	n = config_setting_length(a);
	if (n > MO_MAX_WINDOWS)
		return fail(err, errlen, name, line_of(a), "at most %d %s windows", MO_MAX_WINDOWS, key);
	for (i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(a, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return fail(err, errlen, name, line_of(a), "%s must hold strings like \"20/1m\"", key);
		if (mo_window_parse(config_setting_get_string(e), unit, &r->windows[r->nwindows], &why) == -1)
			return fail(err, errlen, name, line_of(a), "%s \"%s\": %s", key,
			    config_setting_get_string(e), why);
		r->nwindows++;
	}
	return 0;
}

static int
read_limits(struct mo_config *c, const config_setting_t *l, const char *name, char *err, size_t errlen)
{
	static const char *const keys[] = { "match", "messages", "recipients", NULL };
	struct mo_limits *lim = &c->limits;
	const char *why;
	char m[128];
	int i, n;
	size_t j;

	if (!config_setting_is_list(l))
		return fail(err, errlen, name, line_of(l), "limits must be a list ( { match = ...; }, ... )");
	n = config_setting_length(l);
	if ((lim->rules = calloc((size_t)n + 1, sizeof(*lim->rules))) == NULL)
		return fail(err, errlen, name, 0, "out of memory");
	for (i = 0; i < n; i++) {
		const config_setting_t *g = config_setting_get_elem(l, (unsigned)i);
		struct mo_rule *r = &lim->rules[lim->nrules];

		r->line = line_of(g);
		if (!config_setting_is_group(g))
			return fail(err, errlen, name, r->line, "each limits entry must be a group { match = ...; }");
		m[0] = '\0';
		if (check_keys(g, keys, "a limits entry", name, err, errlen) == -1 ||
		    get_string(g, "match", m, sizeof(m), 0, name, err, errlen) == -1)
			return -1;
		lim->nrules++;
		if (m[0] == '\0')
			return fail(err, errlen, name, r->line, "a limits entry needs match = \"...\"");
		if (parse_match(r, m, &why) == -1)
			return fail(err, errlen, name, r->line, "match \"%s\": %s", m, why);
		if (read_windows(r, g, "messages", MO_UNIT_MESSAGES, name, err, errlen) == -1 ||
		    read_windows(r, g, "recipients", MO_UNIT_RECIPIENTS, name, err, errlen) == -1)
			return -1;
		if (r->nwindows == 0)
			return fail(err, errlen, name, r->line, "limit \"%s\" has no messages or recipients window", m);
		for (j = 0; j + 1 < lim->nrules; j++) {
			const struct mo_rule *o = &lim->rules[j];
			if (o->match == r->match && ((o->value == NULL && r->value == NULL) ||
			    (o->value && r->value && strcmp(o->value, r->value) == 0)))
				return fail(err, errlen, name, r->line,
				    "limit \"%s\" repeats the rule of line %d", m, o->line);
		}
	}
	return 0;
}

/* An optional whole number >= 0 (bytes or a count) into *out. */
static int
get_count(const config_setting_t *root, const char *key, unsigned long long *out,
    const char *name, char *err, size_t errlen)
{
	const config_setting_t *s = config_setting_get_member(root, key);

	if (s == NULL)
		return 0;
	if ((config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) || config_setting_get_int64(s) < 0)
		return fail(err, errlen, name, line_of(s), "%s must be a whole number >= 0", key);
	*out = (unsigned long long)config_setting_get_int64(s);
	return 0;
}

static int
read_limit_policy(struct mo_config *c, const config_setting_t *root, const char *name,
    char *err, size_t errlen)
{
	struct mo_limits *lim = &c->limits;
	const config_setting_t *s;
	char v[32];
	int i, n;

	if ((s = config_setting_get_member(root, "max_recipients")) != NULL) {
		if (config_setting_type(s) != CONFIG_TYPE_INT || config_setting_get_int(s) < 0)
			return fail(err, errlen, name, line_of(s), "max_recipients must be a whole number >= 0");
		lim->max_recipients = (unsigned long)config_setting_get_int(s);
	}
	v[0] = '\0';
	if (get_string(root, "on_limit", v, sizeof(v), 0, name, err, errlen) == -1)
		return -1;
	if (v[0] == '\0' || strcmp(v, "hold") == 0)
		lim->on_limit = MO_ON_LIMIT_HOLD;
	else if (strcmp(v, "tempfail") == 0)
		lim->on_limit = MO_ON_LIMIT_TEMPFAIL;
	else if (strcmp(v, "reject") == 0)
		lim->on_limit = MO_ON_LIMIT_REJECT;
	else
		return fail(err, errlen, name, line_of(config_setting_get_member(root, "on_limit")),
		    "on_limit must be \"hold\", \"tempfail\" or \"reject\", not \"%s\"", v);
	v[0] = '\0';
	if (get_string(root, "fail", v, sizeof(v), 0, name, err, errlen) == -1)
		return -1;
	if (v[0] == '\0' || strcmp(v, "open") == 0)
		lim->fail_closed = 0;
	else if (strcmp(v, "closed") == 0)
		lim->fail_closed = 1;
	else
		return fail(err, errlen, name, line_of(config_setting_get_member(root, "fail")),
		    "fail must be \"open\" or \"closed\", not \"%s\"", v);
	if ((s = config_setting_get_member(root, "exempt")) != NULL) {
		if (!config_setting_is_array(s) && !config_setting_is_list(s))
			return fail(err, errlen, name, line_of(s), "exempt must be a list like [ \"uid:0\" ]");
		n = config_setting_length(s);
		if ((lim->exempt = calloc((size_t)n + 1, sizeof(char *))) == NULL)
			return fail(err, errlen, name, 0, "out of memory");
		for (i = 0; i < n; i++) {
			const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
			struct mo_rule probe = { 0 };
			const char *str, *why;

			if (config_setting_type(e) != CONFIG_TYPE_STRING)
				return fail(err, errlen, name, line_of(s), "exempt must hold strings like \"uid:0\"");
			str = config_setting_get_string(e);
			if (parse_match(&probe, str, &why) == -1 || probe.value == NULL ||
			    probe.match == MO_MATCH_VHOST || probe.match == MO_MATCH_SASL) {
				free(probe.value);
				return fail(err, errlen, name, line_of(s),
				    "exempt \"%s\": must be \"uid:N\" or \"user:NAME\" (a vhost is "
				    "claimed by the sender and cannot exempt it)", str);
			}
			free(probe.value);
			if ((lim->exempt[lim->nexempt] = strdup(str)) == NULL)
				return fail(err, errlen, name, 0, "out of memory");
			lim->nexempt++;
		}
	}
	return 0;
}

/* Everything after the syntax: the keys and their values. */
static int
check_settings(struct mo_config *c, config_t *cfg, const char *name, char *err, size_t errlen)
{
	config_setting_t *root = config_root_setting(cfg), *s;

	if (check_keys(root, top_keys, "", name, err, errlen) == -1)
		return -1;
	if ((s = config_setting_get_member(root, "mta")) != NULL &&
	    read_mta(c, s, name, err, errlen) == -1)
		return -1;
	if (get_path(c, root, "state_dir", &c->state_dir, name, err, errlen) == -1)
		return -1;
	if ((s = config_setting_get_member(root, "log")) != NULL &&
	    read_log(c, s, name, err, errlen) == -1)
		return -1;
	if ((s = config_setting_get_member(root, "headers")) != NULL &&
	    read_headers(c, s, name, err, errlen) == -1)
		return -1;
	if ((s = config_setting_get_member(root, "vhosts")) != NULL &&
	    read_vhosts(c, s, name, err, errlen) == -1)
		return -1;
	if ((s = config_setting_get_member(root, "limits")) != NULL &&
	    read_limits(c, s, name, err, errlen) == -1)
		return -1;
	if (get_count(root, "message_size_limit", &c->message_size_limit, name, err, errlen) == -1 ||
	    get_count(root, "hold_max_messages", &c->hold_max_messages, name, err, errlen) == -1 ||
	    get_count(root, "hold_max_bytes", &c->hold_max_bytes, name, err, errlen) == -1)
		return -1;
	return read_limit_policy(c, root, name, err, errlen);
}

/* libconfig's @include opens the file it names by path, with none of the
 * checks mo_config_load() makes on the main file: a caller-writable file
 * included by root's config would decide the setgid wrapper's MTA, limits
 * and exemptions.  So no file is included.  libconfig 1.5 (Debian 12) has
 * no include hook; it opens include_dir "/" path, and with include_dir a
 * character device every such path fails (ENOTDIR), absolute or not.
 * 1.7 prefixes relative paths only, and has a hook that refuses them all. */
#define NO_INCLUDE_DIR "/dev/null"
#define NO_INCLUDE_ERR "cannot open include file"

#if LIBCONFIG_VER_MAJOR > 1 || (LIBCONFIG_VER_MAJOR == 1 && LIBCONFIG_VER_MINOR >= 7)
static const char **
refuse_include(config_t *cfg, const char *dir, const char *path, const char **error)
{
	(void)cfg; (void)dir; (void)path;
	*error = NO_INCLUDE_ERR;
	return NULL;
}
#endif

static void
no_includes(config_t *cfg)
{
	config_set_include_dir(cfg, NO_INCLUDE_DIR);
#if LIBCONFIG_VER_MAJOR > 1 || (LIBCONFIG_VER_MAJOR == 1 && LIBCONFIG_VER_MINOR >= 7)
	config_set_include_func(cfg, refuse_include);
#endif
}

/* Parse from fp, or from text when fp is NULL, and check. */
static int
parse(struct mo_config *c, FILE *fp, const char *text, const char *name, char *err, size_t errlen)
{
	config_t cfg;
	int rc = -1;

	config_init(&cfg);
	no_includes(&cfg);
	if ((fp != NULL ? config_read(&cfg, fp) : config_read_string(&cfg, text)) != CONFIG_TRUE) {
		if (config_error_text(&cfg) != NULL &&
		    strcmp(config_error_text(&cfg), NO_INCLUDE_ERR) == 0)
			fail(err, errlen, name, config_error_line(&cfg), "@include is refused: an "
			    "included file would escape the owner and mode check of this one");
		else
			fail(err, errlen, name, config_error_line(&cfg), "%s", config_error_text(&cfg));
	} else
		rc = check_settings(c, &cfg, name, err, errlen);
	config_destroy(&cfg);
	if (rc == -1)
		mo_config_free(c);
	return rc;
}

int
mo_config_read(struct mo_config *c, FILE *fp, const char *name, char *err, size_t errlen)
{
	return parse(c, fp, NULL, name, err, errlen);
}

/* A file this small is read whole, in one read(), and parsed from memory:
 * the stdio stream would cost a buffer and four more system calls (the
 * wrapper reads the config for every message). */
#define SMALL_CONFIG (256 * 1024)

/* 1 when fd (a regular file of st_size bytes, at offset 0) was read and
 * parsed, rc set; 0 when it is for the stream: larger, grown since the
 * fstat, or holding a NUL byte (which would end the text early: the
 * stream's parser says what it makes of it).  The offset is back at 0. */
static int
parse_small(struct mo_config *c, int fd, off_t size, const char *path, char *err, size_t errlen,
    int *rc)
{
	char *buf;
	ssize_t n;

	if (size < 0 || size >= SMALL_CONFIG || (buf = malloc((size_t)size + 2)) == NULL)
		return 0;
	/* a short read of a regular file is its end: one call, no second
	 * read() to see 0 */
	while ((n = read(fd, buf, (size_t)size + 1)) == -1 && errno == EINTR)
		;
	if (n == -1) {
		*rc = fail(err, errlen, path, 0, "%s", strerror(errno));
		free(buf);
		return 1;
	}
	if (n > size || memchr(buf, '\0', (size_t)n) != NULL) {
		free(buf);
		if (lseek(fd, 0, SEEK_SET) == 0)
			return 0;
		*rc = fail(err, errlen, path, 0, "%s", strerror(errno));
		return 1;
	}
	buf[n] = '\0';
	*rc = parse(c, NULL, buf, path, err, errlen);
	free(buf);
	return 1;
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
	if (parse_small(c, fd, st.st_size, path, err, errlen, &rc)) {
		close(fd);
		if (rc == -1)
			errno = EINVAL;
		return rc;
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

int
mo_privileged(void)
{
	return getauxval(AT_SECURE) != 0 || getuid() != geteuid() || getgid() != getegid();
}

const char *
mo_config_path(const char *given, int *ignored)
{
	const char *env = getenv("MAILORIGIN_CONF");

	if (ignored != NULL)
		*ignored = 0;
	if (given != NULL)
		return given;
	if (env == NULL || env[0] == '\0')
		return MO_CONF_PATH;
	if (mo_privileged()) {
		if (ignored != NULL)
			*ignored = 1;
		return MO_CONF_PATH;
	}
	return env;
}
