/* hygiene: start-up file descriptors, and UTF-8 a terminal may print. */
#include <bsd/unistd.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sysexits.h>
#include <unistd.h>

#include "hygiene.h"

void
mo_std_fds(void)
{
	int fd;

	for (fd = 0; fd <= 2; fd++)
		if (fcntl(fd, F_GETFD) == -1 && errno == EBADF &&
		    open("/dev/null", O_RDWR) != fd)
			_exit(EX_OSERR);
	closefrom(3);
}

size_t
mo_utf8_len(const unsigned char *s, size_t len, int printable)
{
	uint32_t cp;
	size_t n, i;

	if (len == 0)
		return 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > len)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff || (printable && cp < 0xa0))
		return 0;
	return n;
}

time_t
mo_time(void)
{
	struct timespec ts;

	if (syscall(SYS_clock_gettime, CLOCK_REALTIME, &ts) == -1)
		return time(NULL);
	return ts.tv_sec;
}
