/* Origin: process chain, SAPI, script and vhost over a fake /proc tree. */
#include <sys/stat.h>

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
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
#include "origin.h"
#include "proc.h"

static char root[] = "/tmp/mo-proc-XXXXXX";

/* A fake /proc/PID: stat with comm and ppid, cmdline, exe and cwd links. */
static void
fake(int pid, const char *comm, int ppid, const char *cmdline, size_t cmdlen,
    const char *exe, const char *cwd)
{
	char dir[PATH_MAX], path[PATH_MAX + 16];
	FILE *fp;

	snprintf(dir, sizeof(dir), "%s/%d", root, pid);
	mkdir(dir, 0755);
	snprintf(path, sizeof(path), "%s/stat", dir);
	fp = fopen(path, "w");
	fprintf(fp, "%d (%s) S %d 1 1 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 12345 0\n", pid, comm, ppid);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/cmdline", dir);
	fp = fopen(path, "w");
	fwrite(cmdline, 1, cmdlen, fp);
	fclose(fp);
	if (exe != NULL) {
		snprintf(path, sizeof(path), "%s/exe", dir);
		assert_int_equal(0, symlink(exe, path));
	}
	if (cwd != NULL) {
		snprintf(path, sizeof(path), "%s/cwd", dir);
		assert_int_equal(0, symlink(cwd, path));
	}
}
#define FAKE(pid, comm, ppid, cmd, exe, cwd) fake(pid, comm, ppid, cmd, sizeof(cmd) - 1, exe, cwd)

static int
setup(void **state)
{
	(void)state;
	assert_non_null(mkdtemp(root));
	FAKE(300, "sh", 200, "sh\0-c\0/usr/sbin/sendmail -t -i\0", "/usr/bin/dash", NULL);
	FAKE(200, "php-fpm8.2", 100, "php-fpm: pool site-a          \0", NULL, NULL);
	FAKE(100, "php-fpm8.2", 1, "php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)\0", NULL, NULL);
	FAKE(410, "sh", 400, "sh\0-c\0sendmail -t\0", "/usr/bin/dash", NULL);
	FAKE(400, "php", 1, "php\0-d\0display_errors=1\0bin/mailer.php\0--to\0x\0", "/usr/bin/php8.2", "/srv/www/cli-site");
	FAKE(510, "apache2", 1, "/usr/sbin/apache2\0-k\0start\0", NULL, NULL);
	FAKE(610, "php-cgi8.2", 1, "/usr/bin/php-cgi8.2\0", "/usr/bin/php-cgi8.2", NULL);
	FAKE(710, "bash", 700, "bash\0", "/usr/bin/bash", NULL);
	FAKE(700, "cron", 1, "/usr/sbin/cron\0-f\0", "/usr/sbin/cron", NULL);
	FAKE(800, "we(ird) )name", 1, "x\0", NULL, NULL);
	/* issue 12.7: interpreters and cron name their script, not themselves */
	FAKE(910, "sh", 900, "/bin/sh\0-c\0/srv/www/site-a/bin/report --daily\0", NULL, NULL);
	FAKE(900, "cron", 1, "/usr/sbin/CRON\0-f\0", "/usr/sbin/cron", NULL);
	FAKE(1010, "git-send-emai", 1,
	    "/usr/bin/perl\0/usr/lib/git-core/git-send-email\0--to\0x@y\0", "/usr/bin/perl", NULL);
	FAKE(1110, "sh", 1100, "sh\0-c\0/usr/sbin/sendmail -t -i\0", NULL, NULL);
	FAKE(1100, "python3.11", 1, "python3.11\0-u\0send.py\0", "/usr/bin/python3.11",
	    "/srv/www/site-b");
	FAKE(1210, "sh", 1, "sh\0/srv/www/site-a/bin/mail.sh\0", "/usr/bin/dash", NULL);
	FAKE(1310, "nice", 1300, "nice\0perl\0x\0", NULL, NULL);
	FAKE(1300, "bash", 1, "bash\0-c\0nice perl x\0", NULL, NULL);
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

static void
config_with_vhosts(struct mo_config *c)
{
	FILE *fp;
	char err[256];
	const char *t = "vhosts = ( { path = \"/srv/www/*/\"; } );";

	fp = fmemopen((void *)t, strlen(t), "r");
	mo_config_defaults(c);
	assert_int_equal(0, mo_config_read(c, fp, "t", err, sizeof(err)));
	fclose(fp);
}

static void
test_fpm_chain(void **state)
{
	struct mo_config c;
	struct mo_origin o;

	(void)state;
	config_with_vhosts(&c);
	assert_int_equal(0, chdir("/tmp"));
	mo_origin_collect(&o, root, 300, &c);
	assert_int_equal(MO_SAPI_FPM, o.sapi);
	assert_string_equal("fpm", mo_sapi_name(o.sapi));
	assert_string_equal("site-a", o.pool);
	assert_string_equal("php-fpm: pool site-a          ", o.php_cmdline);
	assert_int_equal(200, o.php_pid);
	assert_string_equal("sh[300] < php-fpm8.2[200]", o.chain);
	assert_string_equal("/tmp", o.cwd);
	assert_string_equal("/tmp/", o.script);
	assert_string_equal("cwd", o.script_src);
	assert_int_equal(1, o.script_claimed);
	assert_int_equal(getuid(), o.uid);
	assert_string_equal(o.user, o.vhost);   /* no rule matches /tmp/ */
	mo_config_free(&c);
}

static void
test_cli_chain(void **state)
{
	struct mo_config c;
	struct mo_origin o;

	(void)state;
	config_with_vhosts(&c);
	mo_origin_collect(&o, root, 410, &c);
	assert_int_equal(MO_SAPI_CLI, o.sapi);
	assert_string_equal("/srv/www/cli-site/bin/mailer.php", o.script);
	assert_string_equal("php-cli-argv", o.script_src);
	assert_int_equal(1, o.script_claimed);
	assert_string_equal("cli-site", o.vhost);
	assert_string_equal("/usr/bin/php8.2", o.php_exe);
	assert_string_equal("php -d display_errors=1 bin/mailer.php --to x", o.php_cmdline);
	mo_config_free(&c);
}

static void
test_cgi_env(void **state)
{
	struct mo_config c;
	struct mo_origin o;

	(void)state;
	config_with_vhosts(&c);
	setenv("SCRIPT_FILENAME", "/srv/www/cgi-site/index.php", 1);
	mo_origin_collect(&o, root, 610, &c);
	unsetenv("SCRIPT_FILENAME");
	assert_int_equal(MO_SAPI_CGI, o.sapi);
	assert_string_equal("/srv/www/cgi-site/index.php", o.script);
	assert_string_equal("env", o.script_src);
	assert_int_equal(1, o.script_claimed);
	assert_string_equal("cgi-site", o.vhost);
	mo_config_free(&c);
}

static void
test_not_php(void **state)
{
	struct mo_config c;
	struct mo_origin o;

	(void)state;
	config_with_vhosts(&c);
	mo_origin_collect(&o, root, 710, &c);
	assert_int_equal(MO_SAPI_UNKNOWN, o.sapi);
	assert_int_equal(0, o.php_pid);
	assert_string_equal("/usr/sbin/cron", o.script);      /* no job command read */
	assert_string_equal("cron", o.script_src);
	assert_string_equal("bash[710] < cron[700]", o.chain);
	/* a pid that does not exist: nothing but the caller */
	mo_origin_collect(&o, root, 999, &c);
	assert_int_equal(MO_SAPI_UNKNOWN, o.sapi);
	assert_string_equal("", o.chain);
	assert_string_equal("cwd", o.script_src);
	mo_config_free(&c);
}

static void
test_interpreters(void **state)
{
	static const struct { pid_t pid; const char *script, *src, *vhost, *chain; int claimed; } c[] = {
		{ 910, "/srv/www/site-a/bin/report --daily", "cron", "root", "sh[910] < cron[900]", 1 },
		{ 1010, "/usr/lib/git-core/git-send-email", "perl-argv", "root",
		  "git-send-emai[1010]", 1 },
		{ 1110, "/srv/www/site-b/send.py", "python-argv", "site-b",
		  "sh[1110] < python3.11[1100]", 1 },
		{ 1210, "/srv/www/site-a/bin/mail.sh", "sh-argv", "site-a", "sh[1210]", 1 },
		/* a shell that ran a launcher: nothing left, the cwd */
		{ 1310, "", "cwd", NULL, "nice[1310] < bash[1300]", 1 },
	};
	struct mo_config cfg;
	struct mo_origin o;
	size_t i;

	(void)state;
	config_with_vhosts(&cfg);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		print_message("case %zu\n", i);
		mo_origin_collect(&o, root, c[i].pid, &cfg);
		assert_int_equal(MO_SAPI_UNKNOWN, o.sapi);
		if (c[i].script[0] != '\0')
			assert_string_equal(c[i].script, o.script);
		assert_string_equal(c[i].src, o.script_src);
		assert_int_equal(c[i].claimed, o.script_claimed);
		assert_string_equal(c[i].chain, o.chain);
		if (c[i].vhost != NULL && strcmp(c[i].vhost, "root") != 0)
			assert_string_equal(c[i].vhost, o.vhost);
	}
	mo_config_free(&cfg);
}

static void
test_proc_read(void **state)
{
	struct mo_proc p;
	char pool[64];

	(void)state;
	assert_int_equal(0, mo_proc_read(root, 800, &p, 1));
	assert_string_equal("we(ird) )name", p.comm);
	assert_int_equal(1, p.ppid);
	assert_int_equal(-1, mo_proc_read(root, 12345, &p, 1));
	assert_int_equal(0, mo_proc_read(root, 510, &p, 1));
	assert_int_equal(MO_SAPI_HTTPD, mo_proc_sapi(&p, pool, sizeof(pool)));
	assert_int_equal(0, mo_proc_read(root, 100, &p, 1));
	assert_int_equal(MO_SAPI_UNKNOWN, mo_proc_sapi(&p, pool, sizeof(pool)));    /* the master */
	assert_string_equal("", pool);
}

static void
test_cli_script(void **state)
{
	static const struct { const char *cmd; size_t len; const char *cwd, *want; } cases[] = {
#define C(s) s, sizeof(s) - 1
		{ C("php\0send.php\0"), "/srv/a", "/srv/a/send.php" },
		{ C("php\0/abs/send.php\0"), "/srv/a", "/abs/send.php" },
		{ C("php8.2\0-n\0-d\0x=1\0-c\0/etc/php.ini\0s.php\0arg\0"), "/", "/s.php" },
		{ C("php\0-dx=1\0s.php\0"), "/w/", "/w/s.php" },
		{ C("php\0-f\0file.php\0--\0-x\0"), "/w", "/w/file.php" },
		{ C("php\0-ffile.php\0"), "/w", "/w/file.php" },
		{ C("php\0-r\0mail('a','b','c');\0"), "/w", NULL },
		{ C("php\0"), "/w", NULL },
		{ C("php\0--\0a\0"), "/w", NULL },
		{ C("php\0--ini\0"), "/w", NULL },
		{ C("php\0-f\0"), "/w", NULL },
		{ C(""), "/w", NULL },
#undef C
	};
	char out[PATH_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = mo_cli_script(cases[i].cmd, cases[i].len, cases[i].cwd, out, sizeof(out));
		print_message("case %zu\n", i);
		if (cases[i].want == NULL)
			assert_int_equal(-1, rc);
		else {
			assert_int_equal(0, rc);
			assert_string_equal(cases[i].want, out);
		}
	}
}

/* Issue 14: an origin is no longer cleared whole (its three PATH_MAX
 * arrays by their first byte), nor a process record: collected into
 * memory full of an earlier chain's bytes and of garbage, every field
 * reads as when collected into zeroed memory. */
static void
same_origin(const struct mo_origin *a, const struct mo_origin *b)
{
	assert_int_equal(a->uid, b->uid);
	assert_int_equal(a->sapi, b->sapi);
	assert_int_equal(a->php_pid, b->php_pid);
	assert_int_equal(a->script_claimed, b->script_claimed);
	assert_string_equal(a->script_src != NULL ? a->script_src : "(null)",
	    b->script_src != NULL ? b->script_src : "(null)");
	assert_string_equal(a->user, b->user);
	assert_string_equal(a->pool, b->pool);
	assert_string_equal(a->vhost, b->vhost);
	assert_string_equal(a->chain, b->chain);
	assert_string_equal(a->php_cmdline, b->php_cmdline);
	assert_string_equal(a->cwd, b->cwd);
	assert_string_equal(a->script, b->script);
	assert_string_equal(a->php_exe, b->php_exe);
}

static void
test_dirty_reuse(void **state)
{
	static const int pids[] = { 300, 410, 610, 710, 800, 910, 1010, 1110, 1210, 1310, 999 };
	static struct mo_origin clean, dirty;
	static struct mo_proc pc, pd;
	struct mo_config c;
	size_t i;
	int rc;

	(void)state;
	config_with_vhosts(&c);
	assert_int_equal(0, chdir("/tmp"));
	for (i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
		print_message("pid %d\n", pids[i]);
		memset(&clean, 0, sizeof(clean));
		mo_origin_collect(&clean, root, pids[i], &c);
		/* the previous chain's bytes, then garbage */
		mo_origin_collect(&dirty, root, pids[(i + 1) % (sizeof(pids) / sizeof(pids[0]))], &c);
		mo_origin_collect(&dirty, root, pids[i], &c);
		same_origin(&clean, &dirty);
		memset(&dirty, 0xa5, sizeof(dirty));
		mo_origin_collect(&dirty, root, pids[i], &c);
		same_origin(&clean, &dirty);
		memset(&dirty, 0xa5, sizeof(dirty));
		mo_origin_collect_peer(&dirty, root, pids[i], 4242, &c);
		memset(&clean, 0, sizeof(clean));
		mo_origin_collect_peer(&clean, root, pids[i], 4242, &c);
		same_origin(&clean, &dirty);
		memset(&dirty, 0xa5, sizeof(dirty));
		mo_origin_of_uid(&dirty, 4242, "owner");
		memset(&clean, 0, sizeof(clean));
		mo_origin_of_uid(&clean, 4242, "owner");
		same_origin(&clean, &dirty);

		memset(&pc, 0, sizeof(pc));
		memset(&pd, 0xa5, sizeof(pd));
		rc = mo_proc_read(root, pids[i], &pc, 1);
		assert_int_equal(rc, mo_proc_read(root, pids[i], &pd, 1));
		if (rc == -1)
			continue;       /* no such process: nothing read either way */
		assert_int_equal(pc.pid, pd.pid);
		assert_int_equal(pc.ppid, pd.ppid);
		assert_string_equal(pc.comm, pd.comm);
		assert_string_equal(pc.exe, pd.exe);
		assert_int_equal(pc.cmdline_len, pd.cmdline_len);
		assert_memory_equal(pc.cmdline, pd.cmdline, pc.cmdline_len + 1);
	}
	mo_config_free(&c);
}

/* mo_proc_open(): "ROOT/PID" built without printf for a short root, the
 * general way for a long one; the same directory either way. */
static void
test_proc_open(void **state)
{
	char longroot[PATH_MAX], dir[PATH_MAX + 32];
	struct stat a, b;
	int fd;

	(void)state;
	fd = mo_proc_open(root, 300);
	assert_true(fd >= 0);
	assert_int_equal(0, fstat(fd, &a));
	close(fd);
	snprintf(dir, sizeof(dir), "%s/300", root);
	assert_int_equal(0, stat(dir, &b));
	assert_true(a.st_ino == b.st_ino && a.st_dev == b.st_dev);
	assert_int_equal(-1, mo_proc_open(root, 12345));
	assert_int_equal(-1, mo_proc_open(root, -300));
	/* a root of 100 bytes and more: the general way */
	snprintf(longroot, sizeof(longroot), "%s/%0100d", root, 0);
	assert_int_equal(0, mkdir(longroot, 0755));
	snprintf(dir, sizeof(dir), "%s/4194304", longroot);
	assert_int_equal(0, mkdir(dir, 0755));
	fd = mo_proc_open(longroot, 4194304);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(0, rmdir(dir));
	assert_int_equal(0, rmdir(longroot));
	/* pid 0 and a pid of 10 digits in a short root */
	snprintf(dir, sizeof(dir), "%s/0", root);
	assert_int_equal(0, mkdir(dir, 0755));
	fd = mo_proc_open(root, 0);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(0, rmdir(dir));
	snprintf(dir, sizeof(dir), "%s/2147483647", root);
	assert_int_equal(0, mkdir(dir, 0755));
	fd = mo_proc_open(root, 2147483647);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(0, rmdir(dir));
}

/* The milter looks up clients in several threads at once: each message
 * gets its own uid's name (getpwuid's one static answer, shared by the
 * threads, once gave a message another uid's name; review R10).  Two
 * threads, two uids, a process that is not there (only the name is
 * looked at). */
struct namer {
	uid_t		 uid;
	const char	*want;
	struct mo_config *c;
	unsigned	 wrong;
};

static void *
namer_run(void *arg)
{
	struct namer *n = arg;
	static _Thread_local struct mo_origin o;
	int i;

	for (i = 0; i < 20000; i++) {
		mo_origin_collect_peer(&o, root, 12345, n->uid, n->c);
		if (strcmp(o.user, n->want) != 0)
			n->wrong++;
	}
	return NULL;
}

static void
test_names_in_threads(void **state)
{
	struct mo_config c;
	struct namer a = { .uid = 0 }, b = { .uid = 65534 };
	struct passwd *pw;
	char wa[64], wb[64];
	pthread_t ta, tb;

	(void)state;
	config_with_vhosts(&c);
	if ((pw = getpwuid(0)) == NULL || (snprintf(wa, sizeof(wa), "%s", pw->pw_name), 0) ||
	    (pw = getpwuid(65534)) == NULL) {
		mo_config_free(&c);
		skip();
	}
	snprintf(wb, sizeof(wb), "%s", pw->pw_name);
	a.want = wa, a.c = &c;
	b.want = wb, b.c = &c;
	assert_int_equal(0, pthread_create(&ta, NULL, namer_run, &a));
	assert_int_equal(0, pthread_create(&tb, NULL, namer_run, &b));
	pthread_join(ta, NULL);
	pthread_join(tb, NULL);
	print_message("wrong names: %u of uid 0, %u of uid 65534\n", a.wrong, b.wrong);
	assert_int_equal(0, a.wrong);
	assert_int_equal(0, b.wrong);
	mo_config_free(&c);
}

/*
 * An entry too big for the first buffer (a long gecos, an NSS module's
 * large answer): getpwuid_r says ERANGE and origin.c asks again with a
 * bigger one, instead of naming the account by its number.  This
 * getpwuid_r stands in for libc's for BIG_UID only (its entry needs
 * BIG_NEED bytes, as glibc's files backend needs the whole line), and
 * passes every other uid on to the real one.
 */
#define BIG_UID 424242
#define BIG_NEED 9000
#define HUGE_UID 424243			/* needs more than origin.c ever gives */
static unsigned big_calls;

int
getpwuid_r(uid_t uid, struct passwd *pwd, char *buf, size_t len, struct passwd **res)
{
	static int (*real)(uid_t, struct passwd *, char *, size_t, struct passwd **);

	if (uid == BIG_UID || uid == HUGE_UID) {
		big_calls++;
		*res = NULL;
		if (uid == HUGE_UID || len < BIG_NEED)
			return ERANGE;
		memset(pwd, 0, sizeof(*pwd));
		memset(buf, 'g', BIG_NEED - 1);	/* the long gecos */
		buf[BIG_NEED - 1] = '\0';
		strcpy(buf, "longgecos");
		pwd->pw_name = buf;
		pwd->pw_gecos = buf + 16;
		pwd->pw_uid = uid;
		*res = pwd;
		return 0;
	}
	if (real == NULL)
		*(void **)&real = dlsym(RTLD_NEXT, "getpwuid_r");
	return real(uid, pwd, buf, len, res);
}

static void
test_name_erange(void **state)
{
	struct mo_config c;
	struct mo_origin o;

	(void)state;
	config_with_vhosts(&c);
	big_calls = 0;
	mo_origin_collect_peer(&o, root, 12345, BIG_UID, &c);
	assert_string_equal("longgecos", o.user);
	assert_true(big_calls >= 2);		/* asked again after ERANGE */
	big_calls = 0;
	mo_origin_collect_peer(&o, root, 12345, HUGE_UID, &c);
	assert_string_equal("424243", o.user);	/* bounded: the number */
	print_message("an entry that never fits: %u tries\n", big_calls);
	assert_true(big_calls > 2 && big_calls < 20);
	mo_origin_collect_peer(&o, root, 12345, 0, &c);	/* the real one still answers */
	assert_int_equal(0, o.uid);
	assert_string_not_equal("0", o.user);
	mo_config_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fpm_chain),
		cmocka_unit_test(test_cli_chain),
		cmocka_unit_test(test_cgi_env),
		cmocka_unit_test(test_not_php),
		cmocka_unit_test(test_interpreters),
		cmocka_unit_test(test_proc_read),
		cmocka_unit_test(test_cli_script),
		cmocka_unit_test(test_dirty_reuse),
		cmocka_unit_test(test_proc_open),
		cmocka_unit_test(test_names_in_threads),
		cmocka_unit_test(test_name_erange),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
