/* fmt: safe text, durations, and a limit cell now. */
#include <bsd/string.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "duration.h"
#include "escape.h"
#include "ratelimit.h"


void
ctl_put_safe(FILE *f, const char *s, size_t len)
{
	char e[MO_ESCAPE_BYTE_MAX];
	size_t i;

	for (i = 0; i < len; i++)
		fwrite(e, 1, mo_escape_byte(e, (unsigned char)s[i]), f);
}

char *
ctl_safe(const char *s, size_t len)
{
	char *out;

	if ((out = malloc(len * 4 + 1)) == NULL)
		return NULL;
	mo_escape_all(out, s, len);
	return out;
}

void
ctl_duration(char *buf, size_t len, int64_t ns)
{
	int64_t s = ns <= 0 ? 0 : (ns + MO_NS - 1) / MO_NS;

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
	iv = (int64_t)s->seconds * MO_NS / s->n;
	c->used = mo_gcra_used(s->tat, now, &w);
	/* mo_gcra lets a cost of 1 in while tat + iv - now <= window */
	c->next_fits = s->tat + iv - (int64_t)s->seconds * MO_NS;
}
