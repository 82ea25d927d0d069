/* options: the sendmail option table, read without changing argv. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "options.h"
#include "rcpt.h"

/* Postfix's sendmail option string. */
const char mo_sendmail_optstring[] = "A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:r:q:tvx";

const char mo_sendmail_usage[] =
    "usage: mailorigin-sendmail [-Gimntvx] [-B type] [-F name] [-f sender]\n"
    "           [-h hops] [-N dsn] [-R ret] [-r sender] [-V envid] [-o opt] [-p proto]\n"
    "           [-t] [--] [recipient ...]\n"
    "       mailorigin-sendmail -bp | -bi | -I | -q[interval]   (-bd: root only)\n"
    "       mailorigin-sendmail -bs [-i] [-F name] ...   (SMTP on standard input)\n"
    "A drop-in sendmail: stamps the message with its origin, logs it and hands\n"
    "it to the real MTA named in mailorigin.conf.  See mailorigin-sendmail(8).\n";

static const char *
base_name(const char *s)
{
	const char *p = strrchr(s, '/');

	return p != NULL ? p + 1 : s;
}

static void
set_mode(struct mo_args *a, enum mo_mode m, const char *word)
{
	a->kind = m;
	a->mode = m == MO_MODE_ENQUEUE ? NULL : word;
}

/* Handle option c with argument arg (NULL when it takes none).
 * Returns -1 on what Postfix would refuse as a usage error. */
static int
take(struct mo_args *a, char c, const char *arg, const char *word)
{
	switch (c) {
	case 'b':
		switch (arg[0]) {
		case 'd': set_mode(a, MO_MODE_DAEMON, word); break;
		case 'h': case 'H': set_mode(a, MO_MODE_IGNORE, word); break;
		case 'i': set_mode(a, MO_MODE_NEWALIAS, word); break;
		case 'm': set_mode(a, MO_MODE_ENQUEUE, word); break;
		case 'p': set_mode(a, MO_MODE_MAILQ, word); break;
		case 's': set_mode(a, MO_MODE_USER, word); break;
		case 'v': break;        /* verify: still a message enqueued */
		default:
			snprintf(a->error, sizeof(a->error), "unsupported: -b%c", arg[0]);
			return -1;
		}
		break;
	case 'I':
		set_mode(a, MO_MODE_NEWALIAS, "-I");
		break;
	case 'q':       /* -q<time>, -qR<site>, -qI<id>: no message is read */
		if (!(arg[0] >= '0' && arg[0] <= '9') && arg[0] != 'R' && arg[0] != 'I') {
			snprintf(a->error, sizeof(a->error), "-q%c is not implemented", arg[0]);
			return -1;
		}
		a->queue_action = word;
		break;
	case 'i':
		a->dot_ends = 0;
		break;
	case 'o':               /* -oi, and -oi<anything>: Postfix reads one letter */
		if (arg[0] == 'i')
			a->dot_ends = 0;
		break;
	case 'f':
	case 'r':
		a->sender = arg;
		break;
	case 'F':
		a->fullname = arg;
		break;
	case 't':
		a->extract = 1;
		break;
	}
	return 0;
}

/* --- options naming a file, as any parser may read them --- */

/* Letters that take an argument in every parser the MTA may run (Postfix's
 * two parses, Sendmail's getopt), and letters that take one in some only
 * (Sendmail's -D -d -M -Q -T; "-V xy" in Postfix's main parse).  A lone
 * "-q" takes none in Postfix, maybe one elsewhere. */
static const char arg_always[] = "ABCFLNORXbefhopqr";
static const char arg_maybe[] = "DdMQTV";
/* -o letters (Sendmail's short options) that name a file or directory */
static const char file_o[] = "AQHSEJU";
/* Sendmail's long options (-O name=value) that name a file, a directory
 * or relax the checks on them; matched case-insensitively, as a prefix */
static const char *const file_long[] = {
	"AliasFile", "QueueDirectory", "HelpFile", "StatusFile", "ErrorHeader",
	"ForwardPath", "UserDatabaseSpec", "DeadLetterDrop", "ServiceSwitchFile",
	"HostsFile", "PidFile", "ControlSocketName", "SafeFileEnvironment",
	"DontBlameSendmail", "RunAsUser", "TrustedUser", "QueueFileMode", NULL
};

static int
long_names_file(const char *v)
{
	size_t i;

	if (v == NULL)
		return 0;
	v += strspn(v, " \t");
	for (i = 0; file_long[i] != NULL; i++)
		if (strncasecmp(v, file_long[i], strlen(file_long[i])) == 0)
			return 1;
	return 0;
}

/* Look at option word w (next: the word after it, or NULL).  Returns a
 * label when a letter names a file; sets *more to what may follow: bit 0
 * the next word is an option position, bit 1 the one after. */
static const char *
word_names_file(const char *w, const char *next, int *more)
{
	size_t j;
	int m = 0;      /* a letter may have taken the rest of the word */

	*more = 0;
	if (strcmp(w, "-q") == 0) {     /* Postfix: no argument; others: maybe */
		*more = 3;
		return NULL;
	}
	for (j = 1; w[j] != '\0'; j++) {
		const char *rest = w + j + 1, *arg = rest[0] != '\0' ? rest : next;
		char c = w[j];

		if (c == 'C')
			return "-C";
		if (c == 'D')
			return "-D";
		if (c == 'X' && rest[0] != 'V')
			return "-X";
		if (c == 'o' && arg != NULL && arg[0] != '\0' && strchr(file_o, arg[0]) != NULL) {
			static char label[4] = "-o?";
			label[2] = arg[0];
			return label;
		}
		if (c == 'O' && long_names_file(arg))
			return "-O";
		if (c != ':' && strchr(arg_always, c) != NULL) {
			*more = m | (rest[0] != '\0' ? 1 : 2);
			return NULL;
		}
		if (c != ':' && strchr(arg_maybe, c) != NULL) {
			if (rest[0] == '\0') {
				*more = 3;
				return NULL;
			}
			m = 1;
		}
		/* a flag, an unknown letter (the pre-scan goes on) or a letter
		 * that may take the rest of the word: the next letter too */
	}
	*more = 1;
	return NULL;
}

const char *
mo_args_file_option(int argc, char *const argv[])
{
	unsigned char reach_small[64], *reach;
	const char *found = NULL;
	int i, more;

	if (argc < 2)
		return NULL;
	if ((size_t)argc + 2 <= sizeof(reach_small)) {
		reach = reach_small;
		memset(reach, 0, sizeof(reach_small));
	} else if ((reach = calloc((size_t)argc + 2, 1)) == NULL)
		return "-?";    /* cannot tell: refuse */
	reach[1] = 1;
	for (i = 1; i < argc && found == NULL; i++) {
		const char *w = argv[i];

		if (!reach[i] || w[0] != '-' || w[1] == '\0' || strcmp(w, "--") == 0)
			continue;       /* options end here, on this path */
		found = word_names_file(w, i + 1 < argc ? argv[i + 1] : NULL, &more);
		if (more & 1)
			reach[i + 1] = 1;
		if (more & 2)
			reach[i + 2] = 1;
	}
	if (reach != reach_small)
		free(reach);
	return found;
}

int
mo_args_classify(int argc, char *const argv[], struct mo_args *a)
{
	int i, j;

	memset(a, 0, sizeof(*a));
	a->kind = MO_MODE_ENQUEUE;
	a->dot_ends = 1;
	a->file_option = mo_args_file_option(argc, argv);
	if (argc > 0) {
		const char *prog = base_name(argv[0]);
		if (strcmp(prog, "mailq") == 0)
			set_mode(a, MO_MODE_MAILQ, prog);
		else if (strcmp(prog, "newaliases") == 0)
			set_mode(a, MO_MODE_NEWALIAS, prog);
		else if (strcmp(prog, "smtpd") == 0)
			set_mode(a, MO_MODE_DAEMON, prog);
	}
	for (i = 1; i < argc; i++) {
		const char *w = argv[i];

		if (strcmp(w, "--") == 0) {
			i++;
			break;
		}
		if (w[0] != '-' || w[1] == '\0')
			break;
		if (strcmp(w, "-q") == 0) {     /* not getopt compatible */
			if (a->kind != MO_MODE_DAEMON)
				set_mode(a, MO_MODE_FLUSHQ, w);
			continue;
		}
		/* "-V xy" (two characters) and "-XV" mean VERP, no argument taken */
		if ((strcmp(w, "-V") == 0 && i + 1 < argc && strlen(argv[i + 1]) == 2) ||
		    strcmp(w, "-XV") == 0)
			continue;
		for (j = 1; w[j] != '\0'; j++) {
			const char *o = strchr(mo_sendmail_optstring, w[j]);
			const char *arg;

			if (w[j] == ':' || o == NULL) {
				snprintf(a->error, sizeof(a->error), "unknown option -%c", w[j]);
				return -1;
			}
			if (o[1] != ':') {
				take(a, w[j], NULL, w);
				continue;
			}
			if (w[j + 1] != '\0')
				arg = w + j + 1;
			else if (i + 1 < argc)
				arg = argv[++i];
			else {
				snprintf(a->error, sizeof(a->error), "option -%c needs an argument", w[j]);
				return -1;
			}
			if (take(a, w[j], arg, w) == -1)
				return -1;
			break;
		}
	}
	a->first_rcpt = i;
	a->nrcpt_args = argc - i;
	for (; i < argc; i++)
		a->argv_rcpts += mo_rcpt_count(argv[i]);
	if (a->kind == MO_MODE_ENQUEUE && a->queue_action != NULL && a->mode == NULL)
		a->mode = a->queue_action;
	a->submission = a->kind == MO_MODE_ENQUEUE && a->queue_action == NULL;
	a->bypass = a->kind == MO_MODE_DAEMON;
	return 0;
}
