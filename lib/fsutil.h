/*
 * fsutil: the small file steps every program shares: does a path exist,
 * make a rename durable, replace a file whole, is a path the wrapper.
 */
#ifndef MO_FSUTIL_H
#define MO_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Is there anything at path (lstat: a dangling symlink counts)? */
int mo_exists(const char *path);
/* Is path the mailorigin wrapper: this very program (the same file as
 * /proc/self/exe), or a setgid file of the mailorigin group (a copy of it,
 * or the wrapper seen from another program)?  Following symlinks. */
int mo_is_wrapper(const char *path);
/* fsync the folder dir, or the folder path is in; 0 or -1 (errno). */
int mo_fsync_dir(const char *dir);
int mo_fsync_parent(const char *path);
/* Write all of buf[0..len) to fd (EINTR retried); 0 or -1 (errno). */
int mo_write_all(int fd, const void *buf, size_t len);
/* Replace path whole with text[0..len): a temp file beside it (".NAME.
 * mailorigin-tmp": no reader picks it up), mode, owned by root when we are
 * root, fsync, rename, fsync of the folder.  0 or -1 (errno; no temp file
 * is left). */
int mo_write_atomic(const char *path, const void *text, size_t len, mode_t mode);

#endif
