/* lib/holdmeta: a meta file as the wrapper writes it (mo_holdmeta_format)
 * parses back to the same facts and the same argv, whatever bytes the argv
 * holds; anything short of that is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "escape.h"
#include "holdmeta.h"

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

/* mailorigin-qmail-queue's holds: owner= owns the hold (the release runs
 * as it), uid= is the sender's and may be empty (an SMTP AUTH user). */
static void
test_owner(void **state)
{
	static const struct { const char *pairs; int ok; uid_t uid, owner; } cases[] = {
		{ "uid=1001", 1, 1001, 1001 },                  /* the wrapper's: no owner */
		{ "uid=1001 owner=105", 1, 1001, 105 },
		{ "uid=\"\" owner=105", 1, 105, 105 },
		{ "uid=\"\"", 0, 0, 0 },
		{ "uid=1001 owner=x", 0, 0, 0 },
		{ "uid=1001 owner=-1", 0, 0, 0 },
	};
	struct mo_holdmeta m;
	char buf[1024], err[256];
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = snprintf(buf, sizeof(buf), "version=1\ntime=1763800000\nreason=limit\ngid=1001\n"
		    "argc=1\nid=0123456789abcdef action=hold %s\narg=sendmail\n", cases[i].pairs);
		if (!cases[i].ok) {
			assert_int_equal(mo_holdmeta_parse(&m, buf, (size_t)n, err, sizeof(err)), -1);
			mo_holdmeta_free(&m);
			continue;
		}
		assert_int_equal(mo_holdmeta_parse(&m, buf, (size_t)n, err, sizeof(err)), 0);
		assert_int_equal(m.uid, cases[i].uid);
		assert_int_equal(m.owner, cases[i].owner);
		mo_holdmeta_free(&m);
	}
}

static void
test_round_trip(void **state)
{
	struct mo_holdmeta m;
	char buf[8192], err[256];
	size_t n = build(buf, sizeof(buf), "1", "0123456789abcdef", 1);
	int i;

	(void)state;
	assert_int_equal(0, mo_holdmeta_parse(&m, buf, n, err, sizeof(err)));
	assert_int_equal(1763800000LL, m.time);
	assert_int_equal(11, m.nargs);
	assert_int_equal(1001, m.uid);
	assert_int_equal(1001, m.gid);
	assert_string_equal("limit", mo_holdmeta_get(&m, "reason"));
	assert_string_equal("0123456789abcdef", mo_holdmeta_get(&m, "id"));
	assert_string_equal("/var/www/evil\ndir", mo_holdmeta_get(&m, "cwd"));
	assert_string_equal("5/1h messages", mo_holdmeta_get(&m, "window"));
	assert_string_equal("", mo_holdmeta_get(&m, "absent"));
	assert_null(mo_kv_get(&m.kv, "arg"));   /* args are not pairs */
	for (i = 0; argv_in[i] != NULL; i++)
		assert_string_equal(argv_in[i], m.args[i]);
	assert_int_equal(i, m.nargs);
	assert_null(m.args[i]);
	mo_holdmeta_free(&m);
}

/* The writer itself: every byte value in an argument (each escaped to 4),
 * a long one, an empty one: read back byte for byte, and the buffer sized
 * for it (ASan sees an overflow). */
static void
test_format(void **state)
{
	char all[256], big[3000], err[256], *meta;
	char *argv[] = { "/usr/sbin/sendmail", all, big, "", "-t", NULL };
	struct mo_holdmeta m;
	struct mo_line l;
	size_t n;
	int i;

	(void)state;
	for (i = 1; i < 256; i++)
		all[i - 1] = (char)i;
	all[255] = '\0';
	memset(big, 0xff, sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mo_line_init(&l);
	mo_line_kv(&l, "id", "0123456789abcdef");
	mo_line_kv(&l, "action", "hold");
	mo_line_kvu(&l, "uid", 1001);
	mo_line_kv(&l, "vhost", "evil\nvhost=x");
	meta = mo_holdmeta_format(1763800000LL, "limit", 1001, l.buf, 5, argv, &n);
	assert_non_null(meta);
	assert_int_equal(n, strlen(meta));
	assert_int_equal(0, mo_holdmeta_parse(&m, meta, n, err, sizeof(err)));
	assert_int_equal(5, m.nargs);
	for (i = 0; i < 5; i++)
		assert_string_equal(argv[i], m.args[i]);
	assert_string_equal("evil\nvhost=x", mo_holdmeta_get(&m, "vhost"));
	assert_string_equal("limit", mo_holdmeta_get(&m, "reason"));
	assert_int_equal(1001, m.gid);
	mo_holdmeta_free(&m);
	free(meta);
}

static void
test_refused(void **state)
{
	struct mo_holdmeta m;
	char buf[8192], err[256];
	size_t n;

	(void)state;
	/* cut short: the last line has no newline */
	n = build(buf, sizeof(buf), "1", "0123456789abcdef", 1);
	assert_int_equal(-1, mo_holdmeta_parse(&m, buf, n - 1, err, sizeof(err)));
	assert_non_null(strstr(err, "cut short"));
	mo_holdmeta_free(&m);
	/* another version */
	n = build(buf, sizeof(buf), "2", "0123456789abcdef", 1);
	assert_int_equal(-1, mo_holdmeta_parse(&m, buf, n, err, sizeof(err)));
	assert_non_null(strstr(err, "version"));
	mo_holdmeta_free(&m);
	/* no argv */
	n = build(buf, sizeof(buf), "1", "0123456789abcdef", 0);
	assert_int_equal(-1, mo_holdmeta_parse(&m, buf, n, err, sizeof(err)));
	assert_non_null(strstr(err, "arg"));
	mo_holdmeta_free(&m);
	/* an id that is not one */
	n = build(buf, sizeof(buf), "1", "../../etc", 1);
	assert_int_equal(-1, mo_holdmeta_parse(&m, buf, n, err, sizeof(err)));
	assert_non_null(strstr(err, "id"));
	mo_holdmeta_free(&m);
	/* an argument with a NUL cannot have been an argv entry */
	n = build(buf, sizeof(buf), "1", "0123456789abcdef", 1);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "arg=\"a\\x00b\"\n");
	assert_int_equal(-1, mo_holdmeta_parse(&m, buf, n, err, sizeof(err)));
	assert_non_null(strstr(err, "NUL"));
	mo_holdmeta_free(&m);
	/* a malformed line says which */
	n = build(buf, sizeof(buf), "1", "0123456789abcdef", 1);
	n += (size_t)snprintf(buf + n, sizeof(buf) - n, "arg=\"open\n");
	assert_int_equal(-1, mo_holdmeta_parse(&m, buf, n, err, sizeof(err)));
	assert_non_null(strstr(err, "line 18: malformed"));
	mo_holdmeta_free(&m);
	/* a meta cut at a line boundary: fewer arg= lines than argc says */
	n = build(buf, sizeof(buf), "1", "0123456789abcdef", 1);
	buf[n - 1] = '\0';
	n = (size_t)(strrchr(buf, '\n') - buf) + 1;     /* drop the last arg= line */
	assert_int_equal(-1, mo_holdmeta_parse(&m, buf, n, err, sizeof(err)));
	assert_non_null(strstr(err, "argc=11 but 10 arg= lines"));
	mo_holdmeta_free(&m);
	/* uid not a number */
	static const char nouid[] = "version=1\ntime=1\ngid=1\nargc=1\nid=0123456789abcdef uid=x\narg=sendmail\n";
	assert_int_equal(-1, mo_holdmeta_parse(&m, nouid, sizeof(nouid) - 1, err, sizeof(err)));
	assert_non_null(strstr(err, "uid"));
	mo_holdmeta_free(&m);
	assert_int_equal(-1, mo_holdmeta_parse(&m, "", 0, err, sizeof(err)));
	mo_holdmeta_free(&m);
}

static void
test_ids(void **state)
{
	(void)state;
	assert_true(mo_is_hold_id("0123456789abcdef"));
	assert_false(mo_is_hold_id("0123456789ABCDEF"));
	assert_false(mo_is_hold_id("0123456789abcde"));
	assert_false(mo_is_hold_id("0123456789abcdef0"));
	assert_false(mo_is_hold_id("../0123456789abc"));
	assert_false(mo_is_hold_id(""));
	assert_false(mo_is_hold_id("."));
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
	struct mo_holdmeta m;
	char err[256];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(metas) / sizeof(metas[0]); i++) {
		assert_int_equal(mo_holdmeta_parse(&m, metas[i], strlen(metas[i]), err, sizeof(err)), -1);
		for (j = 0; err[j]; j++)
			assert_true(err[j] >= 0x20 && err[j] < 0x7f);
		assert_non_null(strstr(err, "\\x1b"));
		mo_holdmeta_free(&m);
	}
}

/* The meta file's owner wrote it: owner= and uid= are believed no further
 * than that (issue 13, F8). */
static void
test_owned(void **state)
{
	static const struct {
		const char *line;       /* the log line's owner= and uid= */
		unsigned file_uid;
		int speaks_for;
		int ok;
		unsigned owner, uid;    /* when ok */
	} cases[] = {
		/* the wrapper: no owner=, uid= its caller, who owns the file */
		{ "uid=1001", 1001, 0, 1, 1001, 1001 },
		{ "uid=0", 1001, 0, 0, 0, 0 },
		{ "uid=1001", 0, 1, 0, 0, 0 },
		/* mailorigin-qmail-queue run by a user: owner= and uid= its own */
		{ "uid=1001 owner=1001", 1001, 0, 1, 1001, 1001 },
		/* owner= that is not the file's */
		{ "uid=1001 owner=0", 1001, 0, 0, 0, 0 },
		{ "uid=0 owner=0", 1001, 0, 0, 0, 0 },
		/* uid= another's, from a file owner who speaks for nobody */
		{ "uid=0 owner=1001", 1001, 0, 0, 0, 0 },
		/* under qmail-smtpd (qmaild, 64011): the client's uid, or none (SASL) */
		{ "uid=1001 owner=64011", 64011, 1, 1, 64011, 1001 },
		{ "uid= owner=64011", 64011, 1, 1, 64011, 64011 },
		{ "uid= owner=64011", 1001, 0, 0, 0, 0 },
	};
	char buf[1024], err[256];
	struct mo_holdmeta m;
	size_t i;
	int n;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		n = snprintf(buf, sizeof(buf), "version=1\ntime=1763800000\nreason=limit\ngid=1001\n"
		    "argc=2\nid=0123456789abcdef action=hold %s\narg=/usr/sbin/sendmail\narg=-t\n",
		    cases[i].line);
		assert_int_equal(0, mo_holdmeta_parse(&m, buf, (size_t)n, err, sizeof(err)));
		assert_int_equal(cases[i].ok ? 0 : -1, mo_holdmeta_owned(&m, cases[i].file_uid,
		    cases[i].speaks_for, err, sizeof(err)));
		if (cases[i].ok) {
			assert_int_equal(cases[i].owner, m.owner);
			assert_int_equal(cases[i].uid, m.uid);
		} else
			assert_non_null(strstr(err, "owned by uid"));
		mo_holdmeta_free(&m);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_owner),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_owned),
		cmocka_unit_test(test_ids),
		cmocka_unit_test(test_errors_escaped),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
