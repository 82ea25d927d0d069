/*
 * report: mailoriginctl report [--since T] [--until T] [--by KEY]...
 * [--limit N] [--json] [FILE...]: who sent, from the wrapper's log and the
 * MTA's log, in one pass over every file (gzip read in-process).
 */
#include <sys/stat.h>

#include <bsd/stdlib.h>

#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "account.h"
#include "ctl.h"
#include "report_core.h"

#define READ_CHUNK (1 << 20)
#define LINE_MAX_LEN (64 * 1024)        /* longer lines are skipped, counted */

static const char report_usage[] =
"usage: mailoriginctl report [--since TIME] [--until TIME] [--by KEY]... [--limit N]\n"
"                            [--json] [FILE...]\n"
"  TIME: 1h, 30m, 2d (before now) or \"2026-12-01 10:00\", 2026-12-01T10:00:00+01:00\n"
"  KEY:  uid user vhost script sasl client sender rcpt-domain status action hour\n"
"  FILE: logs, rotated and gzipped ones too, '-' for standard input; default: the\n"
"        wrapper's log file and /var/log/mail.log, /var/log/maillog, Postfix's maillog_file\n";

/* "1h" before now, or an absolute time. */
static int
parse_when(const char *s, time_t now, int64_t *t)
{
	char *end;
	long long v;

	if (isdigit((unsigned char)s[0])) {
		errno = 0;
		v = strtoll(s, &end, 10);
		if (errno == 0 && end != s && end[0] != '\0' && end[1] == '\0' && v >= 0 &&
		    v < 100LL * 365 * 86400) {
			long long unit = end[0] == 's' ? 1 : end[0] == 'm' ? 60 : end[0] == 'h' ?
			    3600 : end[0] == 'd' ? 86400 : end[0] == 'w' ? 7 * 86400 : 0;
			if (unit) {
				*t = (int64_t)now - v * unit;
				return 0;
			}
		}
	}
	return rp_parse_time(s, strlen(s), t);
}

/* ---- sources ------------------------------------------------------------------- */

struct source {
	const char	*path;          /* "-": standard input */
	int		 wrapper_only;  /* its first line is the wrapper's */
	int		 rot;           /* the N of NAME.N[.gz]; 0 for NAME */
	size_t		 base_len;      /* of NAME */
	size_t		 order;         /* position of its group */
};

static void
rotation(struct source *s)
{
	size_t n = strlen(s->path), e = n;
	size_t d;

	if (e > 3 && strcmp(s->path + e - 3, ".gz") == 0)
		e -= 3;
	d = e;
	while (d > 0 && isdigit((unsigned char)s->path[d - 1]))
		d--;
	if (d < e && d > 1 && s->path[d - 1] == '.') {
		s->rot = atoi(s->path + d);
		s->base_len = d - 1;
	} else {
		s->rot = 0;
		s->base_len = e;
	}
}

/* A reader over a plain or gzipped file. */
struct reader {
	int		 fd;
	gzFile		 gz;
	char		*buf;
	size_t		 len, off;
	int		 eof, skipping;
};

static int
reader_open(struct reader *rd, const char *path, time_t *mtime)
{
	unsigned char magic[2];
	struct stat sb;
	ssize_t n;

	memset(rd, 0, sizeof(*rd));
	if (strcmp(path, "-") == 0)
		rd->fd = dup(0);
	else
		rd->fd = open(path, O_RDONLY | O_NOCTTY | O_CLOEXEC);
	if (rd->fd == -1)
		return -1;
	if (fstat(rd->fd, &sb) == -1 || S_ISDIR(sb.st_mode)) {
		if (S_ISDIR(sb.st_mode))
			errno = EISDIR;
		close(rd->fd);
		return -1;
	}
	*mtime = S_ISREG(sb.st_mode) ? sb.st_mtime : time(NULL);
	rd->buf = malloc(READ_CHUNK + LINE_MAX_LEN);
	if (rd->buf == NULL)
		err(EX_OSERR, "report");
	/* gzip by its magic, whatever the name; a pipe is read as it is */
	if (S_ISREG(sb.st_mode) && (n = pread(rd->fd, magic, 2, 0)) == 2 &&
	    magic[0] == 0x1f && magic[1] == 0x8b) {
		if ((rd->gz = gzdopen(rd->fd, "rb")) == NULL)
			err(EX_OSERR, "gzdopen");
		gzbuffer(rd->gz, 256 * 1024);
	}
	return 0;
}

static ssize_t
reader_fill(struct reader *rd, char *p, size_t n)
{
	if (rd->gz) {
		int r = gzread(rd->gz, p, (unsigned)n);
		if (r < 0) {
			int e;
			warnx("gzip: %s", gzerror(rd->gz, &e));
			return -1;
		}
		return r;
	}
	for (;;) {
		ssize_t r = read(rd->fd, p, n);
		if (r == -1 && errno == EINTR)
			continue;
		return r;
	}
}

/* The next line in line and len (no newline).  Returns 1, 0 at the end, -1
 * on a read error; a line longer than LINE_MAX_LEN gives len SIZE_MAX. */
static int
reader_line(struct reader *rd, const char **line, size_t *len)
{
	for (;;) {
		char *s = rd->buf + rd->off, *nl = memchr(s, '\n', rd->len - rd->off);
		ssize_t r;

		if (nl != NULL) {
			rd->off = (size_t)(nl - rd->buf) + 1;
			if (rd->skipping) {
				rd->skipping = 0;
				*len = SIZE_MAX;
				return 1;
			}
			*line = s;
			*len = (size_t)(nl - s);
			return 1;
		}
		/* keep the partial line, read more after it */
		if (rd->len - rd->off >= LINE_MAX_LEN) {
			rd->skipping = 1;
			rd->len = rd->off = 0;
		} else {
			memmove(rd->buf, s, rd->len - rd->off);
			rd->len -= rd->off;
			rd->off = 0;
		}
		if (rd->eof) {
			if (rd->len == 0 && !rd->skipping)
				return 0;
			*line = rd->buf;
			*len = rd->skipping ? SIZE_MAX : rd->len;
			rd->len = rd->off = 0;
			rd->skipping = 0;
			return 1;
		}
		r = reader_fill(rd, rd->buf + rd->len, READ_CHUNK);
		if (r == -1)
			return -1;
		if (r == 0)
			rd->eof = 1;
		rd->len += (size_t)r;
	}
}

static void
reader_close(struct reader *rd)
{
	if (rd->gz)
		gzclose(rd->gz);
	else if (rd->fd != -1)
		close(rd->fd);
	free(rd->buf);
}

/* Does the file start with a line of the wrapper's own log file? */
static int
sniff_wrapper(const char *path)
{
	struct reader rd;
	struct rp_clock c;
	struct rp_prefix p;
	const char *line;
	size_t len;
	time_t mt;
	int rc = 0;

	if (strcmp(path, "-") == 0 || reader_open(&rd, path, &mt) == -1)
		return 0;
	rp_clock_init(&c, mt);
	if (reader_line(&rd, &line, &len) == 1 && len != SIZE_MAX &&
	    rp_prefix(line, len, &c, &p) == 0 && p.host.n == 0 &&
	    p.prog.n == 10 && memcmp(p.prog.p, "mailorigin", 10) == 0)
		rc = 1;
	reader_close(&rd);
	return rc;
}

/* wrapper-only files first (the join needs their lines before pickup's),
 * then the groups in the order given, each oldest rotation first */
static int
source_cmp(const void *a, const void *b)
{
	const struct source *x = a, *y = b;

	if (x->wrapper_only != y->wrapper_only)
		return x->wrapper_only ? -1 : 1;
	if (x->order != y->order)
		return x->order < y->order ? -1 : 1;
	if (x->rot != y->rot)
		return x->rot > y->rot ? -1 : 1;
	return strcmp(x->path, y->path);
}

static struct source *
sources_order(char **paths, int n)
{
	struct source *s = calloc((size_t)n, sizeof(*s));
	int i, j;

	if (s == NULL)
		err(EX_OSERR, "report");
	for (i = 0; i < n; i++) {
		s[i].path = paths[i];
		rotation(&s[i]);
		s[i].order = (size_t)i;
		for (j = 0; j < i; j++)
			if (s[j].base_len == s[i].base_len &&
			    strncmp(s[j].path, s[i].path, s[i].base_len) == 0) {
				s[i].order = s[j].order;
				break;
			}
		s[i].wrapper_only = sniff_wrapper(paths[i]);
	}
	qsort(s, (size_t)n, sizeof(*s), source_cmp);
	return s;
}

/* Postfix's maillog_file, when postconf says there is one. */
static char *
postfix_maillog(void)
{
	static char path[4096];
	FILE *p;
	size_t n;

	if (access("/usr/sbin/postconf", X_OK) == -1)
		return NULL;
	if ((p = popen("/usr/sbin/postconf -h maillog_file 2>/dev/null", "r")) == NULL)
		return NULL;
	n = fread(path, 1, sizeof(path) - 1, p);
	pclose(p);
	path[n] = '\0';
	path[strcspn(path, "\n")] = '\0';
	return path[0] == '/' ? path : NULL;
}

static int
default_sources(struct ctl *c, char **out, int max)
{
	static const char *const mta[] = { "/var/log/mail.log", "/var/log/maillog", NULL };
	struct stat sb;
	const char *pf;
	int n = 0, i;

	if (c->cfg.log_file[0] && stat(c->cfg.log_file, &sb) == 0)
		out[n++] = (char *)c->cfg.log_file;
	for (i = 0; mta[i] && n < max; i++)
		if (stat(mta[i], &sb) == 0)
			out[n++] = (char *)mta[i];
	if ((pf = postfix_maillog()) != NULL && stat(pf, &sb) == 0 && n < max) {
		for (i = 0; i < n; i++)
			if (strcmp(out[i], pf) == 0)
				break;
		if (i == n)
			out[n++] = (char *)pf;
	}
	return n;
}

static int
read_source(struct ctl *c, struct rpt *r, const char *path)
{
	struct reader rd;
	struct rp_clock clk;
	const char *line;
	size_t len;
	time_t mt;
	int rc;

	if (reader_open(&rd, path, &mt) == -1) {
		ctl_fail(c, EX_NOINPUT, "report: %s: %s", path, strerror(errno));
		return -1;
	}
	rp_clock_init(&clk, mt);
	while ((rc = reader_line(&rd, &line, &len)) == 1) {
		if (len == SIZE_MAX)
			rpt_bad_line(r);
		else
			rpt_line(r, line, len, &clk);
	}
	if (rc == -1)
		ctl_fail(c, EX_IOERR, "report: %s: %s", path, errno ? strerror(errno) : "read error");
	reader_close(&rd);
	return rc;
}

static void
name_uid(void *ctx, long uid, char *user, size_t ulen, char *vhost, size_t vlen)
{
	mo_account_name(ctx, (uid_t)uid, user, ulen, vhost, vlen);
}

int
ctl_report(struct ctl *c, int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "by", required_argument, NULL, 'b' },
		{ "limit", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct rpt_opts o;
	struct source *src;
	struct rpt *r;
	char *defaults[4];
	time_t now = time(NULL);
	int ch, i, k, nsrc;
	char **paths;

	memset(&o, 0, sizeof(o));
	o.since = INT64_MIN;
	o.until = INT64_MAX;
	o.limit = 10;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
		case 'u':
			if (parse_when(optarg, now, ch == 's' ? &o.since : &o.until) == -1)
				errx(EX_USAGE, "report: --%s %s: not a time (1h, 30m, \"2026-12-01 10:00\")",
				    ch == 's' ? "since" : "until", optarg);
			break;
		case 'b': {
			char *s, *save = NULL, *copy = strdup(optarg);
			if (copy == NULL)
				err(EX_OSERR, "report");
			/* --by vhost,script is --by vhost --by script */
			for (s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
				if ((k = rpt_key_parse(s)) == -1)
					errx(EX_USAGE, "report: --by %s: no such key\n%s", s, report_usage);
				if (o.nby == RPT_MAX_BY)
					errx(EX_USAGE, "report: at most %d --by", RPT_MAX_BY);
				o.by[o.nby++] = (enum rpt_key)k;
			}
			free(copy);
			break;
		}
		case 'n': {
			const char *e = NULL;
			o.limit = (size_t)strtonum(optarg, 1, 1000000, &e);
			if (e != NULL)
				errx(EX_USAGE, "report: --limit %s: %s", optarg, e);
			break;
		}
		case 'j': o.json = 1; break;
		case 'h': fputs(report_usage, stdout); return EX_OK;
		default: fputs(report_usage, stderr); return EX_USAGE;
		}
	}
	if (o.nby == 0)
		o.by[o.nby++] = RK_UID;
	if (o.since != INT64_MIN && o.until != INT64_MAX && o.until <= o.since)
		errx(EX_USAGE, "report: --until is not after --since");
	argc -= optind;
	argv += optind;
	if (argc > 0) {
		paths = argv;
		nsrc = argc;
	} else {
		nsrc = default_sources(c, defaults, 4);
		paths = defaults;
		if (nsrc == 0)
			errx(EX_NOINPUT, "report: no log found (the wrapper's log file, /var/log/mail.log, "
			    "/var/log/maillog, Postfix's maillog_file): name the files");
	}
	src = sources_order(paths, nsrc);
	o.name_uid = name_uid;
	o.name_ctx = &c->cfg;
	r = rpt_new(&o);
	for (i = 0; i < nsrc; i++)
		read_source(c, r, src[i].path);
	rpt_finish(r);
	rpt_print(r, stdout, o.json ? stderr : stdout);
	rpt_free(r);
	free(src);
	return c->rc;
}
