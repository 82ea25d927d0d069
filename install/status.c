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

#include "json.h"
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
show_json(const struct ctx *c, const struct mo_install_record *r, const struct log_counts *n,
    const char *log)
{
	struct mo_json j;
	size_t i;

	mo_json_begin(&j, stdout);
	if (r == NULL) {
		mo_json_bool(&j, "swapped", 0);
		mo_json_str(&j, "root", c->root);
		mo_json_end(&j);
		return;
	}
	mo_json_bool(&j, "swapped", r->phase == MO_PHASE_SWAPPED);
	mo_json_str(&j, "mode", mo_swap_mode_name(r->mode));
	mo_json_str(&j, "phase", mo_swap_phase_name(r->phase));
	mo_json_str(&j, "id", r->id);
	mo_json_str(&j, "root", r->root);
	mo_json_int(&j, "since", (long long)r->since);
	mo_json_int(&j, "until", (long long)r->until);
	mo_json_int(&j, "remaining",
	    r->until ? (long long)(r->until > c->now ? r->until - c->now : 0) : -1LL);
	mo_json_str(&j, "timer", r->timer[0] ? r->timer : "none");
	mo_json_str(&j, "timer_ref", r->timer_ref);
	mo_json_str(&j, "wrapper", r->wrapper);
	mo_json_array(&j, "targets");
	for (i = 0; i < r->ntargets; i++) {
		mo_json_object(&j, NULL);
		mo_json_str(&j, "path", r->targets[i].path);
		mo_json_str(&j, "real", r->targets[i].real);
		mo_json_bool(&j, "dpkg", r->targets[i].dpkg);
		mo_json_close(&j);
	}
	mo_json_close(&j);
	mo_json_array(&j, "dropins");
	for (i = 0; i < r->ndropins; i++)
		mo_json_str(&j, NULL, r->dropins[i]);
	mo_json_close(&j);
	mo_json_str(&j, "milter", r->milter);
	mo_json_array(&j, "before");
	for (i = 0; i < r->nparams; i++) {
		mo_json_object(&j, NULL);
		mo_json_str(&j, "name", r->params[i].name);
		mo_json_bool(&j, "set", r->params[i].set);
		mo_json_str(&j, "value", r->params[i].value);
		mo_json_close(&j);
	}
	mo_json_close(&j);
	mo_json_str(&j, "log", log);
	if (n->readable) {
		mo_json_object(&j, "messages");
		mo_json_uint(&j, "total", n->total);
		mo_json_uint(&j, "pass", n->pass);
		mo_json_uint(&j, "hold", n->hold);
		mo_json_uint(&j, "other", n->other);
		mo_json_close(&j);
	} else
		mo_json_null(&j, "messages");
	mo_json_end(&j);
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
	if (r->mode != MO_SWAP_MILTER)
		printf("wrapper:  %s\n", r->wrapper);
	for (i = 0; i < r->ntargets; i++)
		printf("swapped:  %s (the real one at %s%s)\n", r->targets[i].path,
		    r->targets[i].real, r->targets[i].dpkg ? ", dpkg diversion" : "");
	for (i = 0; i < r->ndropins; i++)
		printf("drop-in:  %s\n", r->dropins[i]);
	if (r->mode == MO_SWAP_MILTER)
		printf("milter:   %s in smtpd_milters and non_smtpd_milters, "
		    "milter_default_action = tempfail\n", r->milter);
	for (i = 0; i < r->nparams; i++)
		printf("before:   %s %s%s%s\n", r->params[i].name, r->params[i].set ? "= " :
		    "(not set; default: ", r->params[i].value, r->params[i].set ? "" : ")");
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
