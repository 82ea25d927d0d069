/* ctl: the one error style and the log of mailoriginctl's verbs. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <unistd.h>

#include "ctl.h"
#include "escape.h"

void
ctl_fail(struct ctl *c, int rc, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("mailoriginctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (c->rc == 0)
		c->rc = rc;
}

void
ctl_log(struct ctl *c, int prio, const struct mo_line *l)
{
	int fd;

	if (c->cfg.log_syslog)
		syslog(prio, "%s", l->buf);
	if (c->cfg.log_file[0] == '\0')
		return;
	/* never create it: the wrapper's install makes it, with its group */
	fd = open(c->cfg.log_file, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
	if (fd == -1 || mo_line_write(fd, "mailoriginctl", l) == -1)
		syslog(LOG_ERR, "fault: log file %s: %m", c->cfg.log_file);
	if (fd != -1)
		close(fd);
}

