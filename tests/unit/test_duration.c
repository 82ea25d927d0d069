/* lib/duration: the one grammar, with what every program used to take. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "duration.h"

static void
test_grammar(void **state)
{
	static const struct { const char *s; long long ms; } ok[] = {
		{ "90s", 90000 }, { "250ms", 250 }, { "30m", 1800000 }, { "1h30m", 5400000 },
		{ "2d", 172800000 }, { "1.5s", 1500 }, { "90", 90000 }, { "0", 0 },
		{ "1d2h3m4s5ms", 93784005 }, { "0.0015s", 2 }, { "1m30s", 90000 },
	};
	static const char *const bad[] = {
		"", "x", "5 s", "-1s", "1e300s", "s", "1.s", ".5s", "1y", "1h30", "30 m", "1,5s",
		"99999999999999999999d",
	};
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		print_message("%s\n", ok[i].s);
		assert_int_equal(ok[i].ms, mo_duration_ms(ok[i].s, 1000000000000LL, &why));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("bad %s\n", bad[i]);
		assert_int_equal(-1, mo_duration_ms(bad[i], 1000000000000LL, &why));
		assert_non_null(why);
	}
	assert_int_equal(-1, mo_duration_ms("31d", 30LL * 86400000, &why));
	assert_string_equal("too long", why);
	assert_int_equal(30LL * 86400000, mo_duration_ms("30d", 30LL * 86400000, &why));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grammar),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
