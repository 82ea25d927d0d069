/*
 * fuzz_qmailq: the qmail queue reader (lib/qmailq) and the attribution of
 * what it reads (lib/qmsg), over files a local user's message and a
 * damaged queue can make.  The first byte picks the file kind (bit 0:
 * envelope records or the message; bit 1: the body wanted; bits 2-4: the
 * size of each read, so records and lines cross chunk boundaries; bit 5:
 * a null sender, so the body is read as a bounce's).
 * Checks: records, fields and lines stay within their bounds, every kept
 * value is bounded and NUL-terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "qmailq.h"
#include "qmsg.h"

static struct qmq_buf b;
struct src { struct qmq_mem m; size_t step; };

static ssize_t
rd(void *s, void *buf, size_t len)
{
	struct src *x = s;
	return qmq_read_mem(&x->m, buf, len < x->step ? len : x->step);
}

static int
rec(void *arg, int type, const char *d, size_t n, int cut)
{
	struct qmsg *m = arg;

	(void)cut;
	if (n > QMQ_REC_MAX) abort();
	if (type == 'F') qm_sender(m, d, n);
	else if (type == 'T') qm_recipient(m, d, n);
	return 0;
}

static int
line(void *arg, int type, const char *d, size_t n, int cut)
{
	struct qmsg *m = arg;

	(void)cut;
	if (type == 'H') {
		if (n > QMQ_FIELD_MAX) abort();
		qm_header(m, d, n);
		return 0;
	}
	if (type != 'B' || n > QMQ_LINE_MAX) abort();
	return qm_body_line(m, d, n) && n > 0 && d[0] == 'x';
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
	static const size_t steps[8] = { 1, 2, 3, 7, 64, 4096, 65536, 1 << 20 };
	struct src s;
	struct qmsg m;
	char label[300];

	if (n < 1) return 0;
	s.m.p = d + 1; s.m.n = n - 1; s.m.off = 0;
	s.step = steps[(d[0] >> 2) & 7];
	qm_init(&m, "X-Mailorigin-");
	m.mta_qmail = 1;
	if (d[0] & 1)
		qmq_records(&b, rd, &s, "upFTD", rec, &m);
	else {
		if (d[0] & 32)
			qm_sender(&m, "", 0);
		qmq_message(&b, rd, &s, (d[0] & 2) || (d[0] & 32), line, &m);
	}
	qm_resolve(&m);
	qm_origin_label(&m, label, sizeof(label));
	if (m.sender.len > QM_VAL_MAX || m.sender.v[m.sender.len] != '\0') abort();
	if (m.own.subject.len > QM_VAL_MAX || strlen(m.own.subject.v) > QM_VAL_MAX) abort();
	if (m.nrcpt_domains > QM_RCPT_DOMAINS) abort();
	if (strlen(label) >= sizeof(label)) abort();
	return 0;
}
