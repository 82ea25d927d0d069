/* qmailq: qmail's queue files: envelope records and the message. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "qmailq.h"

ssize_t
qmq_read_fd(void *src, void *buf, size_t len)
{
	return read(*(int *)src, buf, len);
}

ssize_t
qmq_read_mem(void *src, void *buf, size_t len)
{
	struct qmq_mem *m = src;
	size_t n = m->n - m->off;

	if (n > len)
		n = len;
	memcpy(buf, m->p + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

void
qmq_buf_free(struct qmq_buf *b)
{
	free(b->chunk);
	free(b->acc);
	free(b->fld);
	memset(b, 0, sizeof(*b));
}

static int
buf_ready(struct qmq_buf *b)
{
	if (b->chunk == NULL && (b->chunk = malloc(QMQ_CHUNK)) == NULL)
		return -1;
	if (b->acc == NULL && (b->acc = malloc(QMQ_LINE_MAX + 1)) == NULL)
		return -1;
	if (b->fld == NULL && (b->fld = malloc(QMQ_FIELD_MAX + 1)) == NULL)
		return -1;
	return 0;
}

/* Append p[0..n) to buf (holding *len bytes, at most max), cutting. */
static void
put(char *buf, size_t *len, size_t max, int *cut, const void *p, size_t n)
{
	if (*len + n > max) {
		n = max - *len;
		*cut = 1;
	}
	memcpy(buf + *len, p, n);
	*len += n;
}

/* Read the next chunk: its length, 0 at the end, -1 on error. */
static ssize_t
next_chunk(struct qmq_buf *b, qmq_read_fn rd, void *src)
{
	ssize_t r;

	while ((r = rd(src, b->chunk, QMQ_CHUNK)) == -1 && errno == EINTR)
		;
	return r;
}

/*
 * Split the stream into units ended by delim (cut at max bytes), calling
 * unit for each; a last unit without its delimiter comes with ended 0.
 * Returns the first nonzero result of unit, QMQ_IOERR, or 0.
 */
typedef int (*unit_fn)(void *ctx, const char *d, size_t n, int cut, int ended);

static int
each_unit(struct qmq_buf *b, qmq_read_fn rd, void *src, int delim, size_t max,
    unit_fn unit, void *ctx)
{
	size_t len = 0;
	int cut = 0, open = 0, rc;
	ssize_t r, i;

	while ((r = next_chunk(b, rd, src)) > 0) {
		for (i = 0; i < r; ) {
			const unsigned char *z = memchr(b->chunk + i, delim, (size_t)(r - i));
			size_t k = z ? (size_t)(z - (b->chunk + i)) : (size_t)(r - i);

			put(b->acc, &len, max, &cut, b->chunk + i, k);
			open = 1;
			i += (ssize_t)k;
			if (z == NULL)
				break;
			i++;
			if ((rc = unit(ctx, b->acc, len, cut, 1)) != 0)
				return rc;
			len = 0;
			cut = open = 0;
		}
	}
	if (r == -1)
		return QMQ_IOERR;
	return open ? unit(ctx, b->acc, len, cut, 0) : 0;
}

#define UNIT_END 100    /* each_unit's caller is done: not an error */

/* ---- envelope records ---------------------------------------------------- */

struct recs {
	const char	*types;
	qmq_rec_fn	 fn;
	void		*arg;
};

/* One record: 0 go on, UNIT_END at the terminator (an empty record), else a result. */
static int
record(void *ctx, const char *d, size_t n, int cut, int ended)
{
	const struct recs *x = ctx;

	if (n == 0)
		return UNIT_END;
	if (strchr(x->types, d[0]) == NULL)
		return QMQ_BADTYPE;
	if (x->fn(x->arg, (unsigned char)d[0], d + 1, n - 1, cut))
		return QMQ_STOPPED;
	return ended ? 0 : QMQ_UNENDED;
}

int
qmq_records(struct qmq_buf *b, qmq_read_fn rd, void *src, const char *types,
    qmq_rec_fn fn, void *arg)
{
	struct recs x = { types, fn, arg };
	int rc;

	if (buf_ready(b) == -1)
		return QMQ_NOMEM;
	rc = each_unit(b, rd, src, '\0', QMQ_REC_MAX, record, &x);
	return rc == UNIT_END ? QMQ_OK : rc;
}

/* ---- the message ------------------------------------------------------------ */

struct msg {
	struct qmq_buf	*b;
	int		 want_body;
	qmq_line_fn	 fn;
	void		*arg;
	int		 in_header;
	size_t		 flen;          /* the field being assembled, 0 none */
	int		 fcut;
};

static int
is_field_start(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ':')
			return i > 0;
		if (c <= ' ' || c >= 127)
			return 0;
	}
	return 0;
}

static int
flush_field(struct msg *m)
{
	int rc = 0;

	if (m->flen > 0)
		rc = m->fn(m->arg, 'H', m->b->fld, m->flen, m->fcut);
	m->flen = 0;
	m->fcut = 0;
	return rc ? QMQ_STOPPED : 0;
}

/* One line (no newline): 0 go on, UNIT_END when the header is all that
 * was wanted, else a result (QMQ_STOPPED). */
static int
line(void *ctx, const char *s, size_t n, int cut, int ended)
{
	struct msg *m = ctx;
	int rc;

	(void)ended;
	if (m->in_header) {
		if ((s[0] == ' ' || s[0] == '\t') && m->flen > 0 && n > 0) {
			put(m->b->fld, &m->flen, QMQ_FIELD_MAX, &m->fcut, "\n", 1);
			put(m->b->fld, &m->flen, QMQ_FIELD_MAX, &m->fcut, s, n);
			m->fcut |= cut;
			return 0;
		}
		if ((rc = flush_field(m)) != 0)
			return rc;
		if (n > 0 && is_field_start(s, n)) {
			put(m->b->fld, &m->flen, QMQ_FIELD_MAX, &m->fcut, s, n);
			m->fcut |= cut;
			return 0;
		}
		/* the empty line, or a line that is no field, ends the header */
		m->in_header = 0;
		if (!m->want_body)
			return UNIT_END;
		if (n == 0 || (n == 1 && s[0] == '\r'))
			return 0;
	}
	return m->fn(m->arg, 'B', s, n, cut) ? QMQ_STOPPED : 0;
}

int
qmq_message(struct qmq_buf *b, qmq_read_fn rd, void *src, int want_body,
    qmq_line_fn fn, void *arg)
{
	struct msg m = { b, want_body, fn, arg, 1, 0, 0 };
	int rc;

	if (buf_ready(b) == -1)
		return QMQ_NOMEM;
	rc = each_unit(b, rd, src, '\n', QMQ_LINE_MAX, line, &m);
	if (rc == UNIT_END)
		return QMQ_OK;
	if (rc == 0 && m.in_header)
		rc = flush_field(&m);
	return rc;
}

/* ---- names and the split ------------------------------------------------------ */

int
qmq_name_ok(const char *s)
{
	size_t i;

	if (s[0] < '1' || s[0] > '9')
		return 0;
	for (i = 1; s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9' || i >= 18)
			return 0;
	return 1;
}

int
qmq_split(int messdirfd)
{
	unsigned char seen[QMQ_SPLIT_MAX];
	struct dirent *e;
	DIR *d;
	int fd, n = 0, max = -1, bad = 0;

	if ((fd = openat(messdirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	memset(seen, 0, sizeof(seen));
	while ((e = readdir(d)) != NULL) {
		struct stat sb;
		long v;
		char *end;

		if (e->d_name[0] == '.')
			continue;
		v = strtol(e->d_name, &end, 10);
		if (*end != '\0' || e->d_name[0] < '0' || e->d_name[0] > '9' ||
		    (e->d_name[0] == '0' && e->d_name[1] != '\0') || v >= QMQ_SPLIT_MAX) {
			bad = 1;
			continue;
		}
		if (e->d_type != DT_DIR && (e->d_type != DT_UNKNOWN ||
		    fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISDIR(sb.st_mode))) {
			bad = 1;
			continue;
		}
		if (!seen[v]) {
			seen[v] = 1;
			n++;
		}
		if (v > max)
			max = (int)v;
	}
	closedir(d);
	if (bad)
		return -1;
	if (n == 0)
		return QMQ_SPLIT_DEFAULT;
	return n == max + 1 ? n : -1;
}
