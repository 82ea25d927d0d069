/*
 * wrapper-rss: time one command and read its peak memory, for bench/run.
 *
 *   wrapper-rss [-u USER] [-i FILE] -- CMD [ARG...]
 *
 * Forks; the child opens FILE on fd 0 (default /dev/null), /dev/null on
 * fds 1 and 2, drops to USER (initgroups, setgid, setuid: the way a web
 * server's worker runs) and execs CMD.  The parent prints one line
 *   <wall nanoseconds from fork to reap> <ru_maxrss KiB> <exit status> <ru_minflt>
 * ru_maxrss from wait4() is the peak resident set of the child over its
 * whole life, across execve: for the wrapper, which execs the MTA, it is
 * the larger of the wrapper's and the MTA's peaks.
 *
 * Run from a copy named "drain" (its executable's name, not argv[0]: the
 * wrapper gives the MTA its own argv[0]): read stdin to EOF, exit 0.
 * That is the stand-in MTA for the memory measurement: it holds nothing.
 * First it writes its own ru_maxrss, taken before it has read a byte, to
 * "drain.maxrss" beside its executable.  The kernel carries the peak of
 * the image a process had before execve into ru_maxrss, so that number is
 * the wrapper's own peak, or the fresh drain's if that is larger.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int drain(void)
{
	static char buf[65536];
	ssize_t n;
	struct rusage ru;
	char self[4096];
	n = readlink("/proc/self/exe", self, sizeof self - 32);
	if (n > 0 && getrusage(RUSAGE_SELF, &ru) == 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		strcpy(slash + 1, "drain.maxrss");
		FILE *f = fopen(self, "w");
		if (f) { fprintf(f, "%ld\n", ru.ru_maxrss); fclose(f); }
	}
	while ((n = read(0, buf, sizeof buf)) != 0)
		if (n < 0 && errno != EINTR)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	if (len > 0) {
		exe[len] = '\0';
		const char *base = strrchr(exe, '/');
		if (strcmp(base ? base + 1 : exe, "drain") == 0)
			return drain();
	}

	const char *user = NULL, *in = "/dev/null";
	int c;
	while ((c = getopt(argc, argv, "+u:i:")) != -1) {
		switch (c) {
		case 'u': user = optarg; break;
		case 'i': in = optarg; break;
		default: goto usage;
		}
	}
	if (optind >= argc) {
usage:
		fprintf(stderr, "usage: wrapper-rss [-u USER] [-i FILE] -- CMD [ARG...]\n");
		return 64;
	}
	struct passwd *pw = NULL;
	if (user && !(pw = getpwnam(user))) {
		fprintf(stderr, "wrapper-rss: no user %s\n", user);
		return 67;
	}
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) { perror("fork"); return 71; }
	if (pid == 0) {
		int fd = open(in, O_RDONLY);
		int null = open("/dev/null", O_WRONLY);
		if (fd < 0 || null < 0) _exit(126);
		dup2(fd, 0); dup2(null, 1); dup2(null, 2);
		if (pw && (initgroups(pw->pw_name, pw->pw_gid) || setgid(pw->pw_gid) ||
		    setuid(pw->pw_uid)))
			_exit(126);
		execv(argv[optind], argv + optind);
		_exit(127);
	}
	int status;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) < 0) { perror("wait4"); return 71; }
	clock_gettime(CLOCK_MONOTONIC, &t1);
	long long ns = (t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec);
	printf("%lld %ld %d %ld\n", ns, ru.ru_maxrss,
	    WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), ru.ru_minflt);
	return 0;
}
