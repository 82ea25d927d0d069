/*
 * elfsym: a small reader for the ELF dynamic symbol table.  Every offset
 * read from the file is checked against the file size before use, every
 * header is copied out with memcpy (the file's offsets need not be
 * aligned), and the file is read into memory rather than mapped: a file
 * its owner truncates under us must not kill the tracer with SIGBUS.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfsym.h"

/* Is [off, off + len) inside a buffer of SIZE bytes (no overflow)? */
static int
in_bounds(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

static void
shdr_at(const struct elf_image *img, uint64_t shoff, size_t i, Elf64_Shdr *sh)
{
	memcpy(sh, img->base + shoff + i * sizeof(*sh), sizeof(*sh));
}

static int
parse_sections(struct elf_image *img, const Elf64_Ehdr *eh)
{
	Elf64_Shdr sh, link;
	const char *nul;
	size_t i;

	if (eh->e_shoff == 0 || eh->e_shnum == 0 ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_bounds(img->size, eh->e_shoff,
	               (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)))
		return -1;
	for (i = 0; i < eh->e_shnum; i++) {
		shdr_at(img, eh->e_shoff, i, &sh);
		if (sh.sh_type != SHT_DYNSYM)
			continue;
		if (sh.sh_entsize != sizeof(Elf64_Sym) ||
		    sh.sh_link >= eh->e_shnum ||
		    !in_bounds(img->size, sh.sh_offset, sh.sh_size))
			return -1;
		shdr_at(img, eh->e_shoff, sh.sh_link, &link);
		if (link.sh_type != SHT_STRTAB ||
		    !in_bounds(img->size, link.sh_offset, link.sh_size))
			return -1;
		img->dynsym = img->base + sh.sh_offset;
		img->nsyms = sh.sh_size / sizeof(Elf64_Sym);
		img->dynstr = (const char *)img->base + link.sh_offset;
		/*
		 * Keep the table only up to its last NUL: then every name that
		 * starts inside it ends inside it, and a lookup costs no scan.
		 */
		nul = link.sh_size ? memrchr(img->dynstr, '\0', link.sh_size) : NULL;
		img->dynstr_size = nul ? (size_t)(nul - img->dynstr) + 1 : 0;
		return 0;
	}
	return -1;
}

int
elf_from_buffer(struct elf_image *img, const void *buf, size_t size)
{
	Elf64_Ehdr eh;

	memset(img, 0, sizeof(*img));
	img->base = buf;
	img->size = size;
	if (size < sizeof(Elf64_Ehdr)) {
		errno = EINVAL;
		return -1;
	}
	memcpy(&eh, buf, sizeof(eh));
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB) {
		errno = EINVAL;
		return -1;
	}
	if (eh.e_phoff != 0 && eh.e_phentsize == sizeof(Elf64_Phdr) &&
	    in_bounds(size, eh.e_phoff, (uint64_t)eh.e_phnum * sizeof(Elf64_Phdr))) {
		img->phdr = img->base + eh.e_phoff;
		img->nphdr = eh.e_phnum;
	}
	if (parse_sections(img, &eh) == -1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
elf_open_fd(struct elf_image *img, int fd)
{
	struct stat st;
	unsigned char *buf;
	size_t size, got = 0;
	ssize_t n;
	int saved;

	memset(img, 0, sizeof(*img));
	if (fstat(fd, &st) == -1)
		return -1;
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		errno = EINVAL;
		return -1;
	}
	if (st.st_size > ELF_MAX_SIZE) {
		errno = EFBIG;
		return -1;
	}
	size = (size_t)st.st_size;
	if ((buf = malloc(size)) == NULL)
		return -1;
	/* the file may shrink while we read: what we got is all there is */
	while (got < size) {
		n = pread(fd, buf + got, size - got, (off_t)got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			saved = errno;
			free(buf);
			errno = saved;
			return -1;
		}
		if (n == 0)
			break;
		got += (size_t)n;
	}
	if (elf_from_buffer(img, buf, got) == -1) {
		free(buf);
		memset(img, 0, sizeof(*img));
		errno = EINVAL;
		return -1;
	}
	img->owned = 1;
	return 0;
}

int
elf_open(struct elf_image *img, const char *path)
{
	int fd, r, saved;

	memset(img, 0, sizeof(*img));
	/* O_NONBLOCK: a FIFO put in a binary's place must not hang the open */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) == -1)
		return -1;
	r = elf_open_fd(img, fd);
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

void
elf_close(struct elf_image *img)
{
	if (img->owned)
		free((void *)img->base);
	memset(img, 0, sizeof(*img));
}

size_t
elf_symbol_count(const struct elf_image *img)
{
	return img->nsyms;
}

static void
sym_at(const struct elf_image *img, size_t i, Elf64_Sym *s)
{
	memcpy(s, (const unsigned char *)img->dynsym + i * sizeof(*s), sizeof(*s));
}

int
elf_symbol_at(const struct elf_image *img, size_t i, struct elf_symbol *out)
{
	Elf64_Sym s;

	if (i >= img->nsyms)
		return -1;
	sym_at(img, i, &s);
	/* dynstr ends with a NUL (see parse_sections) */
	if (s.st_name >= img->dynstr_size)
		return -1;
	out->name = img->dynstr + s.st_name;
	out->value = s.st_value;
	out->size = s.st_size;
	out->type = ELF64_ST_TYPE(s.st_info);
	out->bind = ELF64_ST_BIND(s.st_info);
	out->shndx = s.st_shndx;
	return 0;
}

int
elf_symbol_find(const struct elf_image *img, const char *name,
                struct elf_symbol *out)
{
	size_t i;

	for (i = 1; i < img->nsyms; i++) {
		if (elf_symbol_at(img, i, out) == -1)
			continue;
		if (out->shndx != SHN_UNDEF && strcmp(out->name, name) == 0)
			return 0;
	}
	return -1;
}

size_t
elf_load_segments(const struct elf_image *img, struct elf_segment *out,
                  size_t max)
{
	Elf64_Phdr ph;
	size_t i, n = 0;

	for (i = 0; i < img->nphdr && n < max; i++) {
		memcpy(&ph, (const unsigned char *)img->phdr + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_LOAD)
			continue;
		out[n].offset = ph.p_offset;
		out[n].vaddr = ph.p_vaddr;
		out[n].align = ph.p_align;
		n++;
	}
	return n;
}

int
elf_segments_bias(const struct elf_segment *seg, size_t n, uint64_t start,
                  uint64_t offset, uint64_t *bias)
{
	uint64_t align;
	size_t i;

	for (i = 0; i < n; i++) {
		align = seg[i].align > 1 ? seg[i].align : 1;
		/* the kernel maps from the page that holds p_offset */
		if ((seg[i].offset & ~(uint64_t)0xfff) != offset &&
		    (seg[i].offset & ~(align - 1)) != offset)
			continue;
		/* unsigned arithmetic: a hostile header wraps, never traps */
		*bias = start - (seg[i].vaddr - (seg[i].offset - offset));
		return 0;
	}
	return -1;
}

int
elf_load_bias(const struct elf_image *img, uint64_t start, uint64_t offset,
              uint64_t *bias)
{
	struct elf_segment seg[ELF_MAX_SEGMENTS];
	size_t n = elf_load_segments(img, seg, ELF_MAX_SEGMENTS);

	return elf_segments_bias(seg, n, start, offset, bias);
}

int
elf_find_string(const struct elf_image *img, const char *prefix,
                char *out, size_t outsz)
{
	const unsigned char *p, *end = img->base + img->size;
	size_t plen = strlen(prefix), n = 0;

	if (outsz == 0)
		return -1;
	out[0] = '\0';
	p = memmem(img->base, img->size, prefix, plen);
	if (p == NULL)
		return -1;
	for (p += plen; p < end && n + 1 < outsz && *p >= 0x21 && *p < 0x7f; p++)
		out[n++] = (char)*p;
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}
