/* unixpeer: a unix-socket smtpd's client, through unix_diag (unixpeer.h). */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <netinet/tcp.h>

#include <bsd/string.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proc.h"
#include "unixpeer.h"

#define SOCKS_MAX 256                   /* sockets of one process looked at */

static int
expired(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec != deadline->tv_sec ? now.tv_sec > deadline->tv_sec :
	    now.tv_nsec >= deadline->tv_nsec;
}

/* The attributes of one unix_diag_msg into u. */
static void
sock_attrs(const struct nlmsghdr *h, const struct unix_diag_msg *m, struct mo_unix_sock *u)
{
	const struct rtattr *a = (const struct rtattr *)((const char *)m + NLMSG_ALIGN(sizeof(*m)));
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*m));
	size_t n, i;
	uint32_t v;

	memset(u, 0, sizeof(*u));
	u->state = m->udiag_state;
	for (; RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		n = RTA_PAYLOAD(a);
		if (a->rta_type == UNIX_DIAG_NAME && n > 0) {
			/* an abstract name starts with a NUL: shown as @ */
			if (n >= sizeof(u->name))
				n = sizeof(u->name) - 1;
			memcpy(u->name, RTA_DATA(a), n);
			u->name[n] = '\0';
			if (u->name[0] == '\0')
				u->name[0] = '@';
			for (i = 0; i < n && u->name[i] != '\0'; i++)
				if ((unsigned char)u->name[i] < 0x20 || u->name[i] == 0x7f)
					u->name[i] = '?';
		} else if (a->rta_type == UNIX_DIAG_PEER && n >= 4) {
			memcpy(&v, RTA_DATA(a), 4);
			u->peer = v;
		} else if (a->rta_type == UNIX_DIAG_UID && n >= 4) {
			memcpy(&v, RTA_DATA(a), 4);
			u->uid = (uid_t)v;
			u->have_uid = 1;
		}
	}
}

int
mo_unix_diag(unsigned long inode, const struct timespec *deadline, struct mo_unix_sock *u)
{
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	struct {
		struct nlmsghdr		h;
		struct unix_diag_req	r;
	} req;
	union {
		struct nlmsghdr	align;
		char		b[8192];
	} buf;
	struct nlmsghdr *h;
	ssize_t n;
	int fd;

	if (inode == 0 || inode > UINT32_MAX)
		return 1;
	if ((fd = mo_peer_diag_socket(deadline)) == -1)
		return -1;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = SOCK_DIAG_BY_FAMILY;
	req.h.nlmsg_flags = NLM_F_REQUEST;
	req.h.nlmsg_seq = 1;
	req.r.sdiag_family = AF_UNIX;
	req.r.udiag_states = ~0U;
	req.r.udiag_ino = (uint32_t)inode;
	req.r.udiag_show = UDIAG_SHOW_NAME | UDIAG_SHOW_PEER | UDIAG_SHOW_UID;
	req.r.udiag_cookie[0] = req.r.udiag_cookie[1] = INET_DIAG_NOCOOKIE;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&nl, sizeof(nl)) == -1)
		goto fail;
	do
		n = recv(fd, buf.b, sizeof(buf.b), 0);
	while (n == -1 && errno == EINTR);
	if (n <= 0) {
		if (n == 0)
			errno = EPROTO;
		goto fail;
	}
	for (h = &buf.align; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
		const struct unix_diag_msg *m;

		if (h->nlmsg_seq != 1)
			continue;
		if (h->nlmsg_type == NLMSG_ERROR) {
			const struct nlmsgerr *e = NLMSG_DATA(h);
			errno = h->nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error < 0 ?
			    -e->error : EPROTO;
			close(fd);
			return errno == ENOENT ? 1 : -1;
		}
		if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || h->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
			continue;
		m = NLMSG_DATA(h);
		if (m->udiag_family != AF_UNIX || m->udiag_ino != (uint32_t)inode)
			continue;
		sock_attrs(h, m, u);
		close(fd);
		return 0;
	}
	close(fd);
	return 1;
fail:
	close(fd);
	return -1;
}

static int
comm_is(int procfd, const char *pid, const char *want)
{
	char path[64], comm[32];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/comm", pid);
	if ((fd = openat(procfd, path, O_RDONLY | O_CLOEXEC)) == -1)
		return 0;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	return strcmp(comm, want) == 0;
}

/*
 * Of PID's sockets, the one accepted from a listener: bound to a path,
 * connected, with a peer (a process's other sockets are connecting ends,
 * unnamed, or its listeners).  0 with *s, or -1 with why.
 */
static int
accepted_socket(int procfd, const char *pid, const struct timespec *deadline,
    struct mo_unix_sock *s, unsigned long *inode, char *why, size_t whysz)
{
	char path[64], link[64];
	struct mo_unix_sock u;
	struct dirent *e;
	unsigned long ino;
	unsigned seen = 0;
	DIR *d;
	int fd, found = 0;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/fd", pid);
	if ((fd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		snprintf(why, whysz, "process %s: its fds cannot be read", pid);
		return -1;
	}
	while (!found && (e = readdir(d)) != NULL && seen < SOCKS_MAX && !expired(deadline)) {
		if (e->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		if (n <= 8 || memcmp(link, "socket:[", 8) != 0)
			continue;
		link[n] = '\0';
		seen++;
		ino = strtoul(link + 8, NULL, 10);
		if (mo_unix_diag(ino, deadline, &u) == 0 && u.name[0] != '\0' &&
		    u.state == TCP_ESTABLISHED && u.peer != 0) {
			*s = u;
			*inode = ino;
			found = 1;
		}
	}
	closedir(d);
	if (!found)
		snprintf(why, whysz, "process %s: no accepted unix socket", pid);
	return found ? 0 : -1;
}

/* Does procroot/PID/fd/FD name the queue file ID (QUEUE/incoming/[X/]ID)?
 * Then QUEUE (the queue directory, as the milter sees the path) into queue. */
static int
is_queue_file(int procfd, const char *pid, const char *fd, const char *id, char *queue,
    size_t queuesz)
{
	char path[2 * NAME_MAX + 8], link[PATH_MAX];
	const char *base;
	char *in;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/fd/%s", pid, fd);
	if ((n = readlinkat(procfd, path, link, sizeof(link) - 1)) <= 0)
		return 0;
	link[n] = '\0';
	base = strrchr(link, '/');
	if (link[0] != '/' || base == NULL || strcmp(base + 1, id) != 0 ||
	    (in = strstr(link, "/incoming/")) == NULL)
		return 0;
	*in = '\0';
	strlcpy(queue, link, queuesz);
	return 1;
}

/* Is pid a process of Postfix's user (its real uid: what no other user can
 * take on)?  /proc/PID's owner is its effective uid (the kernel keeps that
 * directory's owner even when the process is not dumpable; only the
 * entries inside become root's): a cheap first sieve. */
static int
mta_process(int procfd, const char *pid, uid_t mta_uid)
{
	struct stat st;
	uid_t uid;

	return fstatat(procfd, pid, &st, 0) == 0 && (st.st_uid == mta_uid || st.st_uid == 0) &&
	    mo_proc_real_uid(procfd, pid, &uid) == 0 && uid == mta_uid;
}

/* The cleanup process (Postfix's user) holding queue file ID; 0 or -1.
 * Its queue directory into queue. */
static int
queue_holder(int procfd, const char *id, uid_t mta_uid, const struct timespec *deadline,
    char *pid, size_t pidsz, char *queue, size_t queuesz)
{
	char path[300];
	struct dirent *e, *f;
	DIR *d, *fds;
	int fd, found = 0;

	if ((fd = dup(procfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	rewinddir(d);
	while (!found && (e = readdir(d)) != NULL && !expired(deadline)) {
		if (!isdigit((unsigned char)e->d_name[0]) || !comm_is(procfd, e->d_name, "cleanup") ||
		    !mta_process(procfd, e->d_name, mta_uid))
			continue;
		snprintf(path, sizeof(path), "%s/fd", e->d_name);
		if ((fd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
			continue;
		if ((fds = fdopendir(fd)) == NULL) {
			close(fd);
			continue;
		}
		while (!found && (f = readdir(fds)) != NULL && !expired(deadline))
			if (f->d_name[0] != '.' &&
			    is_queue_file(procfd, e->d_name, f->d_name, id, queue, queuesz)) {
				strlcpy(pid, e->d_name, pidsz);
				found = 1;
			}
		closedir(fds);
	}
	closedir(d);
	return found ? 0 : -1;
}

/* Does process pid hold the socket "socket:[inode]"?  Its fds up to the
 * deadline. */
static int
holds_socket(int procfd, const char *pid, const char *want, size_t wantlen,
    const struct timespec *deadline)
{
	char path[NAME_MAX + 8], link[64];
	struct dirent *e;
	int fd, found = 0;
	DIR *d;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/fd", pid);
	if ((fd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return 0;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return 0;
	}
	while (!found && (e = readdir(d)) != NULL && !expired(deadline)) {
		if (e->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		found = n == (ssize_t)wantlen && memcmp(link, want, wantlen) == 0;
	}
	closedir(d);
	return found;
}

/* The process of Postfix's user (real uid mta_uid) that holds the socket
 * inode, into pid: no other user's process is looked into, so that none
 * can stand in for it or cost the walk its time.  0, or -1. */
static int
mta_holder(int procfd, unsigned long inode, uid_t mta_uid, const struct timespec *deadline,
    char *pid, size_t pidsz)
{
	char want[64];
	struct dirent *e;
	size_t wantlen;
	int fd, found = 0;
	DIR *d;

	wantlen = (size_t)snprintf(want, sizeof(want), "socket:[%lu]", inode);
	if ((fd = dup(procfd)) == -1 || (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	rewinddir(d);
	while (!found && (e = readdir(d)) != NULL && !expired(deadline))
		if (isdigit((unsigned char)e->d_name[0]) && mta_process(procfd, e->d_name, mta_uid) &&
		    holds_socket(procfd, e->d_name, want, wantlen, deadline)) {
			strlcpy(pid, e->d_name, pidsz);
			found = 1;
		}
	closedir(d);
	return found ? 0 : -1;
}

/*
 * The maildrop file pickup process pid is reading: a regular file in
 * QUEUE/maildrop/ (QUEUE: the cleanup's queue directory), made by postdrop
 * as the user who ran it: its owner into *uid.  0, or -1.
 */
static int
maildrop_owner(int procfd, const char *pid, const char *queue, const struct timespec *deadline,
    uid_t *uid)
{
	char path[300], link[PATH_MAX];
	size_t qlen = strlen(queue);
	struct dirent *e;
	struct stat st;
	int fd, found = 0;
	DIR *d;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/fd", pid);
	if ((fd = openat(procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while (!found && (e = readdir(d)) != NULL && !expired(deadline)) {
		if (e->d_name[0] == '.')
			continue;
		n = readlinkat(dirfd(d), e->d_name, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, queue, qlen) != 0 || strncmp(link + qlen, "/maildrop/", 10) != 0 ||
		    strchr(link + qlen + 10, '/') != NULL ||
		    fstatat(dirfd(d), e->d_name, &st, 0) == -1 || !S_ISREG(st.st_mode))
			continue;
		*uid = st.st_uid;
		found = 1;
	}
	closedir(d);
	return found ? 0 : -1;
}

int
mo_unix_client(const char *procroot, const char *queue_id, uid_t mta_uid,
    const struct timespec *deadline, struct mo_unix_client *c, char *why, size_t whysz)
{
	char pid[32], queue[PATH_MAX];
	struct mo_unix_sock s;
	unsigned long ino;
	int procfd, rc = -1;

	memset(c, 0, sizeof(*c));
	if (queue_id == NULL || queue_id[0] == '\0' || queue_id[0] == '.' ||
	    strchr(queue_id, '/') != NULL) {
		snprintf(why, whysz, "no queue id");
		return -1;
	}
	if ((procfd = open(procroot, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		c->own_fault = errno ? errno : EIO;
		snprintf(why, whysz, "%s: %s", procroot, strerror(errno));
		return -1;
	}
	/* the cleanup with the queue file: its client is pickup or an smtpd */
	if (queue_holder(procfd, queue_id, mta_uid, deadline, pid, sizeof(pid), queue,
	    sizeof(queue)) == -1) {
		snprintf(why, whysz, "no cleanup holds queue file %s%s", queue_id,
		    expired(deadline) ? " (not found in time)" : "");
		goto out;
	}
	c->cleanup = (pid_t)strtol(pid, NULL, 10);
	if (accepted_socket(procfd, pid, deadline, &s, &ino, why, whysz) == -1)
		goto out;
	if (mta_holder(procfd, s.peer, mta_uid, deadline, pid, sizeof(pid)) == -1) {
		snprintf(why, whysz, "the cleanup's client is no process of Postfix's user%s",
		    expired(deadline) ? " (not found in time)" : "");
		goto out;
	}
	/* local mail: the owner of the maildrop file pickup is reading */
	if (comm_is(procfd, pid, "pickup")) {
		c->pickup = (pid_t)strtol(pid, NULL, 10);
		if (maildrop_owner(procfd, pid, queue, deadline, &c->peer.uid) == -1) {
			snprintf(why, whysz, "pickup %s reads no maildrop file of %s%s", pid, queue,
			    expired(deadline) ? " (not found in time)" : "");
			goto out;
		}
		rc = 0;
		goto out;
	}
	if (!comm_is(procfd, pid, "smtpd")) {
		snprintf(why, whysz, "the cleanup's client is neither pickup nor smtpd");
		goto out;
	}
	c->smtpd = (pid_t)strtol(pid, NULL, 10);
	/* the smtpd's client: its socket accepted from the service's path */
	if (accepted_socket(procfd, pid, deadline, &s, &ino, why, whysz) == -1)
		goto out;
	strlcpy(c->listener, s.name, sizeof(c->listener));
	ino = s.peer;
	if (mo_unix_diag(ino, deadline, &s) != 0 || !s.have_uid) {
		snprintf(why, whysz, "the client's socket (inode %lu) has no owner known", ino);
		goto out;
	}
	/* the uid that made the socket, and the process that holds it */
	c->peer.uid = s.uid;
	c->peer.inode = ino;
	mo_peer_find_process(procroot, deadline, &c->peer);
	rc = 0;
out:
	close(procfd);
	return rc;
}
