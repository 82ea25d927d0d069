/*
 * mailorigin-qmail-queue - qmail's QMAILQUEUE front end: the stamps,
 * limits and log line of mailorigin for mail that qmail-smtpd (or
 * qmail-inject) hands to qmail-queue.
 *
 * The interface is qmail-queue(8)'s: the message on fd 0, then the
 * envelope on fd 1 ("F" sender NUL, "T" recipient NUL for each, a last
 * NUL); exit 0 when queued, 11-40 refused for good, any other code a
 * temporary failure.
 *
 * Data flow: start-up hygiene; config; who sent it (below); the message
 * from fd 0 through the header filter into a spool file (forged copies of
 * our headers removed, ours on top); the envelope from fd 1; one limit
 * decision in the same limits.db as the wrapper and the milter; one log
 * line; then the real qmail-queue exec'd with the stamped message on fd 0
 * and the envelope, byte for byte, on fd 1, or the message held.
 *
 * Who sent it, best first:
 *  - run by qmail-smtpd (the real uid is mta.smtpd_user's, or root) under
 *    tcpserver: TCPREMOTEIP and TCPREMOTEPORT name the client; an SMTP
 *    AUTH patch's user in SMTPAUTHUSER, SMTP_AUTH_USER, AUTHINFO, or
 *    TCPREMOTEINFO only with mta.remoteinfo_is_auth (the one Krzysztof
 *    Dabrowski's and Erwin Hoffmann's patches set; tcpserver itself puts
 *    an ident answer there unless run with -R, and the client writes
 *    that).  A client on this machine is looked up by the milter daemon over
 *    its lookup socket (it reads other users' /proc as root); without it,
 *    /proc/net/tcp still gives the socket's uid.  A remote client that did
 *    not authenticate is inbound mail: only cleaned of forged stamps.
 *  - anyone else (qmail-inject run by a user): the real uid and the
 *    process chain above qmail-inject, as the wrapper reads it.
 * The TCP* environment is believed only from the SMTP user: anyone else
 * could name someone else's connection.
 *
 * Privilege: installed root:mailorigin 2755 like the wrapper; the group
 * opens the state dir and the log and is dropped before qmail-queue runs.
 */
#include <sys/stat.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <bsd/string.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "decide.h"
#include "escape.h"
#include "fsutil.h"
#include "holdmeta.h"
#include "hygiene.h"
#include "limitdb.h"
#include "lookup.h"
#include "origin.h"
#include "peer.h"
#include "rlimit.h"
#include "smtpd.h"
#include "spool.h"
#include "stamp.h"

#define PROG "mailorigin-qmail-queue"
#define CHUNK 65536
#define ENVELOPE_MAX (16UL << 20)
#define ADDRESS_MAX 4096
#define LOOKUP_MS 3000

/* qmail-queue(8)'s exit codes */
#define QQ_OK		0
#define QQ_ADDR_LONG	11      /* address too long */
#define QQ_REFUSED	31      /* permanently refused */
#define QQ_NOMEM	51
#define QQ_WRITE	53      /* write error, e.g. disk full */
#define QQ_READ		54      /* cannot read the message or envelope */
#define QQ_TEMPREFUSED	71      /* temporarily refused */
#define QQ_BUG		81      /* internal bug */
#define QQ_ENVELOPE	91      /* envelope format error */

extern char **environ;

struct qq {
	int			 privileged;
	gid_t			 rgid, mo_gid;
	mode_t			 caller_umask;
	struct mo_config	 cfg;
	int			 statefd, logfd;
	char			 id[MO_ID_LEN + 1];
	char			 faults[512];
	/* who */
	int			 smtp;          /* the TCP* environment is believed */
	int			 remote;        /* a client not on loopback */
	int			 have_uid;
	int			 own_fault;     /* not found by our own fault (errno) */
	int			 own_local;     /* and the client is known to be local */
	char			 client[INET6_ADDRSTRLEN + 8];
	char			 sasl[256];
	struct mo_origin	 origin;
	struct mo_lookup	 lookup;        /* its src backs origin.script_src */
	/* the message and the envelope */
	struct mo_stamp		 st;
	int			 msgfd;
	char			 buf[CHUNK];
	size_t			 len;
	unsigned long long	 size;
	int			 too_big;
	char			*env;           /* the envelope as read */
	size_t			 envlen;
	char			*sender;
	char			**rcpts;
	size_t			 nrcpt;
};

static void
fault(struct qq *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
fault(struct qq *q, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	mo_fault_vadd(q->faults, sizeof(q->faults), msg, sizeof(msg), fmt, ap);
	va_end(ap);
}

static void __attribute__((noreturn))
die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* qmail-queue prints nothing: the reason goes to syslog, the code to the caller. */
static void __attribute__((noreturn))
die(int code, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	syslog(code == QQ_OK ? LOG_NOTICE : LOG_ERR, "%s (exit %d)", msg, code);
	exit(code);
}

/* --- start-up --- */

static void
startup(struct qq *q)
{
	const char *path;
	char e[512];
	int ignored;

	mo_std_fds();
	q->caller_umask = umask(007);
	signal(SIGPIPE, SIG_IGN);
	openlog("mailorigin", LOG_PID, LOG_MAIL);
	/* the caller's resource limits, before anything is accepted: a low
	 * one must not cut the spool or the log short (the client retries) */
	if (mo_rlimit_floor(e, sizeof(e)) == -1)
		die(QQ_TEMPREFUSED, "action=tempfail uid=%lu reason=\"%s\"", (unsigned long)getuid(), e);
	q->statefd = q->logfd = q->msgfd = -1;
	q->rgid = getgid();
	q->mo_gid = getegid();
	q->privileged = mo_privileged();
	mo_config_defaults(&q->cfg);
	path = mo_config_path(NULL, &ignored);
	if (mo_config_load(&q->cfg, path, q->privileged ? 0 : getuid(), e, sizeof(e)) == -1) {
		mo_config_defaults(&q->cfg);
		if (errno != ENOENT || strcmp(path, MO_CONF_PATH) != 0)
			fault(q, "config %s; using defaults", e);
	}
	if (q->cfg.log_file[0] != '\0' && (q->logfd = open(q->cfg.log_file, O_WRONLY | O_APPEND |
	    O_NOFOLLOW | O_NOCTTY | O_CLOEXEC)) == -1)
		fault(q, "log file %s: %s", q->cfg.log_file, strerror(errno));
	if ((q->statefd = mo_state_open(q->cfg.state_dir, geteuid() == 0)) == -1)
		fault(q, "state dir %s: %s", q->cfg.state_dir, strerror(errno));
	mo_new_id(q->id);
}

/* --- who sent it --- */

/* Is the caller the SMTP server, whose TCP* environment is tcpserver's? */
static int
caller_is_smtpd(const struct qq *q)
{
	struct passwd *pw;

	if (getuid() == 0)
		return 1;
	return (pw = getpwnam(q->cfg.qmail_smtpd_user)) != NULL && pw->pw_uid == getuid();
}

/* The SMTP AUTH user, where a patch of qmail-smtpd put it. */
static void
sasl_user(struct qq *q)
{
	static const char *const vars[] = {
		"SMTPAUTHUSER", "SMTP_AUTH_USER", "AUTHINFO", "TCPREMOTEINFO",
	};
	const char *v;
	size_t i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		/* getenv, not secure_getenv: the variables are the SMTP
		 * server's, believed only from its uid (caller_is_smtpd);
		 * TCPREMOTEINFO only when the config says an AUTH patch sets
		 * it (without tcpserver -R it is the client's ident answer) */
		if ((strcmp(vars[i], "TCPREMOTEINFO") != 0 || q->cfg.qmail_remoteinfo_auth) &&
		    (v = getenv(vars[i])) != NULL && v[0] != '\0') {
			strlcpy(q->sasl, v, sizeof(q->sasl));
			return;
		}
}

/* Without the daemon: the socket's owner, which anyone may ask the
 * kernel (its process is not: other users' /proc/PID/fd need root). */
static void
socket_owner(struct qq *q, const struct sockaddr *sa, const struct mo_peer *found)
{
	struct timespec deadline;
	struct mo_peer p = *found;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += 1;
	mo_origin_of_uid(&q->origin, p.uid, "socket");
	q->have_uid = 1;
	(void)sa;
	mo_peer_find_process("/proc", &deadline, &p);
	if (p.pid != 0)         /* the caller's own process (root, or the same uid) */
		mo_origin_collect_peer(&q->origin, "/proc", p.pid, p.uid, &q->cfg);
}

static void
lookup_local(struct qq *q, const char *ip, unsigned port, const struct sockaddr *sa,
    const char *lip, unsigned lport, const struct sockaddr *server, const struct mo_peer *found)
{
	char e[512];

	if (mo_lookup_ask(q->cfg.lookup_socket, ip, port, server ? lip : NULL, lport, LOOKUP_MS,
	    &q->lookup, e, sizeof(e)) == -1) {
		fault(q, "lookup %s", e);
		socket_owner(q, sa, found);
		return;
	}
	switch (q->lookup.status) {
	case MO_LOOKUP_OK:
		q->origin = q->lookup.o;
		q->origin.script_src = q->lookup.src;
		if (q->origin.vhost[0] == '\0')
			strlcpy(q->origin.vhost, q->origin.user, sizeof(q->origin.vhost));
		q->have_uid = 1;
		break;
	case MO_LOOKUP_UID:
		mo_origin_of_uid(&q->origin, q->lookup.o.uid, "socket");
		q->have_uid = 1;
		fault(q, "client %s: socket of uid %lu, %s", q->client,
		    (unsigned long)q->lookup.o.uid, q->lookup.reason);
		break;
	default:                /* refused, or gone since: the kernel's uid at least */
		fault(q, "client %s: lookup: %s", q->client, q->lookup.reason);
		socket_owner(q, sa, found);
	}
}

static void
who_smtp(struct qq *q, const char *ip)
{
	struct sockaddr_storage ss, srv;
	struct timespec deadline;
	struct mo_peer p;
	const char *ps = getenv("TCPREMOTEPORT"), *lip = getenv("TCPLOCALIP");
	const char *lps = getenv("TCPLOCALPORT");
	char question[256];
	unsigned port, lport;
	size_t salen;
	int have_srv = 0;

	port = ps != NULL ? (unsigned)strtoul(ps, NULL, 10) : 0;
	lport = lps != NULL ? (unsigned)strtoul(lps, NULL, 10) : 0;
	snprintf(q->client, sizeof(q->client), "%s:%u", ip, port);
	sasl_user(q);
	/* tcpserver's TCPLOCALIP/TCPLOCALPORT: the server's end, for the
	 * kernel's exact lookup; the question goes without it when it is bad */
	if (lip == NULL || mo_lookup_question(question, sizeof(question), ip, port, lip, lport) == -1 ||
	    mo_lookup_parse_question(question, strlen(question), &ss, &salen, &srv, &have_srv) == -1)
		have_srv = 0;
	if (!have_srv && (mo_lookup_question(question, sizeof(question), ip, port, NULL, 0) == -1 ||
	    mo_lookup_parse_question(question, strlen(question), &ss, &salen, &srv, &have_srv) == -1)) {
		fault(q, "TCPREMOTEIP %s / TCPREMOTEPORT %s: no address and port", ip,
		    ps != NULL ? ps : "(unset)");
		q->remote = 1;
		return;
	}
	/* local or not: the kernel's word (the client's end of this very
	 * connection is a socket here), not the address's range */
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += 1;
	switch (mo_peer_locate("/proc", (struct sockaddr *)&ss, have_srv ? (struct sockaddr *)&srv :
	    NULL, &deadline, 0, &p)) {
	case MO_PEER_REMOTE:
		q->remote = 1;
		return;
	case MO_PEER_GONE:
		fault(q, "client %s: an address of this machine, no such socket", q->client);
		return;
	case MO_PEER_AMBIGUOUS:
		fault(q, "client %s: several sockets have that end (no TCPLOCALIP/TCPLOCALPORT)",
		    q->client);
		return;
	case MO_PEER_FAULT:
		q->own_fault = p.err;
		q->own_local = p.local == 1;
		fault(q, "client %s: lookup failed: %s%s", q->client, strerror(p.err),
		    q->own_local && mo_fault_is_callers(p.err) ? "" : " (the front end's own fault)");
		return;
	case MO_PEER_FOUND:
		break;
	}
	lookup_local(q, ip, port, (struct sockaddr *)&ss, lip, lport,
	    have_srv ? (struct sockaddr *)&srv : NULL, &p);
}

/* A local caller: the process above qmail-inject (which execs us). */
static void
who_local(struct qq *q)
{
	struct mo_proc p;
	pid_t start = getppid();

	if (q->privileged && setegid(q->rgid) == -1)
		fault(q, "setegid: %s", strerror(errno));
	if (mo_proc_read("/proc", start, &p, 0) == 0 && strcmp(p.comm, "qmail-inject") == 0)
		start = p.ppid;
	mo_origin_collect(&q->origin, "/proc", start, &q->cfg);
	if (q->privileged && setegid(q->mo_gid) == -1)
		die(QQ_BUG, "cannot take the group back: %m");
	q->have_uid = 1;
	strlcpy(q->client, "local", sizeof(q->client));
}

static void
who(struct qq *q)
{
	const char *ip = getenv("TCPREMOTEIP");

	q->smtp = ip != NULL && ip[0] != '\0' && caller_is_smtpd(q);
	if (q->smtp)
		who_smtp(q, ip);
	else
		who_local(q);
	if (!q->have_uid && q->sasl[0] != '\0')
		strlcpy(q->origin.vhost, q->sasl, sizeof(q->origin.vhost));
}

/* Are we to stamp, count and log it?  Not inbound mail from elsewhere. */
static int
ours(const struct qq *q)
{
	return q->have_uid || q->sasl[0] != '\0' || !q->remote;
}

/* --- the message --- */

static int
spool_flush(struct qq *q)
{
	if (q->msgfd == -1) {
		if (q->statefd != -1 && (q->msgfd = mo_spool_create(q->statefd)) == -1)
			fault(q, "spool in %s/tmp: %s", q->cfg.state_dir, strerror(errno));
		if (q->msgfd == -1 && (q->msgfd = mo_spool_memory()) == -1)
			return -1;
	}
	if (mo_write_all(q->msgfd, q->buf, q->len) == -1)
		return -1;
	q->len = 0;
	return 0;
}

static int
sink(void *ctx, const void *p, size_t n)
{
	struct qq *q = ctx;

	q->size += n;
	if (q->cfg.message_size_limit != 0 && q->size > q->cfg.message_size_limit) {
		q->too_big = 1;
		errno = EFBIG;
		return -1;
	}
	while (n > 0) {
		size_t k = sizeof(q->buf) - q->len < n ? sizeof(q->buf) - q->len : n;

		memcpy(q->buf + q->len, p, k);
		q->len += k;
		p = (const char *)p + k;
		n -= k;
		if (q->len == sizeof(q->buf) && spool_flush(q) == -1)
			return -1;
	}
	return 0;
}

/* Append "PREFIXName: value EOL", value escaped unless it is already. */
static void
header(char *block, size_t cap, const char *prefix, const char *name, const char *value,
    int escaped, const char *eol)
{
	char v[MO_HEADER_VALUE_MAX + 8];
	size_t n = strlen(block);

	if (!escaped)
		mo_escape(v, sizeof(v), MO_HEADER_VALUE_MAX, value, strlen(value));
	snprintf(block + n, cap - n, "%s%s: %s%s", prefix, name, escaped ? value : v, eol);
}

/* Our five headers, as the wrapper and the milter write them. */
static void
stamp_block(const struct qq *q, char *block, size_t cap, const char *eol)
{
	const struct mo_origin *g = &q->origin;
	const char *p = q->cfg.header_prefix;
	char uid[320], script[MO_HEADER_VALUE_MAX + 64], esc[MO_HEADER_VALUE_MAX + 8];

	block[0] = '\0';
	if (!ours(q))
		return;
	if (q->have_uid)
		snprintf(uid, sizeof(uid), "%lu (%s)", (unsigned long)g->uid, g->user);
	else if (q->sasl[0] != '\0')
		snprintf(uid, sizeof(uid), "none (sasl %s)", q->sasl);
	else
		strlcpy(uid, "none (not found)", sizeof(uid));
	mo_escape_also(esc, sizeof(esc), MO_HEADER_VALUE_MAX - 32, g->script, strlen(g->script),
	    ";");
	snprintf(script, sizeof(script), "%s; source=%s%s", esc,
	    g->script_src != NULL ? g->script_src : q->sasl[0] ? "sasl" : "none",
	    g->script_claimed ? "; claimed" : "");
	header(block, cap, p, "Id", q->id, 0, eol);
	header(block, cap, p, "Uid", uid, 0, eol);
	header(block, cap, p, "Cwd", g->cwd[0] ? g->cwd : "?", 0, eol);
	header(block, cap, p, "Script", script, 1, eol);
	header(block, cap, p, "Vhost", g->vhost, 0, eol);
}

/* fd 0 to its end, stamped, into the spool (rewound). */
static void
read_message(struct qq *q)
{
	static char in[CHUNK], block[8 * (MO_HEADER_VALUE_MAX + 128)];
	int first = 1;
	ssize_t n;

	mo_stamp_init(&q->st, q->cfg.header_prefix, 0, sink, q);
	for (;;) {
		if ((n = read(0, in, sizeof(in))) == -1) {
			if (errno == EINTR)
				continue;
			die(QQ_READ, "id=%s reading the message: %m", q->id);
		}
		if (first) {
			const char *eol = mo_stamp_eol(in, (size_t)n);

			first = 0;
			stamp_block(q, block, sizeof(block), eol);
			mo_stamp_input_init(&q->st, 0, block, strlen(block), eol);
		}
		if (n == 0)
			break;
		if (mo_stamp_input(&q->st, in, (size_t)n) == -1)
			goto failed;
	}
	if (mo_stamp_input_finish(&q->st) == -1 || spool_flush(q) == -1)
		goto failed;
	if (lseek(q->msgfd, 0, SEEK_SET) == -1)
		die(QQ_WRITE, "id=%s cannot rewind the spool: %m", q->id);
	return;
failed:
	if (q->too_big)
		die(QQ_REFUSED, "id=%s message larger than %llu bytes (message_size_limit): refused",
		    q->id, q->cfg.message_size_limit);
	die(QQ_WRITE, "id=%s cannot write the spool: %m", q->id);
}

/* --- the envelope --- */

/* Is env[0..len) a whole envelope?  1 yes, 0 not yet, -1 never. */
static int
envelope_whole(const char *env, size_t len)
{
	const char *p = env, *end = env + len, *nul;

	if (len == 0)
		return 0;
	if (*p != 'F')
		return -1;
	for (;;) {
		if ((nul = memchr(p, '\0', (size_t)(end - p))) == NULL)
			return 0;
		p = nul + 1;
		if (p == end)
			return 0;
		if (*p == '\0')
			return p + 1 == end ? 1 : -1;
		if (*p != 'T')
			return -1;
	}
}

/* The envelope from fd 1, up to its last NUL (nothing after it is read). */
static void
read_envelope(struct qq *q)
{
	size_t cap = 4096;
	ssize_t n;
	int whole = 0;

	if ((q->env = malloc(cap)) == NULL)
		die(QQ_NOMEM, "out of memory");
	while (!whole) {
		if (q->envlen == cap) {
			if (cap >= ENVELOPE_MAX)
				die(QQ_NOMEM, "id=%s envelope over %lu bytes", q->id, ENVELOPE_MAX);
			if ((q->env = realloc(q->env, cap *= 2)) == NULL)
				die(QQ_NOMEM, "out of memory");
		}
		/* one byte at a time past the last NUL would read on: a short
		 * read is what a pipe gives anyway */
		n = read(1, q->env + q->envlen, cap - q->envlen);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			die(QQ_READ, "id=%s reading the envelope: %m", q->id);
		if (n == 0)
			die(QQ_ENVELOPE, "id=%s envelope cut short", q->id);
		q->envlen += (size_t)n;
		if ((whole = envelope_whole(q->env, q->envlen)) == -1)
			die(QQ_ENVELOPE, "id=%s envelope format error", q->id);
	}
}

/* Sender and recipients point into the envelope. */
static void
split_envelope(struct qq *q)
{
	char *p = q->env, *end = q->env + q->envlen - 1;
	size_t n = 0;

	for (char *s = p; s < end; s += strlen(s) + 1)
		n++;
	if ((q->rcpts = calloc(n, sizeof(*q->rcpts))) == NULL)
		die(QQ_NOMEM, "out of memory");
	q->sender = p + 1;
	if (strlen(q->sender) > ADDRESS_MAX)
		die(QQ_ADDR_LONG, "id=%s sender address too long", q->id);
	for (p += strlen(p) + 1; p < end; p += strlen(p) + 1) {
		if (strlen(p + 1) > ADDRESS_MAX)
			die(QQ_ADDR_LONG, "id=%s recipient address too long", q->id);
		q->rcpts[q->nrcpt++] = p + 1;
	}
}

/* --- the decision, the log line, the hand-over --- */

static void
check_limits(struct qq *q, struct mo_decision *d)
{
	const struct mo_limits *lim = &q->cfg.limits;
	struct mo_sender s = {
		.uid = q->origin.uid, .user = q->origin.user, .vhost = q->origin.vhost,
		.sasl = q->sasl[0] ? q->sasl : NULL, .no_uid = !q->have_uid,
	};
	char msg[512];

	mo_decide_fail(lim, q->statefd, geteuid() == 0, &s, q->nrcpt, 1, d, msg, sizeof(msg));
	if (msg[0] != '\0')
		fault(q, "%s", msg);
}

static void
message_line(const struct qq *q, struct mo_line *l, const char *action, const char *status)
{
	char msgid[MO_MSGID_MAX + 1];

	mo_line_init(l);
	mo_line_kv(l, "id", q->id);
	mo_line_kv(l, "action", action);
	mo_line_kv(l, "path", q->smtp ? "smtp" : "qmail-queue");
	mo_line_kv(l, "client", q->client);
	/* before the long fields, which a sender controls: always on the line */
	if (q->faults[0])
		mo_line_kv_fault(l, q->faults);
	mo_line_kv_long(l, "sasl", q->sasl);
	mo_line_origin(l, &q->origin, q->have_uid);
	mo_line_kv_long(l, "from", q->sender);
	mo_line_kvu(l, "rcpts", q->nrcpt);
	mo_line_kvu(l, "size", q->size);
	mo_line_kvu(l, "forged", q->st.forged);
	if (mo_stamp_msgid(&q->st, msgid, sizeof(msgid)) > 0)
		mo_line_kv_long(l, "msgid", msgid);
	mo_line_kv(l, "mta_status", status);
	mo_line_kvu(l, "owner", geteuid());
	mo_line_kv_long(l, "mta", q->cfg.qmail_queue);
	/* last: what a full line leaves out first */
	mo_line_origin_detail(l, &q->origin);
}

static void
log_line(const struct qq *q, int prio, const struct mo_line *l)
{
	if (q->cfg.log_syslog)
		syslog(prio, "%s", l->buf);
	if (q->logfd != -1 && mo_line_write(q->logfd, "mailorigin", l) == -1)
		syslog(LOG_ERR, "fault: log file %s: %m", q->cfg.log_file);
}

/* Would one more held message put this uid over its hold quota? */
static int
quota_full(struct qq *q)
{
	unsigned long long msgs, bytes;
	struct stat st;

	if (q->cfg.hold_max_messages == 0 && q->cfg.hold_max_bytes == 0)
		return 0;
	if (mo_hold_usage(q->statefd, geteuid(), &msgs, &bytes) == -1)
		return 1;
	if (fstat(q->msgfd, &st) == 0)
		bytes += (unsigned long long)st.st_size;
	return (q->cfg.hold_max_messages != 0 && msgs + 1 > q->cfg.hold_max_messages) ||
	    (q->cfg.hold_max_bytes != 0 && bytes > q->cfg.hold_max_bytes);
}

/* Keep it in the hold spool, with the argv that releases it through
 * mta.path: sendmail -i -f SENDER -- RECIPIENTS (qmail-inject -a ...). */
static int
hold(struct qq *q, const char *reason, const struct mo_line *l)
{
	char *argv0[] = { (char *)"sendmail", NULL }, **av, *meta;
	struct mo_smtpd_txn t = { .sender = q->sender, .rcpts = q->rcpts, .nrcpt = q->nrcpt };
	size_t n;
	int ac, rc;

	if (q->statefd == -1 || quota_full(q))
		return -1;
	if ((av = mo_smtpd_argv(1, argv0, &t, &ac)) == NULL ||
	    (meta = mo_holdmeta_format((long long)time(NULL), reason, q->rgid, l->buf, ac, av,
	    &n)) == NULL)
		die(QQ_NOMEM, "out of memory");
	rc = mo_hold(q->statefd, q->msgfd, q->id, meta, n);
	free(meta);
	free(av);
	return rc;
}

/* Why hold() failed. */
static const char *
hold_error(const struct qq *q)
{
	return q->statefd == -1 ? "no state dir" : errno == 0 ? "hold quota reached" :
	    strerror(errno);
}

/* The real qmail-queue cannot run: held (exit 0: the client is told it is
 * accepted, as by the -bs wrapper), or a temporary refusal when it cannot
 * be held either. */
static void __attribute__((noreturn))
hold_or_refuse(struct qq *q, struct mo_line *l, const char *reason, int prio)
{
	errno = 0;
	if (hold(q, reason, l) == 0) {
		log_line(q, prio, l);
		exit(QQ_OK);
	}
	mo_line_kv(l, "hold_error", hold_error(q));
	log_line(q, LOG_ERR, l);
	die(QQ_TEMPREFUSED, "id=%s cannot be held: refused for now", q->id);
}

/* Over a limit: held as above, or refused for now or for good, as
 * on_limit says (decide.h). */
static void
over_line(void *ctx, struct mo_line *l, const char *action)
{
	message_line(ctx, l, action, "not-run");
}

static int
over_hold(void *ctx, const struct mo_line *l, const char **why)
{
	struct qq *q = ctx;

	errno = 0;
	if (hold(q, "limit", l) == 0)
		return 0;
	*why = hold_error(q);
	return -1;
}

static void
over_log(void *ctx, int prio, const struct mo_line *l)
{
	log_line(ctx, prio, l);
}

static void __attribute__((noreturn))
enforce(struct qq *q, const struct mo_decision *d)
{
	static const struct mo_over_ops ops = { over_line, over_hold, over_log };

	switch (mo_over_limit(d, q->cfg.limits.on_limit, &ops, q)) {
	case MO_OVER_HELD:
		exit(QQ_OK);
	case MO_OVER_NOT_HELD:
		die(QQ_TEMPREFUSED, "id=%s cannot be held: refused for now", q->id);
	case MO_OVER_TEMPFAIL:
		exit(QQ_TEMPREFUSED);
	default:
		exit(QQ_REFUSED);
	}
}

/* Is path this very program (QMAILQUEUE pointing at the front end that
 * mta.queue names)? */
static int
is_self(const char *path)
{
	struct stat a, b;

	return stat(path, &a) == 0 && stat("/proc/self/exe", &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

static void __attribute__((noreturn))
cannot_run(struct qq *q, const char *why)
{
	struct mo_line l;

	message_line(q, &l, "hold", why);
	hold_or_refuse(q, &l, "mta-unavailable", LOG_ERR);
}

/* The real qmail-queue: the stamped message on fd 0, the envelope as it
 * came on fd 1. */
static void __attribute__((noreturn))
hand_over(struct qq *q, char *argv[])
{
	const char *path = q->cfg.qmail_queue;
	struct mo_line l;
	int efd, saved;

	if (is_self(path))
		cannot_run(q, "mta.queue is this front end");
	if (access(path, X_OK) == -1)
		cannot_run(q, strerror(errno));
	if ((efd = mo_spool_memory()) == -1 || mo_write_all(efd, q->env, q->envlen) == -1 ||
	    lseek(efd, 0, SEEK_SET) == -1 || dup2(efd, 1) == -1 || dup2(q->msgfd, 0) == -1)
		die(QQ_WRITE, "id=%s cannot set up qmail-queue's fds: %m", q->id);
	close(efd);
	if (ours(q)) {
		message_line(q, &l, "pass", "exec");
		log_line(q, LOG_INFO, &l);
	}
	/* the saved group stays until the exec, so that a failure can hold */
	if (setresgid(q->rgid, q->rgid, (gid_t)-1) == -1 || getegid() != getgid())
		die(QQ_BUG, "cannot drop the group: %m");
	argv[0] = (char *)path;
	signal(SIGPIPE, SIG_DFL);
	umask(q->caller_umask);
	execve(path, argv, environ);
	saved = errno;
	signal(SIGPIPE, SIG_IGN);
	umask(007);
	if (q->privileged && setegid(q->mo_gid) == -1)
		die(QQ_BUG, "cannot take the group back: %m");
	if (lseek(q->msgfd, 0, SEEK_SET) == -1)
		die(QQ_WRITE, "id=%s cannot rewind the spool: %m", q->id);
	cannot_run(q, strerror(saved));
}

int
main(int argc, char *argv[])
{
	static struct qq q;
	struct mo_decision d;

	(void)argc;
	startup(&q);
	who(&q);
	read_message(&q);
	read_envelope(&q);
	split_envelope(&q);
	if (!ours(&q))
		hand_over(&q, argv);
	check_limits(&q, &d);
	/* from this machine, and nobody found (a client that closed its end
	 * before the lookup, or shares its port): a fault, not inbound mail,
	 * and one the client brought about: held whatever fail says.  Only
	 * our own fault (no netlink, no /proc/net/tcp) follows fail. */
	if (!q.have_uid && q.sasl[0] == '\0') {
		/* (out of fds or memory: its caller's rlimits or load) */
		int own = q.own_fault && !(q.own_local && mo_fault_is_callers(q.own_fault));
		int hold = !own || q.cfg.limits.fail_closed;

		fault(&q, "no sender found (%s)%s", own ? "the front end's own fault" :
		    "a fault the client can bring about", d.over ? "" : hold ? ": holding" :
		    ": passing (fail = open)");
		if (hold && !d.over) {
			d.over = d.first = 1;
			strlcpy(d.rule, "fault", sizeof(d.rule));
			d.window[0] = '\0';
		}
	}
	if (d.over)
		enforce(&q, &d);
	hand_over(&q, argv);
}
