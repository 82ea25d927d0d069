/*
 * phpmem: sample a PHP process's executor through process_vm_readv.
 * The offsets below were taken from the PHP sources of each minor version
 * (Zend/zend_globals.h, zend_compile.h, zend_types.h, main/SAPI.h) for
 * x86_64 non-ZTS builds; only 8.2 is proven by the test suite, the others
 * are refused at run time when the sanity checks fail.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "phpmem.h"
#include "proc.h"
#include "cutprintf.h"
#include "trust.h"

#define COMMON \
	.eg_current_execute_data = 488, \
	.ex_opline = 0, .ex_func = 24, .ex_prev = 48, \
	.fn_type = 0, .fn_name = 8, .fn_scope = 16, .ce_name = 8, \
	.zs_len = 16, .zs_val = 24, .zop_lineno = 24, \
	.sg_request_method = 8, .sg_query_string = 16, \
	.sg_path_translated = 40, .sg_request_uri = 48, .sg_request_time = 440

static const struct php_layout layouts[] = {
	{ .version = "7.4", COMMON, .op_filename = 136, .op_line_start = 144, .op_line_end = 148 },
	{ .version = "8.0", COMMON, .op_filename = 144, .op_line_start = 152, .op_line_end = 156 },
	{ .version = "8.1", COMMON, .op_filename = 144, .op_line_start = 152, .op_line_end = 156 },
	{ .version = "8.2", COMMON, .op_filename = 152, .op_line_start = 160, .op_line_end = 164 },
	{ .version = "8.3", COMMON, .op_filename = 144, .op_line_start = 152, .op_line_end = 156 },
	{ .version = "8.4", COMMON, .op_filename = 168, .op_line_start = 176, .op_line_end = 180 },
};

#define ZEND_INTERNAL_FUNCTION 1
#define ZEND_USER_FUNCTION 2
#define ZEND_EVAL_CODE 4
#define MAX_FRAMES 256
#define MAX_BINARIES 256                 /* an entry is small: no image kept */
/* bytes read of new binaries per scan, for root's and for the others */
#define LOAD_BUDGET ((uint64_t)64 << 20)

static struct php_binary *cache[MAX_BINARIES];
static size_t ncache;
static uint64_t load_used[2];           /* [1]: binaries trust_path() believes */

void
phpmem_scan_begin(void)
{
	load_used[0] = load_used[1] = 0;
}

size_t
php_layout_count(void)
{
	return sizeof(layouts) / sizeof(layouts[0]);
}

const struct php_layout *
php_layout_at(size_t i)
{
	return i < php_layout_count() ? &layouts[i] : NULL;
}

const struct php_layout *
php_layout_find(const char *version)
{
	size_t i, n;

	for (i = 0; i < php_layout_count(); i++) {
		n = strlen(layouts[i].version);
		if (strncmp(version, layouts[i].version, n) == 0 &&
		    (version[n] == '\0' || version[n] == '.'))
			return &layouts[i];
	}
	return NULL;
}

int
php_layout_check(const struct php_layout *l, uint64_t eg_size, uint64_t sg_size)
{
	if (eg_size < l->eg_current_execute_data + 8)
		return -1;
	if (sg_size < l->sg_request_time + 8 || sg_size < l->sg_request_uri + 8)
		return -1;
	return 0;
}

ssize_t
phpmem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };

	return process_vm_readv(pid, &local, 1, &remote, 1, 0);
}

/* A read of the target, kept inside its guard when it has one: cut at
 * the end of the range it starts in, EFAULT outside every range. */
static ssize_t
tread(const struct php_target *t, uint64_t addr, void *buf, size_t len)
{
	size_t lo = 0, hi = t->nguard, mid;

	if (t->guard == NULL)
		return phpmem_read(t->pid, addr, buf, len);
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (addr >= t->guard[mid].end)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == t->nguard || addr < t->guard[lo].start) {
		errno = EFAULT;
		return -1;
	}
	if (len > t->guard[lo].end - addr)
		len = (size_t)(t->guard[lo].end - addr);
	return phpmem_read(t->pid, addr, buf, len);
}

/* Version from the binary's own "X-Powered-By: PHP/x.y.z", else its name. */
static void
binary_version(struct php_binary *b, struct elf_image *img)
{
	const char *base, *p;

	if (elf_find_string(img, "X-Powered-By: PHP/", b->version,
	                    sizeof(b->version)) == 0)
		return;
	base = strrchr(b->path, '/');
	base = base ? base + 1 : b->path;
	for (p = base; *p != '\0'; p++)
		if (p[0] >= '5' && p[0] <= '9' && p[1] == '.' &&
		    p[2] >= '0' && p[2] <= '9') {
			snprintf(b->version, sizeof(b->version), "%c.%c", p[0], p[2]);
			return;
		}
	b->version[0] = '\0';
}

/*
 * Read what is needed from the ELF file open on FD, at most LIMIT bytes
 * (*USED: how many were), then let the file go: only the symbol values,
 * the version and the PT_LOAD segments are kept.  -1 with EAGAIN when the
 * limit was reached (nothing is known then), else 0.
 */
static int
binary_load(struct php_binary *b, int fd, uint64_t limit, uint64_t *used)
{
	struct elf_image img;
	struct elf_symbol eg, sg;

	if (limit == 0) {
		*used = 0;
		errno = EAGAIN;
		return -1;
	}
	if (elf_open_fd(&img, fd, limit) == -1) {
		*used = img.bytes_read;
		if (errno == EAGAIN)
			return -1;
		cut_printf(b->why, sizeof(b->why), "%s: cannot read ELF: %s", b->path,
		         strerror(errno));
		return 0;
	}
	b->nseg = elf_load_segments(&img, b->seg, ELF_MAX_SEGMENTS);
	if (elf_symbol_find(&img, "executor_globals", &eg) == -1 ||
	    elf_symbol_find(&img, "sapi_globals", &sg) == -1) {
		cut_printf(b->why, sizeof(b->why),
		         "%s: no executor_globals/sapi_globals (ZTS build?)", b->path);
		goto out;
	}
	binary_version(b, &img);
	b->layout = php_layout_find(b->version);
	if (b->layout == NULL) {
		cut_printf(b->why, sizeof(b->why), "PHP %s: no known offsets",
		         b->version[0] ? b->version : "(unknown version)");
		goto out;
	}
	if (php_layout_check(b->layout, eg.size, sg.size) == -1) {
		cut_printf(b->why, sizeof(b->why),
		         "PHP %s: symbol sizes do not fit the offsets", b->version);
		goto out;
	}
	b->eg_value = eg.value;
	b->sg_value = sg.value;
	b->usable = 1;
out:
	*used = img.bytes_read;
	elf_close(&img);
	return 0;
}

/*
 * Open the file behind a mapping.  The path in maps is only a name the
 * target's owner controls (it may since have been renamed, replaced by a
 * FIFO or a symlink to a device): open the mapped file itself through
 * map_files/ (root), else the name without blocking, and believe it only
 * when it is the regular file, same inode, the kernel says is mapped.
 */
static int
open_mapped(int dirfd, const struct mo_map_entry *me, struct stat *st)
{
	char name[64];
	int fd, pfd;

	snprintf(name, sizeof(name), "map_files/%llx-%llx",
	         (unsigned long long)me->start, (unsigned long long)me->end);
	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd == -1) {
		/* O_PATH first: a device in the file's place is never opened */
		if ((pfd = open(me->path, O_PATH | O_CLOEXEC)) == -1)
			return -1;
		if (fstat(pfd, st) == -1 || !S_ISREG(st->st_mode) ||
		    (unsigned long)st->st_ino != me->inode) {
			close(pfd);
			errno = ESTALE;
			return -1;
		}
		snprintf(name, sizeof(name), "/proc/self/fd/%d", pfd);
		fd = open(name, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
		close(pfd);
		if (fd == -1)
			return -1;
	}
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode) ||
	    (unsigned long)st->st_ino != me->inode) {
		close(fd);
		errno = ESTALE;
		return -1;
	}
	return fd;
}

static struct php_binary *
binary_get(int dirfd, const struct mo_map_entry *me, int trusted_only)
{
	struct php_binary *b;
	struct stat st;
	uint64_t used;
	size_t i;
	int fd, r;

	if ((fd = open_mapped(dirfd, me, &st)) == -1)
		return NULL;
	for (i = 0; i < ncache; i++)
		if (cache[i]->dev == st.st_dev && cache[i]->inode == st.st_ino &&
		    cache[i]->fsize == st.st_size &&
		    cache[i]->mtime.tv_sec == st.st_mtim.tv_sec &&
		    cache[i]->mtime.tv_nsec == st.st_mtim.tv_nsec &&
		    strcmp(cache[i]->path, me->path) == 0) {
			/* most recently used last: hostile churn evicts itself */
			b = cache[i];
			memmove(cache + i, cache + i + 1, (ncache - i - 1) * sizeof(cache[0]));
			cache[ncache - 1] = b;
			close(fd);
			return b;
		}
	if ((b = calloc(1, sizeof(*b))) == NULL) {
		close(fd);
		return NULL;
	}
	strlcpy(b->path, me->path, sizeof(b->path));
	b->dev = st.st_dev;
	b->inode = st.st_ino;
	b->fsize = st.st_size;
	b->mtime = st.st_mtim;
	b->trusted = trust_path(me->path, &st, b->trust_why, sizeof(b->trust_why));
	if (trusted_only && !b->trusted) {
		/* known by its identity, its ELF never read (cached as the
		 * others are, and evicted as they are) */
		cut_printf(b->why, sizeof(b->why), "not read: %s", b->trust_why);
		r = 0;
		goto cache;
	}
	/*
	 * Users may run many files named php-fpm: what one scan reads of new
	 * binaries is bounded, by the bytes actually read, and root's own
	 * binaries have a budget users cannot spend.  The rest wait.
	 */
	r = binary_load(b, fd, LOAD_BUDGET - load_used[b->trusted], &used);
	load_used[b->trusted] += used;
cache:
	close(fd);
	if (r == -1) {
		free(b);
		errno = EAGAIN;
		return NULL;
	}
	if (ncache < MAX_BINARIES)
		cache[ncache++] = b;
	else {
		/* full: replace the oldest entry */
		free(cache[0]);
		memmove(cache, cache + 1, (MAX_BINARIES - 1) * sizeof(cache[0]));
		cache[MAX_BINARIES - 1] = b;
	}
	return b;
}

void
phpmem_cache_free(void)
{
	size_t i;

	for (i = 0; i < ncache; i++)
		free(cache[i]);
	ncache = 0;
}

static int
is_libphp(const char *path)
{
	const char *base = strrchr(path, '/');

	base = base ? base + 1 : path;
	return strncmp(base, "libphp", 6) == 0 && strstr(base, ".so") != NULL;
}

/* Memory no file backs: the guard's ranges.  Shared anonymous memory
 * (opcache's) shows as /dev/zero, SysV or memfd: names only root can put
 * in / or /dev. */
static int
is_anonymous(const struct mo_map_entry *me)
{
	const char *p = me->path;

	return p[0] == '\0' || strcmp(p, "[heap]") == 0 || strcmp(p, "[stack]") == 0 ||
	    strncmp(p, "[anon:", 6) == 0 || strcmp(p, "/dev/zero (deleted)") == 0 ||
	    strncmp(p, "/SYSV", 5) == 0 || strncmp(p, "/memfd:", 7) == 0;
}

struct ranges {
	struct php_range *r;
	unsigned long *inode;           /* 0: anonymous; else a candidate binary's */
	size_t n, cap;
};

static int
ranges_add(struct ranges *g, uint64_t start, uint64_t end, unsigned long inode)
{
	struct php_range *r;
	unsigned long *in;
	size_t cap;

	if (g->n == g->cap) {
		cap = g->cap ? g->cap * 2 : 256;
		if ((r = reallocarray(g->r, cap, sizeof(*r))) == NULL)
			return -1;
		g->r = r;
		if ((in = reallocarray(g->inode, cap, sizeof(*in))) == NULL)
			return -1;
		g->inode = in;
		g->cap = cap;
	}
	g->r[g->n].start = start;
	g->r[g->n].end = end;
	g->inode[g->n++] = inode;
	return 0;
}

static int
range_cmp(const void *a, const void *b)
{
	const struct php_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Keep the anonymous ranges and those of the binary chosen (INODE), sorted
 * and merged, as T's guard. */
static int
guard_set(struct php_target *t, struct ranges *g, unsigned long inode)
{
	size_t i, n = 0;

	for (i = 0; i < g->n; i++)
		if (g->inode[i] == 0 || g->inode[i] == inode)
			g->r[n++] = g->r[i];
	qsort(g->r, n, sizeof(g->r[0]), range_cmp);
	t->nguard = 0;
	for (i = 0; i < n; i++) {
		if (t->nguard > 0 && g->r[i].start <= g->r[t->nguard - 1].end) {
			if (g->r[i].end > g->r[t->nguard - 1].end)
				g->r[t->nguard - 1].end = g->r[i].end;
		} else
			g->r[t->nguard++] = g->r[i];
	}
	t->guard = g->r;
	g->r = NULL;
	return t->nguard > 0 ? 0 : -1;
}

static int
target_find(int dirfd, pid_t pid, const char *exe, struct php_target *t,
            char *why, size_t whysz, int guarded)
{
	char *buf, *line, *save = NULL;
	struct mo_map_entry me;
	struct php_binary *b, *seen = NULL;
	struct ranges g = { 0 };
	uint64_t bias;
	ssize_t n;
	int rc = -2;

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	if ((buf = malloc(1 << 20)) == NULL)
		return -1;
	if ((n = mo_proc_file(dirfd, "maps", buf, 1 << 20)) == -1) {
		free(buf);
		return -1;
	}
	if (n == 0) {
		/* maps reads empty when not allowed to look inside */
		free(buf);
		errno = EACCES;
		return -1;
	}
	cut_printf(why, whysz, "no PHP binary mapped");
	for (line = strtok_r(buf, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (mo_proc_parse_maps_line(line, &me) == -1)
			continue;
		if (guarded && me.perms[0] == 'r' && is_anonymous(&me) &&
		    ranges_add(&g, me.start, me.end, 0) == -1)
			goto fail;
		if (me.path[0] != '/' || !(strcmp(me.path, exe) == 0 || is_libphp(me.path)))
			continue;
		if (guarded && me.perms[0] == 'r' && me.inode != 0 &&
		    ranges_add(&g, me.start, me.end, me.inode) == -1)
			goto fail;
		if (t->bin != NULL || (seen != NULL && strcmp(seen->path, me.path) == 0))
			continue;
		if (me.offset != 0)
			continue;
		b = binary_get(dirfd, &me, guarded);
		if (b == NULL && errno == EAGAIN)
			cut_printf(why, whysz, "%s: not read, this scan read enough binaries",
			    me.path);
		if (b == NULL)
			continue;
		seen = b;
		if (!b->usable || (guarded && !b->trusted)) {
			strlcpy(why, b->usable ? b->trust_why : b->why, whysz);
			continue;
		}
		if (elf_segments_bias(b->seg, b->nseg, me.start, me.offset,
		                      &bias) == -1) {
			cut_printf(why, whysz, "%s: no load segment at offset 0", me.path);
			continue;
		}
		t->bin = b;
		t->eg_addr = bias + b->eg_value;
		t->sg_addr = bias + b->sg_value;
		rc = 0;
		if (!guarded)
			break;
	}
	if (rc == 0 && guarded && guard_set(t, &g, (unsigned long)t->bin->inode) == -1) {
		cut_printf(why, whysz, "no memory to read");
		rc = -2;
	}
	free(buf);
	free(g.r);
	free(g.inode);
	if (rc != 0)
		phpmem_target_release(t);
	return rc;
fail:
	free(buf);
	free(g.r);
	free(g.inode);
	errno = ENOMEM;
	return -1;
}

int
phpmem_target(int dirfd, pid_t pid, const char *exe, struct php_target *t,
              char *why, size_t whysz)
{
	return target_find(dirfd, pid, exe, t, why, whysz, 0);
}

int
phpmem_target_guarded(int dirfd, pid_t pid, const char *exe, struct php_target *t,
                      char *why, size_t whysz)
{
	return target_find(dirfd, pid, exe, t, why, whysz, 1);
}

void
phpmem_target_release(struct php_target *t)
{
	free(t->guard);
	t->guard = NULL;
	t->nguard = 0;
	t->bin = NULL;
}

static uint64_t
u64_at(const unsigned char *p, unsigned off)
{
	uint64_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

static uint32_t
u32_at(const unsigned char *p, unsigned off)
{
	uint32_t v;

	memcpy(&v, p + off, sizeof(v));
	return v;
}

/* Copy a printable run of bytes; -1 if any byte is a control character. */
static int
copy_clean(char *out, size_t outsz, const unsigned char *in, size_t len)
{
	size_t i;

	if (outsz == 0)
		return -1;
	if (len >= outsz)
		len = outsz - 1;
	for (i = 0; i < len; i++) {
		if (in[i] < 0x20 || in[i] == 0x7f) {
			out[0] = '\0';
			return -1;
		}
		out[i] = (char)in[i];
	}
	out[len] = '\0';
	return 0;
}

/* Read a zend_string at ADDR into OUT; -1 when unreadable or insane. */
static int
read_zstring(const struct php_target *t, uint64_t addr, char *out, size_t outsz)
{
	const struct php_layout *l = t->bin->layout;
	unsigned char buf[24 + PATH_MAX];
	ssize_t n;
	uint64_t len;
	size_t first = l->zs_val + 232;         /* most names fit in one read */

	if (addr == 0)
		return -1;
	n = tread(t, addr, buf, first);
	if (n < (ssize_t)l->zs_val)
		return -1;
	len = u64_at(buf, l->zs_len);
	if (len == 0 || len >= PATH_MAX)
		return -1;
	if ((ssize_t)(l->zs_val + len) > n) {
		n = tread(t, addr, buf, l->zs_val + len);
		if ((ssize_t)(l->zs_val + len) > n)
			return -1;
	}
	return copy_clean(out, outsz, buf + l->zs_val, (size_t)len);
}

/* Read a NUL-terminated C string at ADDR; "" when ADDR is NULL. */
static int
read_cstring(const struct php_target *t, uint64_t addr, char *out, size_t outsz)
{
	unsigned char buf[PATH_MAX];
	size_t want = outsz < sizeof(buf) ? outsz : sizeof(buf);
	ssize_t n;
	unsigned char *nul;

	out[0] = '\0';
	if (addr == 0)
		return 0;
	n = tread(t, addr, buf, want < 256 ? want : 256);
	if (n <= 0)
		return -1;
	nul = memchr(buf, '\0', (size_t)n);
	if (nul == NULL && want > 256) {
		n = tread(t, addr, buf, want);
		if (n <= 0)
			return -1;
		nul = memchr(buf, '\0', (size_t)n);
	}
	return copy_clean(out, outsz, buf, nul ? (size_t)(nul - buf) : (size_t)n);
}

/* The name of the function a frame runs: "Class::name", "name" or "". */
static void
frame_function(const struct php_target *t, const unsigned char *fn,
               char *out, size_t outsz)
{
	const struct php_layout *l = t->bin->layout;
	char name[128], cls[128];
	unsigned char ce[16];

	out[0] = '\0';
	if (read_zstring(t, u64_at(fn, l->fn_name), name, sizeof(name)) == -1)
		return;
	if (u64_at(fn, l->fn_scope) != 0 &&
	    tread(t, u64_at(fn, l->fn_scope), ce, sizeof(ce)) == sizeof(ce) &&
	    read_zstring(t, u64_at(ce, l->ce_name), cls, sizeof(cls)) == 0)
		cut_printf(out, outsz, "%s::%s", cls, name);
	else
		strlcpy(out, name, outsz);
}

static int
insane(char *why, size_t whysz, const char *what)
{
	cut_printf(why, whysz, "offsets do not fit: %s", what);
	return -2;
}

/* The request facts kept in sapi_globals. */
static void
read_request(const struct php_target *t, struct php_sample *s)
{
	const struct php_layout *l = t->bin->layout;
	unsigned char sg[512];
	double rt;

	if (tread(t, t->sg_addr, sg, l->sg_request_time + 8) !=
	    (ssize_t)(l->sg_request_time + 8))
		return;
	(void)read_cstring(t, u64_at(sg, l->sg_path_translated), s->path_translated,
	                   sizeof(s->path_translated));
	(void)read_cstring(t, u64_at(sg, l->sg_request_uri), s->request_uri,
	                   sizeof(s->request_uri));
	(void)read_cstring(t, u64_at(sg, l->sg_request_method), s->request_method,
	                   sizeof(s->request_method));
	(void)read_cstring(t, u64_at(sg, l->sg_query_string), s->query_string,
	                   sizeof(s->query_string));
	memcpy(&rt, sg + l->sg_request_time, sizeof(rt));
	/* believed only when it looks like a time of this century */
	s->request_time = (rt > 1e9 && rt < 1e10) ? rt : 0;
}

/* The library a file belongs to: vendor/A/B of a Composer package, else
 * its folder.  Its length in FILE (0 when FILE has no folder). */
static size_t
library_len(const char *file)
{
	const char *v = strstr(file, "/vendor/"), *a, *b, *slash;

	if (v != NULL && (a = strchr(v + 8, '/')) != NULL && (b = strchr(a + 1, '/')) != NULL)
		return (size_t)(b - file);
	slash = strrchr(file, '/');
	return slash != NULL ? (size_t)(slash - file) : 0;
}

/* The line a user frame is at (its opline), checked against its
 * function's lines; -1 when it is not believable. */
static int
frame_line(const struct php_target *t, const unsigned char *ex, const unsigned char *fn,
           unsigned *line)
{
	const struct php_layout *l = t->bin->layout;
	uint32_t ls = u32_at(fn, l->op_line_start), le = u32_at(fn, l->op_line_end);
	unsigned char op[32];

	if (tread(t, u64_at(ex, l->ex_opline), op, sizeof(op)) != sizeof(op))
		return -1;
	*line = u32_at(op, l->zop_lineno);
	return ls > le || *line < ls || *line > le ? -1 : 0;
}

/*
 * An outer user frame, while the caller is sought: is its file outside the
 * library of the innermost frame (S->file, LIBLEN)?  Then it is the
 * caller.  *LASTNAME caches the verdict of the last file name read (the
 * frames of one file share it).  0 when not the caller, 1 when it is, -2
 * when insane.
 */
static int
frame_caller(const struct php_target *t, const unsigned char *ex, const unsigned char *fn,
             struct php_sample *s, size_t liblen, uint64_t *lastname)
{
	const struct php_layout *l = t->bin->layout;
	uint64_t name = u64_at(fn, l->op_filename);
	char file[PATH_MAX];

	if (name == *lastname)
		return 0;
	if (read_zstring(t, name, file, sizeof(file)) == -1)
		return -2;
	if (liblen > 0 && strncmp(file, s->file, liblen) == 0 && file[liblen] == '/') {
		*lastname = name;
		return 0;
	}
	if (frame_line(t, ex, fn, &s->caller_line) == -1)
		return -2;
	strlcpy(s->caller_file, file, sizeof(s->caller_file));
	frame_function(t, fn, s->caller_function, sizeof(s->caller_function));
	return 1;
}

int
phpmem_sample(const struct php_target *t, struct php_sample *s,
              char *why, size_t whysz)
{
	const struct php_layout *l = t->bin->layout;
	unsigned char ex[64], fn[256];
	uint64_t cur, func, bottom_func = 0, lastname = 0;
	int frames = 0, have_top = 0, have_caller = 0, r;
	size_t liblen = 0;

	memset(s, 0, sizeof(*s));
	if (tread(t, t->eg_addr + l->eg_current_execute_data, &cur,
	                sizeof(cur)) != sizeof(cur))
		return -1;
	if (cur == 0)
		return 0;                       /* idle: nothing to report */
	for (; cur != 0 && frames < MAX_FRAMES; frames++) {
		if (tread(t, cur, ex, sizeof(ex)) != sizeof(ex))
			return insane(why, whysz, "execute_data unreadable");
		func = u64_at(ex, l->ex_func);
		if (func != 0) {
			if (tread(t, func, fn, l->op_line_end + 4) !=
			    (ssize_t)(l->op_line_end + 4))
				return insane(why, whysz, "function unreadable");
			if (fn[l->fn_type] != ZEND_INTERNAL_FUNCTION &&
			    fn[l->fn_type] != ZEND_USER_FUNCTION &&
			    fn[l->fn_type] != ZEND_EVAL_CODE)
				return insane(why, whysz, "function type");
			if (fn[l->fn_type] != ZEND_INTERNAL_FUNCTION) {
				if (!have_top) {
					if (read_zstring(t, u64_at(fn, l->op_filename), s->file,
					                 sizeof(s->file)) == -1)
						return insane(why, whysz, "file name");
					if (frame_line(t, ex, fn, &s->line) == -1)
						return insane(why, whysz, "line outside its function");
					frame_function(t, fn, s->function, sizeof(s->function));
					liblen = library_len(s->file);
					lastname = u64_at(fn, l->op_filename);
					have_top = 1;
				} else if (!have_caller) {
					if ((r = frame_caller(t, ex, fn, s, liblen, &lastname)) == -2)
						return insane(why, whysz, "caller's frame");
					have_caller = r;
				}
				bottom_func = func;
			}
		}
		cur = u64_at(ex, l->ex_prev);
	}
	s->depth = frames;
	if (!have_top) {
		/* only internal frames: e.g. a shutdown function written in C */
		s->busy = 1;
		read_request(t, s);
		return 0;
	}
	if (!have_caller) {
		/* all in one library: it is the sender */
		strlcpy(s->caller_file, s->file, sizeof(s->caller_file));
		s->caller_line = s->line;
		strlcpy(s->caller_function, s->function, sizeof(s->caller_function));
	}
	/* a chain cut at MAX_FRAMES (deep recursion, or a loop) has no bottom */
	if (cur == 0 &&
	    tread(t, bottom_func, fn, l->op_line_end + 4) ==
	    (ssize_t)(l->op_line_end + 4))
		(void)read_zstring(t, u64_at(fn, l->op_filename), s->main_script,
		                   sizeof(s->main_script));
	s->busy = 1;
	read_request(t, s);
	return 0;
}
