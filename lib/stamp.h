/*
 * stamp: copy a message from the caller to the spool, removing forged
 * copies of our headers, counting header recipients and noting PHP's
 * X-PHP-Originating-Script, with the body and every line ending untouched.
 *
 * The message is fed in pieces of any size; memory stays bounded whatever
 * the message (a header name is held until its colon, at most
 * MO_FIELD_NAME_MAX bytes: a longer one is no name we look for, and
 * streams through like the values; blanks after a name count in that
 * bound too).  Our own headers are
 * written by the caller before the first piece (see mo_stamp_eol()).
 *
 * A line that cannot be a header field (no colon, a control byte or 8-bit
 * byte in the name) ends the header block, as it does for Postfix: from
 * there on every byte passes unchanged.
 */
#ifndef MO_STAMP_H
#define MO_STAMP_H

#include <stddef.h>
#include <sys/types.h>

#include "rcpt.h"

#define MO_FIELD_NAME_MAX 998
#define MO_XPHP_MAX 256
#define MO_MSGID_MAX 256
#define MO_LINE_LIMIT 2048      /* Postfix's line_length_limit: its record size */

/* The MTA's input rules, ahead of the header filter (mo_stamp_input()). */
#define MO_IN_MBOX_FROM	1       /* Postfix: leading lines ">*From " (whole lines of at most
				 * MO_LINE_LIMIT - 1 bytes) are dropped by the MTA: they stay
				 * ahead of our headers, the message's headers follow */
#define MO_IN_DOT	2       /* Postfix without -i/-oi: a line "." (CRs before its LF
				 * allowed) or a last "." ends the message, and is no part of it */
#define MO_IN_QMAIL_FROM 4      /* qmail-inject: a "From " line in the header block is a
				 * field (its MBOX-Line:), not the end of the header block */

/* Where output goes: returns 0, or -1 on a write error (errno set). */
typedef int (*mo_sink_fn)(void *ctx, const void *buf, size_t len);

struct mo_stamp {
	/* set by mo_stamp_init() */
	const char	*prefix;        /* e.g. "X-Mailorigin-" */
	size_t		 prefix_len;
	int		 count_header_rcpts;    /* -t */
	mo_sink_fn	 sink;
	void		*sink_ctx;

	/* results */
	unsigned	 forged;        /* header fields removed */
	unsigned long	 header_rcpts;  /* addresses in To, Cc, Bcc (with -t),
					 * or Resent-To/Cc/Bcc when there are any */
	unsigned long	 plain_rcpts, resent_rcpts;
	int		 resent;        /* a Resent-To/Cc/Bcc field was seen */
	char		 xphp[MO_XPHP_MAX + 1]; /* X-PHP-Originating-Script, raw, cut */
	size_t		 xphp_len;
	char		 msgid[MO_MSGID_MAX + 1];      /* first Message-ID, raw, cut */
	size_t		 msgid_len;
	int		 msgid_seen;    /* a Message-ID field was read */
	int		 saw_body;      /* the header block ended */

	/* parser state */
	int		 state;
	int		 kind;          /* of the current field */
	char		 name[MO_FIELD_NAME_MAX + 1];
	size_t		 name_len;
	int		 name_ws;       /* white space seen after the name */
	int		 long_kind;     /* kind of a name past the buffer */

	/* the input rules (mo_stamp_input_init()) */
	int		 rules;         /* MO_IN_* */
	const char	*block;         /* our headers, written ahead of the message's */
	size_t		 block_len;
	int		 block_out;
	const char	*eol;           /* for the empty line that may end our block */
	int		 first_line;    /* the header filter is at the message's first line */
	int		 line_start;    /* the next input byte starts a line */
	int		 skipping;      /* still where the MTA drops "From " lines */
	size_t		 pend_len;
	unsigned	 mbox_lines;    /* "From " lines left ahead of our headers */
	int		 ended;         /* a "." line ended the message: read no more */

	/* buffers read only up to their lengths: mo_stamp_init() does not
	 * clear them (18 KiB, fresh pages in the wrapper) */
	char		 pend[MO_LINE_LIMIT];   /* a line start held until it is judged */
	struct mo_rcpt	 rcpt;
};

void mo_stamp_init(struct mo_stamp *st, const char *prefix,
    int count_header_rcpts, mo_sink_fn sink, void *sink_ctx);
int mo_stamp_feed(struct mo_stamp *st, const char *buf, size_t len);
int mo_stamp_finish(struct mo_stamp *st);

/* The first Message-ID field's value, unfolded, white space at either end
 * removed, cut at MO_MSGID_MAX bytes, into buf (size cap): what Postfix's
 * cleanup logs as message-id=.  Returns its length (0: none). */
size_t mo_stamp_msgid(const struct mo_stamp *st, char *buf, size_t cap);

/* The line ending our headers should use: "\r\n" when the first line of
 * buf (the start of the message) ends in CRLF, else "\n". */
const char *mo_stamp_eol(const char *buf, size_t len);

/*
 * The whole input side, after mo_stamp_init(): feed the caller's bytes to
 * mo_stamp_input(), which applies the MTA's input rules (MO_IN_*), writes
 * block (our headers, kept by the caller until the end) to the sink ahead
 * of the message's own header block, and passes the message to the header
 * filter.  When st->ended is set, the message is over: read no more.
 * mo_stamp_input_finish() at the end of the input (it calls
 * mo_stamp_finish()).  When the message's first line starts with a blank
 * (it would fold into our last header), an empty line (eol) ends our block
 * and the message is all body, as the MTA reads it without us.
 */
void mo_stamp_input_init(struct mo_stamp *st, int rules, const char *block, size_t block_len,
    const char *eol);
int mo_stamp_input(struct mo_stamp *st, const char *buf, size_t len);
int mo_stamp_input_finish(struct mo_stamp *st);

#endif
