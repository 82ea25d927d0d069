/* buf: growing arrays and decimal numbers. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>

#include <bsd/stdlib.h>

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

#define BIG_ALIGN ((size_t)2 << 20)    /* an x86-64 transparent huge page */

/* Bytes mapped for CAP elements of ELEM bytes (a multiple of BIG_ALIGN);
 * 0 on overflow. */
static size_t
big_bytes(size_t cap, size_t elem)
{
	size_t b;

	if (elem != 0 && cap > (SIZE_MAX - BIG_ALIGN) / elem)
		return 0;
	b = cap * elem;
	return (b + BIG_ALIGN - 1) & ~(BIG_ALIGN - 1);
}

/* LEN bytes (a multiple of BIG_ALIGN) of zeros at a BIG_ALIGN boundary. */
static void *
big_map(size_t len)
{
	char *p, *a;
	size_t head;

	if (len > SIZE_MAX - BIG_ALIGN) {
		errno = ENOMEM;
		return NULL;
	}
	p = mmap(NULL, len + BIG_ALIGN, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (char *)(((uintptr_t)p + BIG_ALIGN - 1) & ~(uintptr_t)(BIG_ALIGN - 1));
	head = (size_t)(a - p);
	if (head > 0)
		(void)munmap(p, head);
	if (BIG_ALIGN - head > 0)
		(void)munmap(a + len, BIG_ALIGN - head);
#ifdef MADV_HUGEPAGE
	/* advice only: where huge pages are off, 4 KiB pages as before */
	(void)madvise(a, len, MADV_HUGEPAGE);
#endif
	return a;
}

int
mo_grow_big(void *arrp, size_t *cap, size_t n, size_t elem)
{
	void *a, *p;
	size_t c, len;

	if (n < *cap)
		return 0;
	if (elem == 0) {
		errno = EINVAL;
		return -1;
	}
	if (*cap == 0)
		c = elem < BIG_ALIGN ? BIG_ALIGN / elem : 1;
	else if (*cap > SIZE_MAX / 2)
		c = 0;
	else
		c = *cap * 2;
	if (c == 0 || (len = big_bytes(c, elem)) == 0) {
		errno = ENOMEM;
		return -1;
	}
	if ((p = big_map(len)) == NULL)
		return -1;
	memcpy(&a, arrp, sizeof(a));
	if (a != NULL) {
		memcpy(p, a, *cap * elem);
		mo_big_free(a, *cap, elem);
	}
	memcpy(arrp, &p, sizeof(p));
	*cap = c;
	return 0;
}

void
mo_big_free(void *arr, size_t cap, size_t elem)
{
	if (arr != NULL && cap > 0)
		(void)munmap(arr, big_bytes(cap, elem));
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
