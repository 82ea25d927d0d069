/*
 * limits: the verbs over STATE/limits.db: show the cells in use (per key
 * and window: the limit, the usage now, when the next message fits and
 * when the cell is empty, whether its first hold was logged), and reset
 * every cell of one key.
 */
#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <sys/file.h>
#include <time.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "ctl.h"
#include "duration.h"
#include "escape.h"
#include "json.h"
#include "limits_verbs.h"
#include "fmt.h"
#include "limitdb.h"


struct slots {
	struct mo_limitdb_slot	*v;
	size_t			 n, cap;
};

static int
collect(const struct mo_limitdb_slot *s, void *ctx)
{
	struct slots *l = ctx;

	if (mo_grow(&l->v, &l->cap, l->n, sizeof(*l->v)) == -1)
		return -1;
	l->v[l->n] = *s;
	l->v[l->n].key[sizeof(s->key) - 1] = '\0';
	l->n++;
	return 0;
}

static int
by_key(const void *a, const void *b)
{
	const struct mo_limitdb_slot *x = a, *y = b;
	int k = strcmp(x->key, y->key);

	if (k != 0)
		return k;
	if (x->unit != y->unit)
		return x->unit < y->unit ? -1 : 1;
	return x->seconds < y->seconds ? -1 : x->seconds > y->seconds;
}

/* A failure of the store: a lock held for seconds (a wrapper, which runs
 * as its caller, stopped while it holds it) is worth a retry. */
static void
store_fail(struct ctl *c)
{
	if (errno == ETIMEDOUT)
		ctl_fail(c, EX_TEMPFAIL, "%s/%s: locked for seconds by a wrapper (stopped?): "
		    "try again", c->cfg.state_dir, MO_LIMITDB_NAME);
	else
		ctl_fail(c, EX_IOERR, "%s: %s", MO_LIMITDB_NAME, strerror(errno));
}

/* Open the store; 0 when there is none yet (nothing counted so far). */
static int
open_db(struct ctl *c, struct mo_limitdb *db)
{
	char err[256];

	if (mo_limitdb_open(db, c->statefd, 0, err, sizeof(err)) == 0)
		return 1;
	if (errno == ENOENT && faccessat(c->statefd, MO_LIMITDB_NAME, F_OK, AT_SYMLINK_NOFOLLOW) == -1)
		return 0;
	ctl_fail(c, EX_IOERR, "%s/%s", c->cfg.state_dir, err);
	return -1;
}

static const char *
unit_name(int unit)
{
	return unit == MO_UNIT_MESSAGES ? "messages" : unit == MO_UNIT_RECIPIENTS ? "recipients" : "?";
}

/* Seconds from now to t, rounded up; 0 when t has passed. */
static long long
secs_until(int64_t t, int64_t now)
{
	return t <= now ? 0 : (long long)((t - now + MO_NS - 1) / MO_NS);
}

static void
when(char *buf, size_t len, int64_t t, int64_t now)
{
	char d[24];

	if (t <= now)
		strlcpy(buf, "now", len);
	else {
		ctl_duration(d, sizeof(d), t - now);
		snprintf(buf, len, "in %s", d);
	}
}

static void
show_json(const struct mo_limitdb_slot *s, const struct ctl_cell *cell, int64_t now)
{
	char win[16], lim[32];
	struct mo_json j;

	ctl_window(win, sizeof(win), s->seconds);
	snprintf(lim, sizeof(lim), "%lu/%s", (unsigned long)s->n, win);
	mo_json_begin(&j, stdout);
	mo_json_str(&j, "key", s->key);
	mo_json_str(&j, "unit", unit_name(s->unit));
	mo_json_str(&j, "limit", lim);
	mo_json_uint(&j, "n", s->n);
	mo_json_uint(&j, "seconds", s->seconds);
	mo_json_uint(&j, "used", cell->used);
	mo_json_int(&j, "next_fits", ((cell->next_fits > now ? cell->next_fits : now) + MO_NS - 1) / MO_NS);
	mo_json_int(&j, "next_fits_in", secs_until(cell->next_fits, now));
	mo_json_int(&j, "empty_at", ((cell->empty_at > now ? cell->empty_at : now) + MO_NS - 1) / MO_NS);
	mo_json_int(&j, "empty_in", secs_until(cell->empty_at, now));
	mo_json_bool(&j, "warned", cell->warned);
	mo_json_end(&j);
}

static int
limits_show(struct ctl *c, int json, int all, const char *key)
{
	struct mo_limitdb db;
	struct slots l = { 0 };
	struct ctl_cell cell;
	char win[16], lim[48], used[48], next[40], empty[40], *k;
	int64_t now;
	size_t i, kw = 3;
	int rc;

	if ((rc = open_db(c, &db)) <= 0) {
		if (rc == 0 && !json)
			printf("no limit store yet (%s/%s): nothing counted\n", c->cfg.state_dir,
			    MO_LIMITDB_NAME);
		return c->rc;
	}
	now = mo_now_ns();
	if (mo_limitdb_each(&db, collect, &l) == -1 || (l.n > 0 && l.v == NULL)) {
		store_fail(c);
		mo_limitdb_close(&db);
		return c->rc;
	}
	mo_limitdb_close(&db);
	if (l.n > 0)
		qsort(l.v, l.n, sizeof(*l.v), by_key);
	/* keep what is asked for: in use (or every cell), of key (or all keys) */
	for (i = 0; i < l.n; i++) {
		ctl_cell_at(&l.v[i], now, &cell);
		l.v[i].hash = (all || cell.used > 0 || cell.warned) &&
		    (key == NULL || strcmp(l.v[i].key, key) == 0);
		if (l.v[i].hash) {
			if ((k = ctl_safe(l.v[i].key, strlen(l.v[i].key))) == NULL)
				errx(EX_OSERR, "out of memory");
			if (strlen(k) > kw)
				kw = strlen(k);
			free(k);
		}
	}
	if (!json)
		printf("%-*s  %-10s  %-12s  %-12s  %-12s  %-12s  %s\n", (int)kw, "KEY", "UNIT",
		    "LIMIT", "USED", "NEXT FITS", "EMPTY", "FIRST HOLD LOGGED");
	for (i = 0; i < l.n; i++) {
		const struct mo_limitdb_slot *s = &l.v[i];
		if (!s->hash)
			continue;
		ctl_cell_at(s, now, &cell);
		if (json) {
			show_json(s, &cell, now);
			continue;
		}
		ctl_window(win, sizeof(win), s->seconds);
		snprintf(lim, sizeof(lim), "%lu/%s", (unsigned long)s->n, win);
		snprintf(used, sizeof(used), "%lu", (unsigned long)cell.used);
		when(next, sizeof(next), cell.next_fits, now);
		when(empty, sizeof(empty), cell.empty_at, now);
		if ((k = ctl_safe(s->key, strlen(s->key))) == NULL)
			errx(EX_OSERR, "out of memory");
		printf("%-*s  %-10s  %-12s  %-12s  %-12s  %-12s  %s\n", (int)kw, k,
		    unit_name(s->unit), lim, used, next, empty, cell.warned ? "yes" : "no");
		free(k);
	}
	free(l.v);
	return c->rc;
}

/* KEY as the wrapper makes them: uid:N, user:NAME, vhost:NAME or all. */
static int
valid_key(const char *k)
{
	const char *errstr;

	if (strcmp(k, "all") == 0)
		return 1;
	if (strncmp(k, "uid:", 4) == 0) {
		strtonum(k + 4, 0, UINT32_MAX - 1, &errstr);
		return errstr == NULL;
	}
	return (strncmp(k, "user:", 5) == 0 || strncmp(k, "vhost:", 6) == 0) &&
	    strlen(k) < sizeof(((struct mo_limitdb_slot *)0)->key);
}

static int
limits_reset(struct ctl *c, const char *key)
{
	struct mo_limitdb db;
	struct mo_line l;
	int n, rc;

	if (!valid_key(key))
		errx(EX_USAGE, "\"%s\" is not a key: uid:N, user:NAME, vhost:NAME or all", key);
	if ((rc = open_db(c, &db)) < 0)
		return c->rc;
	n = rc == 0 ? 0 : mo_limitdb_reset(&db, key);
	if (n < 0)
		store_fail(c);
	if (rc > 0)
		mo_limitdb_close(&db);
	if (n < 0)
		return c->rc;
	mo_line_init(&l);
	mo_line_kv(&l, "action", "limits-reset");
	mo_line_kv(&l, "key", key);
	mo_line_kvu(&l, "cells", (unsigned)n);
	mo_line_kv(&l, "by", "mailoriginctl");
	ctl_log(c, LOG_NOTICE, &l);
	fputs("reset ", stdout);
	ctl_put_safe(stdout, key, strlen(key));
	printf(": %d cell%s\n", n, n == 1 ? "" : "s");
	return c->rc;
}

enum { O_JSON = 1, O_ALL = 2 };

/* The options of a limits verb, each checked against v->opts; the operands
 * left in *argc, *argv. */
static void
limits_args(const struct ctl_verb *v, int *argc, char ***argv, int *json, int *all)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, O_JSON },
		{ "all", no_argument, NULL, O_ALL },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	*json = *all = 0;
	optind = 0;      /* glibc: start over, permuting again */
	while ((ch = getopt_long(*argc, *argv, "", opts, NULL)) != -1) {
		if (ch == 'h') {
			fputs(v->usage, stdout);
			exit(EX_OK);
		}
		if (ch == '?')
			errx(EX_USAGE, "see mailoriginctl --help");
		if (((unsigned)ch & v->opts) == 0)
			errx(EX_USAGE, "limits %s does not take --%s; usage:\n%s", v->name,
			    opts[__builtin_ctz((unsigned)ch)].name, v->usage);
		if (ch == O_JSON)
			*json = 1;
		else
			*all = 1;
	}
	*argc -= optind;
	*argv += optind;
}

static int
verb_show(struct ctl *c, const struct ctl_verb *v, int argc, char *argv[])
{
	int json, all;

	limits_args(v, &argc, &argv, &json, &all);
	if (argc > 1)
		errx(EX_USAGE, "limits show takes at most one KEY");
	return limits_show(c, json, all, argc == 1 ? argv[0] : NULL);
}

static int
verb_reset(struct ctl *c, const struct ctl_verb *v, int argc, char *argv[])
{
	int json, all;

	limits_args(v, &argc, &argv, &json, &all);
	if (argc != 1)
		errx(EX_USAGE, "limits reset takes one KEY (uid:N, user:NAME, vhost:NAME, all)");
	return limits_reset(c, argv[0]);
}

const struct ctl_verb ctl_limits_verbs[] = {
	{ "show", verb_show,
	  "  limits show [KEY] [--all] [--json]         limit cells in use: usage, when they free up\n",
	  O_JSON | O_ALL, NULL },
	{ "reset", verb_reset,
	  "  limits reset KEY                           forget the counters of KEY (uid:33, vhost:x, all)\n",
	  0, NULL },
	{ NULL, NULL, NULL, 0, NULL }
};

