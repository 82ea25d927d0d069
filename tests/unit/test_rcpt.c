/* Address counting: folded lines, groups, quoted names, comments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rcpt.h"

static const struct { const char *list; unsigned long n; } cases[] = {
	{ "", 0 },
	{ "   ", 0 },
	{ "a@x", 1 },
	{ "a@x, b@y", 2 },
	{ "a@x,,b@y,", 2 },
	{ "\"Doe, John\" <j@x>", 1 },
	{ "\"Doe, John\" <j@x>, \"Roe; Jane\" <r@y>", 2 },
	{ "John (the, boss) <j@x>", 1 },
	{ "(only a comment)", 0 },
	{ "(nested (comment, here)) a@x", 1 },
	{ "undisclosed-recipients:;", 0 },
	{ "team: a@x, b@y;, c@z", 3 },
	{ "team: a@x, b@y;", 2 },
	{ "<@route1,@route2:a@x>", 1 },
	{ "a@x,\r\n b@y,\r\n\tc@z", 3 },
	{ "\"quoted \\\" quote, comma\" <q@x>, r@y", 2 },
	{ "a@[IPv6:::1], b@y", 2 },
	{ "a@[1.2.3.4,5]: b@y", 1 },
	{ "x: a@[IPv6:1::2];", 1 },
	/* as Postfix's tok822 reads them (finding: these counted 1) */
	{ "a@x b@y c@z", 3 },
	{ "a@x\tb@y\r\n c@z", 3 },
	{ "a b", 2 },
	{ "John Smith <j@x>", 1 },
	{ "a@x <b@y>", 1 },
	{ "<a@x> <b@y>", 2 },
	{ "<a@x> b@y", 2 },
	{ "<a@x, b@y, c@z", 3 },           /* unclosed <: commas separate */
	{ "a@x, <b@y, c@z", 3 },
	{ "(a@x, b@y, c@z", 0 },           /* unclosed (: all comment */
	{ "a@x (c) b@y", 2 },
	{ "a@x(c)b@y", 2 },
	{ "\"q\"a@x", 2 },
	{ "a@x \"b\"", 2 },
	{ "a.b@x c", 2 },
	{ "a@x, b@y>", 1 },                /* no <: one address up to > */
	{ "g: a@x b@y;", 2 },
	{ "g: a@x; h: b@y, c@z;", 2 },     /* Postfix skips back to a comma */
	{ "a:b@x", 1 },                    /* : without ; is an operator */
	{ "=?utf-8?Q?J=C3=B6rg?= <j@x>, k@y", 2 },
	{ "=?utf-8?Q?a,b?= <j@x>", 2 },
	{ "a\\ b@x c", 2 },                 /* an escaped blank stays in the atom */
	{ "<>", 0 },
	{ "a@x, a@x", 2 },                 /* duplicates count (Postfix drops them) */
};

static void
test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case %zu: %s\n", i, cases[i].list);
		assert_int_equal(cases[i].n, mo_rcpt_count(cases[i].list));
	}
}

/* Fed one byte at a time, the count is the same. */
static void
test_pieces(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct mo_rcpt r;
		const char *s = cases[i].list;

		mo_rcpt_init(&r);
		for (j = 0; s[j]; j++)
			mo_rcpt_feed(&r, s + j, 1);
		mo_rcpt_end(&r);
		assert_int_equal(cases[i].n, r.count);
	}
}

/* Counts accumulate over fields (To, then Cc). */
static void
test_fields(void **state)
{
	struct mo_rcpt r;

	(void)state;
	mo_rcpt_init(&r);
	mo_rcpt_feed(&r, "a@x, b@y", 8);
	mo_rcpt_end(&r);
	mo_rcpt_feed(&r, "\"unterminated, quote", 20);
	mo_rcpt_end(&r);
	mo_rcpt_feed(&r, "c@z", 3);
	mo_rcpt_end(&r);
	assert_int_equal(4, r.count);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
