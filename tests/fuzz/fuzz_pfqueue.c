/*
 * fuzz_pfqueue: the Postfix queue file reader (lib/pfqueue) and the
 * attribution of what it reads (lib/qmsg), over files a local user's
 * message content and a damaged queue can make.  The first byte picks
 * whether the body is read.  Checks: items stay within their bounds, the
 * reader ends (no pointer loop), every kept value is bounded and
 * NUL-terminated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pfqueue.h"
#include "qmsg.h"

static struct pfq_reader r;

static int
item(void *arg, enum pfq_section sec, int type, const char *d, size_t n, int cut)
{
	struct qmsg *m = arg;

	(void)cut;
	if (sec == PFQ_HEADER && n > PFQ_FIELD_MAX) abort();
	if (sec == PFQ_BODY && n > PFQ_LINE_MAX) abort();
	if (n > PFQ_REC_MAX) abort();
	switch (sec) {
	case PFQ_ENVELOPE: case PFQ_EXTRACTED:
		if (type == 'S') { qm_sender(m, d, n); return n == 0 ? 2 : 0; }
		if (type == 'R') qm_recipient(m, d, n);
		if (type == 'A') qm_attr(m, d, n);
		return 0;
	case PFQ_HEADER: qm_header(m, d, n); return 0;
	case PFQ_BODY: return qm_body_line(m, d, n) && d[0] == 'x';
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
	struct pfq_mem mem;
	struct qmsg m;
	char label[300];
	if (n < 1) return 0;
	mem.p = d + 1; mem.n = n - 1;
	qm_init(&m, "X-Mailorigin-");
	pfq_read(&r, pfq_pread_mem, &mem, d[0] & 1, item, &m);
	qm_resolve(&m);
	qm_origin_label(&m, label, sizeof(label));
	if (m.sender.len > QM_VAL_MAX || m.sender.v[m.sender.len] != '\0') abort();
	if (m.script.len > QM_VAL_MAX || strlen(m.script.v) > QM_VAL_MAX) abort();
	if (m.nrcpt_domains > QM_RCPT_DOMAINS) abort();
	if (strlen(label) >= sizeof(label)) abort();
	return 0;
}
