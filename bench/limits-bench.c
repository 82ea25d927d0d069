/*
 * limits-bench: decisions per second of the limit store (lib/limitdb),
 * for one key and for 10,000 distinct keys, in 1 and in 2 processes.
 * Each decision is what the wrapper does: lock, find the cells of a uid
 * rule with two message windows and a recipient window, decide, charge,
 * unlock.  Limits are set high so that every decision charges.
 *   limits-bench [SECONDS_PER_CASE]
 */
#include <sys/wait.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "limitdb.h"
#include "ratelimit.h"
#include "spool.h"

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Decide for `seconds`; returns the number of decisions made. */
static long
run(int statefd, int keys, double seconds, unsigned seed)
{
	struct mo_limitdb db;
	struct mo_cell cells[3];
	struct mo_verdict v;
	const char *why;
	char errbuf[256];
	long n = 0;
	double end;

	if (mo_limitdb_open(&db, statefd, 1, errbuf, sizeof(errbuf)) == -1)
		errx(1, "%s", errbuf);
	memset(cells, 0, sizeof(cells));
	if (mo_window_parse("30000/1s", MO_UNIT_MESSAGES, &cells[0].w, &why) == -1 ||
	    mo_window_parse("1000000/1h", MO_UNIT_MESSAGES, &cells[1].w, &why) == -1 ||
	    mo_window_parse("1000000/1h", MO_UNIT_RECIPIENTS, &cells[2].w, &why) == -1)
		errx(1, "window: %s", why);
	cells[0].cost = cells[1].cost = cells[2].cost = 1;
	srand(seed);
	end = now_s() + seconds;
	while (now_s() < end) {
		int i, k = keys > 1 ? rand() % keys : 0;
		for (i = 0; i < 3; i++)
			snprintf(cells[i].key, sizeof(cells[i].key), "uid:%d", 10000 + k);
		if (mo_limitdb_decide(&db, cells, 3, 0, &v) == -1)
			err(1, "decide");
		n++;
	}
	mo_limitdb_close(&db);
	return n;
}

int
main(int argc, char *argv[])
{
	double secs = argc > 1 ? atof(argv[1]) : 2.0;
	static const int keys[] = { 1, 10000 };
	char dir[] = "/tmp/mo-limits-bench-XXXXXX", cmd[64];
	size_t k;
	int procs;

	if (mkdtemp(dir) == NULL)
		err(1, "mkdtemp");
	for (k = 0; k < 2; k++) {
		for (procs = 1; procs <= 2; procs++) {
			int statefd, fds[2], p, status;
			long total = 0, got;

			snprintf(cmd, sizeof(cmd), "rm -f %s/limits.db", dir);
			if (system(cmd) != 0 || (statefd = mo_state_open(dir, 1)) == -1)
				err(1, "state dir %s", dir);
			if (pipe(fds) == -1)
				err(1, "pipe");
			for (p = 0; p < procs; p++) {
				if (fork() == 0) {
					got = run(statefd, keys[k], secs, (unsigned)(p + 1));
					if (write(fds[1], &got, sizeof(got)) != sizeof(got))
						_exit(1);
					_exit(0);
				}
			}
			for (p = 0; p < procs; p++) {
				if (read(fds[0], &got, sizeof(got)) != sizeof(got))
					errx(1, "a worker failed");
				total += got;
				wait(&status);
			}
			close(fds[0]);
			close(fds[1]);
			close(statefd);
			printf("limits: %5d key(s), %d process(es): %9.0f decisions/s (3 cells each)\n",
			    keys[k], procs, total / secs);
		}
	}
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : 1;
}
