/*
 * limitdb: the rate-limit store, STATE/limits.db.
 *
 * One file: a header page and a fixed open-addressing table of cells
 * (key, unit, window) -> GCRA timestamp, mapped shared and locked with
 * flock() for each decision, so concurrent wrappers neither lose an update
 * nor let one message too many through.  A cell is published by writing
 * its hash last, and a timestamp is one aligned 8-byte store: a wrapper
 * killed at any instant leaves a table that reads and works.  Cells whose
 * timestamp has passed are free to reuse, so the table needs no clean-up.
 */
#ifndef MO_LIMITDB_H
#define MO_LIMITDB_H

#include <stddef.h>
#include <stdint.h>

#include "ratelimit.h"

#define MO_LIMITDB_NAME "limits.db"
#define MO_LIMITDB_SLOTS 65536

struct mo_limitdb_slot {
	uint64_t	hash;           /* 0: never used */
	int64_t		tat;            /* GCRA theoretical arrival time, ns */
	int64_t		warned_until;   /* first-hold warning given until, ns */
	uint32_t	seconds, n;
	uint8_t		unit, pad[7];
	char		key[88];
};

struct mo_limitdb {
	int			 fd;
	void			*map;
	size_t			 maplen;
	struct mo_limitdb_slot	*slots;
	uint32_t		 nslots;
	int			 rebuilt;       /* it was half-made: built again */
};

/*
 * Open STATE/limits.db; -1 with err on failure or when the file is not a
 * store of ours (a fault: the caller decides).  An empty or half-made file
 * (no magic: a disk full or a kill while it was built) is built again in
 * place, whole, under the lock: any writer may, the wrapper too, since the
 * file stays root's.  Only create (root) makes a missing file: built as an
 * unnamed file and then linked in, so that it appears whole.  A store is
 * fully allocated (no sparse pages) before it is mapped, so that no write
 * through the map faults when the disk is full; when that cannot be done,
 * the open fails with ENOSPC.
 */
int mo_limitdb_open(struct mo_limitdb *db, int statefd, int create, char *err, size_t errlen);
void mo_limitdb_close(struct mo_limitdb *db);

struct mo_verdict {
	int	pass;           /* 1: every cell had room and is charged */
	size_t	over;           /* else: the first cell without room */
	int	first_hold;     /* and it is that cell's first refusal in its window */
};

/* The atomic decision over cells at now (ns; 0: the clock, read under the
 * lock).  -1 on a fault: ENOSPC (table full), ETIMEDOUT (the lock was held
 * for seconds: a stopped wrapper), or what a system call said. */
int mo_limitdb_decide(struct mo_limitdb *db, const struct mo_cell *cells, size_t n,
    int64_t now, struct mo_verdict *v);

/* Every cell in use, under a shared lock; fn returns non-zero to stop,
 * and that value is returned (-1 when the lock fails: ETIMEDOUT after a
 * few seconds, as for every lock of the store).  A cell's key is the
 * table's bytes: a reader must not trust it to hold its NUL. */
int mo_limitdb_each(struct mo_limitdb *db,
    int (*fn)(const struct mo_limitdb_slot *s, void *ctx), void *ctx);
/* Forget the counters of key (all units and windows); returns how many. */
int mo_limitdb_reset(struct mo_limitdb *db, const char *key);

int64_t mo_now_ns(void);

#endif
