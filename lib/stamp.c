/* stamp: the streaming header filter between the caller and the spool. */
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "stamp.h"

enum { S_LINE_START, S_CR_AT_START, S_NAME, S_NAME_LONG, S_VALUE, S_BODY };
enum { K_PLAIN, K_FORGED, K_RCPT, K_RESENT_RCPT, K_XPHP, K_MSGID };

void
mo_stamp_init(struct mo_stamp *st, const char *prefix, int count_header_rcpts,
    mo_sink_fn sink, void *sink_ctx)
{
	memset(st, 0, offsetof(struct mo_stamp, pend));
	st->prefix = prefix;
	st->prefix_len = strlen(prefix);
	st->count_header_rcpts = count_header_rcpts;
	st->sink = sink;
	st->sink_ctx = sink_ctx;
	st->state = S_LINE_START;
	mo_rcpt_init(&st->rcpt);
	st->eol = "\n";
	st->line_start = 1;
}

const char *
mo_stamp_eol(const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len);

	return nl != NULL && nl > buf && nl[-1] == '\r' ? "\r\n" : "\n";
}

static int
emit(struct mo_stamp *st, const void *p, size_t n)
{
	return n == 0 ? 0 : st->sink(st->sink_ctx, p, n);
}

/* The field just ended (a new line that is not a continuation). */
static void
field_end(struct mo_stamp *st)
{
	if (st->kind == K_RCPT)
		st->plain_rcpts += mo_rcpt_end(&st->rcpt);
	else if (st->kind == K_RESENT_RCPT) {
		st->resent_rcpts += mo_rcpt_end(&st->rcpt);
		st->resent = 1;
	}
	/* with Resent-To/Cc/Bcc Postfix's -t takes those instead */
	st->header_rcpts = st->resent ? st->resent_rcpts : st->plain_rcpts;
	st->kind = K_PLAIN;
}

static int
classify(const struct mo_stamp *st)
{
	size_t n = st->name_len;

	while (n > 0 && (st->name[n - 1] == ' ' || st->name[n - 1] == '\t'))
		n--;
	if (n >= st->prefix_len && strncasecmp(st->name, st->prefix, st->prefix_len) == 0)
		return K_FORGED;
	if (st->count_header_rcpts &&
	    ((n == 2 && strncasecmp(st->name, "to", 2) == 0) ||
	     (n == 2 && strncasecmp(st->name, "cc", 2) == 0) ||
	     (n == 3 && strncasecmp(st->name, "bcc", 3) == 0)))
		return K_RCPT;
	if (st->count_header_rcpts &&
	    ((n == 9 && strncasecmp(st->name, "resent-to", 9) == 0) ||
	     (n == 9 && strncasecmp(st->name, "resent-cc", 9) == 0) ||
	     (n == 10 && strncasecmp(st->name, "resent-bcc", 10) == 0)))
		return K_RESENT_RCPT;
	if (n == 24 && strncasecmp(st->name, "X-PHP-Originating-Script", 24) == 0)
		return K_XPHP;
	if (n == 10 && strncasecmp(st->name, "Message-ID", 10) == 0 && !st->msgid_seen)
		return K_MSGID;
	return K_PLAIN;
}

/* A byte that may stand in a field name (RFC 5322 ftext). */
static int
is_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

/* The line being read is not a header: the body starts here. */
static int
to_body(struct mo_stamp *st)
{
	field_end(st);
	st->state = S_BODY;
	st->saw_body = 1;
	return emit(st, st->name, st->name_len);
}

/*
 * The name buffer is full.  A name that long (no blanks yet) is none we
 * look for: a plain field if a colon follows, as Postfix reads it.  Blanks
 * after a name keep its kind: the name is known, only the colon is still
 * to come; a field of ours with that many blanks is dropped as forged even
 * without the colon (its bytes are not kept, and it is no honest line).
 * Any other kind streams on, exactly as it came.
 */
static int
name_overflow(struct mo_stamp *st)
{
	st->long_kind = st->name_ws ? classify(st) : K_PLAIN;
	if (st->long_kind == K_FORGED) {
		st->kind = K_FORGED;
		st->forged++;
		st->state = S_VALUE;
		return 0;
	}
	if (emit(st, st->name, st->name_len) == -1)
		return -1;
	st->name_len = 0;
	st->state = S_NAME_LONG;
	return 0;
}

int
mo_stamp_feed(struct mo_stamp *st, const char *buf, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)buf[i];

		switch (st->state) {
		case S_BODY:
			return emit(st, buf + i, len - i);

		case S_LINE_START:
			if (st->first_line && (c == ' ' || c == '\t')) {
				/* nothing to continue but our last header: end
				 * our block; the MTA reads such a message as body */
				st->first_line = 0;
				st->state = S_BODY;
				st->saw_body = 1;
				if (emit(st, st->eol, strlen(st->eol)) == -1)
					return -1;
				continue;
			}
			st->first_line = 0;
			if (c == ' ' || c == '\t') {    /* continuation */
				st->state = S_VALUE;
				break;          /* the byte is handled as value */
			}
			field_end(st);
			if (c == '\n') {
				st->state = S_BODY;
				st->saw_body = 1;
				continue;
			}
			if (c == '\r') {
				st->state = S_CR_AT_START;
				i++;
				continue;
			}
			st->state = S_NAME;
			st->name_len = 0;
			st->name_ws = 0;
			continue;

		case S_CR_AT_START:
			/* "\r\n" ends the header block; a lone "\r" is body too */
			st->state = S_BODY;
			st->saw_body = 1;
			if (emit(st, "\r", 1) == -1)
				return -1;
			continue;

		case S_NAME:
			if (c == ':' && st->name_len > 0) {
				st->kind = classify(st);
				if (st->kind == K_MSGID)
					st->msgid_seen = 1;
				if (st->kind == K_FORGED)
					st->forged++;
				else if (emit(st, st->name, st->name_len) == -1 ||
				    emit(st, ":", 1) == -1)
					return -1;
				st->state = S_VALUE;
				i++;
				continue;
			}
			if (c == ' ' && (st->rules & MO_IN_QMAIL_FROM) && !st->name_ws &&
			    st->name_len == 4 && memcmp(st->name, "From", 4) == 0) {
				/* qmail-inject: a field (MBOX-Line), not the body */
				field_end(st);
				if (emit(st, st->name, st->name_len) == -1)
					return -1;
				st->kind = K_PLAIN;
				st->state = S_VALUE;
				continue;
			}
			if ((c == ' ' || c == '\t') && st->name_len > 0)
				st->name_ws = 1;
			else if (!is_ftext(c) || st->name_ws) {
				if (to_body(st) == -1)
					return -1;
				continue;
			}
			if (st->name_len == MO_FIELD_NAME_MAX) {
				/* the buffer is full (name or blanks after it) */
				if (name_overflow(st) == -1)
					return -1;
				continue;
			}
			st->name[st->name_len++] = (char)c;
			i++;
			continue;

		case S_NAME_LONG:
			if (c == ':') {
				st->kind = st->long_kind;
				st->state = S_VALUE;
			} else if (c == ' ' || c == '\t')
				st->name_ws = 1;
			else if (!is_ftext(c) || st->name_ws) {
				if (to_body(st) == -1)
					return -1;
				continue;
			}
			if (emit(st, buf + i, 1) == -1)
				return -1;
			i++;
			continue;

		case S_VALUE:
			break;
		}

		/* S_VALUE: stream up to and including the end of the line */
		const char *nl = memchr(buf + i, '\n', len - i);
		size_t n = (nl != NULL ? (size_t)(nl - (buf + i)) + 1 : len - i);

		if (st->kind == K_RCPT || st->kind == K_RESENT_RCPT)
			mo_rcpt_feed(&st->rcpt, buf + i, n);
		else if (st->kind == K_XPHP) {
			size_t room = MO_XPHP_MAX - st->xphp_len;
			size_t take = n < room ? n : room;
			memcpy(st->xphp + st->xphp_len, buf + i, take);
			st->xphp_len += take;
			st->xphp[st->xphp_len] = '\0';
		} else if (st->kind == K_MSGID) {
			size_t room = MO_MSGID_MAX - st->msgid_len;
			size_t take = n < room ? n : room;
			memcpy(st->msgid + st->msgid_len, buf + i, take);
			st->msgid_len += take;
			st->msgid[st->msgid_len] = '\0';
		}
		if (st->kind != K_FORGED && emit(st, buf + i, n) == -1)
			return -1;
		i += n;
		if (nl != NULL)
			st->state = S_LINE_START;
	}
	return 0;
}

size_t
mo_stamp_msgid(const struct mo_stamp *st, char *buf, size_t cap)
{
	size_t i, n = 0;
	int ws = 0;

	if (cap == 0)
		return 0;
	/* unfold: every run of CR, LF, SP, HT becomes one space */
	for (i = 0; i < st->msgid_len && n + 1 < cap; i++) {
		char c = st->msgid[i];
		if (c == '\r' || c == '\n' || c == ' ' || c == '\t') {
			ws = n > 0;
			continue;
		}
		if (ws && n + 2 < cap)
			buf[n++] = ' ';
		ws = 0;
		buf[n++] = c;
	}
	buf[n] = '\0';
	return n;
}

int
mo_stamp_finish(struct mo_stamp *st)
{
	int rc = 0;

	if (st->state == S_NAME || st->state == S_NAME_LONG)
		rc = to_body(st);       /* a last line without a colon */
	else if (st->state == S_CR_AT_START)
		rc = emit(st, "\r", 1);
	field_end(st);
	return rc;
}

/* --- the input rules, ahead of the header filter --- */

void
mo_stamp_input_init(struct mo_stamp *st, int rules, const char *block, size_t block_len,
    const char *eol)
{
	st->rules = rules;
	st->block = block;
	st->block_len = block_len;
	st->block_out = 0;
	st->eol = eol;
	st->first_line = 1;     /* our block comes first: its end must be clean */
	st->line_start = 1;
	st->skipping = (rules & MO_IN_MBOX_FROM) != 0;
	st->pend_len = 0;
	st->mbox_lines = 0;
	st->ended = 0;
}

static int
block_out(struct mo_stamp *st)
{
	if (st->block_out)
		return 0;
	st->block_out = 1;
	st->skipping = 0;
	return emit(st, st->block, st->block_len);
}

enum { J_MORE, J_MBOX, J_DOT, J_PLAIN };

/* Judge the held start of a line: more bytes needed, a whole mbox "From "
 * line the MTA drops, the "." that ends the message, or a plain line. */
static int
judge(const struct mo_stamp *st, int at_eof)
{
	const char *p = st->pend;
	size_t n = st->pend_len, k, i;
	int nl = n > 0 && p[n - 1] == '\n', mbox = 0, dot = 0;

	if (st->skipping) {     /* ">*From ", matched as far as it goes */
		for (k = 0; k < n && p[k] == '>'; k++)
			;
		mbox = strncmp(p + k, "From ", n - k < 5 ? n - k : 5) == 0;
		if (mbox && n - k >= 5 && nl)
			return J_MBOX;
		if (n - k < 5 && (nl || at_eof))
			mbox = 0;
		if (at_eof)
			mbox = 0;       /* no newline: not a whole line, the MTA keeps it */
	}
	if (st->rules & MO_IN_DOT) {    /* ".", CRs, LF; or "." at the end */
		dot = n > 0 && p[0] == '.';
		for (i = 1; dot && i < n; i++)
			if (p[i] != '\r' && !(p[i] == '\n' && i == n - 1))
				dot = 0;
		if (dot && (nl || (at_eof && n == 1)))
			return J_DOT;
		if (at_eof)
			dot = 0;
	}
	if (n >= MO_LINE_LIMIT || nl)   /* a record the MTA reads as a plain line */
		return J_PLAIN;
	return mbox || dot ? J_MORE : J_PLAIN;
}

/* The held bytes are a plain line start: our block (if not yet), then
 * the bytes to the header filter. */
static int
pend_plain(struct mo_stamp *st)
{
	size_t n = st->pend_len;

	st->pend_len = 0;
	st->line_start = n > 0 && st->pend[n - 1] == '\n';
	if (block_out(st) == -1)
		return -1;
	return n == 0 ? 0 : mo_stamp_feed(st, st->pend, n);
}

static int
pend_decide(struct mo_stamp *st, int at_eof)
{
	switch (judge(st, at_eof)) {
	case J_MBOX: {
		size_t n = st->pend_len;

		st->mbox_lines++;
		st->pend_len = 0;
		return emit(st, st->pend, n) == -1 ? -1 : 1;
	}
	case J_DOT:
		st->pend_len = 0;
		st->ended = 1;
		return 1;
	case J_PLAIN:
		return pend_plain(st) == -1 ? -1 : 1;
	}
	return 0;
}

int
mo_stamp_input(struct mo_stamp *st, const char *buf, size_t len)
{
	size_t i = 0, n;
	const char *nl;
	int rc;

	while (i < len && !st->ended) {
		if (st->line_start && (st->skipping || (st->rules & MO_IN_DOT))) {
			/* a line start that may be special: held until judged */
			st->pend[st->pend_len++] = buf[i++];
			if ((rc = pend_decide(st, 0)) == -1)
				return -1;
			continue;
		}
		if (block_out(st) == -1)
			return -1;
		/* the rest of the line, as it is */
		nl = memchr(buf + i, '\n', len - i);
		n = nl != NULL ? (size_t)(nl - (buf + i)) + 1 : len - i;
		if (mo_stamp_feed(st, buf + i, n) == -1)
			return -1;
		i += n;
		st->line_start = nl != NULL;
	}
	return 0;
}

int
mo_stamp_input_finish(struct mo_stamp *st)
{
	if (st->pend_len > 0 && pend_decide(st, 1) == -1)
		return -1;
	if (block_out(st) == -1)
		return -1;
	return mo_stamp_finish(st);
}
