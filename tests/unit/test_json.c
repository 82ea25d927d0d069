/* lib/json: the one escaper (hostile bytes, C1, invalid UTF-8) and the
 * writer's commas, keys and nesting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "json.h"

#define S(s) s, sizeof(s) - 1

static char *
json_of(const char *s, size_t len)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);

	assert_non_null(f);
	mo_json_string(f, s, len);
	fclose(f);
	return buf;
}

static void
test_string(void **state)
{
	static const struct { const char *in; size_t len; const char *out; } cases[] = {
		{ S("plain"), "\"plain\"" },
		{ S(""), "\"\"" },
		{ S("q\"b\\s/"), "\"q\\\"b\\\\s/\"" },
		{ S("l\nr\rt\t"), "\"l\\nr\\rt\\t\"" },
		{ S("nul\0\x1b\x7f"), "\"nul\\u0000\\u001b\\u007f\"" },
		{ S("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7"),
		  "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa7\"" },
		{ S("nbsp \xc2\xa0"), "\"nbsp \xc2\xa0\"" },
		/* C1 controls as UTF-8 (CSI is U+009B): escaped, never raw */
		{ S("csi \xc2\x9b" "2J nel \xc2\x85 pad \xc2\x80"), "\"csi \\u009b2J nel \\u0085 pad \\u0080\"" },
		{ S("ls \xe2\x80\xa8 ps \xe2\x80\xa9"), "\"ls \\u2028 ps \\u2029\"" },
		/* bytes that are no UTF-8: \u00XX of the byte */
		{ S("raw c1 \x9b\x85"), "\"raw c1 \\u009b\\u0085\"" },
		{ S("latin1 \xe9t\xe9"), "\"latin1 \\u00e9t\\u00e9\"" },
		{ S("ff \xff\xfe"), "\"ff \\u00ff\\u00fe\"" },
		{ S("overlong \xc0\xaf"), "\"overlong \\u00c0\\u00af\"" },
		{ S("surrogate \xed\xa0\x80"), "\"surrogate \\u00ed\\u00a0\\u0080\"" },
		{ S("past max \xf4\x90\x80\x80"), "\"past max \\u00f4\\u0090\\u0080\\u0080\"" },
		{ S("cut \xe2\x82"), "\"cut \\u00e2\\u0082\"" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *got = json_of(cases[i].in, cases[i].len);
		assert_string_equal(cases[i].out, got);
		free(got);
	}
}

static void
test_writer(void **state)
{
	char *buf = NULL;
	size_t n = 0;
	FILE *f = open_memstream(&buf, &n);
	struct mo_json j;

	(void)state;
	assert_non_null(f);
	mo_json_begin(&j, f);
	mo_json_str(&j, "id", "a1");
	mo_json_int(&j, "n", -3);
	mo_json_uint(&j, "u", 18446744073709551615ULL);
	mo_json_bool(&j, "t", 1);
	mo_json_null(&j, "z");
	mo_json_str(&j, "s", NULL);
	mo_json_real(&j, "r", 1.5, 3);
	mo_json_real(&j, "nan", 0.0 / 0.0, 3);
	mo_json_str(&j, "k\"\n\xff", "v");
	mo_json_array(&j, "a");
	mo_json_str(&j, NULL, "x");
	mo_json_object(&j, NULL);
	mo_json_int(&j, "p", 1);
	mo_json_close(&j);
	mo_json_array(&j, NULL);
	mo_json_close(&j);
	mo_json_close(&j);
	mo_json_object(&j, "o");
	mo_json_object(&j, "deep");
	mo_json_end(&j);
	mo_json_begin(&j, f);
	mo_json_end(&j);
	fclose(f);
	assert_string_equal(buf,
	    "{\"id\":\"a1\",\"n\":-3,\"u\":18446744073709551615,\"t\":true,\"z\":null,"
	    "\"s\":null,\"r\":1.500,\"nan\":null,\"k\\\"\\n\\u00ff\":\"v\","
	    "\"a\":[\"x\",{\"p\":1},[]],\"o\":{\"deep\":{}}}\n{}\n");
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_writer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
