/*
 * cmd: swap, revert and status, each under the state dir's lock.
 *
 * Every command first finishes what an ended window left: a swap whose
 * window is over is reverted, whoever notices first.  The record is
 * written before each change (phase swapping, reverting) and removed
 * last, so an interrupted command leaves a record that says what to
 * complete or undo; the steps themselves are idempotent.
 */
#include <sys/stat.h>
#include <sys/file.h>

#include <bsd/string.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "install.h"
#include "spool.h"

static void
mkdirs(const char *path, mode_t mode, gid_t gid)
{
	char p[PATH_MAX], *s;

	strlcpy(p, path, sizeof(p));
	for (s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			if (mkdir(p, 0755) == -1 && errno != EEXIST)
				err(EX_CANTCREAT, "%s", p);
			*s = '/';
		}
	if (mkdir(p, mode) == -1) {
		if (errno != EEXIST)
			err(EX_CANTCREAT, "%s", p);
		return;
	}
	if (gid != (gid_t)-1 && (chown(p, 0, gid) == -1 || chmod(p, mode) == -1))
		err(EX_CANTCREAT, "%s", p);
}

int
ctx_open(struct ctx *c)
{
	char resolved[PATH_MAX], lock[PATH_MAX + 32], e[1024];
	const struct group *g;

	if (realpath(c->root, resolved) == NULL)
		err(EX_NOINPUT, "--root %s", c->root);
	strlcpy(c->root, resolved, sizeof(c->root));
	if (realpath("/proc/self/exe", c->self) == NULL)
		strlcpy(c->self, MO_SBINDIR "/" PROG, sizeof(c->self));
	/* the wrapper's config as every program finds it, inside the root */
	rpath(c, c->conf, sizeof(c->conf), mo_config_path(NULL, NULL));
	mo_config_defaults(&c->cfg);
	if (mo_exists(c->conf) && mo_config_load(&c->cfg, c->conf, 0, e, sizeof(e)) == -1) {
		warnx("%s; using the defaults", e);
		mo_config_defaults(&c->cfg);
	}
	rpath(c, c->state, sizeof(c->state), c->cfg.state_dir);
	snprintf(lock, sizeof(lock), "%s/%s", c->state, MO_INSTALL_LOCK);
	need_in_root(c, lock);          /* state_dir "/../x", or a symlink out */
	g = getgrnam(MO_GROUP);
	mkdirs(c->state, g ? 02770 : 0700, g ? g->gr_gid : (gid_t)-1);
	snprintf(lock, sizeof(lock), "%s/%s", c->state, MO_INSTALL_LOCK);
	if ((c->lockfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) == -1)
		err(EX_CANTCREAT, "%s", lock);
	if (flock(c->lockfd, LOCK_EX) == -1)
		err(EX_OSERR, "lock %s", lock);
	return 0;
}

/* 1 with r filled, 0 when nothing is recorded. */
static int
record_load(struct ctx *c, struct mo_install_record *r)
{
	char e[512];
	int rc = mo_install_record_read(c->state, r, e, sizeof(e));

	if (rc == -1)
		errx(EX_DATAERR, "%s; look at it, it is not guessed at", e);
	return rc;
}

static int
revert_locked(struct ctx *c, struct mo_install_record *r)
{
	int rc;

	r->phase = MO_PHASE_REVERTING;
	record_save(c, r);
	rc = r->mode == MO_SWAP_PHP ? php_revert(c, r) : r->mode == MO_SWAP_MILTER ?
	    milter_revert(c, r) : files_revert(c, r);
	if (rc == -1)
		errx(EX_SOFTWARE, "revert incomplete: the record stays in %s", c->state);
	window_cancel(c, r);
	if (mo_install_record_remove(c->state) == -1)
		err(EX_CANTCREAT, "cannot remove %s/%s", c->state, MO_INSTALL_RECORD);
	step(c, "record removed");
	return 0;
}

/* A window that is over is reverted by whoever notices first. */
static int
finish_expired(struct ctx *c, struct mo_install_record *r)
{
	char when[64];

	if (!mo_install_expired(r, c->now))
		return 0;
	format_time(when, sizeof(when), r->until);
	say(c, "the %s swap's window ended at %s: reverting it", mo_swap_mode_name(r->mode), when);
	revert_locked(c, r);
	return 1;
}

static void
report_swap(const struct ctx *c, const struct mo_install_record *r)
{
	char when[64];
	size_t i;

	for (i = 0; i < r->ntargets; i++)
		say(c, "%s now runs the wrapper (%s); the real one is at %s%s", r->targets[i].path,
		    r->wrapper, r->targets[i].real,
		    r->targets[i].dpkg ? " (dpkg diversion: MTA upgrades go there)" : "");
	for (i = 0; i < r->ndropins; i++)
		say(c, "drop-in %s", r->dropins[i]);
	if (r->mode == MO_SWAP_MILTER)
		say(c, "Postfix's smtpd_milters and non_smtpd_milters include %s, "
		    "milter_default_action = tempfail", r->milter);
	if (r->until) {
		format_time(when, sizeof(when), r->until);
		say(c, "reverts by itself at %s (%s%s%s)", when,
		    strcmp(r->timer, "none") == 0 ? "sleeper pid" : r->timer,
		    r->timer_ref[0] ? " " : "", r->timer_ref);
	} else
		say(c, "no window: \"" PROG " revert\" puts everything back");
}

static int
complete_swap(struct ctx *c, struct mo_install_record *r)
{
	if (r->mode == MO_SWAP_PHP)
		php_swap(c, r);
	else if (r->mode == MO_SWAP_MILTER)
		milter_swap(c, r);
	else
		files_swap(c, r);
	window_schedule(c, r, revert_locked);
	r->phase = MO_PHASE_SWAPPED;
	record_save(c, r);
	report_swap(c, r);
	return 0;
}

int
cmd_swap(struct ctx *c, enum mo_swap_mode mode, long long window)
{
	struct mo_install_record *r = calloc(1, sizeof(*r));
	char w[PATH_MAX];
	int have;

	if (r == NULL)
		err(EX_OSERR, NULL);
	have = record_load(c, r);
	if (have && finish_expired(c, r))
		have = 0;
	if (have && r->mode != mode)
		errx(EX_USAGE, "a %s swap is on: revert it before a %s swap",
		    mo_swap_mode_name(r->mode), mo_swap_mode_name(mode));
	if (have && r->phase == MO_PHASE_SWAPPED) {
		say(c, "already swapped (%s mode): nothing to do%s", mo_swap_mode_name(mode),
		    window ? "; the window is unchanged (revert, then swap again, to change it)" : "");
		free(r);
		return 0;
	}
	if (have && r->phase == MO_PHASE_SWAPPING) {
		say(c, "completing an interrupted %s swap", mo_swap_mode_name(mode));
		complete_swap(c, r);
		free(r);
		return 0;
	}
	if (have) {
		say(c, "finishing an interrupted revert first");
		revert_locked(c, r);
	}
	memset(r, 0, sizeof(*r));
	mo_new_id(r->id);
	r->mode = mode;
	r->phase = MO_PHASE_SWAPPING;
	strlcpy(r->root, c->root, sizeof(r->root));
	strlcpy(r->wrapper, c->wrapper, sizeof(r->wrapper));
	strlcpy(r->link, c->wrapper, sizeof(r->link));
	strlcpy(r->timer, "none", sizeof(r->timer));
	r->since = c->now;
	r->until = window ? c->now + (time_t)window : 0;
	if (mode == MO_SWAP_PHP)
		php_plan(c, r);
	else if (mode == MO_SWAP_MILTER)
		milter_plan(c, r, c->milter != NULL ? c->milter : MO_DEFAULT_MILTER);
	else
		files_plan(c, r);
	rpath(c, w, sizeof(w), r->wrapper);
	if (mode != MO_SWAP_MILTER && access(w, X_OK) == -1)
		err(EX_UNAVAILABLE, "the wrapper %s (give --wrapper)", w);
	window_preflight(c, r->until);
	record_save(c, r);      /* what will be done, before it is */
	complete_swap(c, r);
	free(r);
	return 0;
}

int
cmd_revert(struct ctx *c, int only_expired)
{
	struct mo_install_record *r = calloc(1, sizeof(*r));
	char when[64];

	if (r == NULL)
		err(EX_OSERR, NULL);
	if (record_load(c, r) == 0) {
		say(c, "nothing is swapped");
		free(r);
		return 0;
	}
	if (only_expired && !mo_install_expired(r, c->now)) {
		format_time(when, sizeof(when), r->until);
		say(c, "the window is not over (%s): nothing to do", r->until ? when : "no window");
		free(r);
		return 0;
	}
	if (r->phase == MO_PHASE_SWAPPING)
		say(c, "undoing an interrupted %s swap", mo_swap_mode_name(r->mode));
	revert_locked(c, r);
	say(c, "reverted: everything is as it was before the %s swap", mo_swap_mode_name(r->mode));
	free(r);
	return 0;
}

int
cmd_status(struct ctx *c)
{
	struct mo_install_record *r = calloc(1, sizeof(*r));
	int have;

	if (r == NULL)
		err(EX_OSERR, NULL);
	have = record_load(c, r);
	if (have && finish_expired(c, r))
		have = 0;
	show_status(c, have ? r : NULL);
	free(r);
	return 0;
}
