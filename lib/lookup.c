/* lookup: the question and answer of the milter daemon's origin lookup. */
#include <sys/socket.h>
#include <sys/un.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvparse.h"
#include "lookup.h"

int
mo_lookup_question(char *buf, size_t len, const char *addr, unsigned port, const char *saddr,
    unsigned sport)
{
	int n = saddr != NULL ? snprintf(buf, len, "%s %u %s %u\n", addr, port, saddr, sport) :
	    snprintf(buf, len, "%s %u\n", addr, port);

	return n > 0 && (size_t)n < len ? 0 : -1;
}

/* One "ADDRESS PORT" pair at line[0..len) into sa. */
static int
parse_end(const char *line, size_t len, void *sa, size_t *salen)
{
	char addr[INET6_ADDRSTRLEN + 1], num[8];
	const char *sp, *errstr;
	long long port;
	size_t n;

	if ((sp = memchr(line, ' ', len)) == NULL || (n = (size_t)(sp - line)) >= sizeof(addr) ||
	    len - n - 1 == 0 || len - n - 1 >= sizeof(num))
		return -1;
	memcpy(addr, line, n);
	addr[n] = '\0';
	memcpy(num, sp + 1, len - n - 1);
	num[len - n - 1] = '\0';
	port = strtonum(num, 1, 65535, &errstr);
	if (errstr != NULL)
		return -1;
	if (strchr(addr, ':') == NULL) {
		struct sockaddr_in *in = sa;
		memset(in, 0, sizeof(*in));
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, addr, &in->sin_addr) != 1)
			return -1;
		*salen = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = sa;
		memset(in6, 0, sizeof(*in6));
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, addr, &in6->sin6_addr) != 1)
			return -1;
		*salen = sizeof(*in6);
	}
	return 0;
}

int
mo_lookup_parse_question(const char *line, size_t len, void *sa, size_t *salen, void *server,
    int *have_server)
{
	const char *sp;
	size_t slen, n;

	*have_server = 0;
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	/* the client's pair ends at the second space */
	if ((sp = memchr(line, ' ', len)) == NULL)
		return -1;
	if ((sp = memchr(sp + 1, ' ', len - (size_t)(sp + 1 - line))) == NULL)
		return parse_end(line, len, sa, salen);
	n = (size_t)(sp - line);
	if (parse_end(line, n, sa, salen) == -1 ||
	    parse_end(sp + 1, len - n - 1, server, &slen) == -1)
		return -1;
	*have_server = 1;
	return 0;
}

void
mo_lookup_answer(struct mo_line *l, const struct mo_lookup *r)
{
	const struct mo_origin *g = &r->o;

	mo_line_init(l);
	if (r->status == MO_LOOKUP_NONE) {
		mo_line_kv(l, "status", "none");
		mo_line_kv(l, "reason", r->reason);
		return;
	}
	mo_line_kv(l, "status", r->status == MO_LOOKUP_OK ? "ok" : "uid");
	if (r->status == MO_LOOKUP_UID) {
		mo_line_kvu(l, "uid", g->uid);
		mo_line_kv(l, "reason", r->reason);
		return;
	}
	mo_line_origin(l, g, 1);
	mo_line_origin_detail(l, g);
}

/* Copy the value of key (no NUL inside) into out; "" when absent. */
static void
take(const struct mo_kvline *kv, const char *key, char *out, size_t outlen)
{
	const char *v = mo_kv_str(kv, key);

	strlcpy(out, v != NULL ? v : "", outlen);
}

static long long
number(const struct mo_kvline *kv, const char *key, long long max)
{
	const char *v = mo_kv_str(kv, key), *errstr;
	long long n;

	if (v == NULL)
		return -1;
	n = strtonum(v, 0, max, &errstr);
	return errstr == NULL ? n : -1;
}

static enum mo_sapi
sapi_of_name(const char *name)
{
	int s;

	/* past the table's end mo_sapi_name() says "unknown" */
	for (s = 1; s < 64 && strcmp(mo_sapi_name((enum mo_sapi)s), "unknown") != 0; s++)
		if (strcmp(mo_sapi_name((enum mo_sapi)s), name) == 0)
			return (enum mo_sapi)s;
	return MO_SAPI_UNKNOWN;
}

int
mo_lookup_parse_answer(const char *line, size_t len, struct mo_lookup *r)
{
	struct mo_kvline kv = { 0 };
	struct mo_origin *g = &r->o;
	char status[8], sapi[32];
	long long n;
	size_t pos;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		len--;
	if (mo_kv_parse(&kv, line, len, &pos) == -1)
		goto out;
	take(&kv, "status", status, sizeof(status));
	take(&kv, "reason", r->reason, sizeof(r->reason));
	if (strcmp(status, "none") == 0) {
		r->status = MO_LOOKUP_NONE;
		rc = 0;
		goto out;
	}
	if ((n = number(&kv, "uid", (long long)UINT32_MAX - 1)) == -1)
		goto out;
	g->uid = (uid_t)n;
	if (strcmp(status, "uid") == 0) {
		r->status = MO_LOOKUP_UID;
		rc = 0;
		goto out;
	}
	if (strcmp(status, "ok") != 0)
		goto out;
	r->status = MO_LOOKUP_OK;
	take(&kv, "user", g->user, sizeof(g->user));
	take(&kv, "vhost", g->vhost, sizeof(g->vhost));
	take(&kv, "cwd", g->cwd, sizeof(g->cwd));
	take(&kv, "script", g->script, sizeof(g->script));
	take(&kv, "script_src", r->src, sizeof(r->src));
	g->script_src = r->src;
	g->script_claimed = number(&kv, "claimed", 1) == 1;
	take(&kv, "sapi", sapi, sizeof(sapi));
	g->sapi = sapi_of_name(sapi);
	n = number(&kv, "php_pid", INT32_MAX);
	g->php_pid = n > 0 ? (pid_t)n : 0;
	take(&kv, "php_exe", g->php_exe, sizeof(g->php_exe));
	take(&kv, "pool", g->pool, sizeof(g->pool));
	take(&kv, "chain", g->chain, sizeof(g->chain));
	rc = 0;
out:
	mo_kv_free(&kv);
	return rc;
}

static int
ms_left(const struct timespec *end)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(end->tv_sec - now.tv_sec) * 1000 + (end->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : (int)ms;
}

/* Wait for fd to be ready for events, until end: 0, or -1 (ETIMEDOUT). */
static int
wait_fd(int fd, short events, const struct timespec *end)
{
	struct pollfd p = { .fd = fd, .events = events };
	int n;

	do
		n = poll(&p, 1, ms_left(end));
	while (n == -1 && errno == EINTR);
	if (n == 0)
		errno = ETIMEDOUT;
	return n == 1 ? 0 : -1;
}

static int
fail(char *err, size_t errlen, const char *what, int fd)
{
	snprintf(err, errlen, "%s: %s", what, strerror(errno));
	if (fd != -1)
		close(fd);
	return -1;
}

int
mo_lookup_ask(const char *path, const char *addr, unsigned port, const char *saddr,
    unsigned sport, int timeout_ms, struct mo_lookup *r, char *err, size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char q[128], *buf;
	struct timespec end;
	size_t got = 0;
	ssize_t n;
	int fd, rc;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >= sizeof(sun.sun_path) ||
	    mo_lookup_question(q, sizeof(q), addr, port, saddr, sport) == -1) {
		errno = ENAMETOOLONG;
		return fail(err, errlen, path, -1);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)) == -1)
		return fail(err, errlen, "socket", -1);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 &&
	    (errno != EINPROGRESS || wait_fd(fd, POLLOUT, &end) == -1))
		return fail(err, errlen, path, fd);
	if (wait_fd(fd, POLLOUT, &end) == -1 || send(fd, q, strlen(q), MSG_NOSIGNAL) !=
	    (ssize_t)strlen(q))
		return fail(err, errlen, path, fd);
	if ((buf = malloc(MO_LOOKUP_LINE_MAX)) == NULL)
		return fail(err, errlen, "lookup", fd);
	while (got < MO_LOOKUP_LINE_MAX && memchr(buf, '\n', got) == NULL) {
		if (wait_fd(fd, POLLIN, &end) == -1)
			break;
		if ((n = read(fd, buf + got, MO_LOOKUP_LINE_MAX - got)) <= 0) {
			if (n == -1 && (errno == EINTR || errno == EAGAIN))
				continue;
			break;
		}
		got += (size_t)n;
	}
	close(fd);
	if (got == 0 || memchr(buf, '\n', got) == NULL) {
		snprintf(err, errlen, "%s: %s", path, got == 0 && errno == ETIMEDOUT ?
		    "no answer in time" : "no whole answer");
		free(buf);
		return -1;
	}
	rc = mo_lookup_parse_answer(buf, (size_t)((char *)memchr(buf, '\n', got) - buf), r);
	free(buf);
	if (rc == -1)
		snprintf(err, errlen, "%s: an answer that does not parse", path);
	return rc;
}
