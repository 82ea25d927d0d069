/* diag: a loopback client's socket through NETLINK_SOCK_DIAG (inet_diag). */
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "peer.h"

#define DIAG_BUF 32768

/* Ask for family's TCP sockets whose local port is port (the kernel
 * filters by idiag_sport in a dump), and keep the one whose local address
 * is addr (alen bytes).  0 found, 1 not there, -1 (errno) netlink failed. */
static int
dump(int fd, int family, const void *addr, size_t alen, uint16_t port, uid_t *uid,
    unsigned long *inode)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	struct {
		struct nlmsghdr		h;
		struct inet_diag_req_v2	r;
	} req;
	static unsigned seq;
	union { char b[DIAG_BUF]; struct nlmsghdr align; } buf;
	struct nlmsghdr *h;
	ssize_t n;
	int found = 0;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = ++seq;
	req.r.sdiag_family = (uint8_t)family;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = ~(1U << TCP_LISTEN);
	req.r.id.idiag_sport = htons(port);
	req.r.id.idiag_cookie[0] = req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&nl, sizeof(nl)) == -1)
		return -1;
	for (;;) {
		if ((n = recv(fd, buf.b, sizeof(buf.b), 0)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EPROTO;
			return -1;
		}
		for (h = &buf.align; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			const struct inet_diag_msg *m;

			if (h->nlmsg_seq != req.h.nlmsg_seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return found ? 0 : 1;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				errno = h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error < 0 ?
				    -e->error : EPROTO;
				return -1;
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
				continue;
			m = NLMSG_DATA(h);
			if (found || m->idiag_family != family || m->id.idiag_sport != htons(port) ||
			    memcmp(m->id.idiag_src, addr, alen) != 0)
				continue;
			*uid = (uid_t)m->idiag_uid;
			*inode = m->idiag_inode;
			found = 1;      /* read on to NLMSG_DONE: the socket stays clean */
		}
	}
}

int
mo_peer_diag(const struct sockaddr *sa, const struct timespec *deadline, uid_t *uid,
    unsigned long *inode)
{
	struct timespec now;
	struct timeval tv = { 0, 0 };
	unsigned char mapped[16] = { 0 };
	int fd, rc = -1;

	if ((fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG)) == -1)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (deadline->tv_sec > now.tv_sec ||
	    (deadline->tv_sec == now.tv_sec && deadline->tv_nsec > now.tv_nsec)) {
		long long us = (long long)(deadline->tv_sec - now.tv_sec) * 1000000 +
		    (deadline->tv_nsec - now.tv_nsec) / 1000;
		tv.tv_sec = (time_t)(us / 1000000);
		tv.tv_usec = (suseconds_t)(us % 1000000);
	}
	if (tv.tv_sec == 0 && tv.tv_usec == 0)
		tv.tv_usec = 1000;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		rc = dump(fd, AF_INET, &in->sin_addr, 4, ntohs(in->sin_port), uid, inode);
		if (rc == 1) {          /* a v4-mapped IPv6 socket */
			mapped[10] = mapped[11] = 0xff;
			memcpy(mapped + 12, &in->sin_addr, 4);
			rc = dump(fd, AF_INET6, mapped, 16, ntohs(in->sin_port), uid, inode);
		}
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		rc = dump(fd, AF_INET6, &in6->sin6_addr, 16, ntohs(in6->sin6_port), uid, inode);
	} else
		errno = EAFNOSUPPORT;
	close(fd);
	return rc;
}

int
mo_peer_lookup(const char *procroot, const struct sockaddr *sa, const struct timespec *deadline,
    struct mo_peer *p)
{
	uid_t uid;
	unsigned long inode;
	int rc;

	/* the kernel's sockets are the real /proc's: a test's fake tree
	 * (another procroot) is read as files */
	if (strcmp(procroot, "/proc") != 0 || (rc = mo_peer_diag(sa, deadline, &uid, &inode)) == -1)
		return mo_peer_find(procroot, sa, deadline, p);
	if (rc == 1)
		return -1;
	memset(p, 0, sizeof(*p));
	p->uid = uid;
	p->inode = inode;
	p->netlink = 1;
	mo_peer_find_process(procroot, deadline, p);
	return 0;
}
