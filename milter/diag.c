/* diag: a loopback client's socket through NETLINK_SOCK_DIAG (inet_diag). */
#include <sys/socket.h>
#include <sys/time.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <errno.h>
#include <ifaddrs.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "peer.h"

#define DIAG_BUF 32768

/* One end of a TCP connection, as inet_diag wants it. */
struct end {
	int		family;
	unsigned char	addr[16];       /* network order; 4 bytes for AF_INET */
	size_t		alen;
	uint16_t	port;           /* host order */
};

static int
end_of(const struct sockaddr *sa, struct end *e, int mapped)
{
	memset(e, 0, sizeof(*e));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;
		e->port = ntohs(in->sin_port);
		if (mapped) {           /* ::ffff:a.b.c.d, on an IPv6 socket */
			e->family = AF_INET6;
			e->addr[10] = e->addr[11] = 0xff;
			memcpy(e->addr + 12, &in->sin_addr, 4);
			e->alen = 16;
		} else {
			e->family = AF_INET;
			memcpy(e->addr, &in->sin_addr, 4);
			e->alen = 4;
		}
		return 0;
	}
	if (sa->sa_family == AF_INET6 && !mapped) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		e->family = AF_INET6;
		e->port = ntohs(in6->sin6_port);
		memcpy(e->addr, &in6->sin6_addr, 16);
		e->alen = 16;
		return 0;
	}
	errno = EAFNOSUPPORT;
	return -1;
}

/* One condition of a filter's bytecode at bc: e's address (all of it)
 * and port as the socket's source (INET_DIAG_BC_S_COND) or destination
 * (D_COND); true jumps to the next op, false past the end (drop the
 * socket: rest is what is left from this op on).  Its length. */
static size_t
put_cond(unsigned char *bc, unsigned char code, const struct end *e, size_t rest)
{
	struct inet_diag_bc_op op;
	struct inet_diag_hostcond hc;
	size_t len = sizeof(op) + sizeof(hc) + e->alen;

	op.code = code;
	op.yes = (unsigned char)len;
	op.no = (unsigned short)(rest + 4);
	memset(&hc, 0, sizeof(hc));
	hc.family = (uint8_t)e->family;
	hc.prefix_len = (uint8_t)(e->alen * 8);
	hc.port = e->port;
	memcpy(bc, &op, sizeof(op));
	memcpy(bc + sizeof(op), &hc, sizeof(hc));
	memcpy(bc + sizeof(op) + sizeof(hc), e->addr, e->alen);
	return len;
}

/*
 * Ask for the TCP socket whose local end is c.  With the other end s
 * known (the server's), the kernel looks the 4-tuple up in its hash
 * (inet_diag_find_one): one message.  Without it, a dump with a one-op
 * filter (INET_DIAG_BC_S_COND, address and port): the kernel walks its
 * table but sends that socket alone.  With s and dump set, a dump
 * filtered on both ends: what the hash misses, a socket bound to an
 * interface (SO_BINDTODEVICE, which any user may set to lo; an IPv6
 * link-local connect binds itself), which the hash looks up with
 * interface 0 and does not match.  0 found, 1 not there, 2 several
 * sockets have that end (dump only), -1 (errno) netlink failed.
 */
static int
ask(int fd, const struct end *c, const struct end *s, int dump, uid_t *uid, unsigned long *inode)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	struct {
		struct nlmsghdr			h;
		struct inet_diag_req_v2		r;
		struct rtattr			a;
		/* ops, each a struct inet_diag_bc_op and a struct
		 * inet_diag_hostcond with its address (its flexible array
		 * member): bytes, as a struct with one inside may not have
		 * members after it */
		unsigned char			bc[2 * (sizeof(struct inet_diag_bc_op) +
		    sizeof(struct inet_diag_hostcond) + 16)];
	} req;
	size_t bclen, clen = sizeof(struct inet_diag_bc_op) + sizeof(struct inet_diag_hostcond) + c->alen;
	static unsigned seq;
	union { char b[DIAG_BUF]; struct nlmsghdr align; } buf;
	struct nlmsghdr *h;
	ssize_t n;
	int found = 0, ambiguous = 0;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_seq = ++seq;
	req.r.sdiag_family = (uint8_t)c->family;
	req.r.sdiag_protocol = IPPROTO_TCP;
	req.r.idiag_states = ~(1U << TCP_LISTEN);
	req.r.id.idiag_sport = htons(c->port);
	memcpy(req.r.id.idiag_src, c->addr, c->alen);
	req.r.id.idiag_cookie[0] = req.r.id.idiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (s != NULL && !dump) {
		req.h.nlmsg_len = NLMSG_LENGTH(sizeof(req.r));
		req.h.nlmsg_flags = NLM_F_REQUEST;
		req.r.id.idiag_dport = htons(s->port);
		memcpy(req.r.id.idiag_dst, s->addr, s->alen);
	} else {
		/* the client's end, then the server's: all true keeps it */
		bclen = clen + (s != NULL ? sizeof(struct inet_diag_bc_op) +
		    sizeof(struct inet_diag_hostcond) + s->alen : 0);
		put_cond(req.bc, INET_DIAG_BC_S_COND, c, bclen);
		if (s != NULL)
			put_cond(req.bc + clen, INET_DIAG_BC_D_COND, s, bclen - clen);
		req.h.nlmsg_len = (uint32_t)(NLMSG_LENGTH(sizeof(req.r)) + RTA_LENGTH(bclen));
		req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
		req.a.rta_type = INET_DIAG_REQ_BYTECODE;
		req.a.rta_len = (unsigned short)RTA_LENGTH(bclen);
	}
	if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&nl, sizeof(nl)) == -1)
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
				return ambiguous ? 2 : found ? 0 : 1;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(h);
				errno = h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error < 0 ?
				    -e->error : EPROTO;
				return errno == ENOENT ? 1 : -1;        /* exact: no such socket */
			}
			if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
			    h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
				continue;
			m = NLMSG_DATA(h);
			/* the exact lookup's one answer may be a listener on
			 * the client's port (the kernel looks the pair up as it
			 * would an arriving packet, listeners last): that is
			 * nobody's client end, and no other answer comes */
			if (s != NULL && !dump && (m->idiag_family != c->family ||
			    m->idiag_state == TCP_LISTEN ||
			    m->id.idiag_sport != htons(c->port) || m->id.idiag_dport != htons(s->port) ||
			    memcmp(m->id.idiag_src, c->addr, c->alen) != 0 ||
			    memcmp(m->id.idiag_dst, s->addr, s->alen) != 0))
				return 1;
			if (m->idiag_family != c->family || m->id.idiag_sport != htons(c->port) ||
			    memcmp(m->id.idiag_src, c->addr, c->alen) != 0 || (s != NULL &&
			    (m->id.idiag_dport != htons(s->port) ||
			    memcmp(m->id.idiag_dst, s->addr, s->alen) != 0)))
				continue;
			/* no inode: a closed socket (time-wait, or orphaned after
			 * its close), which the kernel reports as uid 0; nobody
			 * holds it, so it names nobody (as /proc's reader skips it) */
			if (m->idiag_inode == 0) {
				if (s != NULL && !dump)
					return 1;
				continue;
			}
			/* the dump: the client's end alone may name several
			 * sockets (connect() shares a local port among
			 * different destinations): which one is then unknown */
			if (found) {
				ambiguous = 1;
				continue;
			}
			*uid = (uid_t)m->idiag_uid;
			*inode = m->idiag_inode;
			found = 1;
			if (s != NULL && !dump) /* one answer, no NLMSG_DONE after it */
				return 0;
		}
	}
}

/* Does the kernel route addr (len bytes of family fam) to this machine
 * (RTN_LOCAL: an interface's address, or a "local" route such as
 * AnyIP's)?  One RTM_GETROUTE request: 1 yes, 0 no (or no route at
 * all), -1 cannot tell. */
static int
route_local(int fam, const unsigned char *addr, size_t len)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	struct {
		struct nlmsghdr	h;
		struct rtmsg	r;
		char		attrs[64];
	} req;
	union { char b[4096]; struct nlmsghdr align; } buf;
	struct timeval tv = { .tv_sec = 1 };
	struct rtattr *a;
	struct nlmsghdr *h;
	ssize_t n;
	int fd, rc = -1;

	if ((fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_ROUTE)) == -1)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_type = RTM_GETROUTE;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.h.nlmsg_seq = 1;
	req.r.rtm_family = (unsigned char)fam;
	req.r.rtm_dst_len = (unsigned char)(len * 8);
	a = (struct rtattr *)((char *)&req + NLMSG_ALIGN(NLMSG_LENGTH(sizeof(req.r))));
	a->rta_type = RTA_DST;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), addr, len);
	req.h.nlmsg_len = (uint32_t)(NLMSG_ALIGN(NLMSG_LENGTH(sizeof(req.r))) + RTA_LENGTH(len));
	if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&nl, sizeof(nl)) == -1 ||
	    (n = recv(fd, buf.b, sizeof(buf.b), 0)) <= 0) {
		close(fd);
		return -1;
	}
	for (h = &buf.align; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
		if (h->nlmsg_seq != req.h.nlmsg_seq)
			continue;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);
			int err = h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) ? -e->error : EPROTO;
			/* no route there: not this machine's */
			rc = err == ENETUNREACH || err == EHOSTUNREACH ? 0 : -1;
			break;
		}
		if (h->nlmsg_type == RTM_NEWROUTE && h->nlmsg_len >= NLMSG_LENGTH(sizeof(struct rtmsg))) {
			rc = ((const struct rtmsg *)NLMSG_DATA(h))->rtm_type == RTN_LOCAL;
			break;
		}
	}
	close(fd);
	return rc;
}

/* sa's address as bytes (an IPv4 one, v4-mapped too, as 4): its length */
static size_t
addr_bytes(const struct sockaddr *sa, unsigned char out[16], int *family)
{
	if (sa->sa_family == AF_INET) {
		memcpy(out, &((const struct sockaddr_in *)sa)->sin_addr, 4);
		*family = AF_INET;
		return 4;
	}
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			memcpy(out, a->s6_addr + 12, 4);
			*family = AF_INET;
			return 4;
		}
		memcpy(out, a->s6_addr, 16);
		*family = AF_INET6;
		return 16;
	}
	return 0;
}

int
mo_peer_is_local(const struct sockaddr *sa)
{
	struct ifaddrs *all, *i;
	unsigned char want[16], got[16];
	size_t n;
	int fam, f2, rc = 0;

	if (sa == NULL || (n = addr_bytes(sa, want, &fam)) == 0)
		return 0;
	if (mo_peer_is_loopback(sa))
		return 1;
	if ((rc = route_local(fam, want, n)) != -1)
		return rc;
	rc = 0;
	if (getifaddrs(&all) == -1)
		return -1;
	for (i = all; i != NULL && rc == 0; i = i->ifa_next)
		if (i->ifa_addr != NULL && addr_bytes(i->ifa_addr, got, &f2) == n && f2 == fam &&
		    memcmp(got, want, n) == 0)
			rc = 1;
	freeifaddrs(all);
	return rc;
}

int
mo_peer_diag_socket(const struct timespec *deadline)
{
	struct timespec now;
	struct timeval tv = { 0, 0 };
	int fd;

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
	return fd;
}

/* mo_peer_diag(), or with dump the dump filtered on both ends */
static int
diag(const struct sockaddr *sa, const struct sockaddr *server, int dump,
    const struct timespec *deadline, uid_t *uid, unsigned long *inode)
{
	struct end c, s;
	int fd, rc = -1, mapped, exact;

	if ((fd = mo_peer_diag_socket(deadline)) == -1)
		return -1;
	/* an IPv4 client may sit on a v4-mapped IPv6 socket: asked second;
	 * the dump asks both, since its end may be on either (ambiguous) */
	exact = server != NULL && server->sa_family == sa->sa_family;
	for (mapped = 0; mapped < 2 && (mapped == 0 || rc == 1 || (!exact && rc == 0)); mapped++) {
		uid_t u2;
		unsigned long i2;
		int r;

		if (end_of(sa, &c, mapped) == -1) {
			if (mapped == 0)
				rc = -1;
			break;
		}
		if (exact && end_of(server, &s, mapped) == 0)
			r = ask(fd, &c, &s, dump, &u2, &i2);
		else
			r = ask(fd, &c, NULL, 0, &u2, &i2);
		if (mapped == 1 && rc == 0 && r != 1)
			rc = r == -1 ? -1 : 2;          /* on both families: which? */
		else if (mapped == 0 || rc == 1) {
			rc = r;
			*uid = u2;
			*inode = i2;
		}
	}
	close(fd);
	return rc;
}

int
mo_peer_diag(const struct sockaddr *sa, const struct sockaddr *server,
    const struct timespec *deadline, uid_t *uid, unsigned long *inode)
{
	return diag(sa, server, 0, deadline, uid, inode);
}

int
mo_peer_diag_bound(const struct sockaddr *sa, const struct sockaddr *server,
    const struct timespec *deadline, uid_t *uid, unsigned long *inode)
{
	return diag(sa, server, 1, deadline, uid, inode);
}

/* ::ffff:a.b.c.d as the AF_INET address it is (a dual-stack listener's
 * view of an IPv4 client, as tcpserver's TCPREMOTEIP gives it): the
 * kernel's answer about the client's own socket is then of its family */
static const struct sockaddr *
unmapped(const struct sockaddr *sa, struct sockaddr_storage *out)
{
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
	struct sockaddr_in *in = (struct sockaddr_in *)out;

	if (sa == NULL || sa->sa_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
		return sa;
	memset(out, 0, sizeof(*out));
	in->sin_family = AF_INET;
	in->sin_port = in6->sin6_port;
	memcpy(&in->sin_addr, in6->sin6_addr.s6_addr + 12, 4);
	return (const struct sockaddr *)out;
}

int
mo_peer_lookup(const char *procroot, const struct sockaddr *sa, const struct sockaddr *server,
    const struct timespec *deadline, int walk, struct mo_peer *p)
{
	struct sockaddr_storage a, b;
	uid_t uid;
	unsigned long inode;
	int rc;

	sa = unmapped(sa, &a);
	server = unmapped(server, &b);
	/* the kernel's sockets are the real /proc's: a test's fake tree
	 * (another procroot) is read as files */
	if (strcmp(procroot, "/proc") != 0 || (rc = mo_peer_diag(sa, server, deadline, &uid, &inode)) == -1)
		return mo_peer_find(procroot, sa, deadline, walk, p);
	if (rc == 1 || rc == 2)
		return rc == 1 ? -1 : -2;
	memset(p, 0, sizeof(*p));
	p->uid = uid;
	p->inode = inode;
	p->netlink = server != NULL && server->sa_family == sa->sa_family ? 2 : 1;
	if (walk)
		mo_peer_find_process(procroot, deadline, p);
	return 0;
}

enum mo_peer_where
mo_peer_locate(const char *procroot, const struct sockaddr *sa, const struct sockaddr *server,
    const struct timespec *deadline, int walk, struct mo_peer *p)
{
	struct sockaddr_storage a, b;
	uid_t uid;
	unsigned long inode;
	int rc, local, saved;

	memset(p, 0, sizeof(*p));
	sa = unmapped(sa, &a);
	server = unmapped(server, &b);
	/* the kernel's word first: is the client's end of this very
	 * connection a socket here?  For a remote client one exact query
	 * says no, and the address is then looked at */
	if (server != NULL && server->sa_family == sa->sa_family && strcmp(procroot, "/proc") == 0 &&
	    (rc = mo_peer_diag(sa, server, deadline, &uid, &inode)) != -1) {
		if (rc == 0) {
			p->uid = uid;
			p->inode = inode;
			p->netlink = 2;
			if (walk)
				mo_peer_find_process(procroot, deadline, p);
			return MO_PEER_FOUND;
		}
		/* gone (closed before we asked), never here, or bound to an
		 * interface, which the hash does not match with interface 0:
		 * for an address of this machine, the dump on both ends */
		if ((local = mo_peer_is_local(sa)) == -1) {
			p->err = errno ? errno : EIO;
			return MO_PEER_FAULT;
		}
		if (local == 0)
			return MO_PEER_REMOTE;
		if ((rc = mo_peer_diag_bound(sa, server, deadline, &uid, &inode)) == 0) {
			p->uid = uid;
			p->inode = inode;
			p->netlink = 3;
			if (walk)
				mo_peer_find_process(procroot, deadline, p);
			return MO_PEER_FOUND;
		}
		return rc == 2 ? MO_PEER_AMBIGUOUS : MO_PEER_GONE;
	}
	/* without the server's end (or netlink): the address says whether
	 * to look, the client's end alone which socket */
	if ((local = mo_peer_is_local(sa)) == 0)
		return MO_PEER_REMOTE;
	saved = errno;
	rc = mo_peer_lookup(procroot, sa, server, deadline, walk, p);
	if (rc == -3) {
		p->local = local;
		return MO_PEER_FAULT;
	}
	if (rc == -1 && local == -1) {          /* remote, or gone: cannot tell */
		p->err = saved ? saved : EIO;
		return MO_PEER_FAULT;
	}
	return rc == 0 ? MO_PEER_FOUND : rc == -2 ? MO_PEER_AMBIGUOUS : MO_PEER_GONE;
}

const char *
mo_peer_via(const struct mo_peer *p)
{
	return p->netlink == 3 ? "netlink-bound" : p->netlink == 2 ? "netlink-exact" :
	    p->netlink ? "netlink" : "proc";
}
