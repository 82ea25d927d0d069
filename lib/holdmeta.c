/* holdmeta: a held message's meta file, written and read back. */
#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "holdmeta.h"
#include "spool.h"

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* Move the line's lone arg= pair (the last pair of m->kv) into args. */
static int
take_arg(struct mo_holdmeta *m, size_t *cap)
{
	struct mo_kv *kv = &m->kv.kv[m->kv.n - 1];
	char **a;

	if (strlen(kv->value) != kv->len) {
		errno = EINVAL;
		return -1;
	}
	if ((size_t)m->nargs + 1 >= *cap) {
		*cap = *cap ? *cap * 2 : 16;
		if ((a = reallocarray(m->args, *cap, sizeof(*a))) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		m->args = a;
	}
	m->args[m->nargs++] = kv->value;
	m->args[m->nargs] = NULL;
	free(kv->key);
	m->kv.n--;
	return 0;
}

static int
number(const struct mo_holdmeta *m, const char *key, long long max, long long *out)
{
	const char *v = mo_holdmeta_get(m, key), *errstr;

	if (v[0] == '\0')
		return -1;
	*out = strtonum(v, 0, max, &errstr);
	return errstr == NULL ? 0 : -1;
}

/* A value of the meta as an error may quote it: escaped, and short (the
 * meta is its writer's: never raw to a terminal). */
static const char *
quoted(char *buf, size_t len, const char *v)
{
	mo_escape(buf, len, len - 1, v, strnlen(v, 64));
	return buf;
}

static int
check(struct mo_holdmeta *m, char *err, size_t errlen)
{
	const char *own = mo_holdmeta_get(m, "owner");
	char q[96];
	long long v;

	if (strcmp(mo_holdmeta_get(m, "version"), "1") != 0)
		return fail(err, errlen, "version is \"%s\", not 1",
		    quoted(q, sizeof(q), mo_holdmeta_get(m, "version")));
	if (number(m, "time", (long long)1 << 40, &m->time) == -1)
		return fail(err, errlen, "no time");
	if (!mo_is_hold_id(mo_holdmeta_get(m, "id")))
		return fail(err, errlen, "no id");
	if (own[0] != '\0') {
		if (number(m, "owner", UINT32_MAX - 1, &v) == -1)
			return fail(err, errlen, "owner=%s is no uid", quoted(q, sizeof(q), own));
		m->owner = (uid_t)v;
	}
	/* an SMTP AUTH sender has no uid: the owner stands for it */
	if (mo_holdmeta_get(m, "uid")[0] != '\0' || own[0] == '\0') {
		if (number(m, "uid", UINT32_MAX - 1, &v) == -1)
			return fail(err, errlen, "no uid");
		m->uid = (uid_t)v;
	} else
		m->uid = m->owner;
	if (own[0] == '\0')
		m->owner = m->uid;
	if (number(m, "gid", UINT32_MAX - 1, &v) == -1)
		return fail(err, errlen, "no gid");
	m->gid = (gid_t)v;
	if (m->nargs == 0)
		return fail(err, errlen, "no arg= lines (the original argv)");
	/* the wrapper says how many arguments it wrote: a cut meta shows */
	if (number(m, "argc", INT_MAX, &v) == -1 || v != m->nargs)
		return fail(err, errlen, "argc=%s but %d arg= lines",
		    quoted(q, sizeof(q), mo_holdmeta_get(m, "argc")), m->nargs);
	return 0;
}

int
mo_holdmeta_parse(struct mo_holdmeta *m, const char *text, size_t len, char *err, size_t errlen)
{
	const char *p = text, *end = text + len, *nl;
	size_t before, errpos, cap = 0;
	int line = 0;

	memset(m, 0, sizeof(*m));
	if (len == 0 || text[len - 1] != '\n')
		return fail(err, errlen, "cut short (no newline at the end)");
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		line++;
		before = m->kv.n;
		if (mo_kv_parse(&m->kv, p, (size_t)(nl - p), &errpos) == -1)
			return fail(err, errlen, "line %d: %s at byte %zu", line,
			    errno == ENOMEM ? "out of memory" : "malformed", errpos + 1);
		if (m->kv.n == before + 1 && strcmp(m->kv.kv[before].key, "arg") == 0 &&
		    take_arg(m, &cap) == -1)
			return fail(err, errlen, "line %d: %s", line, errno == ENOMEM ?
			    "out of memory" : "an argument holds a NUL");
	}
	return check(m, err, errlen);
}

int
mo_holdmeta_owned(struct mo_holdmeta *m, uid_t file_uid, int speaks_for, char *err, size_t errlen)
{
	int has_owner = mo_holdmeta_get(m, "owner")[0] != '\0';
	int has_uid = mo_holdmeta_get(m, "uid")[0] != '\0';

	if (has_owner && m->owner != file_uid)
		return fail(err, errlen, "owner=%lu but the meta is owned by uid %lu",
		    (unsigned long)m->owner, (unsigned long)file_uid);
	if (!has_owner && m->uid != file_uid)
		return fail(err, errlen, "uid=%lu but the meta is owned by uid %lu",
		    (unsigned long)m->uid, (unsigned long)file_uid);
	if (has_uid && m->uid != file_uid && !speaks_for)
		return fail(err, errlen, "uid=%lu but the meta is owned by uid %lu, which "
		    "speaks for no other uid", (unsigned long)m->uid, (unsigned long)file_uid);
	m->owner = file_uid;
	return 0;
}

const char *
mo_holdmeta_get(const struct mo_holdmeta *m, const char *key)
{
	const char *v = mo_kv_str(&m->kv, key);

	return v != NULL ? v : "";
}

void
mo_holdmeta_free(struct mo_holdmeta *m)
{
	int i;

	for (i = 0; i < m->nargs; i++)
		free(m->args[i]);
	free(m->args);
	mo_kv_free(&m->kv);
	memset(m, 0, sizeof(*m));
}

int
mo_is_hold_id(const char *s)
{
	size_t i;

	for (i = 0; i < MO_ID_LEN; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[MO_ID_LEN] == '\0';
}

char *
mo_holdmeta_format(long long time, const char *reason, gid_t gid, const char *line,
    int argc, char *const argv[], size_t *len)
{
	size_t cap, n, i;
	char *buf;
	int k;

	/* the fixed lines, then each arg= record as mo_escape_record() sizes it */
	cap = 128 + strlen(reason) + strlen(line) + 1;
	for (k = 0; k < argc; k++)
		cap += 4 * strlen(argv[k]) + strlen(MO_HOLDMETA_ARG) + 5;
	if ((buf = malloc(cap)) == NULL)
		return NULL;
	n = (size_t)snprintf(buf, cap, "version=1\ntime=%lld\nreason=", time);
	for (i = 0; reason[i] != '\0'; i++)    /* a word of ours, kept a word */
		buf[n++] = strchr("\n\r= ", reason[i]) == NULL ? reason[i] : '_';
	n += (size_t)snprintf(buf + n, cap - n, "\ngid=%lu\nargc=%d\n", (unsigned long)gid, argc);
	for (i = 0; line[i] != '\0'; i++)      /* one line, whatever it holds */
		buf[n++] = line[i] == '\n' || line[i] == '\r' ? ' ' : line[i];
	buf[n++] = '\n';
	for (k = 0; k < argc; k++)
		n += mo_escape_record(buf + n, MO_HOLDMETA_ARG, argv[k], strlen(argv[k]));
	*len = n;
	return buf;
}
