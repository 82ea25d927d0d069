/* limitdb: the shared, locked, crash-safe GCRA table. */
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <bsd/string.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "limitdb.h"

#define MAGIC "MOLIMDB1"
#define HEADER 4096
#define MAX_PROBE 512
#define LOCK_WAIT_NS (3 * 1000000000LL)  /* then ETIMEDOUT */

struct header {
	char		magic[8];
	uint32_t	version, nslots, slot_size, pad;
};

_Static_assert(sizeof(struct mo_limitdb_slot) == 128, "slot layout");

int64_t
mo_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static size_t
file_size(uint32_t nslots)
{
	return HEADER + (size_t)nslots * sizeof(struct mo_limitdb_slot);
}

/* flock(), but never waiting more than LOCK_WAIT_NS: a caller may stop a
 * wrapper (SIGSTOP) while it holds the lock, and must not freeze every
 * other wrapper on the machine with it. */
static int
lock_bounded(int fd, int how)
{
	int64_t deadline = mo_now_ns() + LOCK_WAIT_NS;
	struct timespec pause = { 0, 50000 };

	while (flock(fd, how | LOCK_NB) == -1) {
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if (mo_now_ns() > deadline) {
			errno = ETIMEDOUT;
			return -1;
		}
		nanosleep(&pause, NULL);
		if (pause.tv_nsec < 10000000)
			pause.tv_nsec *= 2;
	}
	return 0;
}

/* Under the exclusive lock: make the file a store, whole.  Every block is
 * allocated first (posix_fallocate: no sparse page, so that no write
 * through the map can fault on a full disk later), the header goes last:
 * a wrapper killed or a disk full on the way leaves a file without magic,
 * which the next opener recognises as half-made and builds again.  On
 * failure the file is left empty, which reads the same. */
/* Leave a failed build empty (the same as never begun), keeping errno. */
static int
undo_build(int fd, int why)
{
	if (ftruncate(fd, 0) == -1)
		why = errno;
	errno = why;
	return -1;
}

static int
build_file(int fd)
{
	struct header h = { MAGIC, 1, MO_LIMITDB_SLOTS, sizeof(struct mo_limitdb_slot), 0 };
	int rc;

	if (ftruncate(fd, 0) == -1)
		return -1;
	if ((rc = posix_fallocate(fd, 0, (off_t)file_size(MO_LIMITDB_SLOTS))) != 0)
		return undo_build(fd, rc);
	if (pwrite(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return undo_build(fd, errno ? errno : EIO);
	if (fsync(fd) == -1)
		return undo_build(fd, errno);
	return 0;
}

/* What a file is: a store of ours, one to (re)build (empty, or half-made:
 * no magic, or a size that is not the table's), or something else. */
enum { F_STORE, F_BUILD, F_FOREIGN };

static int
file_state(int fd, struct header *h, struct stat *st)
{
	static const char zero[8];

	if (fstat(fd, st) == -1)
		return -1;
	if (st->st_size < (off_t)sizeof(*h))
		return F_BUILD;
	if (pread(fd, h, sizeof(*h), 0) != (ssize_t)sizeof(*h))
		return -1;
	if (memcmp(h->magic, zero, sizeof(zero)) == 0)
		return F_BUILD;
	if (memcmp(h->magic, MAGIC, 8) != 0 || h->version != 1 ||
	    h->slot_size != sizeof(struct mo_limitdb_slot) || h->nslots == 0)
		return F_FOREIGN;
	if ((size_t)st->st_size != file_size(h->nslots))
		return F_BUILD;
	return F_STORE;
}

/* Make a half-made or empty file a store, under the exclusive lock (the
 * state is read again there: another wrapper may have built it meanwhile).
 * Sets *rebuilt when there was something in the file. */
static int
build_locked(int fd, struct header *h, struct stat *st, int *rebuilt)
{
	int state, rc;

	if (lock_bounded(fd, LOCK_EX) == -1)
		return -1;
	if ((state = file_state(fd, h, st)) == F_BUILD) {
		*rebuilt = st->st_size != 0;
		state = build_file(fd) == -1 ? -1 : file_state(fd, h, st);
	}
	rc = errno;
	flock(fd, LOCK_UN);
	errno = rc;
	return state;
}

/* Root creating the store from nothing: built whole as an unnamed file in
 * the state dir, then published under its name (never over another). */
static int
create_store(int statefd)
{
	char path[64];
	int fd, saved;

	if ((fd = openat(statefd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0660)) == -1)
		return -1;
	if (fchmod(fd, 0660) == -1 || build_file(fd) == -1)
		goto fail;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (linkat(AT_FDCWD, path, statefd, MO_LIMITDB_NAME, AT_SYMLINK_FOLLOW) == -1 &&
	    errno != EEXIST)
		goto fail;
	close(fd);
	return 0;
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

int
mo_limitdb_open(struct mo_limitdb *db, int statefd, int create, char *err, size_t errlen)
{
	struct header h;
	struct stat st;
	int flags = O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, saved, state, rebuilt = 0;

	memset(db, 0, sizeof(*db));
	db->fd = -1;
	db->fd = openat(statefd, MO_LIMITDB_NAME, flags);
	if (db->fd == -1 && errno == ENOENT && create) {
		if (create_store(statefd) == -1) {
			snprintf(err, errlen, "%s: cannot create: %s", MO_LIMITDB_NAME, strerror(errno));
			return -1;
		}
		db->fd = openat(statefd, MO_LIMITDB_NAME, flags);
	}
	if (db->fd == -1) {
		snprintf(err, errlen, "%s: %s", MO_LIMITDB_NAME, strerror(errno));
		return -1;
	}
	if (fstat(db->fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", MO_LIMITDB_NAME);
		errno = EINVAL;
		goto fail;
	}
	if ((state = file_state(db->fd, &h, &st)) == F_BUILD)
		state = build_locked(db->fd, &h, &st, &rebuilt);
	if (state == -1) {
		snprintf(err, errlen, "%s: cannot build the store: %s", MO_LIMITDB_NAME, strerror(errno));
		goto fail;
	}
	if (state != F_STORE) {
		snprintf(err, errlen, "%s: corrupt (bad header or size %lld)", MO_LIMITDB_NAME,
		    (long long)st.st_size);
		errno = EINVAL;
		goto fail;
	}
	/* a store made sparse (by an older version): allocate it now, or
	 * writes through the map could fault on a full disk */
	if ((off_t)st.st_blocks * 512 < st.st_size &&
	    (saved = posix_fallocate(db->fd, 0, st.st_size)) != 0) {
		errno = saved;
		snprintf(err, errlen, "%s: cannot allocate the store: %s", MO_LIMITDB_NAME,
		    strerror(errno));
		goto fail;
	}
	db->rebuilt = rebuilt;
	db->nslots = h.nslots;
	db->maplen = file_size(h.nslots);
	db->map = mmap(NULL, db->maplen, PROT_READ | PROT_WRITE, MAP_SHARED, db->fd, 0);
	if (db->map == MAP_FAILED) {
		db->map = NULL;
		goto fail_errno;
	}
	db->slots = (struct mo_limitdb_slot *)((char *)db->map + HEADER);
	return 0;
fail_errno:
	snprintf(err, errlen, "%s: %s", MO_LIMITDB_NAME, strerror(errno));
fail:
	saved = errno;
	close(db->fd);
	db->fd = -1;
	errno = saved;
	return -1;
}

void
mo_limitdb_close(struct mo_limitdb *db)
{
	if (db->map != NULL)
		munmap(db->map, db->maplen);
	if (db->fd != -1)
		close(db->fd);
	memset(db, 0, sizeof(*db));
	db->fd = -1;
}

/* FNV-1a over key, unit and window; never 0. */
static uint64_t
cell_hash(const char *key, int unit, uint32_t seconds)
{
	uint64_t h = 1469598103934665603ULL;
	const unsigned char *p = (const unsigned char *)key;
	unsigned char tail[5] = { (unsigned char)unit, (unsigned char)seconds,
	    (unsigned char)(seconds >> 8), (unsigned char)(seconds >> 16),
	    (unsigned char)(seconds >> 24) };
	size_t i;

	for (; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	h = (h ^ 0xff) * 1099511628211ULL;
	for (i = 0; i < sizeof(tail); i++)
		h = (h ^ tail[i]) * 1099511628211ULL;
	return h ? h : 1;
}

static int
slot_is(const struct mo_limitdb_slot *s, uint64_t h, const struct mo_cell *c)
{
	return s->hash == h && s->unit == c->w.unit && s->seconds == c->w.seconds &&
	    strncmp(s->key, c->key, sizeof(s->key) - 1) == 0;
}

/* The slot of cell c, claimed when new; NULL when the table is full. */
static struct mo_limitdb_slot *
find_slot(struct mo_limitdb *db, const struct mo_cell *c, int64_t now)
{
	uint64_t h = cell_hash(c->key, c->w.unit, c->w.seconds);
	struct mo_limitdb_slot *s, *reuse = NULL;
	uint32_t i, probe;

	for (probe = 0; probe < MAX_PROBE && probe < db->nslots; probe++) {
		i = (uint32_t)((h + probe) % db->nslots);
		s = &db->slots[i];
		if (s->hash == 0) {
			if (reuse == NULL)
				reuse = s;
			break;
		}
		if (slot_is(s, h, c))
			return s;
		/* a cell whose time has passed holds nothing: free to take */
		if (reuse == NULL && s->tat <= now && s->warned_until <= now)
			reuse = s;
	}
	if (reuse == NULL)
		return NULL;
	/* publish: everything first, the hash last.  A reused cell keeps its
	 * old hash meanwhile: a torn cell matches no key, and both the old
	 * (expired) and the new cell are then as good as empty. */
	reuse->tat = 0;
	reuse->warned_until = 0;
	reuse->seconds = c->w.seconds;
	reuse->n = c->w.n;
	reuse->unit = (uint8_t)c->w.unit;
	strlcpy(reuse->key, c->key, sizeof(reuse->key));
	__atomic_store_n(&reuse->hash, h, __ATOMIC_RELEASE);
	return reuse;
}

/* The limit of a cell changed (the config was edited): keep its count of
 * messages, not its time debt, so that 3 sent under "10/1d" are 3 under
 * "50/1d" too. */
static void
rescale(struct mo_limitdb_slot *s, const struct mo_window *w, int64_t now)
{
	struct mo_window old = *w;
	int64_t used;

	if (s->n == 0 || s->n == w->n) {
		s->n = w->n;
		return;
	}
	old.n = s->n;
	used = mo_gcra_used(s->tat, now, &old);
	__atomic_store_n(&s->tat, used > 0 ? now + used * ((int64_t)w->seconds * 1000000000LL / w->n) : 0,
	    __ATOMIC_RELEASE);
	s->n = w->n;
}

int
mo_limitdb_decide(struct mo_limitdb *db, const struct mo_cell *cells, size_t n,
    int64_t now, struct mo_verdict *v)
{
	struct mo_limitdb_slot *slot[2 * MO_MATCH_KINDS * MO_MAX_WINDOWS];
	int64_t tat[2 * MO_MATCH_KINDS * MO_MAX_WINDOWS];
	size_t i;

	memset(v, 0, sizeof(*v));
	if (n > sizeof(slot) / sizeof(slot[0])) {
		errno = E2BIG;
		return -1;
	}
	if (lock_bounded(db->fd, LOCK_EX) == -1)
		return -1;
	/* the clock is read under the lock: a time taken before waiting for
	 * it would be older than the charges made meanwhile, and refuse a
	 * message that has room */
	if (now == 0)
		now = mo_now_ns();
	for (i = 0; i < n; i++) {
		if ((slot[i] = find_slot(db, &cells[i], now)) == NULL) {
			flock(db->fd, LOCK_UN);
			errno = ENOSPC;
			return -1;
		}
		rescale(slot[i], &cells[i].w, now);
		if (!mo_gcra(slot[i]->tat, now, &cells[i].w, cells[i].cost, &tat[i])) {
			v->over = i;
			if (slot[i]->warned_until <= now) {
				v->first_hold = 1;
				slot[i]->warned_until = now + (int64_t)cells[i].w.seconds * 1000000000LL;
			}
			flock(db->fd, LOCK_UN);
			return 0;
		}
	}
	/* every cell has room: charge them all */
	for (i = 0; i < n; i++)
		__atomic_store_n(&slot[i]->tat, tat[i], __ATOMIC_RELEASE);
	v->pass = 1;
	flock(db->fd, LOCK_UN);
	return 0;
}

int
mo_limitdb_each(struct mo_limitdb *db,
    int (*fn)(const struct mo_limitdb_slot *s, void *ctx), void *ctx)
{
	uint32_t i;
	int rc = 0;

	if (lock_bounded(db->fd, LOCK_SH) == -1)
		return -1;
	for (i = 0; i < db->nslots && rc == 0; i++)
		if (db->slots[i].hash != 0)
			rc = fn(&db->slots[i], ctx);
	flock(db->fd, LOCK_UN);
	return rc;
}

int
mo_limitdb_reset(struct mo_limitdb *db, const char *key)
{
	uint32_t i;
	int count = 0;

	if (lock_bounded(db->fd, LOCK_EX) == -1)
		return -1;
	for (i = 0; i < db->nslots; i++) {
		struct mo_limitdb_slot *s = &db->slots[i];
		/* the table is shared: a key need not hold its NUL */
		if (s->hash != 0 && memchr(s->key, '\0', sizeof(s->key)) != NULL &&
		    strcmp(s->key, key) == 0) {
			s->tat = 0;
			s->warned_until = 0;
			count++;
		}
	}
	msync(db->map, db->maplen, MS_ASYNC);
	flock(db->fd, LOCK_UN);
	return count;
}
