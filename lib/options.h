/*
 * options: classify a sendmail command line the way Postfix's sendmail
 * reads it (option string A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:r:q:tvx,
 * options end at the first non-option or "--", a lone "-q" allowed).
 *
 * The argv is only read, never reordered or changed: the wrapper execs the
 * real MTA with exactly what it was given.
 */
#ifndef MO_OPTIONS_H
#define MO_OPTIONS_H

struct mo_args {
	int		 submission;    /* 1: a message on stdin to stamp */
	int		 extract;       /* -t */
	const char	*sender;        /* last -f / -r, or NULL */
	const char	*fullname;      /* last -F, or NULL */
	int		 first_rcpt;    /* argv index of the first recipient */
	int		 nrcpt_args;    /* argv recipients (argv entries) */
	unsigned long	 argv_rcpts;    /* addresses in them */
	const char	*file_option;   /* an option naming a file (-C, -X, -oQ, -oA), or NULL */
	const char	*mode;          /* why not a submission: "-bp", "-q", "mailq", ... */
	char		 error[128];    /* usage error, or "" */
};

/* Returns 0, or -1 on a usage error (args->error says which). */
int mo_args_classify(int argc, char *const argv[], struct mo_args *args);

/* The usage text for --help and usage errors. */
extern const char mo_sendmail_usage[];

#endif
