/*
 * tracer-fcgi-get: send one FastCGI request with the tracer's own client
 * and print the STDOUT stream, as cgi-fcgi does, so the tests can compare.
 *   tracer-fcgi-get ADDR NAME=VALUE...
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "fcgi.h"

int
main(int argc, char **argv)
{
	struct fcgi_param params[64];
	struct fcgi_response r;
	size_t n = 0;
	int i;

	if (argc < 2)
		errx(EX_USAGE, "usage: tracer-fcgi-get ADDR NAME=VALUE...");
	for (i = 2; i < argc && n < 64; i++) {
		char *eq = strchr(argv[i], '=');
		if (eq == NULL)
			errx(EX_USAGE, "%s: not NAME=VALUE", argv[i]);
		*eq = '\0';
		params[n].name = argv[i];
		params[n].value = eq + 1;
		n++;
	}
	if (fcgi_request(argv[1], params, n, 5000, &r) == -1)
		err(EX_UNAVAILABLE, "%s", argv[1]);
	fwrite(r.out, 1, r.outlen, stdout);
	if (r.errlen > 0)
		fwrite(r.err, 1, r.errlen, stderr);
	fcgi_response_free(&r);
	return 0;
}
