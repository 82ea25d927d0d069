/*
 * fuzz_smtpd: the `-bs` SMTP server of the setgid wrapper (lib/smtpd.c) on
 * what any local caller may write to it.  The first byte picks the shape:
 *   bit 0 clear: the rest is a whole session, any bytes;
 *   bit 0 set:   the rest is the DATA of one transaction whose envelope is
 *                given (then more commands may follow the final "."), and
 *                no byte may be lost: the first transaction submitted holds
 *                exactly the DATA unstuffed (the line "." ends it, a dot
 *                that starts a line goes, CRLF becomes LF, a lone CR
 *                stays), and a DATA without its "." submits nothing;
 *   bit 1 set:   the message bound is 100 bytes: over it nothing is
 *                submitted.
 * The model below is written line by line, independently of smtpd.c's
 * byte-wise state machine; any difference aborts.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "smtpd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char envelope[] =
	"EHLO client.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n";

struct seen {
	unsigned ntxn;
	unsigned char *first;           /* the first transaction's message */
	size_t first_len;
	unsigned long long first_size;
};

static int
spool(void *ctx)
{
	(void)ctx;
	return memfd_create("fuzz-spool", MFD_CLOEXEC);
}

static void
submit(void *ctx, const struct mo_smtpd_txn *t, char *reply, size_t len)
{
	struct seen *s = ctx;
	off_t end = lseek(t->fd, 0, SEEK_END);
	unsigned char *buf;

	if (end < 0 || (unsigned long long)end != t->size)
		abort();                /* the size said is the size written */
	if (s->ntxn++ == 0 && (buf = malloc((size_t)end + 1)) != NULL) {
		if (pread(t->fd, buf, (size_t)end, 0) != end)
			abort();
		s->first = buf;
		s->first_len = (size_t)end;
		s->first_size = t->size;
	}
	snprintf(reply, len, "250 2.0.0 Ok: queued");
}

/*
 * The model: DATA's lines up to the line "." into OUT (room for LEN
 * bytes); its length, or -1 when no line "." ends it.
 */
static ssize_t
model(const unsigned char *in, size_t len, unsigned char *out)
{
	size_t pos = 0, n = 0, end, cl;
	const unsigned char *line, *nl;

	while (pos < len) {
		if ((nl = memchr(in + pos, '\n', len - pos)) == NULL)
			return -1;      /* an unfinished last line: lost */
		line = in + pos;
		end = (size_t)(nl - in);
		cl = end - pos;
		if (cl > 0 && line[cl - 1] == '\r')
			cl--;           /* CRLF: the CR goes with the LF */
		pos = end + 1;
		if (cl == 1 && line[0] == '.')
			return (ssize_t)n;
		if (cl > 0 && line[0] == '.') {
			line++;
			cl--;
		}
		memcpy(out + n, line, cl);
		n += cl;
		out[n++] = '\n';
	}
	return -1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *devnull;
	struct mo_smtpd s;
	struct seen seen = { 0, NULL, 0, 0 };
	unsigned char *want = NULL;
	ssize_t wlen = -1;
	int in, structured, small;

	if (size < 1)
		return 0;
	if (devnull == NULL && (devnull = fopen("/dev/null", "we")) == NULL)
		abort();
	structured = data[0] & 1;
	small = data[0] & 2;
	data++;
	size--;
	if ((in = memfd_create("fuzz-session", MFD_CLOEXEC)) == -1)
		abort();
	if ((structured && write(in, envelope, sizeof(envelope) - 1) !=
	    (ssize_t)(sizeof(envelope) - 1)) ||
	    (size > 0 && write(in, data, size) != (ssize_t)size) ||
	    lseek(in, 0, SEEK_SET) != 0)
		abort();
	memset(&s, 0, sizeof(s));
	s.in = in;
	s.out = devnull;
	s.hostname = "fuzz.example";
	s.size_max = small ? 100 : MO_SMTPD_SIZE_MAX;
	s.timeout = 0;
	s.spool = spool;
	s.submit = submit;
	s.ctx = &seen;
	(void)mo_smtpd_serve(&s);
	close(in);
	if (structured) {
		/* every data byte becomes at most one output byte, plus LFs */
		if ((want = malloc(size * 2 + 1)) == NULL)
			abort();
		wlen = model(data, size, want);
		if (wlen < 0) {
			if (seen.ntxn != 0)
				abort();        /* DATA never ended: nothing may be submitted */
		} else if (!small || wlen <= 100) {
			if (seen.ntxn == 0 || seen.first == NULL ||
			    seen.first_len != (size_t)wlen ||
			    memcmp(seen.first, want, (size_t)wlen) != 0)
				abort();        /* bytes lost or changed */
		}
		/* over the bound: 552, and what follows may be another transaction */
	}
	free(want);
	free(seen.first);
	return 0;
}
