/*
 * install.h: what the parts of mailorigin-install share.
 *
 * One file per concern: cmd.c (swap, revert, status as sequences of
 * steps, the lock, an ended window), files.c (system and qmail: a file
 * swapped for a symlink to the wrapper, with dpkg-divert where dpkg owns
 * it), php.c (conf.d drop-ins, FPM reload), milter.c (Postfix's
 * smtpd_milters and non_smtpd_milters), window.c (durations and what
 * reverts at the end: systemd timer, at job, or a sleeper plus cron.d),
 * status.c (the report), drain.c (waiting for running wrappers), util.c
 * (paths under --root, running helpers, steps; lib/fsutil.h has the
 * atomic writes).
 *
 * Every path kept in the record is as seen inside the root; R(x) paths
 * are the same prefixed with --root, for the syscalls.
 */
#ifndef MO_INSTALL_H
#define MO_INSTALL_H

#include <limits.h>
#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"
#include "fsutil.h"
#include "install_record.h"

#define PROG "mailorigin-install"
#define CRON_NAME "mailorigin-revert"
#define UNIT_NAME "mailorigin-revert"
#define DRAIN_SECONDS 30

struct ctx {
	char	 root[PATH_MAX];        /* "/" or --root, resolved */
	char	 conf[PATH_MAX];        /* R(MO_CONF_PATH) */
	char	 state[PATH_MAX];       /* R(state_dir) */
	char	 wrapper[PATH_MAX];     /* inside root */
	char	 self[PATH_MAX];        /* this program, for timers */
	struct mo_config cfg;           /* the root's wrapper config (defaults when none) */
	const char *timer;              /* auto, systemd, at, none */
	const char *milter;             /* swap --mode milter: the milter's address */
	int	 quiet, verbose, json;
	int	 lockfd;
	unsigned steps;                 /* steps taken by this run */
	long	 crash_at;              /* MAILORIGIN_INSTALL_CRASH_AT: SIGKILL at that step */
	time_t	 now;
};

/* util.c */
int rpath(const struct ctx *c, char *out, size_t outlen, const char *inside);
void step(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void say(const struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int find_tool(const char *name, char *out, size_t outlen);
int run_tool(char *const argv[], char *out, size_t outlen);
int same_file(const char *a, const char *b);
int parent_in_root(const struct ctx *c, const char *rp);
void need_in_root(const struct ctx *c, const char *rp);
int rel_link(char *out, size_t outlen, const char *from_file, const char *to);
int record_save(struct ctx *c, const struct mo_install_record *r);

/* files.c: system and qmail modes */
int files_plan(struct ctx *c, struct mo_install_record *r);
int files_swap(struct ctx *c, const struct mo_install_record *r);
int files_revert(struct ctx *c, const struct mo_install_record *r);
int is_our_link(const struct ctx *c, const struct mo_install_record *r, const char *target);

/* php.c */
int php_plan(struct ctx *c, struct mo_install_record *r);
int php_swap(struct ctx *c, const struct mo_install_record *r);
int php_revert(struct ctx *c, const struct mo_install_record *r);
/* pure parts, for the unit tests */
int php_ini_sendmail_path(const char *text, char *out, size_t outlen);
int php_dropin_text(char *out, size_t outlen, const char *wrapper, const char *old_value,
    const char *id);
int php_fpm_reload(struct ctx *c, const struct mo_install_record *r);

/* milter.c: Postfix's milter settings */
#define MO_DEFAULT_MILTER "unix:/run/mailorigin/milter.sock"
int milter_plan(struct ctx *c, struct mo_install_record *r, const char *milter);
int milter_swap(struct ctx *c, const struct mo_install_record *r);
int milter_revert(struct ctx *c, const struct mo_install_record *r);

/* window.c */
long long parse_duration(const char *s, const char **why);
int window_preflight(const struct ctx *c, time_t until);
/* revert: what the sleeper (timer "none") calls at the deadline, with the
 * lock held (cmd.c's revert_locked; passed in, so window.c never calls
 * back into cmd.c). */
typedef int (*window_revert_fn)(struct ctx *c, struct mo_install_record *r);
int window_schedule(struct ctx *c, struct mo_install_record *r, window_revert_fn revert);
int window_cancel(struct ctx *c, const struct mo_install_record *r);
int unit_text(char *service, size_t slen, char *timer, size_t tlen, const char *self,
    const char *root, time_t until);
int at_time(char *out, size_t outlen, time_t until);
int cron_text(char *out, size_t outlen, const char *self, const char *root);
void format_time(char *out, size_t outlen, time_t t);

/* drain.c */
int drain_wrappers(const struct ctx *c, const char *wrapper_path, int seconds);

/* status.c */
struct log_counts {
	unsigned long	total, pass, hold, other;
	int		readable;
};
int count_log(const char *path, time_t since, time_t until, struct log_counts *n);
int show_status(struct ctx *c, const struct mo_install_record *r);

/* cmd.c */
int cmd_swap(struct ctx *c, enum mo_swap_mode mode, long long window);
int cmd_revert(struct ctx *c, int only_expired);
int cmd_status(struct ctx *c);
int ctx_open(struct ctx *c);

#endif
