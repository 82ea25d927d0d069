/* rcpt: a streaming address counter for To, Cc, Bcc and argv recipients. */
#include <string.h>

#include "rcpt.h"

void
mo_rcpt_init(struct mo_rcpt *r)
{
	memset(r, 0, sizeof(*r));
}

static void
item_end(struct mo_rcpt *r)
{
	if (r->content)
		r->count++;
	r->content = 0;
	r->angle = 0;
}

void
mo_rcpt_feed(struct mo_rcpt *r, const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = p[i];

		if (r->escape) {
			r->escape = 0;
			if (r->depth == 0)
				r->content = 1;
			continue;
		}
		if (r->quote) {
			if (c == '\\')
				r->escape = 1;
			else if (c == '"')
				r->quote = 0;
			continue;
		}
		if (r->bracket) {               /* domain literal: [IPv6:...] */
			if (c == ']')
				r->bracket = 0;
			continue;
		}
		if (r->depth > 0) {
			if (c == '\\')
				r->escape = 1;
			else if (c == '(')
				r->depth++;
			else if (c == ')')
				r->depth--;
			continue;
		}
		switch (c) {
		case '(':
			r->depth = 1;
			break;
		case '"':
			r->quote = 1;
			r->content = 1;
			break;
		case '<':
			r->angle = 1;
			r->content = 1;
			break;
		case '>':
			r->angle = 0;
			break;
		case '[':
			r->bracket = 1;
			r->content = 1;
			break;
		case ',':
			if (!r->angle)
				item_end(r);
			break;
		case ':':
			if (!r->angle)
				r->content = 0;         /* a group's display name */
			break;
		case ';':
			if (!r->angle)
				item_end(r);
			break;
		case ' ': case '\t': case '\r': case '\n':
			break;
		default:
			r->content = 1;
		}
	}
}

void
mo_rcpt_end(struct mo_rcpt *r)
{
	unsigned long n = r->count;

	item_end(r);
	n = r->count;
	mo_rcpt_init(r);
	r->count = n;
}

unsigned long
mo_rcpt_count(const char *s)
{
	struct mo_rcpt r;

	mo_rcpt_init(&r);
	mo_rcpt_feed(&r, s, strlen(s));
	mo_rcpt_end(&r);
	return r.count;
}
