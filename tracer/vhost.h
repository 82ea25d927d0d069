/*
 * vhost: name the virtual host a script path belongs to.
 *
 * Promises: a pure function of the path and the roots.  A root is a
 * directory whose children are vhosts ("/var/www/vhosts" for Plesk,
 * "/home/ * /domains" for DirectAdmin; '*' matches one component).  Under
 * the built-in roots a child counts only when it looks like a host name
 * (has a dot, only [A-Za-z0-9.-]); under roots the administrator gave
 * (--vhost-root) any child counts.  The vhost is claimed, as the path is.
 */
#ifndef MO_TRACER_VHOST_H
#define MO_TRACER_VHOST_H

#include <stddef.h>

int vhost_from_path(const char *path, const char *const *roots, size_t nroots,
                    char *out, size_t outsz);

#endif
