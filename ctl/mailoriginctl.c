/*
 * mailoriginctl - the administrator's verbs over mailorigin's state:
 * held mail (list, show, release, delete), limit usage (show, reset) and
 * the report of who sent.
 * Each command word is one entry of the table `verbs` (verb.h).
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

#include "ctl.h"
#include "hold.h"
#include "hygiene.h"
#include "limits_verbs.h"
#include "verb.h"

static int
report_verb(struct ctl *c, const struct ctl_verb *v, int argc, char *argv[])
{
	(void)v;
	return ctl_report(c, argc, argv);
}

/* listings need no state dir; actions journal there (ctl_queue checks) */
static int
queue_verb(struct ctl *c, const struct ctl_verb *v, int argc, char *argv[])
{
	(void)v;
	c->statefd = open(c->cfg.state_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	return ctl_queue(c, argc, argv);
}

/* The command words: one entry each (a group of verbs is one entry).  At
 * this level opts says what the command needs: CTL_NO_STATE, the config
 * but not the state dir. */
static const struct ctl_verb verbs[] = {
	{ "hold", NULL, NULL, 0, ctl_hold_verbs },
	{ "limits", NULL, NULL, 0, ctl_limits_verbs },
	{ "report", report_verb,
	  "  report [--since T] [--until T] [--by KEY]... [--limit N] [--json] [FILE...]\n"
	  "                                             who sent: the wrapper's and the MTA's logs\n",
	  CTL_NO_STATE, NULL },
	{ "queue", queue_verb,
	  "  queue summary|top|list|show|hold|release|requeue|delete|export ...\n"
	  "                                             the MTA's queue (mailoriginctl queue --help)\n",
	  CTL_NO_STATE, NULL },
	{ NULL, NULL, NULL, 0, NULL }
};

static void
usage(FILE *f)
{
	fputs("usage: mailoriginctl [-c FILE] COMMAND\n", f);
	ctl_verb_usage(f, verbs);
	fputs("options:\n"
	    "  -c FILE   the config file (default " MO_CONF_PATH ", or $MAILORIGIN_CONF)\n"
	    "  --help    this text\n"
	    "Root only.  Exit status: 0, or a sysexits code (see mailoriginctl(8)).\n", f);
}

static void
startup(void)
{
	mo_std_fds();
	umask(077);
	signal(SIGPIPE, SIG_IGN);
	openlog("mailorigin", LOG_PID, LOG_MAIL);
}

static void
load_config(struct ctl *c, const char *path, int with_state)
{
	char err[512];

	path = mo_config_path(path, NULL);
	c->conf_path = path;
	mo_config_defaults(&c->cfg);
	if (mo_config_load(&c->cfg, path, 0, err, sizeof(err)) == -1) {
		/* no config at the default place: the defaults, as the wrapper does */
		if (errno == ENOENT && strcmp(path, MO_CONF_PATH) == 0)
			mo_config_defaults(&c->cfg);
		else
			errx(EX_CONFIG, "config %s", err);
	}
	if (!with_state)
		return;         /* reads logs only */
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
		case 'h': usage(stdout); return EX_OK;
		default: usage(stderr); return EX_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return EX_OK;
	}
	if (argc == 0) {
		warnx("no command");
		usage(stderr);
		return EX_USAGE;
	}
	if (ctl_verb_find(verbs, argv[0]) == NULL) {
		warnx("%s: unknown command", argv[0]);
		usage(stderr);
		return EX_USAGE;
	}
	if (getuid() != 0 || geteuid() != 0)
		errx(EX_NOPERM, "must be run as root (held mail and limits belong to every user)");
	load_config(&c, conf, !(ctl_verb_find(verbs, argv[0])->opts & CTL_NO_STATE));
	rc = ctl_verb_run(&c, verbs, NULL, argc, argv);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		if (errno != EPIPE)
			warnx("standard output: %s", strerror(errno));
		return rc ? rc : EX_IOERR;
	}
	mo_config_free(&c.cfg);
	if (c.statefd != -1)
		close(c.statefd);
	return rc;
}
