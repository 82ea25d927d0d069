/*
 * mailorigin-milter - the SMTP path: stamps, limits and a log line for
 * mail that never ran our sendmail, inside Postfix (smtpd_milters and
 * non_smtpd_milters) through libmilter.
 *
 * Who sent a message, best first:
 *  - a client on this machine (whatever address it used: the kernel's exact
 *    lookup of its end at connect): the socket's owner (uid), the
 *    process holding it, and up its chain the PHP worker and script (the
 *    wrapper's origin code);
 *  - an SMTP AUTH client: the {auth_authen} user (limits: match = "sasl");
 *  - local mail that skipped the wrapper (non_smtpd_milters): the owner of
 *    the maildrop file that Postfix's pickup holds open while its cleanup
 *    asks us (pickup's own Received header is not shown to milters).
 * Other mail (remote, unauthenticated: inbound) is only cleaned of headers
 * that forge ours.  Then as in the wrapper: forged headers removed, our
 * stamps on top, one atomic limit decision in the same limits.db, one log
 * line (path=smtp), and over a limit: quarantine (Postfix's hold queue),
 * 451 or 550 as on_limit says.  A client of this machine whose owner
 * cannot be found (gone, ambiguous) is quarantined whatever fail says: it
 * can bring that about itself.  The milter's own fault follows fail = open
 * (pass, stamped, logged) or closed (quarantine).
 *
 * Privilege: started as root (other users' /proc/PID/fd need it); after
 * the socket is open, every capability but CAP_SYS_PTRACE and
 * CAP_DAC_READ_SEARCH is dropped, and no new privilege can be gained.
 */
#include <sys/resource.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "config.h"
#include "decide.h"
#include "escape.h"
#include "fsutil.h"
#include "hygiene.h"
#include "limitdb.h"
#include "lookup.h"
#include "origin.h"
#include "passrec.h"
#include "peer.h"
#include "phpat.h"
#include "unixpeer.h"
#include "spool.h"

#define PROG "mailorigin-milter"
#define FORGED_MAX 64

static const char usage[] =
    "usage: mailorigin-milter [-d] [--foreground] [-c config] [-s socket] [-u socket-owner]\n"
    "                         [-p pidfile] [-t lookup-ms] [-l lookup-socket -L lookup-owner]\n"
    "                         [-P smtp-port,...]\n"
    "The SMTP path of mailorigin, for Postfix's smtpd_milters and non_smtpd_milters.\n"
    "See mailorigin-milter(8).\n";

/* The daemon's settings, read once at start. */
static struct {
	struct mo_config	 cfg;
	int			 statefd, logfd;
	int			 lookup_ms;
	const char		*procroot;
	unsigned		 ports[16];     /* the lookup answers about these SMTP ports */
	size_t			 nports;
	uid_t			 mta_uid;       /* Postfix's user: its cleanup and smtpd */
} M = { .statefd = -1, .logfd = -1, .lookup_ms = 2000, .procroot = "/proc",
	.ports = { 25, 465, 587 }, .nports = 3 };

/* A header that forges ours: deleted by name and index, last first. */
struct forged {
	char	name[128];
	int	index;          /* among the headers of that name, from 1 */
};

struct conn {
	/* the connection */
	int		 remote;        /* a TCP client that is not on loopback */
	int		 nonsmtp;       /* no SMTP client: postdrop/sendmail via pickup */
	int		 unix_smtp;     /* ...or one on a unix-socket smtpd (this message) */
	int		 early_tried;   /* looked for before DATA (this message) */
	char		 client[128];   /* ADDR:PORT, local, or unix:PATH */
	int		 have_uid;      /* origin.uid is known */
	struct mo_origin origin;
	char		 fault[256];
	int		 own_fault;     /* the sender was not found by the milter's own
					 * fault (errno): only then may fail = open pass */
	int		 own_local;     /* and the client is known to be on this machine */
	const char	*lookup;        /* how the loopback socket was found, or NULL */
	struct mo_php_at at;            /* its PHP worker's file and line */
	/* the message */
	char		 id[MO_ID_LEN + 1];
	char		 from[512];
	char		 sasl[256];
	unsigned long	 rcpts;
	unsigned long long size;
	struct forged	 forged[FORGED_MAX];
	unsigned	 nforged, forged_lost;
	char		 msgid[256];
	/* our headers as the wrapper would have written them: each of the
	 * five once, nothing else with our prefix (for local mail only) */
	char		 ours[MO_PASSREC_NSTAMPS][MO_HEADER_VALUE_MAX + 64];
	unsigned char	 nours[MO_PASSREC_NSTAMPS];
	int		 ours_odd;      /* another name, a repeat, a value too long */
	const char	*wrapper;       /* the wrapper's record: its verdict, or NULL */
	unsigned	 skip;          /* kinds of rule the wrapper charged (MO_KIND bits) */
	char		 wrapper_id[MO_ID_LEN * 2 + 1];
};

static void
add_fault(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
add_fault(struct conn *c, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	mo_fault_vadd(c->fault, sizeof(c->fault), msg, sizeof(msg), fmt, ap);
	va_end(ap);
}

/* --- who is the client --- */

static void
deadline_in(struct timespec *t, int ms)
{
	clock_gettime(CLOCK_MONOTONIC, t);
	t->tv_sec += ms / 1000;
	t->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t->tv_nsec >= 1000000000L) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000L;
	}
}

/* The client's socket was found (over TCP or a unix socket): its uid
 * charged, its process and up its chain the PHP worker and script, or the
 * uid alone when no process holds it. */
static void
charge_peer(struct conn *c, const struct mo_peer *p)
{
	if (p->holder_uid)
		add_fault(c, "client %s: socket of uid %lu, held by a process of uid %lu: uid %lu "
		    "charged", c->client, (unsigned long)p->sk_uid, (unsigned long)p->uid,
		    (unsigned long)p->uid);
	if (p->pid == 0) {
		mo_origin_of_uid(&c->origin, p->uid, "socket");
		add_fault(c, "client %s: socket of uid %lu, no process found%s", c->client,
		    (unsigned long)p->uid, p->timed_out ? " in time" : "");
		return;
	}
	mo_origin_collect_peer(&c->origin, M.procroot, p->pid, p->uid, &M.cfg);
	mo_php_at_note(&c->at, M.procroot, c->origin.php_pid);
}

/* At connect, while the client still waits for the greeting: is it on
 * this machine (the kernel's exact lookup of its end), and whose? */
static void
lookup_client(struct conn *c, const struct sockaddr *sa, const struct sockaddr *server)
{
	struct timespec deadline;
	struct mo_peer p;

	deadline_in(&deadline, M.lookup_ms);
	switch (mo_peer_locate(M.procroot, sa, server, &deadline, 1, &p)) {
	case MO_PEER_REMOTE:
		c->remote = 1;
		return;
	case MO_PEER_GONE:
		add_fault(c, "client %s: an address of this machine, no such socket%s", c->client,
		    server == NULL ? "" : " (closed before the connect event?)");
		return;
	case MO_PEER_AMBIGUOUS:
		add_fault(c, "client %s: several sockets have that end (no {daemon_port} to tell)",
		    c->client);
		return;
	case MO_PEER_FAULT:
		c->own_fault = p.err;
		c->own_local = p.local == 1;
		add_fault(c, "client %s: lookup failed: %s%s", c->client, strerror(p.err),
		    c->own_local && mo_fault_is_callers(p.err) ? "" : " (the milter's own fault)");
		return;
	case MO_PEER_FOUND:
		break;
	}
	c->have_uid = 1;
	c->lookup = mo_peer_via(&p);
	charge_peer(c, &p);
}

/*
 * The worker waits for our reply to the end of its message: its memory
 * names the script, and the file and line of the call that sends (the
 * origin code's answer stands when it cannot be read, with the reason).
 */
static void
read_php_at(struct conn *c)
{
	struct mo_origin *g = &c->origin;

	mo_php_at_read(&c->at, M.procroot);
	if (!c->at.ok)
		return;
	strlcpy(g->script, c->at.script, sizeof(g->script));
	g->script_src = "memory";
	g->script_claimed = 0;
}

/* Local mail: the uid of the maildrop file Postfix's pickup is reading
 * (the Received header pickup writes is not shown to milters); else SMTP
 * over a unix socket (an smtpd service of type unix, which Postfix shows
 * as a client without an address): the owner and process of the client's
 * socket.  Either way from the cleanup that holds the queue file, through
 * its client (unixpeer.h). */
static void
lookup_local(SMFICTX *ctx, struct conn *c, int last)
{
	const char *qid = smfi_getsymval(ctx, "i");
	struct timespec deadline;
	struct mo_unix_client u;
	char why[200];

	deadline_in(&deadline, M.lookup_ms);
	if (mo_unix_client(M.procroot, qid, M.mta_uid, &deadline, &u, why, sizeof(why)) == -1) {
		if (!last)              /* tried again at the end of the message */
			return;
		c->own_fault = u.own_fault;
		c->own_local = 1;               /* local mail, or a unix socket */
		add_fault(c, "local mail: no pickup or unix socket client found: %s", why);
		return;
	}
	if (u.pickup != 0) {
		mo_origin_of_uid(&c->origin, u.peer.uid, "pickup");
		c->lookup = "pickup";
		c->have_uid = 1;
		return;
	}
	snprintf(c->client, sizeof(c->client), "unix:%s", u.listener);
	c->lookup = "unix-diag";
	c->unix_smtp = 1;
	c->have_uid = 1;
	charge_peer(c, &u.peer);
}

/* Local mail (or SMTP on a unix socket), as soon as the queue file is
 * there (the "i" macro: at MAIL FROM under smtpd_delay_open_until_valid_rcpt
 * = no, from the second RCPT, and at DATA), while the client still waits
 * for a reply: one that sends its message and closes at once is then
 * still found.  Once per message before DATA, and at DATA, until found;
 * the end of the message is the last try (and logs why it failed). */
static void
lookup_early(SMFICTX *ctx, struct conn *c, int at_data)
{
	const char *qid;

	if (!c->nonsmtp || c->have_uid || (c->early_tried && !at_data))
		return;
	if ((qid = smfi_getsymval(ctx, "i")) == NULL || qid[0] == '\0')
		return;
	c->early_tried = 1;
	lookup_local(ctx, c, 0);
}

/* The server's end ({daemon_addr}, {daemon_port}: the port only when
 * milter_connect_macros names it), for the kernel's exact lookup. */
static int
server_end(SMFICTX *ctx, struct sockaddr_storage *ss)
{
	const char *a = smfi_getsymval(ctx, "{daemon_addr}"), *p = smfi_getsymval(ctx, "{daemon_port}");
	char q[128];
	size_t len;

	if (a == NULL || p == NULL || mo_lookup_question(q, sizeof(q), a,
	    (unsigned)strtoul(p, NULL, 10), NULL, 0) == -1)
		return -1;
	return mo_lookup_parse_question(q, strlen(q), ss, &len, NULL, &(int){ 0 });
}

static sfsistat
on_connect(SMFICTX *ctx, char *hostname, _SOCK_ADDR *sa)
{
	struct sockaddr_storage srv;
	struct conn *c = calloc(1, sizeof(*c));
	char a[INET6_ADDRSTRLEN] = "?";
	unsigned port = 0;

	(void)hostname;
	if (c == NULL)
		return SMFIS_TEMPFAIL;
	smfi_setpriv(ctx, c);
	if (sa == NULL || (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)) {
		c->nonsmtp = 1;
		strlcpy(c->client, "local", sizeof(c->client));
		return SMFIS_CONTINUE;
	}
	if (sa->sa_family == AF_INET) {
		inet_ntop(AF_INET, &((struct sockaddr_in *)sa)->sin_addr, a, sizeof(a));
		port = ntohs(((struct sockaddr_in *)sa)->sin_port);
	} else {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)sa)->sin6_addr, a, sizeof(a));
		port = ntohs(((struct sockaddr_in6 *)sa)->sin6_port);
	}
	snprintf(c->client, sizeof(c->client), "%s:%u", a, port);
	/* Postfix's cleanup tells non-SMTP mail as a connect from 127.0.0.1
	 * port 0 ("localhost"): no socket to look for */
	if (port == 0 && mo_peer_is_loopback(sa)) {
		c->nonsmtp = 1;
		strlcpy(c->client, "local", sizeof(c->client));
		return SMFIS_CONTINUE;
	}
	lookup_client(c, sa, server_end(ctx, &srv) == 0 ? (struct sockaddr *)&srv : NULL);
	return SMFIS_CONTINUE;
}

static void
message_reset(struct conn *c)
{
	c->id[0] = c->from[0] = c->sasl[0] = c->msgid[0] = '\0';
	c->rcpts = 0;
	c->size = 0;
	c->nforged = c->forged_lost = 0;
	memset(c->nours, 0, sizeof(c->nours));
	c->ours_odd = 0;
	c->wrapper = NULL;
	c->wrapper_id[0] = '\0';
	c->skip = 0;
	if (c->nonsmtp) {
		/* each message its own sender: looked up at its end */
		c->have_uid = 0;
		c->lookup = NULL;
		c->at.pid = 0;
		c->unix_smtp = 0;
		c->early_tried = 0;
		strlcpy(c->client, "local", sizeof(c->client));
	}
}

static sfsistat
on_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);
	const char *s;

	if (c == NULL)
		return SMFIS_CONTINUE;
	message_reset(c);
	mo_new_id(c->id);
	if (argv[0] != NULL) {         /* "<a@b>" as the wrapper logs it: a@b */
		size_t n = strlen(argv[0]);
		if (n >= 2 && argv[0][0] == '<' && argv[0][n - 1] == '>')
			strlcpy(c->from, argv[0] + 1, n - 1 < sizeof(c->from) ? n - 1 : sizeof(c->from));
		else
			strlcpy(c->from, argv[0], sizeof(c->from));
	}
	if ((s = smfi_getsymval(ctx, "{auth_authen}")) != NULL && s[0] != '\0')
		strlcpy(c->sasl, s, sizeof(c->sasl));
	lookup_early(ctx, c, 0);
	return SMFIS_CONTINUE;
}

static sfsistat
on_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = smfi_getpriv(ctx);

	(void)argv;
	if (c != NULL) {
		c->rcpts++;
		lookup_early(ctx, c, 0);
	}
	return SMFIS_CONTINUE;
}

static sfsistat
on_data(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL)
		lookup_early(ctx, c, 1);
	return SMFIS_CONTINUE;
}

/* Local mail: keep what may be the wrapper's stamps, for the record's
 * check at the end (pickup's message went through the wrapper first). */
static void
note_ours(struct conn *c, const char *rest, const char *value)
{
	int i;

	for (i = 0; i < MO_PASSREC_NSTAMPS; i++)
		if (strcasecmp(rest, mo_passrec_names[i]) == 0)
			break;
	if (i == MO_PASSREC_NSTAMPS || c->nours[i]++ > 0 ||
	    strlcpy(c->ours[i], value, sizeof(c->ours[i])) >= sizeof(c->ours[i]))
		c->ours_odd = 1;
}

static sfsistat
on_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = smfi_getpriv(ctx);
	const char *pre = M.cfg.header_prefix;
	unsigned i;
	int index = 1;

	if (c == NULL)
		return SMFIS_CONTINUE;
	c->size += strlen(name) + strlen(value) + 3;
	if (strncasecmp(name, pre, strlen(pre)) == 0) {
		if (c->nonsmtp)
			note_ours(c, name + strlen(pre), value);
		for (i = 0; i < c->nforged; i++)
			if (strcasecmp(c->forged[i].name, name) == 0)
				index++;
		if (c->nforged < FORGED_MAX && strlen(name) < sizeof(c->forged[0].name)) {
			strlcpy(c->forged[c->nforged].name, name, sizeof(c->forged[0].name));
			c->forged[c->nforged++].index = index;
		} else
			c->forged_lost++;
	}
	if (strcasecmp(name, "Message-ID") == 0 && c->msgid[0] == '\0')
		mo_escape(c->msgid, sizeof(c->msgid), sizeof(c->msgid) - 1, value + strspn(value, " \t"),
		    strlen(value + strspn(value, " \t")));
	return SMFIS_CONTINUE;
}

static sfsistat
on_body(SMFICTX *ctx, unsigned char *b, size_t len)
{
	struct conn *c = smfi_getpriv(ctx);

	(void)b;
	if (c != NULL)
		c->size += len;
	return SMFIS_CONTINUE;
}

/* --- the end of the message --- */

static void
check_limits(struct conn *c, struct mo_decision *d)
{
	const struct mo_limits *lim = &M.cfg.limits;
	struct mo_sender s = {
		.uid = c->origin.uid, .user = c->origin.user, .vhost = c->origin.vhost,
		.sasl = c->sasl[0] ? c->sasl : NULL, .no_uid = !c->have_uid, .skip = c->skip,
	};
	char msg[512];

	mo_decide_fail(lim, M.statefd, 1, &s, c->rcpts, 1, d, msg, sizeof(msg));
	if (msg[0] != '\0')
		add_fault(c, "%s", msg);
}

static void
log_line(int prio, const struct mo_line *l)
{
	if (M.cfg.log_syslog)
		syslog(prio, "%s", l->buf);
	if (M.logfd != -1 && mo_line_write(M.logfd, "mailorigin", l) == -1)
		syslog(LOG_ERR, "fault: log file %s: %m", M.cfg.log_file);
}

static void
message_line(const struct conn *c, struct mo_line *l, const char *action)
{
	const struct mo_origin *g = &c->origin;

	mo_line_init(l);
	mo_line_kv(l, "id", c->id);
	mo_line_kv(l, "action", action);
	mo_line_kv(l, "path", "smtp");
	mo_line_kv(l, "client", c->client);
	if (c->lookup != NULL)
		mo_line_kv(l, "lookup", c->lookup);
	/* before the long fields, which a sender controls: always on the line */
	if (c->fault[0])
		mo_line_kv_fault(l, c->fault);
	mo_line_kv_long(l, "sasl", c->sasl);
	mo_line_origin(l, g, c->have_uid);
	mo_line_kv_long(l, "from", c->from);
	mo_line_kvu(l, "rcpts", c->rcpts);
	mo_line_kvu(l, "size", c->size);
	mo_line_kvu(l, "forged", c->nforged + c->forged_lost);
	if (c->wrapper != NULL) {
		mo_line_kv(l, "wrapper", c->wrapper);
		if (strcmp(c->wrapper, "verified") != 0)
			mo_line_kv(l, "wrapper_id", c->wrapper_id);
	}
	mo_line_kv_long(l, "msgid", c->msgid);
	if (c->at.pid != 0) {
		/* file= line= function=: the call that sends; wait=: where the
		 * worker waits; memory=: "read", or why it was not */
		mo_line_kv_long(l, "file", c->at.file);
		if (c->at.ok)
			mo_line_kvu(l, "line", c->at.line);
		else
			mo_line_kv(l, "line", "");
		mo_line_kv_long(l, "function", c->at.function);
		mo_line_kv_long(l, "wait", c->at.wait);
		mo_line_kv(l, "memory", c->at.ok ? "read" : c->at.why);
		mo_line_kvu(l, "memory_us", (unsigned long long)c->at.us);
	}
	/* last: what a full line leaves out first */
	mo_line_origin_detail(l, g);
}

static void
delete_forged(SMFICTX *ctx, struct conn *c)
{
	unsigned i = c->nforged;

	/* last first, so that no deletion moves the index of one to come */
	while (i-- > 0)
		if (smfi_chgheader(ctx, c->forged[i].name, c->forged[i].index, NULL) != MI_SUCCESS)
			add_fault(c, "cannot delete header %s", c->forged[i].name);
	if (c->forged_lost)
		add_fault(c, "%u more forged headers than could be removed", c->forged_lost);
}

static void
stamp(SMFICTX *ctx, struct conn *c)
{
	const struct mo_origin *g = &c->origin;
	char uid[320], script[2 * PATH_MAX + 64], name[128], v[MO_HEADER_VALUE_MAX + 8];
	const char *names[] = { "Vhost", "Script", "Cwd", "Uid", "Id" };
	const char *vals[5];
	int i;

	if (c->have_uid)
		snprintf(uid, sizeof(uid), "%lu (%s)", (unsigned long)g->uid, g->user);
	else if (c->sasl[0] != '\0')
		snprintf(uid, sizeof(uid), "none (sasl %s)", c->sasl);
	else
		strlcpy(uid, "none (not found)", sizeof(uid));
	if (c->at.ok)
		snprintf(script, sizeof(script), "%s; source=memory; at=%s:%u", g->script,
		    c->at.file, c->at.line);
	else
		snprintf(script, sizeof(script), "%s; source=%s%s", g->script,
		    g->script_src ? g->script_src : c->sasl[0] ? "sasl" : "none",
		    g->script_claimed ? "; claimed" : "");
	vals[0] = g->vhost;
	vals[1] = script;
	vals[2] = g->cwd;
	vals[3] = uid;
	vals[4] = c->id;
	/* each inserted on top, so the last one goes in first */
	for (i = 0; i < 5; i++) {
		snprintf(name, sizeof(name), "%s%s", M.cfg.header_prefix, names[i]);
		mo_escape(v, sizeof(v), MO_HEADER_VALUE_MAX, vals[i], strlen(vals[i]));
		if (smfi_insheader(ctx, 0, name, v) != MI_SUCCESS)
			add_fault(c, "cannot add header %s", name);
	}
}

/* Local mail that went through the wrapper: its stamps and its count are
 * the wrapper's when the wrapper's record says so (passrec.h): the id
 * live in the table for pickup's uid, no more recipients than it charged,
 * the five stamps as it wrote them.  Then the record is used up (a
 * replay is charged) and 1 is returned: nothing to strip or stamp, and
 * only the kinds of rule the wrapper did not charge (c->skip the others)
 * to count.
 * Otherwise the stamps are a forgery like any other. */
static int
wrapper_counted(struct conn *c)
{
	unsigned char dig[MO_PASSREC_DIGEST];
	const char *vals[MO_PASSREC_NSTAMPS], *p;
	enum mo_passrec_verdict v;
	char id[MO_ID_LEN * 2 + 1];
	size_t n;
	int i;

	/* only pickup's mail can be the wrapper's (not SMTP on a unix socket) */
	if (!c->nonsmtp || c->unix_smtp || c->nours[0] == 0)
		return 0;
	p = c->ours[0] + strspn(c->ours[0], " \t");
	n = strcspn(p, " \t\r\n");
	strlcpy(id, p, n + 1 < sizeof(id) ? n + 1 : sizeof(id));
	mo_escape(c->wrapper_id, sizeof(c->wrapper_id), sizeof(c->wrapper_id) - 1, id, strlen(id));
	if (!c->have_uid) {
		c->wrapper = "no-uid";
		return 0;
	}
	for (i = 0; i < MO_PASSREC_NSTAMPS; i++)
		if (c->nours[i] != 1)
			c->ours_odd = 1;
	if (c->ours_odd || p[n + strspn(p + n, " \t\r\n")] != '\0') {
		c->wrapper = mo_passrec_verdict_name(MO_PASSREC_STAMPS);
		return 0;
	}
	for (i = 0; i < MO_PASSREC_NSTAMPS; i++)
		vals[i] = c->ours[i];
	mo_passrec_digest(vals, dig);
	v = mo_passrec_take(M.statefd, id, c->origin.uid, c->rcpts, dig, time(NULL), &c->skip);
	c->wrapper = mo_passrec_verdict_name(v);
	if (v == MO_PASSREC_FAULT)
		add_fault(c, "pass record %s/%s: %s", M.cfg.state_dir, MO_PASSREC_NAME,
		    strerror(errno));
	if (v != MO_PASSREC_OK)
		return 0;
	strlcpy(c->id, id, sizeof(c->id));
	c->nforged = c->forged_lost = 0;        /* they are ours: none is removed */
	return 1;
}

/* Would one more hold put the sender over the hold quota (the wrapper's
 * hold_max_messages and hold_max_bytes, counted over the milter's holds
 * in Postfix's hold queue, per uid, else per SASL user)?  1 with why. */
static int
quarantine_full(const struct conn *c, char *why, size_t whysz)
{
	unsigned long long msgs, bytes;
	char key[MO_QUARANTINE_KEY_MAX + 8];

	if (M.cfg.hold_max_messages == 0 && M.cfg.hold_max_bytes == 0)
		return 0;
	mo_quarantine_key(key, sizeof(key), c->have_uid, c->origin.uid, c->sasl);
	if (mo_quarantine_usage(M.statefd, key, &msgs, &bytes) == -1) {
		snprintf(why, whysz, "hold quota of %s: %s/by: %s", key, MO_QUARANTINE_DIR,
		    strerror(errno));
		return 1;
	}
	if ((M.cfg.hold_max_messages != 0 && msgs + 1 > M.cfg.hold_max_messages) ||
	    (M.cfg.hold_max_bytes != 0 && bytes + c->size > M.cfg.hold_max_bytes)) {
		snprintf(why, whysz, "hold quota of %s reached (%llu messages, %llu bytes held; "
		    "hold_max_messages %llu, hold_max_bytes %llu)", key, msgs, bytes,
		    M.cfg.hold_max_messages, M.cfg.hold_max_bytes);
		return 1;
	}
	return 0;
}

/* Our word that this hold is ours (mailoriginctl hold list believes the
 * stamps of a message in Postfix's hold queue only with it): the hold's
 * line in STATE/quarantine/ID, root's alone, and its second link for the
 * hold quota.  A failure is in the line. */
static void
record_quarantine(struct conn *c, struct mo_line *l)
{
	char key[MO_QUARANTINE_KEY_MAX + 8];
	char path[sizeof(MO_QUARANTINE_DIR) + MO_ID_LEN + 2];
	int fd, saved;

	snprintf(path, sizeof(path), "%s/%s", MO_QUARANTINE_DIR, c->id);
	fd = openat(M.statefd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
	    0600);
	if (fd != -1 && mo_write_all(fd, l->buf, l->len) == 0 && mo_write_all(fd, "\n", 1) == 0 &&
	    close(fd) == 0) {
		mo_quarantine_key(key, sizeof(key), c->have_uid, c->origin.uid, c->sasl);
		if (mo_quarantine_note(M.statefd, key, c->id, c->size) == -1)
			mo_line_kv(l, "hold_quota", strerror(errno));
		return;
	}
	saved = errno;
	if (fd != -1) {
		close(fd);
		unlinkat(M.statefd, path, 0);
	}
	mo_line_kv(l, "hold_record", strerror(saved));
}

static sfsistat
on_eom(SMFICTX *ctx)
{
	static const char *const actions[] = { "hold", "tempfail", "reject" };
	struct conn *c = smfi_getpriv(ctx);
	enum mo_on_limit how = M.cfg.limits.on_limit;
	char reason[200];
	struct mo_decision d;
	struct mo_line l;

	if (c == NULL)
		return SMFIS_CONTINUE;
	if (c->nonsmtp && !c->have_uid)
		lookup_local(ctx, c, 1);
	/* the wrapper's message, counted by the wrapper: kept as is, and
	 * charged for the kinds of rule the wrapper did not charge */
	if (wrapper_counted(c))
		goto count;
	delete_forged(ctx, c);
	/* inbound mail from elsewhere is not ours to count */
	if (!c->have_uid && c->sasl[0] == '\0' && c->remote)
		return SMFIS_CONTINUE;
	if (!c->have_uid)
		strlcpy(c->origin.vhost, c->sasl, sizeof(c->origin.vhost));
	read_php_at(c);
	stamp(ctx, c);
count:
	check_limits(c, &d);
	/* from this machine, and nobody found: a fault, not inbound mail.
	 * A client that closed its end before we asked (or shares its port,
	 * or hides behind a slow lookup) brought it about itself: held
	 * whatever fail says, as the wrapper holds the faults its caller
	 * can cause.  Only the milter's own fault follows fail. */
	if (!c->have_uid && c->sasl[0] == '\0') {
		/* (the milter out of fds or memory: many sessions a local
		 * user opened bring it about, for a client known to be on
		 * this machine; review R2.  Where that is not known, a
		 * remote sender's mail follows fail) */
		int own = c->own_fault && !(c->own_local && mo_fault_is_callers(c->own_fault));
		int hold = !own || M.cfg.limits.fail_closed;

		add_fault(c, "no sender found (%s)%s", own ? "the milter's own fault" :
		    "a fault the client can bring about", d.over ? "" : hold ? ": holding" :
		    ": passing (fail = open)");
		if (hold && !d.over) {
			d.over = d.first = 1;
			strlcpy(d.rule, "fault", sizeof(d.rule));
			d.window[0] = '\0';
		}
	}
	if (!d.over) {
		message_line(c, &l, "pass");
		log_line(LOG_INFO, &l);
		return SMFIS_CONTINUE;
	}
	message_line(c, &l, actions[how]);
	mo_line_kv(&l, "rule", d.rule);
	mo_line_kv(&l, "window", d.window);
	mo_line_kvu(&l, "first", (unsigned)d.first);
	snprintf(reason, sizeof(reason), "mailorigin %s: limit %s %s", c->id, d.rule, d.window);
	if (how == MO_ON_LIMIT_HOLD) {
		char why[MO_QUARANTINE_KEY_MAX + 400];

		/* over the hold quota: not held, the client keeps the message
		 * (a user may not fill /var with Postfix's hold queue) */
		if (quarantine_full(c, why, sizeof(why)))
			;
		else if (smfi_quarantine(ctx, reason) == MI_SUCCESS) {
			record_quarantine(c, &l);
			log_line(d.first ? LOG_WARNING : LOG_INFO, &l);
			return SMFIS_CONTINUE;
		} else
			strlcpy(why, "quarantine refused", sizeof(why));
		/* not held: the line says what happens, as the wrapper's does */
		message_line(c, &l, "tempfail");
		mo_line_kv(&l, "rule", d.rule);
		mo_line_kv(&l, "window", d.window);
		mo_line_kvu(&l, "first", (unsigned)d.first);
		mo_line_kv_long(&l, "hold_error", why);
		log_line(LOG_ERR, &l);
		smfi_setreply(ctx, "451", "4.7.1", "sending limit reached and the message cannot be held");
		return SMFIS_TEMPFAIL;
	}
	log_line(d.first ? LOG_WARNING : LOG_INFO, &l);
	snprintf(reason, sizeof(reason), "%s: sending limit reached%s", c->id,
	    how == MO_ON_LIMIT_TEMPFAIL ? ", try again later" : ", message refused");
	if (how == MO_ON_LIMIT_TEMPFAIL) {
		smfi_setreply(ctx, "451", "4.7.1", reason);
		return SMFIS_TEMPFAIL;
	}
	smfi_setreply(ctx, "550", "5.7.1", reason);
	return SMFIS_REJECT;
}

static sfsistat
on_abort(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL)
		message_reset(c);
	return SMFIS_CONTINUE;
}

static sfsistat
on_close(SMFICTX *ctx)
{
	free(smfi_getpriv(ctx));
	smfi_setpriv(ctx, NULL);
	return SMFIS_CONTINUE;
}

/* --- the lookup for programs that cannot read /proc (mailorigin-qmail-queue) --- */

static int
smtp_port(unsigned port)
{
	size_t i;

	for (i = 0; i < M.nports; i++)
		if (M.ports[i] == port)
			return 1;
	return 0;
}

/* -P 25,465,587 */
static void
parse_ports(const char *arg)
{
	char buf[256], *p, *last;
	const char *errstr;

	if (strlcpy(buf, arg, sizeof(buf)) >= sizeof(buf))
		errx(EX_USAGE, "-P %s: too long", arg);
	M.nports = 0;
	for (p = strtok_r(buf, ",", &last); p != NULL; p = strtok_r(NULL, ",", &last)) {
		if (M.nports == sizeof(M.ports) / sizeof(M.ports[0]))
			errx(EX_USAGE, "-P %s: at most %zu ports", arg, sizeof(M.ports) / sizeof(M.ports[0]));
		M.ports[M.nports++] = (unsigned)strtonum(p, 1, 65535, &errstr);
		if (errstr != NULL)
			errx(EX_USAGE, "-P %s: port %s is %s", arg, p, errstr);
	}
	if (M.nports == 0)
		errx(EX_USAGE, "-P %s: no port", arg);
}

static void
lookup_one(const char *q, size_t len, struct mo_lookup *r)
{
	struct sockaddr_storage ss, srv;
	struct timespec deadline;
	struct mo_peer p;
	size_t salen;
	int have_srv;

	memset(r, 0, sizeof(*r));
	if (mo_lookup_parse_question(q, len, &ss, &salen, &srv, &have_srv) == -1) {
		strlcpy(r->reason, "no question", sizeof(r->reason));
		return;
	}
	/* only about connections to an SMTP port we serve: the server's end
	 * is part of the question, and its port one of -P's */
	if (!have_srv) {
		strlcpy(r->reason, "no server end (TCPLOCALIP, TCPLOCALPORT)", sizeof(r->reason));
		return;
	}
	if (!smtp_port(ntohs(srv.ss_family == AF_INET ? ((struct sockaddr_in *)&srv)->sin_port :
	    ((struct sockaddr_in6 *)&srv)->sin6_port))) {
		strlcpy(r->reason, "not a connection to an SMTP port of ours (-P)", sizeof(r->reason));
		return;
	}
	deadline_in(&deadline, M.lookup_ms);
	switch (mo_peer_locate(M.procroot, (struct sockaddr *)&ss, have_srv ? (struct sockaddr *)&srv :
	    NULL, &deadline, 1, &p)) {
	case MO_PEER_REMOTE:
		strlcpy(r->reason, "not on this machine", sizeof(r->reason));
		return;
	case MO_PEER_GONE:
		strlcpy(r->reason, "no such socket", sizeof(r->reason));
		return;
	case MO_PEER_AMBIGUOUS:
		strlcpy(r->reason, "several sockets have that end", sizeof(r->reason));
		return;
	case MO_PEER_FAULT:
		snprintf(r->reason, sizeof(r->reason), "lookup failed: %s", strerror(p.err));
		return;
	case MO_PEER_FOUND:
		break;
	}
	r->status = MO_LOOKUP_UID;
	r->o.uid = p.uid;
	if (p.pid == 0) {
		snprintf(r->reason, sizeof(r->reason), "no process found%s",
		    p.timed_out ? " in time" : "");
		return;
	}
	mo_origin_collect_peer(&r->o, M.procroot, p.pid, p.uid, &M.cfg);
	r->status = MO_LOOKUP_OK;
}

/* An asker of the lookup socket: its question so far, and its deadline. */
struct asker {
	int		fd;             /* -1: a free slot */
	size_t		got;
	char		q[256];
	struct timespec	end;
};

static long
ms_until(const struct timespec *t)
{
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long)(t->tv_sec - now.tv_sec) * 1000 + (t->tv_nsec - now.tv_nsec) / 1000000;
	return ms < 0 ? 0 : ms;
}

/* The question is in (or never will be): answer it, free the slot.  The
 * answer is one short line into an empty socket buffer: sent without
 * waiting, or dropped. */
static void
lookup_answer(struct asker *a, struct mo_lookup *r)
{
	const char *nl = memchr(a->q, '\n', a->got);
	struct mo_line l;

	lookup_one(a->q, nl != NULL ? a->got : 0, r);
	mo_lookup_answer(&l, r);
	if (l.len < sizeof(l.buf))
		l.buf[l.len++] = '\n';
	if (send(a->fd, l.buf, l.len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)l.len)
		syslog(LOG_NOTICE, "lookup: the asker went away before the answer");
	close(a->fd);
	a->fd = -1;
}

/* Up to LOOKUP_ASKERS askers at once, none waited for: each has
 * LOOKUP_ASK_MS to send its question, then gets its answer (the lookup
 * bound); one that sends nothing holds one slot, not the socket. */
#define LOOKUP_ASKERS 16
#define LOOKUP_ASK_MS 2000

static void *
lookup_serve(void *arg)
{
	static struct asker a[LOOKUP_ASKERS];
	struct pollfd pf[LOOKUP_ASKERS + 1];
	int lfd = (int)(intptr_t)arg, who[LOOKUP_ASKERS + 1];
	struct mo_lookup *r;
	int i, n, busy, fd, timeout;
	ssize_t got;

	if ((r = malloc(sizeof(*r))) == NULL) {
		syslog(LOG_ERR, "fault: lookup: out of memory");
		return NULL;
	}
	for (i = 0; i < LOOKUP_ASKERS; i++)
		a[i].fd = -1;
	fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
	for (;;) {
		n = busy = 0;
		timeout = -1;
		for (i = 0; i < LOOKUP_ASKERS; i++) {
			if (a[i].fd == -1)
				continue;
			busy++;
			pf[n] = (struct pollfd){ .fd = a[i].fd, .events = POLLIN };
			who[n++] = i;
			if (timeout == -1 || ms_until(&a[i].end) < timeout)
				timeout = (int)ms_until(&a[i].end);
		}
		if (busy < LOOKUP_ASKERS) {     /* full: the backlog waits */
			pf[n] = (struct pollfd){ .fd = lfd, .events = POLLIN };
			who[n++] = -1;
		}
		if (poll(pf, (nfds_t)n, timeout) == -1) {
			if (errno != EINTR)
				sleep(1);
			continue;
		}
		for (i = 0; i < n; i++) {
			struct asker *k;

			if (who[i] == -1) {
				int j;

				if (!(pf[i].revents & POLLIN))
					continue;
				for (j = 0; j < LOOKUP_ASKERS && a[j].fd != -1; j++)
					;
				if (j == LOOKUP_ASKERS ||
				    (fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK)) == -1)
					continue;
				a[j].fd = fd;
				a[j].got = 0;
				clock_gettime(CLOCK_MONOTONIC, &a[j].end);
				a[j].end.tv_sec += LOOKUP_ASK_MS / 1000;
				continue;
			}
			k = &a[who[i]];
			if (pf[i].revents != 0) {
				got = read(k->fd, k->q + k->got, sizeof(k->q) - k->got);
				if (got > 0)
					k->got += (size_t)got;
				if (got == 0 || (got == -1 && errno != EAGAIN && errno != EINTR) ||
				    k->got == sizeof(k->q) || memchr(k->q, '\n', k->got) != NULL) {
					lookup_answer(k, r);
					continue;
				}
			}
			if (ms_until(&k->end) == 0) {
				syslog(LOG_NOTICE, "lookup: an asker sent no question in %d ms",
				    LOOKUP_ASK_MS);
				close(k->fd);
				k->fd = -1;
			}
		}
	}
	return NULL;
}

/* The lookup socket: like the milter's, for its owner alone. */
static int
open_lookup(const char *path, const char *owner)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct passwd *pw;
	mode_t old;
	int fd;

	if ((pw = getpwnam(owner)) == NULL)
		errx(EX_NOUSER, "lookup socket owner %s: no such user", owner);
	if (strlcpy(sun.sun_path, path, sizeof(sun.sun_path)) >= sizeof(sun.sun_path))
		errx(EX_USAGE, "lookup socket %s: name too long", path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		err(EX_OSERR, "socket");
	if (unlink(path) == -1 && errno != ENOENT)
		err(EX_CANTCREAT, "lookup socket %s", path);
	old = umask(077);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 || listen(fd, 64) == -1)
		err(EX_UNAVAILABLE, "lookup socket %s", path);
	umask(old);
	if (chown(path, pw->pw_uid, pw->pw_gid) == -1 || chmod(path, 0600) == -1)
		err(EX_OSERR, "lookup socket %s", path);
	return fd;
}

/* --- start-up --- */

/* Room for many sessions at once: each takes a socket to Postfix and,
 * while it looks, a few /proc and netlink fds.  At 1024 (the default soft
 * limit) about 256 slow local sessions ran the lookups out of fds (review
 * R2).  Raised while still root (CAP_SYS_RESOURCE) to MILTER_NOFILE, the
 * hard limit with it where it is lower and may be raised, else as far as
 * the hard limit goes; never lowered.  libmilter polls (no FD_SET), so
 * high fds are fine.
 * Running out is the client's doing all the same: it holds (on_eom). */
#define MILTER_NOFILE 65536

static void
raise_nofile(void)
{
	struct rlimit rl, want;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= MILTER_NOFILE)
		return;
	/* root: the hard limit too, where it is lower */
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < MILTER_NOFILE) {
		want.rlim_cur = want.rlim_max = MILTER_NOFILE;
		if (setrlimit(RLIMIT_NOFILE, &want) == 0)
			return;
	}
	/* else as far as the hard limit lets it, never lower */
	want.rlim_max = rl.rlim_max;
	want.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > MILTER_NOFILE ?
	    MILTER_NOFILE : rl.rlim_max;
	if (want.rlim_cur > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &want) == -1)
		syslog(LOG_WARNING, "cannot raise the open file limit: %m");
}

/* Keep only what reading other users' /proc needs. */
static void
drop_privileges(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct cap[2];
	uint32_t keep = 1U << CAP_SYS_PTRACE | 1U << CAP_DAC_READ_SEARCH;
	int c;

	if (geteuid() != 0)
		return;
	for (c = 0; c <= CAP_LAST_CAP; c++)
		if (c != CAP_SYS_PTRACE && c != CAP_DAC_READ_SEARCH)
			prctl(PR_CAPBSET_DROP, c, 0, 0, 0);
	memset(cap, 0, sizeof(cap));
	cap[0].effective = cap[0].permitted = keep;
	if (syscall(SYS_capset, &h, cap) == -1)
		err(EX_OSERR, "capset");
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1)
		err(EX_OSERR, "PR_SET_NO_NEW_PRIVS");
}

static void
load(const char *conf)
{
	char e[512];

	mo_config_defaults(&M.cfg);
	if (mo_config_load(&M.cfg, conf, 0, e, sizeof(e)) == -1 &&
	    (errno != ENOENT || strcmp(conf, MO_CONF_PATH) != 0))
		errx(EX_CONFIG, "%s", e);
	if ((M.statefd = mo_state_open(M.cfg.state_dir, 1)) == -1)
		err(EX_CANTCREAT, "state dir %s", M.cfg.state_dir);
	/* the records of our holds in Postfix's hold queue: root's alone */
	if (mo_quarantine_dir(M.statefd, 1) == -1)
		syslog(LOG_ERR, "fault: %s/%s: %m; mailoriginctl hold list will call the "
		    "milter's holds unverified", M.cfg.state_dir, MO_QUARANTINE_DIR);
	/* the wrapper's records of what it counted (older installs lack it) */
	if (mo_passrec_create(M.statefd) == -1)
		syslog(LOG_ERR, "fault: pass record %s/%s: %m; mail through the wrapper is "
		    "counted again", M.cfg.state_dir, MO_PASSREC_NAME);
	if (M.cfg.log_file[0] != '\0' &&
	    (M.logfd = open(M.cfg.log_file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NOCTTY |
	    O_CLOEXEC, 0660)) == -1)
		err(EX_CANTCREAT, "log file %s", M.cfg.log_file);
}

/* The unix socket: made with no access for others, then given to the
 * MTA's user alone. */
static void
open_socket(const char *path, const char *owner)
{
	char conn[PATH_MAX + 8];
	struct passwd *pw;
	mode_t old;

	if ((pw = getpwnam(owner)) == NULL)
		errx(EX_NOUSER, "socket owner %s: no such user", owner);
	M.mta_uid = pw->pw_uid;
	snprintf(conn, sizeof(conn), "unix:%s", path);
	if (smfi_setconn(conn) == MI_FAILURE)
		errx(EX_SOFTWARE, "smfi_setconn %s failed", conn);
	old = umask(077);
	if (smfi_opensocket(true) == MI_FAILURE)
		errx(EX_UNAVAILABLE, "cannot listen on %s", path);
	umask(old);
	if (chown(path, pw->pw_uid, pw->pw_gid) == -1 || chmod(path, 0600) == -1)
		err(EX_OSERR, "socket %s", path);
}

static void
write_pid(const char *path)
{
	char buf[32];
	int fd, n;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644)) == -1)
		err(EX_CANTCREAT, "pid file %s", path);
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n || close(fd) == -1)
		err(EX_IOERR, "pid file %s", path);
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct smfiDesc desc = {
		.xxfi_name = (char *)PROG, .xxfi_version = SMFI_VERSION,
		.xxfi_flags = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_QUARANTINE,
		.xxfi_connect = on_connect, .xxfi_envfrom = on_envfrom,
		.xxfi_envrcpt = on_envrcpt, .xxfi_data = on_data, .xxfi_header = on_header,
		.xxfi_body = on_body,
		.xxfi_eom = on_eom, .xxfi_abort = on_abort, .xxfi_close = on_close,
	};
	const char *conf = MO_CONF_PATH, *sock = "/run/mailorigin/milter.sock";
	const char *owner = "postfix", *pidfile = NULL, *errstr;
	const char *lsock = NULL, *lowner = NULL;
	int ch, detach = 0, lfd = -1;
	pthread_t lt;

	mo_std_fds();
	signal(SIGPIPE, SIG_IGN);
	openlog("mailorigin", LOG_PID, LOG_MAIL);
	while ((ch = getopt_long(argc, argv, "c:dfhl:L:p:P:s:t:u:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'd': detach = 1; break;
		case 'l': lsock = optarg; break;
		case 'L': lowner = optarg; break;
		case 'f': detach = 0; break;
		case 'p': pidfile = optarg; break;
		case 'P': parse_ports(optarg); break;
		case 's': sock = optarg; break;
		case 'u': owner = optarg; break;
		case 't':
			M.lookup_ms = (int)strtonum(optarg, 1, 60000, &errstr);
			if (errstr != NULL)
				errx(EX_USAGE, "-t %s: %s (1-60000 ms)", optarg, errstr);
			break;
		case 'h':
			fputs(usage, stdout);
			return EX_OK;
		default:
			fputs(usage, stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc || sock[0] != '/' || (lsock != NULL && (lsock[0] != '/' ||
	    lowner == NULL)) || (lowner != NULL && lsock == NULL)) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	load(conf);
	if (smfi_register(desc) == MI_FAILURE)
		errx(EX_SOFTWARE, "smfi_register failed");
	smfi_settimeout(30);
	open_socket(sock, owner);
	if (lsock != NULL)
		lfd = open_lookup(lsock, lowner);
	if (detach && daemon(0, 0) == -1)
		err(EX_OSERR, "daemon");
	if (pidfile != NULL)
		write_pid(pidfile);
	raise_nofile();
	drop_privileges();
	/* after the drop: a thread keeps the capabilities it was made with */
	if (lfd != -1 && (errno = pthread_create(&lt, NULL, lookup_serve, (void *)(intptr_t)lfd)) != 0)
		err(EX_OSERR, "lookup thread");
	syslog(LOG_INFO, "listening on %s (lookup bound %d ms)", sock, M.lookup_ms);
	return smfi_main() == MI_SUCCESS ? EX_OK : EX_SOFTWARE;
}
