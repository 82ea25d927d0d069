/* mta: argv and environment for the real MTA. */
#include <bsd/string.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mta.h"

#define SAFE_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"

static int
has_prefix(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strncmp(s, *list, strlen(*list)) == 0)
			return 1;
	return 0;
}

char **
mo_exec_env(const struct mo_config *c, char *const *environ_in, char *const *extra, uid_t uid)
{
	static const char *const keep[] = {
		"HOME=", "USER=", "LOGNAME=", "TZ=", "LANG=", "LC_", NULL
	};
	/* MAIL_CONFIG names Postfix's config directory: root's choice only */
	static const char *const keep_postfix[] = { "NAME=", NULL };
	static const char *const keep_postfix_root[] = { "NAME=", "MAIL_CONFIG=", NULL };
	static const char *const keep_qmail[] = {
		"QMAIL", "MAILNAME=", "NAME=", "MAILHOST=", "MAILUSER=", NULL
	};
	/* QMAILQUEUE names the program qmail-inject runs instead of qmail-queue */
	static const char *const drop_qmail[] = { "QMAILQUEUE=", NULL };
	const char *const *mta_keep = c->mta_type == MO_MTA_QMAIL ? keep_qmail :
	    uid == 0 ? keep_postfix_root : keep_postfix;
	char *const *e;
	size_t n = 0, cap = 2, i;
	char **env;

	for (e = environ_in; e && *e; e++)
		cap++;
	for (e = extra; e && *e; e++)
		cap++;
	if ((env = calloc(cap, sizeof(*env))) == NULL)
		return NULL;
	env[n++] = (char *)SAFE_PATH;
	for (e = environ_in; e && *e; e++) {
		int ok = strchr(*e, '=') != NULL &&
		    (has_prefix(*e, keep) || has_prefix(*e, mta_keep)) &&
		    !(c->mta_type == MO_MTA_QMAIL && has_prefix(*e, drop_qmail));
		/* a value set from the command line wins over the caller's */
		for (i = 0; ok && extra && extra[i]; i++)
			ok = strncmp(*e, extra[i], strcspn(extra[i], "=") + 1) != 0;
		if (ok)
			env[n++] = *e;
	}
	for (e = extra; e && *e; e++)
		env[n++] = *e;
	env[n] = NULL;
	return env;
}

static char **
qmail_argv(struct mo_exec *x, const struct mo_config *c, const struct mo_args *a,
    int argc, char *const argv[])
{
	char **qv;
	int n = 0, i, e = 0;

	if ((qv = calloc((size_t)argc + 8, sizeof(*qv))) == NULL)
		return NULL;
	qv[n++] = (char *)c->mta_path;
	qv[n++] = (char *)(a->extract ? "-H" : "-a");
	if (a->sender != NULL) {
		const char *at = strrchr(a->sender, '@');
		qv[n++] = (char *)"-f";
		qv[n++] = (char *)a->sender;
		if (at != NULL) {
			snprintf(x->user, sizeof(x->user), "QMAILUSER=%.*s", (int)(at - a->sender), a->sender);
			snprintf(x->host, sizeof(x->host), "QMAILHOST=%s", at + 1);
			x->extra[e++] = x->host;
		} else
			snprintf(x->user, sizeof(x->user), "QMAILUSER=%s", a->sender);
		x->extra[e++] = x->user;
	}
	if (a->fullname != NULL) {
		snprintf(x->name, sizeof(x->name), "MAILNAME=%s", a->fullname);
		x->extra[e++] = x->name;
	}
	x->extra[e] = NULL;
	qv[n++] = (char *)"--";
	for (i = a->first_rcpt; i < argc; i++)
		qv[n++] = argv[i];
	qv[n] = NULL;
	return qv;
}

const char *
mo_exec_argv0(const char *caller)
{
	static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-";
	const char *b;
	size_t n;

	if (caller == NULL)
		return "sendmail";
	b = strrchr(caller, '/') != NULL ? strrchr(caller, '/') + 1 : caller;
	n = strlen(b);
	if (n == 0 || n > 64 || strspn(b, ok) != n)
		return "sendmail";
	if (strcmp(b, "mailq") == 0 || strcmp(b, "newaliases") == 0 || strstr(b, "sendmail") != NULL)
		return b;
	return "sendmail";
}

int
mo_exec_build(struct mo_exec *x, const struct mo_config *c, const struct mo_args *a,
    int argc, char *const argv[], char *const *environ_in, uid_t uid)
{
	memset(x, 0, sizeof(*x));
	if (c->mta_type == MO_MTA_QMAIL)
		x->argv = qmail_argv(x, c, a, argc, argv);
	else if ((x->argv = calloc((size_t)argc + 2, sizeof(*x->argv))) != NULL) {
		if (argc > 0)
			memcpy(x->argv, argv, (size_t)argc * sizeof(*argv));
		x->argv[0] = (char *)mo_exec_argv0(argc > 0 ? argv[0] : NULL);
	}
	if (x->argv == NULL || (x->envp = mo_exec_env(c, environ_in, x->extra, uid)) == NULL) {
		mo_exec_free(x);
		return -1;
	}
	return 0;
}

void
mo_exec_free(struct mo_exec *x)
{
	free(x->argv);
	free(x->envp);
	x->argv = x->envp = NULL;
}
