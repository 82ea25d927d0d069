/*
 * rcpt: count the addresses in an RFC 5322 address list, fed in pieces.
 *
 * Understands quoted strings, comments (nested), angle addresses, groups
 * ("undisclosed-recipients:;" counts none) and folding.  An item counts
 * when it holds anything but white space and comments.  Memory is a few
 * integers: a 1 MiB To: line costs nothing extra.
 */
#ifndef MO_RCPT_H
#define MO_RCPT_H

#include <stddef.h>

struct mo_rcpt {
	unsigned long	count;
	unsigned	depth;          /* comment nesting */
	unsigned char	quote, escape, angle, bracket, content;
};

void mo_rcpt_init(struct mo_rcpt *r);
void mo_rcpt_feed(struct mo_rcpt *r, const char *p, size_t len);
/* End of the field: counts a pending item; the state is ready for the next. */
void mo_rcpt_end(struct mo_rcpt *r);
/* Addresses in one NUL-terminated string (an argv recipient may hold several). */
unsigned long mo_rcpt_count(const char *s);

#endif
