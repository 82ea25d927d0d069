/* duration: "1h30m", "250ms", "1.5s", "2d" into milliseconds. */
#include <string.h>

#include "duration.h"

static long long
unit_ms(const char **p)
{
	switch (**p) {
	case 'm':
		if ((*p)[1] == 's') {
			*p += 2;
			return 1;
		}
		(*p)++;
		return 60000;
	case 's': (*p)++; return 1000;
	case 'h': (*p)++; return 3600000;
	case 'd': (*p)++; return 86400000;
	case '\0': return 0;
	default: return -1;
	}
}

long long
mo_duration_ms(const char *s, long long max_ms, const char **why)
{
	long long total = 0, whole, unit, frac, scale, part;
	const char *p = s;

	*why = NULL;
	if (*p == '\0') {
		*why = "empty";
		return -1;
	}
	while (*p != '\0') {
		if (*p < '0' || *p > '9') {
			*why = "expected a number";
			return -1;
		}
		for (whole = 0; *p >= '0' && *p <= '9'; p++)
			if ((whole = whole * 10 + (*p - '0')) > max_ms) {
				*why = "too long";
				return -1;
			}
		frac = 0;
		scale = 1;
		if (*p == '.') {
			if (p[1] < '0' || p[1] > '9') {
				*why = "expected a number";
				return -1;
			}
			for (p++; *p >= '0' && *p <= '9'; p++)
				if (scale < 1000000000LL) {
					frac = frac * 10 + (*p - '0');
					scale *= 10;
				}
		}
		if ((unit = unit_ms(&p)) == -1) {
			*why = "units are ms, s, m, h, d";
			return -1;
		}
		if (unit == 0) {                /* a bare number: seconds, alone */
			if (p - s != (long long)strlen(s) || total != 0 || strpbrk(s, "msdh") != NULL) {
				*why = "units are ms, s, m, h, d";
				return -1;
			}
			unit = 1000;
		}
		if (whole > max_ms / unit) {
			*why = "too long";
			return -1;
		}
		part = whole * unit + (frac * unit + scale / 2) / scale;
		if (part > max_ms - total) {
			*why = "too long";
			return -1;
		}
		total += part;
	}
	return total;
}
