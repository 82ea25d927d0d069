/*
 * escape: make untrusted bytes safe for a mail header or a log line.
 *
 * The output never contains CR, LF, NUL, other control bytes or 8-bit
 * bytes: they become C escapes (\n, \r, \t, \\, \xHH).  Output is cut at
 * the caller's bound, never in the middle of an escape, and a cut value
 * ends in "..." so that a reader sees it was cut.
 */
#ifndef MO_ESCAPE_H
#define MO_ESCAPE_H

#include <stdarg.h>
#include <stddef.h>
#include <time.h>

#define MO_HEADER_VALUE_MAX 256         /* bytes of a stamped header value */

/* Escape src[0..len) into dst (size cap >= 4), NUL-terminated.  At most
 * max output bytes (max < cap).  Returns the output length. */
size_t mo_escape(char *dst, size_t cap, size_t max, const void *src, size_t len);
/* The same, and every byte of also (a value's own separators, e.g. ";"
 * in a stamped "path; source=...") as \xHH too, so that the value reads
 * back one way only. */
size_t mo_escape_also(char *dst, size_t cap, size_t max, const void *src, size_t len,
    const char *also);

/* The escape of one byte (as mo_escape() writes it) into e, not
 * terminated; returns its length (at most MO_ESCAPE_BYTE_MAX - 1). */
#define MO_ESCAPE_BYTE_MAX 5
size_t mo_escape_byte(char *e, unsigned char c);
/* Escape all of src[0..len) into dst (4 * len + 1 bytes), never cut,
 * NUL-terminated; returns the output length. */
size_t mo_escape_all(char *dst, const void *src, size_t len);

/* Append `key=value` to a log line, quoting value ("...", with \" and C
 * escapes) when it is empty or holds anything but [A-Za-z0-9._/@:+,%-].
 * Values are cut at 512 bytes.  A field that does not fit is left out
 * alone (the fields after it still go in), and the line then ends with
 * `cut=KEY,KEY` naming what was left out; the call returns -1 (0 when
 * the field is in).  The line always ends cleanly, within buf.
 *
 * mo_line_kv_long() is for a long value the caller of the program
 * controls (a folder, a command line): it is left out unless it leaves
 * MO_LINE_RESERVE bytes free, so that the short fields written after it
 * (the decision: rule, window, first, hold_error) always fit.  Put the
 * long fields a reader needs (vhost, script, from, msgid: the report's
 * attribution) before the others: at most 512 bytes each, five of them
 * and 500 bytes of short fields always fit.
 *
 * mo_line_kv_fault() is for the fault= field: its value cut at
 * MO_LINE_FAULT_MAX bytes (escaped), to be written among the first short
 * fields, before any long one, so that no long value a sender controls
 * can push it off the line (review S3-14); the long fields after it still
 * keep MO_LINE_RESERVE bytes for the decision.  Five long fields, the
 * fault and 500 bytes of short fields always fit. */
#define MO_UTC_STAMP_SIZE 32     /* with room for any year */
#define MO_LINE_CUT_ROOM 64      /* " cut=KEY,KEY...": kept for the marker */
#define MO_LINE_RESERVE 640      /* kept by the long fields for the short ones */
#define MO_LINE_FAULT_MAX 280    /* fault='s value at most, escaped */

struct mo_line {
	char	buf[4096];
	size_t	len;            /* of buf: the fields, then the marker */
	size_t	fields;         /* bytes of the fields */
	int	full;           /* a field was left out */
	char	cut[MO_LINE_CUT_ROOM - 6];      /* their keys, "a,b" */
};
void mo_line_init(struct mo_line *l);
int mo_line_kv(struct mo_line *l, const char *key, const char *value);
int mo_line_kvn(struct mo_line *l, const char *key, const void *value, size_t len);
int mo_line_kvu(struct mo_line *l, const char *key, unsigned long long value);
int mo_line_kv_long(struct mo_line *l, const char *key, const char *value);
int mo_line_kv_fault(struct mo_line *l, const char *value);

/* Append l to the log file fd as one line, "TIME IDENT[PID]: l\n" (UTC),
 * in one write so that the lines of concurrent writers never mix.
 * Returns 0, or -1 (errno). */
int mo_line_write(int fd, const char *ident, const struct mo_line *l);
/* t as "YYYY-MM-DDTHH:MM:SSZ" (UTC, what gmtime_r() and strftime() give)
 * into out, computed here: glibc's first time conversion of a process
 * reads the time zone file, which a UTC stamp does not need.  Returns out. */
char *mo_utc_stamp(time_t t, char out[MO_UTC_STAMP_SIZE]);

/* "key=value\n" with value quoted and escaped as mo_line_kvn() does, but
 * never cut: for records that must read back whole (a held message's
 * argv).  dst needs 4 * len + strlen(key) + 5 bytes; returns the length. */
size_t mo_escape_record(char *dst, const char *key, const void *value, size_t len);

/*
 * Note a fault, as the wrapper and the milter do: format FMT into MSG
 * (MSGSZ bytes, for the caller to show), send "fault: MSG" to syslog at
 * LOG_ERR escaped like every log line (a fault's text may quote a caller's
 * or an SMTP client's bytes), and append MSG to LIST ("a; b", cut at
 * LISTSZ), which the decision's log line escapes when it quotes it.
 */
void mo_fault_vadd(char *list, size_t listsz, char *msg, size_t msgsz,
    const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

#endif
