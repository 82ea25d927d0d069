/* escape: bounded, clean header values and key=value log fields. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <bsd/string.h>

#include "escape.h"
#include "hygiene.h"

#define LOG_VALUE_MAX 512

static size_t escape_into(char *, size_t, const unsigned char *, size_t, int, const char *);

/* The escape of byte c, written to e (size >= 5); returns its length.
 * quoted: '"' too; bytes in also (a separator of the value) as \xHH. */
static size_t
escape_byte(char *e, unsigned char c, int quoted, const char *also)
{
	if (also != NULL && c != '\0' && strchr(also, c) != NULL) {
		snprintf(e, 5, "\\x%02x", c);
		return 4;
	}
	switch (c) {
	case '\n': memcpy(e, "\\n", 2); return 2;
	case '\r': memcpy(e, "\\r", 2); return 2;
	case '\t': memcpy(e, "\\t", 2); return 2;
	case '\\': memcpy(e, "\\\\", 2); return 2;
	case '"':
		if (quoted) {
			memcpy(e, "\\\"", 2);
			return 2;
		}
		break;
	}
	if (c < 0x20 || c > 0x7e) {
		snprintf(e, 5, "\\x%02x", c);
		return 4;
	}
	e[0] = (char)c;
	return 1;
}

size_t
mo_escape_byte(char *e, unsigned char c)
{
	return escape_byte(e, c, 0, NULL);
}

size_t
mo_escape_all(char *dst, const void *src, size_t len)
{
	size_t o = escape_into(dst, 4 * len, src, len, 0, NULL);

	dst[o] = '\0';
	return o;
}

static size_t
escape_into(char *dst, size_t max, const unsigned char *s, size_t len, int quoted,
    const char *also)
{
	size_t o = 0, total = 0, i, n, limit;
	char e[5];

	for (i = 0; i < len; i++)
		total += escape_byte(e, s[i], quoted, also);
	limit = total <= max ? max : (max >= 3 ? max - 3 : 0);
	for (i = 0; i < len; i++) {
		n = escape_byte(e, s[i], quoted, also);
		if (o + n > limit)
			break;
		memcpy(dst + o, e, n);
		o += n;
	}
	if (i < len && max >= 3) {
		memcpy(dst + o, "...", 3);    /* cut, and say so */
		o += 3;
	}
	return o;
}

size_t
mo_escape(char *dst, size_t cap, size_t max, const void *src, size_t len)
{
	size_t o;

	if (max >= cap)
		max = cap - 1;
	o = escape_into(dst, max, src, len, 0, NULL);
	dst[o] = '\0';
	return o;
}

size_t
mo_escape_also(char *dst, size_t cap, size_t max, const void *src, size_t len, const char *also)
{
	size_t o;

	if (max >= cap)
		max = cap - 1;
	o = escape_into(dst, max, src, len, 0, also);
	dst[o] = '\0';
	return o;
}

void
mo_line_init(struct mo_line *l)
{
	l->len = l->fields = 0;
	l->full = 0;
	l->cut[0] = '\0';
	l->buf[0] = '\0';
}

static int
needs_quotes(const unsigned char *s, size_t len)
{
	size_t i;

	if (len == 0)
		return 1;
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || (c != '\0' && strchr("._/@:+,%-<>", c) != NULL))
			continue;
		return 1;
	}
	return 0;
}

/* The fields, then " cut=KEY,KEY" when a field was left out. */
static void
line_end(struct mo_line *l)
{
	int n = 0;

	if (l->cut[0] != '\0')
		n = snprintf(l->buf + l->fields, sizeof(l->buf) - l->fields, "%scut=%s",
		    l->fields ? " " : "", l->cut);
	l->len = l->fields + (size_t)(n > 0 ? n : 0);
	l->buf[l->len] = '\0';
}

/* Leave the field key out, and say so in the marker.  A key that does
 * not fit the marker ends it with "+" (more were left out). */
static int
line_drop(struct mo_line *l, const char *key)
{
	size_t n = strlen(l->cut);

	l->full = 1;
	if (n > 0 && l->cut[n - 1] == '+')
		return -1;
	if (n + (n ? 1 : 0) + strlen(key) + 2 > sizeof(l->cut))
		strlcat(l->cut, "+", sizeof(l->cut));
	else {
		if (n)
			strlcat(l->cut, ",", sizeof(l->cut));
		strlcat(l->cut, key, sizeof(l->cut));
	}
	line_end(l);
	return -1;
}

/* Append key=value (the value cut at max bytes) when it leaves reserve
 * bytes free (and room for the marker); else leave it out. */
static int
line_add_max(struct mo_line *l, const char *key, const void *value, size_t len, size_t reserve,
    size_t max)
{
	char v[LOG_VALUE_MAX + 8];
	size_t klen = strlen(key), vlen, need, at;
	int q;

	q = needs_quotes(value, len);
	vlen = escape_into(v, max, value, len, q, NULL);
	need = (l->fields ? 1 : 0) + klen + 1 + vlen + (q ? 2 : 0);
	if (l->fields + need + reserve >= sizeof(l->buf) - MO_LINE_CUT_ROOM)
		return line_drop(l, key);
	at = l->fields;
	if (at)
		l->buf[at++] = ' ';
	memcpy(l->buf + at, key, klen);
	at += klen;
	l->buf[at++] = '=';
	if (q)
		l->buf[at++] = '"';
	memcpy(l->buf + at, v, vlen);
	at += vlen;
	if (q)
		l->buf[at++] = '"';
	l->fields = at;
	line_end(l);
	return 0;
}

static int
line_add(struct mo_line *l, const char *key, const void *value, size_t len, size_t reserve)
{
	return line_add_max(l, key, value, len, reserve, LOG_VALUE_MAX);
}

int
mo_line_kv_fault(struct mo_line *l, const char *value)
{
	if (value == NULL)
		value = "";
	return line_add_max(l, "fault", value, strlen(value), 0, MO_LINE_FAULT_MAX);
}

int
mo_line_kvn(struct mo_line *l, const char *key, const void *value, size_t len)
{
	return line_add(l, key, value, len, 0);
}

int
mo_line_kv_long(struct mo_line *l, const char *key, const char *value)
{
	if (value == NULL)
		value = "";
	return line_add(l, key, value, strlen(value), MO_LINE_RESERVE);
}

size_t
mo_escape_record(char *dst, const char *key, const void *value, size_t len)
{
	size_t n = strlen(key);
	int q = needs_quotes(value, len);

	memcpy(dst, key, n);
	dst[n++] = '=';
	if (q)
		dst[n++] = '"';
	n += escape_into(dst + n, 4 * len, value, len, q, NULL);
	if (q)
		dst[n++] = '"';
	dst[n++] = '\n';
	dst[n] = '\0';
	return n;
}

int
mo_line_kv(struct mo_line *l, const char *key, const char *value)
{
	if (value == NULL)
		value = "";
	return mo_line_kvn(l, key, value, strlen(value));
}

int
mo_line_kvu(struct mo_line *l, const char *key, unsigned long long value)
{
	char v[24];

	snprintf(v, sizeof(v), "%llu", value);
	return mo_line_kv(l, key, v);
}

char *
mo_utc_stamp(time_t t, char out[MO_UTC_STAMP_SIZE])
{
	/* days since 1970-01-01 to the civil date, in 400-year eras that
	 * start on 0000-03-01 (so that a leap day ends its year) */
	long long days = (long long)t / 86400, secs = (long long)t % 86400;
	long long era, doe, yoe, doy, mp, y, m, d;

	if (secs < 0) {
		secs += 86400;
		days--;
	}
	days += 719468;
	era = (days >= 0 ? days : days - 146096) / 146097;
	doe = days - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y = yoe + era * 400 + (m <= 2);
	snprintf(out, MO_UTC_STAMP_SIZE, "%04lld-%02d-%02dT%02d:%02d:%02dZ", y, (int)m, (int)d,
	    (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	return out;
}

int
mo_line_write(int fd, const char *ident, const struct mo_line *l)
{
	char line[128 + sizeof(l->buf)], stamp[MO_UTC_STAMP_SIZE];
	int n;

	n = snprintf(line, sizeof(line), "%s %s[%d]: %s\n", mo_utc_stamp(mo_time(), stamp),
	    ident, (int)getpid(), l->buf);
	if (n < 0)
		return -1;
	if (write(fd, line, (size_t)n) != n) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

void
mo_fault_vadd(char *list, size_t listsz, char *msg, size_t msgsz,
    const char *fmt, va_list ap)
{
	char clean[1024];

	vsnprintf(msg, msgsz, fmt, ap);
	mo_escape(clean, sizeof(clean), sizeof(clean) - 1, msg, strlen(msg));
	syslog(LOG_ERR, "fault: %s", clean);
	if (list[0] != '\0')
		strlcat(list, "; ", listsz);
	strlcat(list, msg, listsz);
}
