/*
 * hygiene: what every mailorigin program does first, and the checks of
 * bytes it prints to a terminal.
 */
#ifndef MO_HYGIENE_H
#define MO_HYGIENE_H

#include <stddef.h>
#include <time.h>

/* fds 0-2 open (on /dev/null when closed: a later open must never become
 * stdout), every other inherited fd closed.  Exits EX_OSERR when it
 * cannot. */
void mo_std_fds(void);

/* The length of the valid UTF-8 sequence at s (at most len bytes), or 0:
 * no overlong form, no surrogate, nothing past U+10FFFF; with printable
 * also no C1 control (U+0080-U+009F), which a terminal obeys. */
size_t mo_utf8_len(const unsigned char *s, size_t len, int printable);

/* time(NULL) by one system call, not the vDSO: a fresh process's first
 * vDSO call faults the kernel's time data page in, and a page fault costs
 * more than the call (the wrapper asks the time a few times per message,
 * then execs). */
time_t mo_time(void);

#endif
