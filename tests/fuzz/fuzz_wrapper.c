/*
 * fuzz_wrapper: the setgid wrapper's parsers of what a caller controls:
 * the message (header filter and recipient counter, fed in pieces of a
 * size the input picks), header and log escaping, and the sendmail argv
 * (the input split on NULs).
 *
 * Checks: the filtered message is byte for byte what a plain, whole-buffer
 * model of the filter makes of the input (the input minus the forged
 * fields, nothing else lost or added), with the same number of forged
 * fields; the recipient count does not depend on the piece size; escaped
 * values never hold CR or LF and stay in their bound; a submission's first
 * recipient is inside argv.  Any difference aborts (a crash to libFuzzer).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "stamp.h"
#include "escape.h"
#include "options.h"

#define PREFIX "X-Mailorigin-"

struct out {
	uint8_t	*p;
	size_t	 len, cap;
};

static int
sink(void *c, const void *p, size_t n)
{
	struct out *o = c;

	if (o->len + n > o->cap)
		abort();                /* more out than in */
	memcpy(o->p + o->len, p, n);
	o->len += n;
	return 0;
}

static int
ftext(uint8_t c)
{
	return c >= 33 && c <= 126 && c != ':';
}

static int
blank(uint8_t c)
{
	return c == ' ' || c == '\t';
}

static size_t
line_end(const uint8_t *d, size_t n, size_t pos)
{
	const uint8_t *nl = memchr(d + pos, '\n', n - pos);

	return nl != NULL ? (size_t)(nl - d) + 1 : n;
}

/*
 * The model: the whole message at once.  A header line is NAME (ftext),
 * blanks, ':'; a field of ours (its name starts with the prefix) is dropped
 * with its continuation lines.  A name longer than the buffer is no field
 * of ours; one of ours followed by more blanks than fit is dropped even
 * without its colon (stamp.h).  Any other line start ends the header block.
 */
static size_t
model(const uint8_t *d, size_t n, uint8_t *out, unsigned *forged)
{
	size_t pos = 0, o = 0, plen = strlen(PREFIX);
	int dropping = 0;

	*forged = 0;
	while (pos < n) {
		size_t j = pos, k, end, name;
		int ours, head;

		if (blank(d[pos])) {            /* continuation */
			end = line_end(d, n, pos);
			if (!dropping) {
				memcpy(out + o, d + pos, end - pos);
				o += end - pos;
			}
			pos = end;
			continue;
		}
		while (j < n && ftext(d[j]))
			j++;
		for (k = j; k < n && blank(d[k]); k++)
			;
		name = j - pos;
		if (name == 0)
			break;
		ours = name <= MO_FIELD_NAME_MAX && name >= plen &&
		    strncasecmp((const char *)d + pos, PREFIX, plen) == 0;
		head = k < n && d[k] == ':';
		if (ours && k > j && k - pos > MO_FIELD_NAME_MAX)
			head = 1;               /* dropped, colon or not */
		if (!head)
			break;
		dropping = ours;
		*forged += (unsigned)ours;
		end = line_end(d, n, pos);
		if (!ours) {
			memcpy(out + o, d + pos, end - pos);
			o += end - pos;
		}
		pos = end;
	}
	memcpy(out + o, d + pos, n - pos);
	return o + n - pos;
}

/* Filter the message in pieces of PIECE bytes into O; returns the state. */
static void
filter(struct mo_stamp *st, const uint8_t *d, size_t n, size_t piece, struct out *o)
{
	size_t off, k;

	o->len = 0;
	mo_stamp_init(st, PREFIX, 1, sink, o);
	for (off = 0; off < n; off += k) {
		k = n - off < piece ? n - off : piece;
		if (mo_stamp_feed(st, (const char *)d + off, k) != 0)
			abort();
	}
	if (mo_stamp_finish(st) != 0)
		abort();
}

static void
check_message(const uint8_t *d, size_t n, size_t piece)
{
	struct mo_stamp st;
	struct out o = { malloc(n + 1), 0, n }, whole = { malloc(n + 1), 0, n };
	uint8_t *want = malloc(n + 1);
	unsigned forged;
	unsigned long rcpts;
	size_t wl = model(d, n, want, &forged);

	filter(&st, d, n, piece, &o);
	if (o.len != wl || memcmp(o.p, want, wl) != 0 || st.forged != forged)
		abort();
	rcpts = st.header_rcpts;
	filter(&st, d, n, n + 1, &whole);
	if (st.header_rcpts != rcpts)
		abort();
	free(o.p);
	free(whole.p);
	free(want);
}

static void
check_escape(const uint8_t *d, size_t n)
{
	char out[300];
	struct mo_line l;

	mo_escape(out, sizeof out, MO_HEADER_VALUE_MAX, d, n);
	if (strlen(out) > MO_HEADER_VALUE_MAX || strchr(out, '\n') || strchr(out, '\r'))
		abort();
	mo_line_init(&l);
	mo_line_kvn(&l, "k", d, n);
	if (strchr(l.buf, '\n'))
		abort();
}

static void
check_argv(const uint8_t *d, size_t n)
{
	char *copy = malloc(n + 1), *argv[64], *p = copy;
	int argc = 0;
	struct mo_args a;

	memcpy(copy, d, n);
	copy[n] = 0;
	while (argc < 63 && p <= copy + n) {
		argv[argc++] = p;
		p += strlen(p) + 1;
	}
	argv[argc] = NULL;
	mo_args_classify(argc, argv, &a);
	if (a.submission && a.first_rcpt > argc)
		abort();
	free(copy);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	size_t piece;

	if (n < 1)
		return 0;
	piece = d[0] % 17 + 1;
	d++;
	n--;
	check_message(d, n, piece);
	check_escape(d, n);
	check_argv(d, n);
	return 0;
}
