/* kvparse: key=value lines back into keys and exact byte values. */
#include <bsd/stdlib.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvparse.h"

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode the escape at s[0] == '\\' into *c; returns its length, 0 when bad. */
static size_t
unescape(const char *s, size_t len, char *c)
{
	int hi, lo;

	if (len < 2)
		return 0;
	switch (s[1]) {
	case 'n': *c = '\n'; return 2;
	case 'r': *c = '\r'; return 2;
	case 't': *c = '\t'; return 2;
	case '\\': *c = '\\'; return 2;
	case '"': *c = '"'; return 2;
	case 'x':
		if (len < 4 || (hi = hexval(s[2])) < 0 || (lo = hexval(s[3])) < 0)
			return 0;
		*c = (char)(hi << 4 | lo);
		return 4;
	}
	return 0;
}

/*
 * A value ends at its closing quote (quoted) or at a space or the end
 * (bare).  A bare value holds escapes too: the writer leaves a value bare
 * when it holds only safe bytes, and (escape.c) a NUL among them, written
 * as \x00.  A quote inside a bare value is not the writer's.
 */
size_t
mo_kv_value(const char *s, size_t len, char *out, size_t *outlen)
{
	int quoted = len > 0 && s[0] == '"', closed = 0;
	size_t i = quoted ? 1 : 0, o = 0, n;

	while (i < len) {
		if (quoted && s[i] == '"') {
			closed = 1;
			i++;
			break;
		}
		if (!quoted && s[i] == ' ')
			break;
		if ((!quoted && s[i] == '"') || s[i] == '\0')
			return 0;
		if (s[i] == '\\') {
			if ((n = unescape(s + i, len - i, &out[o])) == 0)
				return 0;
			o++;
			i += n;
			continue;
		}
		out[o++] = s[i++];
	}
	if (quoted && !closed)
		return 0;       /* no closing quote */
	out[o] = '\0';
	*outlen = o;
	return i;
}

static int
key_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    c == '_';
}

static int
append(struct mo_kvline *l, const char *key, size_t klen, const char *val, size_t vlen)
{
	struct mo_kv *kv;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		if ((kv = reallocarray(l->kv, cap, sizeof(*kv))) == NULL)
			return -1;
		l->kv = kv;
		l->cap = cap;
	}
	kv = &l->kv[l->n];
	if ((kv->key = strndup(key, klen)) == NULL)
		return -1;
	if ((kv->value = malloc(vlen + 1)) == NULL) {
		free(kv->key);
		return -1;
	}
	memcpy(kv->value, val, vlen);
	kv->value[vlen] = '\0';
	kv->len = vlen;
	l->n++;
	return 0;
}

int
mo_kv_parse(struct mo_kvline *l, const char *line, size_t len, size_t *errpos)
{
	size_t i = 0, k, used, vlen;
	char *buf;

	if ((buf = malloc(len + 1)) == NULL) {
		*errpos = 0;
		errno = ENOMEM;
		return -1;
	}
	while (i < len) {
		if (line[i] == ' ') {
			i++;
			continue;
		}
		for (k = i; k < len && key_byte(line[k]); k++)
			;
		if (k == i || k == len || line[k] != '=')
			goto bad;
		used = mo_kv_value(line + k + 1, len - k - 1, buf, &vlen);
		if (used == 0 && !(k + 1 == len || line[k + 1] == ' '))
			goto bad;       /* an empty bare value is only "k=" */
		if (k + 1 + used < len && line[k + 1 + used] != ' ') {
			i = k + 1 + used;
			goto bad;       /* "a"b: junk after a quoted value */
		}
		if (append(l, line + i, k - i, buf, vlen) == -1) {
			*errpos = i;
			free(buf);
			errno = ENOMEM;
			return -1;
		}
		i = k + 1 + used;
	}
	free(buf);
	return 0;
bad:
	*errpos = i;
	free(buf);
	errno = EINVAL;
	return -1;
}

const struct mo_kv *
mo_kv_get(const struct mo_kvline *l, const char *key)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strcmp(l->kv[i].key, key) == 0)
			return &l->kv[i];
	return NULL;
}

const char *
mo_kv_str(const struct mo_kvline *l, const char *key)
{
	const struct mo_kv *kv = mo_kv_get(l, key);

	return kv != NULL && strlen(kv->value) == kv->len ? kv->value : NULL;
}

void
mo_kv_free(struct mo_kvline *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->kv[i].key);
		free(l->kv[i].value);
	}
	free(l->kv);
	memset(l, 0, sizeof(*l));
}
