/*
 * mailoriginctl - the administrator's verbs over mailorigin's state:
 * held mail (list, show, release, delete) and limit usage (show, reset).
 *
 * Root only.  Reads mailorigin.conf (root-owned, checked on the open fd)
 * for the state dir and the real MTA; opens the state dir without
 * creating anything in it, so that it never changes the modes the
 * wrapper's group relies on.  A release runs the real MTA as the held
 * message's own uid and gid (see hold.c).
 */
#include <sys/stat.h>

#include <bsd/string.h>
#include <bsd/unistd.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "hygiene.h"
#include "ctl.h"
#include "escape.h"

const char ctl_usage[] =
"usage: mailoriginctl [-c FILE] COMMAND\n"
"  hold list [--uid N] [--vhost V] [--json]   held messages, oldest first\n"
"  hold show ID [--json]                      one held message: meta and headers\n"
"  hold release ID...|--uid N|--all [--timeout S]\n"
"                                             send to the real MTA as the original uid\n"
"  hold delete ID...|--uid N|--all            remove from the hold spool\n"
"  hold clean                                 remove stale tmp/ entries (over 1 h old)\n"
"  limits show [KEY] [--all] [--json]         limit cells in use: usage, when they free up\n"
"  limits reset KEY                           forget the counters of KEY (uid:33, vhost:x, all)\n"
"  report [--since T] [--until T] [--by KEY]... [--limit N] [--json] [FILE...]\n"
"                                             who sent: the wrapper's and the MTA's logs\n"
"options:\n"
"  -c FILE   the config file (default " MO_CONF_PATH ", or $MAILORIGIN_CONF)\n"
"  --help    this text\n"
"Root only.  Exit status: 0, or a sysexits code (see mailoriginctl(8)).\n";

void
ctl_fail(struct ctl *c, int rc, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("mailoriginctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c->rc == 0)
		c->rc = rc;
}

void
ctl_log(struct ctl *c, int prio, const struct mo_line *l)
{
	int fd;

	if (c->cfg.log_syslog)
		syslog(prio, "%s", l->buf);
	if (c->cfg.log_file[0] == '\0')
		return;
	/* never create it: the wrapper's install makes it, with its group */
	fd = open(c->cfg.log_file, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd == -1 || mo_line_write(fd, "mailoriginctl", l) == -1)
		syslog(LOG_ERR, "fault: log file %s: %m", c->cfg.log_file);
	if (fd != -1)
		close(fd);
}

static void
startup(void)
{
	mo_std_fds();
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	openlog("mailorigin", LOG_PID, LOG_MAIL);
}

/* The config alone (report reads logs, not the state dir). */
static void
load_config_only(struct ctl *c, const char *path)
{
	const char *env = getenv("MAILORIGIN_CONF");
	char err[512];

	if (path == NULL)
		path = env != NULL && env[0] != '\0' ? env : MO_CONF_PATH;
	c->conf_path = path;
	mo_config_defaults(&c->cfg);
	if (mo_config_load(&c->cfg, path, 0, err, sizeof(err)) == -1) {
		/* no config at the default place: the defaults, as the wrapper does */
		if (errno == ENOENT && strcmp(path, MO_CONF_PATH) == 0)
			mo_config_defaults(&c->cfg);
		else
			errx(EX_CONFIG, "config %s", err);
	}
}

static void
load_config(struct ctl *c, const char *path)
{
	load_config_only(c, path);
	c->statefd = open(c->cfg.state_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c->statefd == -1)
		errx(errno == ENOENT ? EX_OSFILE : EX_IOERR, "state dir %s: %s", c->cfg.state_dir,
		    strerror(errno));
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "config", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 }
	};
	const char *conf = NULL;
	struct ctl c;
	int ch, rc;

	startup();
	memset(&c, 0, sizeof(c));
	c.statefd = -1;
	c.mta_timeout = CTL_MTA_TIMEOUT;
	while ((ch = getopt_long(argc, argv, "+c:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': conf = optarg; break;
		case 'h': fputs(ctl_usage, stdout); return EX_OK;
		default: fputs(ctl_usage, stderr); return EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		fputs(ctl_usage, stdout);
		return EX_OK;
	}
	if (argc == 0)
		errx(EX_USAGE, "no command\n%s", ctl_usage);
	if (strcmp(argv[0], "hold") != 0 && strcmp(argv[0], "limits") != 0 &&
	    strcmp(argv[0], "report") != 0)
		errx(EX_USAGE, "%s: unknown command\n%s", argv[0], ctl_usage);
	if (getuid() != 0 || geteuid() != 0)
		errx(EX_NOPERM, "must be run as root (held mail and limits belong to every user)");
	if (strcmp(argv[0], "report") == 0) {
		/* reads logs only: no state dir needed */
		load_config_only(&c, conf);
		rc = ctl_report(&c, argc, argv);
		if (fflush(stdout) == EOF || ferror(stdout))
			return rc ? rc : EX_IOERR;
		mo_config_free(&c.cfg);
		return rc;
	}
	load_config(&c, conf);
	rc = strcmp(argv[0], "hold") == 0 ? ctl_hold(&c, argc, argv) : ctl_limits(&c, argc, argv);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (errno != EPIPE)
			warnx("standard output: %s", strerror(errno));
		return rc ? rc : EX_IOERR;
	}
	mo_config_free(&c.cfg);
	close(c.statefd);
	return rc;
}
