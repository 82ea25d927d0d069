/*
 * pfqueue: read one Postfix queue file (the record format of Postfix's
 * rec_type.h and record.c), without Postfix's code and without a process.
 *
 * A record is one type byte, its length in 7-bit groups (low group first,
 * the high bit set on every group but the last), then that many data bytes.
 * Pointer records ('p', a decimal offset; 0 is a placeholder) are
 * followed, padding ('w') and killed ('K') records skipped.  The reader
 * hands every record to a callback, in three sections: the envelope (up
 * to 'M'), the content (header fields assembled from their 'L'/'N'
 * records and folded lines, then body lines), and the extracted segment
 * (after 'X', up to 'E').  When the body is not wanted it is skipped with
 * the 'C' record's offsets (checked: the record found there must be 'X'),
 * else records are read through.
 *
 * Memory is bounded whatever the file: records are read through one
 * window of PFQ_WINDOW bytes; a record longer than PFQ_REC_MAX, more than
 * PFQ_JUMPS_MAX pointer jumps or a file without its 'E' record is an error
 * (PFQ_CORRUPT / PFQ_SHORT), never a crash or a loop.  A header field
 * longer than PFQ_FIELD_MAX and a body line longer than PFQ_LINE_MAX are
 * cut (flagged).
 */
#ifndef MO_PFQUEUE_H
#define MO_PFQUEUE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define PFQ_WINDOW      65536
#define PFQ_REC_MAX     (1024 * 1024)
#define PFQ_JUMPS_MAX   10000
#define PFQ_FIELD_MAX   65536
#define PFQ_LINE_MAX    65536

enum pfq_section { PFQ_ENVELOPE, PFQ_HEADER, PFQ_BODY, PFQ_EXTRACTED };

enum pfq_result {
	PFQ_OK = 0,
	PFQ_STOPPED = 1,        /* the callback asked to stop */
	PFQ_CORRUPT = -1,       /* a record that cannot be */
	PFQ_SHORT = -2,         /* the file ends before its 'E' record */
	PFQ_IOERR = -3,         /* read error, errno set */
	PFQ_NOMEM = -4
};

/*
 * One item: an envelope/extracted record (type is its type byte), a
 * header field (type 'H': "Name: value" as stored, folded lines joined
 * with "\n", no final newline) or a body line (type 'B', no newline).
 * cut is set when the item was longer than its bound.  Return 0 to go
 * on, 1 to stop reading (the reader returns PFQ_STOPPED), -1 to fail; an
 * envelope record may return 2: go on, and read the body after all.
 */
typedef int (*pfq_item_fn)(void *arg, enum pfq_section sec, int type,
    const char *data, size_t len, int cut);

/* Where bytes come from: like pread(2). */
typedef ssize_t (*pfq_pread_fn)(void *src, void *buf, size_t len, off_t off);

struct pfq_reader {
	pfq_pread_fn	 pread;
	void		*src;
	int		 want_body;
	pfq_item_fn	 item;
	void		*arg;

	/* state */
	unsigned char	 win[PFQ_WINDOW];
	off_t		 win_off;       /* file offset of win[0] */
	size_t		 win_len;
	off_t		 pos;           /* next byte to read */
	char		*rec;           /* the current record's data */
	size_t		 rec_cap;
	char		*acc;           /* a header field or body line being assembled */
	size_t		 acc_len, acc_cap;
	int		 acc_cut;
	int		 jumps;
	long		 content_size, data_offset;     /* from 'C', or -1 */
	off_t		 bytes_read;    /* from the source, for the caller's stats */
	int		 preads;        /* calls of pread: 1 when one read gave it all */
	size_t		 first_len;     /* what the first call returned */
};

/* Read a whole queue file; src/pread give the bytes.  Returns a pfq_result.
 * When r->preads is 1 afterwards, everything came from one call of pread
 * (a snapshot of the file's first r->first_len bytes, as one read(2)
 * gives it). */
int pfq_read(struct pfq_reader *r, pfq_pread_fn rd, void *src, int want_body,
    pfq_item_fn item, void *arg);
/* Free what the reader allocated (it may be reused before). */
void pfq_reader_free(struct pfq_reader *r);

/* The pread(2) of an fd, for src = &fd. */
ssize_t pfq_pread_fd(void *src, void *buf, size_t len, off_t off);
/* A memory source: src = struct pfq_mem *. */
struct pfq_mem { const unsigned char *p; size_t n; };
ssize_t pfq_pread_mem(void *src, void *buf, size_t len, off_t off);

/* Encode one record (for tests and the bench): returns bytes written to
 * out (cap needs len + 6), or 0 when it does not fit. */
size_t pfq_encode(unsigned char *out, size_t cap, int type, const void *data, size_t len);

/* A decimal number as strtol(s, end, 10) reads it (leading white space, a
 * sign, saturated at LONG_MAX/LONG_MIN; *end = s when there is none), without
 * the locale: the 'C' and 'T' records of every file are read with it. */
long pfq_number(const char *s, const char **end);

/* A Postfix queue id as postsuper accepts it: [0-9A-Za-z]{1,64}. */
int pfq_id_ok(const char *id);

#endif
