/* spool: unlinked spool files and the atomic hold spool. */
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>
#include <dirent.h>
#include <limits.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fsutil.h"
#include "hygiene.h"
#include "spool.h"

#define DIR_MODE 02770
#define FILE_MODE 0640

static int
ensure_dir(int statefd, const char *name, int create)
{
	struct stat st;

	if (!create)    /* one look, with the ids that will use it */
		return faccessat(statefd, name, W_OK | X_OK, AT_EACCESS | AT_SYMLINK_NOFOLLOW);
	if (mkdirat(statefd, name, DIR_MODE) == -1 && errno != EEXIST)
		return -1;
	if (fstatat(statefd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return -1;
	}
	return 0;
}

int
mo_state_open(const char *state_dir, int create)
{
	int fd, saved;

	if ((fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1)
		return -1;
	if ((create && ensure_dir(fd, "tmp", create) == -1) || ensure_dir(fd, "hold", create) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int
mo_quarantine_dir(int statefd, int create)
{
	struct stat st;

	if (create && mkdirat(statefd, MO_QUARANTINE_DIR, 0700) == -1 && errno != EEXIST)
		return -1;
	if (fstatat(statefd, MO_QUARANTINE_DIR, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return -1;
	if (!S_ISDIR(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

void
mo_quarantine_key(char *key, size_t keysz, int have_uid, uid_t uid, const char *sasl)
{
	size_t n, i;

	if (have_uid) {
		snprintf(key, keysz, "uid-%lu", (unsigned long)uid);
		return;
	}
	if (sasl == NULL || sasl[0] == '\0' || keysz < 8) {
		snprintf(key, keysz, "none");
		return;
	}
	/* a name any client may choose: hex, cut to fit a file name */
	n = strlcpy(key, "sasl-", keysz);
	for (i = 0; sasl[i] != '\0' && n + 3 <= keysz && n + 2 <= MO_QUARANTINE_KEY_MAX; i++)
		n += (size_t)snprintf(key + n, keysz - n, "%02x", (unsigned char)sasl[i]);
}

/* quarantine/by/KEY, made when create is set; an fd, or -1. */
static int
quarantine_by(int statefd, const char *key, int create)
{
	char path[sizeof(MO_QUARANTINE_DIR) + MO_QUARANTINE_KEY_MAX + 8];

	if (strchr(key, '/') != NULL || key[0] == '.' || key[0] == '\0') {
		errno = EINVAL;
		return -1;
	}
	snprintf(path, sizeof(path), "%s/by", MO_QUARANTINE_DIR);
	if (create && mkdirat(statefd, path, 0700) == -1 && errno != EEXIST)
		return -1;
	snprintf(path, sizeof(path), "%s/by/%s", MO_QUARANTINE_DIR, key);
	if (create && mkdirat(statefd, path, 0700) == -1 && errno != EEXIST)
		return -1;
	return openat(statefd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

int
mo_quarantine_usage(int statefd, const char *key, unsigned long long *msgs,
    unsigned long long *bytes)
{
	struct dirent *e;
	struct stat st;
	const char *dot;
	DIR *d;
	int fd;

	*msgs = *bytes = 0;
	if ((fd = quarantine_by(statefd, key, 0)) == -1)
		return errno == ENOENT ? 0 : -1;
	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || (dot = strchr(e->d_name, '.')) == NULL ||
		    fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 || !S_ISREG(st.st_mode))
			continue;
		if (st.st_nlink < 2) {          /* its record is gone: so is the hold */
			unlinkat(fd, e->d_name, 0);
			continue;
		}
		(*msgs)++;
		*bytes += strtoull(dot + 1, NULL, 10);
	}
	closedir(d);
	return 0;
}

int
mo_quarantine_note(int statefd, const char *key, const char *id, unsigned long long size)
{
	char rec[sizeof(MO_QUARANTINE_DIR) + NAME_MAX + 2], name[NAME_MAX + 1];
	int fd, rc, saved;

	if ((fd = quarantine_by(statefd, key, 1)) == -1)
		return -1;
	snprintf(rec, sizeof(rec), "%s/%s", MO_QUARANTINE_DIR, id);
	snprintf(name, sizeof(name), "%s.%llu", id, size);
	rc = linkat(statefd, rec, fd, name, 0);
	saved = errno;
	close(fd);
	errno = saved;
	return rc;
}

void
mo_new_id(char id[MO_ID_LEN + 1])
{
	uint32_t r;

	/* one system call; arc4random() (libbsd) maps its state and keys a
	 * cipher first, for the 4 bytes one id needs */
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = arc4random();
	snprintf(id, MO_ID_LEN + 1, "%08llx%08x",
	    (unsigned long long)mo_time() & 0xffffffffULL, r);
}

int
mo_spool_create(int statefd)
{
	char name[64], id[MO_ID_LEN + 1];
	int fd, tries;

	fd = openat(statefd, "tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, FILE_MODE);
	if (fd != -1 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd;
	/* no O_TMPFILE on this file system: create, then unlink at once */
	for (tries = 0; tries < 8; tries++) {
		mo_new_id(id);
		snprintf(name, sizeof(name), "tmp/spool.%s", id);
		fd = openat(statefd, name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, FILE_MODE);
		if (fd != -1) {
			unlinkat(statefd, name, 0);
			return fd;
		}
		if (errno != EEXIST)
			return -1;
	}
	return -1;
}

int
mo_spool_memory(void)
{
	return memfd_create("mailorigin-spool", MFD_CLOEXEC);
}

/* Copy all of from (from offset 0) into to. */
static int
copy_file(int from, int to)
{
	char buf[65536];
	off_t off = 0;
	ssize_t n;

	for (;;) {
		if ((n = pread(from, buf, sizeof(buf), off)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return 0;
		if (mo_write_all(to, buf, (size_t)n) == -1)
			return -1;
		off += n;
	}
}

/* Put the message into dirfd as "message": a link when it can be one. */
static int
place_message(int dirfd, int msgfd)
{
	char proc[64];
	int out, rc;

	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", msgfd);
	if (linkat(AT_FDCWD, proc, dirfd, "message", AT_SYMLINK_FOLLOW) == 0)
		return fsync(msgfd);
	if ((out = openat(dirfd, "message", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    FILE_MODE)) == -1)
		return -1;
	rc = copy_file(msgfd, out) == 0 && fsync(out) == 0 ? 0 : -1;
	close(out);
	return rc;
}

int
mo_hold(int statefd, int msgfd, const char *id, const char *meta, size_t metalen)
{
	char tmp[64], dst[64];
	int dirfd = -1, metafd = -1, holdfd = -1, saved;

	snprintf(tmp, sizeof(tmp), "tmp/hold.%s", id);
	snprintf(dst, sizeof(dst), "hold/%s", id);
	if (mkdirat(statefd, tmp, DIR_MODE) == -1)
		return -1;
	if ((dirfd = openat(statefd, tmp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1 ||
	    place_message(dirfd, msgfd) == -1 ||
	    (metafd = openat(dirfd, "meta", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    FILE_MODE)) == -1 ||
	    mo_write_all(metafd, meta, metalen) == -1 || fsync(metafd) == -1 ||
	    fsync(dirfd) == -1 ||
	    renameat2(statefd, tmp, statefd, dst, RENAME_NOREPLACE) == -1)
		goto fail;
	if ((holdfd = openat(statefd, "hold", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1) {
		fsync(holdfd);
		close(holdfd);
	}
	close(metafd);
	close(dirfd);
	return 0;
fail:
	saved = errno;
	if (metafd != -1)
		close(metafd);
	if (dirfd != -1) {
		unlinkat(dirfd, "meta", 0);
		unlinkat(dirfd, "message", 0);
		close(dirfd);
	}
	unlinkat(statefd, tmp, AT_REMOVEDIR);
	errno = saved;
	return -1;
}

/* Add up the folders of uid in the state dir's DIR whose names start with
 * PREFIX, with the size of their message file. */
static int
hold_usage_in(int statefd, const char *dir, const char *prefix, uid_t uid,
    unsigned long long *msgs, unsigned long long *bytes)
{
	struct dirent *e;
	struct stat st;
	char path[NAME_MAX + 16];
	size_t plen = strlen(prefix);
	DIR *d;
	int fd;

	if ((fd = openat(statefd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1 ||
	    (d = fdopendir(fd)) == NULL) {
		if (fd != -1)
			close(fd);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || strncmp(e->d_name, prefix, plen) != 0 ||
		    fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISDIR(st.st_mode) || st.st_uid != uid)
			continue;
		(*msgs)++;
		snprintf(path, sizeof(path), "%s/message", e->d_name);
		if (fstatat(fd, path, &st, AT_SYMLINK_NOFOLLOW) == 0)
			*bytes += (unsigned long long)st.st_size;
	}
	closedir(d);
	return 0;
}

/* What uid keeps in the hold spool: its holds, and the half-made ones a
 * killed wrapper of its left in tmp/ (a caller may kill its own wrapper
 * between link and rename; that must not store past the quota). */
int
mo_hold_usage(int statefd, uid_t uid, unsigned long long *msgs, unsigned long long *bytes)
{
	*msgs = *bytes = 0;
	if (hold_usage_in(statefd, "hold", "", uid, msgs, bytes) == -1)
		return -1;
	(void)hold_usage_in(statefd, "tmp", "hold.", uid, msgs, bytes);
	return 0;
}
