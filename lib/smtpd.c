/* smtpd: an SMTP server session on stdin/stdout for sendmail -bs. */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "hygiene.h"
#include "options.h"
#include "smtpd.h"

#define RDBUF 8192
#define WRBUF 65536

struct reader {
	int		 fd;
	FILE		*out;           /* flushed before a blocking read */
	int		 timeout_ms;
	char		 buf[RDBUF];
	size_t		 pos, len;
};

/* read results; RD_LOST: the input ended inside DATA */
enum { RD_OK = 1, RD_EOF = 0, RD_TIMEOUT = -1, RD_ERR = -2, RD_LOST = -3 };

struct session {
	const struct mo_smtpd	*s;
	struct reader		 rd;
	int			 in_mail;
	char			 sender[MO_SMTPD_PATH_MAX + 1];
	int			 eightbit, smtputf8;
	char			**rcpt;
	size_t			 nrcpt;
	unsigned		 errors;
};

static int
rd_fill(struct reader *r)
{
	struct pollfd p = { .fd = r->fd, .events = POLLIN };
	ssize_t n;
	int k;

	fflush(r->out);
	for (;;) {
		k = poll(&p, 1, r->timeout_ms);
		if (k == 0)
			return RD_TIMEOUT;
		if (k == -1 && errno == EINTR)
			continue;
		if (k == -1)
			return RD_ERR;
		n = read(r->fd, r->buf, sizeof(r->buf));
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == -1)
			return RD_ERR;
		r->pos = 0;
		r->len = (size_t)n;
		return n == 0 ? RD_EOF : RD_OK;
	}
}

/* One command line without its LF (and CR) into line (MO_SMTPD_CMD_MAX
 * bytes).  *toolong: the line was longer and is dropped; *nul: it held a
 * NUL byte. */
static int
rd_line(struct reader *r, char *line, size_t *len, int *toolong, int *nul)
{
	size_t n = 0;
	char c;
	int k;

	*toolong = *nul = 0;
	for (;;) {
		if (r->pos == r->len && (k = rd_fill(r)) != RD_OK)
			return k == RD_EOF && n > 0 ? RD_OK : k;
		c = r->buf[r->pos++];
		if (c == '\n')
			break;
		if (c == '\0')
			*nul = 1;
		if (n + 2 < MO_SMTPD_CMD_MAX)   /* room for CR LF */
			line[n++] = c;
		else
			*toolong = 1;
	}
	if (n > 0 && line[n - 1] == '\r')
		n--;
	line[n] = '\0';
	*len = n;
	return RD_OK;
}

static void
reply(struct session *ss, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(ss->s->out, fmt, ap);
	va_end(ap);
	fputs("\r\n", ss->s->out);
}

static void
txn_reset(struct session *ss)
{
	size_t i;

	for (i = 0; i < ss->nrcpt; i++)
		free(ss->rcpt[i]);
	free(ss->rcpt);
	ss->rcpt = NULL;
	ss->nrcpt = 0;
	ss->in_mail = ss->eightbit = ss->smtputf8 = 0;
	ss->sender[0] = '\0';
}

/* --- addresses and parameters --- */

/* The address in "<...>" (or a bare one) at *pp into out; *pp moves past
 * it.  Returns NULL, or the error reply. */
static const char *
parse_path(const char **pp, char *out, int utf8)
{
	const char *p = *pp, *start;
	int angle = 0, quote = 0;
	size_t n = 0, k;

	while (*p == ' ')
		p++;
	if (*p == '<') {
		angle = 1;
		p++;
	}
	/* a source route "@a,@b:" is read and ignored (RFC 5321 C) */
	if (angle && *p == '@') {
		const char *colon = strchr(p, ':');
		if (colon == NULL)
			return "501 5.1.7 Bad address syntax";
		p = colon + 1;
	}
	start = p;
	for (; *p != '\0'; p++) {
		unsigned char c = (unsigned char)*p;

		if (quote) {
			if (c == '\\' && p[1] != '\0')
				p++;
			else if (c == '"')
				quote = 0;
		} else if (c == '"')
			quote = 1;
		else if (angle && c == '>')
			break;
		else if (!angle && c == ' ')
			break;
		else if (c == ' ' || c == '<' || c == '>')
			return "501 5.1.7 Bad address syntax";
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "501 5.1.7 Bad address syntax: a control character";
		if ((unsigned char)*p >= 0x80) {
			if (!utf8)
				return "553 5.6.7 A non-ASCII address needs SMTPUTF8";
			if ((k = mo_utf8_len((const unsigned char *)p, strlen(p), 0)) == 0)
				return "553 5.6.7 Bad UTF-8 in the address";
			p += k - 1;
		}
	}
	if (quote || (angle && *p != '>'))
		return "501 5.1.7 Bad address syntax";
	n = (size_t)(p - start);
	if (!angle && n == 0)
		return "501 5.1.7 Bad address syntax";
	if (n > MO_SMTPD_PATH_MAX)
		return "501 5.1.3 Address too long";
	memcpy(out, start, n);
	out[n] = '\0';
	if (angle)
		p++;
	*pp = p;
	return NULL;
}

/* "FROM:" / "TO:" after the verb, spaces allowed around the colon. */
static const char *
after_keyword(const char *arg, const char *kw)
{
	size_t n = strlen(kw);

	while (*arg == ' ')
		arg++;
	if (strncasecmp(arg, kw, n) != 0)
		return NULL;
	arg += n;
	while (*arg == ' ')
		arg++;
	if (*arg != ':')
		return NULL;
	return arg + 1;
}

/* MAIL FROM parameters.  Returns NULL or the error reply. */
static const char *
mail_params(struct session *ss, const char *p)
{
	static char err[128];
	char word[128];
	size_t n;

	for (;;) {
		while (*p == ' ')
			p++;
		if (*p == '\0')
			return NULL;
		n = strcspn(p, " ");
		if (n >= sizeof(word))
			return "555 5.5.4 Unsupported option";
		memcpy(word, p, n);
		word[n] = '\0';
		p += n;
		if (strncasecmp(word, "SIZE=", 5) == 0) {
			char *end;
			unsigned long long v;

			errno = 0;
			v = strtoull(word + 5, &end, 10);
			if (!isdigit((unsigned char)word[5]) || *end != '\0' || errno != 0)
				return "501 5.5.4 Bad SIZE parameter";
			if (v > ss->s->size_max)
				return "552 5.3.4 Message size exceeds fixed limit";
		} else if (strcasecmp(word, "BODY=8BITMIME") == 0)
			ss->eightbit = 1;
		else if (strcasecmp(word, "BODY=7BIT") == 0)
			ss->eightbit = 0;
		else if (strcasecmp(word, "SMTPUTF8") == 0)
			ss->smtputf8 = 1;
		else {
			snprintf(err, sizeof(err), "555 5.5.4 Unsupported option: %.64s", word);
			for (n = 0; err[n] != '\0'; n++)
				if ((unsigned char)err[n] < 0x20 || (unsigned char)err[n] >= 0x7f)
					err[n] = '?';
			return err;
		}
	}
}

/* Is there an 8-bit byte in s? */
static int
has_8bit(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

static void
cmd_mail(struct session *ss, const char *arg)
{
	char addr[MO_SMTPD_PATH_MAX + 1];
	const char *p = after_keyword(arg, "FROM"), *e;

	if (ss->in_mail) {
		reply(ss, "503 5.5.1 Error: nested MAIL command");
		ss->errors++;
		return;
	}
	if (p == NULL) {
		reply(ss, "501 5.5.4 Syntax: MAIL FROM:<address>");
		ss->errors++;
		return;
	}
	/* the parameters come after the address, but SMTPUTF8 decides
	 * whether the address may be 8-bit: look for it first */
	ss->eightbit = ss->smtputf8 = 0;
	if ((e = parse_path(&p, addr, 1)) == NULL && (e = mail_params(ss, p)) == NULL &&
	    has_8bit(addr) && !ss->smtputf8)
		e = "553 5.6.7 A non-ASCII address needs SMTPUTF8";
	if (e != NULL) {
		ss->eightbit = ss->smtputf8 = 0;
		reply(ss, "%s", e);
		ss->errors++;
		return;
	}
	strcpy(ss->sender, addr);
	ss->in_mail = 1;
	reply(ss, "250 2.1.0 Ok");
}

static void
cmd_rcpt(struct session *ss, const char *arg)
{
	char addr[MO_SMTPD_PATH_MAX + 1], **r;
	const char *p = after_keyword(arg, "TO"), *e;

	if (!ss->in_mail) {
		reply(ss, "503 5.5.1 Error: need MAIL command");
		ss->errors++;
		return;
	}
	if (p == NULL) {
		reply(ss, "501 5.5.4 Syntax: RCPT TO:<address>");
		ss->errors++;
		return;
	}
	if ((e = parse_path(&p, addr, ss->smtputf8)) == NULL) {
		while (*p == ' ')
			p++;
		if (*p != '\0')
			e = "555 5.5.4 Unsupported option";
		else if (addr[0] == '\0')
			e = "501 5.1.3 Bad recipient address syntax";
	}
	if (e != NULL) {
		reply(ss, "%s", e);
		ss->errors++;
		return;
	}
	if (ss->nrcpt >= MO_SMTPD_RCPT_MAX) {
		reply(ss, "452 4.5.3 Error: too many recipients");
		return;
	}
	if ((r = reallocarray(ss->rcpt, ss->nrcpt + 1, sizeof(*r))) == NULL ||
	    (ss->rcpt = r, r[ss->nrcpt] = strdup(addr)) == NULL) {
		reply(ss, "452 4.3.0 Error: out of memory");
		return;
	}
	ss->nrcpt++;
	reply(ss, "250 2.1.5 Ok");
}

/* --- DATA --- */

struct data_out {
	int			 fd;            /* -1: dropping */
	char			 buf[WRBUF];
	size_t			 len;
	unsigned long long	 size, max;
	int			 err;           /* errno of a failed write */
	int			 big;           /* over max */
};

static void
dout_flush(struct data_out *o)
{
	size_t off = 0;
	ssize_t n;

	while (o->fd != -1 && off < o->len) {
		if ((n = write(o->fd, o->buf + off, o->len - off)) == -1) {
			if (errno == EINTR)
				continue;
			o->err = errno;
			break;
		}
		off += (size_t)n;
	}
	o->len = 0;
}

static void
dout_put(struct data_out *o, char c)
{
	if (++o->size > o->max)
		o->big = 1;
	if (o->big || o->err)
		return;
	o->buf[o->len++] = c;
	if (o->len == sizeof(o->buf))
		dout_flush(o);
}

/* Read the data up to the line ".": unstuffed, CRLF to LF, into o.
 * Returns RD_OK at the end of data, else what ended the input. */
static int
read_data(struct reader *r, struct data_out *o)
{
	enum { BOL, MID, DOT, DOTCR } st = BOL;
	int cr = 0, k;          /* a CR is pending (MID) */
	char c;

	for (;;) {
		if (r->pos == r->len && (k = rd_fill(r)) != RD_OK)
			return k == RD_EOF ? RD_LOST : k;
		c = r->buf[r->pos++];
		switch (st) {
		case DOT:
			if (c == '\n')
				return RD_OK;
			if (c == '\r') {
				st = DOTCR;
				continue;
			}
			st = MID;       /* ".x": the first dot goes (RFC 5321 4.5.2) */
			break;
		case DOTCR:
			if (c == '\n')
				return RD_OK;
			st = MID;
			cr = 1;         /* ".\rx": the dot goes, the CR stays */
			break;
		case BOL:
			if (c == '.') {
				st = DOT;
				continue;
			}
			st = MID;
			break;
		case MID:
			break;
		}
		/* MID */
		if (c == '\n') {
			dout_put(o, '\n');
			cr = 0;
			st = BOL;
			continue;
		}
		if (cr)
			dout_put(o, '\r');
		cr = c == '\r';
		if (!cr)
			dout_put(o, c);
	}
}

/* Returns 0 to go on, -1 when the session ends (*end set). */
static int
cmd_data(struct session *ss, const char *arg, enum mo_smtpd_end *end)
{
	const struct mo_smtpd *s = ss->s;
	struct data_out *o;
	struct mo_smtpd_txn t;
	char rep[MO_SMTPD_REPLY_MAX];
	int k;

	if (!ss->in_mail || ss->nrcpt == 0) {
		reply(ss, ss->in_mail ? "554 5.5.1 Error: no valid recipients" :
		    "503 5.5.1 Error: need MAIL command");
		ss->errors++;
		return 0;
	}
	if (*arg != '\0') {
		reply(ss, "501 5.5.4 Syntax: DATA");
		ss->errors++;
		return 0;
	}
	if ((o = calloc(1, sizeof(*o))) == NULL) {
		reply(ss, "451 4.3.0 Error: out of memory");
		return 0;
	}
	o->max = s->size_max;
	if ((o->fd = s->spool(s->ctx)) == -1)
		o->err = errno;
	reply(ss, "354 End data with <CR><LF>.<CR><LF>");
	k = read_data(&ss->rd, o);
	dout_flush(o);
	if (k != RD_OK) {
		/* the client went away mid-message: nothing is submitted */
		if (o->fd != -1)
			close(o->fd);
		free(o);
		txn_reset(ss);
		*end = k == RD_TIMEOUT ? MO_SMTPD_TIMEOUT : k == RD_LOST ? MO_SMTPD_LOST :
		    MO_SMTPD_IOERR;
		if (k == RD_TIMEOUT)
			reply(ss, "421 4.4.2 %s Error: timeout exceeded", s->hostname);
		fflush(s->out);
		return -1;
	}
	if (o->big)
		snprintf(rep, sizeof(rep), "552 5.3.4 Message size exceeds fixed limit");
	else if (o->err)
		snprintf(rep, sizeof(rep), "451 4.3.0 Error: cannot spool the message: %s",
		    strerror(o->err));
	else {
		t.sender = ss->sender;
		t.rcpts = ss->rcpt;
		t.nrcpt = ss->nrcpt;
		t.fd = o->fd;
		t.size = o->size;
		t.eightbit = ss->eightbit;
		t.smtputf8 = ss->smtputf8;
		snprintf(rep, sizeof(rep), "451 4.3.0 Error: no reply");
		s->submit(s->ctx, &t, rep, sizeof(rep));
	}
	if (o->fd != -1)
		close(o->fd);
	free(o);
	txn_reset(ss);
	reply(ss, "%s", rep);
	return 0;
}

/* --- the session --- */

static void
cmd_ehlo(struct session *ss, const char *arg, int ehlo)
{
	if (*arg == '\0') {
		reply(ss, "501 5.5.4 Syntax: %s hostname", ehlo ? "EHLO" : "HELO");
		ss->errors++;
		return;
	}
	txn_reset(ss);
	if (!ehlo) {
		reply(ss, "250 %s", ss->s->hostname);
		return;
	}
	reply(ss, "250-%s", ss->s->hostname);
	reply(ss, "250-PIPELINING");
	reply(ss, "250-SIZE %llu", ss->s->size_max);
	reply(ss, "250-8BITMIME");
	reply(ss, "250-SMTPUTF8");
	reply(ss, "250 ENHANCEDSTATUSCODES");
}

/* One command.  Returns 0 to go on, -1 at the end (*end set). */
static int
command(struct session *ss, char *line, enum mo_smtpd_end *end)
{
	char *arg;
	size_t n;

	n = strcspn(line, " ");
	arg = line + n;
	if (*arg == ' ')
		*arg++ = '\0';
	if (strcasecmp(line, "EHLO") == 0 || strcasecmp(line, "HELO") == 0)
		cmd_ehlo(ss, arg, toupper((unsigned char)line[0]) == 'E');
	else if (strcasecmp(line, "MAIL") == 0)
		cmd_mail(ss, arg);
	else if (strcasecmp(line, "RCPT") == 0)
		cmd_rcpt(ss, arg);
	else if (strcasecmp(line, "DATA") == 0)
		return cmd_data(ss, arg, end);
	else if (strcasecmp(line, "RSET") == 0) {
		txn_reset(ss);
		reply(ss, "250 2.0.0 Ok");
	} else if (strcasecmp(line, "NOOP") == 0)
		reply(ss, "250 2.0.0 Ok");
	else if (strcasecmp(line, "QUIT") == 0) {
		reply(ss, "221 2.0.0 Bye");
		*end = MO_SMTPD_QUIT;
		return -1;
	} else if (strcasecmp(line, "VRFY") == 0)
		reply(ss, "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery");
	else if (strcasecmp(line, "HELP") == 0)
		reply(ss, "214 2.0.0 Commands: EHLO HELO MAIL RCPT DATA RSET NOOP QUIT VRFY HELP");
	else if (strcasecmp(line, "EXPN") == 0 || strcasecmp(line, "STARTTLS") == 0 ||
	    strcasecmp(line, "AUTH") == 0 || strcasecmp(line, "BDAT") == 0 ||
	    strcasecmp(line, "ETRN") == 0 || strcasecmp(line, "TURN") == 0) {
		reply(ss, "502 5.5.1 Error: command not implemented");
		ss->errors++;
	} else {
		reply(ss, "500 5.5.2 Error: command not recognized");
		ss->errors++;
	}
	return 0;
}

enum mo_smtpd_end
mo_smtpd_serve(const struct mo_smtpd *s)
{
	struct session *ss;
	enum mo_smtpd_end end = MO_SMTPD_EOF;
	char line[MO_SMTPD_CMD_MAX];
	size_t len;
	int toolong, nul, k;

	if ((ss = calloc(1, sizeof(*ss))) == NULL)
		return MO_SMTPD_IOERR;
	ss->s = s;
	ss->rd.fd = s->in;
	ss->rd.out = s->out;
	ss->rd.timeout_ms = s->timeout > 0 ? s->timeout * 1000 : -1;
	reply(ss, "220 %s ESMTP mailorigin", s->hostname);
	for (;;) {
		if (ss->errors >= MO_SMTPD_ERRORS_MAX) {
			reply(ss, "421 4.7.0 %s Error: too many errors", s->hostname);
			end = MO_SMTPD_ERRORS;
			break;
		}
		k = rd_line(&ss->rd, line, &len, &toolong, &nul);
		if (k != RD_OK) {
			end = k == RD_EOF ? MO_SMTPD_EOF : k == RD_TIMEOUT ? MO_SMTPD_TIMEOUT :
			    MO_SMTPD_IOERR;
			if (k == RD_TIMEOUT)
				reply(ss, "421 4.4.2 %s Error: timeout exceeded", s->hostname);
			break;
		}
		if (toolong || nul) {
			reply(ss, toolong ? "500 5.5.2 Error: line too long" :
			    "500 5.5.2 Error: NUL byte in a command");
			ss->errors++;
			continue;
		}
		if (command(ss, line, &end) == -1)
			break;
	}
	txn_reset(ss);
	fflush(s->out);
	free(ss);
	return end;
}

/* --- the hand-over's argv --- */

/* Does option letter c stay on a transaction's command line? */
static int
kept_option(char c)
{
	return strchr("bfrtqI", c) == NULL;
}

char **
mo_smtpd_argv(int argc, char *const argv[], const struct mo_smtpd_txn *t, int *ac)
{
	char **av;
	int i, j, n = 0, keep;
	size_t k;

	if ((av = calloc((size_t)argc + t->nrcpt + 6, sizeof(*av))) == NULL)
		return NULL;
	av[n++] = argv[0];
	for (i = 1; i < argc; i++) {
		const char *w = argv[i];
		int arg_next = 0;

		if (strcmp(w, "--") == 0 || w[0] != '-' || w[1] == '\0')
			break;
		if (strcmp(w, "-q") == 0)
			continue;
		if (strcmp(w, "-V") == 0 && i + 1 < argc && strlen(argv[i + 1]) == 2) {
			av[n++] = (char *)w;    /* -V xy: VERP, its delimiters with it */
			av[n++] = argv[++i];
			continue;
		}
		if (strcmp(w, "-XV") == 0) {
			av[n++] = (char *)w;
			continue;
		}
		keep = 1;
		for (j = 1; w[j] != '\0'; j++) {
			const char *o = strchr(mo_sendmail_optstring, w[j]);

			if (w[j] == ':' || o == NULL)
				break;          /* classify refused it already */
			if (!kept_option(w[j]))
				keep = 0;
			if (o[1] == ':') {
				arg_next = w[j + 1] == '\0' && i + 1 < argc;
				break;
			}
		}
		if (keep)
			av[n++] = (char *)w;
		if (arg_next) {
			i++;
			if (keep)
				av[n++] = argv[i];
		}
	}
	av[n++] = (char *)"-i";
	av[n++] = (char *)"-f";
	av[n++] = (char *)t->sender;
	av[n++] = (char *)"--";
	for (k = 0; k < t->nrcpt; k++)
		av[n++] = t->rcpts[k];
	av[n] = NULL;
	*ac = n;
	return av;
}
