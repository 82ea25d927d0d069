/* install_record: read, write and apply STATE/install.record. */
#include <sys/stat.h>

#include <bsd/string.h>
#include <bsd/stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fsutil.h"
#include "install_record.h"
#include "proc.h"

#define RECORD_MAX 65536

static const char *const mode_names[] = { "system", "qmail", "php", "milter" };
static const char *const phase_names[] = { "swapping", "swapped", "reverting" };

const char *
mo_swap_mode_name(enum mo_swap_mode m)
{
	return (unsigned)m < MO_SWAP_MODES ? mode_names[m] : "?";
}

int
mo_swap_mode_parse(const char *s, enum mo_swap_mode *m)
{
	int i;

	for (i = 0; i < MO_SWAP_MODES; i++)
		if (strcmp(s, mode_names[i]) == 0) {
			*m = (enum mo_swap_mode)i;
			return 0;
		}
	return -1;
}

const char *
mo_swap_phase_name(enum mo_swap_phase p)
{
	return (unsigned)p < 3 ? phase_names[p] : "?";
}

int
mo_root_join(char *out, size_t outlen, const char *root, const char *path)
{
	size_t n;

	if (root == NULL || root[0] == '\0' || strcmp(root, "/") == 0)
		n = strlcpy(out, path, outlen);
	else
		n = (size_t)snprintf(out, outlen, "%s%s%s", root,
		    path[0] == '/' ? "" : "/", path);
	if (n >= outlen) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

static int
bad(char *err, size_t errlen, int line, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		snprintf(err, errlen, "%s line %d: %s", MO_INSTALL_RECORD, line, msg);
	else
		snprintf(err, errlen, "%s: %s", MO_INSTALL_RECORD, msg);
	errno = EINVAL;
	return -1;
}

static int
number(const char *v, long long max, long long *out)
{
	const char *e = NULL;

	*out = strtonum(v, 0, max, &e);
	return e == NULL ? 0 : -1;
}

/* One "key=value" line into r.  seen: bit mask of the required keys. */
static int
parse_line(struct mo_install_record *r, const char *k, const char *v, int line,
    unsigned *seen, char *err, size_t errlen)
{
	struct mo_install_target *t = r->ntargets ? &r->targets[r->ntargets - 1] : NULL;
	struct mo_install_param *pm = r->nparams ? &r->params[r->nparams - 1] : NULL;
	long long n;
	size_t cap = PATH_MAX;
	char *dst = NULL;

	if (strcmp(k, "version") == 0) {
		if (strcmp(v, "1") != 0)
			return bad(err, errlen, line, "version %s is not 1", v);
		*seen |= 1;
	} else if (strcmp(k, "mode") == 0) {
		if (mo_swap_mode_parse(v, &r->mode) == -1)
			return bad(err, errlen, line, "unknown mode \"%s\"", v);
		*seen |= 2;
	} else if (strcmp(k, "phase") == 0) {
		int i;
		for (i = 0; i < 3 && strcmp(v, phase_names[i]) != 0; i++)
			;
		if (i == 3)
			return bad(err, errlen, line, "unknown phase \"%s\"", v);
		r->phase = (enum mo_swap_phase)i;
		*seen |= 4;
	} else if (strcmp(k, "id") == 0) {
		dst = r->id, cap = sizeof(r->id);
	} else if (strcmp(k, "root") == 0) {
		dst = r->root;
	} else if (strcmp(k, "since") == 0 || strcmp(k, "until") == 0) {
		if (number(v, 1LL << 40, &n) == -1)
			return bad(err, errlen, line, "%s is not a time: \"%s\"", k, v);
		*(k[0] == 's' ? &r->since : &r->until) = (time_t)n;
	} else if (strcmp(k, "wrapper") == 0) {
		dst = r->wrapper;
	} else if (strcmp(k, "link") == 0) {
		dst = r->link;
	} else if (strcmp(k, "timer") == 0) {
		dst = r->timer, cap = sizeof(r->timer);
	} else if (strcmp(k, "timer_ref") == 0) {
		dst = r->timer_ref, cap = sizeof(r->timer_ref);
	} else if (strcmp(k, "target") == 0) {
		if (r->ntargets == MO_INSTALL_MAX_TARGETS)
			return bad(err, errlen, line, "too many targets");
		t = &r->targets[r->ntargets++];
		dst = t->path;
	} else if (strcmp(k, "real") == 0 || strcmp(k, "dpkg") == 0) {
		if (t == NULL)
			return bad(err, errlen, line, "%s before any target", k);
		if (k[0] == 'r')
			dst = t->real;
		else if (number(v, 1, &n) == -1)
			return bad(err, errlen, line, "dpkg must be 0 or 1");
		else
			t->dpkg = (int)n;
	} else if (strcmp(k, "milter") == 0) {
		dst = r->milter;
	} else if (strcmp(k, "param") == 0) {
		if (r->nparams == MO_INSTALL_MAX_PARAMS)
			return bad(err, errlen, line, "too many params");
		pm = &r->params[r->nparams++];
		dst = pm->name, cap = sizeof(pm->name);
	} else if (strcmp(k, "param_set") == 0 || strcmp(k, "param_value") == 0) {
		if (pm == NULL)
			return bad(err, errlen, line, "%s before any param", k);
		if (strcmp(k, "param_value") == 0)
			dst = pm->value, cap = sizeof(pm->value);
		else if (number(v, 1, &n) == -1)
			return bad(err, errlen, line, "param_set must be 0 or 1");
		else
			pm->set = (int)n;
	} else if (strcmp(k, "dropin") == 0) {
		if (r->ndropins == MO_INSTALL_MAX_DROPINS)
			return bad(err, errlen, line, "too many drop-ins");
		dst = r->dropins[r->ndropins++];
	} else
		return bad(err, errlen, line, "unknown key \"%s\"", k);
	if (dst != NULL && strlcpy(dst, v, cap) >= cap)
		return bad(err, errlen, line, "%s is too long", k);
	return 0;
}

int
mo_install_record_parse(struct mo_install_record *r, const char *buf, size_t len,
    char *err, size_t errlen)
{
	char line[PATH_MAX + 64];
	const char *p = buf, *end = buf + len, *nl;
	unsigned seen = 0;
	int lineno = 0;
	size_t i;

	memset(r, 0, sizeof(*r));
	strlcpy(r->root, "/", sizeof(r->root));
	while (p < end) {
		char *eq;
		size_t n;

		lineno++;
		nl = memchr(p, '\n', (size_t)(end - p));
		n = (size_t)((nl ? nl : end) - p);
		if (n >= sizeof(line))
			return bad(err, errlen, lineno, "line too long");
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;
		if (n == 0 || line[0] == '#')
			continue;
		if (memchr(line, '\0', n) != NULL || (eq = strchr(line, '=')) == NULL)
			return bad(err, errlen, lineno, "not key=value");
		*eq = '\0';
		if (parse_line(r, line, eq + 1, lineno, &seen, err, errlen) == -1)
			return -1;
	}
	if (seen != 7)
		return bad(err, errlen, lineno, "version, mode and phase are required");
	for (i = 0; i < r->ntargets; i++)
		if (r->targets[i].path[0] != '/' || r->targets[i].real[0] != '/')
			return bad(err, errlen, lineno, "target %zu lacks an absolute path or real", i + 1);
	return mo_install_record_check(r, err, errlen);
}

/* The files a swap may touch, by mode (install/files.c swaps these). */
const char *const mo_install_targets_system[] = { MO_SYSTEM_SENDMAIL, MO_LIB_SENDMAIL, NULL };
const char *const mo_install_targets_qmail[] = { MO_QMAIL_SENDMAIL, NULL };
const char *const mo_dropin_sapis[] = { "apache2", "cgi", "cli", "fpm", NULL };
static const char *const milter_params[] = {
	"smtpd_milters", "non_smtpd_milters", "milter_default_action", "milter_connect_macros", NULL
};

static int
listed(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return 1;
	return 0;
}

/* /etc/php/VERSION/SAPI/conf.d/zz-mailorigin.ini, VERSION one plain name */
static int
dropin_ok(const char *p)
{
	static const char head[] = "/etc/php/", tail[] = "/conf.d/" MO_DROPIN_NAME;
	const char *ver = p + sizeof(head) - 1, *slash, *sapi_end;
	char sapi[16];
	size_t n;

	if (strncmp(p, head, sizeof(head) - 1) != 0 || (slash = strchr(ver, '/')) == NULL ||
	    slash == ver || strspn(ver, "0123456789.") != (size_t)(slash - ver) ||
	    (slash - ver == 1 && ver[0] == '.') || (slash - ver == 2 && strncmp(ver, "..", 2) == 0))
		return 0;
	if ((sapi_end = strchr(slash + 1, '/')) == NULL ||
	    (n = (size_t)(sapi_end - slash - 1)) >= sizeof(sapi))
		return 0;
	memcpy(sapi, slash + 1, n);
	sapi[n] = '\0';
	return listed(sapi, mo_dropin_sapis) && strcmp(sapi_end, tail) == 0;
}

static int
no_dots(const char *p)
{
	return strstr(p, "/../") == NULL && strstr(p, "/./") == NULL &&
	    (strlen(p) < 3 || strcmp(p + strlen(p) - 3, "/..") != 0);
}

int
mo_install_record_check(const struct mo_install_record *r, char *err, size_t errlen)
{
	const char *const *allowed = r->mode == MO_SWAP_SYSTEM ? mo_install_targets_system :
	    r->mode == MO_SWAP_QMAIL ? mo_install_targets_qmail : NULL;
	char real[PATH_MAX];
	size_t i;

	/* a revert renames and unlinks what the record names: only the
	 * names a swap makes are believed, whatever the file says */
	for (i = 0; i < r->ntargets; i++) {
		const struct mo_install_target *t = &r->targets[i];
		if (allowed == NULL || !listed(t->path, allowed))
			return bad(err, errlen, 0, "target %s is not a file a %s swap changes", t->path,
			    mo_swap_mode_name(r->mode));
		snprintf(real, sizeof(real), "%s%s", t->path, MO_REAL_SUFFIX);
		if (strcmp(t->real, real) != 0)
			return bad(err, errlen, 0, "real %s of target %s is not %s", t->real, t->path, real);
	}
	for (i = 0; i < r->nparams; i++)
		if (r->mode != MO_SWAP_MILTER || !listed(r->params[i].name, milter_params))
			return bad(err, errlen, 0, "param %s is not one a milter swap changes",
			    r->params[i].name);
	for (i = 0; i < r->ndropins; i++)
		if (!dropin_ok(r->dropins[i]))
			return bad(err, errlen, 0, "dropin %s is not a PHP conf.d drop-in of ours",
			    r->dropins[i]);
	if (r->root[0] != '/' || !no_dots(r->root) ||
	    (r->wrapper[0] != '\0' && (r->wrapper[0] != '/' || !no_dots(r->wrapper))))
		return bad(err, errlen, 0, "root and wrapper must be absolute paths without . or ..");
	if (r->timer[0] != '\0' && strcmp(r->timer, "none") != 0 && strcmp(r->timer, "systemd") != 0 &&
	    strcmp(r->timer, "at") != 0)
		return bad(err, errlen, 0, "unknown timer \"%s\"", r->timer);
	if (r->timer_ref[0] != '\0' && strcmp(r->timer, "systemd") != 0 &&
	    strspn(r->timer_ref, "0123456789") != strlen(r->timer_ref))
		return bad(err, errlen, 0, "timer_ref \"%s\" is not a number", r->timer_ref);
	return 0;
}

static int
add(char *buf, size_t cap, size_t *n, const char *k, const char *v)
{
	int m;

	if (strchr(v, '\n') != NULL)
		return -1;
	m = snprintf(buf + *n, cap - *n, "%s=%s\n", k, v);
	if (m < 0 || (size_t)m >= cap - *n)
		return -1;
	*n += (size_t)m;
	return 0;
}

int
mo_install_record_format(const struct mo_install_record *r, char *buf, size_t cap)
{
	char num[32];
	size_t n = 0, i;
	int rc = 0;

	rc |= add(buf, cap, &n, "version", "1");
	rc |= add(buf, cap, &n, "id", r->id);
	rc |= add(buf, cap, &n, "mode", mo_swap_mode_name(r->mode));
	rc |= add(buf, cap, &n, "phase", mo_swap_phase_name(r->phase));
	rc |= add(buf, cap, &n, "root", r->root[0] ? r->root : "/");
	snprintf(num, sizeof(num), "%lld", (long long)r->since);
	rc |= add(buf, cap, &n, "since", num);
	snprintf(num, sizeof(num), "%lld", (long long)r->until);
	rc |= add(buf, cap, &n, "until", num);
	rc |= add(buf, cap, &n, "wrapper", r->wrapper);
	rc |= add(buf, cap, &n, "link", r->link);
	rc |= add(buf, cap, &n, "timer", r->timer[0] ? r->timer : "none");
	rc |= add(buf, cap, &n, "timer_ref", r->timer_ref);
	for (i = 0; i < r->ntargets; i++) {
		rc |= add(buf, cap, &n, "target", r->targets[i].path);
		rc |= add(buf, cap, &n, "real", r->targets[i].real);
		rc |= add(buf, cap, &n, "dpkg", r->targets[i].dpkg ? "1" : "0");
	}
	for (i = 0; i < r->ndropins; i++)
		rc |= add(buf, cap, &n, "dropin", r->dropins[i]);
	if (r->milter[0] != '\0')
		rc |= add(buf, cap, &n, "milter", r->milter);
	for (i = 0; i < r->nparams; i++) {
		rc |= add(buf, cap, &n, "param", r->params[i].name);
		rc |= add(buf, cap, &n, "param_set", r->params[i].set ? "1" : "0");
		rc |= add(buf, cap, &n, "param_value", r->params[i].value);
	}
	return rc ? -1 : (int)n;
}

int
mo_install_record_read(const char *state_dir, struct mo_install_record *r,
    char *err, size_t errlen)
{
	char path[PATH_MAX], *buf;
	struct stat st;
	ssize_t n;
	size_t len = 0;
	int fd, saved;

	if (snprintf(path, sizeof(path), "%s/%s", state_dir, MO_INSTALL_RECORD) >= (int)sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", state_dir);
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)) == -1) {
		if (errno == ENOENT)
			return 0;
		saved = errno;
		snprintf(err, errlen, "%s: %s", path, strerror(saved));
		errno = saved;
		return -1;
	}
	/* only root writes the record: anything else is not believed (it
	 * tells the setgid wrapper which program to run) */
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_uid != 0 ||
	    (st.st_mode & (S_IWGRP | S_IWOTH))) {
		close(fd);
		snprintf(err, errlen, "%s: not a regular file owned by root and writable by root only", path);
		errno = EPERM;
		return -1;
	}
	if ((buf = malloc(RECORD_MAX)) == NULL) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (len < RECORD_MAX && (n = read(fd, buf + len, RECORD_MAX - len)) != 0) {
		if (n == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			snprintf(err, errlen, "%s: %s", path, strerror(saved));
			free(buf);
			close(fd);
			errno = saved;
			return -1;
		}
		len += (size_t)n;
	}
	close(fd);
	n = mo_install_record_parse(r, buf, len, err, errlen);
	free(buf);
	return n == -1 ? -1 : 1;
}

int
mo_install_record_write(const char *state_dir, const struct mo_install_record *r)
{
	char path[PATH_MAX], *buf;
	int n, rc, saved;

	if ((buf = malloc(RECORD_MAX)) == NULL)
		return -1;
	if ((n = mo_install_record_format(r, buf, RECORD_MAX)) == -1) {
		free(buf);
		errno = EINVAL;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", state_dir, MO_INSTALL_RECORD);
	rc = mo_write_atomic(path, buf, (size_t)n, 0644);
	saved = errno;
	free(buf);
	errno = saved;
	return rc;
}

int
mo_install_record_remove(const char *state_dir)
{
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s", state_dir, MO_INSTALL_RECORD);
	if (unlink(path) == -1 && errno != ENOENT)
		return -1;
	return mo_fsync_dir(state_dir);
}

int
mo_install_expired(const struct mo_install_record *r, time_t now)
{
	return r->until > 0 && now >= r->until;
}

/* --- the wrapper's view --- */

/* Does the config name paths from outside the record's root (prefixed)? */
static int
names_joined(const struct mo_config *cfg, const struct mo_install_record *r)
{
	size_t n = strlen(r->root);

	return strcmp(r->root, "/") != 0 && r->root[0] != '\0' &&
	    strncmp(cfg->mta_path, r->root, n) == 0 && cfg->mta_path[n] == '/';
}

/* The real one to run for target t: real while the target is this
 * program, the target itself once it has been put back. */
static int
pick_real(const struct mo_install_record *r, const struct mo_install_target *t, int joined,
    int (*is_self)(const char *), char *out, size_t outlen)
{
	char target[PATH_MAX], real[PATH_MAX];

	if (mo_root_join(target, sizeof(target), joined ? r->root : "/", t->path) == -1 ||
	    mo_root_join(real, sizeof(real), joined ? r->root : "/", t->real) == -1)
		return -1;
	if (!is_self(target))
		return strlcpy(out, target, outlen) < outlen ? 0 : -1;
	if (mo_exists(real) && !is_self(real))
		return strlcpy(out, real, outlen) < outlen ? 0 : -1;
	return -1;      /* neither: leave it to the wrapper's own self check */
}

enum mo_install_state
mo_install_apply_record(struct mo_config *cfg, const struct mo_install_record *r, time_t now,
    int (*is_self)(const char *path))
{
	int joined = names_joined(cfg, r), expired = mo_install_expired(r, now);
	char path[PATH_MAX], want[PATH_MAX];
	size_t i;

	if (r->mode == MO_SWAP_MILTER)          /* Postfix's settings: nothing of the wrapper's */
		return MO_INSTALL_NONE;
	if (r->mode == MO_SWAP_PHP)
		return expired ? MO_INSTALL_EXPIRED : MO_INSTALL_ACTIVE;
	if (r->mode == MO_SWAP_QMAIL && r->ntargets > 0) {
		const struct mo_install_target *t = &r->targets[0];
		int deflt = cfg->mta_type == MO_MTA_POSTFIX &&
		    strcmp(cfg->mta_path, MO_DEFAULT_MTA_PATH) == 0;

		if (deflt && !expired) {
			char *slash;
			joined = strcmp(r->root, "/") != 0 && r->root[0] != '\0';
			if (mo_root_join(path, sizeof(path), joined ? r->root : "/", t->path) == -1 ||
			    (slash = strrchr(path, '/')) == NULL)
				return MO_INSTALL_ACTIVE;
			strlcpy(slash + 1, mo_base_name(MO_QMAIL_INJECT), sizeof(path) - (size_t)(slash + 1 - path));
			if (joined && !mo_exists(path) &&
			    mo_root_join(path, sizeof(path), "/", t->path) == 0 &&
			    (slash = strrchr(path, '/')) != NULL)
				strlcpy(slash + 1, mo_base_name(MO_QMAIL_INJECT), sizeof(path) - (size_t)(slash + 1 - path));
			cfg->mta_type = MO_MTA_QMAIL;
			(void)mo_config_set_path(cfg, &cfg->mta_path, path);
			return MO_INSTALL_ACTIVE;
		}
		if (expired && (deflt || cfg->mta_type == MO_MTA_QMAIL)) {
			if (deflt)
				joined = strcmp(r->root, "/") != 0 && r->root[0] != '\0' &&
				    mo_root_join(want, sizeof(want), r->root, t->path) == 0 &&
				    mo_exists(want);
			else {
				/* qmail-inject's folder says inside or outside the root */
				size_t n = strlen(r->root);
				joined = strcmp(r->root, "/") != 0 &&
				    strncmp(cfg->mta_path, r->root, n) == 0 && cfg->mta_path[n] == '/';
			}
			if (pick_real(r, t, joined, is_self, path, sizeof(path)) == -1)
				return MO_INSTALL_ACTIVE;
			cfg->mta_type = MO_MTA_POSTFIX;     /* qmail's sendmail takes argv as is */
			(void)mo_config_set_path(cfg, &cfg->mta_path, path);
			return MO_INSTALL_EXPIRED;
		}
	}
	for (i = 0; i < r->ntargets; i++) {
		if (mo_root_join(want, sizeof(want), joined ? r->root : "/", r->targets[i].path) == -1)
			continue;
		if (strcmp(cfg->mta_path, want) != 0)
			continue;
		if (pick_real(r, &r->targets[i], joined, is_self, path, sizeof(path)) == -1)
			return MO_INSTALL_ACTIVE;
		(void)mo_config_set_path(cfg, &cfg->mta_path, path);
		return expired ? MO_INSTALL_EXPIRED : MO_INSTALL_ACTIVE;
	}
	/* The config names some other MTA: this call may not have come
	 * through the swap at all (PHP pointing at the wrapper for good), so
	 * an ended window does not turn stamping off here. */
	return MO_INSTALL_ACTIVE;
}

enum mo_install_state
mo_install_apply(struct mo_config *cfg, time_t now)
{
	struct mo_install_record *r;
	enum mo_install_state s;
	char err[256], path[PATH_MAX];

	/* the common case, no swap, costs one failed lookup (with the
	 * effective ids: the state dir is the group's), not a record-sized
	 * allocation */
	if (snprintf(path, sizeof(path), "%s/%s", cfg->state_dir, MO_INSTALL_RECORD) >= (int)sizeof(path) ||
	    faccessat(AT_FDCWD, path, F_OK, AT_EACCESS) == -1)
		return MO_INSTALL_NONE;
	if ((r = malloc(sizeof(*r))) == NULL)
		return MO_INSTALL_NONE;
	if (mo_install_record_read(cfg->state_dir, r, err, sizeof(err)) != 1)
		s = MO_INSTALL_NONE;
	else
		s = mo_install_apply_record(cfg, r, now, mo_is_wrapper);
	free(r);
	return s;
}
