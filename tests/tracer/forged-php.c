/*
 * forged-php: a program that passes for PHP 8.2 in the tracer's eyes, as a
 * hostile user would write one: it exports executor_globals and
 * sapi_globals, holds "X-Powered-By: PHP/8.2.99", and builds in its own
 * memory a fake executor running SCRIPT (another site's file).  Built by
 * tests/tracer/trust.t with -rdynamic, installed under the name php-fpm8.2.
 *
 *   forged-php worker SCRIPT          the fake executor, then sleep
 *   forged-php master SCRIPT [MODE]   fork a worker (as nobody, when root
 *                                     runs it) and wait; MODE "dumpable"
 *                                     makes it dumpable, "exec:PATH" has it
 *                                     exec PATH as its worker
 * Offsets are PHP 8.2's (lib/phpmem.c).
 */
#define _GNU_SOURCE
#include <grp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/fakemem.h"

unsigned char executor_globals[0x708];
unsigned char sapi_globals[0x228];
const char powered_by[] = "X-Powered-By: PHP/8.2.99";

static unsigned char ex_main[64], fn_main[256], op_main[32], zs_main[24 + 4096];
static char uri[] = "/mail.php", method[] = "GET";

static void
worker(const char *script)
{
	size_t n = strlen(script);

	if (n >= 4096)
		exit(2);
	put64(zs_main, 16, n);
	memcpy(zs_main + 24, script, n + 1);
	fn_main[0] = 2;                                 /* a user function */
	put64(fn_main, 152, (uintptr_t)zs_main);        /* op_array.filename */
	put32(fn_main, 160, 1);                         /* line_start */
	put32(fn_main, 164, 9);                         /* line_end */
	put32(op_main, 24, 3);                          /* the opline's line */
	put64(ex_main, 24, (uintptr_t)fn_main);
	put64(ex_main, 0, (uintptr_t)op_main);
	put64(sapi_globals, 48, (uintptr_t)uri);
	put64(sapi_globals, 8, (uintptr_t)method);
	put64(executor_globals, 488, (uintptr_t)ex_main);
	/* the version string must stay in the file */
	if (powered_by[0] != 'X')
		exit(2);
	for (;;)
		pause();
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 3 ? argv[3] : "";
	pid_t pid;

	if (argc < 3)
		return 2;
	if (strcmp(argv[1], "worker") == 0)
		worker(argv[2]);
	if ((pid = fork()) == -1)
		return 1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getuid() == 0 && (setgroups(0, NULL) == -1 ||
		    setresgid(65534, 65534, 65534) == -1 ||
		    setresuid(65534, 65534, 65534) == -1))
			_exit(1);
		if (strcmp(mode, "dumpable") == 0)
			prctl(PR_SET_DUMPABLE, 1);
		if (strncmp(mode, "exec:", 5) == 0) {
			execl(mode + 5, "php-fpm8.2", "worker", argv[2], (char *)NULL);
			_exit(1);
		}
		worker(argv[2]);
	}
	while (wait(NULL) == -1)
		;
	return 0;
}
