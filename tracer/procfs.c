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

#include "procfs.h"

int
proc_parse_stat(const char *buf, struct proc_info *pi)
{
	const char *open_paren, *close_paren, *p;
	unsigned long long v;
	size_t n;
	int field;
	char *end;

	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')');
	if (open_paren == NULL || close_paren == NULL || close_paren < open_paren)
		return -1;
	n = (size_t)(close_paren - open_paren - 1);
	if (n >= sizeof(pi->comm))
		n = sizeof(pi->comm) - 1;
	memcpy(pi->comm, open_paren + 1, n);
	pi->comm[n] = '\0';
	p = close_paren + 1;
	if (p[0] != ' ' || p[1] == '\0')
		return -1;
	pi->state = p[1];
	p += 2;
	/* fields after state: 4 ppid ... 22 starttime */
	for (field = 4; field <= 22; field++) {
		while (*p == ' ')
			p++;
		errno = 0;
		v = strtoull(p, &end, 10);
		if (end == p) {
			/* negative fields (e.g. tty_nr -1) */
			if (*p == '-') {
				(void)strtoll(p, &end, 10);
				v = 0;
			}
			if (end == p)
				return -1;
		}
		if (field == 4)
			pi->ppid = (pid_t)v;
		else if (field == 22)
			pi->starttime = v;
		p = end;
	}
	return 0;
}

int
proc_parse_status_uid(const char *buf, uid_t *uid)
{
	const char *p = strstr(buf, "\nUid:");
	char *end;
	unsigned long v;

	if (p == NULL)
		return -1;
	p += 5;
	v = strtoul(p, &end, 10);
	if (end == p)
		return -1;
	*uid = (uid_t)v;
	return 0;
}

void
proc_join_cmdline(const char *buf, size_t len, char *out, size_t outsz,
                  char *argv0, size_t argv0sz)
{
	size_t i, n = 0, first;

	if (outsz == 0)
		return;
	/* trailing NULs are not separators */
	while (len > 0 && buf[len - 1] == '\0')
		len--;
	first = strnlen(buf, len);
	if (argv0 != NULL && argv0sz > 0) {
		size_t m = first < argv0sz - 1 ? first : argv0sz - 1;
		memcpy(argv0, buf, m);
		argv0[m] = '\0';
	}
	for (i = 0; i < len && n + 1 < outsz; i++) {
		unsigned char c = (unsigned char)buf[i];
		out[n++] = (c == '\0' || c < 0x20 || c == 0x7f) ? ' ' : (char)c;
	}
	out[n] = '\0';
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
proc_parse_maps_line(char *line, struct map_entry *me)
{
	char *p = line, *end;
	int i;

	me->start = strtoull(p, &end, 16);
	if (end == p || *end != '-')
		return -1;
	p = end + 1;
	me->end = strtoull(p, &end, 16);
	if (end == p || *end != ' ')
		return -1;
	p = end + 1;
	for (i = 0; i < 4 && p[i] != '\0' && p[i] != ' '; i++)
		me->perms[i] = p[i];
	me->perms[i] = '\0';
	if (i != 4 || p[4] != ' ')
		return -1;
	p += 5;
	me->offset = strtoull(p, &end, 16);
	if (end == p || *end != ' ')
		return -1;
	p = end + 1;
	/* dev major:minor */
	p = strchr(p, ' ');
	if (p == NULL)
		return -1;
	p++;
	me->inode = strtoul(p, &end, 10);
	if (end == p)
		return -1;
	p = end;
	while (*p == ' ')
		p++;
	end = p + strlen(p);
	if (end > p && end[-1] == '\n')
		end[-1] = '\0';
	me->path = p;
	return 0;
}

int
proc_open(pid_t pid)
{
	char path[32];

	snprintf(path, sizeof(path), "/proc/%d", (int)pid);
	return open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
}

ssize_t
proc_read(int dirfd, const char *name, char *buf, size_t size)
{
	ssize_t n, total = 0;
	int fd, saved;

	if (size == 0)
		return -1;
	if ((fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while ((size_t)total < size - 1) {
		n = read(fd, buf + total, size - 1 - (size_t)total);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(fd);
			errno = saved;
			return -1;
		}
		if (n == 0)
			break;
		total += n;
	}
	close(fd);
	buf[total] = '\0';
	return total;
}

int
proc_link(int dirfd, const char *name, char *out, size_t outsz)
{
	ssize_t n = readlinkat(dirfd, name, out, outsz - 1);

	if (n == -1)
		return -1;
	out[n] = '\0';
	return 0;
}

int
proc_info_read(int dirfd, pid_t pid, struct proc_info *pi)
{
	char buf[4096];
	ssize_t n;

	memset(pi, 0, sizeof(*pi));
	pi->pid = pid;
	if (proc_read(dirfd, "stat", buf, sizeof(buf)) == -1 ||
	    proc_parse_stat(buf, pi) == -1)
		return -1;
	if (proc_read(dirfd, "status", buf, sizeof(buf)) == -1 ||
	    proc_parse_status_uid(buf, &pi->uid) == -1)
		return -1;
	n = proc_read(dirfd, "cmdline", buf, sizeof(buf));
	if (n > 0)
		proc_join_cmdline(buf, (size_t)n, pi->cmdline, sizeof(pi->cmdline),
		                  pi->argv0, sizeof(pi->argv0));
	if (proc_link(dirfd, "exe", pi->exe, sizeof(pi->exe)) == -1) {
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
		if (proc_link(fd, de->d_name, target, sizeof(target)) == -1)
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
