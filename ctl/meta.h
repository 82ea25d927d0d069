/*
 * meta: a held message's meta file, as the wrapper writes it.
 *
 *   version=1 / time=EPOCH / reason=limit|mta-unavailable / gid=GID
 *   the wrapper's log line (id= action= uid= user= vhost= ... rule= window=)
 *   arg=ARGV0 / arg=ARGV1 / ...        the original argv, in order
 *
 * Parsed whole or refused: a meta that is cut short (no final newline),
 * malformed, or missing version, time, id, uid, gid or argv is an error,
 * because release runs the MTA from it.
 */
#ifndef CTL_META_H
#define CTL_META_H

#include <stddef.h>
#include <sys/types.h>

#include "kvparse.h"

#define CTL_META_MAX (1024 * 1024)      /* bytes of meta read at most */

struct ctl_meta {
	long long	 time;
	uid_t		 uid;
	gid_t		 gid;
	struct mo_kvline kv;            /* every pair but the args, in order */
	char		**args;         /* NULL-terminated; no NUL inside any */
	int		 nargs;
};

/* Parse text[0..len); -1 with err ("line N: why") on any fault. */
int ctl_meta_parse(struct ctl_meta *m, const char *text, size_t len, char *err, size_t errlen);
/* The value of key ("" when absent or when it holds a NUL). */
const char *ctl_meta_get(const struct ctl_meta *m, const char *key);
void ctl_meta_free(struct ctl_meta *m);

/* Is s a hold id: exactly 16 lowercase hex digits? */
int ctl_is_id(const char *s);

#endif
