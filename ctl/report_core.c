/* report_core: messages, the join and the counts of mailoriginctl report. */
#include <sys/types.h>

#include <bsd/stdlib.h>
#include <stddef.h>

#include <err.h>
#include <inttypes.h>
#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "escape.h"
#include "json.h"
#include "kvparse.h"
#include "report_core.h"

#define HIST_N 60

static const char *const key_names[RK_NKEYS] = {
	"uid", "user", "vhost", "script", "sasl", "client", "sender", "rcpt-domain",
	"status", "action", "hour"
};

const char *
rpt_key_name(enum rpt_key k)
{
	return key_names[k];
}

int
rpt_key_parse(const char *s)
{
	int i;

	for (i = 0; i < RK_NKEYS; i++)
		if (strcmp(s, key_names[i]) == 0)
			return i;
	return -1;
}

static void *
xcalloc(size_t n, size_t sz)
{
	void *p = calloc(n, sz);

	if (p == NULL)
		err(EX_OSERR, "report");
	return p;
}

static uint64_t
hash(const void *p, size_t n, uint64_t h)
{
	const unsigned char *s = p;
	uint64_t w;

	/* eight bytes a step, multiply and fold */
	h ^= n * 0x9e3779b97f4a7c15ULL;
	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	if (n) {
		w = 0;
		memcpy(&w, s, n);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
	}
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}
#define H0 0xcbf29ce484222325ULL

/* ---- strings: each distinct value once ------------------------------------- */

struct istr {
	struct istr	*next;
	uint64_t	 h;
	size_t		 n;
	char		 s[];
};

struct itab {
	struct istr	**b;
	size_t		 nb, n;
};

static void
itab_grow(struct itab *t)
{
	size_t nb = t->nb ? t->nb * 2 : 4096, i;
	struct istr **b = xcalloc(nb, sizeof(*b)), *e, *nx;

	for (i = 0; i < t->nb; i++)
		for (e = t->b[i]; e; e = nx) {
			nx = e->next;
			e->next = b[e->h & (nb - 1)];
			b[e->h & (nb - 1)] = e;
		}
	free(t->b);
	t->b = b;
	t->nb = nb;
}

/* The one copy of s[0..n) (NUL-terminated; a NUL inside is kept). */
static const char *
intern(struct itab *t, const char *s, size_t n)
{
	uint64_t h = hash(s, n, H0);
	struct istr *e;

	if (t->nb)
		for (e = t->b[h & (t->nb - 1)]; e; e = e->next)
			if (e->h == h && e->n == n && memcmp(e->s, s, n) == 0)
				return e->s;
	if (t->n >= t->nb)
		itab_grow(t);
	e = xcalloc(1, sizeof(*e) + n + 1);
	e->h = h;
	e->n = n;
	memcpy(e->s, s, n);
	e->next = t->b[h & (t->nb - 1)];
	t->b[h & (t->nb - 1)] = e;
	t->n++;
	return e->s;
}

static size_t
istr_len(const char *s)
{
	return s ? ((const struct istr *)(s - offsetof(struct istr, s)))->n : 0;
}

static void
itab_free(struct itab *t)
{
	size_t i;
	struct istr *e, *nx;

	for (i = 0; i < t->nb; i++)
		for (e = t->b[i]; e; e = nx) {
			nx = e->next;
			free(e);
		}
	free(t->b);
}

/* ---- one message ------------------------------------------------------------ */

enum { ST_NONE, ST_SENT, ST_DEFERRED, ST_BOUNCED, ST_EXPIRED };

struct rrcpt {
	uint64_t	 h;             /* of the address */
	const char	*domain;
	uint8_t		 st;
};

/* What a message's origin is, from whichever line said it. */
struct origin {
	long		 uid;           /* -1: none */
	const char	*user, *vhost, *script, *sasl, *client, *sender, *action;
};

struct rmsg {
	struct rmsg	*hnext, *lprev, *lnext;
	char		 id[32];
	size_t		 idlen;
	int64_t		 t;
	struct origin	 o;
	const char	*final;         /* held, rejected, ... when not from recipients */
	uint32_t	 nrcpt;
	struct rrcpt	*r;
	uint32_t	 nr, rcap;
	int		 local, joined;
};

/* A wrapper line waiting for its Postfix message. */
struct wrec {
	struct wrec	*fnext;         /* same uid, in time order */
	struct wrec	*hnext;         /* same msgid hash */
	struct wrec	*aprev, *anext; /* all, in time order */
	int64_t		 t;
	struct origin	 o;
	uint32_t	 rcpts;
	const char	*msgid;         /* core, interned in the msgid table, or NULL */
	int		 used;
};

struct ufifo {
	struct ufifo	*next;
	long		 uid;
	struct wrec	*head, *tail;
};

struct account {
	struct account	*next;
	long		 uid;
	const char	*user, *vhost, *uid_s;
};

/* ---- counts per origin -------------------------------------------------------- */

struct agg {
	struct agg	*next;
	uint64_t	 h;
	const char	*k[RPT_MAX_BY];
	unsigned long	 count, rcpts, before;
	int64_t		 first, last;
	int		 wi;            /* width index of hist */
	uint32_t	 hist[HIST_N];
};

static const int64_t widths[] = {
	60, 300, 600, 1800, 3600, 7200, 21600, 43200, 86400, 2 * 86400, 4 * 86400,
	8 * 86400, 16 * 86400, 32 * 86400, 64 * 86400, 128 * 86400, 256 * 86400, 512 * 86400
};
#define NWIDTHS ((int)(sizeof(widths) / sizeof(widths[0])))

struct rpt {
	struct rpt_opts		 o;
	struct itab		 strs, ids;
	/* open messages */
	struct rmsg		**mb;
	size_t			 nmb, nopen, peak;
	struct rmsg		*lru_head, *lru_tail;   /* head: oldest */
	/* wrapper lines */
	struct wrec		**wb;   /* by msgid */
	size_t			 nwb;
	struct ufifo		**ub;
	size_t			 nub;
	struct wrec		*age_head, *age_tail;
	size_t			 nwrec;
	uint64_t		*seen;  /* wrapper ids seen (dedup of file and syslog) */
	size_t			 nseen, capseen;
	struct account		*acct[256];
	/* qmail: delivery number -> message */
	struct qdlv { unsigned long dlv, msg; uint64_t to_h; const char *domain; } *qd;
	size_t			 nqd;
	/* counts */
	struct agg		**ab;
	size_t			 nab, nagg;
	int64_t			 t0;
	int			 t0_set, wi;
	int			 need[RK_NKEYS];        /* keys asked for */
	const char		*st_names[5];
	unsigned long long	 total, total_rcpts, before_total;
	int64_t			 first, last;
	struct rpt_stats	 st;
};

struct rpt *
rpt_new(const struct rpt_opts *o)
{
	struct rpt *r = xcalloc(1, sizeof(*r));

	r->o = *o;
	if (r->o.max_open == 0)
		r->o.max_open = RPT_MAX_OPEN;
	r->nmb = 1 << 12;
	r->mb = xcalloc(r->nmb, sizeof(*r->mb));
	r->nwb = 1 << 12;
	r->wb = xcalloc(r->nwb, sizeof(*r->wb));
	r->nub = 1 << 10;
	r->ub = xcalloc(r->nub, sizeof(*r->ub));
	r->nab = 1 << 10;
	r->ab = xcalloc(r->nab, sizeof(*r->ab));
	r->nqd = 4096;
	r->qd = xcalloc(r->nqd, sizeof(*r->qd));
	r->first = INT64_MAX;
	r->last = INT64_MIN;
	{
		static const char *const names[] = { NULL, "sent", "deferred", "bounced", "expired" };
		int i;
		for (i = 0; i < o->nby; i++)
			r->need[o->by[i]] = 1;
		for (i = 1; i < 5; i++)
			r->st_names[i] = intern(&r->strs, names[i], strlen(names[i]));
	}
	if (o->since != INT64_MIN) {
		r->t0 = o->since;
		r->t0_set = 1;
	}
	return r;
}

static const char *
S(struct rpt *r, struct rp_str s)
{
	return s.p ? intern(&r->strs, s.p, s.n) : NULL;
}

static const char *
uid_str(struct rpt *r, long uid)
{
	char b[24];

	if (uid < 0)
		return NULL;
	return intern(&r->strs, b, (size_t)snprintf(b, sizeof(b), "%ld", uid));
}

/* user and vhost of a uid (the caller's naming: passwd, vhost rules), cached */
static const struct account *
account(struct rpt *r, long uid)
{
	struct account **b = &r->acct[(unsigned long)uid & 255], *a;
	char u[256], v[256];

	for (a = *b; a; a = a->next)
		if (a->uid == uid)
			return a;
	a = xcalloc(1, sizeof(*a));
	a->uid = uid;
	a->uid_s = uid_str(r, uid);
	if (r->o.name_uid != NULL) {
		r->o.name_uid(r->o.name_ctx, uid, u, sizeof(u), v, sizeof(v));
		if (u[0])
			a->user = intern(&r->strs, u, strlen(u));
		if (v[0])
			a->vhost = intern(&r->strs, v, strlen(v));
	}
	a->next = *b;
	*b = a;
	return a;
}

/* ---- counting ------------------------------------------------------------------- */

static int64_t
wbase(const struct rpt *r, int wi)
{
	int64_t w = widths[wi], b = r->t0 / w * w;

	if (r->t0 < 0 && r->t0 % w)
		b -= w;
	return b;
}

static void
hist_to(struct rpt *r, struct agg *a, int wi)
{
	uint32_t h[HIST_N];
	int64_t b1 = wbase(r, a->wi), b2 = wbase(r, wi);
	int i;

	if (a->wi == wi)
		return;
	memset(h, 0, sizeof(h));
	for (i = 0; i < HIST_N; i++) {
		int64_t j = (b1 + i * widths[a->wi] - b2) / widths[wi];
		if (j >= HIST_N)
			j = HIST_N - 1;
		h[j < 0 ? 0 : j] += a->hist[i];
	}
	memcpy(a->hist, h, sizeof(h));
	a->wi = wi;
}

static void
hist_add(struct rpt *r, struct agg *a, int64_t t)
{
	int64_t j;

	if (!r->t0_set) {
		r->t0 = t;
		r->t0_set = 1;
	}
	while ((t - wbase(r, r->wi)) / widths[r->wi] >= HIST_N && r->wi < NWIDTHS - 1)
		r->wi++;
	hist_to(r, a, r->wi);
	j = (t - wbase(r, r->wi)) / widths[r->wi];
	if (j < 0)
		j = 0;
	if (j >= HIST_N)
		j = HIST_N - 1;
	a->hist[j]++;
}

static struct agg *
agg_get(struct rpt *r, const char *const *k)
{
	uint64_t h = hash(k, sizeof(*k) * (size_t)r->o.nby, H0);
	struct agg *a, **b;
	size_t i;

	for (a = r->ab[h & (r->nab - 1)]; a; a = a->next)
		if (a->h == h && memcmp(a->k, k, sizeof(*k) * (size_t)r->o.nby) == 0)
			return a;
	if (r->nagg >= r->nab * 2) {
		size_t nb = r->nab * 4;
		struct agg **nbk = xcalloc(nb, sizeof(*nbk)), *nx;
		for (i = 0; i < r->nab; i++)
			for (a = r->ab[i]; a; a = nx) {
				nx = a->next;
				a->next = nbk[a->h & (nb - 1)];
				nbk[a->h & (nb - 1)] = a;
			}
		free(r->ab);
		r->ab = nbk;
		r->nab = nb;
	}
	a = xcalloc(1, sizeof(*a));
	a->h = h;
	memcpy(a->k, k, sizeof(*k) * (size_t)r->o.nby);
	a->first = INT64_MAX;
	a->last = INT64_MIN;
	a->wi = r->wi;
	b = &r->ab[h & (r->nab - 1)];
	a->next = *b;
	*b = a;
	r->nagg++;
	return a;
}

static const char *
status_of(struct rpt *r, const struct rmsg *m)
{
	int worst = ST_NONE, seen[5] = { 0 };
	uint32_t i;

	if (m->final)
		return m->final;
	for (i = 0; i < m->nr; i++)
		seen[m->r[i].st] = 1;
	if (seen[ST_BOUNCED])
		worst = ST_BOUNCED;
	else if (seen[ST_EXPIRED])
		worst = ST_EXPIRED;
	else if (seen[ST_DEFERRED])
		worst = ST_DEFERRED;
	else if (seen[ST_SENT])
		worst = ST_SENT;
	return worst ? r->st_names[worst] : NULL;
}

static void
count_one(struct rpt *r, const char *const *k, int64_t t, unsigned long rcpts)
{
	struct agg *a = agg_get(r, k);

	if (t < r->o.since) {
		a->before++;
		r->before_total++;
		return;
	}
	a->count++;
	a->rcpts += rcpts;
	if (t < a->first)
		a->first = t;
	if (t > a->last)
		a->last = t;
	hist_add(r, a, t);
}

/* A message is over: count it once (per recipient domain for rcpt-domain). */
static void
count_msg(struct rpt *r, const struct rmsg *m)
{
	const char *k[RPT_MAX_BY];
	unsigned long rcpts = m->nr ? m->nr : m->nrcpt;
	int i, dk = -1;

	r->st.messages++;
	if (m->t >= r->o.until)
		return;
	for (i = 0; i < r->o.nby; i++) {
		const struct origin *o = &m->o;
		switch (r->o.by[i]) {
		case RK_UID: k[i] = o->uid < 0 ? NULL : account(r, o->uid)->uid_s; break;
		case RK_USER: k[i] = o->user; break;
		case RK_VHOST: k[i] = o->vhost; break;
		case RK_SCRIPT: k[i] = o->script; break;
		case RK_SASL: k[i] = o->sasl; break;
		case RK_CLIENT: k[i] = o->client; break;
		case RK_SENDER: k[i] = o->sender; break;
		case RK_STATUS: k[i] = status_of(r, m); break;
		case RK_ACTION: k[i] = o->action; break;
		case RK_RCPT_DOMAIN: k[i] = NULL; dk = i; break;
		case RK_HOUR: {
			char b[32];
			struct tm tm;
			time_t tt = (time_t)m->t;
			localtime_r(&tt, &tm);
			k[i] = intern(&r->strs, b, strftime(b, sizeof(b), "%Y-%m-%d %H:00", &tm));
			break;
		}
		default: k[i] = NULL;
		}
	}
	if (m->t >= r->o.since) {
		r->total++;
		r->total_rcpts += rcpts;
		if (m->t < r->first)
			r->first = m->t;
		if (m->t > r->last)
			r->last = m->t;
	}
	if (dk == -1 || m->nr == 0) {
		count_one(r, k, m->t, rcpts);
		return;
	}
	/* one entry per distinct domain, with that domain's recipients */
	{
		uint32_t j, l;
		for (j = 0; j < m->nr; j++) {
			unsigned long n = 0;
			for (l = 0; l < j; l++)
				if (m->r[l].domain == m->r[j].domain)
					break;
			if (l < j)
				continue;
			for (l = j; l < m->nr; l++)
				n += m->r[l].domain == m->r[j].domain;
			k[dk] = m->r[j].domain;
			count_one(r, k, m->t, n);
		}
	}
}

/* ---- open messages ---------------------------------------------------------------- */

static void
lru_unlink(struct rpt *r, struct rmsg *m)
{
	if (m->lprev)
		m->lprev->lnext = m->lnext;
	else
		r->lru_head = m->lnext;
	if (m->lnext)
		m->lnext->lprev = m->lprev;
	else
		r->lru_tail = m->lprev;
	m->lprev = m->lnext = NULL;
}

static void
lru_push(struct rpt *r, struct rmsg *m)
{
	m->lprev = r->lru_tail;
	m->lnext = NULL;
	if (r->lru_tail)
		r->lru_tail->lnext = m;
	else
		r->lru_head = m;
	r->lru_tail = m;
}

static struct rmsg **
mslot(struct rpt *r, const char *id, size_t n)
{
	uint64_t h = hash(id, n, H0);
	struct rmsg **p = &r->mb[h & (r->nmb - 1)];

	while (*p && ((*p)->idlen != n || memcmp((*p)->id, id, n) != 0))
		p = &(*p)->hnext;
	return p;
}

static void
msg_done(struct rpt *r, struct rmsg *m)
{
	struct rmsg **p = mslot(r, m->id, m->idlen);

	if (*p == m)
		*p = m->hnext;
	lru_unlink(r, m);
	r->nopen--;
	count_msg(r, m);
	free(m->r);
	free(m);
}

static void
grow_msgs(struct rpt *r)
{
	size_t nb = r->nmb * 2, i;
	struct rmsg **b = xcalloc(nb, sizeof(*b)), *m, *nx;

	for (i = 0; i < r->nmb; i++)
		for (m = r->mb[i]; m; m = nx) {
			uint64_t h = hash(m->id, m->idlen, H0);
			nx = m->hnext;
			m->hnext = b[h & (nb - 1)];
			b[h & (nb - 1)] = m;
		}
	free(r->mb);
	r->mb = b;
	r->nmb = nb;
}

/* The open message id (created when new, at time t); NULL when id is too long. */
static struct rmsg *
msg_get(struct rpt *r, const char *id, size_t n, int64_t t, int create)
{
	struct rmsg **p, *m;

	if (n == 0 || n >= sizeof(m->id))
		return NULL;
	p = mslot(r, id, n);
	if ((m = *p) != NULL) {
		if (m != r->lru_tail) {
			lru_unlink(r, m);
			lru_push(r, m);
		}
		return m;
	}
	if (!create)
		return NULL;
	while (r->nopen >= r->o.max_open && r->lru_head) {
		r->st.evicted++;
		msg_done(r, r->lru_head);
	}
	if (r->nopen >= r->nmb)
		grow_msgs(r);
	/* the slot again: an eviction may have freed the message it was in */
	p = mslot(r, id, n);
	m = xcalloc(1, sizeof(*m));
	memcpy(m->id, id, n);
	m->idlen = n;
	m->t = t;
	m->o.uid = -1;
	m->hnext = *p;
	*p = m;
	lru_push(r, m);
	if (++r->nopen > r->peak)
		r->peak = r->nopen;
	return m;
}

static void
add_rcpt(struct rpt *r, struct rmsg *m, struct rp_str to, int st)
{
	uint64_t h = hash(to.p, to.n, H0);
	const char *at = r->need[RK_RCPT_DOMAIN] ? memrchr(to.p, '@', to.n) : NULL;
	uint32_t i;

	for (i = 0; i < m->nr; i++)
		if (m->r[i].h == h) {
			/* a later line says more: deferred then sent */
			m->r[i].st = (uint8_t)st;
			return;
		}
	if (m->nr == m->rcap) {
		uint32_t nc = m->rcap ? m->rcap * 2 : 2;
		struct rrcpt *nr = reallocarray(m->r, nc, sizeof(*nr));
		if (nr == NULL)
			err(EX_OSERR, "report");
		m->r = nr;
		m->rcap = nc;
	}
	m->r[m->nr].h = h;
	m->r[m->nr].st = (uint8_t)st;
	if (!r->need[RK_RCPT_DOMAIN])
		m->r[m->nr].domain = NULL;      /* not asked for: not kept */
	else
		m->r[m->nr].domain = at ? intern(&r->strs, at + 1, (size_t)(to.p + to.n - at - 1)) :
		    intern(&r->strs, "", 0);
	m->nr++;
}

static int
status_code(struct rp_str s)
{
	if (s.n == 4 && memcmp(s.p, "sent", 4) == 0)
		return ST_SENT;
	if (s.n == 8 && memcmp(s.p, "deferred", 8) == 0)
		return ST_DEFERRED;
	if (s.n == 7 && memcmp(s.p, "bounced", 7) == 0)
		return ST_BOUNCED;
	if (s.n == 7 && memcmp(s.p, "expired", 7) == 0)
		return ST_EXPIRED;
	return ST_NONE;
}

/* ---- wrapper lines ------------------------------------------------------------------- */

static struct ufifo *
ufifo(struct rpt *r, long uid, int create)
{
	struct ufifo **b = &r->ub[(unsigned long)uid & (r->nub - 1)], *f;

	for (f = *b; f; f = f->next)
		if (f->uid == uid)
			return f;
	if (!create)
		return NULL;
	f = xcalloc(1, sizeof(*f));
	f->uid = uid;
	f->next = *b;
	*b = f;
	return f;
}

/* Count a wrapper line alone (no MTA line joined it) and forget it. */
static void
wrec_count(struct rpt *r, struct wrec *w)
{
	struct rmsg m;

	memset(&m, 0, sizeof(m));
	m.t = w->t;
	m.o = w->o;
	m.nrcpt = w->rcpts;
	m.final = intern(&r->strs, "unseen", 6);
	count_msg(r, &m);
}

/* Unlink w from every list and free it (it is the head of its uid's FIFO). */
static void
wrec_drop(struct rpt *r, struct ufifo *f, struct wrec *w)
{
	if (f->head == w) {
		f->head = w->fnext;
		if (f->tail == w)
			f->tail = NULL;
	}
	if (w->msgid != NULL) {
		struct wrec **p = &r->wb[hash(w->msgid, istr_len(w->msgid), H0) & (r->nwb - 1)];
		while (*p && *p != w)
			p = &(*p)->hnext;
		if (*p)
			*p = w->hnext;
	}
	if (w->aprev)
		w->aprev->anext = w->anext;
	else
		r->age_head = w->anext;
	if (w->anext)
		w->anext->aprev = w->aprev;
	else
		r->age_tail = w->aprev;
	r->nwrec--;
	free(w);
}

/* Drop the used and the too old from the head of a uid's FIFO. */
static void
wrec_trim(struct rpt *r, struct ufifo *f, int64_t now)
{
	while (f->head && (f->head->used || now - f->head->t > RPT_JOIN_WINDOW)) {
		struct wrec *w = f->head;
		if (!w->used)
			wrec_count(r, w);
		wrec_drop(r, f, w);
	}
}

static int
seen_wrapper_id(struct rpt *r, uint64_t id)
{
	size_t i;

	if (r->nseen * 2 >= r->capseen) {
		size_t nc = r->capseen ? r->capseen * 2 : 4096, j;
		uint64_t *ns = xcalloc(nc, sizeof(*ns));
		for (j = 0; j < r->capseen; j++)
			if (r->seen[j]) {
				size_t k = (size_t)(r->seen[j] * 0x9e3779b97f4a7c15ULL) & (nc - 1);
				while (ns[k])
					k = (k + 1) & (nc - 1);
				ns[k] = r->seen[j];
			}
		free(r->seen);
		r->seen = ns;
		r->capseen = nc;
	}
	id |= 1;        /* 0 marks an empty slot */
	for (i = (size_t)(id * 0x9e3779b97f4a7c15ULL) & (r->capseen - 1); r->seen[i];
	    i = (i + 1) & (r->capseen - 1))
		if (r->seen[i] == id)
			return 1;
	r->seen[i] = id;
	r->nseen++;
	return 0;
}

static const char *
kvs(struct rpt *r, const struct mo_kvline *l, const char *key)
{
	const struct mo_kv *kv = mo_kv_get(l, key);

	return kv && kv->len ? intern(&r->strs, kv->value, kv->len) : NULL;
}

/* A line of the wrapper (or of mailoriginctl, which has no id= of a message). */
static int
wrapper_line(struct rpt *r, int64_t t, struct rp_str rest)
{
	struct mo_kvline l = { NULL, 0, 0 };
	const char *id, *action, *uid;
	struct wrec *w;
	struct ufifo *f;
	size_t errpos;
	uint64_t idv;
	char *end;
	int rc = 0;

	if (mo_kv_parse(&l, rest.p, rest.n, &errpos) == -1) {
		mo_kv_free(&l);
		return -1;
	}
	id = mo_kv_str(&l, "id");
	action = mo_kv_str(&l, "action");
	uid = mo_kv_str(&l, "uid");
	if (id == NULL || action == NULL || uid == NULL) {
		mo_kv_free(&l);
		return 1;       /* a fault line, a refusal, mailoriginctl's verbs */
	}
	idv = strtoull(id, &end, 16);
	if (*end != '\0')
		idv = hash(id, strlen(id), H0);
	if (seen_wrapper_id(r, idv)) {
		r->st.dup_wrapper++;
		mo_kv_free(&l);
		return 0;
	}
	w = xcalloc(1, sizeof(*w));
	w->t = t;
	w->o.uid = strtol(uid, &end, 10);
	if (*end != '\0' || w->o.uid < 0)
		w->o.uid = -1, rc = -1;
	w->o.user = kvs(r, &l, "user");
	w->o.vhost = kvs(r, &l, "vhost");
	w->o.script = kvs(r, &l, "script");
	w->o.sender = kvs(r, &l, "from");
	w->o.action = intern(&r->strs, action, strlen(action));
	w->rcpts = (uint32_t)strtoul(mo_kv_str(&l, "rcpts") ? mo_kv_str(&l, "rcpts") : "0", NULL, 10);
	if (strcmp(action, "pass") != 0 || rc == -1) {
		/* held, refused: the MTA never sees it */
		struct rmsg m;
		memset(&m, 0, sizeof(m));
		m.t = t;
		m.o = w->o;
		m.nrcpt = w->rcpts;
		m.final = strcmp(action, "hold") == 0 ? intern(&r->strs, "held", 4) :
		    strcmp(action, "reject") == 0 ? intern(&r->strs, "rejected", 8) : w->o.action;
		count_msg(r, &m);
		free(w);
		mo_kv_free(&l);
		return rc;
	}
	{
		const struct mo_kv *mid = mo_kv_get(&l, "msgid");
		if (mid && mid->len) {
			struct rp_str c = rp_msgid_core((struct rp_str){ mid->value, mid->len });
			if (c.n) {
				struct wrec **b;
				w->msgid = intern(&r->ids, c.p, c.n);
				b = &r->wb[hash(w->msgid, c.n, H0) & (r->nwb - 1)];
				w->hnext = *b;
				*b = w;
			}
		}
	}
	f = ufifo(r, w->o.uid, 1);
	if (f->tail)
		f->tail->fnext = w;
	else
		f->head = w;
	f->tail = w;
	w->aprev = r->age_tail;
	if (r->age_tail)
		r->age_tail->anext = w;
	else
		r->age_head = w;
	r->age_tail = w;
	r->nwrec++;
	/* bounded: the oldest waiting lines are counted alone */
	while (r->nwrec > r->o.max_open) {
		struct wrec *old = r->age_head;
		struct ufifo *of = ufifo(r, old->o.uid, 0);
		if (!old->used)
			wrec_count(r, old);
		old->used = 1;
		/* it may sit behind others of its uid: unlink from the age list
		 * only when it is the FIFO head, else mark and let trim free it */
		if (of && of->head == old)
			wrec_drop(r, of, old);
		else
			break;
	}
	mo_kv_free(&l);
	return 0;
}

static void
apply_wrapper(struct rmsg *m, struct wrec *w)
{
	m->o.user = w->o.user;
	m->o.vhost = w->o.vhost;
	m->o.script = w->o.script;
	m->o.action = w->o.action;
	m->joined = 1;
	w->used = 1;
}

/* A local message's Message-ID is known: find its wrapper line. */
static void
join(struct rpt *r, struct rmsg *m, struct rp_str msgid, int64_t t)
{
	struct rp_str c = rp_msgid_core(msgid);
	struct ufifo *f = ufifo(r, m->o.uid, 0);
	struct wrec *w;

	if (f == NULL)
		return;
	wrec_trim(r, f, t);
	if (c.n && r->ids.n) {
		uint64_t h = hash(c.p, c.n, H0);
		for (w = r->wb[h & (r->nwb - 1)]; w; w = w->hnext)
			if (!w->used && w->o.uid == m->o.uid && istr_len(w->msgid) == c.n &&
			    memcmp(w->msgid, c.p, c.n) == 0)
				break;
		if (w != NULL) {
			apply_wrapper(m, w);
			r->st.joined++;
			wrec_trim(r, f, t);
			return;
		}
	}
	/* the oldest of that uid that named no Message-ID (Postfix made one) */
	for (w = f->head; w; w = w->fnext)
		if (!w->used && w->msgid == NULL && w->t <= t + 2)
			break;
	if (w != NULL) {
		apply_wrapper(m, w);
		r->st.joined++;
	}
	wrec_trim(r, f, t);
}

/* ---- qmail ---------------------------------------------------------------------------- */

static void
qmail_id(char *b, size_t len, unsigned long msg, size_t *n)
{
	*n = (size_t)snprintf(b, len, "q%lu", msg);
}

static struct qdlv *
qdlv(struct rpt *r, unsigned long dlv)
{
	return &r->qd[dlv % r->nqd];
}

/* ---- one line ---------------------------------------------------------------------------- */

static void
postfix_event(struct rpt *r, const struct rp_event *e, int64_t t)
{
	struct rmsg *m;
	int create = e->kind != PF_REMOVED;

	if (e->kind == PF_BOUNCE) {
		/* it names the notification's own ID, which is a message of
		 * its own (sender <>); the original gains nothing from it, and
		 * is not made again when its "removed" came first */
		m = msg_get(r, e->newqid.p, e->newqid.n, t, 1);
		if (m != NULL && m->o.sender == NULL)
			m->o.sender = intern(&r->strs, "", 0);
		return;
	}
	if ((m = msg_get(r, e->qid.p, e->qid.n, t, create)) == NULL) {
		if (e->kind != PF_REMOVED)
			r->st.bad++;
		return;
	}
	switch (e->kind) {
	case PF_PICKUP:
		m->local = 1;
		if (e->has_uid) {
			const struct account *a = account(r, (long)e->uid);
			m->o.uid = (long)e->uid;
			if (!m->joined) {
				m->o.user = a->user;
				m->o.vhost = a->vhost;
			}
		}
		break;
	case PF_CLIENT:
		if (r->need[RK_CLIENT])
			m->o.client = S(r, e->client);
		if (e->sasl.n && r->need[RK_SASL])
			m->o.sasl = S(r, e->sasl);
		break;
	case PF_MSGID:
		if (m->local && m->o.uid >= 0 && !m->joined)
			join(r, m, e->msgid, t);
		break;
	case PF_QMGR:
		if (r->need[RK_SENDER])
			m->o.sender = S(r, e->from);
		m->nrcpt = (uint32_t)e->nrcpt;
		break;
	case PF_EXPIRED:
		m->final = intern(&r->strs, "expired", 7);
		break;
	case PF_DELIVERY:
		add_rcpt(r, m, e->to, status_code(e->status));
		break;
	case PF_HOLD:
		m->final = intern(&r->strs, "held", 4);
		break;
	case PF_RELEASE:
		m->final = NULL;
		break;
	case PF_REJECT:
		m->final = intern(&r->strs, "rejected", 8);
		break;
	case PF_REMOVED:
		msg_done(r, m);
		break;
	default:
		break;
	}
}

static void
qmail_event(struct rpt *r, const struct rp_event *e, int64_t t)
{
	char id[32];
	size_t n;
	struct rmsg *m;
	struct qdlv *d;

	if (e->kind == QM_AUTH || e->kind == QM_AUTH_FAIL) {
		/* a login, not a message: qmail logs no message number with it */
		struct rmsg a;
		memset(&a, 0, sizeof(a));
		a.t = t;
		a.o.uid = -1;
		a.o.sasl = S(r, e->sasl);
		a.o.client = S(r, e->client);
		a.final = e->kind == QM_AUTH ? intern(&r->strs, "auth", 4) :
		    intern(&r->strs, "auth-failed", 11);
		count_msg(r, &a);
		return;
	}
	if (e->kind == QM_DELIVERY) {
		d = qdlv(r, e->dlv);
		if (d->dlv != e->dlv || d->msg == 0)
			return;
		qmail_id(id, sizeof(id), d->msg, &n);
		if ((m = msg_get(r, id, n, t, 0)) != NULL) {
			/* the recipient is known by its hash */
			uint32_t i;
			for (i = 0; i < m->nr; i++)
				if (m->r[i].h == d->to_h)
					m->r[i].st = (uint8_t)status_code(e->status);
		}
		d->msg = 0;     /* the delivery is over: qmail reuses its number */
		return;
	}
	qmail_id(id, sizeof(id), e->msg, &n);
	m = msg_get(r, id, n, t, e->kind != QM_END);
	if (m == NULL)
		return;
	switch (e->kind) {
	case QM_INFO:
		m->o.sender = S(r, e->from);
		if (e->has_uid) {
			const struct account *a = account(r, (long)e->uid);
			m->o.uid = (long)e->uid;
			m->o.user = a->user;
			m->o.vhost = a->vhost;
		}
		break;
	case QM_START:
		add_rcpt(r, m, e->to, ST_NONE);         /* under way */
		d = qdlv(r, e->dlv);
		d->dlv = e->dlv;
		d->msg = e->msg;
		d->to_h = hash(e->to.p, e->to.n, H0);
		break;
	case QM_END:
		msg_done(r, m);
		break;
	default:
		break;
	}
}

void
rpt_bad_line(struct rpt *r)
{
	r->st.lines++;
	r->st.bad++;
}

void
rpt_line(struct rpt *r, const char *line, size_t len, struct rp_clock *c)
{
	struct rp_prefix p;
	struct rp_event e;

	r->st.lines++;
	if (rp_prefix(line, len, c, &p) == -1) {
		r->st.bad++;
		return;
	}
	rp_message(&p, &e);
	switch (e.kind) {
	case RP_OTHER:
		r->st.other++;
		return;
	case RP_BAD:
		r->st.bad++;
		return;
	case MO_LINE: {
		int rc = wrapper_line(r, p.t, e.rest);
		if (rc == -1)
			r->st.bad++;
		else if (rc == 1)
			r->st.other++;
		else
			r->st.used++;
		return;
	}
	case QM_NEW: case QM_INFO: case QM_START: case QM_DELIVERY: case QM_END:
	case QM_BOUNCE: case QM_AUTH: case QM_AUTH_FAIL:
		r->st.used++;
		qmail_event(r, &e, p.t);
		return;
	case PF_NOQUEUE: {
		struct rmsg m;
		memset(&m, 0, sizeof(m));
		m.t = p.t;
		m.o.uid = -1;
		m.o.client = S(r, e.client);
		m.o.sender = S(r, e.from);
		m.nrcpt = 1;
		m.final = intern(&r->strs, "rejected", 8);
		r->st.used++;
		count_msg(r, &m);
		return;
	}
	default:
		r->st.used++;
		postfix_event(r, &e, p.t);
	}
}

void
rpt_finish(struct rpt *r)
{
	size_t i;
	struct ufifo *f, *nx;

	while (r->lru_head)
		msg_done(r, r->lru_head);
	for (i = 0; i < r->nub; i++)
		for (f = r->ub[i]; f; f = f->next)
			wrec_trim(r, f, INT64_MAX);
	for (i = 0; i < r->nub; i++)
		for (f = r->ub[i]; f; f = nx) {
			nx = f->next;
			free(f);
		}
	memset(r->ub, 0, r->nub * sizeof(*r->ub));
}

/* ---- output ---------------------------------------------------------------------------- */

static int
agg_cmp(const void *a, const void *b)
{
	const struct agg *x = *(const struct agg *const *)a, *y = *(const struct agg *const *)b;
	int i, c;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	/* a total order, so that the same log gives the same report */
	for (i = 0; i < RPT_MAX_BY; i++) {
		if (x->k[i] == y->k[i])
			continue;
		if (x->k[i] == NULL || y->k[i] == NULL)
			return x->k[i] == NULL ? 1 : -1;
		if ((c = strcmp(x->k[i], y->k[i])) != 0)
			return c;
	}
	return 0;
}

static void fmt_time(char *b, size_t len, int64_t t, int iso);

static void
put_time(FILE *f, int64_t t, int iso)
{
	char b[40];

	fmt_time(b, sizeof(b), t, iso);
	fputs(b, f);
}

/* hostile bytes as C escapes: a value never moves the cursor */
static void
put_safe(FILE *f, const char *s, size_t n)
{
	char e[8];
	size_t i;

	for (i = 0; i < n; i++)
		fwrite(e, 1, mo_escape_byte(e, (unsigned char)s[i]), f);
}

static void
put_key(FILE *f, enum rpt_key k, const char *v)
{
	if (v == NULL)
		fputs("-", f);
	else if (v[0] == '\0' && (k == RK_SENDER))
		fputs("<>", f);
	else
		put_safe(f, v, istr_len(v));
}

static void
fmt_time(char *b, size_t len, int64_t t, int iso)
{
	struct tm tm;
	time_t tt = (time_t)t;
	size_t n;

	localtime_r(&tt, &tm);
	n = strftime(b, len, iso ? "%Y-%m-%dT%H:%M:%S%z" : "%Y-%m-%d %H:%M:%S", &tm);
	if (iso && n > 5 && n + 1 < len) {      /* +0100 -> +01:00 */
		memmove(b + n - 1, b + n - 2, 3);
		b[n - 2] = ':';
	}
}

static void
json_key(struct mo_json *j, enum rpt_key k, const char *v)
{
	if (v == NULL)
		mo_json_null(j, NULL);
	else if (k == RK_UID)
		mo_json_int(j, NULL, strtoll(v, NULL, 10));
	else
		mo_json_strn(j, NULL, v, istr_len(v));
}

static void
print_json(struct rpt *r, FILE *out, struct agg **v, size_t n)
{
	struct mo_json j;
	char t[40];
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		struct agg *a = v[i];
		mo_json_begin(&j, out);
		if (r->o.nby == 1) {
			mo_json_str(&j, "by", key_names[r->o.by[0]]);
			if (a->k[0] == NULL)
				mo_json_null(&j, "key");
			else if (r->o.by[0] == RK_UID)
				mo_json_int(&j, "key", strtoll(a->k[0], NULL, 10));
			else
				mo_json_strn(&j, "key", a->k[0], istr_len(a->k[0]));
		} else {
			mo_json_array(&j, "by");
			for (k = 0; k < r->o.nby; k++)
				mo_json_str(&j, NULL, key_names[r->o.by[k]]);
			mo_json_close(&j);
			mo_json_array(&j, "key");
			for (k = 0; k < r->o.nby; k++)
				json_key(&j, r->o.by[k], a->k[k]);
			mo_json_close(&j);
		}
		mo_json_uint(&j, "count", a->count);
		mo_json_uint(&j, "rcpts", a->rcpts);
		mo_json_real(&j, "share", r->total ? (double)a->count / (double)r->total : 0.0, 4);
		fmt_time(t, sizeof(t), a->first, 1);
		mo_json_str(&j, "first", t);
		fmt_time(t, sizeof(t), a->last, 1);
		mo_json_str(&j, "last", t);
		mo_json_uint(&j, "before", a->before);
		mo_json_end(&j);
	}
}

static void
spark(struct rpt *r, FILE *out, struct agg *a, int utf8)
{
	static const char *const bars[] = { " ", "\u2581", "\u2582", "\u2583", "\u2584",
	    "\u2585", "\u2586", "\u2587", "\u2588" };
	static const char ascii[] = " .:-=+*#%@";
	uint32_t max = 0;
	int i, last = HIST_N - 1;

	hist_to(r, a, r->wi);
	/* up to the last bucket of the whole report, not of this origin */
	last = (int)((r->last - wbase(r, r->wi)) / widths[r->wi]);
	if (last >= HIST_N)
		last = HIST_N - 1;
	for (i = 0; i <= last && i < HIST_N; i++)
		if (a->hist[i] > max)
			max = a->hist[i];
	fputc('|', out);
	for (i = 0; i <= last && i < HIST_N; i++) {
		uint32_t h = a->hist[i];
		int lv = h == 0 ? 0 : 1 + (int)((uint64_t)h * 7 / (max ? max : 1));
		if (utf8)
			fputs(bars[lv], out);
		else
			fputc(ascii[lv], out);
	}
	fprintf(out, "| max %u\n", max);
}

static void
print_table(struct rpt *r, FILE *out, struct agg **v, size_t n)
{
	size_t i, shown = n < r->o.limit ? n : r->o.limit;
	int j, utf8 = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
	char w[32];

	fprintf(out, "%llu messages, %llu recipients", r->total, r->total_rcpts);
	if (r->total) {
		fputs(", ", out);
		put_time(out, r->first, 0);
		fputs(" to ", out);
		put_time(out, r->last, 0);
	}
	fprintf(out, "; %zu origins, top %zu by", n, shown);
	for (j = 0; j < r->o.nby; j++)
		fprintf(out, "%s%s", j ? " > " : " ", key_names[r->o.by[j]]);
	fputs("\n\n", out);
	fprintf(out, "%7s %7s %6s  %-19s  %-19s ", "COUNT", "RCPTS", "SHARE", "FIRST", "LAST");
	for (j = 0; j < r->o.nby; j++)
		fprintf(out, " %s", key_names[r->o.by[j]]);
	fputc('\n', out);
	for (i = 0; i < shown; i++) {
		struct agg *a = v[i];
		fprintf(out, "%7lu %7lu %5.1f%%  ", a->count, a->rcpts,
		    r->total ? 100.0 * (double)a->count / (double)r->total : 0.0);
		put_time(out, a->first, 0);
		fputs("  ", out);
		put_time(out, a->last, 0);
		fputc(' ', out);
		for (j = 0; j < r->o.nby; j++) {
			fputc(' ', out);
			put_key(out, r->o.by[j], a->k[j]);
		}
		fputc('\n', out);
	}
	if (shown == 0)
		return;
	if (widths[r->wi] % 86400 == 0)
		snprintf(w, sizeof(w), "%lldd", (long long)(widths[r->wi] / 86400));
	else if (widths[r->wi] % 3600 == 0)
		snprintf(w, sizeof(w), "%lldh", (long long)(widths[r->wi] / 3600));
	else
		snprintf(w, sizeof(w), "%lldm", (long long)(widths[r->wi] / 60));
	fprintf(out, "\nper %s from ", w);
	put_time(out, wbase(r, r->wi), 0);
	fputs(":\n", out);
	for (i = 0; i < shown; i++) {
		fprintf(out, "%3zu ", i + 1);
		spark(r, out, v[i], utf8);
	}
	if (r->o.since != INT64_MIN && r->before_total > 0) {
		int any = 0;
		for (i = 0; i < shown; i++) {
			if (v[i]->before != 0)
				continue;
			if (!any)
				fputs("\nquiet before the window, now among the top:", out);
			any = 1;
			fprintf(out, " #%zu ", i + 1);
			for (j = 0; j < r->o.nby; j++) {
				if (j)
					fputs(" > ", out);
				put_key(out, r->o.by[j], v[i]->k[j]);
			}
			fprintf(out, " (%lu)", v[i]->count);
		}
		if (any)
			fputc('\n', out);
	}
}

void
rpt_print(struct rpt *r, FILE *out, FILE *sum)
{
	struct agg **v = xcalloc(r->nagg + 1, sizeof(*v)), *a;
	size_t i, n = 0;

	for (i = 0; i < r->nab; i++)
		for (a = r->ab[i]; a; a = a->next)
			if (a->count > 0)
				v[n++] = a;
	qsort(v, n, sizeof(*v), agg_cmp);
	if (r->o.json)
		print_json(r, out, v, n < r->o.limit ? n : r->o.limit);
	else
		print_table(r, out, v, n);
	fprintf(sum, "%s%llu lines: %llu used, %llu of other programs or not about a message, "
	    "%llu unparsable\n", r->o.json ? "" : "\n", r->st.lines, r->st.used, r->st.other,
	    r->st.bad);
	free(v);
}

void
rpt_stats(const struct rpt *r, struct rpt_stats *s)
{
	*s = r->st;
	s->open = r->nopen;
	s->peak_open = r->peak;
	s->origins = r->nagg;
}

void
rpt_free(struct rpt *r)
{
	size_t i;
	struct agg *a, *nx;
	struct account *ac, *an;

	rpt_finish(r);
	for (i = 0; i < r->nab; i++)
		for (a = r->ab[i]; a; a = nx) {
			nx = a->next;
			free(a);
		}
	for (i = 0; i < 256; i++)
		for (ac = r->acct[i]; ac; ac = an) {
			an = ac->next;
			free(ac);
		}
	free(r->ab);
	free(r->mb);
	free(r->wb);
	free(r->ub);
	free(r->qd);
	free(r->seen);
	itab_free(&r->strs);
	itab_free(&r->ids);
	free(r);
}
