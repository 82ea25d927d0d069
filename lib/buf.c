/* buf: growing arrays and decimal numbers. */
#include <bsd/stdlib.h>
#include <string.h>

#include "buf.h"

int
mo_grow(void *arrp, size_t *cap, size_t n, size_t elem)
{
	void *a, *p;
	size_t c;

	if (n < *cap)
		return 0;
	c = *cap ? *cap * 2 : 64;
	memcpy(&a, arrp, sizeof(a));
	if ((p = reallocarray(a, c, elem)) == NULL)
		return -1;
	memcpy(arrp, &p, sizeof(p));
	*cap = c;
	return 0;
}

size_t
mo_ulong_dec(char *buf, size_t len, unsigned long v)
{
	char tmp[24];
	size_t n = 0, i;

	do
		tmp[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	if (len < n + 1) {
		if (len > 0)
			buf[0] = '\0';
		return 0;
	}
	for (i = 0; n > 0; i++)
		buf[i] = tmp[--n];
	buf[i] = '\0';
	return i;
}
