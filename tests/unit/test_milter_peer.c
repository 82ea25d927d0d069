/* The milter's /proc/net/tcp reading, over lines as the kernel prints them. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "peer.h"

/* the kernel prints each 32-bit word of the address with %08X, in host order */
static void
v4_hex(const char *dotted, char *out)
{
	struct in_addr a;
	uint32_t w;

	inet_pton(AF_INET, dotted, &a);
	memcpy(&w, &a, 4);
	sprintf(out, "%08X", w);
}

static void
test_tcp_line(void **state)
{
	char line[256], hex[16];
	struct in_addr a, other;
	uid_t uid;
	unsigned long ino;

	(void)state;
	v4_hex("127.0.0.1", hex);
	snprintf(line, sizeof(line), "   3: %s:9C4E %s:2919 01 00000000:00000000 00:00000000 00000000   995        0 48211 1 0000000000000000 20 4 30 10 -1\n",
	    hex, hex);
	inet_pton(AF_INET, "127.0.0.1", &a);
	inet_pton(AF_INET, "127.0.0.2", &other);
	assert_int_equal(0, mo_peer_tcp_line(line, &a, 4, 0x9C4E, &uid, &ino));
	assert_int_equal(995, uid);
	assert_int_equal(48211, ino);
	/* another port, another address: not it */
	assert_int_equal(-1, mo_peer_tcp_line(line, &a, 4, 0x2919, &uid, &ino));
	assert_int_equal(-1, mo_peer_tcp_line(line, &other, 4, 0x9C4E, &uid, &ino));
	/* the header line, a short line, garbage */
	assert_int_equal(-1, mo_peer_tcp_line("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n",
	    &a, 4, 0x9C4E, &uid, &ino));
	snprintf(line, sizeof(line), "   3: %s:9C4E\n", hex);
	assert_int_equal(-1, mo_peer_tcp_line(line, &a, 4, 0x9C4E, &uid, &ino));
	assert_int_equal(-1, mo_peer_tcp_line("", &a, 4, 0x9C4E, &uid, &ino));
	assert_int_equal(-1, mo_peer_tcp_line("   3: ZZZZZZZZ:9C4E", &a, 4, 0x9C4E, &uid, &ino));
	/* an inode of 0 (a socket in TIME_WAIT) names no process */
	snprintf(line, sizeof(line), "   3: %s:9C4E %s:2919 06 00000000:00000000 03:00000000 00000000     0        0 0 3 0000000000000000\n",
	    hex, hex);
	assert_int_equal(-1, mo_peer_tcp_line(line, &a, 4, 0x9C4E, &uid, &ino));
}

static void
test_tcp6_line(void **state)
{
	struct in6_addr a;
	uint32_t w[4];
	char line[300];
	uid_t uid;
	unsigned long ino;

	(void)state;
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &a);
	memcpy(w, &a, 16);
	snprintf(line, sizeof(line), "   0: %08X%08X%08X%08X:D431 00000000000000000000000000000000:0000 01 00000000:00000000 00:00000000 00000000  1000        0 777 1\n",
	    w[0], w[1], w[2], w[3]);
	assert_int_equal(0, mo_peer_tcp_line(line, &a, 16, 0xD431, &uid, &ino));
	assert_int_equal(1000, uid);
	assert_int_equal(777, ino);
	/* a v4 address does not match a 16-byte column */
	assert_int_equal(-1, mo_peer_tcp_line(line, &a, 4, 0xD431, &uid, &ino));
}

static void
test_loopback(void **state)
{
	struct sockaddr_in in = { .sin_family = AF_INET };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6 };

	(void)state;
	inet_pton(AF_INET, "127.1.2.3", &in.sin_addr);
	assert_true(mo_peer_is_loopback((struct sockaddr *)&in));
	inet_pton(AF_INET, "10.0.0.1", &in.sin_addr);
	assert_false(mo_peer_is_loopback((struct sockaddr *)&in));
	inet_pton(AF_INET6, "::1", &in6.sin6_addr);
	assert_true(mo_peer_is_loopback((struct sockaddr *)&in6));
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &in6.sin6_addr);
	assert_true(mo_peer_is_loopback((struct sockaddr *)&in6));
	inet_pton(AF_INET6, "2001:db8::1", &in6.sin6_addr);
	assert_false(mo_peer_is_loopback((struct sockaddr *)&in6));
	assert_false(mo_peer_is_loopback(NULL));
}

/* Without netlink the whole of /proc/net/tcp is read: a user with many
 * sockets makes it long, and the read looks at the deadline (review R7).
 * A fake /proc whose table has 5000 lines, the client's the last: found
 * with time to spare, a fault (ETIMEDOUT, the client's doing) past it. */
static void
test_table_deadline(void **state)
{
	char root[] = "/tmp/mo-peer-XXXXXX", path[64], hex[16];
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(0x9C4E) };
	struct timespec later, gone = { 1, 0 };
	struct mo_peer p;
	FILE *f;
	int i;

	(void)state;
	assert_non_null(mkdtemp(root));
	snprintf(path, sizeof(path), "%s/net", root);
	assert_int_equal(0, mkdir(path, 0755));
	v4_hex("127.0.0.1", hex);
	snprintf(path, sizeof(path), "%s/net/tcp", root);
	assert_non_null(f = fopen(path, "w"));
	fputs("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n", f);
	for (i = 0; i < 5000; i++)
		fprintf(f, "%4d: %s:%04X %s:0019 01 00000000:00000000 00:00000000 00000000   1000        0 %d 1 0 20 4 30 10 -1\n",
		    i, hex, i == 4999 ? 0x9C4E : 0x1000 + i, hex, 100000 + i);
	fclose(f);
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	clock_gettime(CLOCK_MONOTONIC, &later);
	later.tv_sec += 60;
	assert_int_equal(0, mo_peer_find(root, (struct sockaddr *)&sa, &later, 0, &p));
	assert_int_equal(104999, p.inode);
	assert_int_equal(1000, p.uid);
	/* a deadline long past (1 s after the clock's start) */
	assert_int_equal(-3, mo_peer_find(root, (struct sockaddr *)&sa, &gone, 0, &p));
	assert_int_equal(ETIMEDOUT, p.err);
	assert_int_equal(0, unlink(path));
	snprintf(path, sizeof(path), "%s/net", root);
	assert_int_equal(0, rmdir(path));
	assert_int_equal(0, rmdir(root));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tcp_line),
		cmocka_unit_test(test_tcp6_line),
		cmocka_unit_test(test_loopback),
		cmocka_unit_test(test_table_deadline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
