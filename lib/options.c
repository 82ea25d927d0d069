/* options: the sendmail option table, read without changing argv. */
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "rcpt.h"

/* Postfix's sendmail option string. */
static const char optstring[] = "A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:r:q:tvx";

const char mo_sendmail_usage[] =
    "usage: mailorigin-sendmail [-Gimntvx] [-B type] [-F name] [-f sender]\n"
    "           [-N dsn] [-R ret] [-r sender] [-V envid] [-o opt] [-p proto]\n"
    "           [-t] [--] [recipient ...]\n"
    "       mailorigin-sendmail -bp | -bi | -I | -bs | -bv | -q[interval]\n"
    "A drop-in sendmail: stamps the message with its origin, logs it and hands\n"
    "it to the real MTA named in mailorigin.conf.  See mailorigin-sendmail(8).\n";

static const char *
base_name(const char *s)
{
	const char *p = strrchr(s, '/');

	return p != NULL ? p + 1 : s;
}

/* Handle option c with argument arg (NULL when it takes none). */
static void
take(struct mo_args *a, char c, const char *arg, const char *word)
{
	switch (c) {
	case 'b':
		if (arg[0] != 'm' && a->mode == NULL)
			a->mode = word;
		break;
	case 'I':
		if (a->mode == NULL)
			a->mode = "-I";
		break;
	case 'q':
		if (a->mode == NULL)
			a->mode = word;
		break;
	case 'C':
		a->file_option = "-C";
		break;
	case 'X':
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
}

int
mo_args_classify(int argc, char *const argv[], struct mo_args *a)
{
	int i, j;

	memset(a, 0, sizeof(*a));
	if (argc > 0) {
		const char *prog = base_name(argv[0]);
		if (strcmp(prog, "mailq") == 0 || strcmp(prog, "newaliases") == 0)
			a->mode = prog;
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
			take(a, 'q', "", w);
			continue;
		}
		for (j = 1; w[j] != '\0'; j++) {
			const char *o = strchr(optstring, w[j]);
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
			take(a, w[j], arg, w);
			break;
		}
	}
	a->first_rcpt = i;
	a->nrcpt_args = argc - i;
	for (; i < argc; i++)
		a->argv_rcpts += mo_rcpt_count(argv[i]);
	a->submission = a->mode == NULL;
	return 0;
}
