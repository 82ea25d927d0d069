/* Limits: rule parsing, matching, GCRA at window edges, and the store
 * under 64 processes deciding at once. */
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "limitdb.h"
#include "ratelimit.h"
#include "spool.h"

#define NS 1000000000LL

static int
parse(const char *text, struct mo_config *c, char *err, size_t errlen)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	int rc;

	mo_config_defaults(c);
	rc = mo_config_read(c, fp, "t.conf", err, errlen);
	fclose(fp);
	return rc;
}

static void
test_windows(void **state)
{
	static const struct { const char *s; uint32_t n, secs; } good[] = {
		{ "20/1m", 20, 60 }, { "200/1h", 200, 3600 }, { "5/1d", 5, 86400 },
		{ "1/s", 1, 1 }, { "3/10s", 3, 10 }, { "31622/1s", 31622, 1 },
		{ "1000/1h", 1000, 3600 }, { "7/90m", 7, 5400 },
		/* the one duration grammar (lib/duration.h) */
		{ "20/1h30m", 20, 5400 }, { "4/1.5m", 4, 90 },
	};
	static const char *const bad[] = {
		"20", "/1m", "20/", "20/1", "20/1x", "0/1m", "-1/1m", "20/0m", "x/1m",
		"20/1mm", "31623/1s", "20/400d", "20/ 1m", "99999999999999999999/1m", "2/250ms", "2/1.2s",
	};
	struct mo_window w;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		print_message("good %s\n", good[i].s);
		assert_int_equal(0, mo_window_parse(good[i].s, MO_UNIT_MESSAGES, &w, &why));
		assert_int_equal(good[i].n, w.n);
		assert_int_equal(good[i].secs, w.seconds);
		assert_string_equal(good[i].s, w.text);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		print_message("bad %s\n", bad[i]);
		assert_int_equal(-1, mo_window_parse(bad[i], MO_UNIT_MESSAGES, &w, &why));
		assert_non_null(why);
	}
}

static void
test_rules_good(void **state)
{
	struct mo_config c;
	char err[512];

	(void)state;
	assert_int_equal(0, parse(
	    "limits = (\n"
	    "  { match = \"uid\";        messages = [ \"20/1m\", \"200/1h\" ]; recipients = [ \"1000/1h\" ]; },\n"
	    "  { match = \"uid:33\";     messages = [ \"5/1h\" ]; },\n"
	    "  { match = \"user:alice\"; messages = [ \"50/1d\" ]; },\n"
	    "  { match = \"vhost\";      messages = [ \"100/1h\" ]; },\n"
	    "  { match = \"all\";        messages = [ \"5000/1h\" ]; }\n"
	    ");\n"
	    "max_recipients = 100;\n"
	    "on_limit = \"tempfail\";\n"
	    "exempt = [ \"uid:0\", \"user:backup\" ];\n"
	    "fail = \"closed\";\n", &c, err, sizeof(err)));
	assert_int_equal(5, c.limits.nrules);
	assert_int_equal(3, c.limits.rules[0].nwindows);
	assert_int_equal(MO_MATCH_UID, c.limits.rules[1].match);
	assert_string_equal("33", c.limits.rules[1].value);
	assert_int_equal(3, c.limits.rules[1].line);
	assert_int_equal(100, c.limits.max_recipients);
	assert_int_equal(MO_ON_LIMIT_TEMPFAIL, c.limits.on_limit);
	assert_int_equal(1, c.limits.fail_closed);
	assert_int_equal(2, c.limits.nexempt);
	mo_config_free(&c);

	assert_int_equal(0, parse("", &c, err, sizeof(err)));
	assert_int_equal(0, c.limits.nrules);
	assert_int_equal(MO_ON_LIMIT_HOLD, c.limits.on_limit);
	assert_int_equal(0, c.limits.fail_closed);
	mo_config_free(&c);
}

static void
test_rules_bad(void **state)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "limits = ( { match = \"uid\"; } );", "t.conf:1: limit \"uid\" has no messages or recipients window" },
		{ "limits = ( { messages = [\"1/1m\"]; } );", "t.conf:1: a limits entry needs match" },
		{ "limits = ( { match = \"host\"; messages = [\"1/1m\"]; } );", "t.conf:1: match \"host\": match must be" },
		{ "limits = ( { match = \"all:x\"; messages = [\"1/1m\"]; } );", "t.conf:1: match \"all:x\"" },
		{ "limits = ( { match = \"uid:abc\"; messages = [\"1/1m\"]; } );", "t.conf:1: match \"uid:abc\": uid in match is not a number" },
		{ "limits = ( { match = \"uid:\"; messages = [\"1/1m\"]; } );", "t.conf:1: match \"uid:\": match has an empty value" },
		{ "limits = (\n { match = \"uid\"; messages = [\"1/1x\"]; } );", "t.conf:2: messages \"1/1x\": must look like" },
		{ "limits = (\n { match = \"uid\"; messages = [\"1/1m\"]; },\n\n { match = \"uid\"; messages = [\"2/1m\"]; } );",
		  "t.conf:4: limit \"uid\" repeats the rule of line 2" },
		{ "limits = ( { match = \"uid\"; messages = \"1/1m\"; } );", "t.conf:1: messages must be a list" },
		{ "limits = ( { match = \"uid\"; messages = [1]; } );", "t.conf:1: messages must hold strings" },
		{ "limits = ( { match = \"uid\"; msgs = [\"1/1m\"]; } );", "t.conf:1: unknown key \"msgs\" in a limits entry" },
		{ "on_limit = \"drop\";", "t.conf:1: on_limit must be \"hold\", \"tempfail\" or \"reject\"" },
		{ "fail = \"maybe\";", "t.conf:1: fail must be \"open\" or \"closed\"" },
		{ "max_recipients = -1;", "t.conf:1: max_recipients must be a whole number" },
		{ "exempt = [ \"root\" ];", "t.conf:1: exempt \"root\": must be" },
		{ "exempt = [ \"uid\" ];", "t.conf:1: exempt \"uid\": must be" },
		{ "exempt = [ \"vhost:trusted.example\" ];", "t.conf:1: exempt \"vhost:trusted.example\": must be \"uid:N\" or \"user:NAME\" (a vhost is claimed" },
	};
	struct mo_config c;
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case %zu\n", i);
		assert_int_equal(-1, parse(cases[i].text, &c, err, sizeof(err)));
		if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("got \"%s\", want \"%s...\"", err, cases[i].want);
	}
}

static void
test_cells(void **state)
{
	struct mo_config c;
	struct mo_cell cells[64];
	char err[512];
	size_t n;

	(void)state;
	assert_int_equal(0, parse(
	    "limits = (\n"
	    "  { match = \"uid\";        messages = [ \"20/1m\", \"200/1h\" ]; recipients = [ \"1000/1h\" ]; },\n"
	    "  { match = \"uid:33\";     messages = [ \"5/1h\" ]; },\n"
	    "  { match = \"user:alice\"; messages = [ \"50/1d\" ]; },\n"
	    "  { match = \"vhost\";      messages = [ \"100/1h\" ]; },\n"
	    "  { match = \"all\";        messages = [ \"5000/1h\" ]; }\n"
	    ");\nexempt = [ \"uid:0\", \"user:backup\" ];\n", &c, err, sizeof(err)));

	/* uid 1001 (bob): generic uid rule, vhost, all */
	struct mo_sender bob = { 1001, "bob", "bob.example", NULL, 0, 0 };
	n = mo_limits_cells(&c.limits, &bob, 7, cells, 64);
	assert_int_equal(5, n);
	assert_string_equal("uid:1001", cells[0].key);
	assert_int_equal(1, cells[0].cost);
	assert_string_equal("1000/1h", cells[2].w.text);
	assert_int_equal(7, cells[2].cost);
	assert_string_equal("vhost:bob.example", cells[3].key);
	assert_string_equal("all", cells[4].key);
	assert_int_equal(MO_KIND(MO_MATCH_UID) | MO_KIND(MO_MATCH_VHOST) | MO_KIND(MO_MATCH_ALL),
	    mo_limits_kinds(&c.limits, &bob));
	/* the kinds the wrapper charged are left out (the milter, S3-5) */
	bob.skip = MO_KIND(MO_MATCH_UID) | MO_KIND(MO_MATCH_ALL);
	n = mo_limits_cells(&c.limits, &bob, 7, cells, 64);
	assert_int_equal(1, n);
	assert_string_equal("vhost:bob.example", cells[0].key);
	assert_int_equal(MO_KIND(MO_MATCH_VHOST), mo_limits_kinds(&c.limits, &bob));
	bob.skip = 0;

	/* uid 33: the specific rule replaces the generic uid rule */
	struct mo_sender www = { 33, "www-data", "www-data", NULL, 0, 0 };
	n = mo_limits_cells(&c.limits, &www, 1, cells, 64);
	assert_int_equal(3, n);
	assert_string_equal("uid:33", cells[0].key);
	assert_string_equal("5/1h", cells[0].w.text);

	/* alice: user kind applies beside the uid kind */
	struct mo_sender alice = { 1002, "alice", "alice.example", NULL, 0, 0 };
	n = mo_limits_cells(&c.limits, &alice, 1, cells, 64);
	assert_int_equal(6, n);
	assert_string_equal("user:alice", cells[3].key);

	struct mo_sender root = { 0, "root", "root", NULL, 0, 0 };
	struct mo_sender backup = { 1003, "backup", "x.example", NULL, 0, 0 };
	assert_true(mo_limits_exempt(&c.limits, &root));
	assert_true(mo_limits_exempt(&c.limits, &backup));
	assert_false(mo_limits_exempt(&c.limits, &bob));
	mo_config_free(&c);
}

/* SMTP AUTH users (the milter): sasl rules apply only to a SASL client,
 * and a remote one (no local uid) meets only sasl and all rules. */
static void
test_cells_sasl(void **state)
{
	struct mo_config c;
	struct mo_cell cells[64];
	char err[512];
	size_t n;

	(void)state;
	assert_int_equal(0, parse(
	    "limits = (\n"
	    "  { match = \"uid\";  messages = [ \"20/1m\" ]; },\n"
	    "  { match = \"sasl\"; messages = [ \"10/1m\" ]; },\n"
	    "  { match = \"sasl:alice@test.invalid\"; messages = [ \"2/1h\" ]; },\n"
	    "  { match = \"all\";  messages = [ \"5000/1h\" ]; }\n"
	    ");\nexempt = [ \"uid:0\" ];\n", &c, err, sizeof(err)));
	struct mo_sender local = { 1001, "bob", "bob.example", NULL, 0, 0 };
	n = mo_limits_cells(&c.limits, &local, 1, cells, 64);
	assert_int_equal(2, n);
	assert_string_equal("uid:1001", cells[0].key);
	assert_string_equal("all", cells[1].key);

	struct mo_sender bob = { 0, "", "", "bob@test.invalid", 1, 0 };
	n = mo_limits_cells(&c.limits, &bob, 1, cells, 64);
	assert_int_equal(2, n);
	assert_string_equal("sasl:bob@test.invalid", cells[0].key);
	assert_string_equal("10/1m", cells[0].w.text);
	assert_string_equal("all", cells[1].key);
	/* uid 0 in a remote sender's struct exempts nothing */
	assert_false(mo_limits_exempt(&c.limits, &bob));

	struct mo_sender alice = { 0, "", "", "alice@test.invalid", 1, 0 };
	n = mo_limits_cells(&c.limits, &alice, 1, cells, 64);
	assert_int_equal(2, n);
	assert_string_equal("sasl:alice@test.invalid", cells[0].key);
	assert_string_equal("2/1h", cells[0].w.text);
	mo_config_free(&c);

	/* a sasl value cannot exempt (it is not a local, trusted fact) */
	assert_int_equal(-1, parse("exempt = [ \"sasl:alice\" ];\n", &c, err, sizeof(err)));
}

static void
test_gcra_edges(void **state)
{
	struct mo_window w;
	const char *why;
	int64_t tat = 0, now = 1000 * NS, t;
	int i;

	(void)state;
	assert_int_equal(0, mo_window_parse("3/1m", MO_UNIT_MESSAGES, &w, &why));
	/* a burst of exactly n at one instant */
	for (i = 0; i < 3; i++) {
		assert_int_equal(1, mo_gcra(tat, now, &w, 1, &t));
		tat = t;
	}
	assert_int_equal(0, mo_gcra(tat, now, &w, 1, &t));
	assert_int_equal(3, mo_gcra_used(tat, now, &w));
	/* one interval (20 s) later exactly one more fits; a ns earlier none */
	assert_int_equal(0, mo_gcra(tat, now + 20 * NS - 1, &w, 1, &t));
	assert_int_equal(1, mo_gcra(tat, now + 20 * NS, &w, 1, &t));
	/* a full window later the cell is empty */
	assert_int_equal(0, mo_gcra_used(tat, now + 60 * NS, &w));
	assert_int_equal(1, mo_gcra_used(tat, now + 60 * NS - 1, &w));
	/* a cost larger than n never fits; a cost of n fits an empty cell */
	assert_int_equal(0, mo_gcra(0, now, &w, 4, &t));
	assert_int_equal(1, mo_gcra(0, now, &w, 3, &t));
	/* a tat in the past counts as now */
	assert_int_equal(1, mo_gcra(now - 3600 * NS, now, &w, 1, &t));
	assert_int_equal(now + 20 * NS, t);

	/* intervals that do not divide the window stay exact: 7 per minute */
	assert_int_equal(0, mo_window_parse("7/1m", MO_UNIT_MESSAGES, &w, &why));
	for (tat = 0, i = 0; mo_gcra(tat, now, &w, 1, &t); i++)
		tat = t;
	assert_int_equal(7, i);
	assert_int_equal(0, mo_window_parse("31622/1s", MO_UNIT_MESSAGES, &w, &why));
	for (tat = 0, i = 0; mo_gcra(tat, now, &w, 1, &t); i++)
		tat = t;
	assert_int_equal(31622, i);
}

/* 64 processes decide at once against one store with limit N: exactly N pass. */
static void
test_store_concurrent(void **state)
{
	char dir[] = "/tmp/mo-ldb-XXXXXX", cmd[64], err[256];
	struct mo_cell cell = { .cost = 1 };
	const char *why;
	int statefd, i, passed = 0, status;
	volatile int *go;
	const int procs = 64, limit = 17;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_true((statefd = mo_state_open(dir, 1)) >= 0);
	strcpy(cell.key, "uid:4242");
	assert_int_equal(0, mo_window_parse("17/1h", MO_UNIT_MESSAGES, &cell.w, &why));
	go = mmap(NULL, sizeof(int), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	*go = 0;
	for (i = 0; i < procs; i++) {
		if (fork() == 0) {
			struct mo_limitdb db;
			struct mo_verdict v;
			while (!*go)
				;
			if (mo_limitdb_open(&db, statefd, 1, err, sizeof(err)) == -1)
				_exit(2);
			if (mo_limitdb_decide(&db, &cell, 1, 0, &v) == -1)
				_exit(3);
			_exit(v.pass ? 0 : 1);
		}
	}
	*go = 1;
	for (i = 0; i < procs; i++) {
		assert_true(wait(&status) > 0);
		assert_true(WIFEXITED(status));
		assert_true(WEXITSTATUS(status) <= 1);
		passed += WEXITSTATUS(status) == 0;
	}
	assert_int_equal(limit, passed);

	/* another key is untouched by the first one's burst */
	struct mo_limitdb db;
	struct mo_verdict v;
	struct mo_cell other = cell;
	strcpy(other.key, "uid:4243");
	assert_int_equal(0, mo_limitdb_open(&db, statefd, 0, err, sizeof(err)));
	assert_int_equal(0, mo_limitdb_decide(&db, &other, 1, mo_now_ns(), &v));
	assert_int_equal(1, v.pass);
	assert_int_equal(0, mo_limitdb_decide(&db, &cell, 1, mo_now_ns(), &v));
	assert_int_equal(0, v.pass);
	assert_int_equal(0, v.first_hold);     /* the burst already had its warning */
	/* reset frees the key */
	assert_int_equal(1, mo_limitdb_reset(&db, "uid:4242"));
	assert_int_equal(0, mo_limitdb_decide(&db, &cell, 1, mo_now_ns(), &v));
	assert_int_equal(1, v.pass);
	mo_limitdb_close(&db);
	close(statefd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(0, system(cmd));
}

/* All or nothing: a message that fails one cell charges none. */
static void
test_store_atomic(void **state)
{
	char dir[] = "/tmp/mo-ldb-XXXXXX", cmd[64], err[256];
	struct mo_cell cells[2];
	struct mo_limitdb db;
	struct mo_verdict v;
	const char *why;
	int statefd, i;
	int64_t now = mo_now_ns();

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_true((statefd = mo_state_open(dir, 1)) >= 0);
	memset(cells, 0, sizeof(cells));
	strcpy(cells[0].key, "uid:1");
	assert_int_equal(0, mo_window_parse("10/1h", MO_UNIT_MESSAGES, &cells[0].w, &why));
	cells[0].cost = 1;
	strcpy(cells[1].key, "uid:1");
	assert_int_equal(0, mo_window_parse("5/1h", MO_UNIT_RECIPIENTS, &cells[1].w, &why));
	cells[1].cost = 2;
	assert_int_equal(0, mo_limitdb_open(&db, statefd, 1, err, sizeof(err)));
	for (i = 0; i < 2; i++) {
		assert_int_equal(0, mo_limitdb_decide(&db, cells, 2, now, &v));
		assert_int_equal(1, v.pass);
	}
	/* 4 of 5 recipients used: 2 more do not fit, and the message cell is not charged */
	assert_int_equal(0, mo_limitdb_decide(&db, cells, 2, now, &v));
	assert_int_equal(0, v.pass);
	assert_int_equal(1, v.over);
	assert_int_equal(1, v.first_hold);
	assert_int_equal(0, mo_limitdb_decide(&db, cells, 2, now, &v));
	assert_int_equal(0, v.first_hold);      /* warned once per window */
	cells[1].cost = 1;
	assert_int_equal(0, mo_limitdb_decide(&db, cells, 2, now, &v));
	assert_int_equal(1, v.pass);
	/* 3 messages charged in all: 7 more fit on the message cell alone */
	for (i = 0; i < 7; i++) {
		assert_int_equal(0, mo_limitdb_decide(&db, cells, 1, now, &v));
		assert_int_equal(1, v.pass);
	}
	assert_int_equal(0, mo_limitdb_decide(&db, cells, 1, now, &v));
	assert_int_equal(0, v.pass);
	mo_limitdb_close(&db);

	/* a corrupt store is refused, not believed */
	int fd = openat(statefd, MO_LIMITDB_NAME, O_WRONLY);
	assert_int_equal(8, pwrite(fd, "GARBAGE!", 8, 0));
	close(fd);
	assert_int_equal(-1, mo_limitdb_open(&db, statefd, 1, err, sizeof(err)));
	assert_non_null(strstr(err, "corrupt"));

	/* half-made stores (sized, no header: a full disk or a kill while it
	 * was built) are built again, whole, by any opener; a sparse one is
	 * allocated before it is mapped */
	static const off_t sizes[] = { 0, 100, 4096 + 65536 * 128, 4096 + 128 };
	struct stat sb;
	size_t k;
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		fd = openat(statefd, MO_LIMITDB_NAME, O_WRONLY | O_TRUNC);
		assert_true(fd >= 0);
		assert_int_equal(0, ftruncate(fd, sizes[k]));
		close(fd);
		assert_int_equal(0, mo_limitdb_open(&db, statefd, 0, err, sizeof(err)));
		assert_int_equal(sizes[k] != 0, db.rebuilt);
		assert_int_equal(0, fstat(db.fd, &sb));
		assert_true((off_t)sb.st_blocks * 512 >= sb.st_size);
		assert_int_equal(0, mo_limitdb_decide(&db, cells, 1, now, &v));
		assert_int_equal(1, v.pass);
		mo_limitdb_close(&db);
	}
	/* a sparse store of an older version: kept, and allocated */
	fd = openat(statefd, MO_LIMITDB_NAME, O_RDWR | O_TRUNC);
	assert_int_equal(0, ftruncate(fd, 4096 + 65536 * 128));
	assert_int_equal(24, pwrite(fd, "MOLIMDB1\1\0\0\0\0\0\1\0\200\0\0\0\0\0\0\0", 24, 0));
	close(fd);
	assert_int_equal(0, mo_limitdb_open(&db, statefd, 0, err, sizeof(err)));
	assert_int_equal(0, db.rebuilt);
	assert_int_equal(0, fstat(db.fd, &sb));
	assert_true((off_t)sb.st_blocks * 512 >= sb.st_size);
	mo_limitdb_close(&db);
	/* root creates a missing store whole */
	assert_int_equal(0, unlinkat(statefd, MO_LIMITDB_NAME, 0));
	assert_int_equal(-1, mo_limitdb_open(&db, statefd, 0, err, sizeof(err)));
	assert_int_equal(0, mo_limitdb_open(&db, statefd, 1, err, sizeof(err)));
	mo_limitdb_close(&db);
	close(statefd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(0, system(cmd));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_windows),
		cmocka_unit_test(test_rules_good),
		cmocka_unit_test(test_rules_bad),
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_cells_sasl),
		cmocka_unit_test(test_gcra_edges),
		cmocka_unit_test(test_store_concurrent),
		cmocka_unit_test(test_store_atomic),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
