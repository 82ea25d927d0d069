/* mailorigin-install's pure parts: durations, relative links, PHP ini
 * reading and the drop-in, the timer texts (systemd, at, cron: what
 * would be written on a machine that has them), the log count. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "install.h"

static void
test_duration(void **state)
{
	static const struct { const char *in; long long want; } ok[] = {
		{ "1h", 3600 }, { "90s", 90 }, { "30m", 1800 }, { "1h30m", 5400 },
		{ "2d", 172800 }, { "45", 45 }, { "1d2h3m4s", 93784 }, { "30d", 2592000 },
		{ "1.5h", 5400 },     /* the one grammar (lib/duration.h) */
	};
	static const char *const bad[] = {
		"", "h", "1x", "-1h", "0", "0s", "31d", "1h 30m", "99999999999999999999", "250ms",
	};
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
		assert_int_equal(ok[i].want, parse_duration(ok[i].in, &why));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		assert_int_equal(-1, parse_duration(bad[i], &why));
		assert_non_null(why);
	}
}

static void
test_rel_link(void **state)
{
	static const struct { const char *from, *to, *want; } cases[] = {
		{ "/usr/sbin/sendmail", "/usr/local/sbin/mailorigin-sendmail", "../local/sbin/mailorigin-sendmail" },
		{ "/usr/sbin/sendmail", "/usr/sbin/mailorigin-sendmail", "mailorigin-sendmail" },
		{ "/var/qmail/bin/sendmail", "/usr/local/sbin/w", "../../../usr/local/sbin/w" },
		{ "/usr/lib/sendmail", "/usr/sbin/w", "../sbin/w" },
		{ "/usr/sbinx/a", "/usr/sbin/w", "../sbin/w" },   /* a common prefix is not a common folder */
	};
	char out[PATH_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(0, rel_link(out, sizeof(out), cases[i].from, cases[i].to));
		assert_string_equal(cases[i].want, out);
	}
	assert_int_equal(-1, rel_link(out, sizeof(out), "relative", "/x"));
	assert_int_equal(-1, rel_link(out, 5, "/a/b/c/d", "/x/y"));
}

static void
test_php_ini(void **state)
{
	static const struct { const char *text; int found; const char *want; } cases[] = {
		{ "[PHP]\n;sendmail_path =\n", 0, "" },
		{ "sendmail_path = /usr/sbin/sendmail -t -i\n", 1, "/usr/sbin/sendmail -t -i" },
		{ "sendmail_path = \"/usr/sbin/sendmail -t -i -fweb@x.org\"\n", 1, "/usr/sbin/sendmail -t -i -fweb@x.org" },
		{ "sendmail_path='/opt/msmtp -t' ; comment\n", 1, "/opt/msmtp -t" },
		{ "  sendmail_path = /a -t ; trailing comment\r\n", 1, "/a -t" },
		{ "sendmail_path = /first\nsendmail_path = /second -i\n", 1, "/second -i" },
		{ "sendmail_from = x@y\nmail.log = /tmp/x\n", 0, "" },
		{ "sendmail_path = /no/newline/at/end", 1, "/no/newline/at/end" },
	};
	char out[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		out[0] = '\0';
		assert_int_equal(cases[i].found, php_ini_sendmail_path(cases[i].text, out, sizeof(out)));
		assert_string_equal(cases[i].want, out);
	}
}

static void
test_dropin(void **state)
{
	char out[1024];

	(void)state;
	/* the flags the site had are kept; the binary becomes the wrapper */
	assert_true(php_dropin_text(out, sizeof(out), "/usr/local/sbin/mailorigin-sendmail",
	    "/usr/sbin/sendmail -t -i -fweb@example.org", "00ff") > 0);
	assert_non_null(strstr(out, "\nsendmail_path = \"/usr/local/sbin/mailorigin-sendmail -t -i -fweb@example.org\"\n"));
	assert_non_null(strstr(out, "; sendmail_path was: \"/usr/sbin/sendmail -t -i -fweb@example.org\"\n"));
	assert_non_null(strstr(out, "swap 00ff"));
	/* nothing set: PHP's own default */
	assert_true(php_dropin_text(out, sizeof(out), "/w", "", "1") > 0);
	assert_non_null(strstr(out, "\nsendmail_path = \"/w -t -i\"\n"));
	/* no flags at all */
	assert_true(php_dropin_text(out, sizeof(out), "/w", "/usr/sbin/sendmail", "1") > 0);
	assert_non_null(strstr(out, "\nsendmail_path = \"/w\"\n"));
	/* a quote cannot be carried into the ini value: refused, not mangled */
	assert_int_equal(-1, php_dropin_text(out, sizeof(out), "/w", "/s -f\"x\"", "1"));
	assert_int_equal(-1, php_dropin_text(out, 20, "/w", "/s -t", "1"));
}

static void
test_timers(void **state)
{
	char svc[1024], tmr[1024], at[32], cron[1024], want[64];
	time_t t = 1800000000;          /* 2027-01-15 08:00:00 UTC */
	struct tm tm;

	(void)state;
	assert_int_equal(0, unit_text(svc, sizeof(svc), tmr, sizeof(tmr), "/usr/local/sbin/mailorigin-install", "/", t));
	assert_non_null(strstr(svc, "\nType=oneshot\n"));
	assert_non_null(strstr(svc, "\nExecStart=/usr/local/sbin/mailorigin-install revert --expired --quiet\n"));
	assert_non_null(strstr(tmr, "\nOnCalendar=2027-01-15 08:00:00 UTC\n"));
	assert_non_null(strstr(tmr, "\nPersistent=true\n"));      /* fires at boot when missed */
	assert_non_null(strstr(tmr, "\nWantedBy=timers.target\n"));
	assert_int_equal(0, unit_text(svc, sizeof(svc), tmr, sizeof(tmr), "/x", "/srv/r", t));
	assert_non_null(strstr(svc, "\nExecStart=/x --root /srv/r revert --expired --quiet\n"));
	assert_int_equal(-1, unit_text(svc, 20, tmr, sizeof(tmr), "/x", "/", t));

	/* at -t takes local time */
	assert_int_equal(0, at_time(at, sizeof(at), t));
	localtime_r(&t, &tm);
	strftime(want, sizeof(want), "%Y%m%d%H%M.%S", &tm);
	assert_string_equal(want, at);
	assert_int_equal(15, strlen(at));

	assert_int_equal(0, cron_text(cron, sizeof(cron), "/usr/local/sbin/mailorigin-install", "/"));
	assert_non_null(strstr(cron, "\n* * * * * root [ -x /usr/local/sbin/mailorigin-install ] && "
	    "/usr/local/sbin/mailorigin-install revert --expired --quiet\n"));
}

static void
test_count_log(void **state)
{
	char path[] = "/tmp/mo-ut-log.XXXXXX";
	struct log_counts n;
	int fd;
	FILE *f;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	assert_non_null(f = fdopen(fd, "w"));
	/* 1700000000 is 2023-11-14T22:13:20Z */
	fputs("2023-11-14T22:13:19Z mailorigin[1]: id=a action=pass uid=1\n"    /* before */
	    "2023-11-14T22:13:20Z mailorigin[2]: id=b action=pass uid=1\n"
	    "2023-11-14T22:20:00Z mailorigin[3]: id=c action=hold uid=1\n"
	    "2023-11-14T22:20:00Z mailorigin[3]: fault without an id\n"
	    "2023-11-14T22:30:00Z mailorigin[4]: id=d action=tempfail uid=1\n"
	    "garbage line\n"
	    "2023-11-14T23:13:21Z mailorigin[5]: id=e action=pass uid=1\n",     /* after */
	    f);
	fclose(f);
	assert_int_equal(0, count_log(path, 1700000000, 1700003600, &n));
	assert_int_equal(3, n.total);
	assert_int_equal(1, n.pass);
	assert_int_equal(1, n.hold);
	assert_int_equal(1, n.other);
	assert_int_equal(0, count_log(path, 1700000000, 0, &n));   /* no window: up to now */
	assert_int_equal(4, n.total);
	unlink(path);
	assert_int_equal(-1, count_log(path, 0, 0, &n));
	assert_int_equal(0, n.readable);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_duration),
		cmocka_unit_test(test_rel_link),
		cmocka_unit_test(test_php_ini),
		cmocka_unit_test(test_dropin),
		cmocka_unit_test(test_timers),
		cmocka_unit_test(test_count_log),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
