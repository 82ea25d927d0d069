/* lib/lookup: the milter daemon's lookup, question and answer, read back
 * exactly; hostile lines refused. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "lookup.h"

static void
test_question(void **state)
{
	static const struct { const char *line; int ok; int family; unsigned port; } cases[] = {
		{ "127.0.0.1 25\n", 1, AF_INET, 25 },
		{ "127.0.0.1 65535", 1, AF_INET, 65535 },
		{ "::1 4000\r\n", 1, AF_INET6, 4000 },
		{ "::ffff:127.0.0.1 4000\n", 1, AF_INET6, 4000 },
		{ "127.0.0.1 0\n", 0, 0, 0 },
		{ "127.0.0.1 65536\n", 0, 0, 0 },
		{ "127.0.0.1 -1\n", 0, 0, 0 },
		{ "127.0.0.1\n", 0, 0, 0 },
		{ "127.0.0.1 \n", 0, 0, 0 },
		{ "localhost 25\n", 0, 0, 0 },
		{ "127.0.0.1 25 junk\n", 0, 0, 0 },
		{ "", 0, 0, 0 },
		{ "1234567890123456789012345678901234567890123456789 25", 0, 0, 0 },
	};
	struct sockaddr_storage ss, srv;
	size_t i, salen;
	int have;
	char q[128];

	(void)state;
	/* with the server's end: both read back */
	assert_int_equal(0, mo_lookup_question(q, sizeof(q), "127.0.0.1", 40000, "127.0.0.1", 25));
	assert_string_equal("127.0.0.1 40000 127.0.0.1 25\n", q);
	assert_int_equal(0, mo_lookup_parse_question(q, strlen(q), &ss, &salen, &srv, &have));
	assert_int_equal(1, have);
	assert_int_equal(40000, ntohs(((struct sockaddr_in *)&ss)->sin_port));
	assert_int_equal(25, ntohs(((struct sockaddr_in *)&srv)->sin_port));
	assert_int_equal(-1, mo_lookup_parse_question("127.0.0.1 1 x 25", 16, &ss, &salen, &srv, &have));
	assert_int_equal(-1, mo_lookup_parse_question("127.0.0.1 1 127.0.0.1 0", 23, &ss, &salen, &srv,
	    &have));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = mo_lookup_parse_question(cases[i].line, strlen(cases[i].line), &ss, &salen,
		    &srv, &have);

		assert_int_equal(rc, cases[i].ok ? 0 : -1);
		if (!cases[i].ok)
			continue;
		assert_int_equal(ss.ss_family, cases[i].family);
		assert_int_equal(ntohs(cases[i].family == AF_INET ?
		    ((struct sockaddr_in *)&ss)->sin_port : ((struct sockaddr_in6 *)&ss)->sin6_port),
		    cases[i].port);
	}
}

static void
test_answer_round_trip(void **state)
{
	struct mo_lookup r, back;
	struct mo_line l;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.status = MO_LOOKUP_OK;
	r.o.uid = 995;
	strcpy(r.o.user, "mo-site-b");
	strcpy(r.o.vhost, "site b");
	strcpy(r.o.cwd, "/srv/www/evil\ndir \"x\"");
	strcpy(r.o.script, "/srv/www/site-b/a\tb.php");
	r.o.script_src = "php-cli-argv";
	r.o.script_claimed = 1;
	r.o.sapi = MO_SAPI_FPM;
	r.o.php_pid = 4242;
	strcpy(r.o.php_exe, "/usr/sbin/php-fpm8.2");
	strcpy(r.o.pool, "site-b");
	strcpy(r.o.chain, "php-fpm8.2[4242]");
	mo_lookup_answer(&l, &r);
	assert_null(strchr(l.buf, '\n'));
	assert_int_equal(mo_lookup_parse_answer(l.buf, l.len, &back), 0);
	assert_int_equal(back.status, MO_LOOKUP_OK);
	assert_int_equal(back.o.uid, 995);
	assert_string_equal(back.o.user, r.o.user);
	assert_string_equal(back.o.vhost, r.o.vhost);
	assert_string_equal(back.o.cwd, r.o.cwd);
	assert_string_equal(back.o.script, r.o.script);
	assert_string_equal(back.o.script_src, "php-cli-argv");
	assert_int_equal(back.o.script_claimed, 1);
	assert_int_equal(back.o.sapi, MO_SAPI_FPM);
	assert_int_equal(back.o.php_pid, 4242);
	assert_string_equal(back.o.php_exe, r.o.php_exe);
	assert_string_equal(back.o.pool, "site-b");
	assert_string_equal(back.o.chain, r.o.chain);

	r.status = MO_LOOKUP_UID;
	strcpy(r.reason, "no process found in time");
	mo_lookup_answer(&l, &r);
	assert_int_equal(mo_lookup_parse_answer(l.buf, l.len, &back), 0);
	assert_int_equal(back.status, MO_LOOKUP_UID);
	assert_int_equal(back.o.uid, 995);
	assert_string_equal(back.reason, r.reason);

	r.status = MO_LOOKUP_NONE;
	mo_lookup_answer(&l, &r);
	assert_int_equal(mo_lookup_parse_answer(l.buf, l.len, &back), 0);
	assert_int_equal(back.status, MO_LOOKUP_NONE);
}

static void
test_answer_refused(void **state)
{
	static const char *const bad[] = {
		"", "status=ok", "status=ok uid=x", "status=ok uid=-1", "status=uid",
		"status=maybe uid=1", "status=ok uid=1 user=\"unterminated", "garbage",
		"status=ok uid=4294967295",
	};
	struct mo_lookup r;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(mo_lookup_parse_answer(bad[i], strlen(bad[i]), &r), -1);
	/* a user name past the field is cut, not overrun */
	char line[1024];
	snprintf(line, sizeof(line), "status=ok uid=1 user=%0300d", 7);
	assert_int_equal(mo_lookup_parse_answer(line, strlen(line), &r), 0);
	assert_int_equal(strlen(r.o.user), sizeof(r.o.user) - 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_question),
		cmocka_unit_test(test_answer_round_trip),
		cmocka_unit_test(test_answer_refused),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
