/* The memory sampler against a fake PHP 8.2 executor built in our own
 * memory (process_vm_readv on ourselves), and the order in which signals
 * decide. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "phpmem.h"
#include "config.h"
#include "scan.h"
#include "watch.h"
#include "../lib/fakemem.h"

/* --- a fake executor laid out with the 8.2 offsets ------------------------ */

struct fake {
	unsigned char eg[0x708], sg[0x228];
	unsigned char ex_top[64], ex_inc[64], ex_main[64];
	unsigned char fn_internal[256], fn_inc[256], fn_main[256];
	unsigned char op_inc[32], op_main[32];
	unsigned char zs_inc[128], zs_main[128], zs_fname[64];
	char uri[16], query[16], method[8], path[64];
};

static void
zstr(unsigned char *z, const char *s)
{
	put64(z, 16, strlen(s));
	memcpy(z + 24, s, strlen(s) + 1);
}

static void
op_array(const struct php_layout *l, unsigned char *fn, unsigned char *zs,
         uint32_t ls, uint32_t le)
{
	fn[l->fn_type] = 2;                                  /* user function */
	put64(fn, l->op_filename, (uintptr_t)zs);
	put32(fn, l->op_line_start, ls);
	put32(fn, l->op_line_end, le);
}

static void
fake_build(struct fake *f, const struct php_layout *l)
{
	memset(f, 0, sizeof(*f));
	zstr(f->zs_inc, "/srv/site/lib/work.php");
	zstr(f->zs_main, "/srv/site/slow.php");
	zstr(f->zs_fname, "do_work");
	f->fn_internal[l->fn_type] = 1;                      /* sleep() */
	op_array(l, f->fn_inc, f->zs_inc, 2, 6);
	put64(f->fn_inc, l->fn_name, (uintptr_t)f->zs_fname);
	op_array(l, f->fn_main, f->zs_main, 1, 4);
	put32(f->op_inc, l->zop_lineno, 4);
	put32(f->op_main, l->zop_lineno, 3);
	/* top: internal sleep(), then do_work() in work.php, then main */
	put64(f->ex_top, l->ex_func, (uintptr_t)f->fn_internal);
	put64(f->ex_top, l->ex_prev, (uintptr_t)f->ex_inc);
	put64(f->ex_inc, l->ex_func, (uintptr_t)f->fn_inc);
	put64(f->ex_inc, l->ex_opline, (uintptr_t)f->op_inc);
	put64(f->ex_inc, l->ex_prev, (uintptr_t)f->ex_main);
	put64(f->ex_main, l->ex_func, (uintptr_t)f->fn_main);
	put64(f->ex_main, l->ex_opline, (uintptr_t)f->op_main);
	put64(f->eg, l->eg_current_execute_data, (uintptr_t)f->ex_top);
	strcpy(f->uri, "/slow.php");
	strcpy(f->query, "s=4");
	strcpy(f->method, "GET");
	strcpy(f->path, "/srv/site/slow.php");
	put64(f->sg, l->sg_request_uri, (uintptr_t)f->uri);
	put64(f->sg, l->sg_query_string, (uintptr_t)f->query);
	put64(f->sg, l->sg_request_method, (uintptr_t)f->method);
	put64(f->sg, l->sg_path_translated, (uintptr_t)f->path);
}

static struct php_binary bin82;

static void
target_for(struct php_target *t, struct fake *f)
{
	memset(&bin82, 0, sizeof(bin82));
	bin82.layout = php_layout_find("8.2");
	strcpy(bin82.version, "8.2.36");
	bin82.usable = 1;
	memset(t, 0, sizeof(*t));
	t->pid = getpid();
	t->bin = &bin82;
	t->eg_addr = (uintptr_t)f->eg;
	t->sg_addr = (uintptr_t)f->sg;
}

static void
test_sample_busy(void **state)
{
	static struct fake f;
	static struct php_sample s;
	struct php_target t;
	char why[160];

	(void)state;
	fake_build(&f, php_layout_find("8.2"));
	target_for(&t, &f);
	assert_int_equal(phpmem_sample(&t, &s, why, sizeof(why)), 0);
	assert_int_equal(s.busy, 1);
	assert_string_equal(s.file, "/srv/site/lib/work.php");
	assert_int_equal(s.line, 4);
	assert_string_equal(s.function, "do_work");
	assert_string_equal(s.main_script, "/srv/site/slow.php");
	assert_string_equal(s.request_uri, "/slow.php");
	assert_string_equal(s.query_string, "s=4");
	assert_string_equal(s.request_method, "GET");
	assert_int_equal(s.depth, 3);
}

static void
test_sample_idle(void **state)
{
	static struct fake f;
	static struct php_sample s;
	const struct php_layout *l = php_layout_find("8.2");
	struct php_target t;
	char why[160];

	(void)state;
	fake_build(&f, l);
	put64(f.eg, l->eg_current_execute_data, 0);
	target_for(&t, &f);
	assert_int_equal(phpmem_sample(&t, &s, why, sizeof(why)), 0);
	assert_int_equal(s.busy, 0);
	/* the stale request in sapi_globals is not read */
	assert_string_equal(s.request_uri, "");
	assert_string_equal(s.path_translated, "");
}

static void
test_sample_insane(void **state)
{
	static struct fake f;
	static struct php_sample s;
	const struct php_layout *l = php_layout_find("8.2");
	struct php_target t;
	char why[160];

	(void)state;
	/* line outside the function's range: wrong offsets, not believed */
	fake_build(&f, l);
	put32(f.op_inc, l->zop_lineno, 99);
	target_for(&t, &f);
	assert_int_equal(phpmem_sample(&t, &s, why, sizeof(why)), -2);
	assert_non_null(strstr(why, "line"));
	/* a function type that does not exist */
	fake_build(&f, l);
	f.fn_inc[l->fn_type] = 9;
	assert_int_equal(phpmem_sample(&t, &s, why, sizeof(why)), -2);
	/* a file name longer than PATH_MAX */
	fake_build(&f, l);
	put64(f.zs_inc, 16, 1 << 20);
	assert_int_equal(phpmem_sample(&t, &s, why, sizeof(why)), -2);
	/* a file name with a control character */
	fake_build(&f, l);
	f.zs_inc[24 + 3] = '\n';
	assert_int_equal(phpmem_sample(&t, &s, why, sizeof(why)), -2);
	/* 8.2 data read with the 8.4 offsets does not pass */
	fake_build(&f, l);
	target_for(&t, &f);
	bin82.layout = php_layout_find("8.4");
	assert_int_not_equal(phpmem_sample(&t, &s, why, sizeof(why)), 0);
}

/* The call into the code the process waits in: the innermost frame
 * outside that code's library (its folder, or vendor/A/B/). */
static void
test_sample_caller(void **state)
{
	static struct fake f;
	static struct php_sample s;
	const struct php_layout *l = php_layout_find("8.2");
	struct php_target t;
	char why[160];

	(void)state;
	fake_build(&f, l);
	target_for(&t, &f);
	assert_int_equal(phpmem_sample(&t, &s, why, sizeof(why)), 0);
	assert_string_equal(s.caller_file, "/srv/site/slow.php");
	assert_int_equal(s.caller_line, 3);
	assert_string_equal(s.caller_function, "");
	/* every frame in one folder: the innermost is the sender */
	fake_build(&f, l);
	zstr(f.zs_main, "/srv/site/lib/main.php");
	assert_int_equal(phpmem_sample(&t, &s, why, sizeof(why)), 0);
	assert_string_equal(s.caller_file, "/srv/site/lib/work.php");
	assert_int_equal(s.caller_line, 4);
	assert_string_equal(s.caller_function, "do_work");
	/* a Composer package is one library, whatever its folders */
	fake_build(&f, l);
	zstr(f.zs_inc, "/srv/site/vendor/acme/mail/src/Smtp/Stream.php");
	zstr(f.zs_main, "/srv/site/vendor/acme/mail/src/Transport.php");
	assert_int_equal(phpmem_sample(&t, &s, why, sizeof(why)), 0);
	assert_string_equal(s.caller_file, "/srv/site/vendor/acme/mail/src/Smtp/Stream.php");
	/* the caller's line is checked as the innermost's is */
	fake_build(&f, l);
	put32(f.op_main, l->zop_lineno, 40);
	assert_int_equal(phpmem_sample(&t, &s, why, sizeof(why)), -2);
}

/* A guarded target reads only inside its ranges. */
static void
test_sample_guard(void **state)
{
	static struct fake f;
	static struct php_sample s;
	const struct php_layout *l = php_layout_find("8.2");
	struct php_range r[2];
	struct php_target t;
	char why[160];

	(void)state;
	fake_build(&f, l);
	target_for(&t, &f);
	r[0].start = (uintptr_t)&f;
	r[0].end = (uintptr_t)(&f + 1);
	t.guard = r;
	t.nguard = 1;
	assert_int_equal(phpmem_sample(&t, &s, why, sizeof(why)), 0);
	assert_string_equal(s.file, "/srv/site/lib/work.php");
	/* the file name's string outside: refused, never read */
	r[0].end = (uintptr_t)f.zs_inc;
	r[1].start = (uintptr_t)f.zs_inc + sizeof(f.zs_inc);
	r[1].end = (uintptr_t)(&f + 1);
	t.nguard = 2;
	assert_int_equal(phpmem_sample(&t, &s, why, sizeof(why)), -2);
	assert_non_null(strstr(why, "file name"));
	/* nothing inside: the first read fails as the kernel's would */
	t.nguard = 0;
	assert_int_equal(phpmem_sample(&t, &s, why, sizeof(why)), -1);
}

static void
test_sample_unreadable(void **state)
{
	static struct php_sample s;
	struct php_target t;
	char why[160];

	(void)state;
	memset(&bin82, 0, sizeof(bin82));
	bin82.layout = php_layout_find("8.2");
	memset(&t, 0, sizeof(t));
	t.pid = getpid();
	t.bin = &bin82;
	t.eg_addr = 8;                   /* unmapped */
	t.sg_addr = 8;
	assert_int_equal(phpmem_sample(&t, &s, why, sizeof(why)), -1);
}

/* --- which signal decides ------------------------------------------------- */

static struct traced *
fresh(enum mo_sapi sapi)
{
	static struct traced t;

	memset(&t, 0, sizeof(t));
	t.sapi = sapi;
	t.pi.starttime = 100;
	return &t;
}

static void
decide(struct traced *t)
{
	const char *roots[] = { "/srv" };

	trace_decide(t, NULL, roots, 1, 10.0, 100);
}

/* mailorigin.conf's vhost rules name the site as the wrapper does; the
 * tracer's own roots only when no rule matches. */
static void
test_decide_vhost_rules(void **state)
{
	static const char text[] =
	    "vhosts = ( { path = \"/srv/*/\"; },\n"
	    "           { path = \"/var/www/shop/\"; name = \"shop.example\"; } );\n";
	const char *roots[] = { "/srv" };
	struct mo_config conf;
	struct traced *t;
	char err[256];
	FILE *fp = fmemopen((void *)text, sizeof(text) - 1, "r");

	(void)state;
	mo_config_defaults(&conf);
	assert_int_equal(mo_config_read(&conf, fp, "t", err, sizeof(err)), 0);
	fclose(fp);
	t = fresh(MO_SAPI_FPM);
	t->sig.status_ok = 1;
	strcpy(t->sig.status.state, "Running");
	strcpy(t->sig.status.script, "/var/www/shop/index.php");
	trace_decide(t, &conf, roots, 1, 10.0, 100);
	assert_string_equal(t->script, "/var/www/shop/index.php");
	assert_string_equal(t->vhost, "shop.example");
	/* no rule: the tracer's roots; with no config at all, the same */
	t = fresh(MO_SAPI_FPM);
	t->sig.status_ok = 1;
	strcpy(t->sig.status.state, "Running");
	strcpy(t->sig.status.script, "/srv/site/index.php");
	trace_decide(t, &conf, roots, 1, 10.0, 100);
	assert_string_equal(t->vhost, "site");
	mo_config_free(&conf);
}

static void
test_decide_claimed(void **state)
{
	struct traced *t;

	(void)state;
	/* memory of an FPM worker no root master vouches for: claimed */
	t = fresh(MO_SAPI_FPM);
	t->sig.mem_ok = 1;
	t->sig.mem.busy = 1;
	strcpy(t->sig.mem.file, "/srv/site-b/a.php");
	strcpy(t->worker_why, "its parent 7 is not run by root");
	decide(t);
	assert_int_equal(t->by, SIGNAL_MEMORY);
	assert_int_equal(t->claimed, 1);
	assert_string_equal(t->claimed_why, "its parent 7 is not run by root");
	/* a trusted worker, but the PHP binary read is not root's only */
	t->worker_trusted = 1;
	strcpy(t->sig.mem_bin_why, "/home/u/libphp.so: not a file only root may write");
	decide(t);
	assert_int_equal(t->claimed, 1);
	assert_string_equal(t->claimed_why, t->sig.mem_bin_why);
	/* both trusted: believed */
	t->sig.mem_bin_trusted = 1;
	decide(t);
	assert_int_equal(t->claimed, 0);
	assert_string_equal(t->claimed_why, "");
	/* the status page of root's pool config is believed */
	t->sig.mem_ok = 0;
	t->sig.status_ok = 1;
	strcpy(t->sig.status.state, "Running");
	decide(t);
	assert_int_equal(t->by, SIGNAL_STATUS);
	assert_int_equal(t->claimed, 0);
	/* ... but not for a process that only calls itself an FPM worker */
	t->worker_trusted = 0;
	decide(t);
	assert_int_equal(t->claimed, 1);
	/* what the process chose is claimed, whoever runs it */
	t = fresh(MO_SAPI_CLI);
	t->sig.cli_ok = 1;
	strcpy(t->sig.cli_script, "/srv/site/x.php");
	decide(t);
	assert_int_equal(t->by, SIGNAL_CMDLINE);
	assert_int_equal(t->claimed, 1);
	/* the account alone is the kernel's word */
	t = fresh(MO_SAPI_CLI);
	decide(t);
	assert_int_equal(t->by, SIGNAL_ACCOUNT);
	assert_int_equal(t->claimed, 0);
}

static void
test_decide_order(void **state)
{
	struct traced *t;

	(void)state;
	/* everything present: memory wins */
	t = fresh(MO_SAPI_FPM);
	t->sig.mem_ok = 1;
	t->sig.mem.busy = 1;
	strcpy(t->sig.mem.file, "/srv/site/lib/w.php");
	strcpy(t->sig.mem.main_script, "/srv/site/a.php");
	t->sig.mem.line = 7;
	t->sig.status_ok = 1;
	strcpy(t->sig.status.state, "Running");
	strcpy(t->sig.status.script, "/srv/site/other.php");
	t->sig.status.duration_us = 1500000;
	t->sig.cwd_ok = t->sig.idle_cwd_ok = 1;
	strcpy(t->sig.cwd, "/srv/site");
	strcpy(t->sig.idle_cwd, "/");
	decide(t);
	assert_int_equal(t->state, STATE_BUSY);
	assert_int_equal(t->by, SIGNAL_MEMORY);
	assert_int_equal(t->conf, CONF_EXACT);
	assert_string_equal(t->script, "/srv/site/a.php");
	assert_int_equal(t->line, 7);
	assert_string_equal(t->vhost, "site");
	assert_true(t->running_for > 1.49 && t->running_for < 1.51);
	/* memory says idle: idle, even though the status page says Running */
	t->sig.mem.busy = 0;
	decide(t);
	assert_int_equal(t->state, STATE_IDLE);
	assert_int_equal(t->by, SIGNAL_MEMORY);
	/* no memory: the status page */
	t->sig.mem_ok = 0;
	decide(t);
	assert_int_equal(t->by, SIGNAL_STATUS);
	assert_int_equal(t->conf, CONF_FILE);
	assert_string_equal(t->script, "/srv/site/other.php");
	/* status Idle: idle */
	strcpy(t->sig.status.state, "Idle");
	decide(t);
	assert_int_equal(t->state, STATE_IDLE);
	/* no status: cwd, a directory */
	t->sig.status_ok = 0;
	decide(t);
	assert_int_equal(t->by, SIGNAL_CWD);
	assert_int_equal(t->conf, CONF_DIRECTORY);
	assert_string_equal(t->script, "/srv/site");
	/* an open .php in that folder refines it; one elsewhere does not */
	t->sig.fd_ok = 1;
	t->sig.fd_count = 1;
	strcpy(t->sig.fd_file, "/srv/site/x.php");
	decide(t);
	assert_int_equal(t->refined_by, SIGNAL_FD);
	assert_string_equal(t->script, "/srv/site/x.php");
	strcpy(t->sig.fd_file, "/srv/sitex/x.php");
	decide(t);
	assert_int_equal(t->refined_by, SIGNAL_NONE);
	assert_string_equal(t->script, "/srv/site");
	/* back at the idle folder: the fd decides */
	strcpy(t->sig.cwd, "/");
	decide(t);
	assert_int_equal(t->by, SIGNAL_FD);
	/* nothing open, at the idle folder, fd/ readable: idle */
	t->sig.fd_count = 0;
	decide(t);
	assert_int_equal(t->state, STATE_IDLE);
	/* nothing readable at all: the account */
	t->sig.cwd_ok = t->sig.fd_ok = 0;
	decide(t);
	assert_int_equal(t->state, STATE_UNKNOWN);
	assert_int_equal(t->by, SIGNAL_ACCOUNT);
}

static void
test_decide_cgi_cli(void **state)
{
	struct traced *t;

	(void)state;
	t = fresh(MO_SAPI_CGI);
	t->sig.env_ok = 1;
	strcpy(t->sig.env_script, "/srv/a/x.php");
	strcpy(t->sig.env_host, "www.a.example");
	strcpy(t->sig.env_uri, "/x.php?q=1");
	decide(t);
	assert_int_equal(t->by, SIGNAL_ENV);
	assert_string_equal(t->vhost, "www.a.example");
	assert_string_equal(t->uri, "/x.php?q=1");
	/* CGI: one process, one request: running for = its age (10 - 1 s) */
	assert_true(t->running_for > 8.99 && t->running_for < 9.01);
	/* the CLI: cwd is not a signal, argv is */
	t = fresh(MO_SAPI_CLI);
	t->sig.cwd_ok = t->sig.idle_cwd_ok = 1;
	strcpy(t->sig.cwd, "/home/u");
	strcpy(t->sig.idle_cwd, "/");
	t->sig.cli_ok = 1;
	strcpy(t->sig.cli_script, "/home/u/job.php");
	decide(t);
	assert_int_equal(t->by, SIGNAL_CMDLINE);
	assert_string_equal(t->script, "/home/u/job.php");
}

/* --- the watch window ----------------------------------------------------- */

static void
test_watch_counts(void **state)
{
	static struct traced t[2];
	static struct mailproc m[2];
	struct scan_result r;
	struct watch w;
	int i;

	(void)state;
	memset(t, 0, sizeof(t));
	memset(m, 0, sizeof(m));
	t[0].state = STATE_BUSY;
	t[0].by = SIGNAL_STATUS;
	strcpy(t[0].script, "/nonexistent/a.php");
	strcpy(t[0].user, "u1");
	t[0].pi.uid = 1001;
	t[1].state = STATE_IDLE;
	m[0].pi.pid = 50;
	m[0].pi.starttime = 7;
	m[0].php = 0;
	m[1].pi.pid = 51;           /* postdrop under the sendmail above */
	m[1].php = 0;
	m[1].nested = 1;
	memset(&r, 0, sizeof(r));
	r.t = t;
	r.nt = 2;
	r.m = m;
	r.nm = 2;
	watch_init(&w, 0.25);
	for (i = 0; i < 4; i++) {
		r.now = 1000 + i;
		if (i == 2)
			t[0].by = SIGNAL_MEMORY;
		assert_int_equal(watch_add(&w, &r, 1, 0.001), 0);
	}
	watch_sort(&w);
	assert_int_equal(w.n, 3);               /* script, vhost "-", uid */
	assert_int_equal(w.a[0].kind, AGG_SCRIPT);
	assert_int_equal(w.a[0].samples, 4);
	assert_true(w.a[0].busy > 0.99 && w.a[0].busy < 1.01);
	assert_int_equal(w.a[0].mails, 1);      /* one mail, seen 4 times */
	assert_int_equal(w.a[0].best, SIGNAL_MEMORY);
	assert_true(w.a[0].first == 1000 && w.a[0].last == 1003);
	assert_int_equal(w.a[2].kind, AGG_UID);
	assert_string_equal(w.a[2].key, "u1");
	assert_int_equal(w.a[2].mails, 1);
	/* the same pid with another start time is another mail; a scan that
	 * ran over 2 moments stands for 3: one sample, 3 intervals busy */
	m[0].pi.starttime = 8;
	watch_add(&w, &r, 3, 0.001);
	watch_sort(&w);
	assert_int_equal(w.a[0].mails, 2);
	assert_int_equal(w.a[0].samples, 5);
	assert_true(w.a[0].busy > 1.74 && w.a[0].busy < 1.76);
	watch_free(&w);
}

/* The first line --watch prints of window W: JSON or the table's heading. */
static char *
window_line(const struct watch *w, int json)
{
	char *out = NULL, *nl;
	size_t len = 0;
	FILE *f;

	assert_non_null(f = open_memstream(&out, &len));
	if (json)
		watch_json(f, w, 10);
	else
		watch_print(f, w, 10, 1796000001.25);
	fclose(f);
	assert_non_null(nl = strchr(out, '\n'));
	*nl = '\0';
	return out;
}

/* The window's own record: scans made, moments skipped, what scans took. */
static void
test_watch_window(void **state)
{
	struct scan_result r;
	struct watch w;
	char *line;

	(void)state;
	memset(&r, 0, sizeof(r));
	watch_init(&w, 0.1);
	r.now = 1796000000.25;
	watch_add(&w, &r, 1, 0.02);
	r.now += 0.1;                   /* this scan ran over 3 moments */
	watch_add(&w, &r, 4, 0.35);
	line = window_line(&w, 1);
	assert_string_equal(line, "{\"type\":\"window\",\"started\":1796000000.250,"
	                    "\"interval\":0.100,\"scans\":2,\"skipped\":3,"
	                    "\"scan_mean\":0.1850,\"scan_max\":0.3500}");
	free(line);
	line = window_line(&w, 0);
	assert_string_equal(line, "mailorigin-tracer: 2 scans over 1.0s, every 100 ms; "
	                    "3 moments skipped (late: a scan took up to 350 ms)");
	free(line);
	watch_free(&w);
	/* none skipped: nothing said of it */
	watch_init(&w, 0.1);
	r.now = 1796000000.25;
	watch_add(&w, &r, 1, 0.02);
	watch_add(&w, &r, 1, 0.02);
	line = window_line(&w, 0);
	assert_string_equal(line, "mailorigin-tracer: 2 scans over 1.0s, every 100 ms");
	free(line);
	watch_free(&w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sample_busy),
		cmocka_unit_test(test_sample_idle),
		cmocka_unit_test(test_sample_insane),
		cmocka_unit_test(test_sample_unreadable),
		cmocka_unit_test(test_sample_caller),
		cmocka_unit_test(test_sample_guard),
		cmocka_unit_test(test_decide_order),
		cmocka_unit_test(test_decide_claimed),
		cmocka_unit_test(test_decide_vhost_rules),
		cmocka_unit_test(test_decide_cgi_cli),
		cmocka_unit_test(test_watch_counts),
		cmocka_unit_test(test_watch_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
