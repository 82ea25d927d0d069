/* ctl/verb: verbs found and run from their tables, groups expanded in the
 * usage, an entry's argv starting at its own word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <bsd/string.h>

#include "verb.h"

static char seen[128];

static int
record(struct ctl *c, const struct ctl_verb *v, int argc, char *argv[])
{
	int i;

	(void)c;
	snprintf(seen, sizeof(seen), "%s:%d", v->name, argc);
	for (i = 0; i < argc; i++) {
		strlcat(seen, " ", sizeof(seen));
		strlcat(seen, argv[i], sizeof(seen));
	}
	return 7;
}

static const struct ctl_verb sub[] = {
	{ "list", record, "  grp list [--json]\n", 1, NULL },
	{ "drop", record, "  grp drop ID\n", 0, NULL },
	{ NULL, NULL, NULL, 0, NULL }
};

static const struct ctl_verb top[] = {
	{ "grp", NULL, NULL, 0, sub },
	{ "one", record, "  one [X]\n", 0, NULL },
	{ NULL, NULL, NULL, 0, NULL }
};

static void
test_find_run(void **state)
{
	char *a1[] = { "grp", "list", "--json", NULL };
	char *a2[] = { "one", "x", NULL };
	struct ctl c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_ptr_equal(ctl_verb_find(top, "one"), &top[1]);
	assert_null(ctl_verb_find(top, "list"));
	assert_null(ctl_verb_find(top, ""));
	assert_int_equal(ctl_verb_run(&c, top, NULL, 3, a1), 7);
	assert_string_equal(seen, "list:2 list --json");
	assert_int_equal(ctl_verb_run(&c, top, NULL, 2, a2), 7);
	assert_string_equal(seen, "one:2 one x");
}

static void
test_usage(void **state)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	(void)state;
	assert_non_null(f);
	ctl_verb_usage(f, top);
	fclose(f);
	assert_string_equal(buf, "  grp list [--json]\n  grp drop ID\n  one [X]\n");
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_run),
		cmocka_unit_test(test_usage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
