/*
 * rlimit: the resource limits a caller sets for a program that must finish
 * what it accepts (the setgid wrapper, the qmail front end).
 */
#ifndef MO_RLIMIT_H
#define MO_RLIMIT_H

#include <stddef.h>

/* Take the soft limits of open files, file size, address space and data
 * up to the hard ones.  Returns 0, or -1 with why filled ("RLIMIT_FSIZE
 * (file size) is 1000, unlimited needed") when a hard limit is too low to
 * do the job whole: the caller then refuses for now, before it accepts
 * anything, as a low limit must not turn into a fault that passes mail
 * unlimited, a spool cut short or a log line lost. */
int mo_rlimit_floor(char *why, size_t whylen);

#endif
