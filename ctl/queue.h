/*
 * queue: mailoriginctl's verbs over the MTA's queue (Postfix's record
 * files, read directly by lib/pfqueue), shared between the scan
 * (queue.c), the selection (queue_sel.c), the listings (queue_out.c) and
 * the actions (queue_act.c).
 */
#ifndef CTL_QUEUE_H
#define CTL_QUEUE_H

#include <sys/types.h>
#include <limits.h>
#include <regex.h>
#include <stdio.h>
#include <time.h>

#include "ctl.h"
#include "qmsg.h"

#define Q_NQUEUES 6
/* Postfix: maildrop incoming active deferred hold corrupt; qmail (when
 * q_opts.qmail): qq_queue_names.  Index 4 is "hold" for both. */
extern const char *const *q_queue_names;
extern const char *const pf_queue_names[Q_NQUEUES];
extern const char *const qq_queue_names[Q_NQUEUES];

/* One message met by the scan. */
struct q_item {
	struct qmsg	 m;
	int		 queue;         /* index in q_queue_names */
	char		 rel[96];       /* path under the queue dir: "deferred/D/ID" */
	ino_t		 ino;
	struct timespec	 mtime;
	off_t		 file_size;
	char		 user[64];      /* of m.uid, "" unknown */
	int		 sel_hit[32];   /* per selection term: matched during reading */
	int		 want_body;
	const struct q_sel *sel;
};

/* Selection terms (ANDed; each may be negated). */
enum q_term_kind {
	QT_UID, QT_USER, QT_VHOST, QT_SCRIPT, QT_SASL, QT_CLIENT, QT_FROM, QT_RCPT,
	QT_HEADER, QT_BODY, QT_BOUNCE, QT_OLDER, QT_YOUNGER, QT_QUEUE, QT_IDS
};
struct q_term {
	enum q_term_kind kind;
	int		 negate;
	char		*arg;           /* glob, name, header name */
	long		 num;           /* uid, seconds, queue index */
	regex_t		 re;
	int		 have_re;
	unsigned char	 net[16];       /* --client */
	int		 net_len, net_family, net_bits;
	char		**ids;          /* --id-file, sorted */
	size_t		 nids;
};
struct q_sel {
	struct q_term	 t[32];
	int		 n;
	int		 want_body;
	char		 text[1024];    /* as given, for the log */
};

/* Everything a queue verb was given. */
struct q_opts {
	const char	*verb;
	const char	*config_dir;    /* -C DIR / MAIL_CONFIG, NULL: the default */
	char		 queue_dir[PATH_MAX];
	int		 direct_dir;    /* --queue-dir given (no postconf) */
	int		 json;
	const char	*by;
	long		 limit;
	int		 yes, force;
	const char	*out_file;      /* export */
	const char	*plan_file;     /* --plan: the preview saves, --yes acts on it */
	const char	*id;            /* show */
	const char	*postsuper;
	int		 qmail;         /* the queue is qmail's (ctl/queue_qmail.c) */
	const char	*qmail_queue;   /* qmail: release runs it */
	int		 only_hold;     /* walk the hold folder alone */
	struct q_sel	 sel;
	time_t		 now;
};

/* What a scan met besides messages. */
struct q_stats {
	unsigned long	 files, messages, selected;
	unsigned long	 incomplete;    /* mode not yet ready (being written) */
	unsigned long	 vanished;      /* gone between readdir and open */
	unsigned long	 changed;       /* changed while read */
	unsigned long	 unreadable;    /* not a queue file we can read */
};

typedef int (*q_visit_fn)(void *arg, struct q_item *it);

/* Walk every queue folder (or one), read each complete file, attribute and
 * select it, and call visit for the selected ones. */
int q_scan(struct ctl *c, struct q_opts *o, q_visit_fn visit, void *arg,
    struct q_stats *st);
/* The messages in Postfix's hold queue (config_dir, else $MAIL_CONFIG,
 * else postconf's), each given to visit.  -1 when there is no Postfix
 * queue to read (not installed, no queue dir; why in err): nothing
 * visited.  queue_dir gets the queue directory. */
int q_scan_hold(struct ctl *c, const char *config_dir, q_visit_fn visit, void *arg,
    char *queue_dir, size_t qlen, char *err, size_t errlen);
/* Read one file (want_body as the selection needs); 0, or -1 with the
 * reason counted in st. */
int q_read_file(struct ctl *c, struct q_opts *o, int dirfd, const char *name,
    struct q_item *it, struct q_stats *st, int want_body,
    int (*body_fn)(void *, int, const char *, size_t), void *body_arg);
/* The user name of uid (cached), "" when none. */
const char *q_user_name(long uid);
/* After reading: resolve the attribution, the user and the vhost. */
void q_item_finish(struct ctl *c, struct q_item *it);

/* Selection */
int q_sel_option(struct q_sel *s, const char *opt, const char *arg, int negate,
    char *err, size_t errlen);
void q_sel_item_begin(const struct q_sel *s, struct q_item *it);
void q_sel_header(const struct q_sel *s, struct q_item *it, const char *f, size_t n);
void q_sel_body(const struct q_sel *s, struct q_item *it, const char *l, size_t n);
void q_sel_rcpt(const struct q_sel *s, struct q_item *it, const char *r, size_t n);
int q_sel_match(const struct q_sel *s, const struct q_item *it, time_t now);
void q_sel_free(struct q_sel *s);
/* A duration "90s", "15m", "2h", "3d" in seconds, or -1. */
long q_duration(const char *s);

/* Listings */
int q_summary(struct ctl *c, struct q_opts *o);
int q_top(struct ctl *c, struct q_opts *o);
int q_list(struct ctl *c, struct q_opts *o);
int q_show(struct ctl *c, struct q_opts *o);
/* The key of it for --by (into buf); the number form for uid, or NULL
 * when the key is unknown.  Returns 0, or -1 when by is no key. */
int q_key(const struct q_item *it, const char *by, time_t now, char *buf, size_t len,
    int *is_num, int *known);
/* Print one message's attribution as JSON fields (no braces). */
void q_json_item(FILE *f, const struct q_item *it, time_t now);

/* Actions */
int q_act(struct ctl *c, struct q_opts *o);

/* One message of an action's plan (queue_act.c). */
struct q_plan_ent {
	char		 id[65];
	char		 rel[96];
	int		 queue;
	ino_t		 ino;
	struct timespec	 mtime;
	long		 size;
	char		 label[80];
};

/*
 * qmail (queue_qmail.c): the same verbs over qmail's queue.  The MTA is
 * qmail with --qmail, with mta.type = "qmail" in the config, or when
 * --queue-dir DIR holds a mess/ folder; its queue is /var/qmail/queue
 * unless --queue-dir.  A message's id is its inode number; held messages
 * live in STATE/qmail-hold/ID/ (rel "hold/ID").
 */
void qq_setup(struct ctl *c, struct q_opts *o);
int qq_scan(struct ctl *c, struct q_opts *o, q_visit_fn visit, void *arg,
    struct q_stats *st);
/* Find ID (in the queue, else the hold area): sets it->rel and it->queue. */
int qq_find(const struct q_opts *o, const char *id, struct q_item *it);
/* Read the message at it->rel, like q_read_file. */
int qq_read(struct ctl *c, struct q_opts *o, struct q_item *it, struct q_stats *st,
    int want_body, int (*body_fn)(void *, int, const char *, size_t), void *body_arg);
int qq_wanted(const struct q_opts *o, int queue);
int qq_rel_ok(const char *rel);
/* Still the file that was shown (inode and mtime of its message file)? */
int qq_same(const struct q_opts *o, const struct q_plan_ent *e);
/* When the plan touches the queue itself (hold, delete --force), take
 * qmail-send's lock (queue/lock/sendmutex, as qmail-send takes it) and
 * keep it until exit; -1 (reason reported) while qmail-send holds it. */
int qq_lock(struct ctl *c, const struct q_opts *o, const struct q_plan_ent *e, size_t n);
/* Act on the plan's entries whose ok[] is set (ok[] cleared where it
 * failed). */
int qq_act(struct ctl *c, struct q_opts *o, const struct q_plan_ent *e, size_t n,
    unsigned char *ok);

#endif
