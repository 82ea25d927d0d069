/* lib/passrec: the wrapper's record of what it counted, taken once by the
 * milter, and only for the uid, recipients and stamps it was made for. */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <cmocka.h>

#include "passrec.h"

static char dir[64];
static int statefd = -1;
static const time_t NOW = 1764640000;

static int
setup(void **st)
{
	(void)st;
	strcpy(dir, "/tmp/mo-passrec.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	statefd = open(dir, O_RDONLY | O_DIRECTORY);
	if (statefd == -1 || mkdirat(statefd, "tmp", 0700) == -1)
		return -1;
	return geteuid() == 0 ? mo_passrec_create(statefd) : 0;
}

static int
teardown(void **st)
{
	char cmd[128];

	(void)st;
	close(statefd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
digest_of(const char *script, unsigned char d[MO_PASSREC_DIGEST])
{
	const char *v[MO_PASSREC_NSTAMPS] = { "0123456789abcdef", "1001 (a)", "/srv/a", script, "a" };

	mo_passrec_digest(v, d);
}

static unsigned kinds;

static void
need_root(void)
{
	if (geteuid() != 0)
		skip();         /* the table is root's: the milter trusts no other */
}

static void
test_digest_blanks_and_values(void **st)
{
	const char *a[MO_PASSREC_NSTAMPS] = { "x", "1 (u)", "/d", "s; source=cwd", "v" };
	const char *b[MO_PASSREC_NSTAMPS] = { " x", "1 (u)\r\n", "/d ", "\ts; source=cwd", "v" };
	const char *c[MO_PASSREC_NSTAMPS] = { "x", "1 (u)", "/d", "s; source=cwd", "w" };
	/* a value may not move into its neighbour */
	const char *d[MO_PASSREC_NSTAMPS] = { "x", "1 (u)", "/ds", "; source=cwd", "v" };
	unsigned char da[MO_PASSREC_DIGEST], db[MO_PASSREC_DIGEST], dc[MO_PASSREC_DIGEST],
	    dd[MO_PASSREC_DIGEST];

	(void)st;
	mo_passrec_digest(a, da);
	mo_passrec_digest(b, db);
	mo_passrec_digest(c, dc);
	mo_passrec_digest(d, dd);
	assert_memory_equal(da, db, sizeof(da));
	assert_memory_not_equal(da, dc, sizeof(da));
	assert_memory_not_equal(da, dd, sizeof(da));
}

static void
test_table_made_whole(void **st)
{
	struct stat sb;

	(void)st;
	need_root();
	assert_int_equal(fstatat(statefd, MO_PASSREC_NAME, &sb, 0), 0);
	assert_int_equal(sb.st_size, MO_PASSREC_SIZE);
	assert_int_equal(sb.st_mode & 07777, 0660);
	assert_true(sb.st_blocks * 512 >= MO_PASSREC_SIZE);     /* written, not sparse */
	assert_int_equal(mo_passrec_create(statefd), 0);        /* there: left as is */
}

static void
test_once_and_only_for_its_facts(void **st)
{
	unsigned char d[MO_PASSREC_DIGEST], other[MO_PASSREC_DIGEST];
	const char *id = "69300000a1b2c3d4";

	(void)st;
	need_root();
	digest_of("/srv/a/x.php; source=cwd", d);
	digest_of("/srv/b/x.php; source=cwd", other);
	assert_int_equal(mo_passrec_take(statefd, id, 1001, 1, d, NOW, &kinds), MO_PASSREC_NONE);
	assert_int_equal(mo_passrec_put(statefd, id, 1001, 2, d, 0x15, NOW), 0);
	/* mismatches leave it live */
	assert_int_equal(mo_passrec_take(statefd, id, 1002, 1, d, NOW, &kinds), MO_PASSREC_UID);
	assert_int_equal(mo_passrec_take(statefd, id, 1001, 3, d, NOW, &kinds), MO_PASSREC_RCPTS);
	assert_int_equal(mo_passrec_take(statefd, id, 1001, 2, other, NOW, &kinds), MO_PASSREC_STAMPS);
	assert_int_equal(mo_passrec_take(statefd, id, 1001, 2, d, NOW + MO_PASSREC_MAX_AGE + 1, &kinds),
	    MO_PASSREC_EXPIRED);
	assert_int_equal(mo_passrec_take(statefd, "69300000a1b2c3d5", 1001, 2, d, NOW, &kinds),
	    MO_PASSREC_NONE);
	/* fewer recipients than charged (Postfix drops duplicates): the wrapper's */
	assert_int_equal(mo_passrec_take(statefd, id, 1001, 1, d, NOW + 60, &kinds), MO_PASSREC_OK);
	assert_int_equal(kinds, 0x15);  /* the kinds of rule the wrapper charged */
	assert_int_equal(mo_passrec_take(statefd, id, 1001, 1, d, NOW + 60, &kinds), MO_PASSREC_REPLAYED);
	assert_int_equal(kinds, 0);
}

static void
test_not_our_ids(void **st)
{
	unsigned char d[MO_PASSREC_DIGEST];
	static const char *const bad[] = {
		"", "69300000a1b2c3d", "69300000a1b2c3d4e", "69300000A1B2C3D4", "6930000 a1b2c3d4",
		"../../etc/passw", "69300000a1b2c3dg",
	};
	size_t i;

	(void)st;
	need_root();
	digest_of("s", d);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mo_passrec_put(statefd, bad[i], 1, 1, d, 0, NOW), -1);
		assert_int_equal(mo_passrec_take(statefd, bad[i], 1, 1, d, NOW, &kinds), MO_PASSREC_NONE);
	}
}

/* Nine live records in one bucket of eight: the oldest goes (its message
 * is charged again), the others stay. */
static void
test_full_bucket_drops_the_oldest(void **st)
{
	unsigned char d[MO_PASSREC_DIGEST];
	char id[9][17];
	int i;

	(void)st;
	need_root();
	digest_of("s", d);
	for (i = 0; i < 9; i++) {
		/* the same random part modulo the buckets: the same bucket */
		snprintf(id[i], sizeof(id[i]), "%08x%08x", 0x69300000U + (unsigned)i,
		    0x00000777U + (unsigned)i * (MO_PASSREC_SLOTS / MO_PASSREC_BUCKET));
		assert_int_equal(mo_passrec_put(statefd, id[i], 7, 1, d, 0, NOW + i), 0);
	}
	assert_int_equal(mo_passrec_take(statefd, id[0], 7, 1, d, NOW + 10, &kinds), MO_PASSREC_NONE);
	for (i = 1; i < 9; i++)
		assert_int_equal(mo_passrec_take(statefd, id[i], 7, 1, d, NOW + 10, &kinds), MO_PASSREC_OK);
	/* used slots are free again */
	assert_int_equal(mo_passrec_put(statefd, id[0], 7, 1, d, 0, NOW + 11), 0);
	assert_int_equal(mo_passrec_take(statefd, id[0], 7, 1, d, NOW + 12, &kinds), MO_PASSREC_OK);
}

/* Ids whose random parts fall in one bucket (k: which of them). */
static void
bucket_id(char id[17], unsigned bucket, unsigned k)
{
	snprintf(id, 17, "%08x%08x", 0x69310000U + k,
	    bucket + k * (MO_PASSREC_SLOTS / MO_PASSREC_BUCKET));
}

/* Review S3-6: one uid floods a bucket with live records (wrappers killed
 * before the MTA ran) and pushes out its own, not another uid's fresh one;
 * a bucket full of its records still takes another uid's; eight uids of
 * one record each: the oldest goes, as before. */
static void
test_one_uid_cannot_flood_a_bucket(void **st)
{
	unsigned char d[MO_PASSREC_DIGEST];
	char b1[17], b2[17], id[17];
	unsigned k;

	(void)st;
	need_root();
	digest_of("s", d);
	bucket_id(b1, 0x555, 1000);
	assert_int_equal(mo_passrec_put(statefd, b1, 2002, 1, d, 0, NOW), 0);
	for (k = 0; k < 100; k++) {
		bucket_id(id, 0x555, k);
		assert_int_equal(mo_passrec_put(statefd, id, 1001, 1, d, 0, NOW + 1 + k), 0);
	}
	assert_int_equal(mo_passrec_take(statefd, b1, 2002, 1, d, NOW + 200, &kinds), MO_PASSREC_OK);
	/* the flooder's own: its seven latest stay, the older are gone */
	bucket_id(id, 0x555, 92);
	assert_int_equal(mo_passrec_take(statefd, id, 1001, 1, d, NOW + 200, &kinds), MO_PASSREC_NONE);
	bucket_id(id, 0x555, 93);
	assert_int_equal(mo_passrec_take(statefd, id, 1001, 1, d, NOW + 200, &kinds), MO_PASSREC_OK);
	/* eight of its own now (the two freed slots refilled): another uid's
	 * record still goes in, and stays through the next flood */
	for (k = 100; k < 102; k++) {
		bucket_id(id, 0x555, k);
		assert_int_equal(mo_passrec_put(statefd, id, 1001, 1, d, 0, NOW + 201 + k), 0);
	}
	bucket_id(b2, 0x555, 1001);
	assert_int_equal(mo_passrec_put(statefd, b2, 2002, 1, d, 0, NOW + 400), 0);
	for (k = 102; k < 150; k++) {
		bucket_id(id, 0x555, k);
		assert_int_equal(mo_passrec_put(statefd, id, 1001, 1, d, 0, NOW + 400 + k), 0);
	}
	assert_int_equal(mo_passrec_take(statefd, b2, 2002, 1, d, NOW + 600, &kinds), MO_PASSREC_OK);
	/* eight uids, a record each, and a ninth uid: the oldest goes */
	for (k = 0; k < 9; k++) {
		bucket_id(id, 0x556, 200 + k);
		assert_int_equal(mo_passrec_put(statefd, id, 3000 + k, 1, d, 0, NOW + 700 + k), 0);
	}
	bucket_id(id, 0x556, 200);
	assert_int_equal(mo_passrec_take(statefd, id, 3000, 1, d, NOW + 800, &kinds), MO_PASSREC_NONE);
	for (k = 1; k < 9; k++) {
		bucket_id(id, 0x556, 200 + k);
		assert_int_equal(mo_passrec_take(statefd, id, 3000 + k, 1, d, NOW + 800, &kinds), MO_PASSREC_OK);
	}
}

/* No table (the milter never ran here): the wrapper says ENOENT, the
 * milter finds no record; a table not root's is not believed. */
static void
test_no_table_and_foreign_table(void **st)
{
	unsigned char d[MO_PASSREC_DIGEST];
	const char *id = "69300000000000aa";
	int fd;

	(void)st;
	need_root();
	digest_of("s", d);
	assert_int_equal(renameat(statefd, MO_PASSREC_NAME, statefd, "away"), 0);
	assert_int_equal(mo_passrec_put(statefd, id, 5, 1, d, 0, NOW), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(mo_passrec_take(statefd, id, 5, 1, d, NOW, &kinds), MO_PASSREC_NONE);
	fd = openat(statefd, MO_PASSREC_NAME, O_RDWR | O_CREAT, 0660);
	assert_true(fd >= 0);
	assert_int_equal(fchown(fd, 12345, 0), 0);
	close(fd);
	assert_int_equal(mo_passrec_put(statefd, id, 5, 1, d, 0, NOW), 0);
	assert_int_equal(mo_passrec_take(statefd, id, 5, 1, d, NOW, &kinds), MO_PASSREC_FAULT);
	assert_int_equal(unlinkat(statefd, MO_PASSREC_NAME, 0), 0);
	assert_int_equal(renameat(statefd, "away", statefd, MO_PASSREC_NAME), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_digest_blanks_and_values),
		cmocka_unit_test(test_table_made_whole),
		cmocka_unit_test(test_once_and_only_for_its_facts),
		cmocka_unit_test(test_not_our_ids),
		cmocka_unit_test(test_full_bucket_drops_the_oldest),
		cmocka_unit_test(test_one_uid_cannot_flood_a_bucket),
		cmocka_unit_test(test_no_table_and_foreign_table),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
