/* ratelimit: rules, matching and the GCRA arithmetic. */
#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "ratelimit.h"


const char *
mo_match_name(enum mo_match m)
{
	static const char *const names[] = { "uid", "user", "vhost", "sasl", "all" };

	return m < MO_MATCH_KINDS ? names[m] : "?";
}

int
mo_window_parse(const char *s, int unit, struct mo_window *w, const char **why)
{
	char num[16], *slash = strchr(s, '/');
	const char *errstr, *p;
	long long n, ms;
	const char *dwhy;
	char dur[32];
	uint64_t secs;
	size_t len;

	memset(w, 0, sizeof(*w));
	*why = "must look like \"20/1m\" (a count, \"/\", a duration of whole seconds: "
	    "90s, 30m, 1h30m, 2d)";
	if (slash == NULL || (len = (size_t)(slash - s)) == 0 || len >= sizeof(num))
		return -1;
	memcpy(num, s, len);
	num[len] = '\0';
	n = strtonum(num, 1, 1000000000, &errstr);
	if (errstr != NULL)
		return -1;
	p = slash + 1;
	/* the duration grammar of every program, in whole seconds; "5/h" is
	 * "5/1h" */
	snprintf(dur, sizeof(dur), "%s%s", isdigit((unsigned char)*p) ? "" : "1", p);
	if (strpbrk(dur, "smhd") == NULL)
		return -1;
	if ((ms = mo_duration_ms(dur, 366LL * 86400 * 1000, &dwhy)) <= 0 || ms % 1000 != 0) {
		if (ms == -1 && strcmp(dwhy, "too long") == 0)
			*why = "window longer than a year";
		return -1;
	}
	secs = (uint64_t)ms / 1000;
	if (secs > 366ULL * 86400) {
		*why = "window longer than a year";
		return -1;
	}
	/* the emission interval is kept in whole ns: exact while n*n <= window */
	if ((uint64_t)n * (uint64_t)n > secs * (uint64_t)MO_NS) {
		*why = "too many per window to count exactly (at most 31622 per second)";
		return -1;
	}
	w->n = (uint32_t)n;
	w->seconds = (uint32_t)secs;
	w->unit = unit;
	strlcpy(w->text, s, sizeof(w->text));
	return 0;
}

static int
value_matches(const struct mo_rule *r, const struct mo_sender *s)
{
	char uid[24];

	switch (r->match) {
	case MO_MATCH_UID:
		snprintf(uid, sizeof(uid), "%lu", (unsigned long)s->uid);
		return strcmp(r->value, uid) == 0;
	case MO_MATCH_USER:
		return s->user != NULL && strcmp(r->value, s->user) == 0;
	case MO_MATCH_VHOST:
		return s->vhost != NULL && strcmp(r->value, s->vhost) == 0;
	case MO_MATCH_SASL:
		return s->sasl != NULL && strcmp(r->value, s->sasl) == 0;
	default:
		return 0;
	}
}

int
mo_limits_exempt(const struct mo_limits *l, const struct mo_sender *s)
{
	char uid[32], user[96];
	size_t i;

	/* trusted facts only: the vhost is claimed by the sender */
	if (s->no_uid)
		return 0;
	snprintf(uid, sizeof(uid), "uid:%lu", (unsigned long)s->uid);
	snprintf(user, sizeof(user), "user:%s", s->user ? s->user : "");
	for (i = 0; i < l->nexempt; i++)
		if (strcmp(l->exempt[i], uid) == 0 || strcmp(l->exempt[i], user) == 0)
			return 1;
	return 0;
}

static void
cell_key(char *key, size_t len, enum mo_match m, const struct mo_sender *s)
{
	switch (m) {
	case MO_MATCH_UID:
		snprintf(key, len, "uid:%lu", (unsigned long)s->uid);
		break;
	case MO_MATCH_USER:
		snprintf(key, len, "user:%s", s->user ? s->user : "");
		break;
	case MO_MATCH_VHOST:
		snprintf(key, len, "vhost:%s", s->vhost ? s->vhost : "");
		break;
	case MO_MATCH_SASL:
		snprintf(key, len, "sasl:%s", s->sasl ? s->sasl : "");
		break;
	default:
		strlcpy(key, "all", len);
	}
}

/* The rule of each kind that applies to s (NULL: none). */
static void
pick_rules(const struct mo_limits *l, const struct mo_sender *s,
    const struct mo_rule *pick[MO_MATCH_KINDS])
{
	size_t i;

	for (i = 0; i < l->nrules; i++) {
		const struct mo_rule *r = &l->rules[i];
		if ((r->match == MO_MATCH_SASL && s->sasl == NULL) ||
		    (s->no_uid && r->match != MO_MATCH_SASL && r->match != MO_MATCH_ALL) ||
		    (s->skip & MO_KIND(r->match)))
			continue;
		if (r->value == NULL) {
			if (pick[r->match] == NULL)
				pick[r->match] = r;
		} else if (value_matches(r, s) &&
		    (pick[r->match] == NULL || pick[r->match]->value == NULL))
			pick[r->match] = r;
	}
}

unsigned
mo_limits_kinds(const struct mo_limits *l, const struct mo_sender *s)
{
	const struct mo_rule *pick[MO_MATCH_KINDS] = { NULL };
	unsigned kinds = 0;
	int k;

	pick_rules(l, s, pick);
	for (k = 0; k < MO_MATCH_KINDS; k++)
		if (pick[k] != NULL && pick[k]->nwindows > 0)
			kinds |= MO_KIND(k);
	return kinds;
}

size_t
mo_limits_cells(const struct mo_limits *l, const struct mo_sender *s,
    unsigned long rcpts, struct mo_cell *cells, size_t cap)
{
	const struct mo_rule *pick[MO_MATCH_KINDS] = { NULL };
	size_t j, n = 0;
	int k;

	pick_rules(l, s, pick);
	for (k = 0; k < MO_MATCH_KINDS; k++) {
		const struct mo_rule *r = pick[k];
		if (r == NULL)
			continue;
		for (j = 0; j < r->nwindows && n < cap; j++, n++) {
			cell_key(cells[n].key, sizeof(cells[n].key), r->match, s);
			cells[n].w = r->windows[j];
			cells[n].cost = r->windows[j].unit == MO_UNIT_MESSAGES ? 1 :
			    (rcpts > UINT32_MAX ? UINT32_MAX : (uint32_t)rcpts);
		}
	}
	return n;
}

void
mo_limits_free(struct mo_limits *l)
{
	size_t i;

	for (i = 0; i < l->nrules; i++)
		free(l->rules[i].value);
	free(l->rules);
	for (i = 0; i < l->nexempt; i++)
		free(l->exempt[i]);
	free(l->exempt);
	memset(l, 0, sizeof(*l));
}

static int64_t
interval(const struct mo_window *w)
{
	return (int64_t)w->seconds * MO_NS / w->n;
}

int
mo_gcra(int64_t tat, int64_t now, const struct mo_window *w, uint32_t c, int64_t *new_tat)
{
	int64_t t = (tat > now ? tat : now) + (int64_t)c * interval(w);

	/* room while the cell's debt stays within one window */
	if (c > w->n || t - now > (int64_t)w->seconds * MO_NS)
		return 0;
	*new_tat = t;
	return 1;
}

uint32_t
mo_gcra_used(int64_t tat, int64_t now, const struct mo_window *w)
{
	int64_t iv = interval(w), debt = tat - now;

	if (debt <= 0)
		return 0;
	debt = (debt + iv - 1) / iv;
	return debt > w->n ? w->n : (uint32_t)debt;
}
