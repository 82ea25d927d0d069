/* lib/buf: mo_grow_big, the huge-page-backed growing array (fresh elements
 * are zeros, also after a growth; what was written survives a growth; its
 * memory starts at a 2 MiB boundary, as transparent huge pages need). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "buf.h"

struct big {
	int id;
	char path[4096 * 3 + 100];      /* elements that span pages */
	int last;
};

static int
all_zero(const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i] != 0)
			return 0;
	return 1;
}

static void
test_grow_big(void **state)
{
	struct big *a = NULL;
	size_t cap = 0, n, first;

	(void)state;
	assert_int_equal(mo_grow_big(&a, &cap, 0, sizeof(*a)), 0);
	assert_non_null(a);
	assert_true(cap >= 1);
	assert_int_equal((uintptr_t)a % ((uintptr_t)2 << 20), 0);
	first = cap;
	/* fill past several growths: each new element reads as zeros */
	for (n = 0; n < first * 5; n++) {
		assert_int_equal(mo_grow_big(&a, &cap, n, sizeof(*a)), 0);
		assert_true(n < cap);
		assert_true(all_zero(&a[n], sizeof(a[n])));
		a[n].id = (int)n + 1;
		snprintf(a[n].path, sizeof(a[n].path), "/srv/%zu.php", n);
		a[n].last = -(int)n;
	}
	assert_true(cap > first);
	assert_int_equal((uintptr_t)a % ((uintptr_t)2 << 20), 0);
	/* the elements written before each growth are there whole */
	for (n = 0; n < first * 5; n++) {
		char want[64];
		snprintf(want, sizeof(want), "/srv/%zu.php", n);
		assert_int_equal(a[n].id, (int)n + 1);
		assert_string_equal(a[n].path, want);
		assert_int_equal(a[n].last, -(int)n);
		assert_true(all_zero(a[n].path + strlen(want), sizeof(a[n].path) - strlen(want)));
	}
	/* and the room not yet handed out is zeros too */
	assert_true(all_zero(&a[n], (cap - n) * sizeof(*a)));
	/* no growth while there is room */
	{
		struct big *before = a;
		size_t c = cap;
		assert_int_equal(mo_grow_big(&a, &cap, n, sizeof(*a)), 0);
		assert_ptr_equal(a, before);
		assert_int_equal(cap, c);
	}
	mo_big_free(a, cap, sizeof(*a));
	mo_big_free(NULL, 0, sizeof(*a));
}

static void
test_grow_big_huge_elements(void **state)
{
	/* an element larger than a huge page: one at first, then doubled */
	size_t elem = ((size_t)2 << 20) + 4096, cap = 0;
	char *a = NULL;

	(void)state;
	assert_int_equal(mo_grow_big(&a, &cap, 0, elem), 0);
	assert_int_equal(cap, 1);
	a[elem - 1] = 'x';
	assert_int_equal(mo_grow_big(&a, &cap, 1, elem), 0);
	assert_int_equal(cap, 2);
	assert_int_equal(a[elem - 1], 'x');
	assert_int_equal(a[2 * elem - 1], 0);
	mo_big_free(a, cap, elem);
}

static void
test_grow_big_refuses(void **state)
{
	char *a = NULL;
	size_t cap = (SIZE_MAX / 2) + 1;

	(void)state;
	/* an overflowing size is ENOMEM, the array left as it was */
	assert_int_equal(mo_grow_big(&a, &cap, cap, 16), -1);
	assert_null(a);
	cap = 0;
	assert_int_equal(mo_grow_big(&a, &cap, 0, 0), -1);
	assert_null(a);
	assert_int_equal(cap, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_grow_big),
		cmocka_unit_test(test_grow_big_huge_elements),
		cmocka_unit_test(test_grow_big_refuses),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
