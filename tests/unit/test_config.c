/* mailorigin.conf: a table of good and bad configs, trust checks, vhosts. */
#include <sys/stat.h>

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

static int
parse(const char *text, struct mo_config *c, char *err, size_t errlen)
{
	FILE *fp = fmemopen((void *)text, strlen(text), "r");
	int rc;

	assert_non_null(fp);
	mo_config_defaults(c);
	rc = mo_config_read(c, fp, "t.conf", err, errlen);
	fclose(fp);
	return rc;
}

static void
test_defaults(void **state)
{
	struct mo_config c;
	char err[512];

	(void)state;
	assert_int_equal(0, parse("", &c, err, sizeof(err)));
	assert_int_equal(MO_MTA_POSTFIX, c.mta_type);
	assert_string_equal("/usr/sbin/sendmail", c.mta_path);
	assert_string_equal(MO_STATE_DIR, c.state_dir);
	assert_string_equal("", c.log_file);
	assert_int_equal(1, c.log_syslog);
	assert_string_equal("X-Mailorigin-", c.header_prefix);
	mo_config_free(&c);
}

static void
test_good(void **state)
{
	struct mo_config c;
	char err[512];

	(void)state;
	assert_int_equal(0, parse(
	    "# full config\n"
	    "mta = { type = \"qmail\"; path = \"/var/qmail/bin/qmail-inject\"; };\n"
	    "state_dir = \"/srv/state\";\n"
	    "log = { file = \"/var/log/mo.log\"; syslog = false; };\n"
	    "headers = { prefix = \"X-Origin-\"; };\n"
	    "vhosts = ( { path = \"/var/www/vhosts/*/\"; },\n"
	    "           { path = \"/srv/special\"; name = \"special.example\"; } );\n",
	    &c, err, sizeof(err)));
	assert_int_equal(MO_MTA_QMAIL, c.mta_type);
	assert_string_equal("/var/qmail/bin/qmail-inject", c.mta_path);
	assert_string_equal("/srv/state", c.state_dir);
	assert_string_equal("/var/log/mo.log", c.log_file);
	assert_int_equal(0, c.log_syslog);
	assert_string_equal("X-Origin-", c.header_prefix);
	assert_int_equal(2, c.nvhosts);
	assert_int_equal(6, c.vhosts[0].line);
	mo_config_free(&c);

	/* qmail without a path gets qmail's place */
	assert_int_equal(0, parse("mta = { type = \"qmail\"; };", &c, err, sizeof(err)));
	assert_string_equal("/var/qmail/bin/qmail-inject", c.mta_path);
	/* mailorigin-qmail-queue's keys: defaults, then given */
	assert_string_equal("/var/qmail/bin/qmail-queue", c.qmail_queue);
	assert_string_equal("qmaild", c.qmail_smtpd_user);
	assert_string_equal("/run/mailorigin/lookup.sock", c.lookup_socket);
	assert_int_equal(0, c.qmail_remoteinfo_auth);   /* TCPREMOTEINFO: opt-in */
	mo_config_free(&c);
	assert_int_equal(0, parse("mta = { type = \"qmail\"; queue = \"/q/qq\"; smtpd_user = \"smtp\"; "
	    "lookup = \"/run/l.sock\"; remoteinfo_is_auth = true; };", &c, err, sizeof(err)));
	assert_int_equal(1, c.qmail_remoteinfo_auth);
	assert_string_equal("/q/qq", c.qmail_queue);
	assert_string_equal("smtp", c.qmail_smtpd_user);
	assert_string_equal("/run/l.sock", c.lookup_socket);
	mo_config_free(&c);
}

static void
test_bad(void **state)
{
	static const struct { const char *text, *want; } cases[] = {
		{ "mta = { type = \"exim\"; };", "t.conf:1: mta.type must be \"postfix\" or \"qmail\"" },
		{ "mta = { path = \"sendmail\"; };", "t.conf:1: path must be an absolute path" },
		{ "mta = { path = 3; };", "t.conf:1: path must be a string" },
		{ "mta = { queue = \"qmail-queue\"; };", "t.conf:1: queue must be an absolute path" },
		{ "mta = { remoteinfo_is_auth = \"yes\"; };", "t.conf:1: mta.remoteinfo_is_auth must be true or false" },
		{ "mta = { lookup = \"l.sock\"; };", "t.conf:1: lookup must be an absolute path" },
		{ "mta = \"postfix\";", "t.conf:1: mta must be a group" },
		{ "\n\nstat_dir = \"/x\";", "t.conf:3: unknown key \"stat_dir\"" },
		{ "mta = { typ = \"postfix\"; };", "t.conf:1: unknown key \"typ\" in mta" },
		{ "state_dir = \"relative\";", "t.conf:1: state_dir must be an absolute path" },
		{ "log = { syslog = \"yes\"; };", "t.conf:1: log.syslog must be true or false" },
		{ "headers = { prefix = \"\"; };", "t.conf:1: headers.prefix must not be empty" },
		{ "headers = { prefix = \"X Bad:\"; };", "t.conf:1: headers.prefix \"X Bad:\" may hold only" },
		{ "vhosts = ( { path = \"/srv/site\"; } );", "t.conf:1: vhosts path \"/srv/site\" has no \"*\"" },
		{ "vhosts = ( { name = \"x\"; } );", "t.conf:1: a vhosts entry needs path" },
		{ "vhosts = ( \"x\" );", "t.conf:1: each vhosts entry must be a group" },
		{ "vhosts = { path = \"/x/*\"; };", "t.conf:1: vhosts must be a list" },
		{ "mta = { type = \"postfix\" ", "t.conf:1: syntax error" },
		/* a bad value after a list was read: no leak (ASan's run) */
		{ "vhosts = ( { path = \"/srv/*\"; } );\nmessage_size_limit = \"big\";",
		  "t.conf:2: message_size_limit must be a whole number >= 0" },
	};
	struct mo_config c;
	char err[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		print_message("case %zu: %s\n", i, cases[i].text);
		assert_int_equal(-1, parse(cases[i].text, &c, err, sizeof(err)));
		if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("got \"%s\", want \"%s...\"", err, cases[i].want);
	}
}

/* Trust is decided on the open file: owner and mode. */
static void
test_load_trust(void **state)
{
	char dir[] = "/tmp/mo-conf-XXXXXX", path[256], err[512];
	struct mo_config c;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/mailorigin.conf", dir);
	fp = fopen(path, "w");
	fputs("state_dir = \"/x\";\n", fp);
	fclose(fp);

	chmod(path, 0644);
	mo_config_defaults(&c);
	assert_int_equal(0, mo_config_load(&c, path, getuid(), err, sizeof(err)));
	assert_string_equal("/x", c.state_dir);
	mo_config_free(&c);

	chmod(path, 0664);
	assert_int_equal(-1, mo_config_load(&c, path, getuid(), err, sizeof(err)));
	assert_non_null(strstr(err, "writable by group or others"));
	chmod(path, 0646);
	assert_int_equal(-1, mo_config_load(&c, path, getuid(), err, sizeof(err)));

	chmod(path, 0644);
	if (getuid() == 0) {
		/* a file owned by someone else than root or the caller is refused */
		assert_int_equal(0, chown(path, 12345, 0));
		assert_int_equal(-1, mo_config_load(&c, path, 0, err, sizeof(err)));
		assert_non_null(strstr(err, "owned by uid 12345, not by root"));
	}
	assert_int_equal(-1, mo_config_load(&c, dir, getuid(), err, sizeof(err)));
	unlink(path);
	assert_int_equal(-1, mo_config_load(&c, path, getuid(), err, sizeof(err)));
	rmdir(dir);
}

/* An @include names a file that no owner or mode check saw (a caller's,
 * writable by anyone): the config holding one is refused, whichever way
 * the include is written and whether the file is read whole (small) or
 * through the stream (large). */
static void
test_load_include(void **state)
{
	static const char *const forms[] = {
		"@include \"%s\"\n", "  @include \"%s\"\n", "\t@include\t\"%s\"\n",
		"@include \"inc.conf\"\n", "@include \"../%s\"\n",
	};
	char dir[] = "/tmp/mo-conf-XXXXXX", path[256], inc[256], line[600], err[512];
	struct mo_config c;
	size_t i, big;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/mailorigin.conf", dir);
	snprintf(inc, sizeof(inc), "%s/inc.conf", dir);
	fp = fopen(inc, "w");
	fputs("state_dir = \"/from-the-include\";\n", fp);
	fclose(fp);
	chmod(inc, 0666);
	assert_int_equal(0, chdir(dir));
	for (big = 0; big < 2; big++)
		for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
			fp = fopen(path, "w");
			fputs("max_recipients = 5;\n", fp);
			snprintf(line, sizeof(line), forms[i], inc);
			fputs(line, fp);
			/* past the small-file read: the stream parses it */
			if (big)
				for (size_t k = 0; k < 300 * 1024 / 32; k++)
					fputs("# padding padding padding pad\n", fp);
			fclose(fp);
			chmod(path, 0644);
			mo_config_defaults(&c);
			err[0] = '\0';
			assert_int_equal(-1, mo_config_load(&c, path, getuid(), err, sizeof(err)));
			assert_non_null(strstr(err, "@include is refused"));
			assert_non_null(strstr(err, ":2: "));
			assert_string_not_equal("/from-the-include", c.state_dir);
			mo_config_free(&c);
		}
	/* in a comment it is no include: the file loads */
	fp = fopen(path, "w");
	snprintf(line, sizeof(line), "/*\n@include \"%s\"\n*/ state_dir = \"/x\";\n", inc);
	fputs(line, fp);
	fclose(fp);
	mo_config_defaults(&c);
	assert_int_equal(0, mo_config_load(&c, path, getuid(), err, sizeof(err)));
	assert_string_equal("/x", c.state_dir);
	mo_config_free(&c);
	assert_int_equal(0, chdir("/"));
	unlink(inc);
	unlink(path);
	rmdir(dir);
}

/* mo_config_load() reads a small file whole and parses it from memory,
 * a large one (or one with a NUL byte) through the stream: either way the
 * verdict and the error are those of mo_config_read() on the same bytes. */
static void
load_same(const char *dir, const char *text, size_t len)
{
	char path[256], err_load[512], err_read[512];
	struct mo_config a, b;
	FILE *fp;
	int ra, rb;

	snprintf(path, sizeof(path), "%s/t.conf", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(len, fwrite(text, 1, len, fp));
	fclose(fp);
	chmod(path, 0644);
	mo_config_defaults(&a);
	ra = mo_config_load(&a, path, getuid(), err_load, sizeof(err_load));
	fp = fmemopen((void *)text, len, "r");
	assert_non_null(fp);
	mo_config_defaults(&b);
	rb = mo_config_read(&b, fp, path, err_read, sizeof(err_read));
	fclose(fp);
	assert_int_equal(rb, ra);
	if (ra == -1)
		assert_string_equal(err_read, err_load);
	else {
		assert_string_equal(b.state_dir, a.state_dir);
		assert_string_equal(b.header_prefix, a.header_prefix);
		assert_int_equal(b.nvhosts, a.nvhosts);
		assert_int_equal(b.limits.nrules, a.limits.nrules);
		mo_config_free(&a);
		mo_config_free(&b);
	}
	unlink(path);
}

static void
test_load_paths(void **state)
{
	static const char *const texts[] = {
		"",
		"state_dir = \"/x\";\nheaders = { prefix = \"X-O-\"; };\n",
		("vhosts = ( { path = \"/srv/*/\"; } );\n"
		 "limits = ( { match = \"uid\"; messages = [ \"20/1m\" ]; } );\n"),
		"\n\nstat_dir = \"/x\";",
		"mta = { type = \"postfix\" ",
		"state_dir = \"/x\"",
	};
	char dir[] = "/tmp/mo-conf-XXXXXX", *big;
	static const char nul[] = "state_dir = \"/x\";\n\0stat_dir = \"/y\";\n";
	size_t i, n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		load_same(dir, texts[i], strlen(texts[i]));
	load_same(dir, nul, sizeof(nul) - 1);
	/* past the size read whole: 300 KiB of comments, then a bad key */
	big = malloc(320 * 1024);
	assert_non_null(big);
	for (n = 0; n < 300 * 1024; n += 64)
		memcpy(big + n, "# a comment line of sixty-four bytes, to make a big file .....\n", 64);
	n += (size_t)sprintf(big + n, "stat_dir = \"/x\";\n");
	load_same(dir, big, n);
	n -= strlen("stat_dir = \"/x\";\n");
	n += (size_t)sprintf(big + n, "state_dir = \"/big\";\n");
	load_same(dir, big, n);
	free(big);
	rmdir(dir);
}

static void
test_vhosts(void **state)
{
	static const struct { const char *path, *want; } cases[] = {
		{ "/var/www/vhosts/example.com/httpdocs/contact.php", "example.com" },
		{ "/var/www/vhosts/example.com", "example.com" },
		{ "/var/www/vhosts/example.com/", "example.com" },
		{ "/var/www/vhosts/", NULL },
		{ "/var/www/vhostsX/a/b", NULL },
		{ "/home/alice/public_html/x.php", "alice" },
		{ "/home/alice/private/x.php", NULL },
		{ "/srv/special/deep/dir/", "special.example" },
		{ "/srv/specialty/x", NULL },
		{ "/srv/a-site/x", "a-site" },
		{ "/tmp/x", NULL },
	};
	struct mo_config c;
	char err[512], out[256];
	size_t i;

	(void)state;
	assert_int_equal(0, parse(
	    "vhosts = ( { path = \"/var/www/vhosts/*/\"; },\n"
	    "           { path = \"/home/*/public_html/\"; },\n"
	    "           { path = \"/srv/special/\"; name = \"special.example\"; },\n"
	    "           { path = \"/srv/*-site\"; } );\n", &c, err, sizeof(err)));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = mo_vhost_match(&c, cases[i].path, out, sizeof(out));
		print_message("case %zu: %s\n", i, cases[i].path);
		if (cases[i].want == NULL)
			assert_null(got);
		else {
			assert_non_null(got);
			assert_string_equal(cases[i].want, got);
		}
	}
	mo_config_free(&c);
}

/* Issue 14: mo_config_defaults() clears the small fields and sets each
 * PATH_MAX array's string, not 20 KiB: on memory full of garbage the
 * defaults, and a config read over them, read as on zeroed memory. */
static void
same_config(const struct mo_config *a, const struct mo_config *b)
{
	assert_int_equal(a->mta_type, b->mta_type);
	assert_int_equal(a->log_syslog, b->log_syslog);
	assert_string_equal(a->qmail_smtpd_user, b->qmail_smtpd_user);
	assert_int_equal(a->qmail_remoteinfo_auth, b->qmail_remoteinfo_auth);
	assert_string_equal(a->header_prefix, b->header_prefix);
	assert_int_equal(a->nvhosts, b->nvhosts);
	assert_int_equal(a->vhosts == NULL, b->vhosts == NULL);
	assert_int_equal(a->limits.nrules, b->limits.nrules);
	assert_int_equal(a->limits.rules == NULL, b->limits.rules == NULL);
	assert_int_equal(a->limits.max_recipients, b->limits.max_recipients);
	assert_int_equal(a->limits.on_limit, b->limits.on_limit);
	assert_int_equal(a->limits.fail_closed, b->limits.fail_closed);
	assert_int_equal(a->limits.nexempt, b->limits.nexempt);
	assert_int_equal(a->limits.exempt == NULL, b->limits.exempt == NULL);
	assert_int_equal(a->message_size_limit, b->message_size_limit);
	assert_int_equal(a->hold_max_messages, b->hold_max_messages);
	assert_int_equal(a->hold_max_bytes, b->hold_max_bytes);
	assert_string_equal(a->mta_path, b->mta_path);
	assert_string_equal(a->state_dir, b->state_dir);
	assert_string_equal(a->log_file, b->log_file);
	assert_string_equal(a->qmail_queue, b->qmail_queue);
	assert_string_equal(a->lookup_socket, b->lookup_socket);
}

static void
test_defaults_dirty(void **state)
{
	static struct mo_config clean, dirty;
	const char *t = "mta = { path = \"/usr/sbin/sendmail\"; };\nlog = { syslog = false; };\n";
	char err[256];
	FILE *fp;

	(void)state;
	memset(&clean, 0, sizeof(clean));
	memset(&dirty, 0xa5, sizeof(dirty));
	mo_config_defaults(&clean);
	mo_config_defaults(&dirty);
	same_config(&clean, &dirty);
	assert_string_equal("", dirty.log_file);
	fp = fmemopen((void *)t, strlen(t), "r");
	assert_int_equal(0, mo_config_read(&clean, fp, "t", err, sizeof(err)));
	fclose(fp);
	fp = fmemopen((void *)t, strlen(t), "r");
	assert_int_equal(0, mo_config_read(&dirty, fp, "t", err, sizeof(err)));
	fclose(fp);
	same_config(&clean, &dirty);
	mo_config_free(&clean);
	mo_config_free(&dirty);
}

/* The path strings are packed (a page, not a page per PATH_MAX array: the
 * wrapper pays a fault for each fresh page), take up to PATH_MAX - 1 bytes
 * as before, and survive any number of replacements. */
static void
test_paths_packed(void **state)
{
	static struct mo_config c;
	static char text[5 * PATH_MAX + 512], want[5][PATH_MAX], err[512];
	const char **f[5] = { &c.mta_path, &c.state_dir, &c.log_file, &c.qmail_queue, &c.lookup_socket };
	const char *lo, *hi;
	FILE *fp;
	int i, k;

	(void)state;
	mo_config_defaults(&c);
	lo = hi = *f[0];
	for (i = 0; i < 5; i++) {
		if (*f[i] < lo)
			lo = *f[i];
		if (*f[i] + strlen(*f[i]) + 1 > hi)
			hi = *f[i] + strlen(*f[i]) + 1;
	}
	assert_true(hi - lo <= 4096);
	/* the longest of each, from the file */
	for (i = 0; i < 5; i++) {
		memset(want[i], 'a' + i, PATH_MAX - 1);
		want[i][0] = '/';
		want[i][PATH_MAX - 1] = '\0';
	}
	snprintf(text, sizeof(text), "mta = { path = \"%s\"; queue = \"%s\"; lookup = \"%s\"; };\n"
	    "state_dir = \"%s\";\nlog = { file = \"%s\"; };\n", want[0], want[3], want[4],
	    want[1], want[2]);
	fp = fmemopen(text, strlen(text), "r");
	assert_int_equal(0, mo_config_read(&c, fp, "t", err, sizeof(err)));
	fclose(fp);
	for (i = 0; i < 5; i++)
		assert_string_equal(want[i], *f[i]);
	/* replaced again and again, in turn: the others stay whole */
	for (k = 0; k < 40; k++) {
		i = k % 5;
		want[i][1 + k % 7] = (char)('A' + k % 26);
		assert_int_equal(0, mo_config_set_path(&c, f[i], want[i]));
		for (i = 0; i < 5; i++)
			assert_string_equal(want[i], *f[i]);
	}
	/* a field set from another field's string */
	assert_int_equal(0, mo_config_set_path(&c, &c.log_file, c.state_dir));
	assert_string_equal(want[1], c.log_file);
	assert_string_equal(want[1], c.state_dir);
	/* a copy has strings of its own: changing one leaves the other */
	{
		static struct mo_config cp;
		const char **g[5] = { &cp.mta_path, &cp.state_dir, &cp.log_file,
		    &cp.qmail_queue, &cp.lookup_socket };
		mo_config_copy(&cp, &c);
		same_config(&c, &cp);
		for (i = 0; i < 5; i++)
			assert_true(*g[i] >= cp.strs && *g[i] < cp.strs + sizeof(cp.strs));
		assert_int_equal(0, mo_config_set_path(&cp, &cp.mta_path, "/copy"));
		assert_string_equal("/copy", cp.mta_path);
		assert_string_equal(want[0], c.mta_path);
	}
	/* PATH_MAX bytes is too long, the field kept */
	want[0][PATH_MAX - 1] = 'x';
	{
		static char longer[PATH_MAX + 1];
		memcpy(longer, want[0], PATH_MAX);
		longer[PATH_MAX] = '\0';
		want[0][PATH_MAX - 1] = '\0';
		assert_int_equal(-1, mo_config_set_path(&c, &c.mta_path, longer));
		assert_string_equal(want[0], c.mta_path);
		snprintf(text, sizeof(text), "state_dir = \"%s\";\n", longer);
	}
	mo_config_free(&c);
	mo_config_defaults(&c);
	fp = fmemopen(text, strlen(text), "r");
	assert_int_equal(-1, mo_config_read(&c, fp, "t", err, sizeof(err)));
	fclose(fp);
	assert_string_equal("t:1: state_dir is too long", err);
	mo_config_free(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_load_trust),
		cmocka_unit_test(test_load_include),
		cmocka_unit_test(test_load_paths),
		cmocka_unit_test(test_vhosts),
		cmocka_unit_test(test_defaults_dirty),
		cmocka_unit_test(test_paths_packed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
