/* Sanitising: no CR, LF or NUL ever reaches a header or a log line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "escape.h"

static void
test_escapes(void **state)
{
	static const struct { const char *in; size_t len; const char *out; } cases[] = {
		{ "/var/www/site", 13, "/var/www/site" },
		{ "/tmp/evil\nX-Mailorigin-Uid: 0", 29, "/tmp/evil\\nX-Mailorigin-Uid: 0" },
		{ "a\r\nb", 4, "a\\r\\nb" },
		{ "nul\0byte", 8, "nul\\x00byte" },
		{ "tab\tback\\slash", 14, "tab\\tback\\\\slash" },
		{ "caf\xc3\xa9", 5, "caf\\xc3\\xa9" },
		{ "\x7f\x1b[2J", 5, "\\x7f\\x1b[2J" },
		{ "", 0, "" },
	};
	char out[300];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = mo_escape(out, sizeof(out), MO_HEADER_VALUE_MAX, cases[i].in, cases[i].len);
		assert_string_equal(cases[i].out, out);
		assert_int_equal(strlen(cases[i].out), n);
	}
}

static void
test_cut(void **state)
{
	char in[1000], out[MO_HEADER_VALUE_MAX + 8];
	size_t n, i;

	(void)state;
	memset(in, 'a', sizeof(in));
	n = mo_escape(out, sizeof(out), MO_HEADER_VALUE_MAX, in, sizeof(in));
	assert_int_equal(MO_HEADER_VALUE_MAX, n);
	assert_string_equal("...", out + n - 3);
	/* a cut never splits an escape: all newlines */
	memset(in, '\n', sizeof(in));
	n = mo_escape(out, sizeof(out), MO_HEADER_VALUE_MAX, in, sizeof(in));
	assert_true(n <= MO_HEADER_VALUE_MAX);
	assert_string_equal("...", out + n - 3);
	for (i = 0; i + 3 < n; i += 2)
		assert_memory_equal("\\n", out + i, 2);
	/* exactly at the bound: not cut */
	memset(in, 'b', MO_HEADER_VALUE_MAX);
	n = mo_escape(out, sizeof(out), MO_HEADER_VALUE_MAX, in, MO_HEADER_VALUE_MAX);
	assert_int_equal(MO_HEADER_VALUE_MAX, n);
	assert_int_equal('b', out[n - 1]);
}

static void
test_log_line(void **state)
{
	struct mo_line l;

	(void)state;
	mo_line_init(&l);
	mo_line_kv(&l, "id", "00ab");
	mo_line_kvu(&l, "uid", 33);
	mo_line_kv(&l, "cwd", "/srv/my site\n\"x\"");
	mo_line_kv(&l, "from", NULL);
	mo_line_kv(&l, "to", "a@b.c");
	mo_line_kvn(&l, "nul", "a\0b", 3);
	assert_string_equal("id=00ab uid=33 cwd=\"/srv/my site\\n\\\"x\\\"\" from=\"\" to=a@b.c nul=\"a\\x00b\"", l.buf);
	assert_null(strchr(l.buf, '\n'));
}

static void
test_log_line_full(void **state)
{
	struct mo_line l;
	char big[600];
	int i, rc = 0;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mo_line_init(&l);
	for (i = 0; i < 20 && rc == 0; i++)
		rc = mo_line_kv(&l, "k", big);
	assert_int_equal(-1, rc);
	assert_true(l.len < sizeof(l.buf));
	assert_int_equal(l.len, strlen(l.buf));
}

/* A field that does not fit is left out alone: a shorter one after it
 * still goes in, and the line ends with cut= naming what was left out. */
static void
test_log_line_cut(void **state)
{
	struct mo_line l;
	char big[600];
	int i;

	(void)state;
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	mo_line_init(&l);
	for (i = 0; i < 7; i++)
		assert_int_equal(0, mo_line_kv(&l, "k", big));
	assert_int_equal(-1, mo_line_kv(&l, "big", big));
	assert_int_equal(0, mo_line_kv(&l, "rule", "uid:33"));
	assert_int_equal(-1, mo_line_kv(&l, "more", big));
	assert_non_null(strstr(l.buf, " rule=uid:33 cut=big,more"));
	assert_true(l.len < sizeof(l.buf));
	assert_int_equal(l.len, strlen(l.buf));
	assert_string_equal(l.buf + l.len - strlen("cut=big,more"), "cut=big,more");
}

/* The long fields keep MO_LINE_RESERVE bytes for the decision after them;
 * five long values at their worst (every byte escaped to 4) and 500 bytes
 * of short fields always fit before them. */
static void
test_log_line_reserve(void **state)
{
	char ctl[600], rule[112], s[8];
	struct mo_line l;
	int i;

	(void)state;
	memset(ctl, 1, sizeof(ctl) - 1);
	ctl[sizeof(ctl) - 1] = '\0';
	memset(rule, 1, sizeof(rule) - 1);
	rule[sizeof(rule) - 1] = '\0';
	memcpy(rule, "vhost:", 6);
	mo_line_init(&l);
	for (i = 0; i < 50; i++) {
		snprintf(s, sizeof(s), "s%02d", i);
		mo_line_kv(&l, s, "123456");
	}
	assert_true(l.len >= 500);
	assert_int_equal(0, mo_line_kv_long(&l, "vhost", ctl));
	assert_int_equal(0, mo_line_kv_long(&l, "script", ctl));
	assert_int_equal(0, mo_line_kv_long(&l, "from", ctl));
	assert_int_equal(0, mo_line_kv_long(&l, "msgid", ctl));
	assert_int_equal(0, mo_line_kv_long(&l, "fault", ctl));
	for (i = 0; i < 8; i++)
		mo_line_kv_long(&l, "cwd", ctl);
	assert_int_equal(0, mo_line_kv(&l, "rule", rule));
	assert_int_equal(0, mo_line_kv(&l, "window", "1000000/1000d recipients"));
	assert_int_equal(0, mo_line_kvu(&l, "first", 1));
	assert_int_equal(0, mo_line_kv(&l, "hold_error", "Disk quota exceeded (and more)"));
	assert_int_equal(0, mo_line_kv(&l, "limit", "18446744073709551615"));
	assert_true(l.full);
	assert_string_equal(l.buf + l.len - strlen(" cut=cwd,cwd,cwd,cwd,cwd,cwd,cwd,cwd"),
	    " cut=cwd,cwd,cwd,cwd,cwd,cwd,cwd,cwd");
	assert_int_equal(l.len, strlen(l.buf));
	/* the marker itself is bounded: ever more keys end it with "+" */
	for (i = 0; i < 40; i++)
		mo_line_kv_long(&l, "php_cmdline", ctl);
	assert_int_equal('+', l.buf[l.len - 1]);
	assert_true(l.len < sizeof(l.buf));
	assert_int_equal(l.len, strlen(l.buf));
}

/* fault= written among the first fields (as the milter and the qmail
 * front end do) stays on the line whatever the long fields after it, and
 * the decision after them still fits (review S3-14: after eight long
 * fields, fault= was the one left out) */
static void
test_log_line_fault_first(void **state)
{
	char ctl[600], rule[112];
	const char *keys[] = { "sasl", "vhost", "script", "from", "msgid", "file", "function", "wait" };
	struct mo_line l;
	const char *f;
	size_t i;

	(void)state;
	memset(ctl, 1, sizeof(ctl) - 1);
	ctl[sizeof(ctl) - 1] = '\0';
	memset(rule, 1, sizeof(rule) - 1);
	rule[sizeof(rule) - 1] = '\0';
	mo_line_init(&l);
	mo_line_kv(&l, "id", "0123456789abcdef");
	mo_line_kv(&l, "action", "hold");
	mo_line_kv(&l, "client", "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	assert_int_equal(0, mo_line_kv_fault(&l, ctl));
	assert_non_null(f = strstr(l.buf, " fault=\""));
	assert_true(strcspn(f + 8, "\"") <= MO_LINE_FAULT_MAX);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		mo_line_kv_long(&l, keys[i], ctl);
	mo_line_kv(&l, "memory", "the worker is gone");
	for (i = 0; i < 8; i++)
		mo_line_kv_long(&l, "cwd", ctl);
	assert_int_equal(0, mo_line_kv(&l, "rule", rule));
	assert_int_equal(0, mo_line_kv(&l, "window", "1000000/1000d recipients"));
	assert_int_equal(0, mo_line_kvu(&l, "first", 1));
	assert_int_equal(0, mo_line_kv(&l, "hold_error", "Disk quota exceeded (and more)"));
	assert_true(l.full);
	assert_null(strstr(l.cut, "fault"));
	assert_non_null(strstr(l.buf, " fault=\""));
	assert_true(l.len < sizeof(l.buf));
	assert_int_equal(l.len, strlen(l.buf));
}

/* A record is never cut, whatever its length. */
static void
test_record(void **state)
{
	char in[3000], out[4 * 3000 + 16];
	size_t n;

	(void)state;
	memset(in, 'r', sizeof(in));
	in[1500] = '\n';
	n = mo_escape_record(out, "arg", in, sizeof(in));
	assert_int_equal(strlen("arg=\"\"\n") + sizeof(in) + 1, n);
	assert_int_equal('\n', out[n - 1]);
	assert_null(strstr(out, "..."));
	n = mo_escape_record(out, "arg", "-t", 2);
	assert_string_equal("arg=-t\n", out);
	n = mo_escape_record(out, "arg", "", 0);
	assert_string_equal("arg=\"\"\n", out);
}

/* syslog, caught (the fortified entry point too): what a fault sends */
static char logged[2048];
static int logged_pri;

void __syslog_chk(int pri, int flag, const char *fmt, ...);
void syslog(int pri, const char *fmt, ...);

void
__syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	logged_pri = pri;
	va_start(ap, fmt);
	vsnprintf(logged, sizeof(logged), fmt, ap);
	va_end(ap);
}

void
syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	logged_pri = pri;
	va_start(ap, fmt);
	vsnprintf(logged, sizeof(logged), fmt, ap);
	va_end(ap);
}

static void
fault(char *list, size_t listsz, char *msg, size_t msgsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mo_fault_vadd(list, listsz, msg, msgsz, fmt, ap);
	va_end(ap);
}

/* A fault's text may quote an SMTP client's bytes: syslog gets them escaped,
 * so no newline forges a line; the list keeps them for mo_line_kv(). */
static void
test_fault_escaped(void **state)
{
	char list[64] = "", msg[200];

	(void)state;
	fault(list, sizeof(list), msg, sizeof(msg), "cannot delete header %s",
	    "X-Mailorigin-Uid\nmailorigin: action=pass uid=0");
	assert_int_equal(logged_pri, 3);                /* LOG_ERR */
	assert_string_equal(logged,
	    "fault: cannot delete header X-Mailorigin-Uid\\nmailorigin: action=pass uid=0");
	assert_null(strchr(logged, '\n'));
	assert_string_equal(msg, "cannot delete header X-Mailorigin-Uid\nmailorigin: action=pass uid=0");
	fault(list, sizeof(list), msg, sizeof(msg), "no sender %s", "\x1b[2J");
	assert_string_equal(logged, "fault: no sender \\x1b[2J");
	/* the list: "a; b", cut at its size */
	assert_int_equal(strlen(list), sizeof(list) - 1);
	assert_memory_equal(list, "cannot delete header X-Mailorigin-Uid\n", 38);
}

/* The log file's UTC stamp, computed without the time zone file: the
 * same as gmtime_r() and strftime() for every kind of day. */
static void
test_utc_stamp(void **state)
{
	static const time_t fixed[] = {
		0, 59, 86399, 86400, 951782400 /* 2000-02-29 */, 951868800 /* 2000-03-01 */,
		4107542399 /* 2100-02-28 23:59:59 */, 4107542400 /* 2100-03-01 */,
		1078012800 /* 2004-02-29 */, 1798761599 /* 2026-12-31 23:59:59 */,
		253402300799 /* 9999-12-31 23:59:59 */, -1, -86400, -86401,
	};
	char got[MO_UTC_STAMP_SIZE], want[64];
	uint64_t x = 88172645463325252ULL;
	struct tm tm;
	time_t t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]) + 100000; i++) {
		if (i < sizeof(fixed) / sizeof(fixed[0]))
			t = fixed[i];
		else {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			t = (time_t)(x % 253402300800ULL);      /* 1970 to 9999 */
		}
		assert_non_null(gmtime_r(&t, &tm));
		strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
		assert_string_equal(mo_utc_stamp(t, got), want);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_log_line),
		cmocka_unit_test(test_log_line_full),
		cmocka_unit_test(test_log_line_cut),
		cmocka_unit_test(test_log_line_reserve),
		cmocka_unit_test(test_log_line_fault_first),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_fault_escaped),
		cmocka_unit_test(test_utc_stamp),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
