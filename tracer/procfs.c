/*
 * procfs: small readers of /proc/PID and their parsers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bsd/string.h>

#include "proc.h"
#include "procfs.h"

int
proc_parse_stat(const char *buf, struct proc_info *pi)
{
	struct mo_stat st;

	if (mo_proc_parse_stat(buf, &st) == -1)
		return -1;
	pi->ppid = st.ppid;
	pi->state = st.state;
	pi->starttime = st.starttime;
	strlcpy(pi->comm, st.comm, sizeof(pi->comm));
	return 0;
}

void
proc_join_cmdline(const char *buf, size_t len, char *out, size_t outsz,
                  char *argv0, size_t argv0sz)
{
	if (argv0 != NULL && argv0sz > 0) {
		size_t first = strnlen(buf, len), m = first < argv0sz - 1 ? first : argv0sz - 1;
		memcpy(argv0, buf, m);
		argv0[m] = '\0';
	}
	mo_argv_join(buf, len, out, outsz);
}

const char *
proc_env_lookup(const char *buf, size_t len, const char *name)
{
	size_t nlen = strlen(name), i = 0, elen;

	while (i < len) {
		elen = strnlen(buf + i, len - i);
		if (elen > nlen && memcmp(buf + i, name, nlen) == 0 &&
		    buf[i + nlen] == '=' && i + elen < len)
			return buf + i + nlen + 1;
		i += elen + 1;
	}
	return NULL;
}

int
proc_open(pid_t pid)
{
	return mo_proc_open("/proc", pid);
}

/* "NAME/FILE" into out; -1 when NAME is no short pid. */
static int
pid_path(char *out, size_t outsz, const char *name, const char *file)
{
	size_t n = strlen(name), f = strlen(file);

	if (n == 0 || n > 10 || n + 1 + f + 1 > outsz) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(out, name, n);
	out[n] = '/';
	memcpy(out + n + 1, file, f + 1);
	return 0;
}

int
proc_comm_at(int procfd, const char *name, char *comm, size_t commsz)
{
	char path[32];
	ssize_t n;

	if (pid_path(path, sizeof(path), name, "comm") == -1 ||
	    (n = mo_proc_record(procfd, path, comm, commsz)) == -1)
		return -1;
	if (n > 0 && comm[n - 1] == '\n')
		comm[n - 1] = '\0';
	return 0;
}

int
proc_stat_at(int procfd, const char *name, struct mo_stat *st)
{
	char path[32], buf[4096];

	if (pid_path(path, sizeof(path), name, "stat") == -1 ||
	    mo_proc_record(procfd, path, buf, sizeof(buf)) == -1)
		return -1;
	return mo_proc_parse_stat(buf, st);
}

int
proc_info_read(int dirfd, pid_t pid, struct proc_info *pi)
{
	char buf[4096];
	ssize_t n;

	memset(pi, 0, sizeof(*pi));
	pi->pid = pid;
	if (mo_proc_record(dirfd, "stat", buf, sizeof(buf)) == -1 ||
	    proc_parse_stat(buf, pi) == -1)
		return -1;
	if (mo_proc_record(dirfd, "status", buf, sizeof(buf)) == -1 ||
	    mo_proc_parse_status_uid(buf, &pi->uid) == -1)
		return -1;
	pi->creds_ok = mo_proc_parse_status_creds(buf, &pi->creds) == 0;
	n = mo_proc_file(dirfd, "cmdline", pi->argv, sizeof(pi->argv));
	if (n > 0) {
		pi->argv_len = (size_t)n;
		proc_join_cmdline(pi->argv, pi->argv_len, pi->cmdline, sizeof(pi->cmdline),
		                  pi->argv0, sizeof(pi->argv0));
	}
	if (mo_proc_link(dirfd, "exe", pi->exe, sizeof(pi->exe)) == -1) {
		pi->exe[0] = '\0';
		pi->exe_errno = errno;
	}
	return 0;
}

int
proc_fds_with_suffix(int dirfd, const char *suffix,
                     void (*fn)(void *arg, const char *path), void *arg)
{
	char target[PATH_MAX];
	size_t slen = strlen(suffix), tlen;
	struct dirent *de;
	DIR *d;
	int fd, found = 0;

	if ((fd = openat(dirfd, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (mo_proc_link(fd, de->d_name, target, sizeof(target)) == -1)
			continue;
		tlen = strlen(target);
		if (target[0] != '/' || tlen <= slen ||
		    strcmp(target + tlen - slen, suffix) != 0)
			continue;
		fn(arg, target);
		found++;
	}
	closedir(d);
	return found;
}

double
proc_uptime(void)
{
	char buf[128];
	int fd = open("/proc/uptime", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd == -1)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strtod(buf, NULL);
}

long
proc_clk_tck(void)
{
	long t = sysconf(_SC_CLK_TCK);

	return t > 0 ? t : 100;
}
