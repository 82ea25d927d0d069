/*
 * vhost: the vhost directory a path lies in.
 */
#include <string.h>

#include <bsd/string.h>

#include "vhost.h"

static const char *const builtin_roots[] = {
	"/var/www/vhosts", "/home/*/domains", "/var/www", "/srv/www", "/srv/http",
	"/srv", "/usr/local/www", "/home/*",
};

/* Does PATH start with ROOT ('*' = one component)?  Rest of PATH or NULL. */
static const char *
match_root(const char *path, const char *root)
{
	while (*root != '\0') {
		if (*root == '*') {
			if (*path == '/' || *path == '\0')
				return NULL;
			while (*path != '/' && *path != '\0')
				path++;
			root++;
			continue;
		}
		if (*path != *root)
			return NULL;
		path++;
		root++;
	}
	return *path == '/' ? path + 1 : NULL;
}

static int
looks_like_host(const char *s, size_t n)
{
	size_t i;
	int dot = 0;

	if (n == 0 || s[0] == '.' || s[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.')
			dot = 1;
		else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		           (c >= '0' && c <= '9') || c == '-'))
			return 0;
	}
	return dot;
}

static int
try_root(const char *path, const char *root, int strict, char *out, size_t outsz)
{
	const char *rest = match_root(path, root), *slash;
	size_t n;

	if (rest == NULL || (slash = strchr(rest, '/')) == NULL)
		return -1;                       /* a vhost is a folder, not a file */
	n = (size_t)(slash - rest);
	if (n == 0 || (strict && !looks_like_host(rest, n)))
		return -1;
	if (n >= outsz)
		n = outsz - 1;
	memcpy(out, rest, n);
	out[n] = '\0';
	return 0;
}

int
vhost_from_path(const char *path, const char *const *roots, size_t nroots,
                char *out, size_t outsz)
{
	size_t i;

	if (outsz == 0)
		return -1;
	out[0] = '\0';
	for (i = 0; i < nroots; i++)
		if (try_root(path, roots[i], 0, out, outsz) == 0)
			return 0;
	for (i = 0; i < sizeof(builtin_roots) / sizeof(builtin_roots[0]); i++)
		if (try_root(path, builtin_roots[i], 1, out, outsz) == 0)
			return 0;
	return -1;
}
