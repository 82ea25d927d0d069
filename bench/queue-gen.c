/*
 * queue-gen: write N Postfix queue files in Postfix's record format into
 * QUEUE_DIR/deferred (hashed one level, as Postfix does), for the queue
 * benchmark.  Each looks like what cleanup writes for a locally picked-up
 * message: C (with real offsets), T, A rewrite_context=local, S, O, R, M,
 * the pickup Received header with a uid, a few headers (a third stamped by
 * the wrapper, X-PHP-Originating-Script on half), a 1-2 KiB body, X, E;
 * one in ten is a bounce (null sender) carrying its original's headers.
 * The truth per uid goes to stdout ("uid N count").  Checked by postcat.
 *   queue-gen QUEUE_DIR N [SEED]
 */
#include <sys/stat.h>

#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pfqueue.h"

#define NUIDS 50

static unsigned char buf[1 << 16];
static size_t len;

static void
rec(int type, const char *s)
{
	size_t n = pfq_encode(buf + len, sizeof(buf) - len, type, s, strlen(s));
	if (n == 0)
		errx(1, "record too big");
	len += n;
}

static void
write_one(const char *qdir, unsigned long i, unsigned *seed, unsigned long *truth)
{
	char id[32], path[4096], line[512], size[128];
	size_t data_off, c_len;
	unsigned uid = 1000 + (unsigned)(rand_r(seed) % NUIDS);
	int bounce = i % 10 == 9, k, fd;
	time_t t = 1796150000 + (time_t)(i % 86400);

	/* Postfix short ids: hex of microseconds + inode; ours just unique */
	snprintf(id, sizeof(id), "%05lX%06lX", (i * 7919) & 0xFFFFF, i);
	len = 0;
	snprintf(size, sizeof(size), "%15d %15d %15d %15d", 0, 0, 1, 0);
	rec('C', size);
	c_len = len;
	snprintf(line, sizeof(line), "%lld 123456", (long long)t);
	rec('T', line);
	snprintf(line, sizeof(line), "create_time=%lld", (long long)t);
	rec('A', line);
	rec('A', bounce ? "log_message_origin=local" : "rewrite_context=local");
	snprintf(line, sizeof(line), "site%u@test.invalid", uid);
	rec('S', bounce ? "" : line);
	snprintf(line, sizeof(line), "rcpt%lu@remote%lu.example", i, i % 97);
	rec('O', line);
	rec('R', line);
	rec('M', "");
	data_off = len;
	if (bounce) {
		rec('N', "Received: by test.invalid (Postfix)");
		rec('N', "\tid X; Tue,  1 Dec 2026 20:30:52 +0000 (UTC)");
		rec('N', "Subject: Undelivered Mail Returned to Sender");
		rec('N', "Content-Type: multipart/report; report-type=delivery-status;");
		rec('N', "\tboundary=\"B\"");
		rec('N', "");
		rec('N', "--B");
		rec('N', "Content-Type: message/delivery-status");
		rec('N', "");
		snprintf(line, sizeof(line), "X-Postfix-Sender: rfc822; site%u@test.invalid", uid);
		rec('N', line);
		rec('N', "");
		rec('N', "--B");
		rec('N', "Content-Type: message/rfc822");
		rec('N', "");
	}
	snprintf(line, sizeof(line), "Received: by test.invalid (Postfix, from userid %u)", uid);
	rec('N', line);
	rec('N', "\tid 4ABCDEF; Tue,  1 Dec 2026 20:30:46 +0000 (UTC)");
	snprintf(line, sizeof(line), "Subject: offer %lu", i % 1000);
	rec('N', line);
	if (i % 3 == 0) {
		snprintf(line, sizeof(line), "X-Mailorigin-Uid: %u", uid);
		rec('N', line);
		snprintf(line, sizeof(line), "X-Mailorigin-Script: /var/www/site%u/up/x.php", uid);
		rec('N', line);
	}
	if (i % 2 == 0) {
		snprintf(line, sizeof(line), "X-PHP-Originating-Script: %u:x.php", uid);
		rec('N', line);
	}
	rec('N', "Message-Id: <20261201203046.4ABCDEF@test.invalid>");
	rec('N', "Date: Tue,  1 Dec 2026 20:30:46 +0000 (UTC)");
	rec('N', "From: shop@test.invalid");
	rec('N', "");
	for (k = 0; k < 16 + (int)(i % 16); k++)
		rec('N', "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod te");
	{
		size_t xtra = len;
		unsigned char c[128];
		snprintf(size, sizeof(size), "%15zu %15zu %15d %15d", xtra - data_off, data_off, 1, 0);
		if (pfq_encode(c, sizeof(c), 'C', size, strlen(size)) != c_len)
			errx(1, "C record length");
		memcpy(buf, c, c_len);
	}
	rec('X', "");
	rec('E', "");
	snprintf(path, sizeof(path), "%s/deferred/%c", qdir, id[0]);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/deferred/%c/%s", qdir, id[0], id);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0700)) == -1)
		err(1, "%s", path);
	if (write(fd, buf, len) != (ssize_t)len)
		err(1, "write %s", path);
	close(fd);
	truth[uid - 1000]++;
}

int
main(int argc, char *argv[])
{
	unsigned long n, i, truth[NUIDS] = { 0 };
	unsigned seed;
	char path[4096];
	int u;

	if (argc < 3)
		errx(2, "usage: queue-gen QUEUE_DIR N [SEED]");
	n = strtoul(argv[2], NULL, 10);
	seed = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 1;
	snprintf(path, sizeof(path), "%s/deferred", argv[1]);
	mkdir(argv[1], 0700);
	mkdir(path, 0700);
	for (i = 0; i < n; i++)
		write_one(argv[1], i, &seed, truth);
	for (u = 0; u < NUIDS; u++)
		printf("uid %d %lu\n", 1000 + u, truth[u]);
	return 0;
}
