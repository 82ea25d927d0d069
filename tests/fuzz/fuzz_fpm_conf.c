/*
 * fuzz_fpm_conf: the php-fpm pool config parser (ini dialect, sections,
 * quotes, $pool).  Includes are not followed here: they read the disk.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fpm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fpm_pools pools;
	const struct fpm_pool *p;
	char *text;
	size_t i;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&pools, 0, sizeof(pools));
	(void)fpm_conf_parse(text, &pools, FPM_MAX_INCLUDE_DEPTH);
	if (pools.n > FPM_MAX_POOLS)
		abort();
	for (i = 0; i < pools.n; i++) {
		p = &pools.pool[i];
		if (memchr(p->name, '\0', sizeof(p->name)) == NULL ||
		    memchr(p->listen, '\0', sizeof(p->listen)) == NULL ||
		    memchr(p->status_listen, '\0', sizeof(p->status_listen)) == NULL ||
		    memchr(p->status_path, '\0', sizeof(p->status_path)) == NULL ||
		    memchr(p->user, '\0', sizeof(p->user)) == NULL ||
		    memchr(p->chdir, '\0', sizeof(p->chdir)) == NULL)
			abort();
		if (fpm_pool_find(&pools, p->name) == NULL)
			abort();
	}
	free(text);
	return 0;
}
