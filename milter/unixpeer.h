/*
 * unixpeer: the client of a Postfix smtpd that listens on a unix socket
 * (a master.cf service of type unix running smtpd, for local submission).
 *
 * Postfix tells a milter nothing of such a client ({client_addr}
 * 127.0.0.1, port 0, no address in the connect event) and the milter
 * cannot see smtpd's socket.  But at the end of the message the milter
 * is asked by the cleanup server that holds the message's queue file
 * (incoming/QUEUE_ID, the "i" macro); the kernel's unix socket diag
 * (NETLINK_SOCK_DIAG, AF_UNIX, the socket's name, peer and owner) then
 * leads from that cleanup's accepted socket to the smtpd on its other end,
 * from smtpd's accepted socket (the one bound to the service's path) to
 * the client's socket, its owner (the uid that made it) and the process
 * holding it.  Local mail (sendmail, postdrop) takes the same first steps:
 * the cleanup's client is then Postfix's pickup, and the message's sender
 * the owner of the maildrop file pickup is reading (QUEUE/maildrop/, QUEUE
 * the cleanup's own queue).  Only processes run by Postfix's own user
 * (mta_uid, their real uid) are taken for cleanup, pickup and smtpd, and
 * no other user's process is looked into on the way, so that no user can
 * lay a false trail (a process named "pickup" of their own) or make the
 * walk long (thousands of fds).
 *
 * Promises: every walk of /proc gives up at the deadline, every netlink
 * answer waits at most until it; a chain that breaks anywhere (a TCP
 * client, local mail through pickup, a process gone) is -1 with why.
 */
#ifndef MO_UNIXPEER_H
#define MO_UNIXPEER_H

#include <sys/types.h>
#include <time.h>

#include "peer.h"

struct mo_unix_sock {
	unsigned	state;          /* TCP_ESTABLISHED (1), TCP_LISTEN (10)... */
	char		name[108];      /* the path it is bound to, "" when none */
	unsigned long	peer;           /* the inode of its other end, 0: none */
	uid_t		uid;            /* its owner (the uid that made it) */
	int		have_uid;       /* the kernel told it (5.3 and later) */
};

/* The unix socket inode as the kernel describes it.  0, 1 when there is
 * no such socket, -1 (errno) when netlink failed. */
int mo_unix_diag(unsigned long inode, const struct timespec *deadline, struct mo_unix_sock *u);

struct mo_unix_client {
	pid_t		cleanup, smtpd;
	pid_t		pickup;         /* local mail: pickup, and peer.uid its sender */
	char		listener[108];  /* the service's path the client connected to */
	struct mo_peer	peer;           /* the client's socket: uid, inode, process */
	int		own_fault;      /* the errno of the asker's own fault: /proc
					 * could not be opened; else the chain broke,
					 * which a client can bring about (by closing) */
};

/* The client of the cleanup that holds QUEUE_ID's queue file: pickup
 * (c->pickup set, c->peer.uid the maildrop file's owner, no process) or
 * an smtpd and its client.  0, or -1 with why. */
int mo_unix_client(const char *procroot, const char *queue_id, uid_t mta_uid,
    const struct timespec *deadline, struct mo_unix_client *c, char *why, size_t whysz);

#endif
