/*
 * proc: what every mailorigin program knows about a process from /proc
 * (the wrapper's origin and the tracer read it through here, so that they
 * name a process, its SAPI, its pool and its script the same way).
 *
 * Parsers work on buffers and are pure (the unit tests' tables); readers
 * work on an open /proc/PID directory fd, so that a recycled pid cannot
 * switch processes under them, and return -1 with errno.
 *
 * A command line is argv as the kernel keeps it: NUL-separated words,
 * len bytes (a trailing NUL optional).  Everything taken from it is
 * claimed: the process's owner can write anything there.
 */
#ifndef MO_PROC_H
#define MO_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define MO_PROC_COMM_MAX 64

struct mo_stat {
	pid_t			pid, ppid;
	char			state;
	char			comm[MO_PROC_COMM_MAX];   /* may hold spaces and ')' */
	unsigned long long	starttime;                /* clock ticks after boot */
};

/* Parse the text of /proc/PID/stat.  0, or -1 when it is not one. */
int mo_proc_parse_stat(const char *buf, struct mo_stat *st);

/* "procroot/pid" as a directory fd (procroot is "/proc" but in tests). */
int mo_proc_open(const char *procroot, pid_t pid);
/* A whole small file under dirfd into buf (NUL-terminated); its length. */
ssize_t mo_proc_file(int dirfd, const char *name, char *buf, size_t size);
/* The same for a one-record file (comm, stat, status), one read fewer: the
 * kernel gives such a file's whole text to the first read that has room
 * for it, so a short first read ending in a newline is all of it (anything
 * else is read on to the end, as mo_proc_file does). */
ssize_t mo_proc_record(int dirfd, const char *name, char *buf, size_t size);
/* readlink name ("exe", "cwd") into out; 0 or -1. */
int mo_proc_link(int dirfd, const char *name, char *out, size_t outsz);
/* Is a libphp*.so mapped (mod_php)?  1, 0, or -1 (errno) when maps is not
 * readable. */
int mo_proc_maps_libphp(int dirfd);

/* The word after w in argv[0..len), or NULL; w NULL gives argv[0]. */
const char *mo_argv_next(const char *argv, size_t len, const char *w);
/* argv joined by spaces for a line of text, control bytes as spaces. */
void mo_argv_join(const char *argv, size_t len, char *out, size_t outsz);

/* What runs in a process, by its title, comm and exe: the same names in
 * the wrapper's log (sapi=) and the tracer (sapi). */
enum mo_sapi {
	MO_SAPI_UNKNOWN = 0,
	MO_SAPI_FPM_MASTER,     /* "php-fpm: master process (CONF)" */
	MO_SAPI_FPM,            /* "php-fpm: pool NAME", or php-fpm8.2 untitled */
	MO_SAPI_HTTPD,          /* apache2, httpd: mod_php not (yet) seen */
	MO_SAPI_MOD_PHP,        /* the same with libphp*.so mapped */
	MO_SAPI_CGI,            /* php-cgi, php-cgi8.2 */
	MO_SAPI_CLI,            /* php, php8.2 */
	MO_SAPI_MAIL,           /* sendmail, postdrop, qmail-inject, ours */
};

/* "unknown", "fpm-master", "fpm", "httpd", "mod_php", "cgi", "cli", "mail". */
const char *mo_sapi_name(enum mo_sapi s);
/* Classify; extra gets the pool (FPM), the config path (FPM master) or the
 * program (mail), else "".  exe may be "" (unreadable). */
enum mo_sapi mo_sapi_of(const char *comm, const char *argv, size_t len, const char *exe,
    char *extra, size_t extrasz);

/* Interpreters whose script names the sender better than they do. */
enum mo_interp {
	MO_INTERP_NONE = 0, MO_INTERP_PHP, MO_INTERP_PERL, MO_INTERP_PYTHON,
	MO_INTERP_RUBY, MO_INTERP_NODE, MO_INTERP_SH,
};

/* "php", "perl", "python", "ruby", "node", "sh" ("" for none). */
const char *mo_interp_name(enum mo_interp i);
/* The interpreter a process is, by exe (else comm, else argv[0]) basename:
 * php8.2, perl5.36, python3.11, ruby3.1, nodejs, bash, dash... */
enum mo_interp mo_interp_of(const char *comm, const char *argv, size_t len, const char *exe);
/* The script file interpreter i runs by its command line, joined to cwd
 * when relative (cwd may be NULL: kept relative).  -1 when it runs none:
 * code on the command line (-e, -c, -r), a module (-m), standard input. */
int mo_interp_script(enum mo_interp i, const char *argv, size_t len, const char *cwd,
    char *out, size_t outlen);
/* The PHP CLI's script: mo_interp_script(MO_INTERP_PHP, ...). */
int mo_cli_script(const char *argv, size_t len, const char *cwd, char *out, size_t outlen);
/* "sh -c COMMAND" (any shell): COMMAND, else NULL. */
const char *mo_sh_command(const char *argv, size_t len);
/* A program that runs another and means nothing itself (env, nice,
 * timeout, nohup, setsid, stdbuf, ionice), by name. */
int mo_is_launcher(const char *name);
/* cron (cron, crond, CRON), by name. */
int mo_is_cron(const char *name);
/* The last path component. */
const char *mo_base_name(const char *path);

/* Real uid from the text of /proc/PID/status; 0 or -1. */
int mo_proc_parse_status_uid(const char *buf, uid_t *uid);
/* The real uid of the process PID (a name in the folder procfd, a /proc),
 * from its status; 0 or -1. */
int mo_proc_real_uid(int procfd, const char *pid, uid_t *uid);
/*
 * What the kernel checks a process's file access with: its filesystem uid
 * and gid (the fourth field of Uid: and Gid: in /proc/PID/status) and its
 * supplementary groups (Groups:).  More groups than MO_GROUPS_MAX: the
 * first ones, groups_cut set.
 */
#define MO_GROUPS_MAX 64
struct mo_creds {
	uid_t fsuid;
	gid_t fsgid;
	gid_t groups[MO_GROUPS_MAX];
	size_t ngroups;
	int groups_cut;
};
/* From the text of /proc/PID/status; 0, or -1 when a line is missing. */
int mo_proc_parse_status_creds(const char *buf, struct mo_creds *c);
/*
 * A line of /proc/PID/maps.  mo_proc_parse_maps_line() fills it from LINE
 * (path empty for anonymous mappings); 0 on success.
 */
struct mo_map_entry {
	uint64_t start, end, offset;
	char perms[5];
	unsigned long inode;
	const char *path;               /* points into the line */
};
int mo_proc_parse_maps_line(char *line, struct mo_map_entry *me);

#endif
