/* rcpt: an address counter for To, Cc, Bcc (Resent-*) and argv recipients,
 * following Postfix's tok822 tokenizer and parser (see rcpt.h). */
#include <stddef.h>
#include <string.h>

#include "rcpt.h"

enum { M_NONE, M_ATOM, M_QUOTE, M_DOMLIT, M_COMMENT };

/* Token types: a word (atom, quoted string, domain literal), the operators
 * the parser looks at, and any other operator. */
#define T_WORD  'w'
#define T_OP    'o'

/* tok822's operators: "|%!" and RFC 822's specials. */
static int
is_op(unsigned char c)
{
	return c != '\0' && strchr("|%!()<>@,;:\\\".[]", c) != NULL;
}

static int
is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Ready for the next field; the count stays. */
static void
field_reset(struct mo_rcpt *r)
{
	unsigned long n = r->count;

	memset(r, 0, offsetof(struct mo_rcpt, tok));
	r->count = n;
}

void
mo_rcpt_init(struct mo_rcpt *r)
{
	memset(r, 0, offsetof(struct mo_rcpt, tok));
}

static void
token(struct mo_rcpt *r, unsigned char c)
{
	unsigned char t = T_OP;

	if (c == T_WORD || strchr("<>,;:", c) != NULL)
		t = c;
	if (r->ntok < MO_RCPT_TOKENS)
		r->tok[r->ntok] = t;
	r->ntok++;
	r->words++;
}

/* One byte outside any quoted string, domain literal or comment. */
static void
plain(struct mo_rcpt *r, unsigned char c)
{
	if (is_space(c))
		return;
	if (c == '(') {
		r->mode = M_COMMENT;
		r->depth = 1;
	} else if (c == '"' || c == '[') {
		r->mode = c == '"' ? M_QUOTE : M_DOMLIT;
		token(r, T_WORD);
	} else if (c != '\\' && is_op(c)) {
		token(r, c);
	} else {
		r->mode = M_ATOM;
		r->escape = c == '\\';
		token(r, T_WORD);
	}
}

static void
byte(struct mo_rcpt *r, unsigned char c)
{
	if (r->escape) {
		r->escape = 0;
		return;
	}
	switch (r->mode) {
	case M_QUOTE:
	case M_DOMLIT:
		if (c == '\\')
			r->escape = 1;
		else if (c == (r->mode == M_QUOTE ? '"' : ']'))
			r->mode = M_NONE;
		return;
	case M_COMMENT:
		if (c == '\\')
			r->escape = 1;
		else if (c == '(')
			r->depth++;
		else if (c == ')' && --r->depth == 0)
			r->mode = M_NONE;
		return;
	case M_ATOM:
		if (c == '\\') {
			r->escape = 1;
			return;
		}
		if (!is_space(c) && !is_op(c))
			return;
		r->mode = M_NONE;
		break;
	}
	plain(r, c);
}

void
mo_rcpt_feed(struct mo_rcpt *r, const char *p, size_t len)
{
	size_t i;

	r->bytes += len;
	for (i = 0; i < len && !r->stop; i++) {
		if (p[i] == '\0')
			r->stop = 1;    /* the rest is not parsed by Postfix */
		else
			byte(r, (unsigned char)p[i]);
	}
}

/* Tokens strictly between L and R make one address when there are any. */
static unsigned long
group(long l, long r)
{
	return r - l > 1;
}

/* tok822_parse()'s grouping, right to left, counting the addresses. */
static unsigned long
parse_count(const unsigned char *t, long n)
{
	unsigned long count = 0;
	long tp = n - 1, right = n;
	int word_ok = 1, in_group = 0;

	while (tp >= 0) {
		switch (t[tp]) {
		case ';':               /* right side of a named group */
			count += group(tp, right);
			right = tp;
			word_ok = in_group = 1;
			break;
		case ':':
			if (!in_group) {
				word_ok = 1;
				break;
			}
			count += group(tp, right);
			while (tp >= 0 && t[tp] != ',')
				tp--;   /* the group's name */
			right = tp;
			continue;
		case '>': {             /* right side of <route> */
			long l = tp;

			count += group(tp, right);
			while (l >= 0 && t[l] != '<')
				l--;
			count += group(l, tp);
			while (l >= 0 && strchr(">;,:", t[l]) == NULL)
				l--;    /* the phrase */
			right = tp = l;
			word_ok = 1;
			continue;
		}
		case T_WORD:
			if (!word_ok) {  /* two words: two addresses */
				count += group(tp, right);
				right = tp + 1;
			}
			word_ok = 0;
			break;
		case ',':
			count += group(tp, right);
			right = tp;
			word_ok = 1;
			break;
		default:
			word_ok = 1;
		}
		tp--;
	}
	return count + group(-1, right);
}

unsigned long
mo_rcpt_end(struct mo_rcpt *r)
{
	unsigned long n;

	if (r->ntok > MO_RCPT_TOKENS || r->bytes > MO_RCPT_FIELD_MAX)
		n = r->words;   /* every address holds a token of its own */
	else
		n = parse_count(r->tok, (long)r->ntok);
	r->count += n;
	field_reset(r);
	return n;
}

unsigned long
mo_rcpt_count(const char *s)
{
	struct mo_rcpt r;

	mo_rcpt_init(&r);
	mo_rcpt_feed(&r, s, strlen(s));
	return mo_rcpt_end(&r);
}
