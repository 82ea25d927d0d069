/*
 * fmt: how mailoriginctl shows things: terminal-safe text (lib/escape.h), durations, windows, and the state of one limit cell now.
 */
#ifndef CTL_FMT_H
#define CTL_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "limitdb.h"

/* Write s[0..len) with every byte that is not printable ASCII as a C
 * escape (\n \r \t \\ \xHH, mo_escape_byte()): a value can never move
 * the cursor or forge a line.  JSON goes through lib/json.h. */
void ctl_put_safe(FILE *f, const char *s, size_t len);
/* The same into a new string (malloc'd), or NULL when out of memory. */
char *ctl_safe(const char *s, size_t len);
/* ns as a short duration, rounded up to whole seconds: "0s", "45s",
 * "1m30s", "2h5m", "3d4h". */
void ctl_duration(char *buf, size_t len, int64_t ns);
/* A window of seconds as written in the config: "1d", "1h", "90m", "45s". */
void ctl_window(char *buf, size_t len, uint32_t seconds);

/* A limit cell at one instant. */
struct ctl_cell {
	uint32_t	used;           /* of n */
	int64_t		next_fits;      /* ns: the next message (cost 1) fits; <= now: now */
	int64_t		empty_at;       /* ns: nothing used any more; <= now: empty now */
	int		warned;         /* the first hold of this window was logged */
	int64_t		warned_until;
};

/* What slot s holds at now (ns), by the GCRA of ratelimit.h. */
void ctl_cell_at(const struct mo_limitdb_slot *s, int64_t now, struct ctl_cell *c);

#endif
