/*
 * watch: the aggregated window of --watch.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "duration.h"
#include "json.h"
#include "report.h"
#include "watch.h"

void
watch_init(struct watch *w, double interval)
{
	memset(w, 0, sizeof(*w));
	w->interval = interval;
}

void
watch_free(struct watch *w)
{
	free(w->a);
	free(w->seen);
	memset(w, 0, sizeof(*w));
}

static void
stat_script(struct agg *a)
{
	struct stat st;
	struct passwd *pw;

	/*
	 * The path is claimed (a user's cwd, environ or argv): look, as root,
	 * without triggering an automount; a FIFO or a device is not opened.
	 */
	if (fstatat(AT_FDCWD, a->key, &st, AT_NO_AUTOMOUNT) == -1 ||
	    !S_ISREG(st.st_mode))
		return;
	a->stat_ok = 1;
	a->owner = st.st_uid;
	a->mtime = (double)st.st_mtim.tv_sec + st.st_mtim.tv_nsec / 1e9;
	if ((pw = getpwuid(st.st_uid)) != NULL)
		strlcpy(a->owner_name, pw->pw_name, sizeof(a->owner_name));
	else
		snprintf(a->owner_name, sizeof(a->owner_name), "%u", (unsigned)st.st_uid);
}

static struct agg *
agg_get(struct watch *w, enum agg_kind kind, const char *key, uid_t uid, double now)
{
	struct agg *a;
	size_t i;

	for (i = 0; i < w->n; i++)
		if (w->a[i].kind == kind && strcmp(w->a[i].key, key) == 0 &&
		    (kind != AGG_UID || w->a[i].uid == uid))
			return &w->a[i];
	if (w->n == w->cap) {
		size_t c = w->cap ? w->cap * 2 : 32;
		void *p = reallocarray(w->a, c, sizeof(*w->a));
		if (p == NULL)
			return NULL;
		w->a = p;
		w->cap = c;
	}
	a = &w->a[w->n++];
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->uid = uid;
	strlcpy(a->key, key, sizeof(a->key));
	a->first = now;
	if (kind == AGG_SCRIPT && key[0] == '/')
		stat_script(a);
	return a;
}

static void
touch(struct agg *a, const struct traced *t, double held, double now)
{
	a->samples++;
	a->busy += held;
	a->last = now;
	if (a->best == SIGNAL_NONE || (t->by != SIGNAL_NONE && t->by < a->best)) {
		a->best = t->by;
		a->conf = t->conf;
	}
	if (a->vhost[0] == '\0')
		strlcpy(a->vhost, t->vhost, sizeof(a->vhost));
	if (a->user[0] == '\0')
		strlcpy(a->user, t->user, sizeof(a->user));
}

/* Has this mail program (pid + start time) been counted already? */
static int
mail_new(struct watch *w, const struct mailproc *m)
{
	size_t i;

	for (i = 0; i < w->nseen; i++)
		if (w->seen[i].pid == m->pi.pid && w->seen[i].starttime == m->pi.starttime)
			return 0;
	if (w->nseen == w->capseen) {
		size_t c = w->capseen ? w->capseen * 2 : 32;
		void *p = reallocarray(w->seen, c, sizeof(*w->seen));
		if (p == NULL)
			return 0;
		w->seen = p;
		w->capseen = c;
	}
	w->seen[w->nseen].pid = m->pi.pid;
	w->seen[w->nseen].starttime = m->pi.starttime;
	w->nseen++;
	return 1;
}

int
watch_add(struct watch *w, const struct scan_result *res, unsigned long long moments,
          double took)
{
	struct agg *a;
	double held = w->interval * (double)moments;
	size_t i;

	w->ticks += moments;
	w->scan_time += took;
	if (took > w->scan_max)
		w->scan_max = took;

	if (w->scans++ == 0)
		w->started = res->now;
	for (i = 0; i < res->nt; i++) {
		const struct traced *t = &res->t[i];
		if (t->state != STATE_BUSY)
			continue;
		if ((a = agg_get(w, AGG_SCRIPT, t->script[0] ? t->script : "?",
		                 t->pi.uid, res->now)) != NULL)
			touch(a, t, held, res->now);
		if ((a = agg_get(w, AGG_VHOST, t->vhost[0] ? t->vhost : "-", 0,
		                 res->now)) != NULL)
			touch(a, t, held, res->now);
		if ((a = agg_get(w, AGG_UID, t->user, t->pi.uid, res->now)) != NULL)
			touch(a, t, held, res->now);
	}
	for (i = 0; i < res->nm; i++) {
		const struct mailproc *m = &res->m[i];
		const struct traced *t;
		if (m->nested || m->php < 0 || !mail_new(w, m))
			continue;
		t = &res->t[m->php];
		if ((a = agg_get(w, AGG_SCRIPT, t->script[0] ? t->script : "?",
		                 t->pi.uid, res->now)) != NULL) {
			a->mails++;
			a->last = res->now;
		}
		if ((a = agg_get(w, AGG_VHOST, t->vhost[0] ? t->vhost : "-", 0,
		                 res->now)) != NULL)
			a->mails++;
		if ((a = agg_get(w, AGG_UID, t->user, t->pi.uid, res->now)) != NULL)
			a->mails++;
	}
	return 0;
}

static int
agg_cmp(const void *x, const void *y)
{
	const struct agg *a = x, *b = y;

	if (a->kind != b->kind)
		return (int)a->kind - (int)b->kind;
	if (a->mails != b->mails)
		return a->mails < b->mails ? 1 : -1;
	if (a->busy != b->busy)
		return a->busy < b->busy ? 1 : -1;
	return strcmp(a->key, b->key);
}

void
watch_sort(struct watch *w)
{
	qsort(w->a, w->n, sizeof(*w->a), agg_cmp);
}

static void
print_kind(FILE *f, const struct watch *w, enum agg_kind kind, size_t top,
           double now)
{
	static const char *const titles[] = { "SCRIPT", "VHOST", "USER" };
	char key[60], busy[16], first[16], last[16], age[16], sig[24], owner[20];
	size_t i, shown = 0;

	fprintf(f, "%-50s %7s %8s %5s %8s %8s %-20s %s\n", titles[kind], "SAMPLES",
	        "BUSY", "MAILS", "FIRST", "LAST", "SIGNAL",
	        kind == AGG_SCRIPT ? "OWNER  MODIFIED" : "");
	for (i = 0; i < w->n && shown < top; i++) {
		const struct agg *a = &w->a[i];
		if (a->kind != kind)
			continue;
		shown++;
		table_clean(key, sizeof(key), a->key, 50);
		fmt_duration(busy, sizeof(busy), a->busy);
		fmt_duration(first, sizeof(first), now - a->first);
		fmt_duration(last, sizeof(last), now - a->last);
		snprintf(sig, sizeof(sig), "%s/%s", signal_name(a->best),
		         confidence_name(a->conf));
		fprintf(f, "%-50s %7lu %8s %5lu %7s- %7s- %-20s", key, a->samples, busy,
		        a->mails, first, last, sig);
		if (kind == AGG_SCRIPT && a->stat_ok) {
			table_clean(owner, sizeof(owner), a->owner_name, 12);
			fmt_duration(age, sizeof(age), now - a->mtime);
			fprintf(f, " %-6s %s ago", owner, age);
		}
		fputc('\n', f);
	}
	if (shown == 0)
		fprintf(f, "(none)\n");
}

void
watch_print(FILE *f, const struct watch *w, size_t top, double now)
{
	char span[16];

	fmt_duration(span, sizeof(span), now - w->started);
	fprintf(f, "mailorigin-tracer: %lu scans over %s, every %.0f ms", w->scans, span,
	        w->interval * 1000);
	if (w->ticks > w->scans)
		fprintf(f, "; %llu moments skipped (late: a scan took up to %.0f ms)",
		        w->ticks - w->scans, w->scan_max * 1000);
	fputs("\n\n", f);
	print_kind(f, w, AGG_SCRIPT, top, now);
	fputc('\n', f);
	print_kind(f, w, AGG_VHOST, top, now);
	fputc('\n', f);
	print_kind(f, w, AGG_UID, top, now);
}

void
watch_json(FILE *f, const struct watch *w, size_t top)
{
	static const char *const kinds[] = { "script", "vhost", "uid" };
	size_t i, shown[3] = { 0, 0, 0 };
	struct mo_json j;

	mo_json_begin(&j, f);
	mo_json_str(&j, "type", "window");
	mo_json_real(&j, "started", w->started, 3);
	mo_json_real(&j, "interval", w->interval, 3);
	mo_json_uint(&j, "scans", w->scans);
	mo_json_uint(&j, "skipped", w->ticks > w->scans ? w->ticks - w->scans : 0);
	mo_json_real(&j, "scan_mean", w->scans ? w->scan_time / (double)w->scans : 0, 4);
	mo_json_real(&j, "scan_max", w->scan_max, 4);
	mo_json_end(&j);
	for (i = 0; i < w->n; i++) {
		const struct agg *a = &w->a[i];
		if (shown[a->kind]++ >= top)
			continue;
		mo_json_begin(&j, f);
		mo_json_str(&j, "type", kinds[a->kind]);
		mo_json_str(&j, "key", a->key);
		if (a->kind != AGG_VHOST)
			mo_json_uint(&j, "uid", (unsigned)a->uid);
		mo_json_str(&j, "user", a->user);
		mo_json_str(&j, "vhost", a->vhost);
		mo_json_uint(&j, "samples", a->samples);
		mo_json_real(&j, "busy", a->busy, 3);
		mo_json_uint(&j, "mails", a->mails);
		mo_json_real(&j, "first_seen", a->first, 3);
		mo_json_real(&j, "last_seen", a->last, 3);
		mo_json_str(&j, "signal", signal_name(a->best));
		mo_json_str(&j, "confidence", confidence_name(a->conf));
		if (a->stat_ok) {
			mo_json_uint(&j, "owner_uid", (unsigned)a->owner);
			mo_json_str(&j, "owner", a->owner_name);
			mo_json_real(&j, "mtime", a->mtime, 3);
		}
		mo_json_end(&j);
	}
}

long long
parse_duration_ms(const char *s)
{
	const char *why;

	return mo_duration_ms(s, 1000000000000LL, &why);
}
