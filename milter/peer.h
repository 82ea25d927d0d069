/*
 * peer: which local process holds the client end of a TCP connection
 * from this machine (to whatever address: the kernel says whether the
 * client's end is a socket here).  The client's address and port name its socket in
 * /proc/net/tcp (or tcp6; an IPv4 client may sit on a v4-mapped IPv6
 * socket): that line gives the socket's uid and inode, and the process is
 * the one with an fd on "socket:[inode]" (a walk of /proc/PID/fd, which
 * needs root).  Every step gives up at a deadline, so that a /proc that
 * reads slowly, or a process that exits mid-walk, costs a bounded time;
 * the uid is then still known from the socket.
 */
#ifndef MO_PEER_H
#define MO_PEER_H

#include <sys/socket.h>
#include <sys/types.h>
#include <stdint.h>
#include <time.h>

struct mo_peer {
	uid_t		uid;
	unsigned long	inode;
	pid_t		pid;            /* 0: no process found (or too late) */
	unsigned	fds_seen;       /* fds looked at in the walk */
	int		timed_out;
	int		netlink;        /* uid and inode from NETLINK_SOCK_DIAG: 1 a filtered
					 * dump, 2 the exact 4-tuple, 3 the dump on both
					 * ends (a socket bound to an interface); 0
					 * /proc/net/tcp */
	int		err;            /* MO_PEER_FAULT: the errno of the lookup's own failure */
	int		local;          /* MO_PEER_FAULT: 1 the client is known to be on
					 * this machine (its errno may then be its own
					 * doing: mo_fault_is_callers), else unknown */
	uid_t		sk_uid;         /* the socket's own uid, when uid is not it */
	int		holder_uid;     /* uid is the holder's real uid, not the socket's */
};

/* Is sa (AF_INET or AF_INET6) a loopback address? */
int mo_peer_is_loopback(const struct sockaddr *sa);
/* Find the socket whose local end is sa (address and port) in
 * procroot/net/tcp{,6}, then its process.  Returns 0 (p filled; p->pid 0
 * when the process was not found), -1 when no such socket is listed,
 * -2 when several are (the client's end alone is then no answer), -3
 * when a table could not be read (p->err: the reader's own fault).
 * walk 0: the socket alone, no process looked for.
 * deadline is on CLOCK_MONOTONIC. */
int mo_peer_find(const char *procroot, const struct sockaddr *sa, const struct timespec *deadline,
    int walk, struct mo_peer *p);
/* The process holding p->inode (a walk of procroot/PID/fd, the
 * processes of p->uid first), into p->pid; 0 when none is found.  A
 * socket of uid 0 held by a process whose real uid is not 0 (looked for
 * among every holder) is charged to that uid (p->uid; p->sk_uid 0,
 * p->holder_uid set): a socket root accepted and handed to a user's code
 * (inetd, a socket unit with Accept=yes), reconnected by it to port 25,
 * keeps uid 0, which must not be the sender (review R3).  Any other
 * socket stays its maker's, whoever holds it. */
void mo_peer_find_process(const char *procroot, const struct timespec *deadline,
    struct mo_peer *p);

/* diag.c: the socket's uid and inode through NETLINK_SOCK_DIAG
 * (inet_diag), no text to parse.  With server (the other end, the
 * server's address and port; may be NULL) the exact 4-tuple: one hash
 * lookup in the kernel.  Without it, a dump the kernel filters by the
 * client's address and port (it still walks its table, but sends one
 * socket).  0 found, 1 no such socket, 2 several sockets have that end
 * (the dump), -1 netlink unavailable (errno). */
int mo_peer_diag(const struct sockaddr *sa, const struct sockaddr *server,
    const struct timespec *deadline, uid_t *uid, unsigned long *inode);
/* The 4-tuple (server not NULL) by a dump filtered on both ends, which
 * finds what the exact lookup misses: a client socket bound to an
 * interface (SO_BINDTODEVICE to lo, which any user may set on Linux 5.7
 * and later, or an IPv6 link-local connect), which the kernel's hash
 * matches only when asked with that interface.  Same returns. */
int mo_peer_diag_bound(const struct sockaddr *sa, const struct sockaddr *server,
    const struct timespec *deadline, uid_t *uid, unsigned long *inode);
/* A NETLINK_SOCK_DIAG socket whose answers wait until the deadline at the
 * most (1 ms when it is past); -1 (errno). */
int mo_peer_diag_socket(const struct timespec *deadline);
/* mo_peer_find() with the socket looked up through netlink first, and
 * /proc/net/tcp{,6} only when netlink is unavailable.  Same returns. */
int mo_peer_lookup(const char *procroot, const struct sockaddr *sa, const struct sockaddr *server,
    const struct timespec *deadline, int walk, struct mo_peer *p);

/* Where a TCP client is, by the kernel's word where it can be had. */
enum mo_peer_where {
	MO_PEER_FOUND,          /* its socket is here: p filled (p->pid 0 when
				 * no process was found) */
	MO_PEER_REMOTE,         /* another machine's: no socket here, and the
				 * address is none of this machine's */
	MO_PEER_GONE,           /* an address of this machine, but no socket
				 * with that end (closed before the lookup), or
				 * the addresses could not be read */
	MO_PEER_AMBIGUOUS,      /* the client's end alone names several sockets */
	MO_PEER_FAULT,          /* no answer, by the asker's own fault (p->err): no
				 * netlink socket and /proc/net/tcp unreadable, or
				 * whether the address is this machine's cannot be
				 * told.  GONE and AMBIGUOUS are what a client of this
				 * machine can bring about (close early, share a
				 * port); FAULT is not: only it may follow fail. */
};
/* The one question every front end asks: with server (the server's end
 * of the same connection, may be NULL) the kernel's exact 4-tuple lookup
 * decides, whatever the address: a local user who connects to one of
 * the machine's own non-loopback addresses is found as on loopback.
 * Without it (or without netlink), only an address of this machine
 * (mo_peer_is_local) is looked up, by its end alone.  A remote client
 * costs the exact query and one route query (about 0.1 ms). */
enum mo_peer_where mo_peer_locate(const char *procroot, const struct sockaddr *sa,
    const struct sockaddr *server, const struct timespec *deadline, int walk, struct mo_peer *p);

/* Is sa an address of this machine: loopback (127/8, ::1, v4-mapped
 * too), or one the kernel routes to itself (RTN_LOCAL: an interface's,
 * or a "local" route's; one RTM_GETROUTE query, getifaddrs when that
 * fails)?  1 yes, 0 no, -1 cannot tell. */
int mo_peer_is_local(const struct sockaddr *sa);

/* How p was found: "netlink-exact", "netlink-bound" (the dump on both
 * ends), "netlink" or "proc" (the log's lookup=).  An IPv4 address given
 * as ::ffff:a.b.c.d (a dual-stack listener's view) is looked up as the
 * IPv4 address it is, by mo_peer_lookup() and mo_peer_locate(). */
const char *mo_peer_via(const struct mo_peer *p);

/* The uid and inode from one /proc/net/tcp line whose local address is
 * addr (4 or 16 bytes, network order) and port; 0 when it is, -1 if not. */
int mo_peer_tcp_line(const char *line, const void *addr, size_t addrlen, uint16_t port,
    uid_t *uid, unsigned long *inode);

#endif
