/*
 * trust: when may the tracer believe what a process says about itself?
 *
 * A process's memory, title and name are its owner's to write.  What the
 * tracer reads there is believed only for a worker of a master root runs
 * from a binary only root can have written (the worker running that same
 * binary, not dumpable, so that its user may not write its memory); else
 * it is reported, marked claimed.
 *
 * Promises: both checks only look (fstat, readlink, openat with O_PATH),
 * never follow a symlink the path's owner may have put on the way, and
 * fail closed: anything they cannot read is "not trusted", with a reason.
 */
#ifndef MO_TRUST_H
#define MO_TRUST_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

/*
 * Does PATH name the file ST describes, and only root can have written
 * that file or put another at PATH: a regular file root owns, not
 * writable by group or others, and every directory from / down root's,
 * not writable by group or others, no symlink on the way?  1, or 0 with
 * WHY.
 */
int trust_path(const char *path, const struct stat *st, char *why, size_t whysz);

/*
 * Forget trust_path()'s answers: called as a scan begins.  Within one scan
 * a binary's answer is kept, by its path and its file's identity (device,
 * inode, mtime, ctime): the workers of one master run one binary, and the
 * walk from / down would be done again for each of them.  Nothing is kept
 * in a process that never calls it: the milter (threads, and no scan that
 * ends: every answer there is looked at afresh).  Not thread-safe.
 */
void trust_scan_begin(void);

/*
 * Is the process whose /proc directory is DIRFD (real uid UID, started at
 * STARTTIME, parent PPID) a worker of a master that root runs from a
 * binary trust_path() believes, running that same binary, and not
 * dumpable?  1, or 0 with WHY.
 */
int trust_worker(int dirfd, uid_t uid, pid_t ppid, unsigned long long starttime,
                 char *why, size_t whysz);

struct mo_creds;

/*
 * May a process with credentials C chdir to the folder PATH: may it search
 * every folder from / down to PATH itself, by the mode bits (owner, group
 * and supplementary groups, others; ACLs are not read; fsuid 0 may)?  1,
 * or 0 with WHY (a folder it may not search, or one that is not there or
 * not a folder, a symlink included).  Only looks (O_PATH, fstat).
 */
int creds_may_search(const char *path, const struct mo_creds *c,
                     char *why, size_t whysz);

#endif
