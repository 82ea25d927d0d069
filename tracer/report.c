/*
 * report: the one-shot table and JSON lines.
 */
#include <stdint.h>
#include <string.h>

#include <bsd/string.h>

#include "hygiene.h"
#include "json.h"
#include "report.h"
#include "cutprintf.h"

/* table_clean(), keeping spaces when SPACES is set (messages). */
static void
clean_text(char *out, size_t outsz, const char *s, size_t width, int spaces)
{
	size_t n = 0, len = strlen(s), u;

	if (outsz == 0)
		return;
	if (width > 0 && len > width && width > 3 && outsz > 3) {
		/* keep the end of a long path: the file name matters most */
		out[n++] = '.';
		out[n++] = '.';
		s += len - (width - 2);
		/* not in the middle of a character */
		while ((*s & 0xc0) == 0x80)
			s++;
	}
	while (*s != '\0' && n + 1 < outsz) {
		unsigned char c = (unsigned char)*s;
		if (c >= 0x80) {
			/* a whole printable character, or '?' for each byte */
			if ((u = mo_utf8_len((const unsigned char *)s, strnlen(s, 4), 1)) > 0 &&
			    n + u < outsz) {
				memcpy(out + n, s, u);
				n += u;
				s += u;
			} else {
				out[n++] = '?';
				s++;
			}
			continue;
		}
		out[n++] = (c < 0x20 || c == 0x7f) ? '?' :
		           (c == ' ' && !spaces) ? '_' : (char)c;
		s++;
	}
	out[n] = '\0';
}

void
table_clean(char *out, size_t outsz, const char *s, size_t width)
{
	clean_text(out, outsz, s, width, 0);
}

void
fmt_duration(char *out, size_t outsz, double secs)
{
	if (secs < 0)
		snprintf(out, outsz, "-");
	else if (secs < 60)
		snprintf(out, outsz, "%.1fs", secs);
	else if (secs < 3600)
		snprintf(out, outsz, "%dm%02ds", (int)secs / 60, (int)secs % 60);
	else
		snprintf(out, outsz, "%dh%02dm", (int)secs / 3600, ((int)secs % 3600) / 60);
}

static const char *
base_name(const char *p)
{
	const char *b = strrchr(p, '/');

	return b ? b + 1 : p;
}

static int
shown(const struct traced *t, int all)
{
	return all || t->state != STATE_IDLE;
}

static void
sapi_label(const struct traced *t, char *out, size_t outsz)
{
	if (t->sapi == MO_SAPI_FPM && t->pool[0] != '\0')
		cut_printf(out, outsz, "fpm:%s", t->pool);
	else
		strlcpy(out, mo_sapi_name(t->sapi), outsz);
}

static void
line_label(const struct traced *t, char *out, size_t outsz)
{
	if (t->line == 0)
		snprintf(out, outsz, "-");
	else if (strcmp(t->file, t->script) == 0)
		snprintf(out, outsz, "%u", t->line);
	else
		cut_printf(out, outsz, "%s:%u", base_name(t->file), t->line);
}

void
report_table(FILE *f, const struct scan_result *res, int all)
{
	char sapi[80], user[20], vhost[28], script[60], line[40], uri[36], dur[16],
	     sig[32], clean_line[40];
	size_t i, j;
	int n = 0;

	fprintf(f, "%-7s %-12s %-10s %-24s %-50s %-14s %-30s %7s %s\n", "PID", "SAPI",
	        "USER", "VHOST", "SCRIPT", "LINE", "URI", "FOR", "SIGNAL");
	for (i = 0; i < res->nt; i++) {
		const struct traced *t = &res->t[i];
		if (!shown(t, all))
			continue;
		sapi_label(t, sapi, sizeof(sapi));
		table_clean(sapi, sizeof(sapi), sapi, 12);
		table_clean(user, sizeof(user), t->user, 10);
		table_clean(vhost, sizeof(vhost), t->vhost[0] ? t->vhost : "-", 24);
		table_clean(script, sizeof(script),
		            t->script[0] ? t->script : (t->state == STATE_IDLE ? "(idle)" : "?"),
		            50);
		line_label(t, line, sizeof(line));
		table_clean(clean_line, sizeof(clean_line), line, 14);
		table_clean(uri, sizeof(uri), t->uri[0] ? t->uri : "-", 30);
		fmt_duration(dur, sizeof(dur), t->running_for);
		if (t->refined_by != SIGNAL_NONE)
			snprintf(sig, sizeof(sig), "%s+%s/%s", signal_name(t->by),
			         signal_name(t->refined_by), confidence_name(t->conf));
		else
			snprintf(sig, sizeof(sig), "%s/%s", signal_name(t->by),
			         confidence_name(t->conf));
		fprintf(f, "%-7d %-12s %-10s %-24s %-50s %-14s %-30s %7s %s%s\n",
		        (int)t->pi.pid, sapi, user, vhost, script, clean_line, uri, dur, sig,
		        t->claimed ? " claimed" : "");
		n++;
	}
	if (n == 0)
		fprintf(f, "(no PHP script executing)\n");
	if (res->nm == 0)
		return;
	fprintf(f, "\n%-7s %-20s %-10s %7s %-40s %s\n", "MAIL", "PROGRAM", "USER", "FOR",
	        "CHAIN", "SCRIPT");
	for (i = 0; i < res->nm; i++) {
		const struct mailproc *m = &res->m[i];
		char chain[256] = "", prog[24], part[64];
		for (j = 0; j < m->nchain; j++) {
			snprintf(part, sizeof(part), "%s%s:%d", j ? "<" : "<", m->chain_comm[j],
			         (int)m->chain[j]);
			strlcat(chain, part, sizeof(chain));
		}
		table_clean(prog, sizeof(prog), m->prog, 20);
		table_clean(user, sizeof(user), m->user, 10);
		fmt_duration(dur, sizeof(dur), m->running_for);
		table_clean(chain, sizeof(chain), chain, 0);
		if (m->php >= 0) {
			const struct traced *t = &res->t[m->php];
			table_clean(script, sizeof(script), t->script[0] ? t->script : "?", 50);
			line_label(t, line, sizeof(line));
			if (t->line == 0)
				line[0] = '\0';        /* no " line -" */
		} else {
			strlcpy(script, "(no PHP parent)", sizeof(script));
			line[0] = '\0';
		}
		table_clean(clean_line, sizeof(clean_line), line, 14);
		fprintf(f, "%-7d %-20s %-10s %7s %-40s %s%s%s\n", (int)m->pi.pid, prog, user,
		        dur, chain, script, clean_line[0] ? " line " : "", clean_line);
	}
}

static void
json_traced(FILE *f, const struct traced *t)
{
	const struct signals *s = &t->sig;
	static const char *const states[] = { "unknown", "idle", "busy" };
	struct mo_json j;

	mo_json_begin(&j, f);
	mo_json_str(&j, "type", "php");
	mo_json_int(&j, "pid", (int)t->pi.pid);
	mo_json_int(&j, "ppid", (int)t->pi.ppid);
	mo_json_uint(&j, "uid", (unsigned)t->pi.uid);
	mo_json_str(&j, "sapi", mo_sapi_name(t->sapi));
	mo_json_str(&j, "pool", t->pool);
	mo_json_str(&j, "user", t->user);
	mo_json_str(&j, "state", states[t->state]);
	mo_json_str(&j, "vhost", t->vhost);
	mo_json_str(&j, "script", t->script);
	mo_json_str(&j, "file", t->file);
	mo_json_uint(&j, "line", t->line);
	mo_json_str(&j, "function", t->function);
	mo_json_str(&j, "uri", t->uri);
	if (t->running_for >= 0)
		mo_json_real(&j, "running_for", t->running_for, 3);
	else
		mo_json_null(&j, "running_for");
	mo_json_str(&j, "signal", signal_name(t->by));
	mo_json_str(&j, "refined_by", t->refined_by ? signal_name(t->refined_by) : "");
	mo_json_str(&j, "confidence", confidence_name(t->conf));
	mo_json_bool(&j, "claimed", t->claimed);
	mo_json_str(&j, "claimed_why", t->claimed_why);
	mo_json_int(&j, "mails", t->mails);
	mo_json_object(&j, "signals");
	mo_json_object(&j, "memory");
	if (s->mem_ok) {
		mo_json_bool(&j, "busy", s->mem.busy);
		mo_json_str(&j, "file", s->mem.file);
		mo_json_uint(&j, "line", s->mem.line);
		mo_json_str(&j, "function", s->mem.function);
		mo_json_str(&j, "main_script", s->mem.main_script);
		mo_json_str(&j, "path_translated", s->mem.path_translated);
		mo_json_str(&j, "request_uri", s->mem.request_uri);
		mo_json_str(&j, "query_string", s->mem.query_string);
		mo_json_str(&j, "request_method", s->mem.request_method);
	} else
		mo_json_str(&j, "error", s->mem_why[0] ? s->mem_why :
		            s->mem_errno ? strerror(s->mem_errno) : "not read");
	mo_json_close(&j);
	if (s->status_ok) {
		mo_json_object(&j, "status");
		mo_json_str(&j, "state", s->status.state);
		mo_json_str(&j, "script", s->status.script);
		mo_json_str(&j, "uri", s->status.uri);
		mo_json_uint(&j, "duration_us", s->status.duration_us);
		mo_json_close(&j);
	} else
		mo_json_null(&j, "status");
	if (s->cwd_ok) {
		mo_json_object(&j, "cwd");
		mo_json_str(&j, "cwd", s->cwd);
		mo_json_str(&j, "idle_cwd", s->idle_cwd_ok ? s->idle_cwd : "");
		mo_json_str(&j, "idle_cwd_why", s->idle_cwd_why);
		mo_json_close(&j);
	} else
		mo_json_null(&j, "cwd");
	if (s->fd_ok) {
		mo_json_object(&j, "fd");
		mo_json_int(&j, "count", s->fd_count);
		mo_json_str(&j, "file", s->fd_file);
		mo_json_close(&j);
	} else
		mo_json_null(&j, "fd");
	if (s->env_ok) {
		mo_json_object(&j, "env");
		mo_json_str(&j, "SCRIPT_FILENAME", s->env_script);
		mo_json_str(&j, "DOCUMENT_ROOT", s->env_docroot);
		mo_json_str(&j, "HTTP_HOST", s->env_host);
		mo_json_str(&j, "REQUEST_URI", s->env_uri);
		mo_json_close(&j);
	} else
		mo_json_null(&j, "env");
	if (s->cli_ok)
		mo_json_str(&j, "cmdline", s->cli_script);
	else
		mo_json_null(&j, "cmdline");
	mo_json_end(&j);
}

static void
json_mail(FILE *f, const struct scan_result *res, const struct mailproc *m)
{
	struct mo_json j;
	size_t i;

	mo_json_begin(&j, f);
	mo_json_str(&j, "type", "mail");
	mo_json_int(&j, "pid", (int)m->pi.pid);
	mo_json_uint(&j, "uid", (unsigned)m->pi.uid);
	mo_json_str(&j, "program", m->prog);
	mo_json_str(&j, "user", m->user);
	mo_json_real(&j, "running_for", m->running_for, 3);
	mo_json_bool(&j, "nested", m->nested);
	mo_json_array(&j, "chain");
	for (i = 0; i < m->nchain; i++) {
		mo_json_object(&j, NULL);
		mo_json_int(&j, "pid", (int)m->chain[i]);
		mo_json_str(&j, "comm", m->chain_comm[i]);
		mo_json_close(&j);
	}
	mo_json_close(&j);
	if (m->php >= 0) {
		const struct traced *t = &res->t[m->php];
		mo_json_int(&j, "php_pid", (int)t->pi.pid);
		mo_json_str(&j, "sapi", mo_sapi_name(t->sapi));
		mo_json_str(&j, "script", t->script);
		mo_json_str(&j, "file", t->file);
		mo_json_uint(&j, "line", t->line);
		mo_json_str(&j, "signal", signal_name(t->by));
		mo_json_str(&j, "confidence", confidence_name(t->conf));
		mo_json_bool(&j, "claimed", t->claimed);
	} else
		mo_json_null(&j, "php_pid");
	mo_json_end(&j);
}

void
report_json(FILE *f, const struct scan_result *res, int all)
{
	size_t i;

	for (i = 0; i < res->nt; i++)
		if (shown(&res->t[i], all))
			json_traced(f, &res->t[i]);
	for (i = 0; i < res->nm; i++)
		json_mail(f, res, &res->m[i]);
}

void
report_denied(FILE *f, const struct scan_result *res)
{
	const struct denied *d = &res->denied;
	size_t i;

	if (d->memory || d->maps || d->cwd || d->fds || d->env || d->exe)
		fprintf(f, "mailorigin-tracer: without CAP_SYS_PTRACE could not read: "
		        "memory of %u, maps of %u, cwd of %u, open files of %u, "
		        "environment of %u, exe of %u processes; what is shown comes "
		        "from what could be read (run as root for all signals)\n",
		        d->memory, d->maps, d->cwd, d->fds, d->env, d->exe);
	/* notes quote names users chose (binaries, config paths): cleaned */
	for (i = 0; i < res->nnotes; i++) {
		char clean[sizeof(res->notes[0]) * 3];

		clean_text(clean, sizeof(clean), res->notes[i], 0, 1);
		fprintf(f, "mailorigin-tracer: %s\n", clean);
	}
}
