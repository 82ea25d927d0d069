/* mta: the exec environment's allow-list, argv[0], and qmail's argv for
 * every spelling of the options it takes from the command line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "mta.h"
#include "options.h"

static char *const hostile_env[] = {
	"HOME=/home/u", "USER=u", "LOGNAME=u", "TZ=UTC", "LANG=C.UTF-8", "LC_ALL=C",
	"NAME=Jane Doe", "MAIL_CONFIG=/tmp/evil", "MAIL_DEBUG=1", "MAIL_VERBOSE=1",
	"MAIL_LOGTAG=postfix/smtpd", "LD_PRELOAD=/tmp/x.so", "LD_LIBRARY_PATH=/tmp",
	"LD_AUDIT=/tmp/a.so", "MALLOC_CHECK_=3", "MALLOC_ARENA_MAX=1", "GCONV_PATH=/tmp",
	"LOCPATH=/tmp", "NLSPATH=/tmp/%N", "HOSTALIASES=/tmp/h", "RESOLV_HOST_CONF=/tmp/r",
	"TMPDIR=/tmp", "PATH=/tmp/bin", "IFS=x", "ENV=/tmp/e", "BASH_ENV=/tmp/e",
	"PERL5LIB=/tmp", "PYTHONPATH=/tmp", "QMAILQUEUE=/tmp/q", "QMAILINJECT=f",
	"QMAILUSER=q", "MAILNAME=M", "MAILHOST=h", "MAILUSER=m", "NOEQUALS",
	"GLIBC_TUNABLES=glibc.malloc.check=3", NULL
};

static int
has(char **env, const char *entry)
{
	for (; *env; env++)
		if (strcmp(*env, entry) == 0)
			return 1;
	return 0;
}

static int
has_name(char **env, const char *prefix)
{
	for (; *env; env++)
		if (strncmp(*env, prefix, strlen(prefix)) == 0)
			return 1;
	return 0;
}

static void
check_never(char **env)
{
	static const char *const never[] = {
		"LD_", "MALLOC_", "GCONV_PATH=", "LOCPATH=", "NLSPATH=", "HOSTALIASES=",
		"RESOLV_HOST_CONF=", "TMPDIR=", "IFS=", "ENV=", "BASH_ENV=", "PERL5LIB=",
		"PYTHONPATH=", "MAIL_DEBUG=", "MAIL_VERBOSE=", "MAIL_LOGTAG=", "NOEQUALS",
		"GLIBC_TUNABLES=", "PATH=/tmp", NULL
	};
	size_t i;

	for (i = 0; never[i] != NULL; i++) {
		print_message("never: %s\n", never[i]);
		assert_false(has_name(env, never[i]));
	}
	assert_string_equal("PATH=/usr/sbin:/usr/bin:/sbin:/bin", env[0]);
}

static void
test_env_postfix(void **state)
{
	struct mo_config c;
	char **env;

	(void)state;
	mo_config_defaults(&c);
	c.mta_type = MO_MTA_POSTFIX;
	env = mo_exec_env(&c, hostile_env, NULL, 1000);
	assert_non_null(env);
	check_never(env);
	assert_true(has(env, "HOME=/home/u") && has(env, "USER=u") && has(env, "LOGNAME=u"));
	assert_true(has(env, "TZ=UTC") && has(env, "LANG=C.UTF-8") && has(env, "LC_ALL=C"));
	assert_true(has(env, "NAME=Jane Doe"));         /* issue 12 item 5 */
	assert_false(has_name(env, "MAIL_CONFIG="));    /* issue 11 finding 5 */
	assert_false(has_name(env, "QMAIL"));
	assert_false(has_name(env, "MAILNAME="));
	free(env);
	/* root chooses its config directory */
	env = mo_exec_env(&c, hostile_env, NULL, 0);
	assert_non_null(env);
	check_never(env);
	assert_true(has(env, "MAIL_CONFIG=/tmp/evil"));
	free(env);
}

static void
test_env_qmail(void **state)
{
	struct mo_config c;
	char *extra[] = { "MAILNAME=From -F", NULL };
	char **env;

	(void)state;
	mo_config_defaults(&c);
	c.mta_type = MO_MTA_QMAIL;
	env = mo_exec_env(&c, hostile_env, extra, 1000);
	assert_non_null(env);
	check_never(env);
	assert_false(has_name(env, "MAIL_CONFIG="));
	assert_false(has_name(env, "QMAILQUEUE="));
	assert_true(has(env, "QMAILINJECT=f") && has(env, "QMAILUSER=q") && has(env, "NAME=Jane Doe"));
	/* the command line's value wins, once */
	assert_true(has(env, "MAILNAME=From -F"));
	assert_false(has(env, "MAILNAME=M"));
	free(env);
}

static void
test_argv0(void **state)
{
	(void)state;
	assert_string_equal("sendmail", mo_exec_argv0("/usr/sbin/sendmail"));
	assert_string_equal("sendmail", mo_exec_argv0("sendmail"));
	assert_string_equal("mailq", mo_exec_argv0("/usr/bin/mailq"));
	assert_string_equal("newaliases", mo_exec_argv0("newaliases"));
	assert_string_equal("mailorigin-sendmail", mo_exec_argv0("/usr/local/sbin/mailorigin-sendmail"));
	assert_string_equal("sendmail", mo_exec_argv0(NULL));
	assert_string_equal("sendmail", mo_exec_argv0(""));
	assert_string_equal("sendmail", mo_exec_argv0("/usr/sbin/"));
	/* names other MTAs read as modes, and anything odd */
	assert_string_equal("sendmail", mo_exec_argv0("rsmtp"));
	assert_string_equal("sendmail", mo_exec_argv0("/x/smtpd"));
	assert_string_equal("sendmail", mo_exec_argv0("hoststat"));
	assert_string_equal("sendmail", mo_exec_argv0("send\nmail"));
	assert_string_equal("sendmail", mo_exec_argv0("sendmail\x1b[2J"));
}

/* qmail: qmail-inject -H|-a [-f sender] -- recipients, for each spelling */
struct qcase {
	const char	*argv[10];
	const char	*want;          /* "[a][b]..." after argv[0] */
	const char	*user, *host, *name;
};

static const struct qcase qcases[] = {
	{ { "sendmail", "-t", "-i", NULL }, "[-H][--]", NULL, NULL, NULL },
	{ { "sendmail", "-ti", NULL }, "[-H][--]", NULL, NULL, NULL },
	{ { "sendmail", "-i", "a@x", NULL }, "[-a][--][a@x]", NULL, NULL, NULL },
	{ { "sendmail", "-f", "s@d.example", "a@x", NULL }, "[-a][-f][s@d.example][--][a@x]",
	    "QMAILUSER=s", "QMAILHOST=d.example", NULL },
	{ { "sendmail", "-fs@d.example", "-t", NULL }, "[-H][-f][s@d.example][--]",
	    "QMAILUSER=s", "QMAILHOST=d.example", NULL },
	{ { "sendmail", "-r", "r@e.example", "a@x", NULL }, "[-a][-f][r@e.example][--][a@x]",
	    "QMAILUSER=r", "QMAILHOST=e.example", NULL },
	{ { "sendmail", "-rr@e.example", "a@x", NULL }, "[-a][-f][r@e.example][--][a@x]",
	    "QMAILUSER=r", "QMAILHOST=e.example", NULL },
	{ { "sendmail", "-f", "first@x", "-f", "last", "a@x", NULL }, "[-a][-f][last][--][a@x]",
	    "QMAILUSER=last", NULL, NULL },
	{ { "sendmail", "-F", "Jane Doe", "-t", NULL }, "[-H][--]", NULL, NULL, "MAILNAME=Jane Doe" },
	{ { "sendmail", "-FCronDaemon", "-odi", "-oem", "-oi", "-t", NULL }, "[-H][--]",
	    NULL, NULL, "MAILNAME=CronDaemon" },
	{ { "sendmail", "-i", "--", "-dash@x", "b@y", NULL }, "[-a][--][-dash@x][b@y]", NULL, NULL, NULL },
	{ { "sendmail", "-t", "--", "extra@x", NULL }, "[-H][--][extra@x]", NULL, NULL, NULL },
	{ { "sendmail", "-B8BITMIME", "-N", "never", "-V", "env", "a@x", NULL }, "[-a][--][a@x]", NULL, NULL, NULL },
	{ { "sendmail", "-h", "17", "a@x", NULL }, "[-a][--][a@x]", NULL, NULL, NULL },
};

static const char *
find(char *const *env, const char *prefix)
{
	for (; *env; env++)
		if (strncmp(*env, prefix, strlen(prefix)) == 0)
			return *env;
	return NULL;
}

static void
test_qmail_argv(void **state)
{
	struct mo_config c;
	size_t i;

	(void)state;
	mo_config_defaults(&c);
	c.mta_type = MO_MTA_QMAIL;
	assert_int_equal(0, mo_config_set_path(&c, &c.mta_path, "/var/qmail/bin/qmail-inject"));
	for (i = 0; i < sizeof(qcases) / sizeof(qcases[0]); i++) {
		const struct qcase *q = &qcases[i];
		char *argv[10], got[512] = "";
		struct mo_args a;
		struct mo_exec x;
		int argc = 0, k;
		const char *v;

		while (q->argv[argc] != NULL) {
			argv[argc] = (char *)q->argv[argc];
			argc++;
		}
		argv[argc] = NULL;
		print_message("qcase %zu: %s\n", i, q->want);
		assert_int_equal(0, mo_args_classify(argc, argv, &a));
		assert_int_equal(0, mo_exec_build(&x, &c, &a, argc, argv, hostile_env, 1000));
		assert_string_equal("/var/qmail/bin/qmail-inject", x.argv[0]);
		for (k = 1; x.argv[k] != NULL; k++) {
			strcat(got, "[");
			strcat(got, x.argv[k]);
			strcat(got, "]");
		}
		assert_string_equal(q->want, got);
		v = find(x.envp, "QMAILUSER=");
		if (q->user != NULL)
			assert_string_equal(q->user, v);
		else
			assert_string_equal("QMAILUSER=q", v);  /* the caller's own */
		v = find(x.envp, "QMAILHOST=");
		if (q->host != NULL)
			assert_string_equal(q->host, v);
		v = find(x.envp, "MAILNAME=");
		assert_string_equal(q->name != NULL ? q->name : "MAILNAME=M", v);
		check_never(x.envp);
		mo_exec_free(&x);
	}
}

/* Postfix: argv unchanged but argv[0], the name the caller used. */
static void
test_postfix_argv(void **state)
{
	char a0[] = "/usr/sbin/sendmail", a1[] = "-oi", a2[] = "-t";
	char *argv[] = { a0, a1, a2, NULL };
	struct mo_config c;
	struct mo_args a;
	struct mo_exec x;

	(void)state;
	mo_config_defaults(&c);
	assert_int_equal(0, mo_config_set_path(&c, &c.mta_path, "/usr/sbin/sendmail.mailorigin-real"));
	assert_int_equal(0, mo_args_classify(3, argv, &a));
	assert_int_equal(0, mo_exec_build(&x, &c, &a, 3, argv, hostile_env, 1000));
	assert_string_equal("sendmail", x.argv[0]);
	assert_ptr_equal(a1, x.argv[1]);
	assert_ptr_equal(a2, x.argv[2]);
	assert_null(x.argv[3]);
	check_never(x.envp);
	mo_exec_free(&x);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_postfix),
		cmocka_unit_test(test_env_qmail),
		cmocka_unit_test(test_argv0),
		cmocka_unit_test(test_qmail_argv),
		cmocka_unit_test(test_postfix_argv),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
