/* The tracer's first look at a process (procfs.h: proc_comm_at,
 * proc_stat_at; proc.h: mo_proc_maps_libphp) on a made-up /proc and on the
 * real one. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "proc.h"
#include "procfs.h"
#include "trust.h"

static char root[] = "/tmp/mo-procfs.XXXXXX";

static void
put(const char *pid, const char *file, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, pid);
	(void)mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", root, pid, file);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

static int
setup(void **state)
{
	char path[256];

	(void)state;
	if (mkdtemp(root) == NULL)
		return -1;
	put("123", "comm", "php-fpm8.2\n");
	put("124", "comm", "no-newline");
	put("125", "comm", "we\\\\ird\\nsh\n");     /* as the kernel escapes it */
	put("125", "stat", "125 (we\\ird\nsh) S 77 125 125 0 -1 4194560 1 0 0 0 0 0 0 0 "
	    "20 0 1 0 4242 1000 10 18446744073709551615\n");
	put("126", "stat", "garbage\n");
	snprintf(path, sizeof(path), "%s/127", root);
	(void)mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/127/comm", root);
	if (symlink("../123/comm", path) == -1)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	return system(cmd) == 0 ? 0 : -1;
}

static int
open_root(void)
{
	int fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	assert_true(fd >= 0);
	return fd;
}

static void
test_comm_at(void **state)
{
	char comm[PROC_COMM_MAX];
	int fd = open_root();

	(void)state;
	assert_int_equal(proc_comm_at(fd, "123", comm, sizeof(comm)), 0);
	assert_string_equal(comm, "php-fpm8.2");
	assert_int_equal(mo_sapi_of(comm, "", 0, "", comm + 32, 32), MO_SAPI_FPM);
	assert_int_equal(proc_comm_at(fd, "124", comm, sizeof(comm)), 0);
	assert_string_equal(comm, "no-newline");
	/* escaped as the kernel gives it: only for telling names apart */
	assert_int_equal(proc_comm_at(fd, "125", comm, sizeof(comm)), 0);
	assert_string_equal(comm, "we\\\\ird\\nsh");
	errno = 0;
	assert_int_equal(proc_comm_at(fd, "999", comm, sizeof(comm)), -1);
	assert_int_equal(errno, ENOENT);
	/* a link in comm's place is not followed */
	assert_int_equal(proc_comm_at(fd, "127", comm, sizeof(comm)), -1);
	assert_int_equal(errno, ELOOP);
	/* no pid: no path is made of it */
	assert_int_equal(proc_comm_at(fd, "", comm, sizeof(comm)), -1);
	assert_int_equal(proc_comm_at(fd, "12345678901", comm, sizeof(comm)), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	close(fd);
}

static void
test_stat_at(void **state)
{
	struct mo_stat st;
	int fd = open_root();

	(void)state;
	assert_int_equal(proc_stat_at(fd, "125", &st), 0);
	assert_int_equal(st.pid, 125);
	assert_int_equal(st.ppid, 77);
	assert_int_equal(st.starttime, 4242);
	assert_string_equal(st.comm, "we\\ird\nsh");    /* raw, as stat has it */
	assert_int_equal(proc_stat_at(fd, "126", &st), -1);
	assert_int_equal(proc_stat_at(fd, "999", &st), -1);
	close(fd);
}

/* A maps file of N filler bytes, then TAIL. */
static void
put_maps(const char *pid, size_t n, const char *tail)
{
	char *text = malloc(n + strlen(tail) + 1);

	assert_non_null(text);
	memset(text, 'x', n);
	for (size_t i = 63; i < n; i += 64)
		text[i] = '\n';
	strcpy(text + n, tail);
	put(pid, "maps", text);
	free(text);
}

static void
test_maps_libphp(void **state)
{
	char path[256];
	int fd = open_root(), d;

	(void)state;
	/* the name across the first read's end (8 KiB), then far in, then
	 * only past the 1 MiB looked at, then not at all */
	put_maps("130", 8190, "/usr/lib/apache2/modules/libphp8.2.so\n");
	put_maps("131", 300000, " /libphp8.2.so\n");
	put_maps("132", (1 << 20) + 10, " /libphp8.2.so\n");
	put_maps("133", 5000, " /usr/lib/libphpx\n");     /* "/libphp" all the same */
	put_maps("134", 20000, " /usr/lib/x86_64-linux-gnu/libc.so.6\n");
	put("135", "maps", "");
	const struct { const char *pid; int want; } cases[] = {
		{ "130", 1 }, { "131", 1 }, { "132", 0 }, { "133", 1 }, { "134", 0 },
		{ "135", 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, cases[i].pid);
		assert_true((d = open(path, O_RDONLY | O_DIRECTORY)) >= 0);
		assert_int_equal(mo_proc_maps_libphp(d), cases[i].want);
		close(d);
	}
	snprintf(path, sizeof(path), "%s/123", root);      /* no maps */
	assert_true((d = open(path, O_RDONLY | O_DIRECTORY)) >= 0);
	assert_int_equal(mo_proc_maps_libphp(d), -1);
	close(d);
	close(fd);
}

/* On the real /proc: our own comm and stat agree with the directory's. */
static void
test_real_proc(void **state)
{
	char name[16], comm[PROC_COMM_MAX], buf[4096];
	struct mo_stat st, want;
	int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC), dirfd;

	(void)state;
	assert_true(fd >= 0);
	snprintf(name, sizeof(name), "%d", (int)getpid());
	assert_int_equal(proc_comm_at(fd, name, comm, sizeof(comm)), 0);
	assert_int_equal(proc_stat_at(fd, name, &st), 0);
	assert_true((dirfd = proc_open(getpid())) >= 0);
	assert_true(mo_proc_file(dirfd, "stat", buf, sizeof(buf)) > 0);
	assert_int_equal(mo_proc_parse_stat(buf, &want), 0);
	assert_string_equal(comm, want.comm);
	assert_string_equal(st.comm, want.comm);
	assert_int_equal(st.ppid, getppid());
	assert_int_equal(st.starttime, want.starttime);
	close(dirfd);
	close(fd);
}

/*
 * trust.h's creds_may_search: may a worker's user go back to its idle
 * folder?  By the mode bits of every folder on the way, as the kernel
 * checks them: owner, else group (its own or a supplementary one), else
 * others; no symlink followed.
 */
static void
test_may_search(void **state)
{
	char dir[] = "/tmp/mo-search.XXXXXX", a[64], b[64], link[64], gone[64], why[200];
	struct mo_creds other, owner, grp;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));         /* 0700 */
	snprintf(a, sizeof(a), "%s/a", dir);
	snprintf(b, sizeof(b), "%s/a/b", dir);
	snprintf(link, sizeof(link), "%s/l", dir);
	assert_int_equal(mkdir(a, 0755), 0);
	assert_int_equal(mkdir(b, 0755), 0);
	assert_int_equal(symlink("a", link), 0);
	if (geteuid() == 0) {
		/* an owner other than root, whose fsuid 0 may search anything */
		assert_int_equal(chown(dir, 4242, 4242), 0);
		assert_int_equal(chown(a, 4242, 4242), 0);
		assert_int_equal(chown(b, 4242, 4242), 0);
	}
	assert_int_equal(stat(dir, &st), 0);
	memset(&owner, 0, sizeof(owner));
	owner.fsuid = st.st_uid;
	owner.fsgid = st.st_gid;
	other = owner;
	other.fsuid = st.st_uid + 1;
	other.fsgid = st.st_gid + 1;
	grp = other;
	grp.groups[0] = st.st_gid + 7;
	grp.groups[1] = st.st_gid;
	grp.ngroups = 2;

	/* under a folder others may not enter (root's 0700 home) */
	assert_int_equal(creds_may_search(b, &owner, why, sizeof(why)), 1);
	assert_int_equal(creds_may_search(b, &other, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "may not search"));
	assert_non_null(strstr(why, dir));
	assert_int_equal(creds_may_search(dir, &other, why, sizeof(why)), 0);
	/* search (x) is enough, read is not needed */
	assert_int_equal(chmod(dir, 0711), 0);
	assert_int_equal(creds_may_search(b, &other, why, sizeof(why)), 1);
	/* the folder itself must be searchable too */
	assert_int_equal(chmod(b, 0750), 0);
	assert_int_equal(creds_may_search(b, &other, why, sizeof(why)), 0);
	assert_int_equal(creds_may_search(b, &grp, why, sizeof(why)), 1);
	/* the owner's bits decide for the owner, even when others may */
	assert_int_equal(chmod(b, 0075), 0);
	assert_int_equal(creds_may_search(b, &owner, why, sizeof(why)), 0);
	assert_int_equal(creds_may_search(b, &grp, why, sizeof(why)), 1);
	assert_int_equal(creds_may_search(b, &other, why, sizeof(why)), 1);
	/* the group's bits decide for a member */
	assert_int_equal(chmod(b, 0705), 0);
	assert_int_equal(creds_may_search(b, &grp, why, sizeof(why)), 0);
	/* fsuid 0 may */
	other.fsuid = 0;
	assert_int_equal(creds_may_search(b, &other, why, sizeof(why)), 1);
	other.fsuid = st.st_uid + 1;
	/* gone, a symlink, not absolute: no */
	snprintf(gone, sizeof(gone), "%s/nope", dir);
	assert_int_equal(creds_may_search(gone, &owner, why, sizeof(why)), 0);
	assert_int_equal(creds_may_search(link, &owner, why, sizeof(why)), 0);
	assert_non_null(strstr(why, "symlink"));
	assert_int_equal(creds_may_search("tmp", &owner, why, sizeof(why)), 0);
	assert_int_equal(creds_may_search("/", &other, why, sizeof(why)), 1);

	unlink(link);
	rmdir(b);
	rmdir(a);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_comm_at),
		cmocka_unit_test(test_stat_at),
		cmocka_unit_test(test_maps_libphp),
		cmocka_unit_test(test_real_proc),
		cmocka_unit_test(test_may_search),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
