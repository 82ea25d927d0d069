/* fmt: safe text, JSON strings, durations, and a limit cell now. */
#include <bsd/string.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "hygiene.h"
#include "ratelimit.h"

#define NS 1000000000LL

/* The escape of byte c into e (size >= 5); returns its length. */
static size_t
safe_byte(char *e, unsigned char c)
{
	switch (c) {
	case '\n': memcpy(e, "\\n", 2); return 2;
	case '\r': memcpy(e, "\\r", 2); return 2;
	case '\t': memcpy(e, "\\t", 2); return 2;
	case '\\': memcpy(e, "\\\\", 2); return 2;
	}
	if (c < 0x20 || c > 0x7e) {
		snprintf(e, 5, "\\x%02x", c);
		return 4;
	}
	e[0] = (char)c;
	return 1;
}

void
ctl_put_safe(FILE *f, const char *s, size_t len)
{
	char e[5];
	size_t i;

	for (i = 0; i < len; i++)
		fwrite(e, 1, safe_byte(e, (unsigned char)s[i]), f);
}

char *
ctl_safe(const char *s, size_t len)
{
	char e[5], *out, *o;
	size_t i;

	if ((out = malloc(len * 4 + 1)) == NULL)
		return NULL;
	for (i = 0, o = out; i < len; i++) {
		size_t n = safe_byte(e, (unsigned char)s[i]);
		memcpy(o, e, n);
		o += n;
	}
	*o = '\0';
	return out;
}

void
ctl_put_json(FILE *f, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	fputc('"', f);
	while (i < len) {
		unsigned char c = p[i];
		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
		} else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else if (c < 0x80)
			fputc(c, f);
		else if ((n = mo_utf8_len(p + i, len - i, 0)) > 0) {
			fwrite(p + i, 1, n, f);
			i += n;
			continue;
		} else
			fprintf(f, "\\u%04x", c);
		i++;
	}
	fputc('"', f);
}

void
ctl_duration(char *buf, size_t len, int64_t ns)
{
	int64_t s = ns <= 0 ? 0 : (ns + NS - 1) / NS;

	if (s < 60)
		snprintf(buf, len, "%llds", (long long)s);
	else if (s < 3600)
		snprintf(buf, len, "%lldm%llds", (long long)(s / 60), (long long)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%lldh%lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(buf, len, "%lldd%lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
}

void
ctl_window(char *buf, size_t len, uint32_t seconds)
{
	if (seconds > 0 && seconds % 86400 == 0)
		snprintf(buf, len, "%lud", (unsigned long)(seconds / 86400));
	else if (seconds > 0 && seconds % 3600 == 0)
		snprintf(buf, len, "%luh", (unsigned long)(seconds / 3600));
	else if (seconds > 0 && seconds % 60 == 0)
		snprintf(buf, len, "%lum", (unsigned long)(seconds / 60));
	else
		snprintf(buf, len, "%lus", (unsigned long)seconds);
}

void
ctl_cell_at(const struct mo_limitdb_slot *s, int64_t now, struct ctl_cell *c)
{
	struct mo_window w = { .n = s->n, .seconds = s->seconds, .unit = s->unit };
	int64_t iv;

	memset(c, 0, sizeof(*c));
	c->warned = s->warned_until > now;
	c->warned_until = s->warned_until;
	c->empty_at = s->tat;
	if (s->n == 0) {                /* a torn cell: as good as empty */
		c->next_fits = now;
		return;
	}
	iv = (int64_t)s->seconds * NS / s->n;
	c->used = mo_gcra_used(s->tat, now, &w);
	/* mo_gcra lets a cost of 1 in while tat + iv - now <= window */
	c->next_fits = s->tat + iv - (int64_t)s->seconds * NS;
}
