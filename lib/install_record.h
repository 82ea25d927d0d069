/*
 * install_record: what mailorigin-install swapped, kept in the state dir.
 *
 * STATE/install.record is written by mailorigin-install before it acts
 * (record-before-act) and removed when a revert is complete.  It says the
 * mode, the phase (swapping, swapped, reverting), the window, every file
 * swapped and where the real one now lives, and every PHP drop-in.  It is
 * replaced whole with rename(), so a reader sees the old or the new one.
 *
 * The wrapper reads it with one call, mo_install_apply(), right after its
 * config: during a system or qmail swap the config's mta.path names the
 * file that now runs the wrapper, so the record says where the real MTA
 * went; after the window has ended the wrapper passes through unstamped
 * until the revert is finished.
 *
 * Format: "key=value" lines; values are paths or numbers and never hold a
 * newline.  "target", "real", "dpkg" describe one swapped file each
 * ("real" and "dpkg" follow their "target"); "dropin" lines list the PHP
 * drop-ins; "milter" and "param" (with its "param_set" and "param_value"
 * after it) the Postfix settings of a milter swap.  Unknown keys are refused, so that an old wrapper never
 * half-understands a newer record.
 */
#ifndef MO_INSTALL_RECORD_H
#define MO_INSTALL_RECORD_H

#include <limits.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

struct mo_config;

#define MO_INSTALL_RECORD "install.record"
#define MO_INSTALL_LOCK "install.lock"
#define MO_INSTALL_MAX_TARGETS 4
#define MO_INSTALL_MAX_DROPINS 32
#define MO_REAL_SUFFIX ".mailorigin-real"

/* The files a swap may touch, by mode: install/ swaps them, and the record
 * check (so the wrapper's window check too) accepts no other. */
#define MO_SYSTEM_SENDMAIL "/usr/sbin/sendmail"
#define MO_LIB_SENDMAIL "/usr/lib/sendmail"
#define MO_QMAIL_SENDMAIL "/var/qmail/bin/sendmail"
#define MO_QMAIL_INJECT "/var/qmail/bin/qmail-inject"
/* PHP mode's drop-in: /etc/php/VERSION/SAPI/conf.d/MO_DROPIN_NAME */
#define MO_DROPIN_NAME "zz-mailorigin.ini"
extern const char *const mo_install_targets_system[];   /* NULL-ended */
extern const char *const mo_install_targets_qmail[];
extern const char *const mo_dropin_sapis[];

enum mo_swap_mode { MO_SWAP_SYSTEM, MO_SWAP_QMAIL, MO_SWAP_PHP, MO_SWAP_MILTER };
#define MO_SWAP_MODES 4
enum mo_swap_phase { MO_PHASE_SWAPPING, MO_PHASE_SWAPPED, MO_PHASE_REVERTING };

struct mo_install_target {
	char	path[PATH_MAX];         /* e.g. /usr/sbin/sendmail, as seen inside root */
	char	real[PATH_MAX];         /* where the real one lives meanwhile */
	int	dpkg;                   /* diverted with dpkg-divert */
};

/* milter mode: a main.cf parameter as it was before the swap */
#define MO_INSTALL_MAX_PARAMS 4
struct mo_install_param {
	char	name[32];               /* smtpd_milters, non_smtpd_milters, milter_default_action,
					 * milter_connect_macros */
	int	set;                    /* main.cf set it (postconf -n showed it) */
	char	value[2048];            /* its value then, or its default when not set */
};

struct mo_install_record {
	enum mo_swap_mode	 mode;
	enum mo_swap_phase	 phase;
	char			 id[17];        /* this swap, 16 hex digits */
	char			 root[PATH_MAX];  /* "/" or the --root the swap was made under */
	time_t			 since;
	time_t			 until;         /* 0: no window */
	char			 wrapper[PATH_MAX];  /* the wrapper, as seen inside root */
	char			 link[PATH_MAX];     /* what each target's symlink holds */
	char			 timer[16];     /* none, sleeper, systemd, at */
	char			 timer_ref[64]; /* sleeper pid, at job, unit name */
	struct mo_install_target targets[MO_INSTALL_MAX_TARGETS];
	size_t			 ntargets;
	char			 dropins[MO_INSTALL_MAX_DROPINS][PATH_MAX];
	size_t			 ndropins;
	char			 milter[PATH_MAX];      /* milter mode: e.g. unix:/run/.../milter.sock */
	struct mo_install_param	 params[MO_INSTALL_MAX_PARAMS];
	size_t			 nparams;
};

const char *mo_swap_mode_name(enum mo_swap_mode m);
int mo_swap_mode_parse(const char *s, enum mo_swap_mode *m);
const char *mo_swap_phase_name(enum mo_swap_phase p);

/* Parse a record held in buf[0..len).  On error -1 with err filled. */
int mo_install_record_parse(struct mo_install_record *r, const char *buf, size_t len,
    char *err, size_t errlen);
/* Is r a record that a swap can have written: targets only the sendmail
 * files of its mode, each real one beside it (PATH.mailorigin-real),
 * drop-ins only /etc/php/VERSION/SAPI/conf.d/zz-mailorigin.ini, absolute
 * root and wrapper without "." or "..", a known timer.  A damaged or
 * edited record must never make a revert rename or unlink another file.
 * mo_install_record_parse() calls it; 0, or -1 with err. */
int mo_install_record_check(const struct mo_install_record *r, char *err, size_t errlen);
/* Format r into buf; returns the length, or -1 when it does not fit or a
 * value holds a newline. */
int mo_install_record_format(const struct mo_install_record *r, char *buf, size_t cap);

/* Read STATE_DIR/install.record.  1: read; 0: there is none; -1: error
 * (errno set, err filled). */
int mo_install_record_read(const char *state_dir, struct mo_install_record *r,
    char *err, size_t errlen);
/* Replace STATE_DIR/install.record atomically (temp file, fsync, rename,
 * fsync of the dir).  0 or -1 (errno). */
int mo_install_record_write(const char *state_dir, const struct mo_install_record *r);
/* Remove it (and fsync the dir).  0 or -1 (errno); absent is 0. */
int mo_install_record_remove(const char *state_dir);

/* Is the window over at now? */
int mo_install_expired(const struct mo_install_record *r, time_t now);

/* root + path, without a doubled slash ("/" + "/x" is "/x"). */
int mo_root_join(char *out, size_t outlen, const char *root, const char *path);

/*
 * The wrapper's one call, after its config is loaded:
 *
 *	load_config(&w);
 *	if (mo_install_apply(&w.cfg, time(NULL)) == MO_INSTALL_EXPIRED)
 *		pass_through(&w, argc, argv);
 *
 * MO_INSTALL_NONE: no swap recorded (or no readable record): cfg untouched.
 * MO_INSTALL_ACTIVE: a swap is on.  When cfg->mta_path names a swapped
 *   file that is now this very program, mta_path is set to where the real
 *   one lives.  In qmail mode with the default mta (postfix at
 *   /usr/sbin/sendmail), the wrapper is switched to qmail-inject beside
 *   the swapped qmail sendmail.
 * MO_INSTALL_EXPIRED: the window is over but the revert has not been
 *   finished yet.  cfg names the real MTA to run with argv unchanged (type
 *   postfix: in qmail mode that is qmail's own sendmail front end), and
 *   the caller should exec it without stamping.  Never returned when the
 *   resulting mta_path would be this program itself.
 */
enum mo_install_state { MO_INSTALL_NONE, MO_INSTALL_ACTIVE, MO_INSTALL_EXPIRED };
enum mo_install_state mo_install_apply(struct mo_config *cfg, time_t now);

/* The same decision with the record given and "is path this program?"
 * answered by is_self (for tests). */
enum mo_install_state mo_install_apply_record(struct mo_config *cfg,
    const struct mo_install_record *r, time_t now, int (*is_self)(const char *path));

#endif
