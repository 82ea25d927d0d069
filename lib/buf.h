/*
 * buf: growing arrays, and decimal numbers written without stdio (for
 * the loops that label every queued message).
 */
#ifndef MO_BUF_H
#define MO_BUF_H

#include <stddef.h>

/* Make room for element n of the array *arrp (a pointer to any element
 * type, elem bytes each, *cap of them allocated): doubled, 64 at first.
 * Returns 0, or -1 (errno ENOMEM) with the array as it was. */
int mo_grow(void *arrp, size_t *cap, size_t n, size_t elem);

/* v in decimal, NUL-terminated, into buf when it fits (len bytes);
 * returns the number of digits, or 0 (buf "" when len > 0) when not. */
size_t mo_ulong_dec(char *buf, size_t len, unsigned long v);

#endif
