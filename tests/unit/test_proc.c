/* lib/proc: one table of real command lines, named once for the wrapper
 * (lib/origin.c) and the tracer (tracer/scan.c): the SAPI and its pool,
 * the interpreter and the script it runs; and the stat parser. */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "proc.h"

#define A(s) s, sizeof(s) - 1

static const struct {
	const char *comm, *argv;
	size_t len;
	const char *exe;
	enum mo_sapi sapi;
	const char *extra;
	enum mo_interp interp;
	const char *script;             /* with cwd "/w"; NULL: none */
} cases[] = {
	{ "php", A("php\0/srv/my site/x.php\0"), "/usr/bin/php8.2", MO_SAPI_CLI, "",
	  MO_INTERP_PHP, "/srv/my site/x.php" },
	{ "php", A("php\0-f/srv/a.php\0"), "", MO_SAPI_CLI, "", MO_INTERP_PHP, "/srv/a.php" },
	{ "php", A("php\0-f\0/srv/a.php\0--\0-x\0"), "", MO_SAPI_CLI, "", MO_INTERP_PHP, "/srv/a.php" },
	{ "php8.2", A("php8.2\0-d\0memory_limit=1G\0-d\0display_errors=1\0x.php\0a\0"), "",
	  MO_SAPI_CLI, "", MO_INTERP_PHP, "/w/x.php" },
	{ "php", A("php\0-dfoo=1\0-n\0x.php\0"), "", MO_SAPI_CLI, "", MO_INTERP_PHP, "/w/x.php" },
	{ "php", A("php\0-nf\0x.php\0"), "", MO_SAPI_CLI, "", MO_INTERP_PHP, "/w/x.php" },
	{ "php8.2", A("php8.2\0-c\0/etc/php.ini\0-n\0/srv/c.php\0"), "", MO_SAPI_CLI, "",
	  MO_INTERP_PHP, "/srv/c.php" },
	{ "php", A("php\0--define\0a=b\0--php-ini\0/x.ini\0/s.php\0"), "", MO_SAPI_CLI, "",
	  MO_INTERP_PHP, "/s.php" },
	{ "php", A("php\0--file\0/s.php\0"), "", MO_SAPI_CLI, "", MO_INTERP_PHP, "/s.php" },
	{ "php", A("php\0--\0a\0"), "", MO_SAPI_CLI, "", MO_INTERP_PHP, NULL },
	{ "php", A("php\0-r\0mail('a','b','c');\0"), "", MO_SAPI_CLI, "", MO_INTERP_PHP, NULL },
	{ "php", A("php\0"), "", MO_SAPI_CLI, "", MO_INTERP_PHP, NULL },
	{ "php", A("php\0-f\0"), "", MO_SAPI_CLI, "", MO_INTERP_PHP, NULL },
	{ "php-cgi8.2", A("/usr/bin/php-cgi8.2\0"), "/usr/bin/php-cgi8.2", MO_SAPI_CGI, "",
	  MO_INTERP_NONE, NULL },
	{ "php-fpm8.2", A("php-fpm: pool www                 \0"), "", MO_SAPI_FPM, "www",
	  MO_INTERP_NONE, NULL },
	{ "php-fpm8.2", A("php-fpm: pool my-site\0\0\0"), "/usr/sbin/php-fpm8.2", MO_SAPI_FPM,
	  "my-site", MO_INTERP_NONE, NULL },
	{ "php-fpm8.2", A("php-fpm: master process (/etc/php/8.2/fpm/php-fpm.conf)\0"), "",
	  MO_SAPI_FPM_MASTER, "/etc/php/8.2/fpm/php-fpm.conf", MO_INTERP_NONE, NULL },
	{ "php-fpm8.2", A(""), "", MO_SAPI_FPM, "", MO_INTERP_NONE, NULL },
	{ "apache2", A("/usr/sbin/apache2\0-k\0start\0"), "", MO_SAPI_HTTPD, "", MO_INTERP_NONE, NULL },
	{ "httpd", A("/usr/sbin/httpd\0-DFOREGROUND\0"), "/usr/sbin/httpd", MO_SAPI_HTTPD, "",
	  MO_INTERP_NONE, NULL },
	{ "httpd-prefork", A("httpd-prefork\0"), "", MO_SAPI_HTTPD, "", MO_INTERP_NONE, NULL },
	{ "git-send-emai", A("/usr/bin/perl\0/usr/lib/git-core/git-send-email\0--to\0x@y\0p.patch\0"),
	  "/usr/bin/perl", MO_SAPI_UNKNOWN, "", MO_INTERP_PERL, "/usr/lib/git-core/git-send-email" },
	{ "perl", A("perl\0-w\0-I\0/lib\0-Mstrict\0-T\0x.pl\0"), "", MO_SAPI_UNKNOWN, "",
	  MO_INTERP_PERL, "/w/x.pl" },
	{ "perl", A("perl\0-ne\0print\0f\0"), "", MO_SAPI_UNKNOWN, "", MO_INTERP_PERL, NULL },
	{ "python3.11", A("/usr/bin/python3.11\0-u\0/srv/send.py\0"), "/usr/bin/python3.11",
	  MO_SAPI_UNKNOWN, "", MO_INTERP_PYTHON, "/srv/send.py" },
	{ "python3", A("python3\0-W\0ignore\0-X\0dev\0s.py\0"), "", MO_SAPI_UNKNOWN, "",
	  MO_INTERP_PYTHON, "/w/s.py" },
	{ "python3", A("python3\0-m\0smtplib\0"), "", MO_SAPI_UNKNOWN, "", MO_INTERP_PYTHON, NULL },
	{ "python3", A("python3\0-c\0import os\0"), "", MO_SAPI_UNKNOWN, "", MO_INTERP_PYTHON, NULL },
	{ "ruby", A("ruby\0-I\0lib\0-rjson\0s.rb\0"), "", MO_SAPI_UNKNOWN, "", MO_INTERP_RUBY, "/w/s.rb" },
	{ "node", A("node\0--require\0dotenv/config\0--max-old-space-size=64\0/srv/a.js\0"), "",
	  MO_SAPI_UNKNOWN, "", MO_INTERP_NODE, "/srv/a.js" },
	{ "node", A("node\0-e\0require('x')\0"), "", MO_SAPI_UNKNOWN, "", MO_INTERP_NODE, NULL },
	{ "bash", A("/bin/bash\0/srv/x.sh\0arg\0"), "/usr/bin/bash", MO_SAPI_UNKNOWN, "",
	  MO_INTERP_SH, "/srv/x.sh" },
	{ "sh", A("sh\0-e\0-o\0pipefail\0./x.sh\0"), "/usr/bin/dash", MO_SAPI_UNKNOWN, "",
	  MO_INTERP_SH, "/w/./x.sh" },
	{ "sh", A("sh\0-c\0/usr/sbin/sendmail -t -i\0"), "/usr/bin/dash", MO_SAPI_UNKNOWN, "",
	  MO_INTERP_SH, NULL },
	{ "bash", A("bash\0"), "", MO_SAPI_UNKNOWN, "", MO_INTERP_SH, NULL },
	{ "sendmail", A("/bin/sh\0/tmp/sendmail\0-t\0-i\0"), "/usr/bin/dash", MO_SAPI_MAIL,
	  "sendmail", MO_INTERP_SH, "/tmp/sendmail" },
	{ "mailorigin-send", A("mailorigin-sendmail\0-t\0"), "", MO_SAPI_MAIL,
	  "mailorigin-sendmail", MO_INTERP_NONE, NULL },
	{ "qmail-inject", A("qmail-inject\0"), "", MO_SAPI_MAIL, "qmail-inject", MO_INTERP_NONE, NULL },
	{ "postdrop", A("postdrop\0-r\0"), "", MO_SAPI_MAIL, "postdrop", MO_INTERP_NONE, NULL },
	{ "phpunit", A("phpunit\0"), "/usr/bin/phpunit", MO_SAPI_UNKNOWN, "", MO_INTERP_NONE, NULL },
	{ "cron", A("/usr/sbin/cron\0-f\0"), "/usr/sbin/cron", MO_SAPI_UNKNOWN, "",
	  MO_INTERP_NONE, NULL },
};

static void
test_table(void **state)
{
	char extra[PATH_MAX], out[PATH_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum mo_sapi s = mo_sapi_of(cases[i].comm, cases[i].argv, cases[i].len,
		    cases[i].exe, extra, sizeof(extra));
		enum mo_interp in = mo_interp_of(cases[i].comm, cases[i].argv, cases[i].len,
		    cases[i].exe);
		int rc = mo_interp_script(in, cases[i].argv, cases[i].len, "/w", out, sizeof(out));

		print_message("case %zu: %s -> %s %s\n", i, cases[i].comm, mo_sapi_name(s),
		    mo_interp_name(in));
		assert_int_equal(cases[i].sapi, s);
		assert_string_equal(cases[i].extra, extra);
		assert_int_equal(cases[i].interp, in);
		if (cases[i].script == NULL)
			assert_int_equal(-1, rc);
		else {
			assert_int_equal(0, rc);
			assert_string_equal(cases[i].script, out);
		}
	}
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal("httpd", mo_sapi_name(MO_SAPI_HTTPD));
	assert_string_equal("mod_php", mo_sapi_name(MO_SAPI_MOD_PHP));
	assert_string_equal("fpm", mo_sapi_name(MO_SAPI_FPM));
	assert_string_equal("unknown", mo_sapi_name(MO_SAPI_UNKNOWN));
	assert_string_equal("unknown", mo_sapi_name((enum mo_sapi)99));
	assert_string_equal("perl", mo_interp_name(MO_INTERP_PERL));
}

static void
test_sh_command(void **state)
{
	const char a[] = "sh\0-c\0php /srv/cron.php\0", b[] = "bash\0-ec\0echo hi | mail x\0",
	    c[] = "sh\0/x.sh\0", d[] = "sh\0-c\0--\0cmd\0";

	(void)state;
	assert_string_equal("php /srv/cron.php", mo_sh_command(a, sizeof(a) - 1));
	assert_string_equal("echo hi | mail x", mo_sh_command(b, sizeof(b) - 1));
	assert_null(mo_sh_command(c, sizeof(c) - 1));
	assert_string_equal("cmd", mo_sh_command(d, sizeof(d) - 1));
	assert_true(mo_is_launcher("nice"));
	assert_false(mo_is_launcher("perl"));
	assert_true(mo_is_cron("CRON"));
	/* a command line without its last NUL (rewritten argv): words stay
	 * inside it (found by fuzz_proc under ASan) */
	{
		const char raw[] = { 's', 'h', 0, '-', 'c', 0, 'l', 's' };
		const char php[] = { 'p', 'h', 'p', 0, '/', 'x', '.', 'p', 'h', 'p' };
		char out[64];
		assert_string_equal("ls", mo_sh_command(raw, sizeof(raw)));
		assert_int_equal(0, mo_cli_script(php, sizeof(php), NULL, out, sizeof(out)));
		assert_string_equal("/x.php", out);
		assert_int_equal(MO_INTERP_SH, mo_interp_of("x", raw, sizeof(raw), ""));
	}
}

static void
test_stat(void **state)
{
	struct mo_stat st;

	(void)state;
	assert_int_equal(0, mo_proc_parse_stat("123 (a) b) c) S 45 123 123 0 -1 4194560 "
	    "0 0 0 0 0 0 0 0 20 0 1 0 98765 1 2 3", &st));
	assert_string_equal("a) b) c", st.comm);
	assert_int_equal(123, st.pid);
	assert_int_equal(45, st.ppid);
	assert_int_equal('S', st.state);
	assert_int_equal(98765, st.starttime);
	assert_int_equal(-1, mo_proc_parse_stat("123 no parens", &st));
	assert_int_equal(-1, mo_proc_parse_stat("123 (x) S 1 2", &st));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_sh_command),
		cmocka_unit_test(test_stat),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
