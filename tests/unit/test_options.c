/* The sendmail option table, over the spellings real callers use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "options.h"

struct ocase {
	const char	*argv[16];
	int		 rc, submission, extract;
	const char	*sender, *fullname, *file_option, *mode;
	int		 nrcpt_args;
	unsigned long	 argv_rcpts;
};

static const struct ocase cases[] = {
	/* PHP: sendmail_path "sendmail -t -i", plus a 5th-argument -f repeating one */
	{ { "sendmail", "-t", "-i", NULL }, 0, 1, 1, NULL, NULL, NULL, NULL, 0, 0 },
	{ { "sendmail", "-t", "-i", "-fa@x", "-f", "b@y", NULL }, 0, 1, 1, "b@y", NULL, NULL, NULL, 0, 0 },
	/* cron */
	{ { "sendmail", "-FCronDaemon", "-i", "-odi", "-oem", "-oi", "-t", NULL }, 0, 1, 1, NULL, "CronDaemon", NULL, NULL, 0, 0 },
	{ { "sendmail", "-B8BITMIME", "-t", NULL }, 0, 1, 1, NULL, NULL, NULL, NULL, 0, 0 },
	/* PHPMailer */
	{ { "sendmail", "-oi", "-fme@x.org", "-t", NULL }, 0, 1, 1, "me@x.org", NULL, NULL, NULL, 0, 0 },
	/* mailx and friends: recipients in argv, -- */
	{ { "sendmail", "-i", "--", "a@x", "-b@y", NULL }, 0, 1, 0, NULL, NULL, NULL, NULL, 2, 2 },
	{ { "sendmail", "a@x", "b@y, c@z", NULL }, 0, 1, 0, NULL, NULL, NULL, NULL, 2, 3 },
	/* options stop at the first recipient, as Postfix (getopt "+") reads them */
	{ { "sendmail", "a@x", "-t", NULL }, 0, 1, 0, NULL, NULL, NULL, NULL, 2, 2 },
	{ { "sendmail", "-r", "bounce@x", "-N", "never", "-V", "env1", "-R", "hdrs", "a@x", NULL }, 0, 1, 0, "bounce@x", NULL, NULL, NULL, 1, 1 },
	{ { "sendmail", "-bm", "-Am", "a@x", NULL }, 0, 1, 0, NULL, NULL, NULL, NULL, 1, 1 },
	{ { "sendmail", "-Gimntvx", "-U", "-c", "-e", "q", "-h", "9", "-p", "smtp", "-L", "tag", NULL }, 0, 1, 1, NULL, NULL, NULL, NULL, 0, 0 },
	/* not a submission */
	{ { "sendmail", "-bp", NULL }, 0, 0, 0, NULL, NULL, NULL, "-bp", 0, 0 },
	{ { "sendmail", "-bs", NULL }, 0, 0, 0, NULL, NULL, NULL, "-bs", 0, 0 },
	/* -bv enqueues a message (with a report): a submission, as Postfix reads it */
	{ { "sendmail", "-bv", "a@x", NULL }, 0, 1, 0, NULL, NULL, NULL, NULL, 1, 1 },
	{ { "sendmail", "-bi", NULL }, 0, 0, 0, NULL, NULL, NULL, "-bi", 0, 0 },
	{ { "sendmail", "-I", NULL }, 0, 0, 0, NULL, NULL, NULL, "-I", 0, 0 },
	{ { "sendmail", "-q", NULL }, 0, 0, 0, NULL, NULL, NULL, "-q", 0, 0 },
	{ { "sendmail", "-q1h", NULL }, 0, 0, 0, NULL, NULL, NULL, "-q1h", 0, 0 },
	{ { "sendmail", "-qRexample.com", NULL }, 0, 0, 0, NULL, NULL, NULL, "-qRexample.com", 0, 0 },
	{ { "/usr/bin/mailq", NULL }, 0, 0, 0, NULL, NULL, NULL, "mailq", 0, 0 },
	{ { "newaliases", NULL }, 0, 0, 0, NULL, NULL, NULL, "newaliases", 0, 0 },
	/* the last mode wins, as in Postfix: these are submissions */
	{ { "sendmail", "-bp", "-bm", "-t", NULL }, 0, 1, 1, NULL, NULL, NULL, NULL, 0, 0 },
	{ { "sendmail", "-q", "-bm", "a@x", NULL }, 0, 1, 0, NULL, NULL, NULL, NULL, 1, 1 },
	{ { "sendmail", "-I", "-bm", "a@x", NULL }, 0, 1, 0, NULL, NULL, NULL, NULL, 1, 1 },
	{ { "sendmail", "-bh", "-bm", "a@x", NULL }, 0, 1, 0, NULL, NULL, NULL, NULL, 1, 1 },
	{ { "mailq", "-bm", "-t", NULL }, 0, 1, 1, NULL, NULL, NULL, NULL, 0, 0 },
	{ { "sendmail", "-bm", "-bp", NULL }, 0, 0, 0, NULL, NULL, NULL, "-bp", 0, 0 },
	{ { "sendmail", "-bh", NULL }, 0, 0, 0, NULL, NULL, NULL, "-bh", 0, 0 },
	{ { "sendmail", "-bd", NULL }, 0, 0, 0, NULL, NULL, NULL, "-bd", 0, 0 },
	{ { "smtpd", NULL }, 0, 0, 0, NULL, NULL, NULL, "smtpd", 0, 0 },
	/* -q with an argument reads no message, whatever the mode */
	{ { "sendmail", "-qIABC123", NULL }, 0, 0, 0, NULL, NULL, NULL, "-qIABC123", 0, 0 },
	/* VERP: "-V xy" and -XV take no argument; -XV is not a file */
	{ { "sendmail", "-V", "+=", "a@x", NULL }, 0, 1, 0, NULL, NULL, NULL, NULL, 2, 2 },
	{ { "sendmail", "-V", "envid-123", "a@x", NULL }, 0, 1, 0, NULL, NULL, NULL, NULL, 1, 1 },
	{ { "sendmail", "-XV", "-t", NULL }, 0, 1, 1, NULL, NULL, NULL, NULL, 0, 0 },
	{ { "sendmail", "-XV+=", "-t", NULL }, 0, 1, 1, NULL, NULL, NULL, NULL, 0, 0 },
	/* "-V -bs": -bs is -V's argument (three characters), not a mode */
	{ { "sendmail", "-V", "-bs", NULL }, 0, 1, 0, NULL, NULL, NULL, NULL, 0, 0 },
	/* "-V -b a@x": -V is VERP (next word has two characters), then -b takes "a@x": an error in Postfix too */
	{ { "sendmail", "-V", "-b", "a@x", NULL }, -1, 0, 0, NULL, NULL, NULL, NULL, 0, 0 },
	/* options naming a file: the CVE-2016-10033 route */
	{ { "sendmail", "-t", "-i", "-fa@x", "-X/var/www/shell.php", NULL }, 0, 1, 1, "a@x", NULL, "-X", NULL, 0, 0 },
	{ { "sendmail", "-C", "/tmp/evil.cf", "-t", NULL }, 0, 1, 1, NULL, NULL, "-C", NULL, 0, 0 },
	{ { "sendmail", "-oQ/tmp/", "-t", NULL }, 0, 1, 1, NULL, NULL, "-oQ", NULL, 0, 0 },
	{ { "sendmail", "-OQueueDirectory=/tmp", "-oAx", NULL }, 0, 1, 0, NULL, NULL, "-O", NULL, 0, 0 },
	/* -X hidden after a flag cluster */
	{ { "sendmail", "-tiX/tmp/log", NULL }, 0, 1, 1, NULL, NULL, "-X", NULL, 0, 0 },
	/* usage errors */
	{ { "sendmail", "-z", NULL }, -1, 0, 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ { "sendmail", "-t", "-f", NULL }, -1, 0, 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ { "sendmail", "--help", NULL }, -1, 0, 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ { "sendmail", "-:", NULL }, -1, 0, 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ { "sendmail", "-bz", NULL }, -1, 0, 0, NULL, NULL, NULL, NULL, 0, 0 },
	{ { "sendmail", "-qX", NULL }, -1, 0, 0, NULL, NULL, NULL, NULL, 0, 0 },
};

static void
assert_str(const char *want, const char *got)
{
	if (want == NULL)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(want, got);
	}
}

static void
test_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ocase *c = &cases[i];
		struct mo_args a;
		char *argv[16];
		int argc = 0;

		while (c->argv[argc] != NULL) {
			argv[argc] = (char *)c->argv[argc];
			argc++;
		}
		argv[argc] = NULL;
		print_message("case %zu: %s %s\n", i, c->argv[0], c->argv[1] ? c->argv[1] : "");
		assert_int_equal(c->rc, mo_args_classify(argc, argv, &a));
		if (c->rc == -1) {
			assert_true(a.error[0] != '\0');
			continue;
		}
		assert_int_equal(c->submission, a.submission);
		assert_int_equal(c->extract, a.extract);
		assert_str(c->sender, a.sender);
		assert_str(c->fullname, a.fullname);
		assert_str(c->file_option, a.file_option);
		assert_str(c->mode, a.mode);
		assert_int_equal(c->nrcpt_args, a.nrcpt_args);
		assert_int_equal(c->mode != NULL && (strcmp(c->mode, "-bd") == 0 ||
		    strcmp(c->mode, "smtpd") == 0), a.bypass);
		assert_int_equal(c->argv_rcpts, a.argv_rcpts);
	}
}

/* The classifier must not touch argv: the MTA gets exactly what we got. */
static void
test_argv_untouched(void **state)
{
	char a0[] = "sendmail", a1[] = "-oi", a2[] = "-fme@x", a3[] = "--", a4[] = "r@y";
	char *argv[] = { a0, a1, a2, a3, a4, NULL };
	char *copy[6];
	struct mo_args a;

	(void)state;
	memcpy(copy, argv, sizeof(argv));
	assert_int_equal(0, mo_args_classify(5, argv, &a));
	assert_memory_equal(copy, argv, sizeof(argv));
	assert_string_equal("-fme@x", argv[2]);
	assert_int_equal(4, a.first_rcpt);
}

/* Issue 11 finding 5: every parser the MTA may run decides, not one. */
struct fcase {
	const char	*argv[12];
	const char	*label;         /* NULL: nothing names a file */
};

static const struct fcase fcases[] = {
	/* Postfix's -C pre-scan gives -V an argument and goes on */
	{ { "sendmail", "-V", "xy", "-C", "/tmp/cf", "a@x", NULL }, "-C" },
	{ { "sendmail", "-V", "xy", "-X", "/tmp/log", NULL }, "-X" },
	{ { "sendmail", "-V", "--", "-C", "/tmp/cf", NULL }, "-C" },
	{ { "sendmail", "-V", "-C", "/tmp/cf", NULL }, "-C" },
	{ { "sendmail", "-OQueueDirectory=/tmp", "-t", NULL }, "-O" },
	{ { "sendmail", "-O", "queuedirectory = /tmp", "-t", NULL }, "-O" },
	{ { "sendmail", "-OAliasFile=/tmp/a", NULL }, "-O" },
	{ { "sendmail", "-o", "Q/tmp", NULL }, "-oQ" },
	{ { "sendmail", "-oA/tmp/a", NULL }, "-oA" },
	{ { "sendmail", "-tCdir", NULL }, "-C" },
	{ { "sendmail", "-D", "/tmp/debug.log", NULL }, "-D" },
	/* Sendmail's -d takes an argument, Postfix's pre-scan reads on */
	{ { "sendmail", "-dC/tmp", NULL }, "-C" },
	{ { "sendmail", "-dA", "-C/tmp", NULL }, "-C" },
	{ { "sendmail", "-q", "-C/tmp", NULL }, "-C" },
	{ { "sendmail", "-X", "V+=", NULL }, "-X" },
	/* -q takes the rest of its word: a queue id, a site */
	{ { "sendmail", "-qX", NULL }, NULL },
	{ { "sendmail", "-qIDEADBEEF", NULL }, NULL },
	{ { "sendmail", "-qRC.example", NULL }, NULL },
	/* arguments and recipients are not options */
	{ { "sendmail", "-f", "-C@x", "a@x", NULL }, NULL },
	{ { "sendmail", "-F", "-Crazy Name", "a@x", NULL }, NULL },
	{ { "sendmail", "-t", "a@x", "-C", "/tmp", NULL }, NULL },
	{ { "sendmail", "-i", "--", "-C", "-X", NULL }, NULL },
	{ { "sendmail", "-XV", "-t", NULL }, NULL },
	{ { "sendmail", "-V", "+=", "a@x", NULL }, NULL },
	{ { "sendmail", "-FCronDaemon", "-i", "-odi", "-oem", "-oi", "-t", NULL }, NULL },
	{ { "sendmail", "-N", "delay,failure", "-R", "hdrs", "-Otimeout.queuereturn=1d", "a@x", NULL }, NULL },
};

static void
test_file_options(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fcases) / sizeof(fcases[0]); i++) {
		const struct fcase *c = &fcases[i];
		struct mo_args a;
		char *argv[12];
		int argc = 0;

		while (c->argv[argc] != NULL) {
			argv[argc] = (char *)c->argv[argc];
			argc++;
		}
		argv[argc] = NULL;
		print_message("fcase %zu: %s %s %s\n", i, argv[1], argc > 2 ? argv[2] : "",
		    argc > 3 ? argv[3] : "");
		assert_str(c->label, mo_args_file_option(argc, argv));
		mo_args_classify(argc, argv, &a);
		assert_str(c->label, a.file_option);
	}
}

/* Issue 12 item 3: Postfix's end of input: -i, and -o with an "i" first. */
static void
test_dot_ends(void **state)
{
	static const struct { const char *argv[6]; int dot; } d[] = {
		{ { "sendmail", "a@x", NULL }, 1 },
		{ { "sendmail", "-t", NULL }, 1 },
		{ { "sendmail", "-i", "a@x", NULL }, 0 },
		{ { "sendmail", "-ti", NULL }, 0 },
		{ { "sendmail", "-oi", "-t", NULL }, 0 },
		{ { "sendmail", "-oifalse", "-t", NULL }, 0 },
		{ { "sendmail", "-o", "i", "-t", NULL }, 0 },
		/* "false" is a recipient, as getopt reads it; -oi still counts */
		{ { "sendmail", "-oi", "false", NULL }, 0 },
		{ { "sendmail", "-oem", "-odb", "a@x", NULL }, 1 },
		{ { "sendmail", "a@x", "-i", NULL }, 1 },
		{ { "sendmail", "-f", "-i", "a@x", NULL }, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(d) / sizeof(d[0]); i++) {
		struct mo_args a;
		char *argv[6];
		int argc = 0;

		while (d[i].argv[argc] != NULL) {
			argv[argc] = (char *)d[i].argv[argc];
			argc++;
		}
		argv[argc] = NULL;
		print_message("dot case %zu\n", i);
		assert_int_equal(0, mo_args_classify(argc, argv, &a));
		assert_int_equal(d[i].dot, a.dot_ends);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_argv_untouched),
		cmocka_unit_test(test_file_options),
		cmocka_unit_test(test_dot_ends),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
