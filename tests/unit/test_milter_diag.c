/* milter/diag.c: a real loopback connection of this process, found through
 * NETLINK_SOCK_DIAG with the kernel's uid and inode for it (the same as
 * fstat says), and its process by mo_peer_lookup; a port nobody uses is
 * not found; IPv4 on an IPv6 socket (v4-mapped) too. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "peer.h"

static struct timespec
soon(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += 5;
	return t;
}

static struct sockaddr_storage server;

/* A connected pair on loopback; *client gets the client end's address,
 * server the listening end's. */
static void
pair(int family, int *cfd, int *sfd, int *lfd, struct sockaddr_storage *client)
{
	struct sockaddr_storage a;
	socklen_t len = sizeof(a);
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT };

	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((*lfd = socket(family, SOCK_STREAM, 0)) >= 0);
	if (family == AF_INET)
		assert_int_equal(0, bind(*lfd, (struct sockaddr *)&in, sizeof(in)));
	else
		assert_int_equal(0, bind(*lfd, (struct sockaddr *)&in6, sizeof(in6)));
	assert_int_equal(0, listen(*lfd, 1));
	assert_int_equal(0, getsockname(*lfd, (struct sockaddr *)&a, &len));
	memcpy(&server, &a, len);
	assert_true((*cfd = socket(family, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(0, connect(*cfd, (struct sockaddr *)&a, len));
	assert_true((*sfd = accept(*lfd, NULL, NULL)) >= 0);
	len = sizeof(*client);
	assert_int_equal(0, getsockname(*cfd, (struct sockaddr *)client, &len));
}

static void
check_found(const struct sockaddr *sa, int cfd)
{
	struct timespec t = soon();
	struct mo_peer p;
	struct stat st;
	unsigned long inode = 0;
	uid_t uid = (uid_t)-1;

	assert_int_equal(0, fstat(cfd, &st));
	/* the filtered dump (client's end only) */
	assert_int_equal(0, mo_peer_diag(sa, NULL, &t, &uid, &inode));
	assert_int_equal(getuid(), uid);
	assert_int_equal((unsigned long)st.st_ino, inode);
	/* the exact 4-tuple */
	uid = (uid_t)-1;
	inode = 0;
	assert_int_equal(0, mo_peer_diag(sa, (struct sockaddr *)&server, &t, &uid, &inode));
	assert_int_equal(getuid(), uid);
	assert_int_equal((unsigned long)st.st_ino, inode);
	assert_int_equal(0, mo_peer_lookup("/proc", sa, (struct sockaddr *)&server, &t, &p));
	assert_int_equal(2, p.netlink);         /* with the server given: exact */
	assert_int_equal((unsigned long)st.st_ino, p.inode);
	assert_int_equal(getpid(), p.pid);
}

static void
test_v4(void **state)
{
	struct sockaddr_storage c;
	int cfd, sfd, lfd;

	(void)state;
	pair(AF_INET, &cfd, &sfd, &lfd, &c);
	check_found((struct sockaddr *)&c, cfd);
	close(cfd);
	close(sfd);
	close(lfd);
}

static void
test_v6(void **state)
{
	struct sockaddr_storage c;
	int cfd, sfd, lfd;

	(void)state;
	pair(AF_INET6, &cfd, &sfd, &lfd, &c);
	check_found((struct sockaddr *)&c, cfd);
	close(cfd);
	close(sfd);
	close(lfd);
}

/* A client that closed its end (the socket goes to time-wait, inode 0,
 * uid 0 in the kernel's answer) is not found: not taken for root's. */
static void
test_closed(void **state)
{
	struct sockaddr_storage c;
	struct timespec t = soon();
	struct mo_peer p;
	unsigned long inode = 0;
	uid_t uid = (uid_t)-1;
	int cfd, sfd, lfd;

	(void)state;
	pair(AF_INET, &cfd, &sfd, &lfd, &c);
	close(cfd);
	close(sfd);
	close(lfd);
	assert_int_equal(1, mo_peer_diag((struct sockaddr *)&c, NULL, &t, &uid, &inode));
	/* exact: the kernel says ENOENT, or (seen here) fails the time-wait
	 * socket with EACCES; never a socket */
	assert_int_not_equal(0, mo_peer_diag((struct sockaddr *)&c, (struct sockaddr *)&server, &t,
	    &uid, &inode));
	assert_int_equal(-1, mo_peer_lookup("/proc", (struct sockaddr *)&c, (struct sockaddr *)&server,
	    &t, &p));
}

static void
test_not_there(void **state)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(1) };
	struct timespec t = soon();
	struct mo_peer p;
	unsigned long inode;
	uid_t uid;

	(void)state;
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(1, mo_peer_diag((struct sockaddr *)&in, NULL, &t, &uid, &inode));
	/* exact: the kernel says ENOENT */
	assert_int_equal(1, mo_peer_diag((struct sockaddr *)&in, (struct sockaddr *)&in, &t, &uid,
	    &inode));
	assert_int_equal(-1, mo_peer_lookup("/proc", (struct sockaddr *)&in, NULL, &t, &p));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4),
		cmocka_unit_test(test_v6),
		cmocka_unit_test(test_closed),
		cmocka_unit_test(test_not_there),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
