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

/*
 * The same for an array of big elements that one pass fills once (the
 * tracer's per-process records, 73 KiB each): kept in an anonymous mapping
 * of its own, aligned to and advised for 2 MiB transparent huge pages, so
 * that filling it costs one page fault per 2 MiB instead of one per 4 KiB
 * (20-60 us each on a VM with shadow page tables; without huge pages the
 * kernel falls back to 4 KiB pages).  Elements never written read as
 * zeros, also after a growth (the mapping is fresh).  Capacity: 2 MiB of
 * elements at first (at least one), then doubled.  Release with
 * mo_big_free(arr, cap, elem); NULL and cap 0 are a valid empty array.
 */
int mo_grow_big(void *arrp, size_t *cap, size_t n, size_t elem);
void mo_big_free(void *arr, size_t cap, size_t elem);

/* v in decimal, NUL-terminated, into buf when it fits (len bytes);
 * returns the number of digits, or 0 (buf "" when len > 0) when not. */
size_t mo_ulong_dec(char *buf, size_t len, unsigned long v);

#endif
