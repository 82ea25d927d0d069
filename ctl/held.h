/*
 * held: one held message as the verbs see it (hold.c lists, shows and
 * deletes it, release.c sends it), and the steps they share (held.c).
 */
#ifndef CTL_HELD_H
#define CTL_HELD_H

#include <sys/stat.h>

#include "ctl.h"
#include "holdmeta.h"
#include "spool.h"

struct held {
	char		 id[MO_ID_LEN + 1];
	int		 ok;            /* meta read and parsed */
	char		 err[256];      /* else why not */
	struct stat	 st;            /* of meta */
	struct mo_holdmeta	 meta;
};

/* The hold folder of id under the state dir, or -1 (errno). */
int ctl_held_open(struct ctl *c, const char *id);
/* Read and parse the meta of the hold in dirfd (h->ok, else h->err); its
 * owner is the meta file's (mo_holdmeta_owned()). */
void ctl_held_load(struct ctl *c, int dirfd, const char *id, struct held *h);
/* Open and lock (flock, not waiting) hold/ID; -1 with the failure reported. */
int ctl_held_lock(struct ctl *c, const char *id);
/* Remove every entry of the folder name in parent (unlinked, never
 * followed; a sub-folder is an error), then the folder; 0 or -1. */
int ctl_held_purge(int parent, const char *name);
/* Take hold/ID out of the spool in one rename, then remove it; -1 (errno). */
int ctl_held_remove(struct ctl *c, const char *id);
/* Log what was done to a hold (status: the MTA's, or NULL). */
void ctl_held_log(struct ctl *c, int prio, const struct held *h, const char *action,
    const char *status);
/* Send hold ID to the real MTA as its original uid; remove it on success. */
void ctl_release_one(struct ctl *c, const char *id);

#endif
