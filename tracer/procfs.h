/*
 * procfs: what the tracer reads from /proc/PID, one small function each.
 *
 * Promises: every reader works on an open directory fd of /proc/PID (so a
 * recycled pid cannot switch processes under a scan), never follows
 * anything the target controls except through the kernel's own links, and
 * returns -1 with errno (EACCES/EPERM: not allowed; ENOENT/ESRCH: gone).
 * The parsers take buffers and are what the unit tests exercise.
 */
#ifndef MO_TRACER_PROCFS_H
#define MO_TRACER_PROCFS_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proc.h"

#define PROC_COMM_MAX 64
#define PROC_CMDLINE_MAX 512
#define PROC_ARGV_MAX 4096

struct proc_info {
	pid_t pid;
	pid_t ppid;
	uid_t uid;
	char state;
	char comm[PROC_COMM_MAX];
	unsigned long long starttime;   /* clock ticks after boot */
	char cmdline[PROC_CMDLINE_MAX]; /* argv joined by spaces, may be cut: to show */
	char argv[PROC_ARGV_MAX];       /* argv as read (NUL-separated): to parse */
	size_t argv_len;
	char argv0[PATH_MAX];
	char exe[PATH_MAX];             /* "" when not readable */
	int exe_errno;                  /* why exe is "" */
	struct mo_creds creds;          /* from status, when creds_ok */
	int creds_ok;
};

/* Parse the text of /proc/PID/stat (lib/proc.h's parser) into pi. */
int proc_parse_stat(const char *buf, struct proc_info *pi);
/* Join a NUL-separated cmdline of LEN bytes into OUT (mo_argv_join);
 * argv[0] to ARGV0. */
void proc_join_cmdline(const char *buf, size_t len, char *out, size_t outsz,
                       char *argv0, size_t argv0sz);
/* Value of NAME in a NUL-separated environ block, or NULL. */
const char *proc_env_lookup(const char *buf, size_t len, const char *name);


/*
 * The first look at every process of a scan, the cheapest there is: its
 * comm, from NAME/comm ("1234/comm") under PROCFD, an open /proc, with no
 * directory fd of its own (one open, one read).  The kernel escapes
 * control bytes and backslashes there, as it does not in stat: good to
 * tell the SAPI by name (mo_sapi_of), whose names hold none, not to show.
 * 0, or -1 with errno (ENOENT: gone).
 */
int proc_comm_at(int procfd, const char *name, char *comm, size_t commsz);
/* stat of NAME ("1234") under PROCFD, parsed into ST: for a process looked
 * at only by its comm, when its parent is wanted after all.  0 or -1. */
int proc_stat_at(int procfd, const char *name, struct mo_stat *st);

/* Open /proc/PID as a directory fd.  Small files and links under it are
 * read with lib/proc.h's mo_proc_file() and mo_proc_link(). */
int proc_open(pid_t pid);
/* stat, status (uid, creds), cmdline, exe: the cheap facts.  0 or -1. */
int proc_info_read(int dirfd, pid_t pid, struct proc_info *pi);

/*
 * Call FN for each open fd whose target is a regular file path ending in
 * SUFFIX (".php").  Returns the number found, or -1 when fd/ is unreadable.
 */
int proc_fds_with_suffix(int dirfd, const char *suffix,
                         void (*fn)(void *arg, const char *path), void *arg);

/* Seconds since boot, from /proc/uptime; and clock ticks per second. */
double proc_uptime(void);
long proc_clk_tck(void);

#endif
