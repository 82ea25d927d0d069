/*
 * phpmem: read what a PHP process is executing from its memory, the way
 * phpspy does: executor_globals and sapi_globals from the ELF dynamic
 * symbol table of the binary or libphp*.so, the load bias from
 * /proc/PID/maps, process_vm_readv(2) without stopping the target.
 *
 * Promises: nothing read from the target is believed before it passes the
 * sanity checks of phpmem_sample() (frame types, string lengths, the line
 * inside the function's line range); an idle process (no
 * current_execute_data) yields busy = 0 and nothing else, never the
 * previous request.  Only non-ZTS x86_64 builds are known.
 */
#ifndef MO_PHPMEM_H
#define MO_PHPMEM_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "elfsym.h"

/* Byte offsets of the fields read, for one PHP minor version (x86_64, NTS). */
struct php_layout {
	const char *version;            /* "8.2" */
	unsigned eg_current_execute_data;
	unsigned ex_opline, ex_func, ex_prev;
	unsigned fn_type, fn_name, fn_scope, ce_name;
	unsigned op_filename, op_line_start, op_line_end;
	unsigned zs_len, zs_val;
	unsigned zop_lineno;
	unsigned sg_request_method, sg_query_string, sg_path_translated,
	         sg_request_uri, sg_request_time;
};

/* The layout for "X.Y" (or "X.Y.Z"), or NULL when unknown. */
const struct php_layout *php_layout_find(const char *version);
/* Number of layouts in the table and the I-th (for the unit tests). */
size_t php_layout_count(void);
const struct php_layout *php_layout_at(size_t i);
/* Check a layout against the sizes of the two symbols; 0 when it fits. */
int php_layout_check(const struct php_layout *l, uint64_t eg_size,
                     uint64_t sg_size);

/* What one binary (php-fpm, libphp.so, php-cgi, php) tells us, cached. */
struct php_binary {
	char path[PATH_MAX];
	dev_t dev;                      /* identity of the file read */
	ino_t inode;
	off_t fsize;
	struct timespec mtime;
	struct elf_segment seg[ELF_MAX_SEGMENTS];  /* PT_LOAD, for the bias */
	size_t nseg;
	int trusted;                    /* trust_path(): only root wrote it */
	char trust_why[160];            /* when not trusted */
	int usable;                     /* 1 when the fields below are valid */
	char why[128];                  /* when not usable */
	char version[32];
	const struct php_layout *layout;
	uint64_t eg_value, sg_value;    /* symbol values (before bias) */
};

/* A range of the target's memory that may be read. */
struct php_range {
	uint64_t start, end;
};

/* A PHP process ready to be sampled. */
struct php_target {
	pid_t pid;
	const struct php_binary *bin;
	uint64_t eg_addr, sg_addr;
	/* phpmem_target_guarded(): every read stays inside these (sorted,
	 * merged) ranges, or fails with EFAULT as the kernel would */
	struct php_range *guard;
	size_t nguard;
};

/*
 * Find, in /proc/PID/maps read through DIRFD, the mapping of a PHP binary
 * (the executable EXE, or a libphp*.so), load it through the cache and fill
 * T.  0 on success; -1 with errno when maps cannot be read; -2 with WHY
 * when the process holds no usable PHP binary.
 */
int phpmem_target(int dirfd, pid_t pid, const char *exe, struct php_target *t,
                  char *why, size_t whysz);
/*
 * The same for a reader that must never wait (the milter): only binaries
 * trust_path() believes are read (another gives -2, with the reason), and
 * T's reads are kept to the memory no file backs (anonymous, heap, stack,
 * shared anonymous) and that binary's own mappings, as the maps read here
 * list them, so that no pointer found in the target can make a read wait
 * on a file system (a FUSE or NFS file the target's owner mapped).
 * Release with phpmem_target_release().
 */
int phpmem_target_guarded(int dirfd, pid_t pid, const char *exe, struct php_target *t,
                          char *why, size_t whysz);
void phpmem_target_release(struct php_target *t);
/*
 * A scan starts: the budgets of bytes read from new binaries are renewed,
 * one for binaries only root may write, one for all others, so that users'
 * files never leave the real PHP unread.
 */
void phpmem_scan_begin(void);
/* Release every cached binary. */
void phpmem_cache_free(void);

struct php_sample {
	int busy;                       /* current_execute_data was set */
	char file[PATH_MAX];            /* file of the innermost user frame */
	unsigned line;
	char function[160];             /* "Class::method", "func" or "" */
	char main_script[PATH_MAX];     /* file of the outermost user frame */
	/*
	 * The call into the code the process waits in: the innermost user
	 * frame outside the innermost frame's library (its folder, or
	 * vendor/A/B/ of a Composer package), its file and the line of the
	 * call; the innermost frame itself when every frame is in that
	 * library (a script that speaks SMTP itself).
	 */
	char caller_file[PATH_MAX];
	unsigned caller_line;
	char caller_function[160];
	char path_translated[PATH_MAX];
	char request_uri[1024];
	char request_method[16];
	char query_string[512];
	double request_time;            /* unix time, 0 when PHP never set it */
	int depth;                      /* frames walked */
};

/*
 * Read one sample.  0 on success (busy or idle); -1 with errno when the
 * memory could not be read (EPERM: no CAP_SYS_PTRACE, ESRCH: gone); -2
 * with WHY when the data failed the sanity checks.
 */
int phpmem_sample(const struct php_target *t, struct php_sample *s,
                  char *why, size_t whysz);

/* process_vm_readv of up to LEN bytes; bytes read or -1 (for tests). */
ssize_t phpmem_read(pid_t pid, uint64_t addr, void *buf, size_t len);

#endif
