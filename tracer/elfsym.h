/*
 * elfsym: read the dynamic symbol table of an ELF file, the table
 * `objdump -T` lists, without libelf.
 *
 * Promises: elf_open() reads a 64-bit little-endian ELF file of at most
 * ELF_MAX_SIZE bytes into memory (never mmap: its owner may truncate it)
 * and checks every header it will later use against the file's size, so
 * the lookups below never read outside the buffer, whatever the file
 * holds; headers are copied out, so no offset needs to be aligned; every
 * lookup costs O(1) and a search O(symbols x name length).
 * Symbol names and values come from SHT_DYNSYM (or, when section headers
 * are stripped, from nothing: the file is refused).
 */
#ifndef MO_TRACER_ELFSYM_H
#define MO_TRACER_ELFSYM_H

#include <stddef.h>
#include <stdint.h>

struct elf_image {
	const unsigned char *base;  /* the mapped file */
	size_t size;
	const void *dynsym;         /* Elf64_Sym[], checked to lie in the file */
	size_t nsyms;
	const char *dynstr;
	size_t dynstr_size;
	const void *phdr;           /* Elf64_Phdr[] */
	size_t nphdr;
	int owned;                  /* base was malloc'd by elf_open */
};

#define ELF_MAX_SIZE (512LL << 20)  /* larger files are refused (EFBIG) */
#define ELF_MAX_SEGMENTS 16

/* What the load bias needs of a PT_LOAD segment, kept after elf_close. */
struct elf_segment {
	uint64_t offset, vaddr, align;
};

struct elf_symbol {
	const char *name;           /* points into the mapping */
	uint64_t value;
	uint64_t size;
	unsigned type;              /* STT_* */
	unsigned bind;              /* STB_* */
	unsigned shndx;             /* SHN_UNDEF for undefined */
};

/* Read PATH; 0 on success, -1 with errno set (EINVAL: not a usable ELF). */
int elf_open(struct elf_image *img, const char *path);
/* Same, from an open fd (a regular file, checked). */
int elf_open_fd(struct elf_image *img, int fd);
/* Same, over a caller-owned buffer (used by the unit tests). */
int elf_from_buffer(struct elf_image *img, const void *buf, size_t size);
void elf_close(struct elf_image *img);

size_t elf_symbol_count(const struct elf_image *img);
/* Symbol I (0 <= I < count); 0, or -1 when its name is out of bounds. */
int elf_symbol_at(const struct elf_image *img, size_t i, struct elf_symbol *out);
/* The first defined symbol named NAME; 0, or -1 when there is none. */
int elf_symbol_find(const struct elf_image *img, const char *name,
                    struct elf_symbol *out);

/*
 * Load bias of a mapping: the file was mapped at START from file offset
 * OFFSET (a line of /proc/PID/maps).  Returns 0 and sets *bias so that the
 * run-time address of a symbol is bias + value; -1 when no PT_LOAD segment
 * begins at that offset.
 */
int elf_load_bias(const struct elf_image *img, uint64_t start, uint64_t offset,
                  uint64_t *bias);
/* The first MAX PT_LOAD segments into OUT; their number. */
size_t elf_load_segments(const struct elf_image *img, struct elf_segment *out,
                         size_t max);
/* elf_load_bias over segments saved with elf_load_segments. */
int elf_segments_bias(const struct elf_segment *seg, size_t n, uint64_t start,
                      uint64_t offset, uint64_t *bias);

/*
 * Find the first occurrence of PREFIX in the file and copy what follows it,
 * up to the next NUL or non-printable byte, into OUT.  Used to read
 * "X-Powered-By: PHP/8.2.36".  0 when found.
 */
int elf_find_string(const struct elf_image *img, const char *prefix,
                    char *out, size_t outsz);

#endif
