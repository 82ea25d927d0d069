/*
 * queue_sel: the SELECTION of the queue verbs: terms ANDed, each may be
 * negated.  Terms over headers, the body and recipients are matched while
 * the file is read (q_sel_header/body/rcpt set a hit per term); the rest
 * at the end (q_sel_match).  Globs are fnmatch(3), case-insensitive for
 * addresses; regexes are POSIX extended.
 */
#include <arpa/inet.h>

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <bsd/string.h>

#include "pfqueue.h"
#include "queue.h"

long
q_duration(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || v < 0 || errno != 0)
		return -1;
	switch (*end) {
	case '\0': case 's': break;
	case 'm': v *= 60; break;
	case 'h': v *= 3600; break;
	case 'd': v *= 86400; break;
	default: return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	return v;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
load_ids(struct q_term *t, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "re");
	char line[256];
	size_t cap = 0;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p = line + strspn(line, " \t");
		p[strcspn(p, " \t\r\n")] = '\0';
		if (*p == '\0' || *p == '#')
			continue;
		if (!pfq_id_ok(p)) {
			snprintf(err, errlen, "%s: not a queue id: %.64s", path, p);
			fclose(f);
			return -1;
		}
		if (t->nids == cap) {
			char **n = reallocarray(t->ids, cap ? cap * 2 : 256, sizeof(*n));
			if (n == NULL) {
				fclose(f);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			t->ids = n;
			cap = cap ? cap * 2 : 256;
		}
		if ((t->ids[t->nids++] = strdup(p)) == NULL) {
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	qsort(t->ids, t->nids, sizeof(*t->ids), cmp_str);
	return 0;
}

static int
parse_client(struct q_term *t, const char *arg, char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(arg, '/');
	size_t n = slash ? (size_t)(slash - arg) : strlen(arg);
	int max;

	if (n >= sizeof(addr))
		goto bad;
	memcpy(addr, arg, n);
	addr[n] = '\0';
	if (inet_pton(AF_INET, addr, t->net) == 1) {
		t->net_family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, t->net) == 1) {
		t->net_family = AF_INET6;
		max = 128;
	} else
		goto bad;
	t->net_bits = max;
	if (slash != NULL) {
		char *end;
		long b = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end != '\0' || b < 0 || b > max)
			goto bad;
		t->net_bits = (int)b;
	}
	return 0;
bad:
	snprintf(err, errlen, "not an address or ADDR/LEN: %s", arg);
	return -1;
}

int
q_sel_option(struct q_sel *s, const char *opt, const char *arg, int negate,
    char *err, size_t errlen)
{
	static const struct { const char *name; enum q_term_kind kind; } kinds[] = {
		{ "uid", QT_UID }, { "user", QT_USER }, { "vhost", QT_VHOST },
		{ "script", QT_SCRIPT }, { "sasl", QT_SASL }, { "client", QT_CLIENT },
		{ "from", QT_FROM }, { "rcpt", QT_RCPT }, { "to", QT_RCPT },
		{ "header", QT_HEADER }, { "body", QT_BODY }, { "bounce", QT_BOUNCE },
		{ "older", QT_OLDER }, { "younger", QT_YOUNGER }, { "queue", QT_QUEUE },
		{ "id-file", QT_IDS },
	};
	struct q_term *t;
	size_t i;
	int rc;

	if (s->n == (int)(sizeof(s->t) / sizeof(s->t[0]))) {
		snprintf(err, errlen, "too many selection terms");
		return -1;
	}
	t = &s->t[s->n];
	memset(t, 0, sizeof(*t));
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].name, opt) == 0)
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0])) {
		snprintf(err, errlen, "no such term");
		return -1;
	}
	t->kind = kinds[i].kind;
	t->negate = negate;
	switch (t->kind) {
	case QT_UID: {
		char *end;
		t->num = strtol(arg, &end, 10);
		if (end == arg || *end != '\0' || t->num < 0) {
			snprintf(err, errlen, "not a uid: %s", arg);
			return -1;
		}
		break;
	}
	case QT_OLDER: case QT_YOUNGER:
		if ((t->num = q_duration(arg)) < 0) {
			snprintf(err, errlen, "not a duration (90s, 15m, 2h, 3d): %s", arg);
			return -1;
		}
		break;
	case QT_QUEUE:
		for (t->num = 0; t->num < Q_NQUEUES; t->num++)
			if (strcmp(q_queue_names[t->num], arg) == 0)
				break;
		if (t->num == Q_NQUEUES) {
			snprintf(err, errlen, "no such queue: %s (%s %s %s %s %s %s)", arg,
			    q_queue_names[0], q_queue_names[1], q_queue_names[2], q_queue_names[3],
			    q_queue_names[4], q_queue_names[5]);
			return -1;
		}
		break;
	case QT_CLIENT:
		if (parse_client(t, arg, err, errlen) == -1)
			return -1;
		break;
	case QT_IDS:
		if (load_ids(t, arg, err, errlen) == -1)
			return -1;
		break;
	case QT_HEADER: {
		const char *colon = strchr(arg, ':');
		const char *re;
		if (colon == NULL || colon == arg) {
			snprintf(err, errlen, "give 'Name: REGEX'");
			return -1;
		}
		if ((t->arg = strndup(arg, (size_t)(colon - arg))) == NULL)
			return -1;
		for (re = colon + 1; *re == ' ' || *re == '\t'; re++)
			;
		if ((rc = regcomp(&t->re, re, REG_EXTENDED | REG_NOSUB)) != 0) {
			regerror(rc, &t->re, err, errlen);
			return -1;
		}
		t->have_re = 1;
		break;
	}
	case QT_BODY:
		if ((rc = regcomp(&t->re, arg, REG_EXTENDED | REG_NOSUB)) != 0) {
			regerror(rc, &t->re, err, errlen);
			return -1;
		}
		t->have_re = 1;
		s->want_body = 1;
		break;
	case QT_BOUNCE:
		break;
	default:
		if ((t->arg = strdup(arg)) == NULL)
			return -1;
	}
	s->n++;
	i = strlen(s->text);
	snprintf(s->text + i, sizeof(s->text) - i, "%s%s--%s%s%s", i ? " " : "",
	    negate ? "--not " : "", opt, arg ? " " : "", arg ? arg : "");
	return 0;
}

void
q_sel_free(struct q_sel *s)
{
	int i;
	size_t k;

	for (i = 0; i < s->n; i++) {
		free(s->t[i].arg);
		if (s->t[i].have_re)
			regfree(&s->t[i].re);
		for (k = 0; k < s->t[i].nids; k++)
			free(s->t[i].ids[k]);
		free(s->t[i].ids);
	}
	s->n = 0;
}

void
q_sel_item_begin(const struct q_sel *s, struct q_item *it)
{
	(void)s;
	memset(it->sel_hit, 0, sizeof(it->sel_hit));
}

/* regexec over n bytes that may hold NULs: matched piece by piece. */
static int
bytes_match(const regex_t *re, const char *p, size_t n)
{
	char buf[4096];
	size_t k = n < sizeof(buf) - 1 ? n : sizeof(buf) - 1;
	const char *nul;

	if (memchr(p, '\0', n) == NULL && n < sizeof(buf) - 1) {
		memcpy(buf, p, k);
		buf[k] = '\0';
		return regexec(re, buf, 0, NULL, 0) == 0;
	}
	while (n > 0) {
		nul = memchr(p, '\0', n);
		k = nul ? (size_t)(nul - p) : n;
		{
			char *tmp = strndup(p, k);
			int hit = tmp != NULL && regexec(re, tmp, 0, NULL, 0) == 0;
			free(tmp);
			if (hit)
				return 1;
		}
		if (nul == NULL)
			break;
		n -= k + 1;
		p += k + 1;
	}
	return 0;
}

void
q_sel_header(const struct q_sel *s, struct q_item *it, const char *f, size_t n)
{
	int i;

	for (i = 0; i < s->n; i++) {
		const struct q_term *t = &s->t[i];
		size_t k;
		const char *v;

		if (t->kind != QT_HEADER || it->sel_hit[i])
			continue;
		k = strlen(t->arg);
		if (n <= k || strncasecmp(f, t->arg, k) != 0 || f[k] != ':')
			continue;
		for (v = f + k + 1; v < f + n && (*v == ' ' || *v == '\t'); v++)
			;
		it->sel_hit[i] = bytes_match(&t->re, v, n - (size_t)(v - f));
	}
}

void
q_sel_body(const struct q_sel *s, struct q_item *it, const char *l, size_t n)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->t[i].kind == QT_BODY && !it->sel_hit[i])
			it->sel_hit[i] = bytes_match(&s->t[i].re, l, n);
}

static int
glob_ci(const char *pat, const char *s, size_t n)
{
	char buf[QM_VAL_MAX + 1];

	if (n > QM_VAL_MAX)
		n = QM_VAL_MAX;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return fnmatch(pat, buf, FNM_CASEFOLD) == 0;
}

void
q_sel_rcpt(const struct q_sel *s, struct q_item *it, const char *r, size_t n)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (s->t[i].kind == QT_RCPT && !it->sel_hit[i])
			it->sel_hit[i] = glob_ci(s->t[i].arg, r, n);
}

static int
client_match(const struct q_term *t, const char *addr)
{
	unsigned char a[16];
	int full, rest;

	if (inet_pton(t->net_family, addr, a) != 1)
		return 0;
	full = t->net_bits / 8;
	rest = t->net_bits % 8;
	if (memcmp(a, t->net, (size_t)full) != 0)
		return 0;
	return rest == 0 || ((a[full] ^ t->net[full]) & (0xff << (8 - rest))) == 0;
}

static int
has_id(const struct q_term *t, const char *id)
{
	const char *key = id;

	return bsearch(&key, t->ids, t->nids, sizeof(*t->ids), cmp_str) != NULL;
}

static int
term_match(const struct q_term *t, int hit, const struct q_item *it, time_t now)
{
	const struct qmsg *m = &it->m;

	switch (t->kind) {
	case QT_UID: return m->uid == t->num;
	case QT_USER: return it->user[0] != '\0' && strcmp(it->user, t->arg) == 0;
	case QT_VHOST: return m->vhost.len > 0 && fnmatch(t->arg, m->vhost.v, 0) == 0;
	case QT_SCRIPT: return m->script.len > 0 && fnmatch(t->arg, m->script.v, 0) == 0;
	case QT_SASL: return m->sasl.len > 0 && fnmatch(t->arg, m->sasl.v, FNM_CASEFOLD) == 0;
	case QT_CLIENT: return m->client_addr.len > 0 && client_match(t, m->client_addr.v);
	case QT_FROM: return glob_ci(t->arg, m->sender.v, m->sender.len);
	case QT_RCPT: case QT_HEADER: case QT_BODY: return hit;
	case QT_BOUNCE: return m->bounce;
	case QT_OLDER: return now - m->arrival > t->num;
	case QT_YOUNGER: return now - m->arrival <= t->num;
	case QT_QUEUE: return it->queue == t->num;
	case QT_IDS: return has_id(t, m->id);
	}
	return 0;
}

int
q_sel_match(const struct q_sel *s, const struct q_item *it, time_t now)
{
	int i;

	for (i = 0; i < s->n; i++)
		if (term_match(&s->t[i], it->sel_hit[i], it, now) == s->t[i].negate)
			return 0;
	return 1;
}
