/*
 * elfsym: read the dynamic symbol table of an ELF file, the table
 * `objdump -T` lists, without libelf.
 *
 * Promises: elf_open_fd() reads only the parts of a 64-bit little-endian
 * ELF file it needs, with pread(2) (never mmap: its owner may truncate
 * it): the ELF header, the program and section headers, .dynsym and its
 * string table, each bounded (ELF_MAX_*), whatever size the file claims,
 * so a huge or sparse file costs what a real binary costs.  The bytes read
 * are counted in bytes_read and never exceed the caller's limit (EAGAIN).
 * Every header is checked against the file's size before use and copied
 * out, so no offset needs to be aligned and no lookup reads outside what
 * was read; every lookup costs O(1) and a search O(symbols x name length).
 * Symbol names and values come from SHT_DYNSYM (or, when section headers
 * are stripped, from nothing: the file is refused).
 */
#ifndef MO_ELFSYM_H
#define MO_ELFSYM_H

#include <stddef.h>
#include <stdint.h>

#define ELF_MAX_SEGMENTS 16
#define ELF_MAX_RO 16                   /* read-only data sections kept */
#define ELF_MAX_PHDRS (64u << 10)       /* bytes of program headers */
#define ELF_MAX_SHDRS (256u << 10)      /* bytes of section headers */
#define ELF_MAX_TABLE (8u << 20)        /* bytes of .dynsym, of .dynstr */
#define ELF_MAX_SCAN (16u << 20)        /* bytes elf_find_string reads */
/* The most one file costs, when the caller sets no lower limit. */
#define ELF_MAX_READ ((uint64_t)64 + ELF_MAX_PHDRS + ELF_MAX_SHDRS + \
                      2 * (uint64_t)ELF_MAX_TABLE + ELF_MAX_SCAN)

struct elf_range {
	uint64_t offset, size;
};

struct elf_image {
	const unsigned char *buf;   /* elf_from_buffer: the file in memory */
	int fd;                     /* else the open file, -1 for a buffer */
	int own_fd;                 /* opened by elf_open, closed by elf_close */
	uint64_t size;              /* of the file */
	uint64_t limit;             /* bytes that may be read */
	uint64_t bytes_read;        /* read so far, elf_find_string included */
	const unsigned char *dynsym;  /* Elf64_Sym[] */
	size_t nsyms;
	const char *dynstr;         /* cut after its last NUL */
	size_t dynstr_size;
	const unsigned char *phdr;  /* Elf64_Phdr[] */
	size_t nphdr;               /* the three: copies read from fd, or in buf */
	struct elf_range ro[ELF_MAX_RO];  /* allocated read-only data sections */
	size_t nro;
};

/* What the load bias needs of a PT_LOAD segment, kept after elf_close. */
struct elf_segment {
	uint64_t offset, vaddr, align;
};

struct elf_symbol {
	const char *name;           /* points into the image's copy */
	uint64_t value;
	uint64_t size;
	unsigned type;              /* STT_* */
	unsigned bind;              /* STB_* */
	unsigned shndx;             /* SHN_UNDEF for undefined */
};

/*
 * Read PATH; 0 on success, -1 with errno set (EINVAL: not a usable ELF,
 * EFBIG: a table over its bound).
 */
int elf_open(struct elf_image *img, const char *path);
/*
 * Same, from an open fd (a regular file, checked), which must stay open
 * until elf_close.  At most LIMIT bytes are read (0: ELF_MAX_READ), by
 * this call and elf_find_string together; past it -1 with EAGAIN.  On
 * failure too, bytes_read says what was read.
 */
int elf_open_fd(struct elf_image *img, int fd, uint64_t limit);
/* Same, over a caller-owned buffer (used by the unit tests and fuzzers);
 * nothing is copied, elf_close is optional. */
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
 * Find the first occurrence of PREFIX in the file's allocated read-only
 * data sections (.rodata and the like, in file order, ELF_MAX_SCAN bytes
 * at most) and copy what follows it, up to the next NUL or non-printable
 * byte, into OUT.  Used to read "X-Powered-By: PHP/8.2.36".  0 when found.
 */
int elf_find_string(struct elf_image *img, const char *prefix,
                    char *out, size_t outsz);

#endif
