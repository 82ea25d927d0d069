/* kvparse: the exact inverse of mo_line_kv() over values with every kind
 * of byte, and malformed lines refused where they go wrong. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "escape.h"
#include "kvparse.h"

struct val {
	const char	*bytes;
	size_t		 len;
};

#define V(s) { s, sizeof(s) - 1 }

static const struct val values[] = {
	V("plain"),
	V(""),
	V("uid:33"),
	V("/var/www/site-a/public_html"),
	V("with space"),
	V("nul\0byte"),
	V("\0"),
	V("new\nline"),
	V("\r\n"),
	V("tab\there"),
	V("\"quoted\""),
	V("\""),
	V("back\\slash"),
	V("\\\""),
	V("\\x41 is not A"),
	V("\\n"),
	V("caf\xc3\xa9"),
	V("\x80\xff\xfe"),
	V("\x1b[2J\x7f"),
	V("a=b c=d"),
	V("5/1h messages"),
	V("<a@b.example>"),
	V("\"\" id=forged action=pass"),
	V(" leading and trailing "),
};

static void
test_inverse(void **state)
{
	struct mo_line l;
	struct mo_kvline kv = { 0 };
	size_t i, errpos;
	char key[16];

	(void)state;
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		mo_line_init(&l);
		assert_int_equal(0, mo_line_kv(&l, "first", "x"));
		assert_int_equal(0, mo_line_kvn(&l, "v", values[i].bytes, values[i].len));
		assert_int_equal(0, mo_line_kv(&l, "last", "y z"));
		assert_null(memchr(l.buf, '\n', l.len));
		assert_int_equal(0, mo_kv_parse(&kv, l.buf, l.len, &errpos));
		assert_int_equal(3, kv.n);
		assert_string_equal("first", kv.kv[0].key);
		assert_string_equal("x", kv.kv[0].value);
		assert_string_equal("v", kv.kv[1].key);
		assert_int_equal(values[i].len, kv.kv[1].len);
		assert_memory_equal(values[i].bytes, kv.kv[1].value, values[i].len);
		assert_int_equal('\0', kv.kv[1].value[kv.kv[1].len]);
		assert_string_equal("y z", kv.kv[2].value);
		mo_kv_free(&kv);
	}
	/* all of them on one line, in order */
	mo_line_init(&l);
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		assert_int_equal(0, mo_line_kvn(&l, key, values[i].bytes, values[i].len));
	}
	assert_int_equal(0, mo_kv_parse(&kv, l.buf, l.len, &errpos));
	assert_int_equal(sizeof(values) / sizeof(values[0]), kv.n);
	for (i = 0; i < kv.n; i++) {
		snprintf(key, sizeof(key), "k%zu", i);
		assert_string_equal(key, kv.kv[i].key);
		assert_int_equal(values[i].len, kv.kv[i].len);
		assert_memory_equal(values[i].bytes, kv.kv[i].value, values[i].len);
	}
	mo_kv_free(&kv);
}

/* Every single byte value, alone and between others. */
static void
test_every_byte(void **state)
{
	struct mo_line l;
	struct mo_kvline kv = { 0 };
	unsigned char in[3];
	size_t errpos;
	int c;

	(void)state;
	for (c = 0; c < 256; c++) {
		in[0] = 'a';
		in[1] = (unsigned char)c;
		in[2] = 'z';
		mo_line_init(&l);
		assert_int_equal(0, mo_line_kvn(&l, "b", in, sizeof(in)));
		assert_int_equal(0, mo_kv_parse(&kv, l.buf, l.len, &errpos));
		assert_int_equal(1, kv.n);
		assert_int_equal(3, kv.kv[0].len);
		assert_memory_equal(in, kv.kv[0].value, 3);
		mo_kv_free(&kv);
	}
}

/* A value mo_line_kv cut (over 512 bytes) decodes to its kept prefix and "...". */
static void
test_cut_value(void **state)
{
	struct mo_line l;
	struct mo_kvline kv = { 0 };
	char big[700];
	size_t errpos;

	(void)state;
	memset(big, '\n', sizeof(big));
	mo_line_init(&l);
	assert_int_equal(0, mo_line_kvn(&l, "cwd", big, sizeof(big)));
	assert_int_equal(0, mo_kv_parse(&kv, l.buf, l.len, &errpos));
	assert_true(kv.kv[0].len < sizeof(big));
	assert_memory_equal("...", kv.kv[0].value + kv.kv[0].len - 3, 3);
	assert_memory_equal(big, kv.kv[0].value, kv.kv[0].len - 3);
	mo_kv_free(&kv);
}

static void
test_lookup(void **state)
{
	struct mo_kvline kv = { 0 };
	static const char line[] = "id=00ab rcpts=2 id=second nul=\"a\\x00b\" empty=\"\" bare=";
	size_t errpos;

	(void)state;
	assert_int_equal(0, mo_kv_parse(&kv, line, sizeof(line) - 1, &errpos));
	assert_int_equal(6, kv.n);
	assert_string_equal("00ab", mo_kv_str(&kv, "id"));
	assert_string_equal("2", mo_kv_str(&kv, "rcpts"));
	assert_null(mo_kv_str(&kv, "nul"));             /* holds a NUL */
	assert_non_null(mo_kv_get(&kv, "nul"));
	assert_int_equal(3, mo_kv_get(&kv, "nul")->len);
	assert_string_equal("", mo_kv_str(&kv, "empty"));
	assert_string_equal("", mo_kv_str(&kv, "bare"));
	assert_null(mo_kv_get(&kv, "missing"));
	mo_kv_free(&kv);
}

static void
test_malformed(void **state)
{
	static const struct { const char *line; size_t errpos; } bad[] = {
		{ "noequals", 0 },
		{ "a=1 =2", 4 },
		{ "a=\"open", 0 },
		{ "a=\"bad \\q escape\"", 0 },
		{ "a=\"bad \\x4\"", 0 },
		{ "a=\"bad \\xg1\"", 0 },
		{ "a=\"trailing \\", 0 },
		{ "a=1 b=\"x\"junk", 9 },
		{ "a=b\"c", 0 },
		{ "k-ey=1", 0 },
		{ "ok=1 k\xc3\xa9=1", 5 },
	};
	struct mo_kvline kv = { 0 };
	size_t i, errpos;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errpos = 999;
		assert_int_equal(-1, mo_kv_parse(&kv, bad[i].line, strlen(bad[i].line), &errpos));
		assert_int_equal(bad[i].errpos, errpos);
		mo_kv_free(&kv);
	}
	/* a NUL inside a bare value is not what the writer makes */
	assert_int_equal(-1, mo_kv_parse(&kv, "a=x\0y", 5, &errpos));
	mo_kv_free(&kv);
	/* several spaces between pairs are fine, an empty line is no pair */
	assert_int_equal(0, mo_kv_parse(&kv, "a=1   b=2 ", 10, &errpos));
	assert_int_equal(2, kv.n);
	mo_kv_free(&kv);
	assert_int_equal(0, mo_kv_parse(&kv, "", 0, &errpos));
	assert_int_equal(0, kv.n);
	mo_kv_free(&kv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inverse),
		cmocka_unit_test(test_every_byte),
		cmocka_unit_test(test_cut_value),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_malformed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
