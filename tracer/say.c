/*
 * say: a cutting snprintf.
 */
#include <stdarg.h>
#include <stdio.h>

#include "say.h"

void
say(char *out, size_t outsz, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(out, outsz, fmt, ap);
	va_end(ap);
}
