/*
 * mailorigin-tracer: which PHP scripts are executing right now, and which
 * of them started a mail program.  See mailorigin-tracer(8).
 */
#include <elf.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <bsd/stdlib.h>
#include <bsd/unistd.h>

#include "hygiene.h"
#include "elfsym.h"
#include "report.h"
#include "config.h"
#include "scan.h"
#include "watch.h"

#define MAX_ROOTS 32

struct options {
	struct scan_opts scan;
	int json, watch;
	long long interval_ms, duration_ms;
	long long top;
	const char *symbols;
	const char *roots[MAX_ROOTS];
	const char *confs[MAX_ROOTS];
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: mailorigin-tracer [--json] [--all] [--top N] [--exhaustive]\n"
	    "                         [--watch [--interval 250ms] [--duration 60s]]\n"
	    "                         [--no-memory] [--no-status] [--no-cwd] [--no-fd] [--no-env]\n"
	    "                         [--status-timeout 500ms] [--vhost-root DIR]...\n"
	    "                         [--fpm-conf FILE]...\n"
	    "       mailorigin-tracer --symbols FILE\n"
	    "Names the PHP scripts executing now (php-fpm, mod_php, php-cgi, CLI) and\n"
	    "the mail programs they started.  See mailorigin-tracer(8).\n");
}

static void
startup(void)
{
	mo_std_fds();
	umask(022);
	signal(SIGPIPE, SIG_DFL);
}

static long long
duration_arg(const char *opt, const char *val)
{
	long long ms = parse_duration_ms(val);

	if (ms <= 0)
		errx(EX_USAGE, "%s: not a duration: %s (e.g. 250ms, 2s, 1m)", opt, val);
	return ms;
}

static void
parse_args(int argc, char **argv, struct options *o)
{
	enum { O_NOMEM = 256, O_NOSTATUS, O_NOCWD, O_NOFD, O_NOENV, O_INTERVAL,
	       O_DURATION, O_TOP, O_SYMBOLS, O_ROOT, O_CONF, O_STIMEOUT, O_ALL,
	       O_EXHAUSTIVE };
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "watch", no_argument, NULL, 'w' },
		{ "help", no_argument, NULL, 'h' },
		{ "all", no_argument, NULL, O_ALL },
		{ "exhaustive", no_argument, NULL, O_EXHAUSTIVE },
		{ "interval", required_argument, NULL, O_INTERVAL },
		{ "duration", required_argument, NULL, O_DURATION },
		{ "top", required_argument, NULL, O_TOP },
		{ "no-memory", no_argument, NULL, O_NOMEM },
		{ "no-status", no_argument, NULL, O_NOSTATUS },
		{ "no-cwd", no_argument, NULL, O_NOCWD },
		{ "no-fd", no_argument, NULL, O_NOFD },
		{ "no-env", no_argument, NULL, O_NOENV },
		{ "status-timeout", required_argument, NULL, O_STIMEOUT },
		{ "vhost-root", required_argument, NULL, O_ROOT },
		{ "fpm-conf", required_argument, NULL, O_CONF },
		{ "symbols", required_argument, NULL, O_SYMBOLS },
		{ NULL, 0, NULL, 0 },
	};
	const char *errstr;
	int c;

	memset(o, 0, sizeof(*o));
	o->scan.memory = o->scan.status = o->scan.cwd = o->scan.fds = o->scan.env = 1;
	o->scan.status_timeout_ms = 500;
	o->interval_ms = 250;
	o->duration_ms = 60000;
	o->top = 10;
	while ((c = getopt_long(argc, argv, "jwh", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': o->json = 1; break;
		case 'w': o->watch = 1; break;
		case 'h': usage(stdout); exit(EX_OK);
		case O_ALL: o->scan.all = 1; break;
		case O_EXHAUSTIVE: o->scan.exhaustive = 1; break;
		case O_INTERVAL: o->interval_ms = duration_arg("--interval", optarg); break;
		case O_DURATION: o->duration_ms = duration_arg("--duration", optarg); break;
		case O_STIMEOUT:
			o->scan.status_timeout_ms = (int)duration_arg("--status-timeout", optarg);
			break;
		case O_TOP:
			o->top = strtonum(optarg, 1, 100000, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "--top: %s: %s", optarg, errstr);
			break;
		case O_NOMEM: o->scan.memory = 0; break;
		case O_NOSTATUS: o->scan.status = 0; break;
		case O_NOCWD: o->scan.cwd = 0; break;
		case O_NOFD: o->scan.fds = 0; break;
		case O_NOENV: o->scan.env = 0; break;
		case O_SYMBOLS: o->symbols = optarg; break;
		case O_ROOT:
			if (o->scan.nvhost_roots == MAX_ROOTS)
				errx(EX_USAGE, "--vhost-root: at most %d", MAX_ROOTS);
			o->roots[o->scan.nvhost_roots++] = optarg;
			break;
		case O_CONF:
			if (o->scan.nfpm_confs == MAX_ROOTS)
				errx(EX_USAGE, "--fpm-conf: at most %d", MAX_ROOTS);
			o->confs[o->scan.nfpm_confs++] = optarg;
			break;
		default: usage(stderr); exit(EX_USAGE);
		}
	}
	if (optind != argc) {
		usage(stderr);
		exit(EX_USAGE);
	}
	if (o->interval_ms > o->duration_ms)
		errx(EX_USAGE, "--interval is longer than --duration");
	o->scan.vhost_roots = o->roots;
	o->scan.fpm_confs = o->confs;
}

/* mailorigin.conf's vhost rules (MAILORIGIN_CONF names another file), so
 * that the tracer names a site as the wrapper's log does.  A file that is
 * missing is no matter; one that is refused or broken is said once. */
static void
load_vhost_rules(struct options *o)
{
	static struct mo_config conf;
	const char *path = mo_config_path(NULL, NULL);
	char err[512];

	mo_config_defaults(&conf);
	if (mo_config_load(&conf, path, 0, err, sizeof(err)) == -1) {
		if (errno != ENOENT)
			warnx("note: %s; its vhost rules are not used", err);
		return;
	}
	o->scan.conf = &conf;
}

/* --symbols: the dynamic symbols as the tracer reads them. */
static int
print_symbols(const char *path)
{
	struct elf_image img;
	struct elf_symbol s;
	size_t i;

	if (elf_open(&img, path) == -1)
		err(EX_NOINPUT, "%s", path);
	for (i = 1; i < elf_symbol_count(&img); i++) {
		if (elf_symbol_at(&img, i, &s) == -1)
			continue;
		printf("%016llx %016llx %s %s %s\n", (unsigned long long)s.value,
		       (unsigned long long)s.size,
		       s.type == STT_FUNC ? "FUNC" : s.type == STT_OBJECT ? "OBJECT" :
		       s.type == STT_TLS ? "TLS" : s.type == STT_NOTYPE ? "NOTYPE" : "OTHER",
		       s.shndx == SHN_UNDEF ? "UND" : "DEF", s.name);
	}
	elf_close(&img);
	return EX_OK;
}

static int
one_shot(const struct options *o)
{
	struct scan_result res;

	if (scan_run(&o->scan, &res) == -1)
		err(EX_OSERR, "/proc");
	if (o->json)
		report_json(stdout, &res, o->scan.all);
	else
		report_table(stdout, &res, o->scan.all);
	fflush(stdout);
	report_denied(stderr, &res);
	scan_free(&res);
	return EX_OK;
}

static double
now_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double
now_real(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * --watch: scan at each tick (start + k x interval) of the window until
 * the duration ends or SIGINT/SIGTERM arrives (taken with sigtimedwait, no
 * handler).  A scan that runs past one or more ticks makes the next scan
 * wait for the next tick to come: the ticks it ran over are skipped, not
 * made up with scans back to back, so the window ends on time and a
 * signal is looked at between every two scans.
 */
static int
watch_loop(const struct options *o)
{
	struct scan_result res;
	struct watch w;
	struct timespec ts;
	sigset_t set;
	double interval = (double)o->interval_ms / 1000;
	double start = now_mono(), t0, took, left, last_draw = 0;
	/* moments 0 .. last_tick - 1, at start + k x interval, k x interval
	 * before the duration's end */
	unsigned long long tick = 0, from, due,
	    last_tick = (unsigned long long)((o->duration_ms + o->interval_ms - 1) / o->interval_ms);
	int tty = isatty(STDOUT_FILENO) && !o->json, said = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	watch_init(&w, interval);
	for (;;) {
		t0 = now_mono();
		if (scan_run(&o->scan, &res) == -1)
			err(EX_OSERR, "/proc");
		took = now_mono() - t0;
		/* the first moment still to come; those run over are skipped,
		 * and this scan stands for them */
		from = tick++;
		due = (unsigned long long)((now_mono() - start) / interval) + 1;
		if (due > tick)
			tick = due;
		if (tick > last_tick)
			tick = last_tick;
		watch_add(&w, &res, tick - from, took);
		if (!said && (res.denied.memory || res.denied.maps || res.denied.cwd ||
		              res.denied.fds || res.denied.env || res.nnotes)) {
			report_denied(stderr, &res);
			said = 1;
		}
		scan_free(&res);
		if (tty && now_mono() - last_draw >= 1.0) {
			watch_sort(&w);
			fputs("\033[H\033[2J", stdout);
			watch_print(stdout, &w, (size_t)o->top, now_real());
			fflush(stdout);
			last_draw = now_mono();
		}
		if (tick == last_tick)
			break;
		left = start + (double)tick * interval - now_mono();
		if (left < 0)
			left = 0;
		ts.tv_sec = (time_t)left;
		ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		if (sigtimedwait(&set, NULL, &ts) > 0)
			break;
	}
	watch_sort(&w);
	if (o->json)
		watch_json(stdout, &w, (size_t)o->top);
	else {
		if (tty)
			fputs("\033[H\033[2J", stdout);
		watch_print(stdout, &w, (size_t)o->top, now_real());
	}
	watch_free(&w);
	return EX_OK;
}

int
main(int argc, char **argv)
{
	struct options o;
	int rc;

	startup();
	parse_args(argc, argv, &o);
	if (o.symbols != NULL)
		return print_symbols(o.symbols);
	load_vhost_rules(&o);
	rc = o.watch ? watch_loop(&o) : one_shot(&o);
	phpmem_cache_free();
	return rc;
}
