/*
 * fuzz_fpm_status: the "?full&json" status page parser, on whatever a
 * pool (possibly a user's own) answers.
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
	static struct fpm_status st;
	char *body;
	size_t i;

	if ((body = malloc(size + 1)) == NULL)
		return 0;
	memcpy(body, data, size);
	body[size] = '\0';
	if (fpm_status_parse(body, &st) == 0) {
		if (st.n > FPM_MAX_WORKERS)
			abort();
		for (i = 0; i < st.n; i++)
			if (memchr(st.w[i].script, '\0', sizeof(st.w[i].script)) == NULL ||
			    memchr(st.w[i].uri, '\0', sizeof(st.w[i].uri)) == NULL ||
			    memchr(st.w[i].state, '\0', sizeof(st.w[i].state)) == NULL ||
			    memchr(st.w[i].method, '\0', sizeof(st.w[i].method)) == NULL)
				abort();
		if (memchr(st.pool, '\0', sizeof(st.pool)) == NULL)
			abort();
	}
	free(body);
	return 0;
}
