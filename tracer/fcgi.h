/*
 * fcgi: a minimal FastCGI client (responder role, one request per
 * connection), enough to read php-fpm's status page.
 *
 * Promises: fcgi_request() sends BEGIN_REQUEST, the params, an empty
 * STDIN, and collects STDOUT and STDERR until END_REQUEST, the peer's
 * close, or TIMEOUT_MS (counted over the whole exchange), keeping at most
 * FCGI_MAX_RESPONSE bytes of each stream.  The encoders
 * and the record parser are plain functions over buffers.
 */
#ifndef MO_TRACER_FCGI_H
#define MO_TRACER_FCGI_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FCGI_BEGIN_REQUEST 1
#define FCGI_END_REQUEST 3
#define FCGI_PARAMS 4
#define FCGI_STDIN 5
#define FCGI_STDOUT 6
#define FCGI_STDERR 7

#define FCGI_MAX_RESPONSE (8u << 20)    /* STDOUT or STDERR: more is EMSGSIZE */

struct fcgi_param {
	const char *name;
	const char *value;
};

struct fcgi_response {
	char *out;                 /* STDOUT stream, NUL-terminated */
	size_t outlen;
	char *err;                 /* STDERR stream */
	size_t errlen;
	int ended;                 /* END_REQUEST seen */
	uint32_t app_status;
};

/* Encode one name-value pair into BUF; bytes written, or 0 if it does not fit. */
size_t fcgi_encode_pair(unsigned char *buf, size_t size, const char *name,
                        const char *value);
/* Write an 8-byte record header. */
void fcgi_header(unsigned char *h, int type, uint16_t id, uint16_t len,
                 uint8_t pad);
/* Parse a record header: type, content and padding length.  0 or -1. */
int fcgi_parse_header(const unsigned char *h, int *type, uint16_t *id,
                      uint16_t *len, uint8_t *pad);

/*
 * Connect to ADDR: a unix socket path, "host:port" (IPv4) or a bare port
 * (loopback), as php-fpm's "listen" takes it.  A socket or -1 with errno.
 */
int fcgi_connect(const char *addr, int timeout_ms);

/* One request.  0 on success (RESP filled, free with fcgi_response_free). */
int fcgi_request(const char *addr, const struct fcgi_param *params, size_t n,
                 int timeout_ms, struct fcgi_response *resp);
void fcgi_response_free(struct fcgi_response *resp);
/*
 * Read a response from the connected socket FD (non-blocking), within
 * TIMEOUT_MS; what fcgi_request does after sending.  0 or -1 with errno.
 */
int fcgi_read_response(int fd, int timeout_ms, struct fcgi_response *resp);

#endif
