/*
 * report: the one-shot table and JSON lines.
 */
#include <stdint.h>
#include <string.h>

#include <bsd/string.h>

#include "hygiene.h"
#include "report.h"
#include "say.h"

void
json_escape(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}

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
	if (t->sapi == SAPI_FPM && t->pool[0] != '\0')
		say(out, outsz, "fpm:%s", t->pool);
	else
		strlcpy(out, sapi_name(t->sapi), outsz);
}

static void
line_label(const struct traced *t, char *out, size_t outsz)
{
	if (t->line == 0)
		snprintf(out, outsz, "-");
	else if (strcmp(t->file, t->script) == 0)
		snprintf(out, outsz, "%u", t->line);
	else
		say(out, outsz, "%s:%u", base_name(t->file), t->line);
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
		fprintf(f, "%-7d %-12s %-10s %-24s %-50s %-14s %-30s %7s %s\n",
		        (int)t->pi.pid, sapi, user, vhost, script, clean_line, uri, dur, sig);
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
json_kv(FILE *f, const char *k, const char *v)
{
	fprintf(f, ",\"%s\":", k);
	json_escape(f, v);
}

static void
json_traced(FILE *f, const struct traced *t)
{
	const struct signals *s = &t->sig;
	static const char *const states[] = { "unknown", "idle", "busy" };

	fprintf(f, "{\"type\":\"php\",\"pid\":%d,\"ppid\":%d,\"uid\":%u",
	        (int)t->pi.pid, (int)t->pi.ppid, (unsigned)t->pi.uid);
	json_kv(f, "sapi", sapi_name(t->sapi));
	json_kv(f, "pool", t->pool);
	json_kv(f, "user", t->user);
	json_kv(f, "state", states[t->state]);
	json_kv(f, "vhost", t->vhost);
	json_kv(f, "script", t->script);
	json_kv(f, "file", t->file);
	fprintf(f, ",\"line\":%u", t->line);
	json_kv(f, "function", t->function);
	json_kv(f, "uri", t->uri);
	if (t->running_for >= 0)
		fprintf(f, ",\"running_for\":%.3f", t->running_for);
	else
		fprintf(f, ",\"running_for\":null");
	json_kv(f, "signal", signal_name(t->by));
	json_kv(f, "refined_by", t->refined_by ? signal_name(t->refined_by) : "");
	json_kv(f, "confidence", confidence_name(t->conf));
	fprintf(f, ",\"mails\":%d,\"signals\":{", t->mails);
	fprintf(f, "\"memory\":");
	if (s->mem_ok) {
		fprintf(f, "{\"busy\":%s", s->mem.busy ? "true" : "false");
		json_kv(f, "file", s->mem.file);
		fprintf(f, ",\"line\":%u", s->mem.line);
		json_kv(f, "function", s->mem.function);
		json_kv(f, "main_script", s->mem.main_script);
		json_kv(f, "path_translated", s->mem.path_translated);
		json_kv(f, "request_uri", s->mem.request_uri);
		json_kv(f, "query_string", s->mem.query_string);
		json_kv(f, "request_method", s->mem.request_method);
		fprintf(f, "}");
	} else {
		fprintf(f, "{\"error\":");
		json_escape(f, s->mem_why[0] ? s->mem_why :
		            s->mem_errno ? strerror(s->mem_errno) : "not read");
		fprintf(f, "}");
	}
	fprintf(f, ",\"status\":");
	if (s->status_ok) {
		fprintf(f, "{\"state\":");
		json_escape(f, s->status.state);
		json_kv(f, "script", s->status.script);
		json_kv(f, "uri", s->status.uri);
		fprintf(f, ",\"duration_us\":%llu}", s->status.duration_us);
	} else
		fprintf(f, "null");
	fprintf(f, ",\"cwd\":");
	if (s->cwd_ok) {
		fprintf(f, "{\"cwd\":");
		json_escape(f, s->cwd);
		json_kv(f, "idle_cwd", s->idle_cwd_ok ? s->idle_cwd : "");
		fprintf(f, "}");
	} else
		fprintf(f, "null");
	fprintf(f, ",\"fd\":");
	if (s->fd_ok) {
		fprintf(f, "{\"count\":%d", s->fd_count);
		json_kv(f, "file", s->fd_file);
		fprintf(f, "}");
	} else
		fprintf(f, "null");
	fprintf(f, ",\"env\":");
	if (s->env_ok) {
		fprintf(f, "{\"SCRIPT_FILENAME\":");
		json_escape(f, s->env_script);
		json_kv(f, "DOCUMENT_ROOT", s->env_docroot);
		json_kv(f, "HTTP_HOST", s->env_host);
		json_kv(f, "REQUEST_URI", s->env_uri);
		fprintf(f, "}");
	} else
		fprintf(f, "null");
	fprintf(f, ",\"cmdline\":");
	if (s->cli_ok)
		json_escape(f, s->cli_script);
	else
		fprintf(f, "null");
	fprintf(f, "}}\n");
}

void
report_json(FILE *f, const struct scan_result *res, int all)
{
	size_t i, j;

	for (i = 0; i < res->nt; i++)
		if (shown(&res->t[i], all))
			json_traced(f, &res->t[i]);
	for (i = 0; i < res->nm; i++) {
		const struct mailproc *m = &res->m[i];
		fprintf(f, "{\"type\":\"mail\",\"pid\":%d,\"uid\":%u", (int)m->pi.pid,
		        (unsigned)m->pi.uid);
		json_kv(f, "program", m->prog);
		json_kv(f, "user", m->user);
		fprintf(f, ",\"running_for\":%.3f,\"nested\":%s,\"chain\":[",
		        m->running_for, m->nested ? "true" : "false");
		for (j = 0; j < m->nchain; j++) {
			fprintf(f, "%s{\"pid\":%d,\"comm\":", j ? "," : "", (int)m->chain[j]);
			json_escape(f, m->chain_comm[j]);
			fprintf(f, "}");
		}
		fprintf(f, "]");
		if (m->php >= 0) {
			const struct traced *t = &res->t[m->php];
			fprintf(f, ",\"php_pid\":%d", (int)t->pi.pid);
			json_kv(f, "sapi", sapi_name(t->sapi));
			json_kv(f, "script", t->script);
			json_kv(f, "file", t->file);
			fprintf(f, ",\"line\":%u", t->line);
			json_kv(f, "signal", signal_name(t->by));
			json_kv(f, "confidence", confidence_name(t->conf));
		} else
			fprintf(f, ",\"php_pid\":null");
		fprintf(f, "}\n");
	}
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
