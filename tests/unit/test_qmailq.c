/* qmail's queue files (lib/qmailq): envelope records, the message's
 * header and body, names and the split; the attribution of what they hold
 * (lib/qmsg: invoked by uid / from network / for bounce, bounces traced). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include "qmailq.h"
#include "qmsg.h"

static struct qmq_buf buf;
static char got[1 << 16];

static int
collect(void *arg, int type, const char *d, size_t n, int cut)
{
	size_t l = strlen(got);

	(void)arg;
	snprintf(got + l, sizeof(got) - l, "%c%s:%.*s|", type, cut ? "!" : "", (int)(n > 80 ? 80 : n), d);
	return 0;
}

/* A source handing out at most `step` bytes a read: records and lines
 * cross chunk boundaries. */
struct slow { struct qmq_mem m; size_t step; };
static ssize_t
slow_read(void *src, void *b, size_t len)
{
	struct slow *s = src;
	return qmq_read_mem(&s->m, b, len < s->step ? len : s->step);
}

static int
recs(const char *p, size_t n, const char *types, size_t step)
{
	struct slow s = { { (const unsigned char *)p, n, 0 }, step };

	got[0] = '\0';
	return qmq_records(&buf, slow_read, &s, types, collect, NULL);
}

static int
mess(const char *p, int want_body, size_t step)
{
	struct slow s = { { (const unsigned char *)p, strlen(p), 0 }, step };

	got[0] = '\0';
	return qmq_message(&buf, slow_read, &s, want_body, collect, NULL);
}

static void
test_records(void **state)
{
	static const char intd[] = "u1042\0p77\0Fspam@a.example\0Tx@r.example\0Ty@r.example\0";
	size_t step;

	(void)state;
	for (step = 1; step <= 7; step += 3) {
		assert_int_equal(recs(intd, sizeof(intd) - 1, "upFT", step), QMQ_OK);
		assert_string_equal(got, "u:1042|p:77|F:spam@a.example|T:x@r.example|T:y@r.example|");
	}
	/* qmail-queue's fd 1: an empty record ends it, what follows is not read */
	assert_int_equal(recs("Fs\0Ta\0\0Tnot\0", 12, "FT", 100), QMQ_OK);
	assert_string_equal(got, "F:s|T:a|");
	/* the null sender */
	assert_int_equal(recs("F\0Tb\0", 5, "FT", 100), QMQ_OK);
	assert_string_equal(got, "F:|T:b|");
	/* local/remote: T pending, D done */
	assert_int_equal(recs("Da\0Tb\0", 6, "TD", 2), QMQ_OK);
	assert_string_equal(got, "D:a|T:b|");
}

static void
test_records_damaged(void **state)
{
	char big[QMQ_REC_MAX + 100];

	(void)state;
	/* cut short: the last record is handed out, and said to be unended */
	assert_int_equal(recs("Fs\0Tab", 6, "FT", 100), QMQ_UNENDED);
	assert_string_equal(got, "F:s|T:ab|");
	/* a type qmail does not write there */
	assert_int_equal(recs("Fs\0Xx\0", 6, "FT", 100), QMQ_BADTYPE);
	assert_int_equal(recs("u1\0", 3, "FT", 100), QMQ_BADTYPE);
	/* an over-long record is cut and flagged, the next one read */
	memset(big, 'x', sizeof(big));
	big[0] = 'T';
	big[sizeof(big) - 4] = '\0';
	memcpy(big + sizeof(big) - 3, "Tz", 2);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(recs(big, sizeof(big), "T", 4096), QMQ_OK);
	assert_true(strncmp(got, "T!:xxx", 6) == 0);
	assert_non_null(strstr(got, "|T:z|"));
	/* empty file */
	assert_int_equal(recs("", 0, "F", 100), QMQ_OK);
	assert_string_equal(got, "");
}

static void
test_message(void **state)
{
	static const char m[] =
	    "Received: (qmail 7 invoked by uid 1042); 1 Dec 2026 22:00:00 -0000\n"
	    "Subject: folded\n\tsecond line\n"
	    "From: a@b\n"
	    "\n"
	    "body 1\n"
	    "\n"
	    "body 3";
	size_t step;

	(void)state;
	for (step = 1; step <= 64; step += 21) {
		assert_int_equal(mess(m, 0, step), QMQ_OK);
		assert_string_equal(got, "H:Received: (qmail 7 invoked by uid 1042); 1 Dec 2026 22:00:00 -0000|"
		    "H:Subject: folded\n\tsecond line|H:From: a@b|");
		assert_int_equal(mess(m, 1, step), QMQ_OK);
		assert_string_equal(got, "H:Received: (qmail 7 invoked by uid 1042); 1 Dec 2026 22:00:00 -0000|"
		    "H:Subject: folded\n\tsecond line|H:From: a@b|B:body 1|B:|B:body 3|");
	}
	/* a line that is no field ends the header and starts the body */
	assert_int_equal(mess("A: 1\nnot a field\nB: 2\n", 1, 100), QMQ_OK);
	assert_string_equal(got, "H:A: 1|B:not a field|B:B: 2|");
	/* a header only, no final newline */
	assert_int_equal(mess("A: 1\n B", 0, 100), QMQ_OK);
	assert_string_equal(got, "H:A: 1\n B|");
	assert_int_equal(mess("", 1, 100), QMQ_OK);
	assert_string_equal(got, "");
}

static void
test_message_long(void **state)
{
	size_t n = QMQ_FIELD_MAX * 2;
	char *m = malloc(n + 64);

	(void)state;
	memcpy(m, "Subject: ", 9);
	memset(m + 9, 'A', n - 9);
	strcpy(m + n, "\nX: y\n\nbody\n");
	assert_int_equal(mess(m, 1, 65536), QMQ_OK);
	assert_true(strncmp(got, "H!:Subject: AAA", 15) == 0);
	assert_non_null(strstr(got, "|H:X: y|B:body|"));
	free(m);
}

static int
stop_at_b(void *arg, int type, const char *d, size_t n, int cut)
{
	collect(arg, type, d, n, cut);
	return type == 'B';
}

static void
test_message_stop(void **state)
{
	struct qmq_mem mm = { (const unsigned char *)"A: 1\n\nb1\nb2\n", 12, 0 };

	(void)state;
	got[0] = '\0';
	assert_int_equal(qmq_message(&buf, qmq_read_mem, &mm, 1, stop_at_b, NULL), QMQ_STOPPED);
	assert_string_equal(got, "H:A: 1|B:b1|");
}

static void
test_names(void **state)
{
	(void)state;
	assert_true(qmq_name_ok("1"));
	assert_true(qmq_name_ok("1234567"));
	assert_false(qmq_name_ok("0"));
	assert_false(qmq_name_ok("012"));
	assert_false(qmq_name_ok("12a"));
	assert_false(qmq_name_ok(""));
	assert_false(qmq_name_ok("..."));
	assert_false(qmq_name_ok("1234567890123456789"));
}

static void
test_split(void **state)
{
	char dir[] = "/tmp/test_qmailq.XXXXXX", p[64];
	int fd, i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	fd = open(dir, O_RDONLY | O_DIRECTORY);
	assert_int_equal(qmq_split(fd), QMQ_SPLIT_DEFAULT);       /* empty: the default */
	for (i = 0; i < 7; i++) {
		snprintf(p, sizeof(p), "%s/%d", dir, i);
		assert_int_equal(mkdir(p, 0700), 0);
	}
	assert_int_equal(qmq_split(fd), 7);
	assert_int_equal(qmq_split(fd), 7);     /* the fd is left usable */
	snprintf(p, sizeof(p), "%s/3", dir);
	rmdir(p);
	assert_int_equal(qmq_split(fd), -1);    /* a hole: not qmail's layout */
	mkdir(p, 0700);
	snprintf(p, sizeof(p), "%s/junk", dir);
	mkdir(p, 0700);
	assert_int_equal(qmq_split(fd), -1);
	rmdir(p);
	for (i = 0; i < 7; i++) {
		snprintf(p, sizeof(p), "%s/%d", dir, i);
		rmdir(p);
	}
	close(fd);
	rmdir(dir);
}

/* ---- attribution -------------------------------------------------------- */

static void
feed(struct qmsg *m, const char *sender, const char *text)
{
	const char *l = text, *nl;
	int body = 0;

	qm_init(m, "X-Mailorigin-");
	m->mta_qmail = 1;
	qm_sender(m, sender, strlen(sender));
	for (; *l; l = nl + 1) {
		nl = strchr(l, '\n');
		if (!body && nl == l)
			body = 1;
		else if (!body)
			qm_header(m, l, (size_t)(nl - l));
		else if (qm_body_line(m, l, (size_t)(nl - l)))
			break;
	}
	qm_resolve(m);
}

static void
test_attribution(void **state)
{
	struct qmsg m;
	char label[64];

	(void)state;
	feed(&m, "a@x", "Received: (qmail 9 invoked by uid 1042); d\n"
	    "Received: (qmail 1 invoked by uid 0); forged lower\n\nb\n");
	assert_int_equal(m.uid, 1042);
	assert_int_equal(m.uid_trust, QM_TRUSTED);
	feed(&m, "a@x", "Received: (qmail 9 invoked from network); d\n"
	    "Received: from unknown (HELO h) (192.0.2.7)\n\nb\n");
	assert_int_equal(m.uid, -1);
	qm_origin_label(&m, label, sizeof(label));
	assert_string_equal(label, "network");
	/* qmail-send's bounce: the original follows "--- Below this line..." */
	feed(&m, "", "Received: (qmail 5 invoked for bounce); d\nSubject: failure notice\n\n"
	    "Hi. This is the qmail-send program at mx.\n\n<x@y>:\nno mailbox\n\n"
	    "--- Below this line is a copy of the message.\n\n"
	    "Return-Path: <spam@a>\nReceived: (qmail 3 invoked by uid 1042); d\nSubject: pills\n\ncasino\n");
	assert_true(m.bounce);
	assert_true(m.traced);
	assert_int_equal(m.uid, 1042);
	assert_int_equal(m.uid_trust, QM_TRUSTED);
	assert_string_equal(m.orig.subject.v, "pills");
	/* a null-sender message a local user made claims, it is not trusted */
	feed(&m, "", "Received: (qmail 5 invoked by uid 2000); d\n\n"
	    "--- Below this line is a copy of the message.\n\n"
	    "Received: (qmail 3 invoked by uid 1042); d\n\nx\n");
	assert_true(m.traced);
	assert_int_equal(m.uid, 1042);
	assert_int_equal(m.uid_trust, QM_CLAIMED);      /* uid 2000 wrote it, not qmail-send */
	assert_int_equal(m.own.pickup_uid, 2000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_records),
		cmocka_unit_test(test_records_damaged),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_message_long),
		cmocka_unit_test(test_message_stop),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_attribution),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	qmq_buf_free(&buf);
	return rc;
}
