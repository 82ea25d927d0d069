/* mailoriginctl report's line parsers, over a table of lines of every format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "report_parse.h"

struct pcase {
	const char	*line;
	int		 kind;          /* -1: rp_prefix fails */
	const char	*prog;
	const char	*qid, *from, *to, *client, *sasl, *msgid, *status;
	long		 uid;           /* -1: none */
	unsigned long	 msg, dlv, nrcpt;
};

#define PF "Dec  1 20:31:01 test postfix/"
static const struct pcase cases[] = {
	/* syslog prefixes */
	{ "Dec  1 20:31:01 test postfix/pickup[3027]: 6AEB4A72138: uid=999 from=<mo-site-a>",
	  PF_PICKUP, "postfix/pickup", "6AEB4A72138", "mo-site-a", 0, 0, 0, 0, 0, 999, 0, 0, 0 },
	{ "Dec 01 20:31:01 test postfix/pickup[3027]: 6AEB4A72138: uid=0 from=<root>",
	  PF_PICKUP, "postfix/pickup", "6AEB4A72138", "root", 0, 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "2026-12-01T20:31:01.123456+01:00 host postfix/pickup[1]: 4Lx4Nv2K7Nz7Y3j: uid=33 from=<www-data>",
	  PF_PICKUP, "postfix/pickup", "4Lx4Nv2K7Nz7Y3j", "www-data", 0, 0, 0, 0, 0, 33, 0, 0, 0 },
	{ "Dec  1 20:31:04 test postfix/smtpd[3030]: 5509DA72212: client=localhost[127.0.0.1], sasl_method=PLAIN, sasl_username=alice@test.invalid",
	  PF_CLIENT, "postfix/smtpd", "5509DA72212", 0, 0, "localhost[127.0.0.1]", "alice@test.invalid", 0, 0, -1, 0, 0, 0 },
	{ "Dec  1 20:31:04 test postfix/submission/smtpd[3030]: 5509DA72212: client=x.example[192.0.2.1]",
	  PF_CLIENT, "postfix/submission/smtpd", "5509DA72212", 0, 0, "x.example[192.0.2.1]", 0, 0, 0, -1, 0, 0, 0 },
	{ PF "cleanup[3050]: 6AEB4A72138: message-id=<20261201203101.6AEB4A72138@test.invalid>",
	  PF_MSGID, "postfix/cleanup", "6AEB4A72138", 0, 0, 0, 0, "<20261201203101.6AEB4A72138@test.invalid>", 0, -1, 0, 0, 0 },
	{ PF "cleanup[3050]: 6AEB4A72138: milter-hold: END-OF-MESSAGE from localhost[127.0.0.1]: hold",
	  PF_HOLD, "postfix/cleanup", "6AEB4A72138", 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ PF "qmgr[3028]: CB5E5A722E5: from=<bob@test.invalid>, size=405, nrcpt=2 (queue active)",
	  PF_QMGR, "postfix/qmgr", "CB5E5A722E5", "bob@test.invalid", 0, 0, 0, 0, 0, -1, 0, 0, 2 },
	{ PF "qmgr[3028]: 8C97DA72177: from=<>, size=2434, nrcpt=1 (queue active)",
	  PF_QMGR, "postfix/qmgr", "8C97DA72177", "", 0, 0, 0, 0, 0, -1, 0, 0, 1 },
	{ PF "qmgr[3028]: 8C97DA72177: from=<a@x>, status=expired, returned to sender",
	  PF_EXPIRED, "postfix/qmgr", "8C97DA72177", "a@x", 0, 0, 0, 0, "expired", -1, 0, 0, 0 },
	{ PF "local[3059]: 6A442A72165: to=<nosuchuser@test.invalid>, relay=local, delay=0.15, delays=0.02/0/0/0.13, dsn=5.1.1, status=bounced (unknown user: \"nosuchuser\")",
	  PF_DELIVERY, "postfix/local", "6A442A72165", 0, "nosuchuser@test.invalid", 0, 0, 0, "bounced", -1, 0, 0, 0 },
	{ PF "smtp[9]: 6A442A72165: to=<a@b.example>, orig_to=<x@y>, relay=none, delay=30, delays=0/0/30/0, dsn=4.4.1, status=deferred (connect to b.example[192.0.2.9]:25: Connection refused)",
	  PF_DELIVERY, "postfix/smtp", "6A442A72165", 0, "a@b.example", 0, 0, 0, "deferred", -1, 0, 0, 0 },
	{ PF "qmgr[3028]: 6AEB4A72138: removed", PF_REMOVED, "postfix/qmgr", "6AEB4A72138", 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ PF "postsuper[77]: 6AEB4A72138: placed on hold", PF_HOLD, "postfix/postsuper", "6AEB4A72138", 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ PF "postsuper[77]: 6AEB4A72138: released from hold", PF_RELEASE, "postfix/postsuper", "6AEB4A72138", 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ PF "postsuper[77]: 6AEB4A72138: removed", PF_REMOVED, "postfix/postsuper", "6AEB4A72138", 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ PF "bounce[3113]: 6A442A72165: sender non-delivery notification: 8C97DA72177",
	  PF_BOUNCE, "postfix/bounce", "6A442A72165", 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	/* a notification's id is one queue id, alone, and not the original's */
	{ PF "bounce[3113]: 6A442A72165: sender non-delivery notification: 8C97DA72177 ",
	  RP_BAD, "postfix/bounce", "6A442A72165", 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ PF "bounce[3113]: 6A442A72165: sender non-delivery notification: 8C97DA72177 junk",
	  RP_BAD, "postfix/bounce", "6A442A72165", 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ PF "bounce[3113]: 6A442A72165: sender non-delivery notification: 8C97DA72177\r",
	  RP_BAD, "postfix/bounce", "6A442A72165", 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ PF "bounce[3113]: 6A442A72165: sender non-delivery notification: ",
	  RP_BAD, "postfix/bounce", "6A442A72165", 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ PF "bounce[3113]: 6A442A72165: sender non-delivery notification: 6A442A72165",
	  RP_BAD, "postfix/bounce", "6A442A72165", 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ PF "bounce[3113]: 6A442A72165: sender delay notification: 4Lq7Zr0mN2zKPXV",
	  PF_BOUNCE, "postfix/bounce", "6A442A72165", 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ PF "smtpd[1]: NOQUEUE: reject: RCPT from unknown[192.0.2.7]: 554 5.7.1 <a@b>: Relay access denied; from=<s@x> to=<a@b> proto=ESMTP helo=<h>",
	  PF_NOQUEUE, "postfix/smtpd", 0, "s@x", "a@b", "unknown[192.0.2.7]", 0, 0, 0, -1, 0, 0, 0 },
	{ PF "smtpd[3030]: connect from localhost[127.0.0.1]", RP_OTHER, "postfix/smtpd", 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ PF "pickup[3027]: 6AEB4A72138: uid=999", RP_BAD, "postfix/pickup", "6AEB4A72138", 0, 0, 0, 0, 0, 0, 999, 0, 0, 0 },
	{ "Dec  1 20:31:01 test dovecot: imap-login: Login: user=<a>", RP_OTHER, "dovecot", 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	/* the wrapper, in its own file and through syslog */
	{ "2026-12-01T20:31:01Z mailorigin[3045]: id=6b0f2e85ac310b51 action=pass uid=999",
	  MO_LINE, "mailorigin", 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ "Dec  1 20:31:01 test mailorigin[3045]: id=6b0f2e85ac310b51 action=pass uid=999",
	  MO_LINE, "mailorigin", 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	/* qmail-send through splogger, and through multilog */
	{ "Dec  1 20:31:01 host qmail: 1764620000.123456 new msg 1234567", QM_NEW, "qmail", 0, 0, 0, 0, 0, 0, 0, -1, 1234567, 0, 0 },
	{ "Dec  1 20:31:01 host qmail: 1764620000.123456 info msg 1234567: bytes 2345 from <a@x> qp 8080 uid 1001",
	  QM_INFO, "qmail", 0, "a@x", 0, 0, 0, 0, 0, 1001, 1234567, 0, 0 },
	{ "@400000006925f1e012345678 info msg 99: bytes 10 from <> qp 1 uid 64011", QM_INFO, "", 0, "", 0, 0, 0, 0, 0, 64011, 99, 0, 0 },
	{ "@400000006925f1e012345678 starting delivery 12: msg 99 to remote b@y.example", QM_START, "", 0, 0, "b@y.example", 0, 0, 0, 0, -1, 99, 12, 0 },
	{ "@400000006925f1e012345678 starting delivery 13: msg 99 to local x-c@y.example", QM_START, "", 0, 0, "x-c@y.example", 0, 0, 0, 0, -1, 99, 13, 0 },
	{ "@400000006925f1e012345678 delivery 12: success: 192.0.2.1_accepted_message./Remote_host_said:_250_ok/", QM_DELIVERY, "", 0, 0, 0, 0, 0, 0, "sent", -1, 0, 12, 0 },
	{ "@400000006925f1e012345678 delivery 13: failure: Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/", QM_DELIVERY, "", 0, 0, 0, 0, 0, 0, "bounced", -1, 0, 13, 0 },
	{ "@400000006925f1e012345678 delivery 14: deferral: Connected_to_192.0.2.1_but_connection_died./", QM_DELIVERY, "", 0, 0, 0, 0, 0, 0, "deferred", -1, 0, 14, 0 },
	{ "@400000006925f1e012345678 end msg 99", QM_END, "", 0, 0, 0, 0, 0, 0, 0, -1, 99, 0, 0 },
	{ "@400000006925f1e012345678 status: local 0/10 remote 1/20", RP_OTHER, "", 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ "@400000006925f1e012345678 info msg 99: bytes 10 from <a@x>", RP_BAD, "", 0, 0, 0, 0, 0, 0, 0, -1, 99, 0, 0 },
	/* SMTP AUTH on qmail: Plesk, s/qmail (spamcontrol) */
	{ "Dec  1 20:31:01 host smtp_auth[4711]: smtp_auth: SMTP user info@site.example : logged in from mail.example [192.0.2.3]",
	  QM_AUTH, "smtp_auth", 0, 0, 0, "mail.example [192.0.2.3]", "info@site.example", 0, 0, -1, 0, 0, 0 },
	{ "Dec  1 20:31:01 host smtp_auth[4711]: smtp_auth: FAILED: info@site.example - password incorrect from mail.example [192.0.2.3]",
	  QM_AUTH_FAIL, "smtp_auth", 0, 0, 0, "mail.example [192.0.2.3]", "info@site.example", 0, 0, -1, 0, 0, 0 },
	{ "@400000006925f1e012345678 qmail-smtpd: pid 4242 Accept::AUTH::PLAIN: P:ESMTPA S:192.0.2.4:client.example H:helo F:<user@site.example> T:<r@x.example>",
	  QM_AUTH, "", 0, 0, 0, "192.0.2.4:client.example", "user@site.example", 0, 0, -1, 0, 0, 0 },
	{ "Dec  1 20:31:01 host qmail-smtpd[9]: Reject::AUTH::LOGIN: P:ESMTPA S:192.0.2.4:client.example H:helo F:user@site.example T:",
	  QM_AUTH_FAIL, "qmail-smtpd", 0, 0, 0, "192.0.2.4:client.example", "user@site.example", 0, 0, -1, 0, 0, 0 },
	/* not log lines */
	{ "", -1, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ "hello world", -1, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ "Foo  1 20:31:01 test postfix/pickup[1]: X", -1, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ "Dec 32 20:31:01 test postfix/pickup[1]: X", -1, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ "Dec  1 25:31:01 test postfix/pickup[1]: X", -1, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ "2026-13-01T20:31:01Z x y: z", -1, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ "Dec  1 20:31:01 test", -1, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
	{ "@4000zzzz6925f1e012345678 end msg 99", -1, 0, 0, 0, 0, 0, 0, 0, 0, -1, 0, 0, 0 },
};

static void
str_is(const char *want, struct rp_str got, const char *what, size_t i)
{
	if (want == NULL)
		return;
	if (got.p == NULL || got.n != strlen(want) || memcmp(got.p, want, got.n) != 0)
		fail_msg("case %zu %s: want [%s] got [%.*s]", i, what, want, (int)got.n,
		    got.p ? got.p : "");
}

static void
test_table(void **state)
{
	struct rp_clock c;
	size_t i;

	(void)state;
	rp_clock_init(&c, 1764620000);  /* 2025-12-01 */
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct pcase *k = &cases[i];
		struct rp_prefix p;
		struct rp_event e;
		int rc = rp_prefix(k->line, strlen(k->line), &c, &p);

		if (k->kind == -1) {
			if (rc != -1)
				fail_msg("case %zu: a prefix in [%s]", i, k->line);
			continue;
		}
		if (rc != 0)
			fail_msg("case %zu: no prefix in [%s]", i, k->line);
		rp_message(&p, &e);
		if ((int)e.kind != k->kind)
			fail_msg("case %zu: kind %d, want %d", i, e.kind, k->kind);
		str_is(k->prog, p.prog, "prog", i);
		str_is(k->qid, e.qid, "qid", i);
		str_is(k->from, e.from, "from", i);
		str_is(k->to, e.to, "to", i);
		str_is(k->client, e.client, "client", i);
		str_is(k->sasl, e.sasl, "sasl", i);
		str_is(k->msgid, e.msgid, "msgid", i);
		str_is(k->status, e.status, "status", i);
		if (k->uid >= 0 && (!e.has_uid || e.uid != (unsigned long)k->uid))
			fail_msg("case %zu: uid %lu, want %ld", i, e.uid, k->uid);
		if (k->uid < 0 && e.has_uid)
			fail_msg("case %zu: a uid", i);
		assert_int_equal(k->msg, e.msg);
		assert_int_equal(k->dlv, e.dlv);
		assert_int_equal(k->nrcpt, e.nrcpt);
	}
}

/* Times: RFC 3339 zones, the wrapper's Z, syslog's year from the reference. */
static void
test_times(void **state)
{
	struct rp_clock c;
	struct rp_prefix p;
	int64_t t;
	const char *l;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(0, rp_parse_time("2026-12-01T20:31:01Z", 20, &t));
	assert_int_equal(1796157061, t);
	assert_int_equal(0, rp_parse_time("2026-12-01T21:31:01.5+01:00", 27, &t));
	assert_int_equal(1796157061, t);
	assert_int_equal(0, rp_parse_time("2026-12-01 20:31", 16, &t));
	assert_int_equal(1796157060, t);
	assert_int_equal(0, rp_parse_time("2026-12-01", 10, &t));
	assert_int_equal(1796083200, t);
	assert_int_equal(-1, rp_parse_time("2026-12-01T20:31:01+1", 21, &t));
	assert_int_equal(-1, rp_parse_time("2026-12-01X", 11, &t));

	/* read on 2027-01-02: December lines are of 2026, January ones of 2027 */
	rp_clock_init(&c, 1798848000 + 86400);
	l = "Dec 31 23:59:59 h postfix/qmgr[1]: ABCDEF: removed";
	assert_int_equal(0, rp_prefix(l, strlen(l), &c, &p));
	assert_int_equal(1798761599, p.t);      /* 2026-12-31T23:59:59Z */
	l = "Jan  1 00:00:01 h postfix/qmgr[1]: ABCDEF: removed";
	assert_int_equal(0, rp_prefix(l, strlen(l), &c, &p));
	assert_int_equal(1798761601, p.t);      /* 2027-01-01T00:00:01Z */
	/* a day ahead of the reference is still this year (clock skew) */
	rp_clock_init(&c, 1796157061);
	l = "Dec  2 10:00:00 h postfix/qmgr[1]: ABCDEF: removed";
	assert_int_equal(0, rp_prefix(l, strlen(l), &c, &p));
	assert_int_equal(1796205600, p.t);
	/* multilog's TAI64N label, 10 s of TAI offset removed */
	l = "@400000006925f1e012345678 end msg 1";
	assert_int_equal(0, rp_prefix(l, strlen(l), &c, &p));
	assert_int_equal(0x6925f1e0 - 10, p.t);
}

static void
test_msgid_core(void **state)
{
	struct rp_str s;

	(void)state;
	s = rp_msgid_core((struct rp_str){ " <a@b> ", 7 });
	assert_int_equal(3, s.n);
	assert_memory_equal("a@b", s.p, 3);
	s = rp_msgid_core((struct rp_str){ "plain", 5 });
	assert_int_equal(5, s.n);
	s = rp_msgid_core((struct rp_str){ "<unclosed", 9 });
	assert_int_equal(9, s.n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_msgid_core),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
