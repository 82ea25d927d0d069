/*
 * fuzz_logline: mailoriginctl report's line parsers and the join over
 * them.  The input is a log (split on LF); its first byte picks the cap
 * of open messages (1..16), so that eviction runs too.  Every line goes
 * through rp_prefix and rp_message (the results must lie inside the
 * line), then all of them through one report, printed as a table and as
 * JSON to /dev/null.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_core.h"

static void
inside(const char *l, size_t n, struct rp_str s)
{
	if (s.p != NULL && (s.p < l || s.p + s.n > l + n))
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	static FILE *null;
	struct rpt_opts o;
	struct rp_clock c;
	struct rpt *r;
	size_t off = 0;
	int json;

	if (n < 1)
		return 0;
	if (null == NULL && (null = fopen("/dev/null", "w")) == NULL)
		abort();
	memset(&o, 0, sizeof(o));
	o.since = (d[0] & 0x80) ? 1796150000 : INT64_MIN;
	o.until = INT64_MAX;
	o.by[0] = (enum rpt_key)(d[0] % RK_NKEYS);
	o.by[1] = RK_STATUS;
	o.nby = 1 + (d[0] >> 6 & 1);
	o.limit = 5;
	o.max_open = (size_t)(d[0] % 16) + 1;
	json = d[0] & 0x20;
	o.json = json;
	d++;
	n--;
	rp_clock_init(&c, 1796157061);
	r = rpt_new(&o);
	while (off < n) {
		const char *l = (const char *)d + off;
		const char *nl = memchr(l, '\n', n - off);
		size_t len = nl ? (size_t)(nl - l) : n - off;
		struct rp_prefix p;
		struct rp_event e;

		if (rp_prefix(l, len, &c, &p) == 0) {
			inside(l, len, p.host);
			inside(l, len, p.prog);
			inside(l, len, p.msg);
			rp_message(&p, &e);
			inside(l, len, e.qid);
			inside(l, len, e.from);
			inside(l, len, e.to);
			inside(l, len, e.client);
			inside(l, len, e.sasl);
			inside(l, len, e.msgid);
			inside(l, len, e.newqid);
			inside(l, len, e.rest);
			if (e.status.p != NULL && e.kind != QM_DELIVERY)
				inside(l, len, e.status);
		}
		/* a copy of exactly the line, so that ASan sees an overread */
		{
			char *copy = malloc(len ? len : 1);
			if (copy == NULL)
				abort();
			memcpy(copy, l, len);
			rpt_line(r, copy, len, &c);
			free(copy);
		}
		off += len + 1;
	}
	rpt_finish(r);
	rpt_print(r, null, null);
	rpt_free(r);
	return 0;
}
