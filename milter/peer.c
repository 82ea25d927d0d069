/* peer: the local process behind a loopback SMTP client. */
#include <sys/stat.h>
#include <netinet/in.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "peer.h"
#include "proc.h"

int
mo_peer_is_loopback(const struct sockaddr *sa)
{
	if (sa == NULL)
		return 0;
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(a) ||
		    (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
	}
	return 0;
}

static int
past(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > deadline->tv_sec ||
	    (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* hex digits into 32-bit words as the kernel printed them (%08X of each
 * word in host order): the bytes come out as the address's own */
static int
hex_addr(const char *s, size_t nhex, unsigned char *out)
{
	size_t w, i;

	for (w = 0; w < nhex / 8; w++) {
		uint32_t v = 0;
		for (i = 0; i < 8; i++) {
			int c = s[w * 8 + i];
			if (!isxdigit(c))
				return -1;
			v = v << 4 | (uint32_t)(isdigit(c) ? c - '0' : (tolower(c) - 'a' + 10));
		}
		memcpy(out + 4 * w, &v, 4);
	}
	return 0;
}

int
mo_peer_tcp_line(const char *line, const void *addr, size_t addrlen, uint16_t port,
    uid_t *uid, unsigned long *inode)
{
	unsigned char got[16];
	const char *p = line, *colon;
	unsigned long u, ino, lport;
	char *end;
	int field;

	while (*p == ' ')
		p++;
	if ((p = strchr(p, ' ')) == NULL)       /* "sl:" */
		return -1;
	while (*p == ' ')
		p++;
	colon = strchr(p, ':');
	if (colon == NULL || (size_t)(colon - p) != addrlen * 2 || hex_addr(p, addrlen * 2, got) == -1 ||
	    memcmp(got, addr, addrlen) != 0)
		return -1;
	lport = strtoul(colon + 1, &end, 16);
	if (end == colon + 1 || lport != port)
		return -1;
	/* rem_address st tx:rx tr:when retrnsmt uid timeout inode */
	p = end;
	for (field = 0; field < 5; field++) {
		while (*p == ' ')
			p++;
		p += strcspn(p, " ");
	}
	errno = 0;
	u = strtoul(p, &end, 10);
	if (end == p || errno)
		return -1;
	p = end;
	while (*p == ' ')
		p++;
	p += strcspn(p, " ");           /* timeout */
	ino = strtoul(p, &end, 10);
	if (end == p || ino == 0)
		return -1;
	*uid = (uid_t)u;
	*inode = ino;
	return 0;
}

/* The table's lines for that end (the fallback without netlink: the
 * whole table is read, so a user with many sockets makes it long; the
 * deadline is looked at every 256 lines, and running past it is a fault
 * the client can bring about, ETIMEDOUT; review R7). */
static int
scan_table(const char *path, const void *addr, size_t addrlen, uint16_t port,
    const struct timespec *deadline, struct mo_peer *p)
{
	char line[512];
	unsigned long n = 0;
	FILE *f;
	int rc = -1;

	if ((f = fopen(path, "re")) == NULL) {
		p->err = errno;
		return -3;
	}
	if (fgets(line, sizeof(line), f) == NULL) {     /* the header line */
		p->err = ferror(f) ? errno : EPROTO;
		fclose(f);
		return -3;
	}
	/* every line: the client's end alone may name several sockets
	 * (connect() shares a local port among destinations) */
	while (fgets(line, sizeof(line), f) != NULL) {
		uid_t u;
		unsigned long ino;

		if ((++n & 255) == 0 && deadline != NULL && past(deadline)) {
			p->timed_out = 1;
			p->err = ETIMEDOUT;
			rc = -3;
			break;
		}
		if (mo_peer_tcp_line(line, addr, addrlen, port, &u, &ino) != 0)
			continue;
		if (rc == 0 || p->inode != 0) {
			rc = -2;
			break;
		}
		p->uid = u;
		p->inode = ino;
		rc = 0;
	}
	fclose(f);
	return rc;
}

/* Does process pid hold the socket?  A vanished process is simply no. */
static int
holds(int procfd, const char *pid, const char *want, size_t wantlen, struct mo_peer *p,
    const struct timespec *deadline)
{
	char fdpath[300], link[64];
	struct dirent *e;
	DIR *d;
	int dfd, found = 0;
	ssize_t n;

	snprintf(fdpath, sizeof(fdpath), "%s/fd", pid);
	if ((dfd = openat(procfd, fdpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return 0;
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return 0;
	}
	while (!found && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if ((++p->fds_seen & 255) == 0 && past(deadline)) {
			p->timed_out = 1;
			break;
		}
		n = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		if (n == (ssize_t)wantlen && memcmp(link, want, wantlen) == 0)
			found = 1;
	}
	closedir(d);
	return found;
}

/* One pass over procroot: the processes of uid only (mine set) or all
 * but them (mine clear).  1 when found (p->pid set). */
static int
walk_pass(int procfd, const char *want, size_t wantlen, int mine, const struct timespec *deadline,
    struct mo_peer *p)
{
	struct dirent *e;
	struct stat st;
	int dfd;
	DIR *d;

	if ((dfd = dup(procfd)) == -1)
		return 0;
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return 0;
	}
	rewinddir(d);
	while ((e = readdir(d)) != NULL && !p->timed_out) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		if (past(deadline)) {
			p->timed_out = 1;
			break;
		}
		if (fstatat(procfd, e->d_name, &st, 0) == -1 || (st.st_uid == p->uid) != mine)
			continue;
		if (holds(procfd, e->d_name, want, wantlen, p, deadline)) {
			p->pid = (pid_t)strtol(e->d_name, NULL, 10);
			break;
		}
	}
	closedir(d);
	return p->pid != 0;
}

/* The real uid of pid, who held the socket: read, then the socket looked
 * for again, so that a pid that was reused in between (whose status that
 * was) does not count.  0 or -1. */
static int
holder_real_uid(int procfd, pid_t pid, const char *want, size_t wantlen, struct mo_peer *p,
    const struct timespec *deadline, uid_t *uid)
{
	char name[24];

	snprintf(name, sizeof(name), "%ld", (long)pid);
	if (mo_proc_real_uid(procfd, name, uid) == -1 ||
	    !holds(procfd, name, want, wantlen, p, deadline))
		return -1;
	return 0;
}

/* A socket of uid 0 is root's mail only when root's code sends it.  One
 * that root accepted (inetd, a socket unit with Accept=yes) and handed to
 * a user's code, which reconnected it to the SMTP port, keeps uid 0 and
 * may still be held by root too (systemd keeps its copy; so does a su
 * waiting on its child): the first holder found is then root's.  So the
 * processes of other uids are walked too, and a holder among them whose
 * real uid is not 0 is the sender; so is the holder found first when its
 * real uid is not 0 (a setuid-root program's caller).  Only for uid 0: a
 * user's socket handed to another uid's process (one that queues fds, as
 * a bus daemon does) stays its maker's (review R3). */
static void
root_socket(int procfd, const char *want, size_t wantlen, const struct timespec *deadline,
    struct mo_peer *p)
{
	struct mo_peer alt;
	uid_t u;

	if (holder_real_uid(procfd, p->pid, want, wantlen, p, deadline, &u) == 0 && u != 0)
		goto found;
	alt = *p;
	alt.pid = 0;
	if (!walk_pass(procfd, want, wantlen, 0, deadline, &alt) ||
	    holder_real_uid(procfd, alt.pid, want, wantlen, &alt, deadline, &u) == -1 || u == 0) {
		p->fds_seen = alt.fds_seen;
		return;
	}
	p->pid = alt.pid;
	p->fds_seen = alt.fds_seen;
found:
	p->sk_uid = 0;
	p->uid = u;
	p->holder_uid = 1;
}

/* The socket's owner usually holds it: its processes are walked first, so
 * that another user's thousands of fds cost nothing in the common case.
 * /proc/PID's owner is the process's effective uid (the socket's uid is
 * the fsuid that made it), also for one that is not dumpable (an FPM
 * worker, a mod_php child): the kernel makes only the entries inside
 * (fd, mem, ...) root's then, not the world-readable directory
 * (tests/integration/93-milter-sapi.t). */
void
mo_peer_find_process(const char *procroot, const struct timespec *deadline, struct mo_peer *p)
{
	char want[64];
	size_t wantlen;
	int procfd;

	wantlen = (size_t)snprintf(want, sizeof(want), "socket:[%lu]", p->inode);
	if ((procfd = open(procroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return;
	if (!walk_pass(procfd, want, wantlen, 1, deadline, p))
		walk_pass(procfd, want, wantlen, 0, deadline, p);
	if (p->pid != 0 && p->uid == 0)
		root_socket(procfd, want, wantlen, deadline, p);
	close(procfd);
}

int
mo_peer_find(const char *procroot, const struct sockaddr *sa, const struct timespec *deadline,
    int walk, struct mo_peer *p)
{
	char path[PATH_MAX];
	unsigned char mapped[16] = { 0 };
	uint16_t port;
	int rc = -1;

	memset(p, 0, sizeof(*p));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		port = ntohs(in->sin_port);
		snprintf(path, sizeof(path), "%s/net/tcp", procroot);
		rc = scan_table(path, &in->sin_addr, 4, port, deadline, p);
		if (rc != -2) {         /* or a v4-mapped IPv6 socket (both: ambiguous) */
			int r;

			mapped[10] = mapped[11] = 0xff;
			memcpy(mapped + 12, &in->sin_addr, 4);
			snprintf(path, sizeof(path), "%s/net/tcp6", procroot);
			r = p->timed_out ? -3 : scan_table(path, mapped, 16, port, deadline, p);
			/* found in one, or in neither though both were read */
			rc = r == -2 ? -2 : rc == 0 || r == 0 ? 0 : rc == -3 || r == -3 ? -3 : -1;
		}
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		port = ntohs(in6->sin6_port);
		snprintf(path, sizeof(path), "%s/net/tcp6", procroot);
		rc = scan_table(path, &in6->sin6_addr, 16, port, deadline, p);
	}
	if (rc == 0 && walk)
		mo_peer_find_process(procroot, deadline, p);
	return rc;
}
