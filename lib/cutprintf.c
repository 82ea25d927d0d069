/*
 * cutprintf: a cutting snprintf (not install/'s say(), which talks to the user).
 */
#include <stdarg.h>
#include <stdio.h>

#include "cutprintf.h"

void
cut_printf(char *out, size_t outsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(out, outsz, fmt, ap);
	va_end(ap);
}
