/*
 * lookup: the milter daemon's origin lookup, asked over a unix socket by
 * programs that cannot read other users' /proc themselves (qmail's
 * QMAILQUEUE front end runs as qmaild).
 *
 * The question is one line, "ADDRESS PORT\n": the loopback client's end
 * of a TCP connection (TCPREMOTEIP and TCPREMOTEPORT under tcpserver),
 * or "ADDRESS PORT SERVER-ADDRESS SERVER-PORT\n" with the other end too
 * (TCPLOCALIP, TCPLOCALPORT), which makes the kernel's lookup exact.
 * The answer is one key=value line as the log writes them (escape.h):
 *   status=ok uid=N user=U vhost=V cwd=C script=S script_src=SRC claimed=0|1
 *       sapi=NAME php_pid=P php_exe=E pool=POOL chain=CHAIN pid=PID
 *   status=uid uid=N reason=R          the socket's owner, no process found
 *   status=none reason=R               no such socket
 * The daemon answers within its lookup bound; the asker waits at most its
 * own timeout.
 */
#ifndef MO_LOOKUP_H
#define MO_LOOKUP_H

#include <stddef.h>
#include <sys/types.h>

#include "escape.h"
#include "origin.h"

#define MO_LOOKUP_LINE_MAX 8192

enum mo_lookup_status { MO_LOOKUP_NONE, MO_LOOKUP_UID, MO_LOOKUP_OK };

struct mo_lookup {
	enum mo_lookup_status	 status;
	struct mo_origin	 o;             /* o.script_src points into src */
	char			 src[32];
	char			 reason[256];   /* status none or uid: why */
};

/* The question for addr (printable IPv4 or IPv6) and port, into buf;
 * saddr and sport the server's end, or NULL and 0. */
int mo_lookup_question(char *buf, size_t len, const char *addr, unsigned port,
    const char *saddr, unsigned sport);
/* Read a question back: 0 with sa (a sockaddr_in or _in6 of size *salen)
 * filled, and server too when the question names it (*have_server), or
 * -1 when it is no question. */
int mo_lookup_parse_question(const char *line, size_t len, void *sa, size_t *salen,
    void *server, int *have_server);
/* The answer line for a lookup's result. */
void mo_lookup_answer(struct mo_line *l, const struct mo_lookup *r);
/* Read an answer line into r: 0, or -1 when it does not parse. */
int mo_lookup_parse_answer(const char *line, size_t len, struct mo_lookup *r);
/* Ask the daemon at path, waiting at most timeout_ms in all: 0 with r
 * filled, or -1 with err (the socket missing or refused, a timeout, an
 * answer that does not parse). */
int mo_lookup_ask(const char *path, const char *addr, unsigned port, const char *saddr,
    unsigned sport, int timeout_ms, struct mo_lookup *r, char *err, size_t errlen);

#endif
