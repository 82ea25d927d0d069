/*
 * fpm: php-fpm's pool configuration and its status page.
 *
 * Promises: fpm_conf_parse() reads the ini dialect of php-fpm.conf
 * (sections, key = value, quotes, ';' comments, include = glob, $pool) and
 * returns each pool's listen address, pm.status_path and pm.status_listen;
 * fpm_status_parse() reads the "?full&json" page into one entry per
 * worker.  Neither trusts its input: long values are cut, unknown keys
 * ignored, a malformed page is an error, never a guess.
 */
#ifndef MO_TRACER_FPM_H
#define MO_TRACER_FPM_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#define FPM_MAX_POOLS 64
#define FPM_MAX_WORKERS 1024
#define FPM_MAX_INCLUDE_DEPTH 4     /* deeper includes are ignored */

struct fpm_pool {
	char name[64];
	char listen[PATH_MAX];
	char status_listen[PATH_MAX];   /* "" unless pm.status_listen is set */
	char status_path[256];          /* "" when the pool has none */
	char user[64];
	char chdir[PATH_MAX];
};

struct fpm_pools {
	struct fpm_pool pool[FPM_MAX_POOLS];
	size_t n;
};

/* Parse TEXT (NAME for messages); includes are read from disk. 0 or -1. */
int fpm_conf_parse(const char *text, struct fpm_pools *pools, int depth);
/*
 * Read and parse the file PATH (at most 1 MiB).  0 or -1 with errno; EPERM
 * when it is not a regular file root owns and only root may write.
 */
int fpm_conf_load(const char *path, struct fpm_pools *pools);
/* The pool named NAME, or NULL. */
const struct fpm_pool *fpm_pool_find(const struct fpm_pools *pools,
                                     const char *name);

struct fpm_worker {
	pid_t pid;
	char state[32];                 /* "Idle", "Running", ... */
	char script[PATH_MAX];
	char uri[1024];
	char method[16];
	unsigned long long duration_us; /* "request duration" */
};

struct fpm_status {
	char pool[64];
	struct fpm_worker w[FPM_MAX_WORKERS];
	size_t n;
};

/* Parse a status page BODY (JSON, headers already cut).  0 or -1; only
 * st->w[0] to st->w[st->n - 1] are set. */
int fpm_status_parse(const char *body, struct fpm_status *st);
/*
 * Ask POOL for its status page over FastCGI, within TIMEOUT_MS.  0, or -1
 * with WHY (no status path, cannot connect, timed out, bad page).
 */
int fpm_status_fetch(const struct fpm_pool *pool, int timeout_ms,
                     struct fpm_status *st, char *why, size_t whysz);

#endif
