/*
 * cutprintf: snprintf for messages and labels, where cutting a long value is the
 * intended behaviour (so the compiler's truncation warning does not apply).
 */
#ifndef MO_CUTPRINTF_H
#define MO_CUTPRINTF_H

#include <stddef.h>

void cut_printf(char *out, size_t outsz, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
