/*
 * options: classify a sendmail command line the way Postfix's sendmail
 * reads it (option string A:B:C:F:GIL:N:O:R:UV:X:b:ce:f:h:imno:p:r:q:tvx,
 * options end at the first non-option or "--", a lone "-q" allowed, the
 * mode from argv[0] first and then from the last mode option, "-V xy" and
 * "-XV" meaning VERP).  What Postfix would do decides whether a message
 * is submitted: the wrapper must never pass on, unstamped, a command line
 * that Postfix reads as a submission.
 *
 * The argv is only read, never reordered or changed: the wrapper execs the
 * real MTA with exactly what it was given.
 */
#ifndef MO_OPTIONS_H
#define MO_OPTIONS_H

enum mo_mode {
	MO_MODE_ENQUEUE,        /* -bm, the default: a submission */
	MO_MODE_MAILQ,          /* -bp, mailq */
	MO_MODE_FLUSHQ,         /* -q */
	MO_MODE_NEWALIAS,       /* -bi, -I, newaliases */
	MO_MODE_DAEMON,         /* -bd */
	MO_MODE_USER,           /* -bs: SMTP on stdin, one submission per transaction */
	MO_MODE_IGNORE,         /* -bh, -bH */
};

struct mo_args {
	enum mo_mode	 kind;
	int		 submission;    /* 1: a message on stdin to stamp */
	int		 bypass;        /* 1: would submit mail past the wrapper (-bd) */
	int		 extract;       /* -t */
	const char	*sender;        /* last -f / -r, or NULL */
	const char	*fullname;      /* last -F, or NULL */
	int		 first_rcpt;    /* argv index of the first recipient */
	int		 nrcpt_args;    /* argv recipients (argv entries) */
	unsigned long	 argv_rcpts;    /* addresses in them */
	const char	*file_option;   /* an option naming a file (-C, -X, -oQ, -oA...), or NULL */
	int		 dot_ends;      /* 1: a line "." ends the message (no -i, -oi) */
	const char	*queue_action;  /* -q<time>, -qR<site>, -qI<id>: no message read */
	const char	*mode;          /* the last mode word: "-bp", "-q", "mailq", ...; NULL for -bm */
	char		 error[128];    /* usage error, or "" */
};

/* Returns 0, or -1 on a usage error (args->error says which).  On a
 * usage error args->file_option is still set: it does not depend on the
 * main parse (see mo_args_file_option()). */
int mo_args_classify(int argc, char *const argv[], struct mo_args *args);

/* Postfix's sendmail option string. */
extern const char mo_sendmail_optstring[];

/*
 * The first word that names a file or directory (-C, -D, -X but -XV,
 * -oA, -oQ and the other file letters of -o, -O with a long option naming
 * a file such as QueueDirectory or AliasFile), as ANY parser the MTA
 * runs may read the words: Postfix's main parse, its -C pre-scan (where
 * "-V xy" takes an argument, unknown letters do not stop a word), and
 * Sendmail's getopt (where -D, -d, -M, -Q take arguments).  Every word
 * that some parse can reach as an option is looked at; recipients after
 * the end of options are not.  Returns a static label ("-C", "-X", ...)
 * or NULL.
 */
const char *mo_args_file_option(int argc, char *const argv[]);

/* The usage text for --help and usage errors. */
extern const char mo_sendmail_usage[];

#endif
