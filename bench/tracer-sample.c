/*
 * tracer-sample PID [N]: the cost of the memory signal.  Resolves the PHP
 * binary of PID once (ELF symbols, maps), then reads N samples of its
 * executor with process_vm_readv and prints the time per sample.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <bsd/stdlib.h>

#include "phpmem.h"
#include "procfs.h"

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	struct php_target t;
	struct php_sample s;
	struct proc_info pi;
	const char *errstr;
	char why[256];
	double t0, t1, t2;
	long long pid, n = 10000, i, busy = 0;
	int dirfd;

	if (argc < 2)
		errx(EX_USAGE, "usage: tracer-sample PID [N]");
	pid = strtonum(argv[1], 1, 1 << 30, &errstr);
	if (errstr != NULL)
		errx(EX_USAGE, "PID %s: %s", argv[1], errstr);
	if (argc > 2 && ((n = strtonum(argv[2], 1, 100000000, &errstr)), errstr != NULL))
		errx(EX_USAGE, "N %s: %s", argv[2], errstr);
	t0 = now();
	if ((dirfd = proc_open((pid_t)pid)) == -1 ||
	    proc_info_read(dirfd, (pid_t)pid, &pi) == -1)
		err(EX_NOINPUT, "pid %lld", pid);
	if (phpmem_target(dirfd, (pid_t)pid, pi.exe, &t, why, sizeof(why)) != 0)
		errx(EX_UNAVAILABLE, "pid %lld: %s", pid, why);
	t1 = now();
	for (i = 0; i < n; i++) {
		if (phpmem_sample(&t, &s, why, sizeof(why)) != 0)
			errx(EX_UNAVAILABLE, "sample %lld: %s", i, why);
		busy += s.busy;
	}
	t2 = now();
	printf("memory signal: first look (ELF symbols, maps) %.2f ms; "
	       "%lld samples, %.2f us each (%lld busy, depth %d, %s:%u)\n",
	       (t1 - t0) * 1e3, n, (t2 - t1) / (double)n * 1e6, busy, s.depth,
	       s.file, s.line);
	close(dirfd);
	phpmem_cache_free();
	return 0;
}
