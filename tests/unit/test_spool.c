/* lib/spool: mo_hold, the hold writer: a held message is whole (the
 * message bytes from offset 0, the meta) under hold/ID or not there at
 * all; an id taken, a missing hold/ or tmp/ leave nothing behind. */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "spool.h"

static char root[] = "/tmp/mo-spool-XXXXXX";

static int
setup(void **state)
{
	char p[PATH_MAX];

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(p, sizeof(p), "%s/tmp", root);
	assert_int_equal(0, mkdir(p, 0770));
	snprintf(p, sizeof(p), "%s/hold", root);
	assert_int_equal(0, mkdir(p, 0770));
	return 0;
}

static int
teardown(void **state)
{
	char cmd[PATH_MAX];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	return system(cmd) == 0 ? 0 : -1;
}

static size_t
read_all(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	n = read(fd, buf, cap);
	close(fd);
	assert_true(n >= 0);
	return (size_t)n;
}

static int
entries(const char *sub)
{
	char p[PATH_MAX];
	struct dirent *e;
	DIR *d;
	int n = 0;

	snprintf(p, sizeof(p), "%s/%s", root, sub);
	if ((d = opendir(p)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL)
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* A message in an unlinked temp file (as the wrapper spools it), read
 * from offset 0 whatever the file offset is. */
static int
message(const char *text)
{
	char p[PATH_MAX];
	int fd;

	snprintf(p, sizeof(p), "%s/msg.XXXXXX", root);
	assert_true((fd = mkstemp(p)) >= 0);
	unlink(p);
	assert_int_equal((ssize_t)strlen(text), write(fd, text, strlen(text)));
	return fd;
}

static void
test_hold(void **state)
{
	static const char msg[] = "To: a@test.invalid\n\nbody\n", meta[] = "version=1\nid=x\n";
	char p[PATH_MAX], buf[256];
	struct stat st;
	int statefd, fd;

	(void)state;
	assert_true((statefd = open(root, O_RDONLY | O_DIRECTORY)) >= 0);
	fd = message(msg);
	assert_int_equal(0, mo_hold(statefd, fd, "0123456789abcdef", meta, strlen(meta)));
	snprintf(p, sizeof(p), "%s/hold/0123456789abcdef/message", root);
	assert_int_equal(strlen(msg), read_all(p, buf, sizeof(buf)));
	assert_memory_equal(msg, buf, strlen(msg));
	assert_int_equal(0, stat(p, &st));
	assert_int_equal(0, st.st_mode & 007);          /* nothing for others */
	snprintf(p, sizeof(p), "%s/hold/0123456789abcdef/meta", root);
	assert_int_equal(strlen(meta), read_all(p, buf, sizeof(buf)));
	assert_memory_equal(meta, buf, strlen(meta));
	assert_int_equal(0, entries("tmp"));
	/* the same id again: refused, the first one untouched, no leftover */
	assert_int_equal(-1, mo_hold(statefd, fd, "0123456789abcdef", "other\n", 6));
	assert_int_equal(strlen(meta), read_all(p, buf, sizeof(buf)));
	assert_int_equal(0, entries("tmp"));
	assert_int_equal(1, entries("hold"));
	close(fd);
	close(statefd);
}

static void
test_no_spool(void **state)
{
	char p[PATH_MAX], away[PATH_MAX];
	int statefd, fd;

	(void)state;
	assert_true((statefd = open(root, O_RDONLY | O_DIRECTORY)) >= 0);
	fd = message("x\n");
	snprintf(away, sizeof(away), "%s/hold.away", root);
	/* no hold/: nothing held, nothing left in tmp/ */
	snprintf(p, sizeof(p), "%s/hold", root);
	assert_int_equal(0, rename(p, away));
	assert_int_equal(-1, mo_hold(statefd, fd, "1111111111111111", "m\n", 2));
	assert_int_equal(0, entries("tmp"));
	assert_int_equal(0, rename(away, p));
	/* no tmp/: refused before anything is written */
	snprintf(p, sizeof(p), "%s/tmp", root);
	assert_int_equal(0, rmdir(p));
	assert_int_equal(-1, mo_hold(statefd, fd, "2222222222222222", "m\n", 2));
	assert_int_equal(1, entries("hold"));
	assert_int_equal(0, mkdir(p, 0770));
	close(fd);
	close(statefd);
}

/* Review S3-12: the milter's holds counted per sender for the hold quota:
 * a second link to each hold's record; a hold whose record is gone
 * (released, deleted) no longer counts, and its link goes. */
static void
test_quarantine_usage(void **state)
{
	char key[MO_QUARANTINE_KEY_MAX + 8], other[MO_QUARANTINE_KEY_MAX + 8], p[PATH_MAX];
	unsigned long long msgs, bytes;
	const char *ids[] = { "aaaaaaaaaaaaaaa1", "aaaaaaaaaaaaaaa2", "aaaaaaaaaaaaaaa3" };
	int statefd, fd, i;

	(void)state;
	if (geteuid() != 0)
		skip();         /* quarantine/ is root's: the milter's alone */
	assert_true((statefd = open(root, O_RDONLY | O_DIRECTORY)) >= 0);
	mo_quarantine_key(key, sizeof(key), 1, 1001, "ignored@x");
	assert_string_equal(key, "uid-1001");
	mo_quarantine_key(other, sizeof(other), 0, 0, "a/b");
	assert_string_equal(other, "sasl-612f62");
	mo_quarantine_key(other, sizeof(other), 0, 0, NULL);
	assert_string_equal(other, "none");
	assert_int_equal(0, mo_quarantine_usage(statefd, key, &msgs, &bytes));
	assert_true(msgs == 0 && bytes == 0);
	assert_int_equal(0, mo_quarantine_dir(statefd, 1));
	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", MO_QUARANTINE_DIR, ids[i]);
		assert_true((fd = openat(statefd, p, O_WRONLY | O_CREAT | O_EXCL, 0600)) >= 0);
		close(fd);
		assert_int_equal(0, mo_quarantine_note(statefd, i < 2 ? key : "none", ids[i],
		    1000 * (i + 1)));
	}
	assert_int_equal(0, mo_quarantine_usage(statefd, key, &msgs, &bytes));
	assert_true(msgs == 2 && bytes == 3000);
	/* released: the record goes, and the hold no longer counts */
	snprintf(p, sizeof(p), "%s/%s", MO_QUARANTINE_DIR, ids[0]);
	assert_int_equal(0, unlinkat(statefd, p, 0));
	assert_int_equal(0, mo_quarantine_usage(statefd, key, &msgs, &bytes));
	assert_true(msgs == 1 && bytes == 2000);
	snprintf(p, sizeof(p), "%s/by/%s/%s.1000", MO_QUARANTINE_DIR, key, ids[0]);
	assert_int_equal(-1, faccessat(statefd, p, F_OK, 0));
	assert_int_equal(0, mo_quarantine_usage(statefd, "none", &msgs, &bytes));
	assert_true(msgs == 1 && bytes == 3000);
	assert_int_equal(-1, mo_quarantine_usage(statefd, "../x", &msgs, &bytes));
	close(statefd);
}

static void
test_ids(void **state)
{
	char a[MO_ID_LEN + 1], b[MO_ID_LEN + 1];

	(void)state;
	mo_new_id(a);
	mo_new_id(b);
	assert_int_equal(MO_ID_LEN, strspn(a, "0123456789abcdef"));
	assert_int_equal('\0', a[MO_ID_LEN]);
	assert_string_not_equal(a, b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hold),
		cmocka_unit_test(test_no_spool),
		cmocka_unit_test(test_quarantine_usage),
		cmocka_unit_test(test_ids),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
