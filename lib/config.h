/*
 * config: mailorigin.conf, read with libconfig and checked whole.
 *
 * mo_config_load() trusts a file only after fstat() on the open fd shows
 * a regular file owned by root (or by `owner`, for unprivileged runs) that
 * no group or other may write.  Every error names the file, the line when
 * there is one, and the reason.  Unknown keys are errors: a typo must not
 * silently fall back to a default.
 */
#ifndef MO_CONFIG_H
#define MO_CONFIG_H

#include <limits.h>
#include <stdio.h>
#include <sys/types.h>

#include "ratelimit.h"

enum mo_mta_type { MO_MTA_POSTFIX, MO_MTA_QMAIL };

struct mo_vhost_rule {
	char	*pattern;       /* absolute, "*" matches one path component */
	char	*name;          /* fixed vhost name, or NULL: the "*" component */
	int	 line;
};

/* The path strings point into strs, one after the other, so that a config
 * costs the pages its strings reach (one, as a rule), not a page per
 * PATH_MAX array (the wrapper pays each fresh page as a page fault, for
 * every message).  Set them with mo_config_set_path() only, and never copy
 * a struct mo_config: its strings point into itself. */
#define MO_CONFIG_PATHS 5
#define MO_CONFIG_STRS ((MO_CONFIG_PATHS + 1) * PATH_MAX)
struct mo_config {
	enum mo_mta_type	 mta_type;
	int			 log_syslog;
	char			 qmail_smtpd_user[64];          /* qmail: whose TCP* environment is believed */
	int			 qmail_remoteinfo_auth;         /* TCPREMOTEINFO is the AUTH user */
	char			 header_prefix[64];
	struct mo_vhost_rule	*vhosts;
	size_t			 nvhosts;
	struct mo_limits	 limits;
	/* what one caller may store (0: no bound) */
	unsigned long long	 message_size_limit;    /* bytes of one message */
	unsigned long long	 hold_max_messages;     /* held messages per uid */
	unsigned long long	 hold_max_bytes;        /* held bytes per uid */
	/* strings of fewer than PATH_MAX bytes, every one set by
	 * mo_config_defaults() */
	const char		*mta_path;
	const char		*state_dir;
	const char		*log_file;     /* "" when none */
	/* qmail's QMAILQUEUE front end (mailorigin-qmail-queue) */
	const char		*qmail_queue;          /* the real qmail-queue */
	const char		*lookup_socket;        /* the milter daemon's lookup */
	size_t			 strs_used;
	char			 strs[MO_CONFIG_STRS];
};

#define MO_DEFAULT_MTA_PATH "/usr/sbin/sendmail"
#define MO_DEFAULT_QMAIL_QUEUE "/var/qmail/bin/qmail-queue"
#define MO_DEFAULT_QMAIL_SMTPD_USER "qmaild"
#define MO_DEFAULT_LOOKUP_SOCKET "/run/mailorigin/lookup.sock"
#define MO_DEFAULT_MESSAGE_SIZE_LIMIT 10240000ULL       /* Postfix's default */
#define MO_DEFAULT_HOLD_MAX_MESSAGES 5000ULL
#define MO_DEFAULT_HOLD_MAX_BYTES (512ULL << 20)
#define MO_DEFAULT_PREFIX "X-Mailorigin-"

void mo_config_defaults(struct mo_config *c);
/* Set *field, one of c's path strings (&c->mta_path...), to a copy of v.
 * -1 (ENAMETOOLONG), the field as it was, when v has PATH_MAX bytes or
 * more; a string replaced leaves room that is taken back when needed. */
int mo_config_set_path(struct mo_config *c, const char **field, const char *v);
/* *dst = *src, with dst's path strings in dst's own strs (the vhost rules
 * and limits are shared, as a struct copy shares them: free one only). */
void mo_config_copy(struct mo_config *dst, const struct mo_config *src);
/* Is this process privileged: setuid or setgid (AT_SECURE, or real and
 * effective ids that differ)?  The environment then decides nothing. */
int mo_privileged(void);
/* The one config-loading policy of every program: the file given (-c),
 * else $MAILORIGIN_CONF when set and this process is not privileged, else
 * MO_CONF_PATH.  *ignored (may be NULL) says MAILORIGIN_CONF was set but
 * not honoured, for the caller to log. */
const char *mo_config_path(const char *given, int *ignored);
/* Parse and check; on error returns -1 with err filled ("FILE:LINE: reason"). */
int mo_config_read(struct mo_config *c, FILE *fp, const char *name, char *err, size_t errlen);
/* Open, check ownership and mode on the fd, then read.  errno-style
 * errors (missing file) return -1 with errno set and err filled. */
int mo_config_load(struct mo_config *c, const char *path, uid_t owner, char *err, size_t errlen);
void mo_config_free(struct mo_config *c);

/* The vhost of path by the first matching rule, into out; NULL when no rule matches. */
const char *mo_vhost_match(const struct mo_config *c, const char *path, char *out, size_t outlen);

#endif
