/*
 * holdmeta: a held message's meta file: the one owner of its format (the
 * wrapper writes it with mo_holdmeta_format(), mailoriginctl reads it back
 * with mo_holdmeta_parse()).
 *
 *   version=1 / time=EPOCH / reason=limit|mta-unavailable / gid=GID
 *   the wrapper's log line (id= action= uid= user= vhost= ... rule= window=)
 *   arg=ARGV0 / arg=ARGV1 / ...        the original argv, in order
 *
 * The log line of mailorigin-qmail-queue also says owner=UID: the uid it
 * ran as (qmaild under qmail-smtpd), which owns the hold and runs the
 * release; its uid= is the sender's, and may be empty (an SMTP AUTH user).
 * Without owner=, the owner is uid.  Neither is believed over the meta
 * file's owner (mo_holdmeta_owned()).
 *
 * Parsed whole or refused: a meta that is cut short (no final newline),
 * malformed, or missing version, time, id, uid, gid or argv is an error,
 * because release runs the MTA from it.
 */
#ifndef MO_HOLDMETA_H
#define MO_HOLDMETA_H

#include <stddef.h>
#include <sys/types.h>

#include "kvparse.h"

#define MO_HOLDMETA_MAX (1024 * 1024)      /* bytes of meta read at most */
#define MO_HOLDMETA_ARG "arg"

struct mo_holdmeta {
	long long	 time;
	uid_t		 uid;           /* the sender (the owner when the line has none) */
	uid_t		 owner;         /* owns the hold; the release runs as it */
	gid_t		 gid;
	struct mo_kvline kv;            /* every pair but the args, in order */
	char		**args;         /* NULL-terminated; no NUL inside any */
	int		 nargs;
};

/* The meta of a hold: the fixed lines, the wrapper's log line (line, one
 * line: any CR or LF in it becomes a space) and argv as arg= records
 * (mo_escape_record).  malloc'd, its length in *len; NULL when out of
 * memory. */
char *mo_holdmeta_format(long long time, const char *reason, gid_t gid, const char *line,
    int argc, char *const argv[], size_t *len);
/* Parse text[0..len); -1 with err ("line N: why") on any fault. */
int mo_holdmeta_parse(struct mo_holdmeta *m, const char *text, size_t len, char *err, size_t errlen);
/* The meta's facts against its file's owner, who wrote it (the wrapper
 * and mailorigin-qmail-queue write it as the uid they run as): the owner
 * is file_uid, whatever owner= says, and an owner= that says otherwise is
 * refused; uid= may name another uid (the sender behind qmail-smtpd) only
 * when speaks_for is set (file_uid is root or mta.smtpd_user: the caller
 * decides).  0, or -1 with err. */
int mo_holdmeta_owned(struct mo_holdmeta *m, uid_t file_uid, int speaks_for, char *err,
    size_t errlen);
/* The value of key ("" when absent or when it holds a NUL). */
const char *mo_holdmeta_get(const struct mo_holdmeta *m, const char *key);
void mo_holdmeta_free(struct mo_holdmeta *m);

/* Is s a hold id: exactly 16 lowercase hex digits? */
int mo_is_hold_id(const char *s);

#endif
