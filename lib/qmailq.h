/*
 * qmailq: read qmail's queue as qmail-queue(8) and qmail-send write it
 * (qmail's INTERNALS), without qmail's code and without a process.
 *
 * A message is its inode number INODE (qmail-queue's pid file's inode):
 *   mess/N/INODE     the message: qmail-queue's Received line, then what it
 *                    was given on fd 0 (N = INODE % split, conf-split)
 *   intd/[N/]INODE   the envelope as qmail-queue writes it: "u<uid>",
 *                    "p<pid>", "F<sender>", "T<rcpt>"..., each record ended
 *                    by a NUL; linked to todo/[N/]INODE once complete
 *   todo/[N/]INODE   the same file: not yet preprocessed by qmail-send
 *   info/N/INODE     after preprocessing: "F<sender>"
 *   local/N/INODE, remote/N/INODE
 *                    the recipients per channel: "T<rcpt>" pending, "D<rcpt>"
 *                    done (qmail-send overwrites the T in place)
 *   bounce/INODE     failure reports not yet sent back
 * todo/ and intd/ are flat in qmail 1.03 and notqmail, split in some
 * forks ("big todo"): both are read.  The split is what mess/ holds.
 *
 * Everything here works on bytes given by a read function: records and
 * lines are bounded (QMQ_REC_MAX, QMQ_FIELD_MAX, QMQ_LINE_MAX: longer ones
 * are cut and flagged), memory is one struct qmq_buf per caller whatever
 * the file, and a file ending without its final NUL or newline is handed
 * out as it is, flagged.
 */
#ifndef MO_QMAILQ_H
#define MO_QMAILQ_H

#include <stddef.h>
#include <sys/types.h>

#define QMQ_SPLIT_DEFAULT 23
#define QMQ_SPLIT_MAX     1000          /* more mess/N folders than this: not qmail's */
#define QMQ_REC_MAX       4096          /* qmail-queue refuses addresses of 1003 bytes or more */
#define QMQ_FIELD_MAX     65536
#define QMQ_LINE_MAX      65536
#define QMQ_CHUNK         65536

/* Where bytes come from: like read(2). */
typedef ssize_t (*qmq_read_fn)(void *src, void *buf, size_t len);
ssize_t qmq_read_fd(void *src, void *buf, size_t len);       /* src = int * */
struct qmq_mem { const unsigned char *p; size_t n, off; };
ssize_t qmq_read_mem(void *src, void *buf, size_t len);      /* src = struct qmq_mem * */

/* The buffers of one reader, reused from message to message. */
struct qmq_buf {
	unsigned char	*chunk;         /* QMQ_CHUNK */
	char		*acc;           /* a record or line being assembled */
	char		*fld;           /* a header field being assembled */
};
void qmq_buf_free(struct qmq_buf *b);

enum qmq_result {
	QMQ_OK = 0,
	QMQ_STOPPED = 1,        /* the callback asked to stop */
	QMQ_UNENDED = 2,        /* the last record had no NUL (being written, or cut) */
	QMQ_IOERR = -1,         /* read error, errno set */
	QMQ_NOMEM = -2,
	QMQ_BADTYPE = -3        /* a record type qmail does not write */
};

/*
 * One envelope record: type is its first byte ('u', 'p', 'F', 'T', 'D'),
 * data the rest (no NUL).  cut: longer than QMQ_REC_MAX.  Return 0 to go
 * on, 1 to stop.  types: the record types allowed (others: QMQ_BADTYPE;
 * an empty record, the terminator qmail-queue reads on fd 1, ends the
 * records).
 */
typedef int (*qmq_rec_fn)(void *arg, int type, const char *data, size_t len, int cut);
int qmq_records(struct qmq_buf *b, qmq_read_fn rd, void *src, const char *types,
    qmq_rec_fn fn, void *arg);

/*
 * The message: its header fields ('H': "Name: value", folded lines joined
 * with "\n", no final newline; a line that is no field ends the header as
 * qmail-inject would not have let it in), then, when want_body, its body
 * lines ('B', no newline).  Return 0 to go on, 1 to stop.
 */
typedef int (*qmq_line_fn)(void *arg, int type, const char *data, size_t len, int cut);
int qmq_message(struct qmq_buf *b, qmq_read_fn rd, void *src, int want_body,
    qmq_line_fn fn, void *arg);

/* A queue file name: decimal digits only, no leading zero, < 2^63. */
int qmq_name_ok(const char *name);
/* The split of a queue from its mess/ folder (an open directory fd, not
 * closed): the numbered folders 0..N-1 it holds give N.  -1 when they are
 * not a run from 0 (not qmail's layout) or the folder cannot be read. */
int qmq_split(int messdirfd);

#endif
