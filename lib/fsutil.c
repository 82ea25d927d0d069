/* fsutil: exists, durable renames, files replaced whole, the wrapper. */
#include <sys/stat.h>

#include <bsd/string.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"

int
mo_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int
mo_is_wrapper(const char *path)
{
	struct group *g;
	struct stat a, b;

	if (stat(path, &a) == -1)
		return 0;
	if (stat("/proc/self/exe", &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
		return 1;
	return (a.st_mode & S_ISGID) && (g = getgrnam(MO_GROUP)) != NULL && a.st_gid == g->gr_gid;
}

int
mo_fsync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc, saved;

	if (fd == -1)
		return -1;
	rc = fsync(fd);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

int
mo_fsync_parent(const char *path)
{
	char dir[PATH_MAX], *slash;

	if (strlcpy(dir, path, sizeof(dir)) >= sizeof(dir)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if ((slash = strrchr(dir, '/')) == NULL)
		return mo_fsync_dir(".");
	if (slash == dir)
		slash[1] = '\0';
	else
		*slash = '\0';
	return mo_fsync_dir(dir);
}

int
mo_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
mo_write_atomic(const char *path, const void *text, size_t len, mode_t mode)
{
	char tmp[PATH_MAX];
	const char *base = strrchr(path, '/');
	int fd, saved;

	if (base == NULL || (size_t)snprintf(tmp, sizeof(tmp), "%.*s/.%s.mailorigin-tmp",
	    (int)(base - path), path, base + 1) >= sizeof(tmp)) {
		errno = base == NULL ? EINVAL : ENAMETOOLONG;
		return -1;
	}
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode)) == -1)
		return -1;
	if (fchmod(fd, mode) == -1 || (geteuid() == 0 && fchown(fd, 0, 0) == -1) ||
	    mo_write_all(fd, text, len) == -1 || fsync(fd) == -1) {
		saved = errno;
		close(fd);
		unlink(tmp);
		errno = saved ? saved : EIO;
		return -1;
	}
	if (close(fd) == -1 || rename(tmp, path) == -1) {
		saved = errno;
		unlink(tmp);
		errno = saved;
		return -1;
	}
	return mo_fsync_parent(path);
}
