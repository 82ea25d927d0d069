/*
 * json: the one JSON writer of every mailorigin program (one object per
 * line, as `--json` prints).
 *
 * Promises: the output is always valid JSON (RFC 8259), whatever bytes a
 * value or a key holds, and never carries a byte a terminal obeys:
 *  - '"' and '\\' as \" and \\; LF, CR, TAB as \n, \r, \t;
 *  - every other C0 control, NUL and DEL (0x7f) as \u00XX;
 *  - valid UTF-8 (no overlong form, no surrogate, nothing past U+10FFFF)
 *    passes as is, except the C1 controls U+0080-U+009F and U+2028/U+2029,
 *    which become \u0080-\u009f, \u2028, \u2029;
 *  - every byte that is not part of a valid UTF-8 sequence becomes \u00XX
 *    of the byte itself (its Latin-1 reading), so 0xff is "\u00ff": the
 *    byte can be told from the text around it, nothing is replaced or lost.
 *
 * Use:
 *	struct mo_json j;
 *	mo_json_begin(&j, stdout);              {
 *	mo_json_str(&j, "id", id);              "id":"..."
 *	mo_json_int(&j, "uid", 1000);           ,"uid":1000
 *	mo_json_array(&j, "args");              ,"args":[
 *	mo_json_str(&j, NULL, "-t");            "-t"    (NULL key: an element)
 *	mo_json_close(&j);                      ]
 *	mo_json_end(&j);                        }\n     (closes all that is open)
 * Inside an array pass key NULL; inside an object a key.  Writes go to the
 * FILE; errors are the FILE's (check ferror/fflush as usual).
 */
#ifndef MO_JSON_H
#define MO_JSON_H

#include <stddef.h>
#include <stdio.h>

#define MO_JSON_DEPTH 16

struct mo_json {
	FILE		*f;
	unsigned	 depth;
	char		 kind[MO_JSON_DEPTH];   /* '{' or '[' */
	unsigned char	 more[MO_JSON_DEPTH];   /* a member is written at that level */
};

/* Write s[0..len) as one JSON string with its quotes, escaped as above. */
void mo_json_string(FILE *f, const void *s, size_t len);

/* '{' at top level; mo_json_end() closes everything and ends the line. */
void mo_json_begin(struct mo_json *j, FILE *f);
void mo_json_end(struct mo_json *j);

/* Members (key NULL inside an array).  A NULL string is written as null. */
void mo_json_str(struct mo_json *j, const char *key, const char *s);
void mo_json_strn(struct mo_json *j, const char *key, const void *s, size_t len);
void mo_json_int(struct mo_json *j, const char *key, long long v);
void mo_json_uint(struct mo_json *j, const char *key, unsigned long long v);
/* A fixed-point number with `decimals` digits (a non-finite v is null). */
void mo_json_real(struct mo_json *j, const char *key, double v, int decimals);
void mo_json_bool(struct mo_json *j, const char *key, int v);
void mo_json_null(struct mo_json *j, const char *key);
/* A nested object or array, closed by mo_json_close(). */
void mo_json_object(struct mo_json *j, const char *key);
void mo_json_array(struct mo_json *j, const char *key);
void mo_json_close(struct mo_json *j);

#endif
