/* Postfix queue files: records, pointers, folding, skipping the body;
 * attribution of what they hold (lib/qmsg). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "pfqueue.h"
#include "qmsg.h"

static unsigned char file[1 << 18];
static size_t flen;
static struct pfq_reader rd;

static void
rec(int type, const char *s)
{
	flen += pfq_encode(file + flen, sizeof(file) - flen, type, s, strlen(s));
}

/* what the reader handed out, "S:x|H:Subject: y|B:z|" */
static char got[1 << 15];
static int
collect(void *arg, enum pfq_section sec, int type, const char *d, size_t n, int cut)
{
	size_t l = strlen(got);
	(void)arg;
	snprintf(got + l, sizeof(got) - l, "%c%s:%.*s|", sec == PFQ_EXTRACTED ? 'x' : type,
	    cut ? "!" : "", (int)n, d);
	return 0;
}

static int
run(int want_body)
{
	struct pfq_mem m = { file, flen };
	got[0] = '\0';
	return pfq_read(&rd, pfq_pread_mem, &m, want_body, collect, NULL);
}

/* A file as cleanup writes it: C (with offsets), T, S, R, M, content, X, E. */
static void
make_file(const char *const *content, int with_size)
{
	char size[128];
	size_t data_off, i, c_at;

	flen = 0;
	c_at = flen;
	if (with_size) {
		snprintf(size, sizeof(size), "%15d %15d %15d %15d", 0, 0, 1, 0);
		rec('C', size);
	}
	rec('T', "1796157046 391028");
	rec('A', "rewrite_context=local");
	rec('S', "a@test.invalid");
	rec('R', "b@remote.example");
	rec('M', "");
	data_off = flen;
	for (i = 0; content[i]; i++)
		rec(content[i][0], content[i] + 1);
	if (with_size) {
		size_t xtra = flen;
		unsigned char save[256];
		size_t tail;
		snprintf(size, sizeof(size), "%15zu %15zu %15d %15d", xtra - data_off, data_off, 1, 0);
		/* rewrite the C record in place with the same length */
		tail = pfq_encode(save, sizeof(save), 'C', size, strlen(size));
		assert_int_equal(tail, 2 + 63);
		(void)c_at;
		/* the placeholder is 63 bytes too: shift nothing */
		memcpy(file, save, tail);
	}
	rec('X', "");
	rec('R', "c@extracted.example");
	rec('E', "");
}

static void
test_records_and_folding(void **st)
{
	static const char *const content[] = {
		"NReceived: by test.invalid (Postfix, from userid 1042)",
		"N\tid 4ABC; Tue,  1 Dec 2026",
		"LSubject: a long ", "Nsubject",
		"N", "Nbody 1", "Lpart ", "Nof body 2", NULL
	};
	(void)st;
	make_file(content, 0);
	assert_int_equal(run(1), PFQ_OK);
	assert_string_equal(got, "T:1796157046 391028|A:rewrite_context=local|S:a@test.invalid|"
	    "R:b@remote.example|H:Received: by test.invalid (Postfix, from userid 1042)\n"
	    "\tid 4ABC; Tue,  1 Dec 2026|H:Subject: a long subject|B:body 1|B:part of body 2|"
	    "x:c@extracted.example|");
	/* headers only: the same without body lines, read through (no C record) */
	assert_int_equal(run(0), PFQ_OK);
	assert_null(strstr(got, "B:"));
	assert_non_null(strstr(got, "x:c@extracted.example"));
}

static void
test_skip_body_by_size(void **st)
{
	static const char *const content[] = { "NSubject: s", "N", "Nbody", NULL };
	(void)st;
	make_file(content, 1);
	assert_int_equal(run(0), PFQ_OK);
	assert_null(strstr(got, "B:"));
	assert_non_null(strstr(got, "x:c@extracted.example"));
	/* a lying C record (X not where it says) falls back to reading through */
	memcpy(file + 2, "            999", 15);
	assert_int_equal(run(0), PFQ_OK);
	assert_non_null(strstr(got, "x:c@extracted.example"));
}

static void
test_pointers(void **st)
{
	char ptr[32];
	size_t at;
	(void)st;
	flen = 0;
	rec('S', "s@x");
	rec('M', "");
	rec('N', "Subject: one");
	/* a placeholder pointer (0) is skipped; a real one jumps */
	rec('p', "              0");
	at = flen;
	rec('p', "              0");        /* rewritten below */
	rec('N', "Hidden: skipped");
	{
		size_t target = flen;
		rec('N', "Appended: yes");
		rec('N', "");
		rec('X', "");
		rec('E', "");
		snprintf(ptr, sizeof(ptr), "%15zu", target);
		memcpy(file + at + 2, ptr, 15);
	}
	assert_int_equal(run(0), PFQ_OK);
	assert_null(strstr(got, "Hidden"));
	assert_non_null(strstr(got, "H:Appended: yes|"));
}

static void
test_hostile(void **st)
{
	char ptr[32];
	(void)st;
	/* a pointer to itself: bounded, an error, not a loop */
	flen = 0;
	rec('S', "s@x");
	rec('M', "");
	snprintf(ptr, sizeof(ptr), "%15zu", flen);
	rec('p', ptr);
	assert_int_equal(run(0), PFQ_CORRUPT);
	/* cut short: no E */
	flen = 0;
	rec('S', "s@x");
	rec('M', "");
	rec('N', "Subject: x");
	assert_int_equal(run(0), PFQ_SHORT);
	/* a length past the bound */
	flen = 0;
	file[flen++] = 'N';
	memcpy(file + flen, "\xff\xff\xff\x7f", 4);
	flen += 4;
	assert_int_equal(run(0), PFQ_CORRUPT);
	/* a record type where content must be */
	flen = 0;
	rec('S', "s@x");
	rec('M', "");
	rec('R', "r@x");
	assert_int_equal(run(0), PFQ_CORRUPT);
	/* a header field past PFQ_FIELD_MAX is cut, flagged */
	flen = 0;
	rec('S', "s@x");
	rec('M', "");
	{
		static char big[3000];
		int i;
		memset(big, 'a', sizeof(big) - 1);
		memcpy(big, "Subject: ", 9);
		rec('L', big);
		big[0] = 'b';
		for (i = 0; i < 30; i++)
			rec('L', big);
		rec('N', "end");
	}
	rec('N', "");
	rec('X', "");
	rec('E', "");
	assert_int_equal(run(0), PFQ_OK);
	assert_non_null(strstr(got, "H!:Subject: "));
}

/* attribution */
static void
feed(struct qmsg *m, const char *sender, const char *const *attrs, const char *const *hdrs,
    const char *const *body)
{
	int i;
	qm_init(m, "X-Mailorigin-");
	qm_sender(m, sender, strlen(sender));
	for (i = 0; attrs && attrs[i]; i++)
		qm_attr(m, attrs[i], strlen(attrs[i]));
	for (i = 0; hdrs && hdrs[i]; i++)
		qm_header(m, hdrs[i], strlen(hdrs[i]));
	for (i = 0; body && body[i]; i++)
		if (qm_body_line(m, body[i], strlen(body[i])))
			break;
	qm_resolve(m);
}

static void
test_attribution(void **st)
{
	static const char *const local[] = { "rewrite_context=local", NULL };
	static const char *const net[] = { "rewrite_context=remote", "log_client_address=192.0.2.7",
	    "sasl_username=alice@x", NULL };
	static const char *const stamped[] = {
		"Received: by h (Postfix, from userid 1042)\n\tid X",
		"Received: by h (Postfix, from userid 7)",     /* forged lower down */
		"X-Mailorigin-Uid: 1042", "X-Mailorigin-Script: /w/site-b/up/x.php",
		"X-Mailorigin-Vhost: site-b", "X-PHP-Originating-Script: 1042:x.php", NULL };
	static const char *const forged[] = {
		"Received: by h (Postfix, from userid 1042)", "X-Mailorigin-Uid: 0",
		"X-Mailorigin-Script: /root/x", NULL };
	static const char *const bounce_body[] = {
		"This is the mail system", "", "--B", "Content-Type: message/delivery-status", "",
		"X-Postfix-Sender: rfc822; spammer@site-b", "", "--B",
		"Content-Type: message/rfc822", "", "Return-Path: <spammer@site-b>",
		"Received: by h (Postfix, from userid 1042)", "X-Mailorigin-Uid: 1042",
		"X-Mailorigin-Script: /w/site-b/up/x.php", "", "spam body", NULL };
	static const char *const bounce_own[] = { "log_message_origin=local", NULL };
	struct qmsg m;
	char label[64];
	(void)st;

	feed(&m, "a@x", local, stamped, NULL);
	assert_int_equal(m.uid, 1042);
	assert_int_equal(m.uid_trust, QM_TRUSTED);
	assert_string_equal(m.script.v, "/w/site-b/up/x.php");
	assert_int_equal(m.script.trust, QM_TRUSTED);
	assert_int_equal(m.vhost.trust, QM_TRUSTED);

	/* stamps that disagree with the pickup uid are claimed, the uid stays */
	feed(&m, "a@x", local, forged, NULL);
	assert_int_equal(m.uid, 1042);
	assert_int_equal(m.script.trust, QM_CLAIMED);

	/* the same headers from the network: everything claimed */
	feed(&m, "a@x", net, stamped, NULL);
	assert_int_equal(m.uid_trust, QM_CLAIMED);
	assert_int_equal(m.script.trust, QM_CLAIMED);
	assert_string_equal(m.sasl.v, "alice@x");
	assert_int_equal(m.sasl.trust, QM_TRUSTED);
	assert_string_equal(m.client_addr.v, "192.0.2.7");

	/* a bounce Postfix made: traced to the original's uid and script */
	feed(&m, "", bounce_own, NULL, bounce_body);
	assert_true(m.bounce);
	assert_true(m.traced);
	assert_int_equal(m.uid, 1042);
	assert_int_equal(m.uid_trust, QM_TRUSTED);
	assert_string_equal(m.script.v, "/w/site-b/up/x.php");
	assert_string_equal(m.bounce_sender.v, "spammer@site-b");
	qm_origin_label(&m, label, sizeof(label));
	assert_string_equal(label, "uid 1042");

	/* a null-sender message from the network: its story is claimed */
	feed(&m, "", net, NULL, bounce_body);
	assert_true(m.traced);
	assert_int_equal(m.uid_trust, QM_CLAIMED);

	/* qmail's Received lines */
	{
		static const char *const q[] = { "Received: (qmail 123 invoked by uid 1042); 1 Dec", NULL };
		feed(&m, "a@x", NULL, q, NULL);
		m.mta_qmail = 1;
		qm_resolve(&m);
		assert_int_equal(m.uid, 1042);
		assert_int_equal(m.uid_trust, QM_TRUSTED);
	}
}

static void
test_rcpt_domains(void **st)
{
	struct qmsg m;
	(void)st;
	qm_init(&m, "X-Mailorigin-");
	qm_recipient(&m, "a@One.example", 13);
	qm_recipient(&m, "b@one.EXAMPLE", 13);
	qm_recipient(&m, "c@two.example", 13);
	qm_recipient(&m, "nodomain", 8);
	assert_int_equal(m.nrcpt, 4);
	assert_int_equal(m.nrcpt_domains, 2);
	assert_string_equal(m.rcpt_domains[0], "one.example");
	assert_string_equal(m.rcpt_domains[1], "two.example");
	assert_true(pfq_id_ok("4ABCDEF12"));
	assert_false(pfq_id_ok("../etc"));
	assert_false(pfq_id_ok(""));
}

/* pfq_number reads what strtol reads, without the locale */
static void
test_number(void **st)
{
	static const char *const in[] = {
		"0", "42", "  1796150000 123456", "\t-17x", "+5", "-", "", "abc", " 9",
		"9223372036854775807", "9223372036854775808", "99999999999999999999999",
		"-9223372036854775808", "-9223372036854775809", "            123             45",
		"007", "\n\v\f\r 3",
	};
	size_t i;
	(void)st;
	for (i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		char *e1;
		const char *e2;
		long a = strtol(in[i], &e1, 10), b = pfq_number(in[i], &e2);
		assert_int_equal(a, b);
		assert_ptr_equal(e1, e2);
	}
	assert_int_equal(pfq_number("12", NULL), 12);
}

/* A file within the window comes from one pread, and the reader says so
 * (the scan then needs no second fstat); a larger one from several. */
static void
test_one_read(void **st)
{
	static const char *const small[] = { "NSubject: s", "N", "Nbody", NULL };
	char big[4000];
	const char *large[64];
	int i;
	(void)st;
	make_file(small, 1);
	assert_int_equal(run(0), PFQ_OK);
	assert_int_equal(rd.preads, 1);
	assert_int_equal(rd.first_len, flen);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	memcpy(big, "NX-Big: ", 8);
	for (i = 0; i < 40; i++)
		large[i] = big;
	large[40] = "N";
	large[41] = "Nbody";
	large[42] = NULL;
	make_file(large, 1);
	assert_true(flen > PFQ_WINDOW);
	assert_int_equal(run(0), PFQ_OK);
	assert_true(rd.preads > 1);
	assert_int_equal(rd.first_len, PFQ_WINDOW);
}

/* origin labels: "uid N" for every uid, including 0 */
static void
test_labels(void **st)
{
	struct qmsg m;
	char buf[64];
	(void)st;
	qm_init(&m, "X-Mailorigin-");
	m.uid = 0;
	qm_origin_label(&m, buf, sizeof(buf));
	assert_string_equal(buf, "uid 0");
	m.uid = 2147483647L;
	qm_origin_label(&m, buf, sizeof(buf));
	assert_string_equal(buf, "uid 2147483647");
	m.uid = -1;
	qm_origin_label(&m, buf, sizeof(buf));
	assert_string_equal(buf, "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records_and_folding),
		cmocka_unit_test(test_skip_body_by_size),
		cmocka_unit_test(test_pointers),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_attribution),
		cmocka_unit_test(test_rcpt_domains),
		cmocka_unit_test(test_number),
		cmocka_unit_test(test_one_read),
		cmocka_unit_test(test_labels),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	pfq_reader_free(&rd);
	return rc;
}
