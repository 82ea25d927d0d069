/*
 * mailorigin-sendmail - a setgid drop-in sendmail that stamps each message
 * with where it came from, logs it, and hands it to the real MTA.
 *
 * Data flow (see DESIGN.md): start-up hygiene; config (trusted only on the
 * open fd); classify argv (non-submission modes go straight to the real
 * MTA); origin (uid, cwd, process chain, script, vhost); message (stdin
 * streamed into an unlinked spool file, our headers on top, forged copies
 * removed); one log line; drop the group, spool on fd 0, execve the real
 * MTA by absolute path with the original arguments.  When the MTA cannot
 * be run the message is held in the state dir, never lost.
 *
 * Privilege: installed root:mailorigin 2755.  The group opens the state
 * dir and the log; it is dropped before the MTA runs.  While setgid the
 * environment decides nothing: MAILORIGIN_CONF is ignored, the exec
 * environment is built from an allow-list.
 */
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <bsd/unistd.h>
#include <bsd/string.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "decide.h"
#include "escape.h"
#include "fsutil.h"
#include "holdmeta.h"
#include "hygiene.h"
#include "install_record.h"
#include "limitdb.h"
#include "mta.h"
#include "options.h"
#include "origin.h"
#include "passrec.h"
#include "rlimit.h"
#include "smtpd.h"
#include "spool.h"
#include "stamp.h"

#define PROG "mailorigin-sendmail"
#define CHUNK 65536

extern char **environ;

/* Under -bs: the pipe on which a transaction's child says what became of
 * its message (one of the REPORT_ bytes; the last one counts). */
static int bs_report = -1;
#define REPORT_PASS 'P'         /* the real MTA is being executed */
#define REPORT_HOLD 'H'         /* held */
#define REPORT_TEMPFAIL 'T'     /* over a limit, on_limit = tempfail */
#define REPORT_REJECT 'R'       /* over a limit, on_limit = reject */

static void
report(char what)
{
	if (bs_report != -1 && write(bs_report, &what, 1) != 1)
		syslog(LOG_ERR, "fault: cannot report to the SMTP session: %m");
}

/* The small fields first, then the config, the origin and the header
 * filter, each with its large arrays last: a message touches a few of the
 * struct's 14 pages (each fresh page is a page fault). */
struct wrapper {
	int			 privileged;    /* running setgid/setuid */
	const char		*lost_group;    /* installed setgid, but without the group: why */
	mode_t			 caller_umask;  /* given back to the MTA */
	gid_t			 rgid, mo_gid;  /* caller's gid, our group */
	int			 statefd;       /* -1 when the state dir failed */
	int			 logfd;         /* -1 when no log file */
	unsigned long long	 size;          /* bytes in the spool */
	/* our 5 stamps' values, in the header block, for the pass record's
	 * digest (made only where there is a table to write it to) */
	const char		*stamp_val[MO_PASSREC_NSTAMPS];
	size_t			 stamp_len[MO_PASSREC_NSTAMPS];
	int			 charged;       /* the limits decided (and counted it) */
	unsigned		 kinds;         /* ...under keys the milter would charge too */
	char			 id[MO_ID_LEN + 1];
	char			 faults[512];   /* "what: why; ..." for the log line */
	struct mo_args		 args;
	struct mo_config	 cfg;
	struct mo_origin	 origin;
	struct mo_stamp		 st;            /* what the header filter saw */
};

/* The spool writer.  A message that fits the buffer never touches the
 * disk: it goes to a memory file at the end (the buffer's size bounds the
 * memory either way).  A larger one is streamed to an unlinked file in the
 * state dir from its first full buffer on; a write error there moves it to
 * memory, so that it still passes. */
struct spool_out {
	struct wrapper		*w;
	int			 fd;            /* -1 until the first flush */
	char			 buf[CHUNK];
	size_t			 len;
	unsigned long long	 total;
	int			 in_memory;     /* moved to memory after a write error */
	int			 too_big;       /* over message_size_limit */
};

/* After a spool write error the message goes on in memory, up to this. */
#define MEMORY_SPOOL_MAX (64ULL << 20)

static void
fault(struct wrapper *w, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	mo_fault_vadd(w->faults, sizeof(w->faults), msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, PROG ": warning: %s\n", msg);
}

/* The caller sets our resource limits (rlimit.h): refused (not accepted:
 * the caller may retry) when a hard limit is too low to do the job whole. */
static void
resource_floor(void)
{
	char why[128];

	if (mo_rlimit_floor(why, sizeof(why)) == 0)
		return;
	syslog(LOG_ERR, "action=tempfail uid=%lu reason=\"%s\"", (unsigned long)getuid(), why);
	errx(EX_TEMPFAIL, "%s: message not accepted", why);
}

/* Installed setgid but running without the group: the kernel ignored the
 * bit (no_new_privs, as systemd's NoNewPrivileges= or setpriv
 * --no-new-privs set it, or a nosuid mount).  Says why, or NULL. */
static const char *
lost_group(void)
{
	struct stat st;

	if (stat("/proc/self/exe", &st) == -1 || !(st.st_mode & S_ISGID) ||
	    st.st_gid == getegid())
		return NULL;
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1)
		return "no_new_privs is set (systemd NoNewPrivileges=, setpriv --no-new-privs)";
	return "the setgid bit is not honoured (a nosuid mount?)";
}

/* Say so every time, loudly, and follow fail: open passes the message
 * stamped (logged to syslog: the log file is the group's), closed refuses
 * it (it cannot be held without the group either). */
static void
warn_lost_group(struct wrapper *w)
{
	if (w->lost_group == NULL)
		return;
	syslog(LOG_CRIT, "running without group %s: %s; limits, hold and the log file "
	    "do not apply (fix: NoNewPrivileges=no for the PHP service; see mailorigin-sendmail(8))",
	    MO_GROUP, w->lost_group);
	w->cfg.log_syslog = 1;
	if (w->cfg.limits.fail_closed) {
		fprintf(stderr, PROG ": running without group %s: %s; fail = closed: "
		    "message not accepted\n", MO_GROUP, w->lost_group);
		exit(EX_TEMPFAIL);
	}
	fault(w, "running without group %s: %s; limits do not apply, passing (fail = open)",
	    MO_GROUP, w->lost_group);
}

/* No syslog socket (no syslog daemon runs here): each syslog() call would
 * try to connect to it again, in vain, and read the time zone first.  Then
 * the mask lets none of our priorities through (LOG_DEBUG is never used),
 * so that those calls cost nothing; glibc would drop their lines anyway.
 * When the socket exists, every priority is let through. */
static void
syslog_probe(void)
{
	if (access(_PATH_LOG, F_OK) == -1 && errno == ENOENT)
		setlogmask(LOG_MASK(LOG_DEBUG));
	else
		setlogmask(LOG_UPTO(LOG_DEBUG));
}

/* Fixed start-up: fds 0-2 open, nothing else inherited, known umask and
 * signals, a constant syslog ident.  w is main's static, zero as the
 * program starts: not cleared again (47 KiB, a dozen fresh pages). */
static void
startup(struct wrapper *w)
{
	mo_std_fds();
	w->caller_umask = umask(007);   /* the state is the group's, never others' */
	signal(SIGPIPE, SIG_IGN);
	openlog("mailorigin", LOG_PID, LOG_MAIL);
	syslog_probe();

	w->statefd = w->logfd = -1;
	w->rgid = getgid();
	w->mo_gid = getegid();
	w->privileged = mo_privileged();
	if (!w->privileged && getuid() != 0)
		w->lost_group = lost_group();
	resource_floor();
}

static void
log_line(struct wrapper *w, int prio, const struct mo_line *l)
{
	if (w->cfg.log_syslog)
		syslog(prio, "%s", l->buf);
	if (w->logfd != -1 && mo_line_write(w->logfd, "mailorigin", l) == -1)
		syslog(LOG_ERR, "fault: log file %s: %m", w->cfg.log_file);
}

static void
load_config(struct wrapper *w)
{
	const char *path;
	char err[512];
	int ignored;

	mo_config_defaults(&w->cfg);
	path = mo_config_path(NULL, &ignored);
	/* installed setgid but running without the group (no_new_privs):
	 * as privileged as ever for what the environment may decide */
	if (w->lost_group != NULL && strcmp(path, MO_CONF_PATH) != 0) {
		path = MO_CONF_PATH;
		ignored = 1;
	}
	if (ignored)
		syslog(LOG_NOTICE, "MAILORIGIN_CONF ignored: running setgid");
	if (mo_config_load(&w->cfg, path, w->privileged || w->lost_group != NULL ? 0 : getuid(),
	    err, sizeof(err)) == -1) {
		mo_config_defaults(&w->cfg);
		if (errno != ENOENT || strcmp(path, MO_CONF_PATH) != 0)
			fault(w, "config %s; using defaults", err);
	}
}

/* Open the log file while privileged.  Only root may create it, so that
 * no caller ever owns it. */
static void
open_log(struct wrapper *w)
{
	const char *f = w->cfg.log_file;

	if (f[0] == '\0')
		return;
	w->logfd = open(f, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (w->logfd == -1 && errno == ENOENT && getuid() == 0)
		w->logfd = open(f, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_NOCTTY | O_CLOEXEC, 0660);
	if (w->logfd == -1)
		fault(w, "log file %s: %s", f, strerror(errno));
}

/* A command line refused for this caller: one line to every log, then
 * exit EX_NOPERM.  what is the caller's word (escaped in the log; on
 * stderr it goes back to the caller that wrote it, escaped too); why is
 * the end of the message, with %lu for the uid. */
static void __attribute__((noreturn))
refuse(struct wrapper *w, const char *key, const char *what, const char *reason,
    const char *why)
{
	char word[128];
	struct mo_line l;

	open_log(w);
	mo_line_init(&l);
	mo_line_kv(&l, "action", "refused");
	mo_line_kvu(&l, "uid", getuid());
	mo_line_kv(&l, key, what != NULL ? what : "");
	mo_line_kv(&l, "reason", reason);
	log_line(w, LOG_WARNING, &l);
	mo_escape(word, sizeof(word), 64, what != NULL ? what : "", what != NULL ? strlen(what) : 0);
	fprintf(stderr, PROG ": %s%s ", strcmp(key, "option") == 0 ? "option " : "", word);
	fprintf(stderr, why, (unsigned long)getuid());
	fputc('\n', stderr);
	exit(EX_NOPERM);
}

/* Drop the group for good; the saved set-group-ID is kept only when
 * keep_saved, so that a failed execve can take it back to hold the
 * message (a successful execve resets the saved ID to the new egid). */
static void
drop_group(struct wrapper *w, int keep_saved)
{
	if (setresgid(w->rgid, w->rgid, keep_saved ? (gid_t)-1 : w->rgid) == -1 ||
	    getegid() != getgid()) {
		syslog(LOG_ERR, "cannot drop group: %m");
		_exit(EX_OSERR);
	}
}

/* The real MTA for a mode that is not a submission (or a command line
 * it will refuse itself): exec'd with the caller's argv, argv[0] as
 * mo_exec_argv0() makes it. */
static void
pass_through(struct wrapper *w, int argc, char *argv[], int with_input)
{
	char path[PATH_MAX], **env, *qread_argv[2] = { path, NULL };
	int fd;

	strlcpy(path, w->cfg.mta_path, sizeof(path));
	if (argc > 0)
		argv[0] = (char *)mo_exec_argv0(argv[0]);
	if (w->cfg.mta_type == MO_MTA_QMAIL) {
		if (w->args.kind != MO_MODE_MAILQ)
			errx(EX_UNAVAILABLE, "%s is not supported with qmail; use qmail's own tools",
			    w->args.mode);
		char *slash = strrchr(path, '/');
		strlcpy(slash + 1, "qmail-qread", sizeof(path) - (size_t)(slash + 1 - path));
		argv = qread_argv;
	}
	if (mo_is_wrapper(path))
		errx(EX_CONFIG, "mta.path %s is this wrapper: fix mailorigin.conf", path);
	/* a command line we did not parse, or a mode that is no submission,
	 * carries no message: another MTA's sendmail (Exim's -bS, OpenSMTPD's
	 * -S) could read one from stdin and queue it unstamped, unlimited */
	if (!with_input && getuid() != 0) {
		if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
		    dup2(fd, STDIN_FILENO) == -1)
			err(EX_OSERR, "/dev/null");
		close(fd);
	}
	drop_group(w, 0);
	if ((env = mo_exec_env(&w->cfg, environ, NULL, getuid())) == NULL)
		errx(EX_OSERR, "out of memory");
	signal(SIGPIPE, SIG_DFL);
	umask(w->caller_umask);
	execve(path, argv, env);
	err(EX_UNAVAILABLE, "cannot run %s", path);
}

/* --- the spool writer --- */

static int
out_flush(struct spool_out *o);

/* A write to the spool file failed (disk full...): move what is written
 * so far into memory and go on there, so that the message still passes. */
static int
out_fail_over(struct spool_out *o, int why)
{
	char buf[CHUNK];
	off_t off = 0;
	ssize_t n;
	int mem;

	if (o->fd >= 0 && (mem = mo_spool_memory()) != -1) {
		fault(o->w, "spool file: %s; spooling in memory", strerror(why));
		while ((n = pread(o->fd, buf, sizeof(buf), off)) > 0) {
			if (write(mem, buf, (size_t)n) != n) {
				close(mem);
				return -1;
			}
			off += n;
		}
		if (n == -1) {
			close(mem);
			return -1;
		}
		close(o->fd);
		o->fd = mem;
		o->in_memory = 1;
		return 0;
	}
	errno = why;
	return -1;
}

static int open_spool(struct wrapper *w);

static int
out_write_fd(struct spool_out *o, const char *p, size_t n)
{
	int failed_over = 0;
	ssize_t k;

	if (o->fd == -1)
		o->fd = open_spool(o->w);

	while (n > 0) {
		if ((k = write(o->fd, p, n)) == -1) {
			if (errno == EINTR)
				continue;
			if (failed_over++ || out_fail_over(o, errno) == -1)
				return -1;
			continue;
		}
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int
out_flush(struct spool_out *o)
{
	int rc = out_write_fd(o, o->buf, o->len);

	o->len = 0;
	return rc;
}

static int
out_sink(void *ctx, const void *p, size_t n)
{
	struct spool_out *o = ctx;
	unsigned long long limit = o->w->cfg.message_size_limit;

	o->total += n;
	if (limit != 0 && o->total > limit) {
		o->too_big = 1;         /* no more is stored: the caller keeps it */
		errno = EFBIG;
		return -1;
	}
	if (o->in_memory && o->total > MEMORY_SPOOL_MAX) {
		errno = EFBIG;          /* memory after a disk error is bounded too */
		return -1;
	}
	if (o->len + n > sizeof(o->buf) && out_flush(o) == -1)
		return -1;
	if (n >= sizeof(o->buf))
		return out_write_fd(o, p, n);
	memcpy(o->buf + o->len, p, n);
	o->len += n;
	return 0;
}

static int
open_spool(struct wrapper *w)
{
	int fd = -1;

	if (w->statefd != -1 && (fd = mo_spool_create(w->statefd)) == -1)
		fault(w, "spool in %s/tmp: %s", w->cfg.state_dir, strerror(errno));
	if (fd == -1 && (fd = mo_spool_memory()) == -1) {
		syslog(LOG_ERR, "cannot spool the message anywhere: %m");
		errx(EX_TEMPFAIL, "cannot spool the message: %s", strerror(errno));
	}
	return fd;
}

/* Look at /proc with the caller's own group: the kernel lets a process
 * read its own family's cwd and exe only when the groups match. */
static void
collect_origin(struct wrapper *w)
{
	if (w->privileged && setegid(w->rgid) == -1)
		fault(w, "setegid: %s", strerror(errno));
	mo_origin_collect(&w->origin, "/proc", getppid(), &w->cfg);
	if (w->privileged && setegid(w->mo_gid) == -1) {
		syslog(LOG_ERR, "cannot take the group back: %m");
		_exit(EX_OSERR);
	}
}

/* Append "PREFIXName: value EOL" to the block; value already escaped.
 * Where the value is in the block, or NULL when it did not fit. */
static const char *
header(char *block, size_t cap, const char *prefix, const char *name, const char *value,
    const char *eol)
{
	size_t n = strlen(block);
	int len = snprintf(block + n, cap - n, "%s%s: %s%s", prefix, name, value, eol);

	return len < 0 || (size_t)len >= cap - n ? NULL :
	    block + n + strlen(prefix) + strlen(name) + 2;
}

/* Our headers, each value escaped and cut; the script's own separators
 * ("; " before source=) escaped in the path, so that it reads one way. */
static void
stamp_headers(struct wrapper *w, char *block, size_t cap, const char *eol)
{
	const struct mo_origin *g = &w->origin;
	const char *p = w->cfg.header_prefix;
	char v[4][MO_HEADER_VALUE_MAX + 8], uid[96], script[MO_HEADER_VALUE_MAX + 64];
	/* in the order of mo_passrec_names, for the milter's check */
	const char **at = w->stamp_val;
	size_t *len = w->stamp_len;

	block[0] = '\0';
	mo_escape(v[0], sizeof(v[0]), MO_HEADER_VALUE_MAX, w->id, strlen(w->id));
	len[0] = strlen(v[0]);
	at[0] = header(block, cap, p, "Id", v[0], eol);
	snprintf(uid, sizeof(uid), "%lu (%s)", (unsigned long)g->uid, g->user);
	mo_escape(v[1], sizeof(v[1]), MO_HEADER_VALUE_MAX, uid, strlen(uid));
	len[1] = strlen(v[1]);
	at[1] = header(block, cap, p, "Uid", v[1], eol);
	mo_escape(v[2], sizeof(v[2]), MO_HEADER_VALUE_MAX, g->cwd, strlen(g->cwd));
	len[2] = strlen(v[2]);
	at[2] = header(block, cap, p, "Cwd", v[2], eol);
	mo_escape_also(v[3], sizeof(v[3]), MO_HEADER_VALUE_MAX - 32, g->script, strlen(g->script), ";");
	snprintf(script, sizeof(script), "%s; source=%s%s", v[3], g->script_src,
	    g->script_claimed ? "; claimed" : "");
	len[3] = strlen(script);
	at[3] = header(block, cap, p, "Script", script, eol);
	mo_escape(v[3], sizeof(v[3]), MO_HEADER_VALUE_MAX, g->vhost, strlen(g->vhost));
	len[4] = strlen(v[3]);
	at[4] = header(block, cap, p, "Vhost", v[3], eol);
}

/* The MTA's input rules for this command line. */
static int
input_rules(const struct wrapper *w)
{
	if (w->cfg.mta_type == MO_MTA_QMAIL)
		return MO_IN_QMAIL_FROM;
	return MO_IN_MBOX_FROM | (w->args.dot_ends ? MO_IN_DOT : 0);
}

static void message_line(struct wrapper *w, struct mo_line *l, const char *action,
    const char *status);
static void log_line(struct wrapper *w, int prio, const struct mo_line *l);

/* Over message_size_limit: refused, logged; nothing more is read. */
static void __attribute__((noreturn))
refuse_size(struct wrapper *w, struct spool_out *o)
{
	struct mo_line l;

	w->size = o->total;
	message_line(w, &l, "reject", "not-run");
	mo_line_kv(&l, "rule", "message_size_limit");
	mo_line_kvu(&l, "limit", w->cfg.message_size_limit);
	log_line(w, LOG_NOTICE, &l);
	errx(EX_DATAERR, "message larger than %llu bytes (message_size_limit): refused",
	    w->cfg.message_size_limit);
}

/* Stream stdin through the input rules and the header filter into the
 * spool; stop at the end of the input or at the line that ends the
 * message for the MTA (what follows is not read, as the MTA reads none of
 * it).  Returns the spool fd (possibly moved to memory), or exits when
 * stdin fails. */
static int
copy_message(struct wrapper *w, struct spool_out *o, struct mo_stamp *st)
{
	static char buf[CHUNK], block[8 * (MO_HEADER_VALUE_MAX + 128)];
	ssize_t n;
	int first = 1, failed = 0;

	mo_stamp_init(st, w->cfg.header_prefix, w->args.extract, out_sink, o);
	for (;;) {
		n = read(0, buf, sizeof(buf));
		if (n == -1 && errno == EINTR)
			continue;
		/* stdin was closed (the loader of a setgid program then opens
		 * it write-only): the message is empty */
		if (n == -1 && errno == EBADF && first)
			n = 0;
		if (n == -1) {
			syslog(LOG_ERR, "id=%s reading the message: %m", w->id);
			errx(EX_IOERR, "reading the message: %s", strerror(errno));
		}
		if (first) {
			const char *eol = mo_stamp_eol(buf, (size_t)n);
			first = 0;
			stamp_headers(w, block, sizeof(block), eol);
			mo_stamp_input_init(st, input_rules(w), block, strlen(block), eol);
		}
		if (n == 0)
			break;
		if (mo_stamp_input(st, buf, (size_t)n) == -1) {
			failed = 1;
			break;
		}
		if (st->ended)
			break;
	}
	if (!failed && mo_stamp_input_finish(st) == -1)
		failed = 1;
	if (!failed && o->fd == -1 && o->len < sizeof(o->buf) && (o->fd = mo_spool_memory()) == -1) {
		syslog(LOG_ERR, "id=%s cannot spool the message anywhere: %m", w->id);
		errx(EX_TEMPFAIL, "cannot spool the message: %s", strerror(errno));
	}
	if (o->too_big)
		refuse_size(w, o);
	if (failed || out_flush(o) == -1) {
		syslog(LOG_ERR, "id=%s cannot write the spool: %m", w->id);
		errx(EX_TEMPFAIL, "cannot write the message to the spool: %s", strerror(errno));
	}
	return o->fd;
}

/* The one log line of a message. */
static void
message_line(struct wrapper *w, struct mo_line *l, const char *action, const char *status)
{
	const struct mo_origin *g = &w->origin;
	char xphp[MO_XPHP_MAX + 1], msgid[MO_MSGID_MAX + 1];
	size_t n;

	/* the short fields and what the report attributes by first, the
	 * long forensic ones last: a full line leaves those out (see
	 * mo_line_kv_long), never the decision the caller adds after */
	mo_line_init(l);
	mo_line_kv(l, "id", w->id);
	mo_line_kv(l, "action", action);
	mo_line_kvu(l, "uid", g->uid);
	mo_line_kv(l, "user", g->user);
	mo_line_kv_long(l, "vhost", g->vhost);
	mo_line_kv_long(l, "script", g->script);
	mo_line_kv(l, "script_src", g->script_src);
	mo_line_kvu(l, "claimed", (unsigned)g->script_claimed);
	mo_line_kv(l, "sapi", mo_sapi_name(g->sapi));
	mo_line_kvu(l, "php_pid", (unsigned long long)g->php_pid);
	mo_line_kv_long(l, "from", w->args.sender);
	mo_line_kvu(l, "rcpts", w->args.argv_rcpts + w->st.header_rcpts);
	mo_line_kvu(l, "size", w->size);
	mo_line_kvu(l, "forged", w->st.forged);
	/* what Postfix's cleanup logs as message-id=: mailoriginctl report
	 * joins the two logs by it */
	if (mo_stamp_msgid(&w->st, msgid, sizeof(msgid)) > 0)
		mo_line_kv_long(l, "msgid", msgid);
	mo_line_kv(l, "mta_status", status);
	if (w->args.kind == MO_MODE_USER || bs_report != -1)
		mo_line_kv(l, "path", "bs");
	if (w->faults[0])
		mo_line_kv_long(l, "fault", w->faults);
	mo_line_kv_long(l, "cwd", g->cwd);
	mo_line_kv_long(l, "php_exe", g->php_exe);
	mo_line_kv_long(l, "php_cmdline", g->php_cmdline);
	mo_line_kv_long(l, "pool", g->pool);
	/* PHP's own header: " 1000:send.php\r\n" -> "1000:send.php" */
	n = strlcpy(xphp, w->st.xphp, sizeof(xphp));
	while (n > 0 && (xphp[n - 1] == '\n' || xphp[n - 1] == '\r' || xphp[n - 1] == ' '))
		xphp[--n] = '\0';
	if (n > 0)
		mo_line_kv_long(l, "x_php_script", xphp + strspn(xphp, " \t"));
	mo_line_kv_long(l, "mta", w->cfg.mta_path);
	mo_line_kv_long(l, "chain", g->chain);
}

/* Would one more held message put the caller over its hold quota?  -1
 * with EDQUOT then (the caller is told to retry and keeps the message). */
static int
hold_quota_full(struct wrapper *w, int msgfd)
{
	unsigned long long msgs, bytes;
	struct stat st;

	if (w->cfg.hold_max_messages == 0 && w->cfg.hold_max_bytes == 0)
		return 0;
	if (mo_hold_usage(w->statefd, geteuid(), &msgs, &bytes) == -1)
		return -1;
	if (fstat(msgfd, &st) == 0)
		bytes += (unsigned long long)st.st_size;
	if ((w->cfg.hold_max_messages != 0 && msgs + 1 > w->cfg.hold_max_messages) ||
	    (w->cfg.hold_max_bytes != 0 && bytes > w->cfg.hold_max_bytes)) {
		fault(w, "hold quota of uid %lu reached (%llu messages, %llu bytes held; "
		    "hold_max_messages %llu, hold_max_bytes %llu)", (unsigned long)getuid(), msgs,
		    bytes, w->cfg.hold_max_messages, w->cfg.hold_max_bytes);
		errno = EDQUOT;
		return -1;
	}
	return 0;
}

/* Keep the message in the hold spool with its metadata and line l. */
static int
hold(struct wrapper *w, int msgfd, const char *reason, const struct mo_line *l,
    int argc, char *argv[])
{
	size_t n;
	char *meta;
	int rc, saved;

	if (w->statefd == -1) {
		errno = ENOENT;
		return -1;
	}
	if (hold_quota_full(w, msgfd) == -1)
		return -1;
	if ((meta = mo_holdmeta_format((long long)mo_time(), reason, w->rgid, l->buf, argc,
	    argv, &n)) == NULL)
		return -1;
	rc = mo_hold(w->statefd, msgfd, w->id, meta, n);
	saved = errno;
	free(meta);
	errno = saved;
	return rc;
}

/* The real MTA cannot run: keep the message, tell the caller. */
static void __attribute__((noreturn))
hold_and_exit(struct wrapper *w, int msgfd, const char *why, int argc, char *argv[])
{
	struct mo_line l;

	message_line(w, &l, "hold", why);
	if (hold(w, msgfd, "mta-unavailable", &l, argc, argv) == -1) {
		message_line(w, &l, "tempfail", why);
		mo_line_kv(&l, "hold_error", strerror(errno));
		log_line(w, LOG_ERR, &l);
		report(REPORT_TEMPFAIL);
		errx(EX_TEMPFAIL, "cannot run %s (%s) and cannot hold the message: not accepted",
		    w->cfg.mta_path, why);
	}
	log_line(w, LOG_ERR, &l);
	report(REPORT_HOLD);
	errx(EX_UNAVAILABLE, "cannot run %s (%s); message %s held", w->cfg.mta_path, why, w->id);
}


static void
check_limits(struct wrapper *w, struct mo_decision *d)
{
	const struct mo_limits *lim = &w->cfg.limits;
	struct mo_sender s = { .uid = w->origin.uid, .user = w->origin.user, .vhost = w->origin.vhost };
	char msg[512];

	/* the caller sets our limits and may stop a wrapper holding the
	 * store's lock: what it can bring about holds, whatever fail says */
	if (mo_decide_fail(lim, w->statefd, geteuid() == 0, &s, w->args.argv_rcpts +
	    w->st.header_rcpts, 1, d, msg, sizeof(msg)) == 0) {
		w->charged = 1;
		/* uid, user and all are the milter's keys too; a vhost only
		 * when it is the user's (the milter's for local mail), not one
		 * the claimed cwd named (passrec.h) */
		w->kinds = d->charged & (MO_KIND(MO_MATCH_UID) | MO_KIND(MO_MATCH_USER) |
		    MO_KIND(MO_MATCH_ALL));
		if ((d->charged & MO_KIND(MO_MATCH_VHOST)) && strcmp(s.vhost, s.user) == 0)
			w->kinds |= MO_KIND(MO_MATCH_VHOST);
	}
	if (msg[0] != '\0')
		fault(w, "%s", msg);
}

/* Over a limit: hold, tempfail or reject, as on_limit says (decide.h). */
struct over {
	struct wrapper	*w;
	int		 msgfd, argc;
	char		**argv;
};

static void
over_line(void *ctx, struct mo_line *l, const char *action)
{
	message_line(((struct over *)ctx)->w, l, action, "not-run");
}

static int
over_hold(void *ctx, const struct mo_line *l, const char **why)
{
	struct over *o = ctx;

	if (hold(o->w, o->msgfd, "limit", l, o->argc, o->argv) == 0)
		return 0;
	*why = strerror(errno);
	return -1;
}

static void
over_log(void *ctx, int prio, const struct mo_line *l)
{
	log_line(((struct over *)ctx)->w, prio, l);
}

static void __attribute__((noreturn))
enforce(struct wrapper *w, const struct mo_decision *d, int msgfd, int argc, char *argv[])
{
	static const struct mo_over_ops ops = { over_line, over_hold, over_log };
	struct over o = { w, msgfd, argc, argv };

	switch (mo_over_limit(d, w->cfg.limits.on_limit, &ops, &o)) {
	case MO_OVER_HELD:
		report(REPORT_HOLD);
		exit(EX_OK);
	case MO_OVER_NOT_HELD:
		errx(EX_TEMPFAIL, "limit %s %s reached and the message cannot be held: not accepted",
		    d->rule, d->window);
	case MO_OVER_TEMPFAIL:
		report(REPORT_TEMPFAIL);
		errx(EX_TEMPFAIL, "limit %s %s reached: try again later", d->rule, d->window);
	default:
		report(REPORT_REJECT);
		errx(EX_NOPERM, "limit %s %s reached: message refused", d->rule, d->window);
	}
}

/* With non_smtpd_milters the message meets mailorigin-milter again, from
 * Postfix's pickup: tell it that this one is counted (passrec.h), so that
 * it keeps our stamps and does not charge the uid again.  Only what the
 * limits counted is recorded, with the kinds of rule charged under the
 * milter's keys: it charges the others.  A failure costs a second charge, never the
 * message. */
static void
record_pass(struct wrapper *w)
{
	unsigned char dig[MO_PASSREC_DIGEST];
	int fd, i;

	if (!w->charged || w->statefd == -1 || w->cfg.mta_type != MO_MTA_POSTFIX)
		return;
	for (i = 0; i < MO_PASSREC_NSTAMPS; i++)
		if (w->stamp_val[i] == NULL)
			return;
	/* no table (no milter made it): nothing to say, and no digest made */
	if ((fd = mo_passrec_open(w->statefd)) == -1) {
		if (errno != ENOENT)
			goto fail;
		return;
	}
	mo_passrec_digest_n(w->stamp_val, w->stamp_len, dig);
	if (mo_passrec_put_fd(fd, w->id, getuid(), w->args.argv_rcpts + w->st.header_rcpts,
	    dig, w->kinds, mo_time()) == -1) {
		close(fd);
		goto fail;
	}
	close(fd);
	return;
fail:
	fault(w, "pass record %s/%s: %s; a milter counts this message again",
	    w->cfg.state_dir, MO_PASSREC_NAME, strerror(errno));
}

static void __attribute__((noreturn))
hand_over(struct wrapper *w, int msgfd, int argc, char *argv[])
{
	struct mo_exec x;
	struct mo_line l;
	int saved;

	if (lseek(msgfd, 0, SEEK_SET) == -1 || (msgfd != 0 && dup2(msgfd, 0) == -1))
		errx(EX_OSERR, "cannot rewind the spool: %s", strerror(errno));
	if (mo_is_wrapper(w->cfg.mta_path))
		hold_and_exit(w, 0, "mta.path is this wrapper", argc, argv);
	/* access() asks with the real ids: can the caller run it? */
	if (access(w->cfg.mta_path, X_OK) == -1)
		hold_and_exit(w, 0, strerror(errno), argc, argv);

	if (mo_exec_build(&x, &w->cfg, &w->args, argc, argv, environ, getuid()) == -1)
		errx(EX_TEMPFAIL, "out of memory");

	record_pass(w);
	message_line(w, &l, "pass", "exec");
	log_line(w, LOG_INFO, &l);
	drop_group(w, 1);
	report(REPORT_PASS);
	signal(SIGPIPE, SIG_DFL);
	umask(w->caller_umask);
	execve(w->cfg.mta_path, x.argv, x.envp);
	saved = errno;
	signal(SIGPIPE, SIG_IGN);
	umask(007);
	if (w->privileged && setegid(w->mo_gid) == -1)
		_exit(EX_OSERR);
	hold_and_exit(w, 0, strerror(saved), argc, argv);
}

/* The one spool writer of this process (a -bs transaction's child has
 * its own copy): static, so that its buffer costs a page only where a
 * message is written into it, not a cleared 64 KiB. */
static struct spool_out *
new_spool_out(struct wrapper *w)
{
	static struct spool_out out;
	struct spool_out *o = &out;

	o->w = w;
	o->fd = -1;
	o->len = 0;
	o->total = 0;
	o->in_memory = o->too_big = 0;
	return o;
}

/* One message from stdin: stamped, limited, logged, handed over. */
static void __attribute__((noreturn))
submit(struct wrapper *w, struct spool_out *o, int argc, char *argv[])
{
	struct mo_decision d;
	int fd;

	fd = copy_message(w, o, &w->st);
	w->size = o->total;
	check_limits(w, &d);
	if (d.over)
		enforce(w, &d, fd, argc, argv);
	hand_over(w, fd, argc, argv);
}

/* --- sendmail -bs: each transaction a submission, in a child --- */

struct bs {
	struct wrapper	*w;
	int		 argc;
	char		**argv;
};

static int
bs_spool(void *ctx)
{
	struct bs *b = ctx;
	int fd = -1;

	if (b->w->statefd != -1)
		fd = mo_spool_create(b->w->statefd);
	return fd != -1 ? fd : mo_spool_memory();
}

/* The child: the transaction's message on fd 0, nothing on fd 1 (the
 * SMTP stream is the session's), then the path of every submission with
 * the argv `sendmail -i -f SENDER -- RECIPIENTS`. */
static void __attribute__((noreturn))
bs_child(struct wrapper *w, const struct mo_smtpd_txn *t, int argc, char *argv[])
{
	int ac, null;
	char **av;

	if ((av = mo_smtpd_argv(argc, argv, t, &ac)) == NULL)
		errx(EX_TEMPFAIL, "out of memory");
	if (mo_args_classify(ac, av, &w->args) == -1)
		errx(EX_SOFTWARE, "the transaction's command line: %s", w->args.error);
	if (lseek(t->fd, 0, SEEK_SET) == -1 || dup2(t->fd, 0) == -1 ||
	    (null = open("/dev/null", O_WRONLY)) == -1 || dup2(null, 1) == -1)
		errx(EX_OSERR, "cannot set up the transaction's fds: %s", strerror(errno));
	close(null);
	close(t->fd);
	submit(w, new_spool_out(w), ac, av);
}

/* What the client hears at the end of DATA, from the child's report and
 * exit status. */
static void
bs_reply(const char *id, char last, int status, char *r, size_t len)
{
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

	if (last == REPORT_HOLD || (last == REPORT_PASS && code == EX_OK))
		snprintf(r, len, "250 2.0.0 Ok: queued as %s", id);
	else if (last == REPORT_TEMPFAIL)
		snprintf(r, len, "451 4.7.1 %s: sending limit reached, try again later", id);
	else if (last == REPORT_REJECT)
		snprintf(r, len, "550 5.7.1 %s: sending limit reached, message refused", id);
	else if (last == REPORT_PASS && code != EX_TEMPFAIL && code != -1)
		snprintf(r, len, "554 5.3.0 %s: the mail system refused the message (exit %d)",
		    id, code);
	else if (last == REPORT_PASS)
		snprintf(r, len, "451 4.3.0 %s: the mail system failed temporarily, try again later",
		    id);
	else if (code == EX_DATAERR)    /* over message_size_limit with our headers */
		snprintf(r, len, "552 5.3.4 %s: message size exceeds fixed limit", id);
	else
		snprintf(r, len, "451 4.3.0 %s: local error, message not accepted, try again later",
		    id);
}

static void
bs_submit(void *ctx, const struct mo_smtpd_txn *t, char *reply, size_t len)
{
	struct bs *b = ctx;
	struct wrapper *w = b->w;
	char c, last = 0;
	int p[2], status = 0;
	ssize_t n;
	pid_t pid;

	mo_new_id(w->id);
	fflush(stdout);
	fflush(stderr);
	if (pipe2(p, O_CLOEXEC) == -1 || (pid = fork()) == -1) {
		snprintf(reply, len, "451 4.3.0 Error: cannot start the hand-over: %s",
		    strerror(errno));
		return;
	}
	if (pid == 0) {
		close(p[0]);
		bs_report = p[1];
		syslog_probe();         /* a session is long: a daemon may have come or gone */
		bs_child(w, t, b->argc, b->argv);
	}
	close(p[1]);
	while ((n = read(p[0], &c, 1)) != 0)
		if (n == 1)
			last = c;
		else if (errno != EINTR)
			break;
	close(p[0]);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			status = -1;
			break;
		}
	bs_reply(w->id, last, status, reply, len);
}

/* sendmail -bs: SMTP on stdin and stdout, as the caller, for any caller.
 * The origin is the session's (collected once: the children's parent is
 * this process). */
static void __attribute__((noreturn))
bs_session(struct wrapper *w, int argc, char *argv[])
{
	struct bs b = { w, argc, argv };
	char host[256];
	struct mo_smtpd s = {
		.in = 0, .out = stdout, .hostname = host,
		.size_max = w->cfg.message_size_limit != 0 ? w->cfg.message_size_limit :
		    MO_SMTPD_SIZE_MAX, .timeout = 300,
		.spool = bs_spool, .submit = bs_submit, .ctx = &b,
	};
	enum mo_smtpd_end end;

	if (gethostname(host, sizeof(host)) == -1 || host[0] == '\0')
		strlcpy(host, "localhost", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	host[strcspn(host, " \r\n")] = '\0';
	end = mo_smtpd_serve(&s);
	if (end == MO_SMTPD_LOST)
		syslog(LOG_NOTICE, "uid=%lu -bs: the client went away in DATA; that message was "
		    "not submitted", (unsigned long)getuid());
	exit(end == MO_SMTPD_QUIT || end == MO_SMTPD_EOF ? EX_OK :
	    end == MO_SMTPD_TIMEOUT ? EX_TEMPFAIL : EX_PROTOCOL);
}

int
main(int argc, char *argv[])
{
	static struct wrapper w;
	struct spool_out *o;
	int usage;

	startup(&w);
	/* --help is ours; -h is sendmail's hop count */
	if (argc > 1 && strcmp(argv[1], "--help") == 0) {
		fputs(mo_sendmail_usage, stdout);
		return EX_OK;
	}
	load_config(&w);
	/* a swap by mailorigin-install: the record says where the real MTA is
	 * meanwhile; once the window is over, be the real MTA until the
	 * revert is finished */
	if (mo_install_apply(&w.cfg, mo_time()) == MO_INSTALL_EXPIRED)
		pass_through(&w, argc, argv, 1);
	usage = mo_args_classify(argc, argv, &w.args) == -1;
	if (w.args.file_option != NULL && getuid() != 0)
		refuse(&w, "option", w.args.file_option, "names-a-file",
		    "names a file or directory and is refused for uid %lu (root only)");
	if (w.args.bypass && getuid() != 0)
		refuse(&w, "mode", w.args.mode, "bypasses-the-wrapper",
		    "would submit mail that mailorigin cannot stamp or count; refused for uid %lu "
		    "(root only): submit the message on standard input (-t)");
	if (usage) {
		/* Postfix refuses it itself, with its own words and status
		 * (and reads no message); qmail has no such front end */
		if (w.cfg.mta_type != MO_MTA_QMAIL)
			pass_through(&w, argc, argv, 0);
		fprintf(stderr, PROG ": %s\n%s", w.args.error, mo_sendmail_usage);
		return EX_USAGE;
	}
	if (!w.args.submission && w.args.kind != MO_MODE_USER)
		pass_through(&w, argc, argv, 0);

	warn_lost_group(&w);
	open_log(&w);
	mo_new_id(w.id);
	o = new_spool_out(&w);
	if ((w.statefd = mo_state_open(w.cfg.state_dir, geteuid() == 0)) == -1)
		fault(&w, "state dir %s: %s", w.cfg.state_dir, strerror(errno));
	collect_origin(&w);
	if (w.args.kind == MO_MODE_USER)
		bs_session(&w, argc, argv);
	submit(&w, o, argc, argv);
}
