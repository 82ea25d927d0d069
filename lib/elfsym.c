/*
 * elfsym: a small reader for the ELF dynamic symbol table.  Only the
 * headers and the tables needed are read, each with pread at the offset
 * the headers give, each checked against the file size and a fixed bound
 * first: a 511 MiB sparse file named php-fpm costs a few hundred bytes.
 * Every header is copied out with memcpy (the file's offsets need not be
 * aligned), and nothing is mapped: a file its owner truncates under us
 * must not kill the tracer with SIGBUS.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfsym.h"

#define SCAN_CHUNK (64u << 10)

/* Is [off, off + len) inside a file of SIZE bytes (no overflow)? */
static int
in_bounds(uint64_t size, uint64_t off, uint64_t len)
{
	return off <= size && len <= size - off;
}

/*
 * Copy LEN bytes at OFF of the file into OUT, charged to the limit.
 * -1 with EINVAL when outside the file (or it shrank under us), EAGAIN
 * when over the limit.
 */
static int
read_at(struct elf_image *img, uint64_t off, void *out, size_t len)
{
	size_t got = 0;
	ssize_t n;

	if (!in_bounds(img->size, off, len)) {
		errno = EINVAL;
		return -1;
	}
	if (len > img->limit - img->bytes_read) {
		errno = EAGAIN;
		return -1;
	}
	if (img->fd == -1) {
		memcpy(out, img->buf + off, len);
		img->bytes_read += len;
		return 0;
	}
	while (got < len) {
		n = pread(img->fd, (unsigned char *)out + got, len - got,
		          (off_t)(off + got));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		img->bytes_read += (uint64_t)n;
		if (n == 0) {
			errno = EINVAL;         /* it shrank */
			return -1;
		}
		got += (size_t)n;
	}
	return 0;
}

/*
 * LEN bytes at OFF, at most MAX (EFBIG): a malloc'd copy read from the
 * file, or the place in the caller's buffer; NULL on error.
 */
static const void *
read_copy(struct elf_image *img, uint64_t off, uint64_t len, uint64_t max)
{
	void *p;
	int saved;

	if (len > max) {
		errno = EFBIG;
		return NULL;
	}
	if (!in_bounds(img->size, off, len)) {
		errno = EINVAL;
		return NULL;
	}
	if (img->fd == -1) {
		if (len > img->limit - img->bytes_read) {
			errno = EAGAIN;
			return NULL;
		}
		img->bytes_read += len;
		return img->buf + off;
	}
	if ((p = malloc(len ? (size_t)len : 1)) == NULL)
		return NULL;
	if (read_at(img, off, p, (size_t)len) == -1) {
		saved = errno;
		free(p);
		errno = saved;
		return NULL;
	}
	return p;
}

/* Let go of what read_copy gave. */
static void
drop_copy(const struct elf_image *img, const void *p)
{
	if (img->fd != -1)
		free((void *)p);
}

static void
shdr_at(const unsigned char *shdrs, size_t i, Elf64_Shdr *sh)
{
	memcpy(sh, shdrs + i * sizeof(*sh), sizeof(*sh));
}

/* Remember the allocated read-only data sections, for elf_find_string. */
static void
note_ro(struct elf_image *img, const Elf64_Shdr *sh)
{
	if (sh->sh_type != SHT_PROGBITS || !(sh->sh_flags & SHF_ALLOC) ||
	    (sh->sh_flags & (SHF_WRITE | SHF_EXECINSTR)) || img->nro >= ELF_MAX_RO ||
	    !in_bounds(img->size, sh->sh_offset, sh->sh_size))
		return;
	img->ro[img->nro].offset = sh->sh_offset;
	img->ro[img->nro].size = sh->sh_size;
	img->nro++;
}

/* Read .dynsym (section SH) and the string table it links to. */
static int
read_dynsym(struct elf_image *img, const unsigned char *shdrs, size_t shnum,
            const Elf64_Shdr *sh)
{
	Elf64_Shdr link;
	const char *nul;

	if (sh->sh_entsize != sizeof(Elf64_Sym) || sh->sh_link >= shnum) {
		errno = EINVAL;
		return -1;
	}
	shdr_at(shdrs, sh->sh_link, &link);
	if (link.sh_type != SHT_STRTAB) {
		errno = EINVAL;
		return -1;
	}
	if ((img->dynsym = read_copy(img, sh->sh_offset, sh->sh_size,
	                             ELF_MAX_TABLE)) == NULL)
		return -1;
	img->nsyms = sh->sh_size / sizeof(Elf64_Sym);
	if ((img->dynstr = read_copy(img, link.sh_offset, link.sh_size,
	                             ELF_MAX_TABLE)) == NULL)
		return -1;
	/*
	 * Keep the table only up to its last NUL: then every name that
	 * starts inside it ends inside it, and a lookup costs no scan.
	 */
	nul = link.sh_size ? memrchr(img->dynstr, '\0', link.sh_size) : NULL;
	img->dynstr_size = nul ? (size_t)(nul - img->dynstr) + 1 : 0;
	return 0;
}

static int
parse_sections(struct elf_image *img, const Elf64_Ehdr *eh)
{
	const unsigned char *shdrs;
	Elf64_Shdr sh;
	size_t i, dyn = 0;
	int r = -1;

	if (eh->e_shoff == 0 || eh->e_shnum == 0 ||
	    eh->e_shentsize != sizeof(Elf64_Shdr)) {
		errno = EINVAL;
		return -1;
	}
	if ((shdrs = read_copy(img, eh->e_shoff,
	                       (uint64_t)eh->e_shnum * sizeof(Elf64_Shdr),
	                       ELF_MAX_SHDRS)) == NULL)
		return -1;
	for (i = 0; i < eh->e_shnum; i++) {
		shdr_at(shdrs, i, &sh);
		note_ro(img, &sh);
		if (sh.sh_type == SHT_DYNSYM && dyn == 0)
			dyn = i;
	}
	if (dyn == 0)
		errno = EINVAL;
	else {
		shdr_at(shdrs, dyn, &sh);
		r = read_dynsym(img, shdrs, eh->e_shnum, &sh);
	}
	drop_copy(img, shdrs);
	return r;
}

/* -1 only when over the read limit (EAGAIN) */
static int
read_phdrs(struct elf_image *img, const Elf64_Ehdr *eh)
{
	uint64_t len = (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr);

	/* no program headers, or odd ones: no load bias, not an error */
	if (eh->e_phoff == 0 || eh->e_phentsize != sizeof(Elf64_Phdr) ||
	    eh->e_phnum == 0)
		return 0;
	if ((img->phdr = read_copy(img, eh->e_phoff, len, ELF_MAX_PHDRS)) != NULL)
		img->nphdr = eh->e_phnum;
	return img->phdr == NULL && errno == EAGAIN ? -1 : 0;
}

static int
parse(struct elf_image *img)
{
	Elf64_Ehdr eh;
	uint64_t read;
	int saved;

	if (img->size < sizeof(Elf64_Ehdr)) {
		errno = EINVAL;
		return -1;
	}
	if (read_at(img, 0, &eh, sizeof(eh)) == -1)
		goto fail;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0 ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh.e_ident[EI_DATA] != ELFDATA2LSB) {
		errno = EINVAL;
		goto fail;
	}
	if (read_phdrs(img, &eh) == -1)
		goto fail;
	if (parse_sections(img, &eh) == -1)
		goto fail;
	return 0;
fail:
	saved = errno;
	read = img->bytes_read;
	elf_close(img);
	img->bytes_read = read;         /* what the refusal cost */
	errno = saved;
	return -1;
}

static void
image_init(struct elf_image *img, int fd, uint64_t size, uint64_t limit)
{
	memset(img, 0, sizeof(*img));
	img->fd = fd;
	img->size = size;
	img->limit = limit ? limit : ELF_MAX_READ;
}

int
elf_from_buffer(struct elf_image *img, const void *buf, size_t size)
{
	image_init(img, -1, size, 0);
	img->buf = buf;
	return parse(img);
}

int
elf_open_fd(struct elf_image *img, int fd, uint64_t limit)
{
	struct stat st;

	image_init(img, -1, 0, limit);
	if (fstat(fd, &st) == -1)
		return -1;
	if (!S_ISREG(st.st_mode) || st.st_size < (off_t)sizeof(Elf64_Ehdr)) {
		errno = EINVAL;
		return -1;
	}
	image_init(img, fd, (uint64_t)st.st_size, limit);
	return parse(img);
}

int
elf_open(struct elf_image *img, const char *path)
{
	int fd, saved;

	image_init(img, -1, 0, 0);
	/* O_NONBLOCK: a FIFO put in a binary's place must not hang the open */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) == -1)
		return -1;
	if (elf_open_fd(img, fd, 0) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	img->own_fd = 1;
	return 0;
}

void
elf_close(struct elf_image *img)
{
	drop_copy(img, img->dynsym);
	drop_copy(img, img->dynstr);
	drop_copy(img, img->phdr);
	if (img->own_fd && img->fd != -1)
		close(img->fd);
	image_init(img, -1, 0, 0);
}

size_t
elf_symbol_count(const struct elf_image *img)
{
	return img->nsyms;
}

static void
sym_at(const struct elf_image *img, size_t i, Elf64_Sym *s)
{
	memcpy(s, img->dynsym + i * sizeof(*s), sizeof(*s));
}

int
elf_symbol_at(const struct elf_image *img, size_t i, struct elf_symbol *out)
{
	Elf64_Sym s;

	if (i >= img->nsyms)
		return -1;
	sym_at(img, i, &s);
	/* dynstr ends with a NUL (see read_dynsym) */
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
		memcpy(&ph, img->phdr + i * sizeof(ph), sizeof(ph));
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

/* Copy the printable run at file offset OFF into OUT; its length. */
static size_t
copy_printable(struct elf_image *img, uint64_t off, char *out, size_t outsz)
{
	unsigned char tail[64];
	size_t len = outsz - 1, n = 0;

	if (len > sizeof(tail))
		len = sizeof(tail);
	if (off > img->size)
		len = 0;
	else if (len > img->size - off)
		len = (size_t)(img->size - off);
	if (len > 0 && read_at(img, off, tail, len) == -1)
		len = 0;
	while (n < len && tail[n] >= 0x21 && tail[n] < 0x7f) {
		out[n] = (char)tail[n];
		n++;
	}
	out[n] = '\0';
	return n;
}

/* Look for PREFIX in the section R, in chunks; its file offset or -1. */
static int64_t
scan_range(struct elf_image *img, const struct elf_range *r, const char *prefix,
           size_t plen, unsigned char *chunk, uint64_t *scanned)
{
	uint64_t pos = 0, len;
	const unsigned char *hit;

	while (pos < r->size && plen <= r->size - pos && *scanned < ELF_MAX_SCAN) {
		len = r->size - pos;
		if (len > SCAN_CHUNK)
			len = SCAN_CHUNK;
		if (len > ELF_MAX_SCAN - *scanned)
			len = ELF_MAX_SCAN - *scanned;
		if (len < plen || read_at(img, r->offset + pos, chunk, (size_t)len) == -1)
			return -1;
		*scanned += len;
		if ((hit = memmem(chunk, (size_t)len, prefix, plen)) != NULL)
			return (int64_t)(r->offset + pos + (uint64_t)(hit - chunk));
		/* the next chunk overlaps this one by a prefix less one byte */
		pos += len - (plen - 1);
	}
	return -1;
}

int
elf_find_string(struct elf_image *img, const char *prefix, char *out,
                size_t outsz)
{
	unsigned char *chunk;
	uint64_t scanned = 0;
	size_t plen = strlen(prefix), i;
	int64_t at = -1;

	if (outsz == 0)
		return -1;
	out[0] = '\0';
	if (plen == 0 || plen > SCAN_CHUNK / 2 || (chunk = malloc(SCAN_CHUNK)) == NULL)
		return -1;
	for (i = 0; i < img->nro && at == -1; i++)
		at = scan_range(img, &img->ro[i], prefix, plen, chunk, &scanned);
	free(chunk);
	if (at == -1)
		return -1;
	return copy_printable(img, (uint64_t)at + plen, out, outsz) > 0 ? 0 : -1;
}
