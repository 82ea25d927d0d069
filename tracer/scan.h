/*
 * scan: one pass over /proc.  Finds the PHP processes and the mail
 * programs, reads each signal that applies, and decides.
 *
 * Promises: scan_run() never stops or writes to a target; whatever it
 * cannot read it counts in scan_result.denied (to be said once) and goes
 * on.  trace_decide() is a pure function of the signals: the most trusted
 * signal that says anything decides, in the order memory, status page,
 * cwd, open .php file, environment, command line, account; the decision
 * is claimed when the process itself could have written what decided
 * (memory of any but a trusted worker, see trust.h; cwd, files,
 * environment, command line), and so is every FPM classification but a
 * trusted worker's (its pool is in its title).
 */
#ifndef MO_TRACER_SCAN_H
#define MO_TRACER_SCAN_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>

#include "proc.h"
#include "fpm.h"
#include "phpmem.h"
#include "procfs.h"

enum signal_kind {
	SIGNAL_NONE = 0, SIGNAL_MEMORY, SIGNAL_STATUS, SIGNAL_CWD, SIGNAL_FD,
	SIGNAL_ENV, SIGNAL_CMDLINE, SIGNAL_ACCOUNT,
};
enum confidence { CONF_NONE = 0, CONF_EXACT, CONF_FILE, CONF_DIRECTORY, CONF_ACCOUNT };
enum trace_state { STATE_UNKNOWN = 0, STATE_IDLE, STATE_BUSY };

const char *signal_name(enum signal_kind s);
const char *confidence_name(enum confidence c);

/* What each signal said about one process. */
struct signals {
	int mem_ok;                     /* a sample was read and believed */
	int mem_errno;                  /* why not, when the read failed */
	char mem_why[160];              /* why not, when it was not believed */
	struct php_sample mem;
	int mem_bin_trusted;            /* the PHP binary read is root's only */
	char mem_bin_why[160];          /* why not */
	int status_ok;                  /* the pool's status page lists this pid */
	struct fpm_worker status;
	int cwd_ok, idle_cwd_ok;
	char cwd[PATH_MAX], idle_cwd[PATH_MAX];
	char idle_cwd_why[200];         /* why the idle folder is not known */
	int fd_ok;                      /* fd/ was readable */
	int fd_count;
	char fd_file[PATH_MAX];         /* the first open .php file */
	int env_ok;                     /* environ read and held SCRIPT_FILENAME */
	char env_script[PATH_MAX], env_docroot[PATH_MAX], env_host[256],
	     env_uri[1024];
	int cli_ok;
	char cli_script[PATH_MAX];
};

struct traced {
	struct proc_info pi;
	enum mo_sapi sapi;
	char pool[64];
	char user[64];
	struct signals sig;
	int worker_trusted;             /* trust_worker(): a root master's worker */
	char worker_why[200];           /* why not */
	/* the decision */
	enum trace_state state;
	enum signal_kind by;
	enum confidence conf;
	enum signal_kind refined_by;    /* a file signal inside cwd's folder */
	char script[PATH_MAX];          /* main script, or folder for cwd */
	char file[PATH_MAX];            /* file executing (memory) */
	unsigned line;
	char function[160];
	char uri[1024];
	char vhost[256];
	double running_for;             /* seconds, < 0 when unknown */
	int mails;                      /* mail programs it started, running now */
	int claimed;                    /* the process could have written it */
	char claimed_why[200];
};

#define CHAIN_MAX 16

struct mailproc {
	struct proc_info pi;
	char prog[32];
	char user[64];
	pid_t chain[CHAIN_MAX];         /* parents, nearest first */
	char chain_comm[CHAIN_MAX][PROC_COMM_MAX];
	size_t nchain;
	ssize_t php;                    /* index in scan_result.t, or -1 */
	int nested;                     /* started by another mail program */
	double running_for;
};

struct mo_config;

struct scan_opts {
	int memory, status, cwd, fds, env;  /* signals enabled */
	const struct mo_config *conf;       /* mailorigin.conf's vhost rules, or NULL */
	int status_timeout_ms;
	const char *const *vhost_roots;
	size_t nvhost_roots;
	const char *const *fpm_confs;       /* extra pool configs to read */
	size_t nfpm_confs;
	int all;                            /* keep idle processes too */
	int exhaustive;                     /* open every process (the reference) */
};

struct denied {
	unsigned memory, maps, cwd, fds, env, exe;
};

struct scan_result {
	struct traced *t;                   /* mo_grow_big's arrays (lib/buf.h) */
	size_t nt, capt;
	struct mailproc *m;
	size_t nm, capm;
	unsigned nprocs;                    /* processes looked at */
	struct denied denied;
	char notes[8][200];                 /* status page or offsets trouble */
	size_t nnotes;
	double now;                         /* unix time of the scan */
};

/* Decide from T->sig (and T->sapi, T->pi) into T's decision fields. */
void trace_decide(struct traced *t, const struct mo_config *conf,
    const char *const *roots, size_t nroots,
                  double uptime, long clk_tck);

int scan_run(const struct scan_opts *opts, struct scan_result *res);
void scan_free(struct scan_result *res);

#endif
