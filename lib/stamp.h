/*
 * stamp: copy a message from the caller to the spool, removing forged
 * copies of our headers, counting header recipients and noting PHP's
 * X-PHP-Originating-Script, with the body and every line ending untouched.
 *
 * The message is fed in pieces of any size; memory stays bounded whatever
 * the message (a header name is held until its colon, at most
 * MO_FIELD_NAME_MAX bytes: a longer one is no name we look for, and
 * streams through like the values).  Our own headers are
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
	unsigned long	 header_rcpts;  /* addresses in To, Cc, Bcc (with -t) */
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

#endif
