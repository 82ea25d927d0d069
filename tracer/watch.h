/*
 * watch: aggregate repeated scans over a window, per script, per vhost
 * and per uid.
 *
 * Promises: watch_add() folds one scan into the window: every busy PHP
 * process adds a sample (and the interval times the moments the scan
 * stands for to the busy estimate) to its script, its vhost and its uid;
 * every mail program not started by another mail program is counted once,
 * however many scans see it.  Plain data, no I/O except the stat(2) of a
 * script when it is first seen.
 */
#ifndef MO_TRACER_WATCH_H
#define MO_TRACER_WATCH_H

#include <stdio.h>
#include <sys/types.h>

#include "scan.h"

enum agg_kind { AGG_SCRIPT = 0, AGG_VHOST, AGG_UID };

struct agg {
	enum agg_kind kind;
	char key[PATH_MAX];             /* script path, vhost, or user name */
	uid_t uid;
	char vhost[256];                /* for scripts */
	char user[64];
	enum signal_kind best;          /* most trusted signal seen */
	enum confidence conf;
	unsigned long samples;
	double busy;                    /* seconds: intervals of the scans that saw it */
	unsigned long mails;
	double first, last;             /* unix times */
	int stat_ok;
	uid_t owner;
	char owner_name[64];
	double mtime;
};

struct mail_seen {
	pid_t pid;
	unsigned long long starttime;
};

struct watch {
	struct agg *a;
	size_t n, cap;
	struct mail_seen *seen;
	size_t nseen, capseen;
	unsigned long scans;
	unsigned long long ticks;       /* moments so far: the scans' sum */
	double interval;                /* seconds */
	double started;
	double scan_time, scan_max;     /* seconds the scans took: sum, longest */
};

void watch_init(struct watch *w, double interval);
/* RES is a scan that took TOOK seconds and stands for MOMENTS (1 or more)
 * moments of the window: its own and those it ran over (skipped); a busy
 * process seen in it adds MOMENTS intervals to the busy estimate, one to
 * the samples. */
int watch_add(struct watch *w, const struct scan_result *res, unsigned long long moments,
              double took);
/* Sort each kind by busy time, most first. */
void watch_sort(struct watch *w);
void watch_print(FILE *f, const struct watch *w, size_t top, double now);
void watch_json(FILE *f, const struct watch *w, size_t top);
void watch_free(struct watch *w);

/* "250ms", "2s", "1.5s", "5m", "1h", "3" (seconds): milliseconds, or -1. */
long long parse_duration_ms(const char *s);

#endif
