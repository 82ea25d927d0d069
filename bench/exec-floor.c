/*
 * exec-floor: the least an exec-based sendmail wrapper can cost, for
 * bench/run.  It does no work at all: it gives up the group it was run
 * setgid to (as the wrapper does before the hand-over) and execve()s the
 * program compiled in as FLOOR_TARGET with the caller's arguments and
 * environment.  bench/run builds it static and installs it as the wrapper
 * is installed (root:mailorigin 2755), so that the kernel's setgid exec
 * path is paid by both; what the wrapper costs above this is its own work.
 */
#define _GNU_SOURCE
#include <unistd.h>

#ifndef FLOOR_TARGET
#error "build with -DFLOOR_TARGET='\"/path/of/the/real/program\"'"
#endif

extern char **environ;

int
main(int argc, char *argv[])
{
	gid_t g = getgid();

	(void)argc;
	if (setresgid(g, g, g) == -1)
		return 71;
	execve(FLOOR_TARGET, argv, environ);
	return 69;
}
