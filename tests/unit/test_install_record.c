/* The swap record: format and parse, refusal of what it does not know,
 * and the wrapper's decision (mo_install_apply_record) over a table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "config.h"
#include "install_record.h"

static struct mo_install_record *
sample(void)
{
	static struct mo_install_record r;

	memset(&r, 0, sizeof(r));
	r.mode = MO_SWAP_SYSTEM;
	r.phase = MO_PHASE_SWAPPED;
	strcpy(r.id, "0123456789abcdef");
	strcpy(r.root, "/");
	r.since = 1700000000;
	r.until = 1700003600;
	strcpy(r.wrapper, "/usr/local/sbin/mailorigin-sendmail");
	strcpy(r.link, "../local/sbin/mailorigin-sendmail");
	strcpy(r.timer, "none");
	strcpy(r.timer_ref, "4242");
	strcpy(r.targets[0].path, "/usr/sbin/sendmail");
	strcpy(r.targets[0].real, "/usr/sbin/sendmail" MO_REAL_SUFFIX);
	r.targets[0].dpkg = 1;
	r.ntargets = 1;
	return &r;
}

/* milter mode: the three parameters as they were, read back exactly
 * (an empty value, a value with spaces and braces); any other parameter
 * refused; the wrapper ignores the record. */
static void
test_milter(void **state)
{
	struct mo_install_record *a = sample(), b;
	struct mo_config c;
	char buf[16384], err[256];
	int n;

	(void)state;
	a->mode = MO_SWAP_MILTER;
	a->ntargets = 0;
	strcpy(a->milter, "unix:/run/mailorigin/milter.sock");
	strcpy(a->params[0].name, "smtpd_milters");
	a->params[0].set = 1;
	strcpy(a->params[0].value, "inet:127.0.0.1:8891, { unix:/x.sock, default_action = accept }");
	strcpy(a->params[1].name, "non_smtpd_milters");
	a->params[1].set = 1;
	strcpy(a->params[2].name, "milter_default_action");
	strcpy(a->params[2].value, "tempfail");
	a->nparams = 3;
	n = mo_install_record_format(a, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(0, mo_install_record_parse(&b, buf, (size_t)n, err, sizeof(err)));
	assert_int_equal(MO_SWAP_MILTER, b.mode);
	assert_string_equal(a->milter, b.milter);
	assert_int_equal(3, b.nparams);
	assert_string_equal(a->params[0].value, b.params[0].value);
	assert_int_equal(1, b.params[1].set);
	assert_string_equal("", b.params[1].value);
	assert_int_equal(0, b.params[2].set);
	assert_string_equal("tempfail", b.params[2].value);
	mo_config_defaults(&c);
	assert_int_equal(MO_INSTALL_NONE, mo_install_apply_record(&c, &b, b.until, NULL));
	assert_string_equal(MO_DEFAULT_MTA_PATH, c.mta_path);

	strcpy(a->params[3].name, "milter_connect_macros");
	strcpy(a->params[3].value, "j {daemon_name} {daemon_addr} v _");
	a->nparams = 4;
	n = mo_install_record_format(a, buf, sizeof(buf));
	assert_int_equal(0, mo_install_record_parse(&b, buf, (size_t)n, err, sizeof(err)));
	assert_string_equal(a->params[3].value, b.params[3].value);
	a->nparams = 3;
	strcpy(a->params[2].name, "relayhost");
	n = mo_install_record_format(a, buf, sizeof(buf));
	assert_int_equal(-1, mo_install_record_parse(&b, buf, (size_t)n, err, sizeof(err)));
	assert_non_null(strstr(err, "param relayhost"));
	/* params belong to milter mode only */
	strcpy(a->params[2].name, "milter_default_action");
	a->mode = MO_SWAP_PHP;
	n = mo_install_record_format(a, buf, sizeof(buf));
	assert_int_equal(-1, mo_install_record_parse(&b, buf, (size_t)n, err, sizeof(err)));
	/* a value line before any param */
	n = snprintf(buf, sizeof(buf), "version=1\nmode=milter\nphase=swapped\nparam_value=x\n");
	assert_int_equal(-1, mo_install_record_parse(&b, buf, (size_t)n, err, sizeof(err)));
}

static void
test_round_trip(void **state)
{
	struct mo_install_record *a = sample(), b;
	char buf[8192], buf2[8192], err[256];
	int n;

	(void)state;
	strcpy(a->dropins[0], "/etc/php/8.2/fpm/conf.d/zz-mailorigin.ini");
	a->ndropins = 1;
	n = mo_install_record_format(a, buf, sizeof(buf));
	assert_true(n > 0);
	assert_int_equal(0, mo_install_record_parse(&b, buf, (size_t)n, err, sizeof(err)));
	assert_int_equal(a->mode, b.mode);
	assert_int_equal(a->phase, b.phase);
	assert_string_equal(a->id, b.id);
	assert_int_equal(a->since, b.since);
	assert_int_equal(a->until, b.until);
	assert_string_equal(a->link, b.link);
	assert_string_equal(a->timer_ref, b.timer_ref);
	assert_int_equal(1, b.ntargets);
	assert_string_equal(a->targets[0].real, b.targets[0].real);
	assert_int_equal(1, b.targets[0].dpkg);
	assert_int_equal(1, b.ndropins);
	assert_string_equal(a->dropins[0], b.dropins[0]);
	/* and formatting what was parsed gives the same bytes */
	assert_int_equal(n, mo_install_record_format(&b, buf2, sizeof(buf2)));
	assert_memory_equal(buf, buf2, (size_t)n);
	/* too small a buffer, or a newline in a path: refused, never cut */
	assert_int_equal(-1, mo_install_record_format(a, buf, 40));
	strcpy(a->targets[0].path, "/usr/sbin/send\nmail");
	assert_int_equal(-1, mo_install_record_format(a, buf, sizeof(buf)));
}

static void
test_refused(void **state)
{
	static const char *const bad[] = {
		"",                                             /* nothing required */
		"version=2\nmode=system\nphase=swapped\n",      /* a newer format */
		"version=1\nmode=exim\nphase=swapped\n",
		"version=1\nmode=system\nphase=half\n",
		"version=1\nmode=system\nphase=swapped\ncolour=red\n",
		"version=1\nmode=system\nphase=swapped\nreal=/x\n",     /* real before target */
		"version=1\nmode=system\nphase=swapped\ntarget=/usr/sbin/sendmail\n", /* no real */
		"version=1\nmode=system\nphase=swapped\nuntil=soon\n",
		"version=1\nmode=system\nphase=swapped\ngarbage\n",
		"version=1\nmode=system\nphase=swapped\ntarget=relative\nreal=/x\n",
		/* damaged: a revert would unlink /etc/passwd (real = target) */
		"version=1\nmode=system\nphase=swapped\ntarget=/etc/passwd\nreal=/etc/passwd\n",
		"version=1\nmode=system\nphase=swapped\ntarget=/usr/sbin/sendmail\nreal=/etc/shadow\n",
		"version=1\nmode=system\nphase=swapped\ntarget=/usr/sbin/sendmail\nreal=/usr/sbin/sendmail\n",
		"version=1\nmode=qmail\nphase=swapped\ntarget=/usr/sbin/sendmail\n"
		    "real=/usr/sbin/sendmail.mailorigin-real\n",
		"version=1\nmode=system\nphase=swapped\ntarget=/usr/sbin/../../etc/passwd\n"
		    "real=/usr/sbin/../../etc/passwd.mailorigin-real\n",
		/* drop-ins: only ours, in a PHP conf.d */
		"version=1\nmode=php\nphase=swapped\ndropin=/etc/passwd\n",
		"version=1\nmode=php\nphase=swapped\ndropin=/etc/php/8.2/fpm/conf.d/10-opcache.ini\n",
		"version=1\nmode=php\nphase=swapped\ndropin=/etc/php/../../etc/fpm/conf.d/zz-mailorigin.ini\n",
		"version=1\nmode=php\nphase=swapped\ndropin=/etc/php/8.2/x/../fpm/conf.d/zz-mailorigin.ini\n",
		"version=1\nmode=php\nphase=swapped\ndropin=/etc/php/8.2/fpm/pool.d/zz-mailorigin.ini\n",
		"version=1\nmode=php\nphase=swapped\nroot=/srv/../etc\n",
		"version=1\nmode=php\nphase=swapped\nroot=relative\n",
		"version=1\nmode=php\nphase=swapped\ntimer=cron\n",
		"version=1\nmode=php\nphase=swapped\ntimer=at\ntimer_ref=-q\n",
	};
	struct mo_install_record r;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(-1, mo_install_record_parse(&r, bad[i], strlen(bad[i]), err, sizeof(err)));
		assert_non_null(strstr(err, MO_INSTALL_RECORD));
	}
}

static void
test_accepted(void **state)
{
	static const char *const good[] = {
		"version=1\nmode=system\nphase=swapped\ntarget=/usr/sbin/sendmail\n"
		    "real=/usr/sbin/sendmail.mailorigin-real\ndpkg=1\ntarget=/usr/lib/sendmail\n"
		    "real=/usr/lib/sendmail.mailorigin-real\ndpkg=0\ntimer=at\ntimer_ref=12\n",
		"version=1\nmode=qmail\nphase=swapping\ntarget=/var/qmail/bin/sendmail\n"
		    "real=/var/qmail/bin/sendmail.mailorigin-real\nroot=/srv/r\n",
		"version=1\nmode=php\nphase=reverting\ndropin=/etc/php/8.2/fpm/conf.d/zz-mailorigin.ini\n"
		    "dropin=/etc/php/7.4/apache2/conf.d/zz-mailorigin.ini\ntimer=systemd\n"
		    "timer_ref=mailorigin-revert.timer\n",
	};
	struct mo_install_record r;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		err[0] = '\0';
		assert_int_equal(0, mo_install_record_parse(&r, good[i], strlen(good[i]), err, sizeof(err)));
	}
}

static void
test_file(void **state)
{
	char dir[] = "/tmp/mo-ut-record.XXXXXX", err[256], path[300];
	struct mo_install_record b;
	struct stat st;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(0, mo_install_record_read(dir, &b, err, sizeof(err)));
	assert_int_equal(0, mo_install_record_write(dir, sample()));
	assert_int_equal(1, mo_install_record_read(dir, &b, err, sizeof(err)));
	assert_string_equal("0123456789abcdef", b.id);
	snprintf(path, sizeof(path), "%s/%s", dir, MO_INSTALL_RECORD);
	assert_int_equal(0, stat(path, &st));
	assert_int_equal(0644, st.st_mode & 07777);
	assert_int_equal(0, mo_install_record_remove(dir));
	assert_int_equal(0, mo_install_record_read(dir, &b, err, sizeof(err)));
	assert_int_equal(0, mo_install_record_remove(dir));     /* absent: fine */
	assert_int_equal(0, rmdir(dir));                         /* no temp file left */
}

static void
test_expired(void **state)
{
	struct mo_install_record *r = sample();

	(void)state;
	assert_false(mo_install_expired(r, r->until - 1));
	assert_true(mo_install_expired(r, r->until));
	r->until = 0;
	assert_false(mo_install_expired(r, 1LL << 40));
}

/* --- the wrapper's decision --- */

static const char *self_path;   /* the file that "is this program" */

static int
fake_self(const char *path)
{
	return self_path != NULL && strcmp(path, self_path) == 0;
}

static char tdir[] = "/tmp/mo-ut-apply.XXXXXX";

static void
touch(const char *rel)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s%s", tdir, rel);
	assert_non_null(f = fopen(p, "w"));
	fclose(f);
}

static void
test_apply(void **state)
{
	struct mo_install_record *r = sample();
	struct mo_config c;
	char want[700], target[600];

	(void)state;
	assert_non_null(mkdtemp(tdir));
	/* a tree under a root: the swapped file and its real one */
	snprintf(want, sizeof(want), "mkdir -p %s/usr/sbin %s/var/qmail/bin", tdir, tdir);
	assert_int_equal(0, system(want));
	touch("/usr/sbin/sendmail");
	touch("/usr/sbin/sendmail" MO_REAL_SUFFIX);
	strcpy(r->root, tdir);
	snprintf(target, sizeof(target), "%s/usr/sbin/sendmail", tdir);

	/* config names the swapped file from outside the root; it is us */
	mo_config_defaults(&c);
	assert_int_equal(0, mo_config_set_path(&c, &c.mta_path, target));
	self_path = target;
	assert_int_equal(MO_INSTALL_ACTIVE, mo_install_apply_record(&c, r, r->since, fake_self));
	snprintf(want, sizeof(want), "%s%s", target, MO_REAL_SUFFIX);
	assert_string_equal(want, c.mta_path);

	/* window over: same real one, and pass through */
	assert_int_equal(0, mo_config_set_path(&c, &c.mta_path, target));
	assert_int_equal(MO_INSTALL_EXPIRED, mo_install_apply_record(&c, r, r->until, fake_self));
	assert_string_equal(want, c.mta_path);

	/* the real one is back in place (revert under way): the target itself */
	assert_int_equal(0, mo_config_set_path(&c, &c.mta_path, target));
	self_path = NULL;
	assert_int_equal(MO_INSTALL_ACTIVE, mo_install_apply_record(&c, r, r->since, fake_self));
	assert_string_equal(target, c.mta_path);

	/* target is us and the real one is gone: left to the self check */
	self_path = target;
	snprintf(want, sizeof(want), "%s/usr/sbin/sendmail%s", tdir, MO_REAL_SUFFIX);
	assert_int_equal(0, unlink(want));
	assert_int_equal(MO_INSTALL_ACTIVE, mo_install_apply_record(&c, r, r->until, fake_self));
	assert_string_equal(target, c.mta_path);
	touch("/usr/sbin/sendmail" MO_REAL_SUFFIX);

	/* some other MTA in the config: untouched, and stamping stays on */
	assert_int_equal(0, mo_config_set_path(&c, &c.mta_path, "/opt/other/sendmail"));
	assert_int_equal(MO_INSTALL_ACTIVE, mo_install_apply_record(&c, r, r->until, fake_self));
	assert_string_equal("/opt/other/sendmail", c.mta_path);

	/* php mode: config untouched; the window decides */
	r->mode = MO_SWAP_PHP;
	r->ntargets = 0;
	mo_config_defaults(&c);
	assert_int_equal(MO_INSTALL_ACTIVE, mo_install_apply_record(&c, r, r->since, fake_self));
	assert_int_equal(MO_INSTALL_EXPIRED, mo_install_apply_record(&c, r, r->until, fake_self));
	assert_string_equal(MO_DEFAULT_MTA_PATH, c.mta_path);

	/* qmail mode, default config: qmail-inject beside the swapped file */
	r->mode = MO_SWAP_QMAIL;
	strcpy(r->targets[0].path, "/var/qmail/bin/sendmail");
	strcpy(r->targets[0].real, "/var/qmail/bin/sendmail" MO_REAL_SUFFIX);
	r->ntargets = 1;
	touch("/var/qmail/bin/sendmail");
	touch("/var/qmail/bin/sendmail" MO_REAL_SUFFIX);
	touch("/var/qmail/bin/qmail-inject");
	snprintf(target, sizeof(target), "%s/var/qmail/bin/sendmail", tdir);
	self_path = target;
	mo_config_defaults(&c);
	assert_int_equal(MO_INSTALL_ACTIVE, mo_install_apply_record(&c, r, r->since, fake_self));
	assert_int_equal(MO_MTA_QMAIL, c.mta_type);
	snprintf(want, sizeof(want), "%s/var/qmail/bin/qmail-inject", tdir);
	assert_string_equal(want, c.mta_path);
	/* ... and once over: qmail's own sendmail, argv as is */
	mo_config_defaults(&c);
	assert_int_equal(MO_INSTALL_EXPIRED, mo_install_apply_record(&c, r, r->until, fake_self));
	assert_int_equal(MO_MTA_POSTFIX, c.mta_type);
	snprintf(want, sizeof(want), "%s%s", target, MO_REAL_SUFFIX);
	assert_string_equal(want, c.mta_path);
	/* an explicit qmail config: untouched while on, qmail's sendmail once over */
	c.mta_type = MO_MTA_QMAIL;
	{
		char qi[PATH_MAX];
		snprintf(qi, sizeof(qi), "%s/var/qmail/bin/qmail-inject", tdir);
		assert_int_equal(0, mo_config_set_path(&c, &c.mta_path, qi));
	}
	assert_int_equal(MO_INSTALL_ACTIVE, mo_install_apply_record(&c, r, r->since, fake_self));
	assert_int_equal(MO_MTA_QMAIL, c.mta_type);
	assert_int_equal(MO_INSTALL_EXPIRED, mo_install_apply_record(&c, r, r->until, fake_self));
	assert_string_equal(want, c.mta_path);

	snprintf(want, sizeof(want), "rm -rf %s", tdir);
	assert_int_equal(0, system(want));
}

static void
test_apply_no_record(void **state)
{
	char dir[] = "/tmp/mo-ut-none.XXXXXX";
	struct mo_config c;

	(void)state;
	assert_non_null(mkdtemp(dir));
	mo_config_defaults(&c);
	assert_int_equal(0, mo_config_set_path(&c, &c.state_dir, dir));
	assert_int_equal(MO_INSTALL_NONE, mo_install_apply(&c, 0));
	assert_string_equal(MO_DEFAULT_MTA_PATH, c.mta_path);
	rmdir(dir);
}

static void
test_root_join(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(0, mo_root_join(out, sizeof(out), "/", "/usr/sbin/sendmail"));
	assert_string_equal("/usr/sbin/sendmail", out);
	assert_int_equal(0, mo_root_join(out, sizeof(out), "/tmp/r", "/usr/sbin/sendmail"));
	assert_string_equal("/tmp/r/usr/sbin/sendmail", out);
	assert_int_equal(-1, mo_root_join(out, 10, "/tmp/r", "/usr/sbin/sendmail"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_expired),
		cmocka_unit_test(test_milter),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_apply_no_record),
		cmocka_unit_test(test_root_join),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
