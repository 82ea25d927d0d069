/*
 * drain: wait for the wrappers that are running right now.
 *
 * Between the revert putting the real sendmail back and removing its
 * other name, a wrapper that started before may still be about to exec
 * the real one by that name.  Those are the processes whose executable
 * is the wrapper at this moment; new ones see the real file back in place.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "install.h"

#define MAX_WAIT 4096

struct proc { pid_t pid; unsigned long long start; };

/* Field 22 of /proc/PID/stat: the start time, to tell a reused pid. */
static unsigned long long
start_time(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long v = 0;
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "re")) == NULL)
		return 0;
	p = fgets(buf, sizeof(buf), f);
	fclose(f);
	if (p == NULL || (p = strrchr(buf, ')')) == NULL)
		return 0;
	for (i = 2; i < 22 && p != NULL; i++)
		p = strchr(p + 1, ' ');
	if (p != NULL)
		v = strtoull(p + 1, NULL, 10);
	return v;
}

static size_t
running(const struct stat *w, struct proc *out, size_t cap)
{
	struct dirent *d;
	size_t n = 0;
	DIR *dir;

	if ((dir = opendir("/proc")) == NULL)
		return 0;
	while ((d = readdir(dir)) != NULL && n < cap) {
		char path[64];
		struct stat st;
		pid_t pid = (pid_t)atoi(d->d_name);

		if (pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%d/exe", (int)pid);
		if (stat(path, &st) == 0 && st.st_dev == w->st_dev && st.st_ino == w->st_ino) {
			out[n].pid = pid;
			out[n].start = start_time(pid);
			n++;
		}
	}
	closedir(dir);
	return n;
}

int
drain_wrappers(const struct ctx *c, const char *wrapper_path, int seconds)
{
	static struct proc procs[MAX_WAIT];
	struct timespec tick = { 0, 20 * 1000 * 1000 };
	struct stat w;
	size_t n, i, left;
	time_t end = time(NULL) + seconds;

	(void)c;
	if (stat(wrapper_path, &w) == -1)
		return 0;
	n = running(&w, procs, MAX_WAIT);
	do {
		for (left = 0, i = 0; i < n; i++) {
			char path[64];
			struct stat st;

			snprintf(path, sizeof(path), "/proc/%d/exe", (int)procs[i].pid);
			if (stat(path, &st) == 0 && st.st_dev == w.st_dev && st.st_ino == w.st_ino &&
			    start_time(procs[i].pid) == procs[i].start)
				left++;
		}
		if (left == 0)
			return 0;
		nanosleep(&tick, NULL);
	} while (time(NULL) < end);
	return -1;
}
