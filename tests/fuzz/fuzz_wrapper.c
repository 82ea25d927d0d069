/*
 * fuzz_wrapper: the setgid wrapper's parsers of what a caller controls:
 * the message (header filter and recipient counter, fed in pieces of a
 * size the input picks), header and log escaping, and the sendmail argv
 * (the input split on NULs).  Checks: the filtered message is never
 * longer than the input, escaped values never hold CR or LF and stay in
 * their bound, a submission's first recipient is inside argv.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "stamp.h"
#include "escape.h"
#include "options.h"
static size_t total;
static int sink(void *c, const void *p, size_t n) { (void)c; (void)p; total += n; return 0; }
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) {
	struct mo_stamp st;
	size_t off = 0, piece;
	if (n < 1) return 0;
	piece = d[0] % 17 + 1; d++; n--;
	total = 0;
	mo_stamp_init(&st, "X-Mailorigin-", 1, sink, NULL);
	while (off < n) { size_t k = n - off < piece ? n - off : piece; mo_stamp_feed(&st, (const char *)d + off, k); off += k; }
	mo_stamp_finish(&st);
	/* output = input minus forged fields: never longer */
	if (total > n) abort();
	/* escape and log line */
	char out[300]; mo_escape(out, sizeof out, MO_HEADER_VALUE_MAX, d, n);
	if (strlen(out) > MO_HEADER_VALUE_MAX || strchr(out, '\n') || strchr(out, '\r')) abort();
	struct mo_line l; mo_line_init(&l); mo_line_kvn(&l, "k", d, n);
	if (strchr(l.buf, '\n')) abort();
	/* options: split input on NUL into argv */
	char *copy = malloc(n + 1); memcpy(copy, d, n); copy[n] = 0;
	char *argv[64]; int argc = 0; char *p = copy;
	while (argc < 63 && p <= copy + n) { argv[argc++] = p; p += strlen(p) + 1; }
	argv[argc] = NULL;
	struct mo_args a; mo_args_classify(argc, argv, &a);
	if (a.submission && a.first_rcpt > argc) abort();
	free(copy);
	return 0;
}
