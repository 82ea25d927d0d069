/*
 * fuzz_peer: the milter's /proc/net/tcp reader (milter/peer.c) on any
 * bytes: each line through mo_peer_tcp_line() for the loopback addresses
 * and port a client would have, then the whole input as procroot/net/tcp
 * and tcp6 of a scratch /proc for mo_peer_find().  A line it accepts must
 * name a socket (an inode).
 */
#include <netinet/in.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "peer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64];

static void
cleanup(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/net/tcp", root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/net/tcp6", root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/net", root);
	rmdir(path);
	rmdir(root);
}

static void
put(const char *name, const uint8_t *data, size_t size)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "%s/net/%s", root, name);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) == -1)
		abort();
	if (size > 0 && write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
}

static void
lines(const uint8_t *data, size_t size)
{
	static const unsigned char v4[4] = { 127, 0, 0, 1 };
	static const unsigned char v6[16] = { [15] = 1 };
	char *text, *line, *save = NULL;
	unsigned long inode;
	uid_t uid;

	if ((text = malloc(size + 1)) == NULL)
		return;
	memcpy(text, data, size);
	text[size] = '\0';
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (mo_peer_tcp_line(line, v4, sizeof(v4), 0x1f90, &uid, &inode) == 0 &&
		    inode == 0)
			abort();
		if (mo_peer_tcp_line(line, v6, sizeof(v6), 0x1f90, &uid, &inode) == 0 &&
		    inode == 0)
			abort();
	}
	free(text);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct timespec deadline;
	struct mo_peer p;
	char net[96];

	if (root[0] == '\0') {
		/* tmpfs when there is one: two files are written per input */
		strcpy(root, "/dev/shm/fuzz-peer-XXXXXX");
		if (mkdtemp(root) == NULL) {
			strcpy(root, "/tmp/fuzz-peer-XXXXXX");
			if (mkdtemp(root) == NULL)
				abort();
		}
		snprintf(net, sizeof(net), "%s/net", root);
		if (mkdir(net, 0700) == -1)
			abort();
		atexit(cleanup);
	}
	lines(data, size);
	put("tcp", data, size);
	put("tcp6", data, size);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(0x1f90);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += 1;
	memset(&p, 0, sizeof(p));
	if (mo_peer_find(root, (struct sockaddr *)&sin, &deadline, 1, &p) == 0 &&
	    p.inode == 0)
		abort();
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(0x1f90);
	sin6.sin6_addr = in6addr_loopback;
	memset(&p, 0, sizeof(p));
	if (mo_peer_find(root, (struct sockaddr *)&sin6, &deadline, 1, &p) == 0 &&
	    p.inode == 0)
		abort();
	return 0;
}
