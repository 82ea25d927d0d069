/*
 * rcpt: count the addresses in an RFC 5322 address list, fed in pieces,
 * as Postfix's own parser (tok822) reads the list, so that the count is
 * never lower than the number of recipients the MTA will deliver to.
 *
 * The list is cut into tokens the way tok822_scan() does: white space
 * (space, tab, CR, LF) separates, comments (nested) are set aside, quoted
 * strings and domain literals are words, an unclosed one runs to the end
 * of the field, a NUL ends the field (Postfix parses a C string).  Then the
 * tokens are grouped into addresses from right to left as tok822_parse()
 * does: two words with no operator between them are two addresses
 * ("a@x b@y" is 2), "<...>" is one whatever it holds and the phrase before
 * it is dropped, an unclosed "<" is an ordinary operator (commas after it
 * still separate), a group's name before ":" is dropped when a ";" follows.
 * Only token types are kept (a byte each, up to MO_RCPT_TOKENS a field);
 * a longer field, or one of more than MO_RCPT_FIELD_MAX bytes (where
 * Postfix may cut the header), counts every token but comments as an
 * address: an over-count, never an under-count.
 */
#ifndef MO_RCPT_H
#define MO_RCPT_H

#include <stddef.h>

#define MO_RCPT_TOKENS		16384
#define MO_RCPT_FIELD_MAX	(64 * 1024)

struct mo_rcpt {
	unsigned long	count;          /* over every field ended so far */
	/* the field being read */
	size_t		ntok, bytes;
	unsigned long	words;          /* tokens but comments, for an overflow */
	unsigned	depth;          /* comment nesting */
	unsigned char	mode, escape, stop;
	unsigned char	tok[MO_RCPT_TOKENS];
};

void mo_rcpt_init(struct mo_rcpt *r);
void mo_rcpt_feed(struct mo_rcpt *r, const char *p, size_t len);
/* End of the field: adds its addresses to count and returns them; the
 * state is ready for the next field. */
unsigned long mo_rcpt_end(struct mo_rcpt *r);
/* Addresses in one NUL-terminated string (an argv recipient may hold several,
 * and Postfix's sendmail parses each argument as an address list). */
unsigned long mo_rcpt_count(const char *s);

#endif
