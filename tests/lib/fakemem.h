/* fakemem: little-endian fields written into a fake PHP's memory, for the
 * tests that lay out an executor (tests/tracer/forged-php.c,
 * tests/unit/test_tracer_decide.c). */
#ifndef MO_TEST_FAKEMEM_H
#define MO_TEST_FAKEMEM_H

#include <stdint.h>
#include <string.h>

static inline void
put64(unsigned char *p, unsigned off, uint64_t v)
{
	memcpy(p + off, &v, 8);
}

static inline void
put32(unsigned char *p, unsigned off, uint32_t v)
{
	memcpy(p + off, &v, 4);
}

#endif
