/*
 * fuzz_elf: the ELF dynamic-symbol reader over a file held in memory,
 * as the tracer reads a php-fpm binary or a libphp*.so a user may have
 * written.  Every lookup the tracer makes, on whatever the file holds.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "elfsym.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_segment seg[ELF_MAX_SEGMENTS];
	struct elf_image img;
	struct elf_symbol s;
	char version[32];
	uint64_t bias;
	volatile size_t sink = 0;
	unsigned char *copy;
	size_t i, n;

	/* an exact-size heap copy: ASan sees one byte past the end */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	if (elf_from_buffer(&img, copy, size) == 0) {
		for (i = 0; i < elf_symbol_count(&img); i++)
			if (elf_symbol_at(&img, i, &s) == 0)
				sink += strlen(s.name) + s.type + s.bind;
		(void)elf_symbol_find(&img, "executor_globals", &s);
		(void)elf_symbol_find(&img, "sapi_globals", &s);
		for (i = 0; i < 4; i++)
			(void)elf_load_bias(&img, 0x55d000000000ULL, i * 0x1000, &bias);
		(void)elf_load_bias(&img, 0, UINT64_MAX & ~0xfffULL, &bias);
		n = elf_load_segments(&img, seg, ELF_MAX_SEGMENTS);
		(void)elf_segments_bias(seg, n, 0x7f0000000000ULL, 0, &bias);
		/* the version string, in the read-only sections */
		(void)elf_find_string(&img, "X-Powered-By: PHP/", version, sizeof(version));
		/* never more than the limit, whatever the headers claim */
		if (img.bytes_read > ELF_MAX_READ)
			abort();
		elf_close(&img);
	}
	(void)sink;
	free(copy);
	return 0;
}
