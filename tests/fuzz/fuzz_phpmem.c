/*
 * fuzz_phpmem: the memory sampler on a PHP executor a hostile process
 * controls: pointer chains that loop, huge lengths, strings without NUL,
 * frames of any type.  The input is the whole "address space": byte 0
 * picks the layout, bytes 1-2 where sapi_globals lie, the rest is memory
 * mapped at FAKE_BASE; executor_globals is at its start.
 * process_vm_readv is replaced by a reader of that space, which behaves
 * as the kernel does (EFAULT outside, short reads at the end).
 */
#define process_vm_readv fuzz_process_vm_readv  /* before <sys/uio.h> */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "../../lib/phpmem.c"
#undef process_vm_readv

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FAKE_BASE 0x10000ULL

static const unsigned char *mem;
static size_t memsize;
static unsigned long reads;

ssize_t
fuzz_process_vm_readv(pid_t pid, const struct iovec *local, unsigned long liovcnt,
                      const struct iovec *remote, unsigned long riovcnt,
                      unsigned long flags)
{
	uint64_t addr = (uintptr_t)remote[0].iov_base, off;
	size_t len = remote[0].iov_len, n;

	(void)pid;
	(void)flags;
	if (liovcnt != 1 || riovcnt != 1 || local[0].iov_len != len)
		abort();                    /* phpmem only reads one buffer */
	if (++reads > 100000)
		abort();                    /* a loop that does not end */
	if (addr < FAKE_BASE || addr - FAKE_BASE >= memsize) {
		errno = EFAULT;
		return -1;
	}
	off = addr - FAKE_BASE;
	n = len < memsize - off ? len : memsize - off;
	memcpy(local[0].iov_base, mem + off, n);
	return (ssize_t)n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct php_binary bin;
	struct php_target t;
	struct php_sample s;
	unsigned char *copy;
	char why[160];
	int r;

	if (size < 3)
		return 0;
	memset(&bin, 0, sizeof(bin));
	bin.layout = php_layout_at(data[0] % php_layout_count());
	strcpy(bin.version, bin.layout->version);
	bin.usable = 1;
	if ((copy = malloc(size - 3 ? size - 3 : 1)) == NULL)
		return 0;
	memcpy(copy, data + 3, size - 3);
	mem = copy;
	memsize = size - 3;
	reads = 0;
	memset(&t, 0, sizeof(t));
	t.pid = 1;
	t.bin = &bin;
	t.eg_addr = FAKE_BASE;
	t.sg_addr = FAKE_BASE + ((size_t)data[1] | (size_t)data[2] << 8);
	r = phpmem_sample(&t, &s, why, sizeof(why));
	if (getenv("FUZZ_PHPMEM_PRINT") != NULL)
		fprintf(stderr, "r=%d busy=%d file=%s:%u fn=%s main=%s uri=%s why=%s\n",
		        r, s.busy, s.file, s.line, s.function, s.main_script,
		        s.request_uri, r == -2 ? why : "");
	if (r == 0 && s.busy) {
		if (memchr(s.file, '\0', sizeof(s.file)) == NULL ||
		    memchr(s.function, '\0', sizeof(s.function)) == NULL ||
		    memchr(s.main_script, '\0', sizeof(s.main_script)) == NULL ||
		    memchr(s.request_uri, '\0', sizeof(s.request_uri)) == NULL ||
		    memchr(s.query_string, '\0', sizeof(s.query_string)) == NULL ||
		    memchr(s.request_method, '\0', sizeof(s.request_method)) == NULL ||
		    memchr(s.path_translated, '\0', sizeof(s.path_translated)) == NULL)
			abort();
	}
	mem = NULL;
	free(copy);
	return 0;
}
