/* The -bs SMTP server over a table of sessions, and a transaction's argv. */
#include <sys/mman.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "smtpd.h"

/* what the fake submit saw: "sender>rcpt,rcpt|body" per transaction, ";"-separated */
struct seen {
	char	got[1 << 16];
	int	reply_code;     /* what submit answers */
};

static int
spool(void *ctx)
{
	(void)ctx;
	return memfd_create("spool", 0);
}

static void
submit(void *ctx, const struct mo_smtpd_txn *t, char *reply, size_t len)
{
	struct seen *s = ctx;
	char body[8192];
	ssize_t n;
	size_t i;

	strcat(s->got, t->sender);
	strcat(s->got, ">");
	for (i = 0; i < t->nrcpt; i++) {
		strcat(s->got, t->rcpts[i]);
		strcat(s->got, i + 1 < t->nrcpt ? "," : "");
	}
	strcat(s->got, "|");
	n = pread(t->fd, body, sizeof(body) - 1, 0);
	assert_true(n >= 0);
	assert_int_equal((unsigned long long)n, t->size);
	body[n] = '\0';
	strcat(s->got, body);
	strcat(s->got, ";");
	snprintf(reply, len, "%d 2.0.0 Ok: queued", s->reply_code);
}

/* the reply codes of out, space-separated ("250-" for continuations) */
static void
codes(const char *out, char *dst, size_t len)
{
	const char *p = out;

	dst[0] = '\0';
	while (*p) {
		size_t n = strlen(dst);
		snprintf(dst + n, len - n, "%s%.*s", n ? " " : "", p[3] == '-' ? 4 : 3, p);
		p = strstr(p, "\r\n");
		if (p == NULL)
			break;
		p += 2;
	}
}

struct scase {
	const char		*in;
	size_t			 inlen;
	const char		*codes;
	const char		*got;
	enum mo_smtpd_end	 end;
	unsigned long long	 size_max;
};

#define S(x) x, sizeof(x) - 1
#define EHLO "220 250- 250- 250- 250- 250- 250"
static const struct scase cases[] = {
	{ S("QUIT\r\n"), "220 221", "", MO_SMTPD_QUIT, 0 },
	{ S(""), "220", "", MO_SMTPD_EOF, 0 },
	/* a whole transaction, pipelined, dot-stuffing undone, CRLF -> LF */
	{ S("EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nDATA\r\n"
	    "S: 1\r\n\r\n..x\r\n.y\r\n...\r\n\r\n.\r\nQUIT\r\n"),
	  EHLO " 250 250 250 354 250 221", "a@b>c@d,e@f|S: 1\n\n.x\ny\n..\n\n;", MO_SMTPD_QUIT, 0 },
	/* bare LF ends lines and data; a lone CR stays; ".\r" then a byte */
	{ S("HELO x\nMAIL FROM:<>\nRCPT TO:<c@d>\nDATA\na\rb\n.\rz\n.\n"),
	  "220 250 250 250 354 250", ">c@d|a\rb\n\rz\n;", MO_SMTPD_EOF, 0 },
	/* RSET drops the transaction; RCPT without MAIL; DATA without RCPT */
	{ S("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRSET\r\nRCPT TO:<c@d>\r\nMAIL FROM:<x@y>\r\nDATA\r\n"),
	  "220 250 250 250 503 250 554", "", MO_SMTPD_EOF, 0 },
	/* two transactions */
	{ S("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n1\r\n.\r\nMAIL FROM:<e@f>\r\nRCPT TO:<g@h>\r\nDATA\r\n2\r\n.\r\n"),
	  "220 250 250 354 250 250 250 354 250", "a@b>c@d|1\n;e@f>g@h|2\n;", MO_SMTPD_EOF, 0 },
	/* nested MAIL, bad syntax, params */
	{ S("MAIL FROM:<a@b>\r\nMAIL FROM:<a@b>\r\nRSET\r\nMAIL <a@b>\r\nMAIL FROM:<a b>\r\n"
	    "MAIL FROM:<a@b> SIZE=x\r\nMAIL FROM:<a@b> WHAT=1\r\nMAIL FROM:<a@b> SIZE=101\r\n"
	    "MAIL FROM:<a@b> SIZE=100 BODY=8BITMIME\r\n"),
	  "220 250 503 250 501 501 501 555 552 250", "", MO_SMTPD_EOF, 100 },
	/* 8-bit addresses need SMTPUTF8 and valid UTF-8 */
	{ S("MAIL FROM:<\xc3\xa9@b>\r\nMAIL FROM:<\xc3@b> SMTPUTF8\r\nMAIL FROM:<\xc3\xa9@b> SMTPUTF8\r\n"
	    "RCPT TO:<\xc3\xa9@d>\r\nDATA\r\nx\r\n.\r\n"),
	  "220 553 553 250 250 354 250", "\xc3\xa9@b>\xc3\xa9@d|x\n;", MO_SMTPD_EOF, 0 },
	{ S("MAIL FROM:<a@b>\r\nRCPT TO:<\xc3\xa9@d>\r\nRCPT TO:<>\r\nRCPT TO:<a\x01@d>\r\n"),
	  "220 250 553 501 501", "", MO_SMTPD_EOF, 0 },
	/* a source route is dropped; a quoted local part kept */
	{ S("MAIL FROM:<@r1,@r2:a@b>\r\nRCPT TO:<\"x y\"@d>\r\nDATA\r\nz\r\n.\r\n"),
	  "220 250 250 354 250", "a@b>\"x y\"@d|z\n;", MO_SMTPD_EOF, 0 },
	/* the message over the bound: 552 after the data, nothing submitted */
	{ S("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n0123456789\r\n.\r\nNOOP\r\n"),
	  "220 250 250 354 552 250", "", MO_SMTPD_EOF, 8 },
	/* the end of input in DATA: nothing submitted */
	{ S("MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nhalf\r\n."),
	  "220 250 250 354", "", MO_SMTPD_LOST, 0 },
	/* NUL in a command; unknown and unimplemented commands; HELP VRFY NOOP */
	{ S("NO\0OP\r\nFROB\r\nSTARTTLS\r\nHELP\r\nVRFY a\r\nNOOP\r\nEHLO\r\n"),
	  "220 500 500 502 214 252 250 501", "", MO_SMTPD_EOF, 0 },
	/* 20 errors end the session */
	{ S("x\r\nx\r\nx\r\nx\r\nx\r\nx\r\nx\r\nx\r\nx\r\nx\r\nx\r\nx\r\nx\r\nx\r\nx\r\nx\r\nx\r\nx\r\nx\r\nx\r\nNOOP\r\n"),
	  "220 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 500 421", "",
	  MO_SMTPD_ERRORS, 0 },
};

static void
run(const char *in, size_t inlen, unsigned long long size_max, struct seen *s, char *out_codes,
    size_t len, enum mo_smtpd_end *end)
{
	char *out = NULL;
	size_t outlen = 0;
	int fd = memfd_create("in", 0);
	struct mo_smtpd d = { 0 };

	assert_true(fd >= 0);
	assert_int_equal(write(fd, in, inlen), (ssize_t)inlen);
	lseek(fd, 0, SEEK_SET);
	d.in = fd;
	d.out = open_memstream(&out, &outlen);
	d.hostname = "test";
	d.size_max = size_max ? size_max : MO_SMTPD_SIZE_MAX;
	d.timeout = 5;
	d.spool = spool;
	d.submit = submit;
	d.ctx = s;
	*end = mo_smtpd_serve(&d);
	fclose(d.out);
	codes(out, out_codes, len);
	free(out);
	close(fd);
}

static void
test_sessions(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct scase *c = &cases[i];
		struct seen *s = calloc(1, sizeof(*s));
		char got_codes[1024];
		enum mo_smtpd_end end;

		print_message("case %zu\n", i);
		s->reply_code = 250;
		run(c->in, c->inlen, c->size_max, s, got_codes, sizeof(got_codes), &end);
		assert_string_equal(c->codes, got_codes);
		assert_string_equal(c->got, s->got);
		assert_int_equal(c->end, end);
		free(s);
	}
}

/* A command line over the bound is dropped whole; a text line is not bounded. */
static void
test_long_lines(void **state)
{
	size_t n = 100000, k = 0;
	char *in = malloc(2 * n + 256), codes_got[256];
	struct seen *s = calloc(1, sizeof(*s));
	enum mo_smtpd_end end;

	(void)state;
	memset(in, 'x', MO_SMTPD_CMD_MAX);
	k = MO_SMTPD_CMD_MAX;
	k += (size_t)sprintf(in + k, "\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n");
	memset(in + k, 'L', 5000);
	k += 5000;
	k += (size_t)sprintf(in + k, "\r\n.\r\n");
	s->reply_code = 250;
	run(in, k, 0, s, codes_got, sizeof(codes_got), &end);
	assert_string_equal("220 500 250 250 354 250", codes_got);
	assert_int_equal(strlen(s->got), strlen("a@b>c@d|") + 5000 + 2);
	/* one byte under the bound is a command */
	memset(in, 'x', MO_SMTPD_CMD_MAX - 2);
	k = MO_SMTPD_CMD_MAX - 2;
	k += (size_t)sprintf(in + k, "\r\n");
	run(in, k, 0, s, codes_got, sizeof(codes_got), &end);
	assert_string_equal("220 500", codes_got);      /* "not recognized", not "too long" */
	free(in);
	free(s);
}

struct acase {
	const char	*argv[12];
	const char	*want;
};

static const struct acase acases[] = {
	{ { "sendmail", "-bs", NULL }, "[sendmail][-i][-f][s@x][--][r1][r2]" },
	{ { "sendmail", "-bs", "-i", NULL }, "[sendmail][-i][-i][-f][s@x][--][r1][r2]" },
	{ { "sendmail", "-FName", "-bs", "-N", "never", "-oi", NULL },
	  "[sendmail][-FName][-N][never][-oi][-i][-f][s@x][--][r1][r2]" },
	/* mode, sender, -t dropped with their arguments */
	{ { "sendmail", "-b", "s", "-f", "old@x", "-t", "-rother", "-C", "/etc/pf", NULL },
	  "[sendmail][-C][/etc/pf][-i][-f][s@x][--][r1][r2]" },
	/* a cluster with a dropped letter goes whole */
	{ { "sendmail", "-ibs", "-v", NULL }, "[sendmail][-v][-i][-f][s@x][--][r1][r2]" },
	/* argv recipients are the transaction's now */
	{ { "sendmail", "-bs", "--", "x@y", NULL }, "[sendmail][-i][-f][s@x][--][r1][r2]" },
	{ { "sendmail", "-bs", "old@y", NULL }, "[sendmail][-i][-f][s@x][--][r1][r2]" },
	/* -V xy keeps its delimiters, and what follows is still read */
	{ { "sendmail", "-V", "xy", "-bs", NULL }, "[sendmail][-V][xy][-i][-f][s@x][--][r1][r2]" },
	{ { "sendmail", "-V", "+=", "-bs", "-FName", NULL },
	  "[sendmail][-V][+=][-FName][-i][-f][s@x][--][r1][r2]" },
};

static void
test_argv(void **state)
{
	char *rcpts[] = { "r1", "r2" };
	struct mo_smtpd_txn t = { .sender = "s@x", .rcpts = rcpts, .nrcpt = 2 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(acases) / sizeof(acases[0]); i++) {
		char *argv[12], got[512] = "", **av;
		int argc = 0, ac, j;

		while (acases[i].argv[argc] != NULL) {
			argv[argc] = (char *)acases[i].argv[argc];
			argc++;
		}
		argv[argc] = NULL;
		av = mo_smtpd_argv(argc, argv, &t, &ac);
		assert_non_null(av);
		for (j = 0; j < ac; j++)
			snprintf(got + strlen(got), sizeof(got) - strlen(got), "[%s]", av[j]);
		assert_null(av[ac]);
		print_message("argv case %zu\n", i);
		assert_string_equal(acases[i].want, got);
		free(av);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sessions),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_argv),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
