/* hygiene: start-up fds, and the UTF-8 a terminal may be shown. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "hygiene.h"

static void
test_utf8(void **state)
{
	static const struct { const char *s; size_t len; size_t any, printable; } cases[] = {
		{ "\xc3\xa9", 2, 2, 2 },                /* é */
		{ "\xe2\x82\xac", 3, 3, 3 },            /* € */
		{ "\xf0\x9f\x98\x80", 4, 4, 4 },        /* emoji */
		{ "\xc2\x9b", 2, 2, 0 },                /* C1 CSI: a terminal obeys it */
		{ "\xc2\xa0", 2, 2, 2 },                /* first printable after C1 */
		{ "\xc0\xaf", 2, 0, 0 },                /* overlong '/' */
		{ "\xe0\x80\xaf", 3, 0, 0 },            /* overlong */
		{ "\xed\xa0\x80", 3, 0, 0 },            /* surrogate */
		{ "\xf4\x90\x80\x80", 4, 0, 0 },        /* past U+10FFFF */
		{ "\xe2\x82", 2, 0, 0 },                /* cut short */
		{ "\xe2\x82\xac", 2, 0, 0 },            /* len says cut */
		{ "\x80", 1, 0, 0 },                    /* lone continuation */
		{ "a", 1, 0, 0 },                       /* ASCII is not a sequence */
		{ "", 0, 0, 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case %zu\n", i);
		assert_int_equal(cases[i].any, mo_utf8_len((const unsigned char *)cases[i].s, cases[i].len, 0));
		assert_int_equal(cases[i].printable,
		    mo_utf8_len((const unsigned char *)cases[i].s, cases[i].len, 1));
	}
}

/* Closed 0-2 are opened on /dev/null; everything else is closed. */
static void
test_std_fds(void **state)
{
	int keep = dup(1), extra;

	(void)state;
	extra = open("/dev/null", O_RDONLY);
	assert_true(extra > 2);
	close(0);
	mo_std_fds();
	assert_int_equal(0, fcntl(0, F_GETFD) == -1);
	assert_int_equal(-1, fcntl(extra, F_GETFD));
	assert_int_equal(-1, fcntl(keep, F_GETFD));     /* closed too: above 2 */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_std_fds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
