/*
 * files: system and qmail modes.  A sendmail file is swapped for a
 * symlink to the wrapper; the real one stays reachable at
 * PATH.mailorigin-real (a hard link, so mode, owner, times and inode are
 * the real one's).  Where dpkg owns the file a local diversion to that
 * name is registered, so an upgrade of the MTA package writes the new
 * real binary there and leaves the swap alone.
 *
 * Every step is idempotent and its state is visible on disk, so an
 * interrupted swap is completed by running the swap steps again and undone
 * by running the revert steps.  At no instant is PATH missing: the real
 * file is linked aside before the symlink is renamed over PATH, and put
 * back by renaming a link of it over the symlink.
 */
#include <sys/stat.h>

#include <bsd/string.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "install.h"

/* --- dpkg --- */

static int
dpkg_available(const struct ctx *c)
{
	char p[PATH_MAX], tool[PATH_MAX];

	return rpath(c, p, sizeof(p), "/var/lib/dpkg/status") == 0 && mo_exists(p) &&
	    find_tool("dpkg-divert", tool, sizeof(tool)) == 0 &&
	    find_tool("dpkg-query", tool, sizeof(tool)) == 0;
}

/* Run a dpkg tool with --root when we are under one. */
static int
dpkg_run(const struct ctx *c, const char *tool, const char *const args[], char *out, size_t outlen)
{
	char path[PATH_MAX], rootopt[PATH_MAX + 8];
	char *argv[16];
	int n = 0, i;

	if (find_tool(tool, path, sizeof(path)) == -1)
		return -1;
	argv[n++] = path;
	if (strcmp(c->root, "/") != 0) {
		snprintf(rootopt, sizeof(rootopt), "--root=%s", c->root);
		argv[n++] = rootopt;
	}
	for (i = 0; args[i] && n < 15; i++)
		argv[n++] = (char *)args[i];
	argv[n] = NULL;
	return run_tool(argv, out, outlen);
}

static int
dpkg_owns(const struct ctx *c, const char *path)
{
	const char *args[] = { "--search", path, NULL };
	char out[1024];

	return dpkg_run(c, "dpkg-query", args, out, sizeof(out)) == 0;
}

/* Where dpkg puts the package's PATH: PATH itself when not diverted. */
static int
dpkg_truename(const struct ctx *c, const char *path, char *out, size_t outlen)
{
	const char *args[] = { "--truename", path, NULL };
	size_t n;

	if (dpkg_run(c, "dpkg-divert", args, out, outlen) != 0)
		return -1;
	n = strcspn(out, "\n");
	out[n] = '\0';
	return 0;
}

static int
dpkg_diverted_to(const struct ctx *c, const struct mo_install_target *t)
{
	char out[PATH_MAX];

	return dpkg_truename(c, t->path, out, sizeof(out)) == 0 && strcmp(out, t->real) == 0;
}

static void
dpkg_divert(struct ctx *c, const struct mo_install_target *t, int add)
{
	const char *args[] = { "--local", "--no-rename", "--divert", t->real,
		add ? "--add" : "--remove", t->path, NULL };
	char out[2048];

	if (dpkg_run(c, "dpkg-divert", args, out, sizeof(out)) != 0)
		errx(EX_OSERR, "dpkg-divert %s %s failed: %s", add ? "--add" : "--remove",
		    t->path, out);
	step(c, "dpkg-divert %s %s", add ? "--add" : "--remove", t->path);
}

/* --- planning --- */

int
is_our_link(const struct ctx *c, const struct mo_install_record *r, const char *target)
{
	char p[PATH_MAX], buf[PATH_MAX];
	ssize_t n;

	if (rpath(c, p, sizeof(p), target) == -1 ||
	    (n = readlink(p, buf, sizeof(buf) - 1)) == -1)
		return 0;
	buf[n] = '\0';
	return strcmp(buf, r->link) == 0;
}

/* What the symlink at target should hold: relative when that reaches the
 * wrapper from inside the root, absolute otherwise. */
static void
choose_link(const struct ctx *c, struct mo_install_record *r, const char *target)
{
	char rel[PATH_MAX], dir[PATH_MAX], via[PATH_MAX * 2], w[PATH_MAX];
	struct stat a, b;

	strlcpy(r->link, r->wrapper, sizeof(r->link));
	if (rel_link(rel, sizeof(rel), target, r->wrapper) == -1)
		return;
	rpath(c, dir, sizeof(dir), target);
	snprintf(via, sizeof(via), "%s/%s", dirname(dir), rel);
	rpath(c, w, sizeof(w), r->wrapper);
	if (stat(via, &a) == 0 && stat(w, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		strlcpy(r->link, rel, sizeof(r->link));
}

/* Does the symlink at inside-path link resolve (under root) to target? */
static int
links_to(const struct ctx *c, const char *link, const char *target)
{
	char lp[PATH_MAX], tp[PATH_MAX], buf[PATH_MAX], via[PATH_MAX * 2], dir[PATH_MAX];
	ssize_t n;

	if (rpath(c, lp, sizeof(lp), link) == -1 || rpath(c, tp, sizeof(tp), target) == -1 ||
	    (n = readlink(lp, buf, sizeof(buf) - 1)) == -1)
		return 0;
	buf[n] = '\0';
	if (buf[0] == '/')
		rpath(c, via, sizeof(via), buf);
	else {
		strlcpy(dir, lp, sizeof(dir));
		snprintf(via, sizeof(via), "%s/%s", dirname(dir), buf);
	}
	return same_file(via, tp) || (realpath(via, dir) != NULL && realpath(tp, buf) != NULL &&
	    strcmp(dir, buf) == 0);
}

static void
plan_target(struct ctx *c, struct mo_install_record *r, const char *path, int have_dpkg)
{
	struct mo_install_target *t = &r->targets[r->ntargets];
	char rp[PATH_MAX], rr[PATH_MAX], truename[PATH_MAX];

	strlcpy(t->path, path, sizeof(t->path));
	snprintf(t->real, sizeof(t->real), "%s%s", path, MO_REAL_SUFFIX);
	rpath(c, rp, sizeof(rp), t->path);
	rpath(c, rr, sizeof(rr), t->real);
	if (mo_exists(rr) && !same_file(rr, rp))
		errx(EX_CANTCREAT, "%s exists and is not %s: a left-over of an earlier swap? "
		    "Look at it, remove it, then swap again", rr, rp);
	t->dpkg = have_dpkg && dpkg_owns(c, path);
	if (have_dpkg && dpkg_truename(c, path, truename, sizeof(truename)) == 0 &&
	    strcmp(truename, path) != 0 && strcmp(truename, t->real) != 0)
		errx(EX_CANTCREAT, "%s is already diverted by dpkg to %s: not swapping it",
		    path, truename);
	r->ntargets++;
}

int
files_plan(struct ctx *c, struct mo_install_record *r)
{
	const char *target = r->mode == MO_SWAP_QMAIL ? MO_QMAIL_SENDMAIL : MO_SYSTEM_SENDMAIL;
	char p[PATH_MAX], q[PATH_MAX];
	int have_dpkg = dpkg_available(c);
	struct stat st;

	rpath(c, p, sizeof(p), target);
	if (lstat(p, &st) == -1)
		errx(EX_UNAVAILABLE, "%s: %s: there is no sendmail to swap out%s", p, strerror(errno),
		    r->mode == MO_SWAP_QMAIL ? " (is qmail installed?)" : " (is an MTA installed?)");
	if (r->mode == MO_SWAP_QMAIL) {
		rpath(c, q, sizeof(q), MO_QMAIL_INJECT);
		if (access(q, X_OK) == -1)
			errx(EX_UNAVAILABLE, "%s: %s: the wrapper needs qmail-inject in qmail mode",
			    q, strerror(errno));
	}
	choose_link(c, r, target);
	if (is_our_link(c, r, target))
		errx(EX_SOFTWARE, "%s already links to the wrapper but no swap is recorded in %s: "
		    "put the real sendmail back by hand", p, c->state);
	plan_target(c, r, target, have_dpkg);
	if (r->mode == MO_SWAP_SYSTEM && lstat(rpath(c, q, sizeof(q), MO_LIB_SENDMAIL) == 0 ? q : "",
	    &st) == 0) {
		if (S_ISLNK(st.st_mode) && links_to(c, MO_LIB_SENDMAIL, target))
			say(c, "%s links to %s: it follows the swap", MO_LIB_SENDMAIL, target);
		else if (same_file(q, p))
			plan_target(c, r, MO_LIB_SENDMAIL, have_dpkg);
		else
			say(c, "warning: %s is not a link to %s: left alone", MO_LIB_SENDMAIL, target);
	}
	return 0;
}

/* --- swap and revert of one file --- */

static void
tmp_name(char *out, size_t outlen, const char *rp)
{
	char d[PATH_MAX], b[PATH_MAX];

	strlcpy(d, rp, sizeof(d));
	strlcpy(b, rp, sizeof(b));
	snprintf(out, outlen, "%s/.%s.mailorigin-tmp", dirname(d), basename(b));
}

static void
swap_one(struct ctx *c, const struct mo_install_record *r, const struct mo_install_target *t)
{
	char rp[PATH_MAX], rr[PATH_MAX], tmp[PATH_MAX];
	int ours = is_our_link(c, r, t->path);

	rpath(c, rp, sizeof(rp), t->path);
	rpath(c, rr, sizeof(rr), t->real);
	need_in_root(c, rp);
	tmp_name(tmp, sizeof(tmp), rp);
	(void)unlink(tmp);
	if (!mo_exists(rr)) {
		if (ours)
			errx(EX_SOFTWARE, "%s links to the wrapper but the real one (%s) is gone", rp, rr);
		if (linkat(AT_FDCWD, rp, AT_FDCWD, rr, 0) == -1)
			err(EX_CANTCREAT, "cannot link %s to %s", rp, rr);
		mo_fsync_parent(rr);
		step(c, "link %s %s", t->path, t->real);
	} else if (!ours && !same_file(rp, rr))
		errx(EX_CANTCREAT, "%s and %s are different files: not swapping over them", rp, rr);
	if (t->dpkg && !dpkg_diverted_to(c, t))
		dpkg_divert(c, t, 1);
	if (!ours) {
		if (symlink(r->link, tmp) == -1)
			err(EX_CANTCREAT, "cannot make the symlink %s", tmp);
		step(c, "symlink %s -> %s", tmp, r->link);
		if (rename(tmp, rp) == -1)
			err(EX_CANTCREAT, "cannot rename %s to %s", tmp, rp);
		mo_fsync_parent(rp);
		step(c, "rename over %s", t->path);
	}
}

int
files_swap(struct ctx *c, const struct mo_install_record *r)
{
	char w[PATH_MAX];
	size_t i;

	rpath(c, w, sizeof(w), r->wrapper);
	if (access(w, X_OK) == -1)
		err(EX_UNAVAILABLE, "the wrapper %s", w);
	for (i = 0; i < r->ntargets; i++)
		swap_one(c, r, &r->targets[i]);
	return 0;
}

/* Put the real one back at the target: rename a link of it over the
 * symlink, so that the target is never missing. */
static int
restore_one(struct ctx *c, const struct mo_install_record *r, const struct mo_install_target *t)
{
	char rp[PATH_MAX], rr[PATH_MAX], tmp[PATH_MAX];

	rpath(c, rp, sizeof(rp), t->path);
	rpath(c, rr, sizeof(rr), t->real);
	need_in_root(c, rp);
	tmp_name(tmp, sizeof(tmp), rp);
	(void)unlink(tmp);
	if (is_our_link(c, r, t->path) || !mo_exists(rp)) {
		if (!mo_exists(rr)) {
			warnx("%s is the wrapper and the real one (%s) is gone: left as it is", rp, rr);
			return -1;
		}
		if (linkat(AT_FDCWD, rr, AT_FDCWD, tmp, 0) == -1)
			err(EX_CANTCREAT, "cannot link %s to %s", rr, tmp);
		step(c, "link %s %s", t->real, tmp);
		if (rename(tmp, rp) == -1)
			err(EX_CANTCREAT, "cannot rename %s to %s", tmp, rp);
		mo_fsync_parent(rp);
		step(c, "rename the real one over %s", t->path);
	}
	if (t->dpkg && dpkg_diverted_to(c, t))
		dpkg_divert(c, t, 0);
	return 0;
}

static int
forget_real(struct ctx *c, const struct mo_install_target *t)
{
	char rp[PATH_MAX], rr[PATH_MAX];

	rpath(c, rp, sizeof(rp), t->path);
	rpath(c, rr, sizeof(rr), t->real);
	need_in_root(c, rp);
	if (!mo_exists(rr))
		return 0;
	if (!same_file(rp, rr)) {
		warnx("%s differs from %s (changed during the window?): kept %s", rp, rr, rr);
		return 0;
	}
	if (unlink(rr) == -1)
		err(EX_CANTCREAT, "cannot remove %s", rr);
	mo_fsync_parent(rr);
	step(c, "unlink %s", t->real);
	return 0;
}

int
files_revert(struct ctx *c, const struct mo_install_record *r)
{
	char w[PATH_MAX];
	size_t i;
	int rc = 0;

	for (i = r->ntargets; i-- > 0;)
		if (restore_one(c, r, &r->targets[i]) == -1)
			rc = -1;
	if (rc == -1)
		return -1;
	/* A wrapper that started before the restore may still exec the real
	 * one by its other name: wait for those before removing that name. */
	rpath(c, w, sizeof(w), r->wrapper);
	if (drain_wrappers(c, w, DRAIN_SECONDS) == -1)
		warnx("wrappers still running after %d s: removing the real one's other name anyway",
		    DRAIN_SECONDS);
	for (i = r->ntargets; i-- > 0;)
		if (forget_real(c, &r->targets[i]) == -1)
			rc = -1;
	return rc;
}
