/* milter/diag.c: a real loopback connection of this process, found through
 * NETLINK_SOCK_DIAG with the kernel's uid and inode for it (the same as
 * fstat says), and its process by mo_peer_lookup; a port nobody uses is
 * not found; IPv4 on an IPv6 socket (v4-mapped) too. */
#include <sys/socket.h>
#include <sys/stat.h>
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <errno.h>
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
	assert_int_equal(0, mo_peer_lookup("/proc", sa, (struct sockaddr *)&server, &t, 1, &p));
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
	    &t, 1, &p));
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
	assert_int_equal(-1, mo_peer_lookup("/proc", (struct sockaddr *)&in, NULL, &t, 1, &p));
}

/* A client bound to lo (SO_BINDTODEVICE: any user may, Linux 5.7 and
 * later): the kernel's hash, asked with interface 0, misses it (review
 * S3-13); the dump on both ends finds it, with its uid and inode */
static void
test_bound_to_lo(void **state)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_storage c, srv;
	socklen_t len = sizeof(srv);
	struct timespec t = soon();
	struct mo_peer p;
	struct stat st;
	unsigned long inode;
	uid_t uid;
	int lfd, cfd, sfd;

	(void)state;
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((lfd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(0, bind(lfd, (struct sockaddr *)&in, sizeof(in)));
	assert_int_equal(0, listen(lfd, 1));
	assert_int_equal(0, getsockname(lfd, (struct sockaddr *)&srv, &len));
	assert_true((cfd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	if (setsockopt(cfd, SOL_SOCKET, SO_BINDTODEVICE, "lo", 3) == -1) {
		close(cfd);
		close(lfd);
		skip();
	}
	assert_int_equal(0, connect(cfd, (struct sockaddr *)&srv, len));
	assert_true((sfd = accept(lfd, NULL, NULL)) >= 0);
	len = sizeof(c);
	assert_int_equal(0, getsockname(cfd, (struct sockaddr *)&c, &len));
	assert_int_equal(0, fstat(cfd, &st));
	/* what the kernel does: the exact lookup misses the bound socket */
	assert_int_equal(1, mo_peer_diag((struct sockaddr *)&c, (struct sockaddr *)&srv, &t, &uid,
	    &inode));
	assert_int_equal(0, mo_peer_diag_bound((struct sockaddr *)&c, (struct sockaddr *)&srv, &t,
	    &uid, &inode));
	assert_int_equal((unsigned long)st.st_ino, inode);
	assert_int_equal(MO_PEER_FOUND, mo_peer_locate("/proc", (struct sockaddr *)&c,
	    (struct sockaddr *)&srv, &t, 1, &p));
	assert_int_equal(getuid(), p.uid);
	assert_int_equal((unsigned long)st.st_ino, p.inode);
	assert_int_equal(getpid(), p.pid);
	assert_string_equal("netlink-bound", mo_peer_via(&p));
	close(cfd);
	close(sfd);
	close(lfd);
}

/* A dual-stack listener sees an IPv4 client as ::ffff:a.b.c.d (qmail's
 * TCPREMOTEIP under an IPv6 tcpserver): it is the IPv4 client's socket */
static void
test_v4_as_mapped(void **state)
{
	struct sockaddr_storage c;
	struct sockaddr_in6 m = { .sin6_family = AF_INET6 }, ms = { .sin6_family = AF_INET6 };
	struct timespec t = soon();
	struct mo_peer p;
	struct stat st;
	int cfd, sfd, lfd;

	(void)state;
	pair(AF_INET, &cfd, &sfd, &lfd, &c);
	assert_int_equal(0, fstat(cfd, &st));
	m.sin6_addr.s6_addr[10] = m.sin6_addr.s6_addr[11] = 0xff;
	memcpy(m.sin6_addr.s6_addr + 12, &((struct sockaddr_in *)&c)->sin_addr, 4);
	m.sin6_port = ((struct sockaddr_in *)&c)->sin_port;
	ms.sin6_addr = m.sin6_addr;
	ms.sin6_port = ((struct sockaddr_in *)&server)->sin_port;
	assert_int_equal(MO_PEER_FOUND, mo_peer_locate("/proc", (struct sockaddr *)&m,
	    (struct sockaddr *)&ms, &t, 0, &p));
	assert_int_equal((unsigned long)st.st_ino, p.inode);
	assert_string_equal("netlink-exact", mo_peer_via(&p));
	assert_int_equal(MO_PEER_FOUND, mo_peer_locate("/proc", (struct sockaddr *)&m, NULL, &t, 0, &p));
	assert_int_equal((unsigned long)st.st_ino, p.inode);
	close(cfd);
	close(sfd);
	close(lfd);
}

/* No table to read (a /proc the asker cannot open): its own fault, not a
 * client gone, so that only it may follow fail = open */
static void
test_own_fault(void **state)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(1) };
	struct timespec t = soon();
	struct mo_peer p;

	(void)state;
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(-3, mo_peer_find("/nonexistent", (struct sockaddr *)&in, &t, 0, &p));
	assert_int_equal(ENOENT, p.err);
	assert_int_equal(MO_PEER_FAULT, mo_peer_locate("/nonexistent", (struct sockaddr *)&in, NULL,
	    &t, 0, &p));
	assert_int_equal(ENOENT, p.err);
	/* a client gone from a table that was read is no fault of the asker */
	assert_int_equal(MO_PEER_GONE, mo_peer_locate("/proc", (struct sockaddr *)&in, NULL, &t, 0, &p));
}

/* A listener (any address) and a port of a test net's address. */
static int
listener_any(uint16_t *port)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	socklen_t len = sizeof(in);
	int fd;

	assert_true((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(0, bind(fd, (struct sockaddr *)&in, sizeof(in)));
	assert_int_equal(0, listen(fd, 1));
	assert_int_equal(0, getsockname(fd, (struct sockaddr *)&in, &len));
	*port = in.sin_port;
	return fd;
}

/* The exact lookup of a client end nobody holds, whose port a listener
 * has: the kernel falls back to the listener, which is nobody's client
 * end (before: a remote client from that port was the listener's owner). */
static void
test_listener_is_no_client(void **state)
{
	struct sockaddr_storage c;
	struct sockaddr_in far = { .sin_family = AF_INET }, lo2 = { .sin_family = AF_INET };
	struct timespec t = soon();
	struct mo_peer p;
	unsigned long inode = 0;
	uid_t uid;
	uint16_t port;
	int cfd, sfd, lfd, any;

	(void)state;
	pair(AF_INET, &cfd, &sfd, &lfd, &c);
	any = listener_any(&port);
	inet_pton(AF_INET, "192.0.2.7", &far.sin_addr);        /* TEST-NET-1 */
	far.sin_port = port;
	inet_pton(AF_INET, "127.0.0.2", &lo2.sin_addr);
	lo2.sin_port = port;
	assert_int_equal(1, mo_peer_diag((struct sockaddr *)&far, (struct sockaddr *)&server, &t, &uid,
	    &inode));
	assert_int_equal(1, mo_peer_diag((struct sockaddr *)&lo2, (struct sockaddr *)&server, &t, &uid,
	    &inode));
	assert_int_equal(MO_PEER_REMOTE, mo_peer_locate("/proc", (struct sockaddr *)&far,
	    (struct sockaddr *)&server, &t, 1, &p));
	assert_int_equal(MO_PEER_GONE, mo_peer_locate("/proc", (struct sockaddr *)&lo2,
	    (struct sockaddr *)&server, &t, 1, &p));
	close(any);
	close(cfd);
	close(sfd);
	close(lfd);
}

/* Two client sockets on one local address and port (connect() shares a
 * port among destinations; SO_REUSEADDR makes it here): the client's end
 * alone is ambiguous, refused; the 4-tuple tells them apart. */
static void
test_shared_port(void **state)
{
	struct sockaddr_in c = { .sin_family = AF_INET }, s1, s2;
	socklen_t len = sizeof(c);
	struct timespec t = soon();
	struct mo_peer p;
	struct stat st1, st2;
	unsigned long inode;
	uid_t uid;
	int l1, l2, c1, c2, one = 1;
	uint16_t port1, port2;

	(void)state;
	l1 = listener_any(&port1);
	l2 = listener_any(&port2);
	memset(&s1, 0, sizeof(s1));
	s1.sin_family = AF_INET;
	s1.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s2 = s1;
	s1.sin_port = port1;
	s2.sin_port = port2;
	assert_true((c1 = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_true((c2 = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	setsockopt(c1, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(c2, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	c.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(0, bind(c1, (struct sockaddr *)&c, sizeof(c)));
	assert_int_equal(0, getsockname(c1, (struct sockaddr *)&c, &len));
	assert_int_equal(0, bind(c2, (struct sockaddr *)&c, sizeof(c)));
	assert_int_equal(0, connect(c1, (struct sockaddr *)&s1, sizeof(s1)));
	assert_int_equal(0, connect(c2, (struct sockaddr *)&s2, sizeof(s2)));
	assert_int_equal(0, fstat(c1, &st1));
	assert_int_equal(0, fstat(c2, &st2));
	assert_int_equal(2, mo_peer_diag((struct sockaddr *)&c, NULL, &t, &uid, &inode));
	assert_int_equal(-2, mo_peer_lookup("/proc", (struct sockaddr *)&c, NULL, &t, 0, &p));
	assert_int_equal(-2, mo_peer_find("/proc", (struct sockaddr *)&c, &t, 0, &p));
	assert_int_equal(MO_PEER_AMBIGUOUS, mo_peer_locate("/proc", (struct sockaddr *)&c, NULL, &t, 0, &p));
	assert_int_equal(MO_PEER_FOUND, mo_peer_locate("/proc", (struct sockaddr *)&c,
	    (struct sockaddr *)&s1, &t, 0, &p));
	assert_int_equal((unsigned long)st1.st_ino, p.inode);
	assert_int_equal(MO_PEER_FOUND, mo_peer_locate("/proc", (struct sockaddr *)&c,
	    (struct sockaddr *)&s2, &t, 0, &p));
	assert_int_equal((unsigned long)st2.st_ino, p.inode);
	close(c1);
	close(c2);
	close(l1);
	close(l2);
}

/* An address of this machine: loopback, or any an interface has. */
static void
test_is_local(void **state)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };
	struct ifaddrs *all, *i;

	(void)state;
	inet_pton(AF_INET, "127.0.0.5", &in.sin_addr);
	assert_int_equal(1, mo_peer_is_local((struct sockaddr *)&in));
	inet_pton(AF_INET, "192.0.2.1", &in.sin_addr);
	assert_int_equal(0, mo_peer_is_local((struct sockaddr *)&in));
	inet_pton(AF_INET6, "::1", &in6.sin6_addr);
	assert_int_equal(1, mo_peer_is_local((struct sockaddr *)&in6));
	inet_pton(AF_INET6, "2001:db8::1", &in6.sin6_addr);
	assert_int_equal(0, mo_peer_is_local((struct sockaddr *)&in6));
	assert_int_equal(0, getifaddrs(&all));
	for (i = all; i != NULL; i = i->ifa_next)
		if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET) {
			char a[INET_ADDRSTRLEN], m[64];

			memcpy(&in, i->ifa_addr, sizeof(in));
			assert_int_equal(1, mo_peer_is_local((struct sockaddr *)&in));
			/* and as ::ffff:a.b.c.d */
			inet_ntop(AF_INET, &in.sin_addr, a, sizeof(a));
			snprintf(m, sizeof(m), "::ffff:%s", a);
			assert_int_equal(1, inet_pton(AF_INET6, m, &in6.sin6_addr));
			assert_int_equal(1, mo_peer_is_local((struct sockaddr *)&in6));
		}
	freeifaddrs(all);
}

/* locate: found with the server's end; gone once closed (127.0.0.1 is
 * this machine's); a test net's address with no socket is remote. */
static void
test_locate(void **state)
{
	struct sockaddr_storage c;
	struct sockaddr_in far = { .sin_family = AF_INET, .sin_port = htons(40000) };
	struct timespec t = soon();
	struct mo_peer p;
	struct stat st;
	int cfd, sfd, lfd;

	(void)state;
	pair(AF_INET, &cfd, &sfd, &lfd, &c);
	assert_int_equal(0, fstat(cfd, &st));
	assert_int_equal(MO_PEER_FOUND, mo_peer_locate("/proc", (struct sockaddr *)&c,
	    (struct sockaddr *)&server, &t, 1, &p));
	assert_int_equal((unsigned long)st.st_ino, p.inode);
	assert_int_equal(getpid(), p.pid);
	assert_int_equal(MO_PEER_FOUND, mo_peer_locate("/proc", (struct sockaddr *)&c, NULL, &t, 0, &p));
	assert_int_equal(0, p.pid);             /* walk 0: no process looked for */
	inet_pton(AF_INET, "192.0.2.9", &far.sin_addr);
	assert_int_equal(MO_PEER_REMOTE, mo_peer_locate("/proc", (struct sockaddr *)&far,
	    (struct sockaddr *)&server, &t, 1, &p));
	assert_int_equal(MO_PEER_REMOTE, mo_peer_locate("/proc", (struct sockaddr *)&far, NULL, &t, 1, &p));
	close(cfd);
	close(sfd);
	close(lfd);
	assert_int_equal(MO_PEER_GONE, mo_peer_locate("/proc", (struct sockaddr *)&c,
	    (struct sockaddr *)&server, &t, 1, &p));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v4),
		cmocka_unit_test(test_v6),
		cmocka_unit_test(test_closed),
		cmocka_unit_test(test_not_there),
		cmocka_unit_test(test_own_fault),
		cmocka_unit_test(test_bound_to_lo),
		cmocka_unit_test(test_v4_as_mapped),
		cmocka_unit_test(test_listener_is_no_client),
		cmocka_unit_test(test_shared_port),
		cmocka_unit_test(test_is_local),
		cmocka_unit_test(test_locate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
