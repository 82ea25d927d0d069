/* options: the sendmail option table, read without changing argv. */
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "rcpt.h"

/* Postfix's sendmail option string. */
const char mo_sendmail_optstring[] = "A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:r:q:tvx";

const char mo_sendmail_usage[] =
    "usage: mailorigin-sendmail [-Gimntvx] [-B type] [-F name] [-f sender]\n"
    "           [-N dsn] [-R ret] [-r sender] [-V envid] [-o opt] [-p proto]\n"
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
	case 'C':
		a->file_option = "-C";
		break;
	case 'X':
		if (arg[0] != 'V')      /* -XV is VERP; anything else names a file */
			a->file_option = "-X";
		break;
	case 'o':
		if (arg[0] == 'Q')
			a->file_option = "-oQ";
		else if (arg[0] == 'A')
			a->file_option = "-oA";
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

int
mo_args_classify(int argc, char *const argv[], struct mo_args *a)
{
	int i, j;

	memset(a, 0, sizeof(*a));
	a->kind = MO_MODE_ENQUEUE;
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
