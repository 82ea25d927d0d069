/* Header stamping over a table of messages, fed in pieces of every size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "stamp.h"

struct buf {
	char	*p;
	size_t	 len, cap;
};

static int
sink(void *ctx, const void *p, size_t n)
{
	struct buf *b = ctx;

	if (b->len + n > b->cap) {
		b->cap = (b->len + n) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->len, p, n);
	b->len += n;
	return 0;
}

#define S(x) x, sizeof(x) - 1
struct scase {
	const char	*in;
	size_t		 inlen;
	const char	*out;
	size_t		 outlen;
	unsigned	 forged;
	unsigned long	 rcpts;         /* with -t */
	const char	*xphp;
	const char	*msgid;         /* NULL: none */
};

static const struct scase cases[] = {
	/* plain, LF */
	{ S("Subject: hi\nTo: a@x\n\nbody\n"), S("Subject: hi\nTo: a@x\n\nbody\n"), 0, 1, "", NULL },
	/* CRLF untouched */
	{ S("Subject: hi\r\nTo: a@x, b@y\r\n\r\nbody\r\n.\r\n"), S("Subject: hi\r\nTo: a@x, b@y\r\n\r\nbody\r\n.\r\n"), 0, 2, "", NULL },
	/* forged headers removed, any case, folded, anywhere in the block */
	{ S("X-Mailorigin-Uid: 0\nSubject: s\nx-mailorigin-script: /a\n\t/b\nX-MAILORIGIN-ID: 1\nTo: a@x\n\nX-Mailorigin-Uid: body stays\n"),
	  S("Subject: s\nTo: a@x\n\nX-Mailorigin-Uid: body stays\n"), 3, 1, "", NULL },
	{ S("X-Mailorigin-Uid: 0\r\n folded\r\n\r\nb"), S("\r\nb"), 1, 0, "", NULL },
	/* a similar but different name is not ours */
	{ S("X-Mailorigin: x\nX-Mailoriginal-Uid: y\n\n"), S("X-Mailorigin: x\nX-Mailoriginal-Uid: y\n\n"), 0, 0, "", NULL },
	/* obsolete "Name :" syntax is still a header */
	{ S("X-Mailorigin-Cwd : /x\nTo : a@x\n\n"), S("To : a@x\n\n"), 1, 1, "", NULL },
	/* recipients: To, Cc, Bcc, folded, groups, quoted names */
	{ S("To: \"Doe, J\" <j@x>,\n k@y\nCc: team: a@x, b@x;\nBcc: undisclosed-recipients:;\nReply-To: r@x\n\n"),
	  S("To: \"Doe, J\" <j@x>,\n k@y\nCc: team: a@x, b@x;\nBcc: undisclosed-recipients:;\nReply-To: r@x\n\n"), 0, 4, "", NULL },
	/* PHP's header noted */
	{ S("X-PHP-Originating-Script: 1000:send.php\nTo: a@x\n\n"), S("X-PHP-Originating-Script: 1000:send.php\nTo: a@x\n\n"), 0, 1, " 1000:send.php\n", NULL },
	/* no blank line after the headers, no final newline */
	{ S("Subject: x\nTo: a@x"), S("Subject: x\nTo: a@x"), 0, 1, "", NULL },
	/* a line without a colon ends the headers: all after it is body */
	{ S("Subject: x\nnot a header\nX-Mailorigin-Uid: 0\n"), S("Subject: x\nnot a header\nX-Mailorigin-Uid: 0\n"), 0, 0, "", NULL },
	{ S("Hello world\nX-Mailorigin-Uid: 0\n"), S("Hello world\nX-Mailorigin-Uid: 0\n"), 0, 0, "", NULL },
	{ S("From sender@x Mon Jan  1 00:00:00 2026\nTo: a@x\n"), S("From sender@x Mon Jan  1 00:00:00 2026\nTo: a@x\n"), 0, 0, "", NULL },
	/* last line without a colon, at EOF */
	{ S("Subject: x\nnocolon"), S("Subject: x\nnocolon"), 0, 0, "", NULL },
	/* NUL bytes: in a header name it is body; in a value it passes */
	{ S("Sub\0ject: x\nX-Mailorigin-Uid: 0\n"), S("Sub\0ject: x\nX-Mailorigin-Uid: 0\n"), 0, 0, "", NULL },
	{ S("Subject: a\0b\nX-Mailorigin-Id: 1\n\nbo\0dy"), S("Subject: a\0b\n\nbo\0dy"), 1, 0, "", NULL },
	/* 8-bit in a name: body */
	{ S("Subj\xc3\xa9: x\n\n"), S("Subj\xc3\xa9: x\n\n"), 0, 0, "", NULL },
	/* empty message, lone CR, CR at start */
	{ S(""), S(""), 0, 0, "", NULL },
	{ S("\r"), S("\r"), 0, 0, "", NULL },
	{ S("\rX: y\n"), S("\rX: y\n"), 0, 0, "", NULL },
	{ S("\n"), S("\n"), 0, 0, "", NULL },
	/* empty name */
	{ S(": x\nX-Mailorigin-Uid: 1\n"), S(": x\nX-Mailorigin-Uid: 1\n"), 0, 0, "", NULL },
	/* Message-ID noted: the first one, unfolded, trimmed; in the body it is not one */
	{ S("Message-ID: <a.1@x>\nTo: a@x\n\n"), S("Message-ID: <a.1@x>\nTo: a@x\n\n"), 0, 1, "", "<a.1@x>" },
	{ S("message-id:\r\n  <b@x>  \r\nMessage-Id: <c@x>\r\n\r\n"), S("message-id:\r\n  <b@x>  \r\nMessage-Id: <c@x>\r\n\r\n"), 0, 0, "", "<b@x>" },
	{ S("Message-ID: <a\n b@x>\n\n"), S("Message-ID: <a\n b@x>\n\n"), 0, 0, "", "<a b@x>" },
	{ S("Subject: x\n\nMessage-ID: <d@x>\n"), S("Subject: x\n\nMessage-ID: <d@x>\n"), 0, 0, "", NULL },
	{ S("Message-IDs: <e@x>\n\n"), S("Message-IDs: <e@x>\n\n"), 0, 0, "", NULL },
	/* leading white space on the first line is a (strange) continuation */
	{ S(" x: y\nX-Mailorigin-Uid: 1\n\n"), S(" x: y\n\n"), 1, 0, "", NULL },
};

static void
run_case(const struct scase *c, size_t piece, int extract)
{
	struct mo_stamp st;
	struct buf b = { NULL, 0, 0 };
	size_t off;

	mo_stamp_init(&st, "X-Mailorigin-", extract, sink, &b);
	for (off = 0; off < c->inlen; off += piece) {
		size_t n = c->inlen - off < piece ? c->inlen - off : piece;
		assert_int_equal(0, mo_stamp_feed(&st, c->in + off, n));
	}
	assert_int_equal(0, mo_stamp_finish(&st));
	assert_int_equal(c->outlen, b.len);
	if (c->outlen)
		assert_memory_equal(c->out, b.p, c->outlen);
	assert_int_equal(c->forged, st.forged);
	assert_int_equal(extract ? c->rcpts : 0, st.header_rcpts);
	assert_string_equal(c->xphp, st.xphp);
	{
		char id[MO_MSGID_MAX + 1];
		size_t n = mo_stamp_msgid(&st, id, sizeof(id));
		assert_int_equal(c->msgid ? strlen(c->msgid) : 0, n);
		if (c->msgid)
			assert_string_equal(c->msgid, id);
	}
	free(b.p);
}

static void
test_table(void **state)
{
	static const size_t pieces[] = { 1, 2, 3, 5, 7, 16, 64, 1 << 20 };
	size_t i, p;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (p = 0; p < sizeof(pieces) / sizeof(pieces[0]); p++) {
			print_message("case %zu piece %zu\n", i, pieces[p]);
			run_case(&cases[i], pieces[p], 1);
			run_case(&cases[i], pieces[p], 0);
		}
}

/* A 1 MiB header line streams through; memory held is the name only. */
static void
test_giant_lines(void **state)
{
	size_t big = 1 << 20, n;
	char *in = malloc(big + 64);
	struct mo_stamp st;
	struct buf b = { NULL, 0, 0 };

	(void)state;
	n = (size_t)sprintf(in, "Subject: ");
	memset(in + n, 'x', big);
	n += big;
	n += (size_t)sprintf(in + n, "\nX-Mailorigin-Uid: 0\n\nbody");
	mo_stamp_init(&st, "X-Mailorigin-", 1, sink, &b);
	assert_int_equal(0, mo_stamp_feed(&st, in, n));
	assert_int_equal(0, mo_stamp_finish(&st));
	assert_int_equal(1, st.forged);
	assert_int_equal(n - strlen("X-Mailorigin-Uid: 0\n"), b.len);
	free(b.p);

	/* a 1 MiB name without a colon: past the limit it is body, unchanged */
	memset(in, 'N', big);
	memcpy(in + big, ": v\n\n", 5);
	b.len = 0;
	b.p = NULL;
	b.cap = 0;
	mo_stamp_init(&st, "X-Mailorigin-", 1, sink, &b);
	assert_int_equal(0, mo_stamp_feed(&st, in, big + 5));
	assert_int_equal(0, mo_stamp_finish(&st));
	assert_int_equal(big + 5, b.len);
	assert_memory_equal(in, b.p, big + 5);
	assert_true(st.saw_body);
	free(b.p);
	free(in);
}

/* A name longer than any we look for is still a header when a colon
 * follows (Postfix reads it so): the fields after it are still parsed. */
static void
test_long_name(void **state)
{
	size_t len = MO_FIELD_NAME_MAX + 200, n = 0;
	char *in = malloc(len + 256), *want = malloc(len + 256);
	struct mo_stamp st;
	struct buf b = { NULL, 0, 0 };
	size_t p;

	(void)state;
	memset(in, 'N', len);
	n = len;
	n += (size_t)sprintf(in + n, ": v\nBcc: a@x, b@y, c@z\nX-Mailorigin-Uid: 0 (root)\n\nbody\n");
	memcpy(want, in, n);
	for (p = 1; p <= 4096; p *= 4) {
		size_t off, wl;
		b.len = 0;
		mo_stamp_init(&st, "X-Mailorigin-", 1, sink, &b);
		for (off = 0; off < n; off += p)
			assert_int_equal(0, mo_stamp_feed(&st, in + off, n - off < p ? n - off : p));
		assert_int_equal(0, mo_stamp_finish(&st));
		assert_int_equal(3, st.header_rcpts);
		assert_int_equal(1, st.forged);
		wl = n - strlen("X-Mailorigin-Uid: 0 (root)\n");
		assert_int_equal(wl, b.len);
		assert_memory_equal(want, b.p, len + strlen(": v\nBcc: a@x, b@y, c@z\n"));
	}
	/* without a colon it is body: nothing after it is parsed */
	memset(in, 'N', len);
	n = len + (size_t)sprintf(in + len, " x\nX-Mailorigin-Uid: 0\n");
	b.len = 0;
	mo_stamp_init(&st, "X-Mailorigin-", 1, sink, &b);
	assert_int_equal(0, mo_stamp_feed(&st, in, n));
	assert_int_equal(0, mo_stamp_finish(&st));
	assert_int_equal(0, st.forged);
	assert_int_equal(n, b.len);
	free(b.p);
	free(in);
	free(want);
}

/* Filter IN (fed in pieces of P bytes) into B; returns the state. */
static void
filter(struct mo_stamp *st, struct buf *b, const char *in, size_t n, size_t p)
{
	size_t off;

	b->len = 0;
	mo_stamp_init(st, "X-Mailorigin-", 1, sink, b);
	for (off = 0; off < n; off += p)
		assert_int_equal(0, mo_stamp_feed(st, in + off, n - off < p ? n - off : p));
	assert_int_equal(0, mo_stamp_finish(st));
}

/*
 * Blanks after a name count against the name buffer (they were stored
 * unchecked: a 2019-byte line wrote past the buffer into the struct and
 * reached the MTA as 994 bytes).  A plain or recipient field with a long
 * run of blanks before its colon passes byte for byte and still counts;
 * one of ours is removed.
 */
static void
test_blank_run(void **state)
{
	static const size_t runs[] = { MO_FIELD_NAME_MAX - 7, MO_FIELD_NAME_MAX - 2,
	    MO_FIELD_NAME_MAX - 1, MO_FIELD_NAME_MAX, 2012, 70000 };
	static const char tail[] = ": a@x, b@y, c@z\nSubject: s\n\nbody\n";
	char *in = malloc(80000), *want = malloc(80000);
	struct mo_stamp st;
	struct buf b = { NULL, 0, 0 };
	size_t r, p, n, i;

	(void)state;
	for (r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
		/* "To" + blanks (spaces and tabs) + ":" : kept, 3 recipients */
		n = (size_t)sprintf(in, "To");
		for (i = 0; i < runs[r]; i++)
			in[n++] = i % 3 ? ' ' : '\t';
		memcpy(in + n, tail, sizeof(tail));
		n += sizeof(tail) - 1;
		for (p = 1; p <= 1 << 20; p *= 32) {
			filter(&st, &b, in, n, p);
			assert_int_equal(n, b.len);
			assert_memory_equal(in, b.p, n);
			assert_int_equal(3, st.header_rcpts);
			assert_int_equal(0, st.forged);
		}
		/* ours + blanks + ":" : removed, the rest intact */
		n = (size_t)sprintf(in, "X-Mailorigin-Uid");
		memset(in + n, ' ', runs[r]);
		n += runs[r];
		n += (size_t)sprintf(in + n, ": 0\nTo: a@x\n\nX");
		for (p = 1; p <= 1 << 20; p *= 32) {
			filter(&st, &b, in, n, p);
			assert_int_equal(strlen("To: a@x\n\nX"), b.len);
			assert_memory_equal("To: a@x\n\nX", b.p, b.len);
			assert_int_equal(1, st.forged);
		}
		/* a plain name + blanks without a colon: body, unchanged */
		n = (size_t)sprintf(in, "Subject");
		memset(in + n, ' ', runs[r]);
		n += runs[r];
		n += (size_t)sprintf(in + n, "x\nX-Mailorigin-Uid: 0\n");
		memcpy(want, in, n);
		for (p = 1; p <= 1 << 20; p *= 32) {
			filter(&st, &b, in, n, p);
			assert_int_equal(n, b.len);
			assert_memory_equal(want, b.p, n);
			assert_int_equal(0, st.forged);
		}
	}
	free(b.p);
	free(in);
	free(want);
}

static void
test_eol(void **state)
{
	(void)state;
	assert_string_equal("\r\n", mo_stamp_eol("Subject: x\r\nTo: y\n", 18));
	assert_string_equal("\n", mo_stamp_eol("Subject: x\nTo: y\r\n", 18));
	assert_string_equal("\n", mo_stamp_eol("no newline at all", 17));
	assert_string_equal("\n", mo_stamp_eol("\n", 1));
	assert_string_equal("\r\n", mo_stamp_eol("\r\n", 2));
	assert_string_equal("\n", mo_stamp_eol("", 0));
}

static void
test_other_prefix(void **state)
{
	struct mo_stamp st;
	struct buf b = { NULL, 0, 0 };
	const char in[] = "X-Origin-Uid: 0\nX-Mailorigin-Uid: 1\n\n";

	(void)state;
	mo_stamp_init(&st, "X-Origin-", 0, sink, &b);
	assert_int_equal(0, mo_stamp_feed(&st, in, sizeof(in) - 1));
	assert_int_equal(0, mo_stamp_finish(&st));
	assert_int_equal(1, st.forged);
	assert_int_equal(strlen("X-Mailorigin-Uid: 1\n\n"), b.len);
	free(b.p);
}

/* Issue 12 items 2 and 3, issue 11 finding 6: the MTA's input rules
 * ahead of the header filter, in pieces of every size. */
#define PF (MO_IN_MBOX_FROM | MO_IN_DOT)
#define PFI MO_IN_MBOX_FROM
#define QM MO_IN_QMAIL_FROM
#define B "X-B: 1\n"
struct icase {
	int		 rules;
	const char	*in;
	size_t		 inlen;
	const char	*out;
	size_t		 outlen;
	int		 ended;
	unsigned long	 rcpts;
	unsigned	 forged;
};

static const struct icase icases[] = {
	/* a leading mbox line stays ahead of our block: Postfix drops it */
	{ PF, S("From a@b Mon Jan 1\nTo: x@y\n\nbody\n"), S("From a@b Mon Jan 1\n" B "To: x@y\n\nbody\n"), 0, 1, 0 },
	{ PF, S(">From a\n>>From b\nFrom c\nTo: x@y\n\nb\n"), S(">From a\n>>From b\nFrom c\n" B "To: x@y\n\nb\n"), 0, 1, 0 },
	{ PFI, S("From a\r\nTo: x@y\r\n\r\nb\r\n.\r\n"), S("From a\r\n" B "To: x@y\r\n\r\nb\r\n.\r\n"), 0, 1, 0 },
	{ PF, S("Fromage: x\n\nb\n"), S(B "Fromage: x\n\nb\n"), 0, 0, 0 },
	{ PF, S("From"), S(B "From"), 0, 0, 0 },
	{ PF, S("From x"), S(B "From x"), 0, 0, 0 },      /* no newline: not a whole line */
	{ PF, S("From \n"), S("From \n" B), 0, 0, 0 },
	{ PF, S("To: a@x\nFrom b\nCc: c@d\n\nbody"), S(B "To: a@x\nFrom b\nCc: c@d\n\nbody"), 0, 1, 0 },
	{ PF, S("From a\nX-Mailorigin-Id: forged\nTo: x@y\n\n"), S("From a\n" B "To: x@y\n\n"), 0, 1, 1 },
	/* the lone dot, without -i */
	{ PF, S("To: x@y\n\nbody\n.\nafter\n"), S(B "To: x@y\n\nbody\n"), 1, 1, 0 },
	{ PF, S("To: x@y\r\n\r\nbody\r\n.\r\nafter"), S(B "To: x@y\r\n\r\nbody\r\n"), 1, 1, 0 },
	{ PF, S("a\n.\r\r\nb\n"), S(B "a\n"), 1, 0, 0 },
	{ PF, S("a\n..\n. \nx.\n.x\n"), S(B "a\n..\n. \nx.\n.x\n"), 0, 0, 0 },
	{ PF, S("body\n."), S(B "body\n"), 1, 0, 0 },
	{ PF, S("body\n.\r"), S(B "body\n.\r"), 0, 0, 0 },
	{ PF, S(".\nTo: x@y\n"), S(B), 1, 0, 0 },
	{ PF, S("."), S(B), 1, 0, 0 },
	{ PF, S("From x\n.\nTo: y@z\n"), S("From x\n" B), 1, 0, 0 },
	{ PFI, S("body\n.\nafter\n"), S(B "body\n.\nafter\n"), 0, 0, 0 },
	{ PF, S(""), S(B), 0, 0, 0 },
	/* a first line with a leading blank must not fold into our block */
	{ PF, S(" folded\nTo: x@y\n\nb\n"), S(B "\n folded\nTo: x@y\n\nb\n"), 0, 0, 0 },
	{ PF, S("\tX-Mailorigin-Id: f\nTo: x@y\n"), S(B "\n\tX-Mailorigin-Id: f\nTo: x@y\n"), 0, 0, 0 },
	{ PF, S("From a\n x\n"), S("From a\n" B "\n x\n"), 0, 0, 0 },
	{ QM, S(" x\n"), S(B "\n x\n"), 0, 0, 0 },
	{ PF, S("To: a@x,\n b@y\n\n"), S(B "To: a@x,\n b@y\n\n"), 0, 2, 0 },
	/* qmail-inject: no dot, no dropped line; "From " in the header block is a field */
	{ QM, S("From a@b\nTo: x@y\nX-Mailorigin-Id: f\n\nb\n.\nc\n"), S(B "From a@b\nTo: x@y\n\nb\n.\nc\n"), 0, 1, 1 },
	{ QM, S("To: x@y\nFrom b\nCc: z@w\n\n"), S(B "To: x@y\nFrom b\nCc: z@w\n\n"), 0, 2, 0 },
	{ QM, S("To: x@y\nFromage b\nCc: z@w\n\n"), S(B "To: x@y\nFromage b\nCc: z@w\n\n"), 0, 1, 0 },
};

static void
run_icase(const struct icase *c, size_t piece)
{
	struct mo_stamp st;
	struct buf b = { NULL, 0, 0 };
	size_t off;

	mo_stamp_init(&st, "X-Mailorigin-", 1, sink, &b);
	mo_stamp_input_init(&st, c->rules, B, sizeof(B) - 1, "\n");
	for (off = 0; off < c->inlen && !st.ended; off += piece) {
		size_t n = c->inlen - off < piece ? c->inlen - off : piece;
		assert_int_equal(0, mo_stamp_input(&st, c->in + off, n));
	}
	assert_int_equal(0, mo_stamp_input_finish(&st));
	assert_int_equal(c->ended, st.ended);
	assert_int_equal(c->outlen, b.len);
	assert_memory_equal(c->out, b.p, c->outlen);
	assert_int_equal(c->rcpts, st.header_rcpts);
	assert_int_equal(c->forged, st.forged);
	free(b.p);
}

static void
test_input_rules(void **state)
{
	static const size_t pieces[] = { 1, 2, 3, 5, 7, 16, 64, 1 << 20 };
	size_t i, p;

	(void)state;
	for (i = 0; i < sizeof(icases) / sizeof(icases[0]); i++)
		for (p = 0; p < sizeof(pieces) / sizeof(pieces[0]); p++) {
			print_message("icase %zu piece %zu\n", i, pieces[p]);
			run_icase(&icases[i], pieces[p]);
		}
}

/* Postfix's records: a line of more than 2047 bytes is not whole (no
 * mbox line, no dot), a "." after one is a line of its own only after
 * a newline. */
static void
test_input_records(void **state)
{
	struct icase c = { PF, NULL, 0, NULL, 0, 0, 0, 0 };
	char *in = malloc(8192), *out = malloc(8192);
	size_t n;

	(void)state;
	assert_non_null(in);
	assert_non_null(out);
	/* "From " + x: 2047 bytes and a newline is one whole line, dropped */
	memcpy(in, "From ", 5);
	memset(in + 5, 'x', 2042);
	memcpy(in + 2047, "\nTo: a@b\n", 9);
	n = 2056;
	memcpy(out, in, 2048);
	memcpy(out + 2048, B "To: a@b\n", sizeof(B) - 1 + 8);
	c.in = in; c.inlen = n; c.out = out; c.outlen = n + sizeof(B) - 1; c.rcpts = 1;
	run_icase(&c, 1 << 20);
	run_icase(&c, 3);
	/* 2048 bytes before the newline: two records, not dropped */
	memset(in + 5, 'x', 2043);
	memcpy(in + 2048, "\nTo: a@b\n", 9);
	n = 2057;
	memcpy(out, B, sizeof(B) - 1);
	memcpy(out + sizeof(B) - 1, in, n);
	c.inlen = n; c.outlen = n + sizeof(B) - 1; c.rcpts = 0;
	run_icase(&c, 1 << 20);
	run_icase(&c, 7);
	/* 2048 x then "." and a newline: the dot continues a record */
	memset(in, 'x', 2048);
	memcpy(in + 2048, ".\nmore\n", 7);
	memcpy(out, B, sizeof(B) - 1);
	memcpy(out + sizeof(B) - 1, in, 2055);
	c.inlen = 2055; c.outlen = 2055 + sizeof(B) - 1;
	run_icase(&c, 1 << 20);
	/* a line of 2048 x, its newline, then ".": the end */
	memcpy(in + 2048, "\n.\nmore\n", 8);
	memcpy(out + sizeof(B) - 1, in, 2049);
	c.inlen = 2056; c.outlen = 2049 + sizeof(B) - 1; c.ended = 1;
	run_icase(&c, 1 << 20);
	run_icase(&c, 5);
	free(in);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_input_rules),
		cmocka_unit_test(test_input_records),
		cmocka_unit_test(test_giant_lines),
		cmocka_unit_test(test_long_name),
		cmocka_unit_test(test_blank_run),
		cmocka_unit_test(test_eol),
		cmocka_unit_test(test_other_prefix),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
