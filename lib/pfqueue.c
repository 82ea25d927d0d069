/* pfqueue: Postfix queue file records, read through one bounded window. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pfqueue.h"

#define T_SIZE  'C'
#define T_MESG  'M'
#define T_XTRA  'X'
#define T_END   'E'
#define T_CONT  'L'
#define T_NORM  'N'
#define T_PTR   'p'
#define T_DTXT  'w'
#define T_KILL  'K'

ssize_t
pfq_pread_fd(void *src, void *buf, size_t len, off_t off)
{
	ssize_t n;

	do
		n = pread(*(int *)src, buf, len, off);
	while (n == -1 && errno == EINTR);
	return n;
}

ssize_t
pfq_pread_mem(void *src, void *buf, size_t len, off_t off)
{
	const struct pfq_mem *m = src;

	if (off < 0 || (size_t)off >= m->n)
		return 0;
	if (len > m->n - (size_t)off)
		len = m->n - (size_t)off;
	memcpy(buf, m->p + off, len);
	return (ssize_t)len;
}

size_t
pfq_encode(unsigned char *out, size_t cap, int type, const void *data, size_t len)
{
	size_t n = 0, rest = len;

	if (cap < len + 6)
		return 0;
	out[n++] = (unsigned char)type;
	do {
		unsigned char b = rest & 0x7f;
		if ((rest >>= 7) != 0)
			b |= 0x80;
		out[n++] = b;
	} while (rest != 0);
	memcpy(out + n, data, len);
	return n + len;
}

long
pfq_number(const char *s, const char **end)
{
	const char *p = s;
	unsigned long v = 0, lim;
	int neg = 0, any = 0;

	while (*p == ' ' || (*p >= '\t' && *p <= '\r'))
		p++;
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	lim = neg ? 0UL - (unsigned long)LONG_MIN : (unsigned long)LONG_MAX;
	for (; *p >= '0' && *p <= '9'; p++) {
		unsigned d = (unsigned)(*p - '0');
		any = 1;
		if (v > (lim - d) / 10)
			v = lim;        /* saturated: the rest is read, not added */
		else
			v = v * 10 + d;
	}
	if (end != NULL)
		*end = any ? p : s;
	if (!any)
		return 0;
	return neg ? (v == 0UL - (unsigned long)LONG_MIN ? LONG_MIN : -(long)v) : (long)v;
}

int
pfq_id_ok(const char *id)
{
	size_t n;

	for (n = 0; id[n] != '\0'; n++)
		if (!isalnum((unsigned char)id[n]) || n >= 64)
			return 0;
	return n > 0;
}

/* Fill the window from r->pos: 0, -1 at EOF, -2 on error. */
static int __attribute__((noinline))
refill(struct pfq_reader *r)
{
	ssize_t n = r->pread(r->src, r->win, sizeof(r->win), r->pos);

	if (n < 0)
		return -2;
	if (r->preads++ == 0)
		r->first_len = (size_t)n;
	r->bytes_read += n;
	r->win_off = r->pos;
	r->win_len = (size_t)n;
	return n == 0 ? -1 : 0;
}

/* The byte at r->pos, through the window; -1 at EOF, -2 on error.  Inline:
 * it runs for every type byte and length group. */
static inline int
get_byte(struct pfq_reader *r)
{
	int rc;

	if (r->pos < r->win_off || r->pos >= r->win_off + (off_t)r->win_len)
		if ((rc = refill(r)) < 0)
			return rc;
	return r->win[r->pos++ - r->win_off];
}

/* len bytes at r->pos into dst; 0, or -1 at EOF, -2 on error. */
static int
get_bytes(struct pfq_reader *r, char *dst, size_t len)
{
	while (len > 0) {
		size_t have, k;
		int c;

		if (r->pos >= r->win_off && r->pos < r->win_off + (off_t)r->win_len) {
			have = r->win_off + r->win_len - r->pos;
			k = have < len ? have : len;
			memcpy(dst, r->win + (r->pos - r->win_off), k);
			r->pos += k;
			dst += k;
			len -= k;
			continue;
		}
		if ((c = get_byte(r)) < 0)
			return c;
		*dst++ = (char)c;
		len--;
	}
	return 0;
}

/* One raw record: its type, data in r->rec, *len.  Returns the type, or a
 * negative pfq_result. */
static int
get_raw(struct pfq_reader *r, size_t *len)
{
	int type, c, shift;
	size_t n = 0;

	if ((type = get_byte(r)) < 0)
		return type == -1 ? PFQ_SHORT : PFQ_IOERR;
	for (shift = 0;; shift += 7) {
		if (shift > 28)
			return PFQ_CORRUPT;
		if ((c = get_byte(r)) < 0)
			return c == -1 ? PFQ_SHORT : PFQ_IOERR;
		n |= (size_t)(c & 0x7f) << shift;
		if ((c & 0x80) == 0)
			break;
	}
	if (n > PFQ_REC_MAX)
		return PFQ_CORRUPT;
	if (n + 1 > r->rec_cap) {
		size_t cap = n + 1 < 4096 ? 4096 : n + 1;
		char *p = realloc(r->rec, cap);
		if (p == NULL)
			return PFQ_NOMEM;
		r->rec = p;
		r->rec_cap = cap;
	}
	if ((c = get_bytes(r, r->rec, n)) < 0)
		return c == -1 ? PFQ_SHORT : PFQ_IOERR;
	r->rec[n] = '\0';
	*len = n;
	return type;
}

/* A decimal offset of a pointer record ("%15ld": spaces, digits). */
static long
ptr_value(const char *s, size_t len)
{
	long v = 0;
	size_t i = 0;

	while (i < len && s[i] == ' ')
		i++;
	if (i == len)
		return -1;
	for (; i < len; i++) {
		if (!isdigit((unsigned char)s[i]) || v > (long)(PFQ_REC_MAX) * 4096L)
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* The next record with pointers followed and padding skipped. */
static int
get_rec(struct pfq_reader *r, size_t *len)
{
	int type;
	long off;

	for (;;) {
		if ((type = get_raw(r, len)) < 0)
			return type;
		if (type == T_DTXT || type == T_KILL)
			continue;
		if (type != T_PTR)
			return type;
		if ((off = ptr_value(r->rec, *len)) < 0)
			return PFQ_CORRUPT;
		if (off == 0)
			continue;
		if (++r->jumps > PFQ_JUMPS_MAX)
			return PFQ_CORRUPT;
		r->pos = off;
	}
}

static int
acc_add(struct pfq_reader *r, const char *p, size_t n, size_t max)
{
	if (r->acc_len + n > max) {
		n = max - r->acc_len;
		r->acc_cut = 1;
	}
	if (r->acc_len + n + 1 > r->acc_cap) {
		size_t cap = r->acc_cap ? r->acc_cap : 4096;
		char *q;
		while (cap < r->acc_len + n + 1)
			cap *= 2;
		if ((q = realloc(r->acc, cap)) == NULL)
			return PFQ_NOMEM;
		r->acc = q;
		r->acc_cap = cap;
	}
	memcpy(r->acc + r->acc_len, p, n);
	r->acc_len += n;
	r->acc[r->acc_len] = '\0';
	return 0;
}

/* Hand the assembled item to the callback; returns 0, 1 (stop) or < 0. */
static int
acc_flush(struct pfq_reader *r, enum pfq_section sec, int type)
{
	int rc = r->item(r->arg, sec, type, r->acc ? r->acc : "", r->acc_len, r->acc_cut);

	r->acc_len = 0;
	r->acc_cut = 0;
	if (r->acc)
		r->acc[0] = '\0';
	return rc < 0 ? PFQ_CORRUPT : rc > 0 ? PFQ_STOPPED : 0;
}

/* Could this line start a header field ("name:" of printable ASCII)? */
static int
field_start(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n && s[i] != ':'; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] > '~')
			return 0;
	return i > 0 && i < n;
}

static void
parse_size(struct pfq_reader *r, const char *s)
{
	const char *end;
	long a, b;

	a = pfq_number(s, &end);
	if (end == s)
		return;
	b = pfq_number(end, &end);
	if (a >= 0 && b > 0) {
		r->content_size = a;
		r->data_offset = b;
	}
}

/* The envelope: records up to 'M'. */
static int
read_envelope(struct pfq_reader *r)
{
	size_t len;
	int type, rc;

	for (;;) {
		if ((type = get_rec(r, &len)) < 0)
			return type;
		if (type == T_MESG)
			return 0;
		if (type == T_END)
			return PFQ_CORRUPT;
		if (type == T_SIZE)
			parse_size(r, r->rec);
		rc = r->item(r->arg, PFQ_ENVELOPE, type, r->rec, len, 0);
		if (rc == 2) {
			r->want_body = 1;
			continue;
		}
		if (rc != 0)
			return rc < 0 ? PFQ_CORRUPT : PFQ_STOPPED;
	}
}

/* Skip to the extracted segment by the 'C' offsets; 1 when done, 0 when
 * the caller must read through. */
static int
skip_body(struct pfq_reader *r)
{
	off_t save = r->pos, x;
	size_t len;
	int type;

	if (r->content_size < 0 || r->data_offset <= 0)
		return 0;
	x = (off_t)r->data_offset + r->content_size;
	r->pos = x;
	type = get_raw(r, &len);
	if (type == T_XTRA)
		return 1;
	r->pos = save;
	return 0;
}

/* The content: header fields, then (when wanted) body lines.  Without
 * the body, content records are read through (not handed out) when the
 * 'C' offsets cannot be used. */
static int
read_content(struct pfq_reader *r)
{
	enum pfq_section sec = PFQ_HEADER;
	int type, rc, partial = 0, have = 0, skipping = 0;
	size_t len;

	for (;;) {
		if ((type = get_rec(r, &len)) < 0)
			return type;
		if (type == T_XTRA)
			break;
		if (type != T_NORM && type != T_CONT)
			return PFQ_CORRUPT;
		if (skipping)
			continue;
		if (sec == PFQ_HEADER && !partial) {
			int cont = len > 0 && (r->rec[0] == ' ' || r->rec[0] == '\t');
			if (have && !cont) {
				if ((rc = acc_flush(r, PFQ_HEADER, 'H')) != 0)
					return rc;
				have = 0;
			}
			if (!cont && !field_start(r->rec, len)) {
				sec = PFQ_BODY;     /* the blank line, or a non-header line */
				if (!r->want_body) {
					if (skip_body(r))
						return 0;
					skipping = 1;
					continue;
				}
				if (len == 0 && type == T_NORM)
					continue;   /* the separator is not a body line */
			} else if (have) {
				if ((rc = acc_add(r, "\n", 1, PFQ_FIELD_MAX)) < 0)
					return rc;
			}
		}
		if ((rc = acc_add(r, r->rec, len, sec == PFQ_HEADER ? PFQ_FIELD_MAX :
		    PFQ_LINE_MAX)) < 0)
			return rc;
		partial = type == T_CONT;
		if (sec == PFQ_HEADER)
			have = 1;
		else if (!partial && (rc = acc_flush(r, PFQ_BODY, 'B')) != 0)
			return rc;
	}
	if (have && (rc = acc_flush(r, PFQ_HEADER, 'H')) != 0)
		return rc;
	if (sec == PFQ_BODY && r->acc_len > 0 && (rc = acc_flush(r, PFQ_BODY, 'B')) != 0)
		return rc;
	return 0;
}

/* The extracted segment: records up to 'E'. */
static int
read_extracted(struct pfq_reader *r)
{
	size_t len;
	int type, rc;

	for (;;) {
		if ((type = get_rec(r, &len)) < 0)
			return type;
		if (type == T_END)
			return PFQ_OK;
		rc = r->item(r->arg, PFQ_EXTRACTED, type, r->rec, len, 0);
		if (rc != 0)
			return rc < 0 ? PFQ_CORRUPT : PFQ_STOPPED;
	}
}

int
pfq_read(struct pfq_reader *r, pfq_pread_fn rd, void *src, int want_body,
    pfq_item_fn item, void *arg)
{
	int rc;

	r->pread = rd;
	r->src = src;
	r->want_body = want_body;
	r->item = item;
	r->arg = arg;
	r->win_off = 0;
	r->win_len = 0;
	r->pos = 0;
	r->acc_len = 0;
	r->acc_cut = 0;
	r->jumps = 0;
	r->content_size = -1;
	r->data_offset = -1;
	r->bytes_read = 0;
	r->preads = 0;
	r->first_len = 0;
	if ((rc = read_envelope(r)) != 0)
		return rc;
	if ((rc = read_content(r)) != 0)
		return rc;
	return read_extracted(r);
}

void
pfq_reader_free(struct pfq_reader *r)
{
	free(r->rec);
	free(r->acc);
	r->rec = r->acc = NULL;
	r->rec_cap = r->acc_cap = 0;
}
