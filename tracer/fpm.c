/*
 * fpm: pool configuration and the "?full&json" status page.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bsd/stdlib.h>
#include <bsd/string.h>

#include "fcgi.h"
#include "fpm.h"

#define MAX_INCLUDE_DEPTH FPM_MAX_INCLUDE_DEPTH
#define MAX_CONF_SIZE (1 << 20)

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static void
unquote(char *s)
{
	size_t n = strlen(s);

	if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
		memmove(s, s + 1, n - 2);
		s[n - 2] = '\0';
	}
}

/* Copy VALUE into OUT with every "$pool" replaced by POOL. */
static void
expand_pool(char *out, size_t outsz, const char *value, const char *pool)
{
	size_t n = 0;
	const char *p;

	for (p = value; *p != '\0' && n + 1 < outsz;) {
		if (strncmp(p, "$pool", 5) == 0) {
			n += strlcpy(out + n, pool, outsz - n);
			if (n >= outsz)
				n = outsz - 1;
			p += 5;
		} else
			out[n++] = *p++;
	}
	out[n] = '\0';
}

static int load_depth(const char *path, struct fpm_pools *pools, int depth);

static void
include_glob(const char *pattern, struct fpm_pools *pools, int depth)
{
	char full[PATH_MAX];
	glob_t g;
	size_t i;

	if (pattern[0] == '/')
		strlcpy(full, pattern, sizeof(full));
	else
		snprintf(full, sizeof(full), "/usr/%s", pattern);  /* fpm's prefix */
	if (glob(full, 0, NULL, &g) != 0)
		return;
	for (i = 0; i < g.gl_pathc; i++)
		(void)load_depth(g.gl_pathv[i], pools, depth + 1);
	globfree(&g);
}

static void
set_key(struct fpm_pool *p, const char *key, const char *value)
{
	if (strcmp(key, "listen") == 0)
		expand_pool(p->listen, sizeof(p->listen), value, p->name);
	else if (strcmp(key, "pm.status_listen") == 0)
		expand_pool(p->status_listen, sizeof(p->status_listen), value, p->name);
	else if (strcmp(key, "pm.status_path") == 0)
		expand_pool(p->status_path, sizeof(p->status_path), value, p->name);
	else if (strcmp(key, "user") == 0)
		expand_pool(p->user, sizeof(p->user), value, p->name);
	else if (strcmp(key, "chdir") == 0)
		expand_pool(p->chdir, sizeof(p->chdir), value, p->name);
}

int
fpm_conf_parse(const char *text, struct fpm_pools *pools, int depth)
{
	char *copy, *line, *save = NULL, *eq, *key, *value;
	struct fpm_pool *cur = NULL;
	size_t i;

	if ((copy = strdup(text)) == NULL)
		return -1;
	for (line = strtok_r(copy, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		line = trim(line);
		if (line[0] == '\0' || line[0] == ';' || line[0] == '#')
			continue;
		if (line[0] == '[') {
			char *close = strchr(line, ']');
			cur = NULL;
			if (close == NULL)
				continue;
			*close = '\0';
			if (strcmp(line + 1, "global") == 0)
				continue;
			for (i = 0; i < pools->n; i++)
				if (strcmp(pools->pool[i].name, line + 1) == 0)
					cur = &pools->pool[i];
			if (cur == NULL && pools->n < FPM_MAX_POOLS) {
				cur = &pools->pool[pools->n++];
				memset(cur, 0, sizeof(*cur));
				strlcpy(cur->name, line + 1, sizeof(cur->name));
			}
			continue;
		}
		if ((eq = strchr(line, '=')) == NULL)
			continue;
		*eq = '\0';
		key = trim(line);
		value = trim(eq + 1);
		unquote(value);
		if (strcmp(key, "include") == 0) {
			if (depth < MAX_INCLUDE_DEPTH)
				include_glob(value, pools, depth);
			continue;
		}
		if (cur != NULL)
			set_key(cur, key, value);
	}
	free(copy);
	return 0;
}

/*
 * Believe a config file only when it is a regular file that root owns and
 * only root may write: it names sockets the tracer connects to as root and
 * the path it asks them for.  O_NONBLOCK: a FIFO must not hang the open.
 */
static int
load_depth(const char *path, struct fpm_pools *pools, int depth)
{
	struct stat st;
	char *buf;
	ssize_t n;
	size_t got = 0;
	int fd, r;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) == -1)
		return -1;
	if (fstat(fd, &st) == -1) {
		close(fd);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022) != 0) {
		close(fd);
		errno = EPERM;
		return -1;
	}
	if ((buf = malloc(MAX_CONF_SIZE)) == NULL) {
		close(fd);
		return -1;
	}
	while (got < MAX_CONF_SIZE - 1) {
		n = read(fd, buf + got, MAX_CONF_SIZE - 1 - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	close(fd);
	r = fpm_conf_parse(buf, pools, depth);
	free(buf);
	return r;
}

int
fpm_conf_load(const char *path, struct fpm_pools *pools)
{
	return load_depth(path, pools, 0);
}

const struct fpm_pool *
fpm_pool_find(const struct fpm_pools *pools, const char *name)
{
	size_t i;

	for (i = 0; i < pools->n; i++)
		if (strcmp(pools->pool[i].name, name) == 0)
			return &pools->pool[i];
	return NULL;
}

/* --- a JSON reader just large enough for the status page --- */

static const char *
skip_ws(const char *p)
{
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	return p;
}

/* Read a JSON string at P (on the quote) into OUT; pointer after it or NULL. */
static const char *
json_string(const char *p, char *out, size_t outsz)
{
	size_t n = 0;
	unsigned long cp;
	int i;
	char c;

	if (*p != '"')
		return NULL;
	for (p++; *p != '"'; p++) {
		c = *p;
		if (c == '\0')
			return NULL;
		if (c == '\\') {
			p++;
			switch (*p) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u':
				/* four hex digits, each checked before the next is read */
				for (cp = 0, i = 1; i <= 4; i++) {
					if (!isxdigit((unsigned char)p[i]))
						return NULL;
					cp = cp * 16 + (unsigned long)(isdigit((unsigned char)p[i]) ?
					     p[i] - '0' : (tolower((unsigned char)p[i]) - 'a' + 10));
				}
				c = cp < 0x80 && cp != 0 ? (char)cp : '?';
				p += 4;
				break;
			case '\0': return NULL;
			default: c = *p; break;     /* \" \\ \/ */
			}
		}
		if (out != NULL && n + 1 < outsz)
			out[n++] = c;
	}
	if (out != NULL && outsz > 0)
		out[n] = '\0';
	return p + 1;
}

/* A scalar (number, true, false, null) into OUT; pointer after it. */
static const char *
json_scalar(const char *p, char *out, size_t outsz)
{
	const char *start = p;
	size_t n = 0;

	while (*p != '\0' && *p != ',' && *p != '}' && *p != ']' && *p != ':' &&
	       *p != '"' && *p != '{' && *p != '[' && !isspace((unsigned char)*p)) {
		if (out != NULL && n + 1 < outsz)
			out[n++] = *p;
		p++;
	}
	if (out != NULL && outsz > 0)
		out[n] = '\0';
	return p > start ? p : NULL;
}

#define JSON_MAX_DEPTH 16

/* Skip any value at P; pointer after it or NULL.  Nesting is bounded. */
static const char *
json_skip(const char *p, int depth)
{
	char close;

	p = skip_ws(p);
	if (*p == '"')
		return json_string(p, NULL, 0);
	if (*p != '{' && *p != '[')
		return json_scalar(p, NULL, 0);
	if (depth >= JSON_MAX_DEPTH)
		return NULL;
	close = *p == '{' ? '}' : ']';
	p = skip_ws(p + 1);
	if (*p == close)
		return p + 1;
	for (;;) {
		if (close == '}') {
			if ((p = json_string(skip_ws(p), NULL, 0)) == NULL)
				return NULL;
			p = skip_ws(p);
			if (*p != ':')
				return NULL;
			p++;
		}
		if ((p = json_skip(p, depth + 1)) == NULL)
			return NULL;
		p = skip_ws(p);
		if (*p == close)
			return p + 1;
		if (*p != ',')
			return NULL;
		p++;
	}
}

static void
worker_set(struct fpm_worker *w, const char *key, const char *val)
{
	if (strcmp(key, "pid") == 0)
		w->pid = (pid_t)strtonum(val, 1, INT_MAX, NULL);
	else if (strcmp(key, "state") == 0)
		strlcpy(w->state, val, sizeof(w->state));
	else if (strcmp(key, "script") == 0)
		strlcpy(w->script, val, sizeof(w->script));
	else if (strcmp(key, "request uri") == 0)
		strlcpy(w->uri, val, sizeof(w->uri));
	else if (strcmp(key, "request method") == 0)
		strlcpy(w->method, val, sizeof(w->method));
	else if (strcmp(key, "request duration") == 0)
		w->duration_us = strtoull(val, NULL, 10);
}

/* A worker's object at P ('{'); calls worker_set for each scalar pair. */
static const char *
json_worker(const char *p, struct fpm_worker *w)
{
	static char val[PATH_MAX];
	char key[64];

	if (*p != '{')
		return NULL;
	p = skip_ws(p + 1);
	if (*p == '}')
		return p + 1;
	for (;;) {
		if ((p = json_string(skip_ws(p), key, sizeof(key))) == NULL)
			return NULL;
		p = skip_ws(p);
		if (*p != ':')
			return NULL;
		p = skip_ws(p + 1);
		if (*p == '"')
			p = json_string(p, val, sizeof(val));
		else if (*p == '{' || *p == '[') {
			p = json_skip(p, 2);
			val[0] = '\0';
		} else
			p = json_scalar(p, val, sizeof(val));
		if (p == NULL)
			return NULL;
		worker_set(w, key, val);
		p = skip_ws(p);
		if (*p == '}')
			return p + 1;
		if (*p != ',')
			return NULL;
		p++;
	}
}

/* The "processes" array at P ('['). */
static const char *
json_processes(const char *p, struct fpm_status *st)
{
	struct fpm_worker scratch, *w;

	if (*p != '[')
		return NULL;
	p = skip_ws(p + 1);
	if (*p == ']')
		return p + 1;
	for (;;) {
		w = st->n < FPM_MAX_WORKERS ? &st->w[st->n] : &scratch;
		memset(w, 0, sizeof(*w));
		if ((p = json_worker(p, w)) == NULL)
			return NULL;
		if (w != &scratch)
			st->n++;
		p = skip_ws(p);
		if (*p == ']')
			return p + 1;
		if (*p != ',')
			return NULL;
		p = skip_ws(p + 1);
	}
}

/*
 * The page is one object; only its own "pool" and "processes" keys count
 * (a key-like text inside a request URI is a value, not a key).
 */
int
fpm_status_parse(const char *body, struct fpm_status *st)
{
	const char *p = skip_ws(body);
	char key[64];
	int seen = 0;

	/* not cleared whole: 5 MiB, a page fault each 4 KiB; the workers past
	 * st->n are never read, and each one is cleared as it is parsed */
	st->pool[0] = '\0';
	st->n = 0;
	if (*p != '{')
		return -1;
	p = skip_ws(p + 1);
	if (*p == '}')
		return -1;
	for (;;) {
		if ((p = json_string(skip_ws(p), key, sizeof(key))) == NULL)
			return -1;
		p = skip_ws(p);
		if (*p != ':')
			return -1;
		p = skip_ws(p + 1);
		if (strcmp(key, "pool") == 0 && *p == '"')
			p = json_string(p, st->pool, sizeof(st->pool));
		else if (strcmp(key, "processes") == 0 && !seen) {
			p = json_processes(p, st);
			seen = 1;
		} else
			p = json_skip(p, 1);
		if (p == NULL)
			return -1;
		p = skip_ws(p);
		if (*p == '}')
			break;
		if (*p != ',')
			return -1;
		p++;
	}
	return seen ? 0 : -1;
}

int
fpm_status_fetch(const struct fpm_pool *pool, int timeout_ms,
                 struct fpm_status *st, char *why, size_t whysz)
{
	const char *addr = pool->status_listen[0] ? pool->status_listen : pool->listen;
	struct fcgi_response r;
	struct fcgi_param params[] = {
		{ "GATEWAY_INTERFACE", "CGI/1.1" },
		{ "REQUEST_METHOD", "GET" },
		{ "SCRIPT_NAME", pool->status_path },
		{ "SCRIPT_FILENAME", pool->status_path },
		{ "REQUEST_URI", pool->status_path },
		{ "QUERY_STRING", "full&json" },
		{ "SERVER_SOFTWARE", "mailorigin-tracer" },
		{ "REMOTE_ADDR", "127.0.0.1" },
	};
	const char *body;

	if (pool->status_path[0] == '\0') {
		snprintf(why, whysz, "pool %s has no pm.status_path", pool->name);
		return -1;
	}
	if (addr[0] == '\0') {
		snprintf(why, whysz, "pool %s has no listen address", pool->name);
		return -1;
	}
	if (fcgi_request(addr, params, sizeof(params) / sizeof(params[0]),
	                 timeout_ms, &r) == -1) {
		snprintf(why, whysz, "pool %s: status page at %s: %s", pool->name,
		         addr, errno == ETIMEDOUT ? "timed out (every worker busy?)" :
		         errno == EAGAIN && addr[0] == '/' ?
		         "its listen queue is full (every worker busy)" :
		         strerror(errno));
		return -1;
	}
	body = strstr(r.out, "\r\n\r\n");
	body = body ? body + 4 : r.out;
	if (fpm_status_parse(body, st) == -1) {
		snprintf(why, whysz, "pool %s: status page is not the JSON expected",
		         pool->name);
		fcgi_response_free(&r);
		return -1;
	}
	fcgi_response_free(&r);
	return 0;
}
