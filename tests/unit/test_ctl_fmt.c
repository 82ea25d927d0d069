/* ctl/fmt: safe text, durations, windows, and a limit cell
 * read back exactly as the GCRA of ratelimit.c decides. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fmt.h"
#include "ratelimit.h"

#define NS 1000000000LL

#define S(s) s, sizeof(s) - 1

static void
test_safe(void **state)
{
	static const struct { const char *in; size_t len; const char *out; } cases[] = {
		{ S("/var/www/site"), "/var/www/site" },
		{ S("evil\nX-Forged: 1"), "evil\\nX-Forged: 1" },
		{ S("\r\t\\"), "\\r\\t\\\\" },
		{ S("\0\x1b[2J\xff"), "\\x00\\x1b[2J\\xff" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = ctl_safe(cases[i].in, cases[i].len);
		assert_string_equal(cases[i].out, got);
		free(got);
	}
}

static void
test_duration_window(void **state)
{
	static const struct { int64_t ns; const char *out; } d[] = {
		{ -5 * NS, "0s" }, { 0, "0s" }, { 1, "1s" }, { NS, "1s" }, { NS + 1, "2s" },
		{ 59 * NS, "59s" }, { 60 * NS, "1m0s" }, { 90 * NS, "1m30s" },
		{ 3599 * NS + 1, "1h0m" }, { 7500 * NS, "2h5m" }, { 86400 * NS, "1d0h" },
		{ (3 * 86400 + 4 * 3600 + 59) * NS, "3d4h" },
	};
	static const struct { uint32_t s; const char *out; } w[] = {
		{ 1, "1s" }, { 45, "45s" }, { 60, "1m" }, { 90, "90s" }, { 5400, "90m" },
		{ 3600, "1h" }, { 7200, "2h" }, { 86400, "1d" }, { 172800, "2d" }, { 0, "0s" },
	};
	char buf[32];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		ctl_duration(buf, sizeof(buf), d[i].ns);
		assert_string_equal(d[i].out, buf);
	}
	for (i = 0; i < sizeof(w) / sizeof(w[0]); i++) {
		ctl_window(buf, sizeof(buf), w[i].s);
		assert_string_equal(w[i].out, buf);
	}
}

/* Charge k messages into a fresh cell at t0, the way the store does. */
static void
charge(struct mo_limitdb_slot *s, const struct mo_window *w, int64_t at, unsigned k)
{
	int64_t tat;

	while (k-- > 0) {
		assert_true(mo_gcra(s->tat, at, w, 1, &tat));
		s->tat = tat;
	}
}

/* What ctl_cell_at says agrees with what mo_gcra decides, at the edges. */
static void
test_cell(void **state)
{
	static const char *const windows[] = { "5/1h", "2/1h", "20/1m", "3/7s", "1/1d", "7/1m" };
	const char *why;
	struct mo_window w;
	struct mo_limitdb_slot s;
	struct ctl_cell c;
	int64_t t0 = 1763800000LL * NS, tat, iv;
	unsigned k;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
		assert_int_equal(0, mo_window_parse(windows[i], MO_UNIT_MESSAGES, &w, &why));
		iv = (int64_t)w.seconds * NS / w.n;
		for (k = 0; k <= w.n; k++) {
			memset(&s, 0, sizeof(s));
			s.n = w.n;
			s.seconds = w.seconds;
			s.unit = MO_UNIT_MESSAGES;
			charge(&s, &w, t0, k);
			ctl_cell_at(&s, t0, &c);
			assert_int_equal(k, c.used);
			if (k < w.n) {
				assert_true(c.next_fits <= t0);         /* room now */
				assert_true(mo_gcra(s.tat, t0, &w, 1, &tat));
			} else {
				assert_true(c.next_fits > t0);
				/* not a nanosecond before next_fits, and at it */
				assert_false(mo_gcra(s.tat, c.next_fits - 1, &w, 1, &tat));
				assert_true(mo_gcra(s.tat, c.next_fits, &w, 1, &tat));
				/* one interval after the burst, less the whole ns
				 * the interval's rounding leaves (at most 1 per message) */
				assert_in_range(c.next_fits, t0 + iv - w.n, t0 + iv);
			}
			assert_int_equal(k ? t0 + (int64_t)k * iv : 0, c.empty_at);
			/* empty at empty_at, and not before */
			ctl_cell_at(&s, c.empty_at, &c);
			assert_int_equal(0, c.used);
			if (k > 0) {
				ctl_cell_at(&s, t0 + (int64_t)k * iv - 1, &c);
				assert_int_equal(1, c.used);
			}
		}
	}
	/* warned: until warned_until, not at it */
	memset(&s, 0, sizeof(s));
	s.n = 5;
	s.seconds = 3600;
	s.warned_until = t0 + 10 * NS;
	ctl_cell_at(&s, t0, &c);
	assert_true(c.warned);
	ctl_cell_at(&s, t0 + 10 * NS, &c);
	assert_false(c.warned);
	/* a torn cell (n == 0) reads as empty, no division by zero */
	memset(&s, 0, sizeof(s));
	s.tat = t0 + NS;
	ctl_cell_at(&s, t0, &c);
	assert_int_equal(0, c.used);
	assert_true(c.next_fits <= t0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_safe),
		cmocka_unit_test(test_duration_window),
		cmocka_unit_test(test_cell),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
