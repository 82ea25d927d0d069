/* ctl/meta: a meta file as the wrapper writes it (mo_line_kv) parses back
 * to the same facts and the same argv; anything short of that is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "escape.h"
#include "meta.h"

static const char *const argv_in[] = {
	"/usr/sbin/sendmail", "-t", "-i", "-f", "a b@example.org", "-F", "Jos\xc3\xa9 \"J\" Doe",
	"--", "new\nline@example.org", "", "back\\slash", NULL
};

/* Build a meta file the way wrapper/mailorigin-sendmail.c does. */
static size_t
build(char *buf, size_t cap, const char *version, const char *id, int with_args)
{
	struct mo_line l;
	size_t n;
	int i;

	int argc = 0;

	while (argv_in[argc] != NULL)
		argc++;
	n = (size_t)snprintf(buf, cap, "version=%s\ntime=1763800000\nreason=limit\ngid=1001\nargc=%d\n",
	    version, with_args ? argc : 0);
	mo_line_init(&l);
	mo_line_kv(&l, "id", id);
	mo_line_kv(&l, "action", "hold");
	mo_line_kvu(&l, "uid", 1001);
	mo_line_kv(&l, "user", "site-a");
	mo_line_kv(&l, "cwd", "/var/www/evil\ndir");
	mo_line_kv(&l, "rule", "uid:1001");
	mo_line_kv(&l, "window", "5/1h messages");
	n += (size_t)snprintf(buf + n, cap - n, "%s\n", l.buf);
	for (i = 0; with_args && argv_in[i] != NULL; i++) {
		mo_line_init(&l);
		mo_line_kv(&l, "arg", argv_in[i]);
		n += (size_t)snprintf(buf + n, cap - n, "%s\n", l.buf);
	}
	return n;
}

static void
test_round_trip(void **state)
{
	struct ctl_meta m;
	char buf[8192], err[256];
	size_t n = build(buf, sizeof(buf), "1", "0123456789abcdef", 1);
	int i;

	(void)state;
	assert_int_equal(0, ctl_meta_parse(&m, buf, n, err, sizeof(err)));
	assert_int_equal(1763800000LL, m.time);
	assert_int_equal(11, m.nargs);
	assert_int_equal(1001, m.uid);
	assert_int_equal(1001, m.gid);
	assert_string_equal("limit", ctl_meta_get(&m, "reason"));
	assert_string_equal("0123456789abcdef", ctl_meta_get(&m, "id"));
	assert_string_equal("/var/www/evil\ndir", ctl_meta_get(&m, "cwd"));
	assert_string_equal("5/1h messages", ctl_meta_get(&m, "window"));
	assert_string_equal("", ctl_meta_get(&m, "absent"));
	assert_null(mo_kv_get(&m.kv, "arg"));   /* args are not pairs */
	for (i = 0; argv_in[i] != NULL; i++)
		assert_string_equal(argv_in[i], m.args[i]);
	assert_int_equal(i, m.nargs);
	assert_null(m.args[i]);
	ctl_meta_free(&m);
}

static void
test_refused(void **state)
{
	struct ctl_meta m;
	char buf[8192], err[256];
	size_t n;

	(void)state;
	/* cut short: the last line has no newline */
	n = build(buf, sizeof(buf), "1", "0123456789abcdef", 1);
	assert_int_equal(-1, ctl_meta_parse(&m, buf, n - 1, err, sizeof(err)));
	assert_non_null(strstr(err, "cut short"));
	ctl_meta_free(&m);
	/* another version */
	n = build(buf, sizeof(buf), "2", "0123456789abcdef", 1);
	assert_int_equal(-1, ctl_meta_parse(&m, buf, n, err, sizeof(err)));
	assert_non_null(strstr(err, "version"));
	ctl_meta_free(&m);
	/* no argv */
	n = build(buf, sizeof(buf), "1", "0123456789abcdef", 0);
	assert_int_equal(-1, ctl_meta_parse(&m, buf, n, err, sizeof(err)));
	assert_non_null(strstr(err, "arg"));
	ctl_meta_free(&m);
	/* an id that is not one */
	n = build(buf, sizeof(buf), "1", "../../etc", 1);
	assert_int_equal(-1, ctl_meta_parse(&m, buf, n, err, sizeof(err)));
	assert_non_null(strstr(err, "id"));
	ctl_meta_free(&m);
	/* an argument with a NUL cannot have been an argv entry */
	n = build(buf, sizeof(buf), "1", "0123456789abcdef", 1);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "arg=\"a\\x00b\"\n");
	assert_int_equal(-1, ctl_meta_parse(&m, buf, n, err, sizeof(err)));
	assert_non_null(strstr(err, "NUL"));
	ctl_meta_free(&m);
	/* a malformed line says which */
	n = build(buf, sizeof(buf), "1", "0123456789abcdef", 1);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "arg=\"open\n");
	assert_int_equal(-1, ctl_meta_parse(&m, buf, n, err, sizeof(err)));
	assert_non_null(strstr(err, "line 18: malformed"));
	ctl_meta_free(&m);
	/* a meta cut at a line boundary: fewer arg= lines than argc says */
	n = build(buf, sizeof(buf), "1", "0123456789abcdef", 1);
	buf[n - 1] = '\0';
	n = (size_t)(strrchr(buf, '\n') - buf) + 1;     /* drop the last arg= line */
	assert_int_equal(-1, ctl_meta_parse(&m, buf, n, err, sizeof(err)));
	assert_non_null(strstr(err, "argc=11 but 10 arg= lines"));
	ctl_meta_free(&m);
	/* uid not a number */
	static const char nouid[] = "version=1\ntime=1\ngid=1\nargc=1\nid=0123456789abcdef uid=x\narg=sendmail\n";
	assert_int_equal(-1, ctl_meta_parse(&m, nouid, sizeof(nouid) - 1, err, sizeof(err)));
	assert_non_null(strstr(err, "uid"));
	ctl_meta_free(&m);
	assert_int_equal(-1, ctl_meta_parse(&m, "", 0, err, sizeof(err)));
	ctl_meta_free(&m);
}

static void
test_ids(void **state)
{
	(void)state;
	assert_true(ctl_is_id("0123456789abcdef"));
	assert_false(ctl_is_id("0123456789ABCDEF"));
	assert_false(ctl_is_id("0123456789abcde"));
	assert_false(ctl_is_id("0123456789abcdef0"));
	assert_false(ctl_is_id("../0123456789abc"));
	assert_false(ctl_is_id(""));
	assert_false(ctl_is_id("."));
}

/* An error that quotes a value of the meta quotes it escaped: it goes to
 * the administrator's terminal. */
static void
test_errors_escaped(void **state)
{
	static const char *const metas[] = {
		"version=\"\\x1b]0;owned\\x07\"\ntime=1\ngid=1\nargc=1\nid=0123456789abcdef uid=1\narg=x\n",
		"version=1\ntime=1\ngid=1\nargc=\"\\x1b[2J\"\nid=0123456789abcdef uid=1\narg=x\n",
	};
	struct ctl_meta m;
	char err[256];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(metas) / sizeof(metas[0]); i++) {
		assert_int_equal(ctl_meta_parse(&m, metas[i], strlen(metas[i]), err, sizeof(err)), -1);
		for (j = 0; err[j]; j++)
			assert_true(err[j] >= 0x20 && err[j] < 0x7f);
		assert_non_null(strstr(err, "\\x1b"));
		ctl_meta_free(&m);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_errors_escaped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
