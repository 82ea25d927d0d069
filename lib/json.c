/* json: one escaper and one writer for every --json output. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "hygiene.h"
#include "json.h"

/* The code point of the valid UTF-8 sequence s[0..n). */
static uint32_t
utf8_cp(const unsigned char *s, size_t n)
{
	static const unsigned char lead[5] = { 0, 0x7f, 0x1f, 0x0f, 0x07 };
	uint32_t cp = s[0] & lead[n];
	size_t i;

	for (i = 1; i < n; i++)
		cp = cp << 6 | (s[i] & 0x3f);
	return cp;
}

void
mo_json_string(FILE *f, const void *s, size_t len)
{
	const unsigned char *p = s;
	size_t i = 0, n;

	fputc('"', f);
	while (i < len) {
		unsigned char c = p[i];
		n = 1;
		if (c == '"' || c == '\\') {
			fputc('\\', f);
			fputc(c, f);
		} else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\r')
			fputs("\\r", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else if (c < 0x80)
			fputc(c, f);
		else if ((n = mo_utf8_len(p + i, len - i, 0)) > 0) {
			uint32_t cp = utf8_cp(p + i, n);
			if (cp < 0xa0 || cp == 0x2028 || cp == 0x2029)
				fprintf(f, "\\u%04x", (unsigned)cp);
			else
				fwrite(p + i, 1, n, f);
		} else {
			fprintf(f, "\\u%04x", c);       /* not UTF-8: the byte */
			n = 1;
		}
		i += n;
	}
	fputc('"', f);
}

/* The comma and the key of the next member. */
static void
member(struct mo_json *j, const char *key)
{
	unsigned d = j->depth ? j->depth - 1 : 0;

	if (j->depth > 0) {
		if (j->more[d])
			fputc(',', j->f);
		j->more[d] = 1;
	}
	if (key != NULL && j->depth > 0 && j->kind[d] == '{') {
		mo_json_string(j->f, key, strlen(key));
		fputc(':', j->f);
	}
}

static void
open_level(struct mo_json *j, char kind)
{
	fputc(kind, j->f);
	if (j->depth < MO_JSON_DEPTH) {
		j->kind[j->depth] = kind;
		j->more[j->depth] = 0;
	}
	j->depth++;
}

void
mo_json_begin(struct mo_json *j, FILE *f)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	open_level(j, '{');
}

void
mo_json_close(struct mo_json *j)
{
	if (j->depth == 0)
		return;
	j->depth--;
	fputc(j->depth < MO_JSON_DEPTH && j->kind[j->depth] == '[' ? ']' : '}', j->f);
}

void
mo_json_end(struct mo_json *j)
{
	while (j->depth > 0)
		mo_json_close(j);
	fputc('\n', j->f);
}

void
mo_json_strn(struct mo_json *j, const char *key, const void *s, size_t len)
{
	member(j, key);
	if (s == NULL)
		fputs("null", j->f);
	else
		mo_json_string(j->f, s, len);
}

void
mo_json_str(struct mo_json *j, const char *key, const char *s)
{
	mo_json_strn(j, key, s, s ? strlen(s) : 0);
}

void
mo_json_int(struct mo_json *j, const char *key, long long v)
{
	member(j, key);
	fprintf(j->f, "%lld", v);
}

void
mo_json_uint(struct mo_json *j, const char *key, unsigned long long v)
{
	member(j, key);
	fprintf(j->f, "%llu", v);
}

void
mo_json_real(struct mo_json *j, const char *key, double v, int decimals)
{
	member(j, key);
	if (isfinite(v))
		fprintf(j->f, "%.*f", decimals, v);
	else
		fputs("null", j->f);
}

void
mo_json_bool(struct mo_json *j, const char *key, int v)
{
	member(j, key);
	fputs(v ? "true" : "false", j->f);
}

void
mo_json_null(struct mo_json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

void
mo_json_object(struct mo_json *j, const char *key)
{
	member(j, key);
	open_level(j, '{');
}

void
mo_json_array(struct mo_json *j, const char *key)
{
	member(j, key);
	open_level(j, '[');
}
