/*
 * report: print a scan as a table or as JSON lines.
 *
 * Promises: every value printed passes through lib/json.h or
 * table_clean(), so a file name holding a newline or an escape sequence
 * cannot forge a line or a column; the JSON output is one object per line.
 */
#ifndef MO_TRACER_REPORT_H
#define MO_TRACER_REPORT_H

#include <stdio.h>

#include "scan.h"

/* Copy S into OUT with control characters as '?', cut to WIDTH columns. */
void table_clean(char *out, size_t outsz, const char *s, size_t width);
/* "3.2s", "4m05s", "-" */
void fmt_duration(char *out, size_t outsz, double secs);

void report_table(FILE *f, const struct scan_result *res, int all);
void report_json(FILE *f, const struct scan_result *res, int all);
/* Say once, on F, what could not be read. */
void report_denied(FILE *f, const struct scan_result *res);

#endif
