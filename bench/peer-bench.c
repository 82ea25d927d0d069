/*
 * peer-bench: the milter's socket lookup alone, NETLINK_SOCK_DIAG against
 * /proc/net/tcp, side by side in one run, with N loopback connections
 * (2N sockets) held open by this process.  Each round looks up one
 * client end of them (a different one each time) both ways; prints the
 * medians of the CPU time (user + system) in microseconds and their ratio.
 *
 *	peer-bench [CONNECTIONS] [ROUNDS]     (defaults 5000, 200)
 */
#include <sys/resource.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "peer.h"

/* CPU time of this thread (user and system), in microseconds: what a
 * lookup costs, less bent by a loaded machine than the wall clock */
static long long
us_now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return (long long)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

/* The /proc way: every line of /proc/net/tcp until the socket's. */
static int
by_proc(const struct sockaddr_in *in, uid_t *uid, unsigned long *inode)
{
	char line[512];
	FILE *f = fopen("/proc/net/tcp", "re");
	int rc = -1;

	if (f == NULL)
		return -1;
	if (fgets(line, sizeof(line), f) != NULL)
		while (fgets(line, sizeof(line), f) != NULL)
			if (mo_peer_tcp_line(line, &in->sin_addr, 4, ntohs(in->sin_port), uid,
			    inode) == 0) {
				rc = 0;
				break;
			}
	fclose(f);
	return rc;
}

static int
cmp(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char *argv[])
{
	int n = argc > 1 ? atoi(argv[1]) : 5000, rounds = argc > 2 ? atoi(argv[2]) : 200;
	struct sockaddr_in a = { .sin_family = AF_INET }, *clients;
	struct rlimit rl;
	socklen_t len = sizeof(a);
	long long *tn, *tp, *te, t0;
	struct timespec dl;
	unsigned long i1, i2;
	uid_t u1, u2;
	int l, i, c, s, r;

	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	if ((clients = calloc((size_t)n, sizeof(*clients))) == NULL ||
	    (tn = calloc((size_t)rounds, sizeof(*tn))) == NULL ||
	    (tp = calloc((size_t)rounds, sizeof(*tp))) == NULL ||
	    (te = calloc((size_t)rounds, sizeof(*te))) == NULL)
		err(1, "calloc");
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((l = socket(AF_INET, SOCK_STREAM, 0)) == -1 || bind(l, (struct sockaddr *)&a, len) == -1 ||
	    listen(l, 4096) == -1 || getsockname(l, (struct sockaddr *)&a, &len) == -1)
		err(1, "listen");
	for (i = 0; i < n; i++) {
		socklen_t cl = sizeof(clients[i]);
		if ((c = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
		    connect(c, (struct sockaddr *)&a, sizeof(a)) == -1 || (s = accept(l, NULL, NULL)) == -1 ||
		    getsockname(c, (struct sockaddr *)&clients[i], &cl) == -1)
			err(1, "connection %d", i);
	}
	for (r = 0; r < rounds; r++) {
		const struct sockaddr_in *in = &clients[(long)r * 7919 % n];
		clock_gettime(CLOCK_MONOTONIC, &dl);
		dl.tv_sec += 5;
		t0 = us_now();
		if (mo_peer_diag((const struct sockaddr *)in, NULL, &dl, &u1, &i1) != 0)
			errx(1, "netlink: socket not found");
		tn[r] = us_now() - t0;
		t0 = us_now();
		if (mo_peer_diag((const struct sockaddr *)in, (const struct sockaddr *)&a, &dl, &u2,
		    &i2) != 0 || u1 != u2 || i1 != i2)
			errx(1, "netlink exact: socket not found (round %d, uid %u/%u inode %lu/%lu)", r, u1, u2, i1, i2);
		te[r] = us_now() - t0;
		t0 = us_now();
		if (by_proc(in, &u2, &i2) != 0)
			errx(1, "/proc/net/tcp: socket not found");
		tp[r] = us_now() - t0;
		if (u1 != u2 || i1 != i2)
			errx(1, "netlink and /proc disagree: uid %u/%u inode %lu/%lu", u1, u2, i1, i2);
	}
	qsort(tn, (size_t)rounds, sizeof(*tn), cmp);
	qsort(tp, (size_t)rounds, sizeof(*tp), cmp);
	qsort(te, (size_t)rounds, sizeof(*te), cmp);
	printf("peer lookup, %d loopback connections held here (%d sockets; %s), %d rounds, "
	    "median CPU time per lookup: /proc/net/tcp %lld us, netlink filtered dump %lld us "
	    "(%.1fx less), netlink exact 4-tuple %lld us (%.1fx less)\n", n, 2 * n,
	    "others' too, see /proc/net/tcp", rounds, tp[rounds / 2], tn[rounds / 2],
	    (double)tp[rounds / 2] / (double)(tn[rounds / 2] ? tn[rounds / 2] : 1), te[rounds / 2],
	    (double)tp[rounds / 2] / (double)(te[rounds / 2] ? te[rounds / 2] : 1));
	return 0;
}
