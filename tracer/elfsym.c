/*
 * elfsym: a small reader for the ELF dynamic symbol table.  Every offset
 * read from the file is checked against the file size before use.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfsym.h"

/* Is [off, off + len) inside a buffer of SIZE bytes (no overflow)? */
static int
in_bounds(size_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

static int
parse_sections(struct elf_image *img, const Elf64_Ehdr *eh)
{
	const Elf64_Shdr *sh, *link;
	size_t i;

	if (eh->e_shoff == 0 || eh->e_shnum == 0 ||
	    eh->e_shentsize != sizeof(Elf64_Shdr) ||
	    !in_bounds(img->size, eh->e_shoff,
	               (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr)))
		return -1;
	sh = (const Elf64_Shdr *)(img->base + eh->e_shoff);
	for (i = 0; i < eh->e_shnum; i++) {
		if (sh[i].sh_type != SHT_DYNSYM)
			continue;
		if (sh[i].sh_entsize != sizeof(Elf64_Sym) ||
		    sh[i].sh_link >= eh->e_shnum ||
		    !in_bounds(img->size, sh[i].sh_offset, sh[i].sh_size))
			return -1;
		link = &sh[sh[i].sh_link];
		if (link->sh_type != SHT_STRTAB ||
		    !in_bounds(img->size, link->sh_offset, link->sh_size))
			return -1;
		img->dynsym = img->base + sh[i].sh_offset;
		img->nsyms = sh[i].sh_size / sizeof(Elf64_Sym);
		img->dynstr = (const char *)img->base + link->sh_offset;
		img->dynstr_size = link->sh_size;
		return 0;
	}
	return -1;
}

int
elf_from_buffer(struct elf_image *img, const void *buf, size_t size)
{
	const Elf64_Ehdr *eh = buf;

	memset(img, 0, sizeof(*img));
	img->base = buf;
	img->size = size;
	if (size < sizeof(Elf64_Ehdr) || memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB) {
		errno = EINVAL;
		return -1;
	}
	if (eh->e_phoff != 0 && eh->e_phentsize == sizeof(Elf64_Phdr) &&
	    in_bounds(size, eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr))) {
		img->phdr = img->base + eh->e_phoff;
		img->nphdr = eh->e_phnum;
	}
	if (parse_sections(img, eh) == -1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

int
elf_open(struct elf_image *img, const char *path)
{
	struct stat st;
	void *map;
	int fd, saved;

	memset(img, 0, sizeof(*img));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		saved = errno ? errno : EINVAL;
		close(fd);
		errno = saved;
		return -1;
	}
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	saved = errno;
	close(fd);
	if (map == MAP_FAILED) {
		errno = saved;
		return -1;
	}
	if (elf_from_buffer(img, map, (size_t)st.st_size) == -1) {
		munmap(map, (size_t)st.st_size);
		memset(img, 0, sizeof(*img));
		errno = EINVAL;
		return -1;
	}
	return 0;
}

void
elf_close(struct elf_image *img)
{
	if (img->base != NULL)
		munmap((void *)img->base, img->size);
	memset(img, 0, sizeof(*img));
}

size_t
elf_symbol_count(const struct elf_image *img)
{
	return img->nsyms;
}

int
elf_symbol_at(const struct elf_image *img, size_t i, struct elf_symbol *out)
{
	const Elf64_Sym *s;

	if (i >= img->nsyms)
		return -1;
	s = (const Elf64_Sym *)img->dynsym + i;
	if (s->st_name >= img->dynstr_size ||
	    memchr(img->dynstr + s->st_name, '\0', img->dynstr_size - s->st_name) == NULL)
		return -1;
	out->name = img->dynstr + s->st_name;
	out->value = s->st_value;
	out->size = s->st_size;
	out->type = ELF64_ST_TYPE(s->st_info);
	out->bind = ELF64_ST_BIND(s->st_info);
	out->shndx = s->st_shndx;
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

int
elf_load_bias(const struct elf_image *img, uint64_t start, uint64_t offset,
              uint64_t *bias)
{
	const Elf64_Phdr *ph = img->phdr;
	uint64_t align;
	size_t i;

	for (i = 0; i < img->nphdr; i++) {
		if (ph[i].p_type != PT_LOAD)
			continue;
		align = ph[i].p_align > 1 ? ph[i].p_align : 1;
		/* the kernel maps from the page that holds p_offset */
		if ((ph[i].p_offset & ~(uint64_t)0xfff) != offset &&
		    (ph[i].p_offset & ~(align - 1)) != offset)
			continue;
		*bias = start - (ph[i].p_vaddr - (ph[i].p_offset - offset));
		return 0;
	}
	return -1;
}

int
elf_find_string(const struct elf_image *img, const char *prefix,
                char *out, size_t outsz)
{
	const unsigned char *p, *end = img->base + img->size;
	size_t plen = strlen(prefix), n = 0;

	if (outsz == 0)
		return -1;
	p = memmem(img->base, img->size, prefix, plen);
	if (p == NULL)
		return -1;
	for (p += plen; p < end && n + 1 < outsz && *p >= 0x21 && *p < 0x7f; p++)
		out[n++] = (char)*p;
	out[n] = '\0';
	return n > 0 ? 0 : -1;
}
