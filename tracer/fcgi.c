/*
 * fcgi: FastCGI records over a stream socket, with a deadline.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "fcgi.h"

#define REQUEST_ID 1

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t
encode_len(unsigned char *p, size_t len)
{
	if (len < 128) {
		p[0] = (unsigned char)len;
		return 1;
	}
	p[0] = (unsigned char)(0x80 | ((len >> 24) & 0x7f));
	p[1] = (unsigned char)(len >> 16);
	p[2] = (unsigned char)(len >> 8);
	p[3] = (unsigned char)len;
	return 4;
}

size_t
fcgi_encode_pair(unsigned char *buf, size_t size, const char *name,
                 const char *value)
{
	size_t nl = strlen(name), vl = strlen(value), need, off;

	if (nl > 0x7fffffff || vl > 0x7fffffff)
		return 0;
	need = (nl < 128 ? 1 : 4) + (vl < 128 ? 1 : 4) + nl + vl;
	if (need > size)
		return 0;
	off = encode_len(buf, nl);
	off += encode_len(buf + off, vl);
	memcpy(buf + off, name, nl);
	memcpy(buf + off + nl, value, vl);
	return need;
}

void
fcgi_header(unsigned char *h, int type, uint16_t id, uint16_t len, uint8_t pad)
{
	h[0] = 1;
	h[1] = (unsigned char)type;
	h[2] = (unsigned char)(id >> 8);
	h[3] = (unsigned char)id;
	h[4] = (unsigned char)(len >> 8);
	h[5] = (unsigned char)len;
	h[6] = pad;
	h[7] = 0;
}

int
fcgi_parse_header(const unsigned char *h, int *type, uint16_t *id,
                  uint16_t *len, uint8_t *pad)
{
	if (h[0] != 1)
		return -1;
	*type = h[1];
	*id = (uint16_t)(h[2] << 8 | h[3]);
	*len = (uint16_t)(h[4] << 8 | h[5]);
	*pad = h[6];
	return 0;
}

static int
wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd p = { fd, events, 0 };
	int64_t left;
	int r;

	for (;;) {
		left = deadline - now_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = poll(&p, 1, (int)left);
		if (r > 0)
			return 0;
		if (r == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

int
fcgi_connect(const char *addr, int timeout_ms)
{
	struct sockaddr_storage ss;
	struct sockaddr_un *sun = (struct sockaddr_un *)&ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	char host[64] = "127.0.0.1";
	const char *colon, *errstr = NULL;
	socklen_t sl;
	int fd, soerr;
	socklen_t el = sizeof(soerr);
	long long port;

	memset(&ss, 0, sizeof(ss));
	if (addr[0] == '/') {
		sun->sun_family = AF_UNIX;
		if (strlcpy(sun->sun_path, addr, sizeof(sun->sun_path)) >=
		    sizeof(sun->sun_path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		sl = sizeof(*sun);
	} else {
		colon = strrchr(addr, ':');
		if (colon != NULL) {
			size_t hl = (size_t)(colon - addr);
			if (hl >= sizeof(host) || hl == 0) {
				errno = EINVAL;
				return -1;
			}
			memcpy(host, addr, hl);
			host[hl] = '\0';
			addr = colon + 1;
		}
		port = strtonum(addr, 1, 65535, &errstr);
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		if (errstr != NULL) {
			errno = EINVAL;
			return -1;
		}
		if (strcmp(host, "*") == 0 || strcmp(host, "0.0.0.0") == 0)
			sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		else if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
			errno = EINVAL;
			return -1;
		}
		sl = sizeof(*sin);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&ss, sl) == -1) {
		/* a unix socket says EAGAIN when its listen queue is full: the
		 * socket is not connecting, and waiting on it returns at once */
		if (errno != EINPROGRESS)
			goto fail;
		if (wait_fd(fd, POLLOUT, now_ms() + timeout_ms) == -1)
			goto fail;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &el) == -1)
			goto fail;
		if (soerr != 0) {
			errno = soerr;
			goto fail;
		}
	}
	return fd;
fail:
	soerr = errno;
	close(fd);
	errno = soerr;
	return -1;
}

static int
write_all(int fd, const unsigned char *buf, size_t len, int64_t deadline)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, buf, len);
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR) {
				if (wait_fd(fd, POLLOUT, deadline) == -1)
					return -1;
				continue;
			}
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
read_all(int fd, unsigned char *buf, size_t len, int64_t deadline)
{
	ssize_t n;

	while (len > 0) {
		n = read(fd, buf, len);
		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		if (n == -1) {
			if (errno == EAGAIN || errno == EINTR) {
				if (wait_fd(fd, POLLIN, deadline) == -1)
					return -1;
				continue;
			}
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
append(char **dst, size_t *len, const unsigned char *src, size_t n)
{
	char *p;

	/* a peer that never stops talking gets cut off, not our memory */
	if (n > FCGI_MAX_RESPONSE || *len > FCGI_MAX_RESPONSE - n) {
		errno = EMSGSIZE;
		return -1;
	}
	p = realloc(*dst, *len + n + 1);

	if (p == NULL)
		return -1;
	memcpy(p + *len, src, n);
	*len += n;
	p[*len] = '\0';
	*dst = p;
	return 0;
}

/* Build BEGIN_REQUEST, PARAMS (one record), empty PARAMS, empty STDIN. */
static size_t
build_request(unsigned char *buf, size_t size, const struct fcgi_param *params,
              size_t n)
{
	size_t off = 0, body = 0, i, w;
	unsigned char *ph;

	if (size < 8 + 8 + 8 + 8 + 8)
		return 0;
	fcgi_header(buf, FCGI_BEGIN_REQUEST, REQUEST_ID, 8, 0);
	memset(buf + 8, 0, 8);
	buf[9] = 1;                                 /* FCGI_RESPONDER */
	off = 16;
	ph = buf + off;
	off += 8;
	for (i = 0; i < n; i++) {
		w = fcgi_encode_pair(buf + off, size - off - 16, params[i].name,
		                     params[i].value);
		if (w == 0 || body + w > 0xffff)
			return 0;
		off += w;
		body += w;
	}
	fcgi_header(ph, FCGI_PARAMS, REQUEST_ID, (uint16_t)body, 0);
	fcgi_header(buf + off, FCGI_PARAMS, REQUEST_ID, 0, 0);
	off += 8;
	fcgi_header(buf + off, FCGI_STDIN, REQUEST_ID, 0, 0);
	off += 8;
	return off;
}

/* Records from FD until END_REQUEST, the peer's close or DEADLINE. */
static int
read_response(int fd, int64_t deadline, struct fcgi_response *resp)
{
	unsigned char h[8], body[0xffff + 0xff];
	uint16_t id, len;
	uint8_t pad;
	int type;

	while (!resp->ended) {
		if (read_all(fd, h, 8, deadline) == -1) {
			if (errno == ECONNRESET && resp->outlen > 0)
				break;              /* closed without END_REQUEST */
			return -1;
		}
		if (fcgi_parse_header(h, &type, &id, &len, &pad) == -1) {
			errno = EPROTO;
			return -1;
		}
		if (read_all(fd, body, (size_t)len + pad, deadline) == -1)
			return -1;
		if (id != REQUEST_ID)
			continue;
		if (type == FCGI_STDOUT && append(&resp->out, &resp->outlen, body, len) == -1)
			return -1;
		if (type == FCGI_STDERR && append(&resp->err, &resp->errlen, body, len) == -1)
			return -1;
		if (type == FCGI_END_REQUEST && len >= 4) {
			resp->app_status = (uint32_t)body[0] << 24 | (uint32_t)body[1] << 16 |
			                   (uint32_t)body[2] << 8 | body[3];
			resp->ended = 1;
		}
	}
	if (resp->out == NULL &&
	    append(&resp->out, &resp->outlen, (const unsigned char *)"", 0) == -1)
		return -1;
	return 0;
}

int
fcgi_read_response(int fd, int timeout_ms, struct fcgi_response *resp)
{
	int saved;

	memset(resp, 0, sizeof(*resp));
	if (read_response(fd, now_ms() + timeout_ms, resp) == -1) {
		saved = errno;
		fcgi_response_free(resp);
		errno = saved;
		return -1;
	}
	return 0;
}

int
fcgi_request(const char *addr, const struct fcgi_param *params, size_t n,
             int timeout_ms, struct fcgi_response *resp)
{
	unsigned char req[8192];
	int64_t deadline = now_ms() + timeout_ms;
	size_t rl;
	int fd, saved;

	memset(resp, 0, sizeof(*resp));
	if ((rl = build_request(req, sizeof(req), params, n)) == 0) {
		errno = E2BIG;
		return -1;
	}
	if ((fd = fcgi_connect(addr, timeout_ms)) == -1)
		return -1;
	if (write_all(fd, req, rl, deadline) == -1 ||
	    read_response(fd, deadline, resp) == -1) {
		saved = errno;
		close(fd);
		fcgi_response_free(resp);
		errno = saved;
		return -1;
	}
	close(fd);
	return 0;
}

void
fcgi_response_free(struct fcgi_response *resp)
{
	free(resp->out);
	free(resp->err);
	memset(resp, 0, sizeof(*resp));
}
