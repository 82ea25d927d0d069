/* sockets-hold N PORT: hold N loopback TCP connections to a listener of
 * our own on PORT (2N sockets in /proc/net/tcp, 2N fds in this process),
 * print "ready", and sleep until killed.  For the milter's lookup cost. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int
main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct rlimit rl;
	int n, i, l, one = 1;

	if (argc != 3)
		return 2;
	n = atoi(argv[1]);
	rl.rlim_cur = rl.rlim_max = (rlim_t)n * 2 + 64;
	if (setrlimit(RLIMIT_NOFILE, &rl) == -1) {
		perror("setrlimit");
		return 1;
	}
	a.sin_port = htons((unsigned short)atoi(argv[2]));
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((l = socket(AF_INET, SOCK_STREAM, 0)) == -1 ||
	    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    bind(l, (struct sockaddr *)&a, sizeof(a)) == -1 || listen(l, 4096) == -1) {
		perror("listen");
		return 1;
	}
	for (i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (c == -1 || connect(c, (struct sockaddr *)&a, sizeof(a)) == -1 || accept(l, NULL, NULL) == -1) {
			perror("connect");
			return 1;
		}
	}
	printf("ready\n");
	fflush(stdout);
	for (;;)
		pause();
}
