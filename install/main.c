/*
 * mailorigin-install - swap the mailorigin wrapper in for sendmail, for a
 * time window, and put everything back.
 *
 *	mailorigin-install [--root DIR] swap [--mode system|qmail|php|milter] [--for DURATION]
 *	mailorigin-install [--root DIR] revert [--expired]
 *	mailorigin-install [--root DIR] status [--json]
 *
 * Root only.  See mailorigin-install(8) and cmd.c for the sequence.
 */
#include <bsd/string.h>
#include <bsd/unistd.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "hygiene.h"
#include "install.h"

static const char usage[] =
    "usage: " PROG " [--root DIR] [--wrapper PATH] [--timer auto|systemd|at|none] [-qv]\n"
    "           swap [--mode system|qmail|php|milter] [--milter ADDRESS] [--for DURATION]\n"
    "       " PROG " [--root DIR] revert [--expired]\n"
    "       " PROG " [--root DIR] status [--json]\n"
    "DURATION: 90s, 30m, 1h, 1h30m, 2d (at most 30 days)\n";

static void
startup(void)
{
	mo_std_fds();
	umask(022);
	signal(SIGPIPE, SIG_IGN);
}

int
main(int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'R' },
		{ "wrapper", required_argument, NULL, 'W' },
		{ "timer", required_argument, NULL, 'T' },
		{ "mode", required_argument, NULL, 'm' },
		{ "for", required_argument, NULL, 'f' },
		{ "milter", required_argument, NULL, 'M' },
		{ "expired", no_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	static struct ctx c;
	enum mo_swap_mode mode = MO_SWAP_SYSTEM;
	const char *cmd, *why;
	long long window = 0;
	int ch, expired = 0, mode_set = 0;

	startup();
	strlcpy(c.root, "/", sizeof(c.root));
	strlcpy(c.wrapper, MO_SBINDIR "/mailorigin-sendmail", sizeof(c.wrapper));
	c.timer = "auto";
	while ((ch = getopt_long(argc, argv, "qvh", opts, NULL)) != -1) {
		switch (ch) {
		case 'R':
			if (strlcpy(c.root, optarg, sizeof(c.root)) >= sizeof(c.root))
				errx(EX_USAGE, "--root: too long");
			break;
		case 'W':
			if (optarg[0] != '/' || strlcpy(c.wrapper, optarg, sizeof(c.wrapper)) >= sizeof(c.wrapper))
				errx(EX_USAGE, "--wrapper needs an absolute path (as seen inside --root)");
			break;
		case 'T':
			if (strcmp(optarg, "auto") && strcmp(optarg, "systemd") && strcmp(optarg, "at") &&
			    strcmp(optarg, "none"))
				errx(EX_USAGE, "--timer %s: use auto, systemd, at or none", optarg);
			c.timer = optarg;
			break;
		case 'm':
			if (mo_swap_mode_parse(optarg, &mode) == -1)
				errx(EX_USAGE, "--mode %s: use system, qmail, php or milter", optarg);
			mode_set = 1;
			break;
		case 'f':
			if ((window = parse_duration(optarg, &why)) == -1)
				errx(EX_USAGE, "--for %s: %s", optarg, why);
			break;
		case 'M': c.milter = optarg; break;
		case 'e': expired = 1; break;
		case 'j': c.json = 1; break;
		case 'q': c.quiet = 1; break;
		case 'v': c.verbose = 1; break;
		case 'h': fputs(usage, stdout); return EX_OK;
		default: fputs(usage, stderr); return EX_USAGE;
		}
	}
	if (optind != argc - 1) {
		fputs(usage, stderr);
		return EX_USAGE;
	}
	cmd = argv[optind];
	if (c.milter != NULL && mode != MO_SWAP_MILTER)
		errx(EX_USAGE, "--milter belongs to swap --mode milter\n%s", usage);
	if ((strcmp(cmd, "swap") != 0 && (mode_set || window)) ||
	    (strcmp(cmd, "revert") != 0 && expired) || (strcmp(cmd, "status") != 0 && c.json))
		errx(EX_USAGE, "an option does not belong to \"%s\"\n%s", cmd, usage);
	if (strcmp(cmd, "swap") && strcmp(cmd, "revert") && strcmp(cmd, "status"))
		errx(EX_USAGE, "unknown command \"%s\"\n%s", cmd, usage);
	if (getuid() != 0 || geteuid() != 0)
		errx(EX_NOPERM, "must be run as root");
#ifdef MO_TEST_HOOKS
	/* the tests' build only (build/tests/mailorigin-install-hooks): a power
	 * cut after step N.  What `make install` ships never reads it. */
	{
		const char *crash = getenv("MAILORIGIN_INSTALL_CRASH_AT");
		if (crash != NULL)
			c.crash_at = strtol(crash, NULL, 10);
	}
#endif

	ctx_open(&c);
	c.now = time(NULL);
	if (strcmp(cmd, "swap") == 0)
		return cmd_swap(&c, mode, window);
	if (strcmp(cmd, "revert") == 0)
		return cmd_revert(&c, expired);
	return cmd_status(&c);
}
