/*
 * status: what is swapped, since when, until when, and how many messages
 * the wrapper logged in the window (from its log file: one line per
 * message, "TIME mailorigin[PID]: id=... action=...").
 */
#include <bsd/string.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "install.h"

/* The log file's lines of messages stamped between since and until
 * (until 0: up to now), by action. */
int
count_log(const char *path, time_t since, time_t until, struct log_counts *n)
{
	char from[32], to[32], line[8192];
	struct tm tm;
	FILE *f;

	memset(n, 0, sizeof(*n));
	if (path[0] == '\0' || (f = fopen(path, "re")) == NULL)
		return -1;
	n->readable = 1;
	gmtime_r(&since, &tm);
	strftime(from, sizeof(from), "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (until > 0) {
		gmtime_r(&until, &tm);
		strftime(to, sizeof(to), "%Y-%m-%dT%H:%M:%SZ", &tm);
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		const char *a;
		size_t k = strcspn(line, " ");

		if (k != 20 || strncmp(line, from, 20) < 0 ||
		    (until > 0 && strncmp(line, to, 20) > 0) ||
		    strstr(line, " mailorigin[") != line + 20 || strstr(line, " id=") == NULL)
			continue;
		n->total++;
		if ((a = strstr(line, " action=")) == NULL)
			n->other++;
		else if (strncmp(a + 8, "pass ", 5) == 0)
			n->pass++;
		else if (strncmp(a + 8, "hold ", 5) == 0)
			n->hold++;
		else
			n->other++;
		/* a line longer than the buffer: skip its rest */
		while (strchr(line, '\n') == NULL && fgets(line, sizeof(line), f) != NULL)
			;
	}
	fclose(f);
	return 0;
}

static void
json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void
show_json(const struct ctx *c, const struct mo_install_record *r, const struct log_counts *n,
    const char *log)
{
	size_t i;

	if (r == NULL) {
		printf("{\"swapped\":false,\"root\":");
		json_str(c->root);
		printf("}\n");
		return;
	}
	printf("{\"swapped\":%s,\"mode\":\"%s\",\"phase\":\"%s\",\"id\":\"%s\",\"root\":",
	    r->phase == MO_PHASE_SWAPPED ? "true" : "false", mo_swap_mode_name(r->mode),
	    mo_swap_phase_name(r->phase), r->id);
	json_str(r->root);
	printf(",\"since\":%lld,\"until\":%lld,\"remaining\":%lld,\"timer\":\"%s\",\"timer_ref\":",
	    (long long)r->since, (long long)r->until,
	    r->until ? (long long)(r->until > c->now ? r->until - c->now : 0) : -1LL,
	    r->timer[0] ? r->timer : "none");
	json_str(r->timer_ref);
	printf(",\"wrapper\":");
	json_str(r->wrapper);
	printf(",\"targets\":[");
	for (i = 0; i < r->ntargets; i++) {
		printf("%s{\"path\":", i ? "," : "");
		json_str(r->targets[i].path);
		printf(",\"real\":");
		json_str(r->targets[i].real);
		printf(",\"dpkg\":%s}", r->targets[i].dpkg ? "true" : "false");
	}
	printf("],\"dropins\":[");
	for (i = 0; i < r->ndropins; i++) {
		printf("%s", i ? "," : "");
		json_str(r->dropins[i]);
	}
	printf("],\"log\":");
	json_str(log);
	if (n->readable)
		printf(",\"messages\":{\"total\":%lu,\"pass\":%lu,\"hold\":%lu,\"other\":%lu}}\n",
		    n->total, n->pass, n->hold, n->other);
	else
		printf(",\"messages\":null}\n");
}

static void
show_text(const struct ctx *c, const struct mo_install_record *r, const struct log_counts *n,
    const char *log)
{
	char a[64], b[64];
	size_t i;

	if (r == NULL) {
		printf("nothing is swapped%s%s\n", strcmp(c->root, "/") ? " under " : "",
		    strcmp(c->root, "/") ? c->root : "");
		return;
	}
	format_time(a, sizeof(a), r->since);
	printf("mode:     %s (%s)\n", mo_swap_mode_name(r->mode),
	    r->phase == MO_PHASE_SWAPPED ? "swapped" : r->phase == MO_PHASE_SWAPPING ?
	    "INTERRUPTED swap: run swap to complete it or revert to undo it" :
	    "INTERRUPTED revert: run revert to finish it");
	printf("since:    %s\n", a);
	if (r->until) {
		long long left = r->until > c->now ? (long long)(r->until - c->now) : 0;
		format_time(b, sizeof(b), r->until);
		printf("until:    %s (%lldh%02lldm%02llds left), reverted by %s%s%s\n", b,
		    left / 3600, left / 60 % 60, left % 60,
		    strcmp(r->timer, "none") == 0 ? "a sleeper process (no systemd, no at)" :
		    r->timer, r->timer_ref[0] ? " " : "", r->timer_ref);
	} else
		printf("until:    reverted by hand (no --for)\n");
	printf("wrapper:  %s\n", r->wrapper);
	for (i = 0; i < r->ntargets; i++)
		printf("swapped:  %s (the real one at %s%s)\n", r->targets[i].path,
		    r->targets[i].real, r->targets[i].dpkg ? ", dpkg diversion" : "");
	for (i = 0; i < r->ndropins; i++)
		printf("drop-in:  %s\n", r->dropins[i]);
	if (n->readable)
		printf("messages: %lu logged in the window (%lu passed, %lu held, %lu other) in %s\n",
		    n->total, n->pass, n->hold, n->other, log);
	else
		printf("messages: unknown (%s%s)\n", log[0] ? "cannot read " : "no log file configured",
		    log);
}

int
show_status(struct ctx *c, const struct mo_install_record *r)
{
	struct log_counts n;
	char log[PATH_MAX] = "";

	memset(&n, 0, sizeof(n));
	if (r != NULL && c->cfg.log_file[0] != '\0') {
		rpath(c, log, sizeof(log), c->cfg.log_file);
		count_log(log, r->since, r->until, &n);
	}
	if (c->json)
		show_json(c, r, &n, c->cfg.log_file);
	else
		show_text(c, r, &n, c->cfg.log_file);
	return 0;
}
