/*
 * kvparse: read back the key=value lines that mo_line_kv() writes (the
 * log line, the hold spool's meta file).
 *
 * A line is pairs separated by spaces.  A key is [A-Za-z0-9_]+.  A value
 * is bare (taken literally up to the next space) or "quoted", with the C
 * escapes \n \r \t \\ \" and \xHH that escape.c writes.  Decoding is the
 * exact inverse of mo_line_kvn() for every value it did not cut: values
 * may hold any byte, NUL included, so each carries its length.
 */
#ifndef MO_KVPARSE_H
#define MO_KVPARSE_H

#include <stddef.h>

struct mo_kv {
	char	*key;           /* NUL-terminated */
	char	*value;         /* decoded, NUL-terminated; may hold NULs: see len */
	size_t	 len;
};

struct mo_kvline {
	struct mo_kv	*kv;
	size_t		 n, cap;
};

/* Decode one value that starts at s[0] (bare or quoted) into out (size
 * cap, which need not exceed len + 1: decoding never grows).  Returns the
 * bytes of s it used, or 0 when the value is malformed (an unknown escape,
 * a bad \x, no closing quote, a raw NUL) or bare and empty (s[0] is a
 * space or len is 0).  *outlen gets the decoded length. */
size_t mo_kv_value(const char *s, size_t len, char *out, size_t *outlen);

/* Parse one line (without its newline) and append its pairs to l.
 * Returns 0, or -1 with *errpos at the offending byte (errno EINVAL, or
 * ENOMEM).  On error l keeps the pairs of the line before the fault. */
int mo_kv_parse(struct mo_kvline *l, const char *line, size_t len, size_t *errpos);
/* The first pair with key, or NULL. */
const struct mo_kv *mo_kv_get(const struct mo_kvline *l, const char *key);
/* The value of the first pair with key when it holds no NUL, else NULL. */
const char *mo_kv_str(const struct mo_kvline *l, const char *key);
void mo_kv_free(struct mo_kvline *l);

#endif
