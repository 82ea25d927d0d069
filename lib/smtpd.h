/*
 * smtpd: the server side of SMTP (RFC 5321) on a pair of file
 * descriptors, for `sendmail -bs`.  One session, any number of
 * transactions; each complete transaction is handed to the caller's
 * submit function, whose reply the client gets for the end of DATA.
 *
 * What it speaks: EHLO/HELO, MAIL FROM (SIZE, BODY=7BIT|8BITMIME,
 * SMTPUTF8), RCPT TO, DATA, RSET, NOOP, QUIT, HELP, VRFY (252); it
 * advertises PIPELINING, SIZE, 8BITMIME, SMTPUTF8, ENHANCEDSTATUSCODES.
 * Replies are buffered and flushed before each blocking read, so a
 * pipelining client gets its replies in one go.
 *
 * Lines end in LF with an optional CR before it (as Postfix's smtpd reads
 * them): a client that writes bare LF works, and a bare LF in DATA is a
 * line end there too.  Only a line "." ends DATA.  The message goes to
 * the spool with dot-stuffing undone and CRLF turned into LF (the local
 * form every sendmail and qmail-inject reads); a lone CR stays as it is.
 *
 * Bounds: a command line is at most MO_SMTPD_CMD_MAX bytes (longer: 500
 * 5.5.2, the line is dropped whole); a text line in DATA is not bounded,
 * the message is (size_max bytes after unstuffing: 552 5.3.4, the rest of
 * the data is read and dropped); MO_SMTPD_RCPT_MAX recipients (452);
 * MO_SMTPD_ERRORS_MAX errors end the session (421); so does a client
 * silent for timeout seconds (421).  Memory is bounded whatever the
 * client sends.
 */
#ifndef MO_SMTPD_H
#define MO_SMTPD_H

#include <stddef.h>
#include <stdio.h>

#define MO_SMTPD_CMD_MAX 2048           /* a command line, CRLF included */
#define MO_SMTPD_PATH_MAX 254           /* an address, without < > */
#define MO_SMTPD_RCPT_MAX 1000
#define MO_SMTPD_ERRORS_MAX 20
#define MO_SMTPD_SIZE_MAX (64ULL << 20) /* the default message bound */
#define MO_SMTPD_REPLY_MAX 512

/* One transaction, complete. */
struct mo_smtpd_txn {
	const char		*sender;        /* "" for <> */
	char *const		*rcpts;
	size_t			 nrcpt;
	int			 fd;            /* the message, local form, written from offset 0 */
	unsigned long long	 size;          /* its bytes */
	int			 eightbit;      /* BODY=8BITMIME */
	int			 smtputf8;      /* SMTPUTF8 */
};

struct mo_smtpd {
	int			 in;            /* read from */
	FILE			*out;           /* replies */
	const char		*hostname;
	unsigned long long	 size_max;
	int			 timeout;       /* seconds a client may be silent */
	/* a new empty spool fd, or -1 (errno) */
	int			(*spool)(void *ctx);
	/* hand over one transaction; write the reply to the end of DATA
	 * (one line, code first, no CRLF) into reply */
	void			(*submit)(void *ctx, const struct mo_smtpd_txn *t,
				    char *reply, size_t len);
	void			*ctx;
};

enum mo_smtpd_end {
	MO_SMTPD_QUIT,          /* the client said QUIT */
	MO_SMTPD_EOF,           /* end of input outside DATA */
	MO_SMTPD_LOST,          /* end of input in the middle of DATA: nothing submitted */
	MO_SMTPD_TIMEOUT,       /* the client was silent too long */
	MO_SMTPD_ERRORS,        /* too many errors */
	MO_SMTPD_IOERR,         /* reading failed */
};

/* Serve one session: greeting to the end.  The spool fds are the
 * caller's to close in submit (or they are closed after it). */
enum mo_smtpd_end mo_smtpd_serve(const struct mo_smtpd *s);

/* The argv of one transaction's hand-over: argv[0], the caller's options
 * but those of mode, sender, -t and queue actions (-b, -f, -r, -t, -q,
 * -I), then "-i", "-f", sender, "--" and the recipients.  argv is the
 * caller's; the strings are borrowed.  Returns a malloc'd NULL-terminated
 * array and its length in *ac, or NULL on out of memory. */
char **mo_smtpd_argv(int argc, char *const argv[], const struct mo_smtpd_txn *t, int *ac);

#endif
