/*
 * fuzz_fcgi: the FastCGI record reader on whatever a status socket (a
 * user's own pool, or a socket a user put in its place) sends back, read
 * through a real socket exactly as fcgi_request reads it; then the status
 * page in it, as fpm_status_fetch cuts and parses it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fcgi.h"
#include "fpm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT (96 * 1024)    /* fits a socket buffer: no writer thread */

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fpm_status st;
	struct fcgi_response r;
	int sv[2], type, one = FUZZ_MAX_INPUT * 2;
	uint16_t id, len;
	uint8_t pad;
	const char *body;
	ssize_t n;
	size_t off = 0;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	if (size >= 8)
		(void)fcgi_parse_header(data, &type, &id, &len, &pad);
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		abort();
	(void)setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &one, sizeof(one));
	(void)setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &one, sizeof(one));
	while (off < size) {
		n = write(sv[0], data + off, size - off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	close(sv[0]);                   /* the peer's close ends the stream */
	(void)fcntl(sv[1], F_SETFL, O_NONBLOCK);
	if (fcgi_read_response(sv[1], 1000, &r) == 0) {
		if (r.out == NULL || r.out[r.outlen] != '\0' ||
		    r.outlen > FCGI_MAX_RESPONSE)
			abort();
		body = strstr(r.out, "\r\n\r\n");
		body = body ? body + 4 : r.out;
		(void)fpm_status_parse(body, &st);
		fcgi_response_free(&r);
	} else if (errno == ETIMEDOUT)
		abort();                    /* a closed peer must never time out */
	close(sv[1]);
	return 0;
}
