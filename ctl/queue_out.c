/*
 * queue_out: the listings: summary, top --by KEY, list, show.  Text for
 * the terminal (every value escaped: a subject can hold escapes), or
 * --json, one object per line.  Aggregates keep one entry per distinct
 * key (at most AGG_MAX; the rest count as "(other keys)"), never one per
 * message.
 */
#include <sys/stat.h>

#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include <bsd/string.h>

#include "buf.h"
#include "fmt.h"
#include "json.h"
#include "pfqueue.h"
#include "queue.h"

#define AGG_MAX 200000

/* ---- an aggregate: key -> count, bytes -------------------------------------- */

struct agg_ent { char *key; unsigned long count; unsigned long long bytes; int num, known; };
struct agg {
	struct agg_ent	*t;
	size_t		 cap, n;
	struct agg_ent	 other;
	unsigned long	 total;
	unsigned long long total_bytes;
};

static size_t
hash(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 ^ (unsigned char)*s++;
	return h;
}

static void
agg_grow(struct agg *a)
{
	struct agg_ent *old = a->t;
	size_t oc = a->cap, i;

	a->cap = oc ? oc * 2 : 1024;
	if ((a->t = calloc(a->cap, sizeof(*a->t))) == NULL)
		err(EX_OSERR, "calloc");
	for (i = 0; i < oc; i++) {
		size_t j;
		if (old[i].key == NULL)
			continue;
		for (j = hash(old[i].key) & (a->cap - 1); a->t[j].key; j = (j + 1) & (a->cap - 1))
			;
		a->t[j] = old[i];
	}
	free(old);
}

static void
agg_add(struct agg *a, const char *key, int num, int known, unsigned long long bytes)
{
	struct agg_ent *e;
	size_t j;

	if (a->n * 2 >= a->cap)
		agg_grow(a);
	for (j = hash(key) & (a->cap - 1); a->t[j].key; j = (j + 1) & (a->cap - 1))
		if (strcmp(a->t[j].key, key) == 0)
			break;
	e = &a->t[j];
	if (e->key == NULL) {
		if (a->n >= AGG_MAX)
			e = &a->other;
		else {
			if ((e->key = strdup(key)) == NULL)
				err(EX_OSERR, "strdup");
			e->num = num;
			e->known = known;
			a->n++;
		}
	}
	e->count++;
	e->bytes += bytes;
}

static int
ent_cmp(const void *x, const void *y)
{
	const struct agg_ent *a = x, *b = y;

	if (a->count != b->count)
		return a->count < b->count ? 1 : -1;
	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	return strcmp(a->key, b->key);
}

/* The entries sorted by count (the table is compacted in place). */
static size_t
agg_sorted(struct agg *a)
{
	size_t i, k = 0;

	for (i = 0; i < a->cap; i++)
		if (a->t[i].key)
			a->t[k++] = a->t[i];
	qsort(a->t, k, sizeof(*a->t), ent_cmp);
	a->cap = 0;     /* no longer a hash table */
	return k;
}

static void
agg_free(struct agg *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(a->t[i].key);
	free(a->t);
}

/* ---- keys ----------------------------------------------------------------------- */

static const char *const age_buckets[] = {
	"0-5m", "5-10m", "10-20m", "20-40m", "40-80m", "80-160m", "160-320m",
	"320-640m", "640-1280m", "1280m+"
};

static void
put_val(char *buf, size_t len, const struct qm_val *v, int *known)
{
	*known = v->len > 0;
	strlcpy(buf, v->len ? v->v : "", len);
}

static const char *
domain_of(const char *addr)
{
	const char *at = strrchr(addr, '@');

	return at ? at + 1 : addr;
}

/* v in decimal into buf (len > 20): once a message for --by uid, so no printf */
static void
put_long(char *buf, size_t len, long v)
{
	if (v >= 0 ? mo_ulong_dec(buf, len, (unsigned long)v) > 0 :
	    len > 1 && mo_ulong_dec(buf + 1, len - 1, 0UL - (unsigned long)v) > 0) {
		if (v < 0)
			buf[0] = '-';
		return;
	}
	snprintf(buf, len, "%ld", v);
}

int
q_key(const struct q_item *it, const char *by, time_t now, char *buf, size_t len,
    int *is_num, int *known)
{
	const struct qmsg *m = &it->m;

	*is_num = 0;
	*known = 1;
	if (strcmp(by, "uid") == 0) {
		*is_num = 1;
		*known = m->uid >= 0;
		put_long(buf, len, m->uid);
	} else if (strcmp(by, "user") == 0) {
		*known = it->user[0] != '\0';
		strlcpy(buf, it->user, len);
	} else if (strcmp(by, "vhost") == 0)
		put_val(buf, len, &m->vhost, known);
	else if (strcmp(by, "script") == 0)
		put_val(buf, len, &m->script, known);
	else if (strcmp(by, "sasl") == 0)
		put_val(buf, len, &m->sasl, known);
	else if (strcmp(by, "client") == 0)
		put_val(buf, len, &m->client_addr, known);
	else if (strcmp(by, "sender") == 0)
		strlcpy(buf, m->bounce ? "<>" : m->sender.v, len);
	else if (strcmp(by, "sender-domain") == 0)
		strlcpy(buf, m->bounce ? "<>" : domain_of(m->sender.v), len);
	else if (strcmp(by, "rcpt-domain") == 0) {
		*known = m->nrcpt_domains > 0;
		strlcpy(buf, *known ? m->rcpt_domains[0] : "", len);
	} else if (strcmp(by, "subject") == 0)
		put_val(buf, len, &m->own.subject, known);
	else if (strcmp(by, "bounce") == 0) {
		if (m->traced)
			qm_origin_label(m, buf, len);
		else
			*known = 0, buf[0] = '\0';
	} else if (strcmp(by, "queue") == 0)
		strlcpy(buf, q_queue_names[it->queue], len);
	else if (strcmp(by, "age") == 0) {
		long min = (long)(now - m->arrival) / 60;
		int b = 0;
		long lim = 5;
		while (b < 9 && min >= lim) {
			b++;
			lim = b == 1 ? 10 : lim * 2;
		}
		strlcpy(buf, age_buckets[b], len);
	} else
		return -1;
	return 0;
}

/* ---- JSON of one message ------------------------------------------------------- */

static void
json_kv(FILE *f, const char *k, const struct qm_val *v)
{
	fprintf(f, ",\"%s\":", k);
	if (v->len == 0) {
		fputs("null", f);
		return;
	}
	mo_json_string(f, v->v, v->len);
	fprintf(f, ",\"%s_trust\":\"%s\"", k, qm_trust_name(v->trust));
}

void
q_json_item(FILE *f, const struct q_item *it, time_t now)
{
	const struct qmsg *m = &it->m;
	char label[QM_VAL_MAX + 16];
	int i;

	fputs("\"id\":", f);
	mo_json_string(f, m->id, strlen(m->id));
	fprintf(f, ",\"queue\":\"%s\",\"arrival\":%lld,\"age\":%lld,\"size\":%ld,\"inode\":%llu",
	    q_queue_names[it->queue], (long long)m->arrival, (long long)(now - m->arrival),
	    m->size, (unsigned long long)it->ino);
	fputs(",\"sender\":", f);
	mo_json_string(f, m->sender.v, m->sender.len);
	fprintf(f, ",\"nrcpt\":%lu,\"rcpt\":", m->nrcpt);
	mo_json_string(f, m->rcpt.v, m->rcpt.len);
	fputs(",\"rcpt_domains\":[", f);
	for (i = 0; i < m->nrcpt_domains; i++) {
		if (i)
			fputc(',', f);
		mo_json_string(f, m->rcpt_domains[i], strlen(m->rcpt_domains[i]));
	}
	fputc(']', f);
	if (m->uid >= 0)
		fprintf(f, ",\"uid\":%ld,\"uid_trust\":\"%s\"", m->uid, qm_trust_name(m->uid_trust));
	else
		fputs(",\"uid\":null", f);
	fputs(",\"user\":", f);
	if (it->user[0])
		mo_json_string(f, it->user, strlen(it->user));
	else
		fputs("null", f);
	json_kv(f, "vhost", &m->vhost);
	json_kv(f, "script", &m->script);
	json_kv(f, "sasl", &m->sasl);
	json_kv(f, "client", &m->client_addr);
	json_kv(f, "client_name", &m->client_name);
	json_kv(f, "helo", &m->helo);
	json_kv(f, "xphp", &m->own.xphp);
	json_kv(f, "subject", &m->own.subject);
	fprintf(f, ",\"local\":%s,\"bounce\":%s", m->local ? "true" : "false",
	    m->bounce ? "true" : "false");
	if (m->bounce) {
		fprintf(f, ",\"traced\":%s", m->traced ? "true" : "false");
		json_kv(f, "bounce_of_sender", &m->bounce_sender);
	}
	qm_origin_label(m, label, sizeof(label));
	fputs(",\"origin\":", f);
	mo_json_string(f, label, strlen(label));
}

/* ---- summary ----------------------------------------------------------------------- */

struct sum {
	unsigned long	 count[Q_NQUEUES];
	unsigned long long bytes[Q_NQUEUES];
	time_t		 oldest[Q_NQUEUES], newest[Q_NQUEUES];
	unsigned long	 minute[60];    /* arrivals per minute, [59] = the last minute */
	struct agg	 origins;
	time_t		 now;
};

static int
sum_visit(void *arg, struct q_item *it)
{
	struct sum *s = arg;
	char label[QM_VAL_MAX + 16];
	long ago = (long)(s->now - it->m.arrival);
	int q = it->queue;

	if (s->count[q] == 0 || it->m.arrival < s->oldest[q])
		s->oldest[q] = it->m.arrival;
	if (s->count[q] == 0 || it->m.arrival > s->newest[q])
		s->newest[q] = it->m.arrival;
	s->count[q]++;
	s->bytes[q] += (unsigned long long)it->m.size;
	if (ago >= 0 && ago < 3600)
		s->minute[59 - ago / 60]++;
	qm_origin_label(&it->m, label, sizeof(label));
	agg_add(&s->origins, label, 0, strcmp(label, "unknown") != 0, (unsigned long long)it->m.size);
	s->origins.total++;
	s->origins.total_bytes += (unsigned long long)it->m.size;
	return 0;
}

static void
age_text(char *buf, size_t len, time_t now, time_t t)
{
	ctl_duration(buf, len, (int64_t)(now - t) * 1000000000LL);
}

static void
chart(const unsigned long *minute)
{
	unsigned long max = 0;
	int row, i;

	for (i = 0; i < 60; i++)
		if (minute[i] > max)
			max = minute[i];
	printf("arrivals per minute, last hour (max %lu/min):\n", max);
	if (max == 0) {
		printf("  (none)\n");
		return;
	}
	for (row = 6; row >= 1; row--) {
		printf("  |");
		for (i = 0; i < 60; i++)
			putchar(minute[i] * 6 >= (unsigned long)row * max - max / 2 && minute[i] > 0 ?
			    '#' : ' ');
		putchar('\n');
	}
	printf("  +------------------------------------------------------------+\n");
	printf("   -60m                         -30m                        now\n");
}

static void
summary_json(const struct sum *s, struct agg *o, size_t n, const struct q_stats *st)
{
	size_t i;
	int q;

	for (q = 0; q < Q_NQUEUES; q++) {
		printf("{\"type\":\"queue\",\"queue\":\"%s\",\"count\":%lu,\"bytes\":%llu",
		    q_queue_names[q], s->count[q], s->bytes[q]);
		if (s->count[q])
			printf(",\"oldest\":%lld,\"newest\":%lld", (long long)s->oldest[q],
			    (long long)s->newest[q]);
		printf("}\n");
	}
	printf("{\"type\":\"arrivals\",\"per_minute\":[");
	for (i = 0; i < 60; i++)
		printf("%s%lu", i ? "," : "", s->minute[i]);
	printf("]}\n");
	for (i = 0; i < n && i < 5; i++) {
		printf("{\"type\":\"origin\",\"key\":");
		if (o->t[i].known)
			mo_json_string(stdout, o->t[i].key, strlen(o->t[i].key));
		else
			fputs("null", stdout);
		printf(",\"count\":%lu,\"bytes\":%llu,\"share\":%.4f}\n", o->t[i].count,
		    o->t[i].bytes, o->total ? (double)o->t[i].count / (double)o->total : 0.0);
	}
	printf("{\"type\":\"scan\",\"messages\":%lu,\"incomplete\":%lu,\"vanished\":%lu,"
	    "\"changed\":%lu,\"unreadable\":%lu}\n", st->messages, st->incomplete,
	    st->vanished, st->changed, st->unreadable);
}

int
q_summary(struct ctl *c, struct q_opts *o)
{
	struct sum *s = calloc(1, sizeof(*s));
	struct q_stats st;
	unsigned long total = 0;
	unsigned long long bytes = 0;
	char a[32], b[32];
	size_t n, i;
	int q;

	if (s == NULL)
		err(EX_OSERR, "calloc");
	s->now = o->now;
	q_scan(c, o, sum_visit, s, &st);
	n = agg_sorted(&s->origins);
	if (o->json) {
		summary_json(s, &s->origins, n, &st);
		agg_free(&s->origins, n);
		free(s);
		return EX_OK;
	}
	printf("queue %s\n", o->queue_dir);
	printf("  %-10s %9s %12s %10s %10s\n", "folder", "messages", "bytes", "oldest", "newest");
	for (q = 0; q < Q_NQUEUES; q++) {
		a[0] = b[0] = '\0';
		if (s->count[q]) {
			age_text(a, sizeof(a), o->now, s->oldest[q]);
			age_text(b, sizeof(b), o->now, s->newest[q]);
		}
		printf("  %-10s %9lu %12llu %10s %10s\n", q_queue_names[q], s->count[q],
		    s->bytes[q], s->count[q] ? a : "-", s->count[q] ? b : "-");
		total += s->count[q];
		bytes += s->bytes[q];
	}
	printf("  %-10s %9lu %12llu\n", "total", total, bytes);
	if (o->qmail)
		printf("  (todo: not yet preprocessed; local, remote, both: preprocessed, recipients\n"
		    "  pending there; done: none pending, bounce or cleanup due; hold: %s/qmail-hold)\n",
		    c->cfg.state_dir);
	chart(s->minute);
	printf("top origins:\n");
	for (i = 0; i < n && i < 5; i++) {
		printf("  %5.1f%% %9lu  ", s->origins.total ? 100.0 * (double)s->origins.t[i].count /
		    (double)s->origins.total : 0.0, s->origins.t[i].count);
		ctl_put_safe(stdout, s->origins.t[i].key, strlen(s->origins.t[i].key));
		if (strncmp(s->origins.t[i].key, "uid ", 4) == 0) {
			const char *u = q_user_name(strtol(s->origins.t[i].key + 4, NULL, 10));
			if (u[0]) {
				printf(" (");
				ctl_put_safe(stdout, u, strlen(u));
				printf(")");
			}
		}
		putchar('\n');
	}
	if (st.incomplete || st.vanished || st.changed || st.unreadable)
		printf("skipped: %lu being written, %lu vanished, %lu changed while read, "
		    "%lu unreadable\n", st.incomplete, st.vanished, st.changed, st.unreadable);
	agg_free(&s->origins, n);
	free(s);
	return EX_OK;
}

/* ---- top ------------------------------------------------------------------------------- */

struct top { struct agg a; const char *by; time_t now; };

static int
top_visit(void *arg, struct q_item *it)
{
	struct top *t = arg;
	char key[QM_VAL_MAX + 16];
	int is_num, known, i;

	t->a.total++;
	t->a.total_bytes += (unsigned long long)it->m.size;
	if (strcmp(t->by, "rcpt-domain") == 0 && it->m.nrcpt_domains > 1) {
		for (i = 0; i < it->m.nrcpt_domains; i++)
			agg_add(&t->a, it->m.rcpt_domains[i], 0, 1, (unsigned long long)it->m.size);
		return 0;
	}
	if (strcmp(t->by, "bounce") == 0 && !it->m.bounce) {
		t->a.total--;
		t->a.total_bytes -= (unsigned long long)it->m.size;
		return 0;
	}
	q_key(it, t->by, t->now, key, sizeof(key), &is_num, &known);
	agg_add(&t->a, known ? key : "", is_num, known, (unsigned long long)it->m.size);
	return 0;
}

int
q_top(struct ctl *c, struct q_opts *o)
{
	struct top t;
	struct q_stats st;
	struct q_item probe;
	char key[8];
	int is_num, known;
	size_t n, i;

	if (o->by == NULL)
		errx(EX_USAGE, "queue top: --by KEY (uid user vhost script sasl client sender "
		    "sender-domain rcpt-domain subject bounce queue age)");
	memset(&probe, 0, sizeof(probe));
	if (q_key(&probe, o->by, 0, key, sizeof(key), &is_num, &known) == -1)
		errx(EX_USAGE, "queue top: --by %s: no such key", o->by);
	memset(&t, 0, sizeof(t));
	t.by = o->by;
	t.now = o->now;
	q_scan(c, o, top_visit, &t, &st);
	n = agg_sorted(&t.a);
	for (i = 0; i < n && i < (size_t)o->limit; i++) {
		const struct agg_ent *e = &t.a.t[i];
		double share = t.a.total ? (double)e->count / (double)t.a.total : 0.0;
		if (o->json) {
			printf("{\"by\":\"%s\",\"key\":", o->by);
			if (!e->known)
				fputs("null", stdout);
			else if (e->num)
				fputs(e->key, stdout);
			else
				mo_json_string(stdout, e->key, strlen(e->key));
			if (strcmp(o->by, "uid") == 0 && e->known) {
				const char *u = q_user_name(strtol(e->key, NULL, 10));
				fputs(",\"user\":", stdout);
				if (u[0])
					mo_json_string(stdout, u, strlen(u));
				else
					fputs("null", stdout);
			}
			printf(",\"count\":%lu,\"bytes\":%llu,\"share\":%.4f}\n", e->count, e->bytes, share);
			continue;
		}
		if (i == 0)
			printf("%9s %12s %6s  %s\n", "messages", "bytes", "share", o->by);
		printf("%9lu %12llu %5.1f%%  ", e->count, e->bytes, share * 100.0);
		if (!e->known)
			fputs("(unknown)", stdout);
		else
			ctl_put_safe(stdout, e->key, strlen(e->key));
		if (strcmp(o->by, "uid") == 0 && e->known) {
			const char *u = q_user_name(strtol(e->key, NULL, 10));
			if (u[0]) {
				fputs(" (", stdout);
				ctl_put_safe(stdout, u, strlen(u));
				fputc(')', stdout);
			}
		}
		putchar('\n');
	}
	if (!o->json)
		printf("%9lu %12llu        total (%lu messages scanned)\n", t.a.total,
		    t.a.total_bytes, st.messages);
	agg_free(&t.a, n);
	return EX_OK;
}

/* ---- list ------------------------------------------------------------------------------- */

static int
list_visit(void *arg, struct q_item *it)
{
	const struct q_opts *o = arg;
	char age[32], label[QM_VAL_MAX + 16];

	if (o->json) {
		fputc('{', stdout);
		q_json_item(stdout, it, o->now);
		fputs("}\n", stdout);
		return 0;
	}
	age_text(age, sizeof(age), o->now, it->m.arrival);
	qm_origin_label(&it->m, label, sizeof(label));
	printf("%-12s %-8s %6s %8ld ", it->m.id, q_queue_names[it->queue], age, it->m.size);
	ctl_put_safe(stdout, it->m.bounce ? "<>" : it->m.sender.v,
	    it->m.bounce ? 2 : it->m.sender.len);
	fputs(" -> ", stdout);
	ctl_put_safe(stdout, it->m.rcpt.v, it->m.rcpt.len);
	if (it->m.nrcpt > 1)
		printf(" (+%lu)", it->m.nrcpt - 1);
	printf("  %s%s", it->m.bounce ? (it->m.traced ? "bounce of " : "bounce ") : "", label);
	if (it->user[0]) {
		fputs(" (", stdout);
		ctl_put_safe(stdout, it->user, strlen(it->user));
		fputc(')', stdout);
	}
	if (it->m.script.len) {
		fputs(" script=", stdout);
		ctl_put_safe(stdout, it->m.script.v, it->m.script.len);
	}
	putchar('\n');
	return 0;
}

int
q_list(struct ctl *c, struct q_opts *o)
{
	struct q_stats st;

	q_scan(c, o, list_visit, o, &st);
	if (!o->json && (st.incomplete || st.vanished || st.changed))
		fprintf(stderr, "mailoriginctl: skipped %lu being written, %lu vanished, "
		    "%lu changed while read\n", st.incomplete, st.vanished, st.changed);
	return EX_OK;
}

/* ---- show -------------------------------------------------------------------------------- */

struct show { const struct q_opts *o; int json; int headers; };

static int
show_content(void *arg, int type, const char *d, size_t n)
{
	struct show *s = arg;

	if (type != 'H' || s->json)
		return 0;
	fputs("  ", stdout);
	ctl_put_safe(stdout, d, n);
	putchar('\n');
	return 0;
}

static void
show_val(const char *name, const struct qm_val *v)
{
	if (v->len == 0)
		return;
	printf("%-14s ", name);
	ctl_put_safe(stdout, v->v, v->len);
	printf("  [%s]\n", qm_trust_name(v->trust));
}

/* Find ID's file: the queue folders, hashed or not. */
static int
find_id(const char *qdir, const char *id, struct q_item *it, int *dirfd)
{
	int q, depth;
	char path[PATH_MAX], rel[sizeof(it->rel)];

	for (q = 0; q < Q_NQUEUES; q++) {
		for (depth = 0; depth <= 2; depth++) {
			struct stat sb;
			size_t k;
			strlcpy(rel, q_queue_names[q], sizeof(rel));
			for (k = 0; k < (size_t)depth && k < strlen(id); k++) {
				size_t l = strlen(rel);
				snprintf(rel + l, sizeof(rel) - l, "/%c", id[k]);
			}
			snprintf(path, sizeof(path), "%s/%s/%s", qdir, rel, id);
			if (lstat(path, &sb) == 0 && S_ISREG(sb.st_mode)) {
				snprintf(path, sizeof(path), "%s/%s", qdir, rel);
				*dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
				it->queue = q;
				snprintf(it->rel, sizeof(it->rel), "%s/%s", rel, id);
				return *dirfd == -1 ? -1 : 0;
			}
		}
	}
	return -1;
}

int
q_show(struct ctl *c, struct q_opts *o)
{
	struct q_item *it = calloc(1, sizeof(*it));
	struct q_stats st;
	struct show s = { o, o->json, 0 };
	int dfd = -1, rc;

	if (it == NULL)
		err(EX_OSERR, "calloc");
	memset(&st, 0, sizeof(st));
	it->sel = &o->sel;
	if (o->qmail ? qq_find(o, o->id, it) == -1 : find_id(o->queue_dir, o->id, it, &dfd) == -1) {
		ctl_fail(c, EX_NOINPUT, "queue show: %s: no such message in %s", o->id, o->queue_dir);
		free(it);
		return c->rc;
	}
	if (!o->json)
		printf("id             %s\nqueue          %s\n", o->id, q_queue_names[it->queue]);
	if (!o->json)
		printf("headers:\n");
	rc = o->qmail ? qq_read(c, o, it, &st, 0, show_content, &s) :
	    q_read_file(c, o, dfd, o->id, it, &st, 0, show_content, &s);
	if (dfd != -1)
		close(dfd);
	if (rc == -1) {
		ctl_fail(c, EX_TEMPFAIL, "queue show: %s: %s", o->id, st.incomplete ?
		    "still being written" : st.changed || st.vanished ? "changed or left the queue "
		    "while read" : "not a queue file mailoriginctl can read");
		free(it);
		return c->rc;
	}
	if (o->json) {
		fputc('{', stdout);
		q_json_item(stdout, it, o->now);
		fputs("}\n", stdout);
	} else {
		char label[QM_VAL_MAX + 16];
		qm_origin_label(&it->m, label, sizeof(label));
		printf("arrival        %lld\nsize           %ld\n", (long long)it->m.arrival, it->m.size);
		show_val("sender", &it->m.sender);
		printf("recipients     %lu\n", it->m.nrcpt);
		show_val("first rcpt", &it->m.rcpt);
		printf("origin         %s%s\n", it->m.bounce ? (it->m.traced ? "bounce of " :
		    "bounce, untraced ") : "", label);
		if (it->m.uid >= 0)
			printf("uid            %ld (%s)  [%s]\n", it->m.uid, it->user[0] ? it->user : "?",
			    qm_trust_name(it->m.uid_trust));
		show_val("vhost", &it->m.vhost);
		show_val("script", &it->m.script);
		show_val("sasl", &it->m.sasl);
		show_val("client", &it->m.client_addr);
		show_val("client name", &it->m.client_name);
		show_val("helo", &it->m.helo);
		show_val("x-php-script", &it->m.own.xphp);
		show_val("bounce sender", &it->m.bounce_sender);
	}
	free(it);
	return EX_OK;
}
