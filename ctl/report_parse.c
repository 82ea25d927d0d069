/* report_parse: the log line parsers of mailoriginctl report (see the header). */
#include <string.h>
#include <time.h>

#include "report_parse.h"

#define DIG(c) ((unsigned)((unsigned char)(c) - '0') < 10)

static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

/* 0..11 for "Jan".."Dec", or -1 */
static int
month(const char *s)
{
	int i;

	for (i = 0; i < 12; i++)
		if (months[3 * i] == s[0] && months[3 * i + 1] == s[1] && months[3 * i + 2] == s[2])
			return i;
	return -1;
}

void
rp_clock_init(struct rp_clock *c, time_t ref)
{
	struct tm tm;

	memset(c, 0, sizeof(*c));
	c->ref = ref;
	localtime_r(&ref, &tm);
	c->ref_year = tm.tm_year + 1900;
}

static int
num(const char *s, size_t n, int *out)
{
	int v = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		if (!DIG(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static time_t
local_midnight(int year, int mon, int day)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon;
	tm.tm_mday = day;
	tm.tm_hour = 12;        /* noon: DST changes never move the day */
	tm.tm_isdst = -1;
	return mktime(&tm) - 12 * 3600;
}

/* Midnight of mon/day in the year inferred from the reference time. */
static time_t
day_base(struct rp_clock *c, int mon, int day)
{
	if (c->c_mon != mon + 1 || c->c_day != day) {
		int year = c->ref_year;
		time_t b = local_midnight(year, mon, day);

		if (b > c->ref + 86400)
			b = local_midnight(--year, mon, day);
		c->c_mon = mon + 1;
		c->c_day = day;
		c->c_year = year;
		c->c_base = b;
	}
	return c->c_base;
}

/* "hh:mm:ss" at s; returns seconds into the day or -1. */
static int
hms(const char *s)
{
	int h, m, sec;

	if (num(s, 2, &h) || s[2] != ':' || num(s + 3, 2, &m) || s[5] != ':' ||
	    num(s + 6, 2, &sec) || h > 23 || m > 59 || sec > 60)
		return -1;
	return h * 3600 + m * 60 + sec;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int
rp_parse_time(const char *s, size_t len, int64_t *t)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, zh, zm;
	size_t i;

	if (len < 10 || num(s, 4, &y) || s[4] != '-' || num(s + 5, 2, &mo) || s[7] != '-' ||
	    num(s + 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31 || y < 1970)
		return -1;
	i = 10;
	if (i < len && (s[i] == 'T' || s[i] == ' ')) {
		if (len < i + 6 || num(s + i + 1, 2, &h) || s[i + 3] != ':' ||
		    num(s + i + 4, 2, &mi) || h > 23 || mi > 59)
			return -1;
		i += 6;
		if (i < len && s[i] == ':') {
			if (len < i + 3 || num(s + i + 1, 2, &sec) || sec > 60)
				return -1;
			i += 3;
			if (i < len && (s[i] == '.' || s[i] == ',')) {
				for (i++; i < len && DIG(s[i]); i++)
					;
			}
		}
	}
	if (i == len) {         /* no zone: local time */
		struct tm tm;

		memset(&tm, 0, sizeof(tm));
		tm.tm_year = y - 1900;
		tm.tm_mon = mo - 1;
		tm.tm_mday = d;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = sec;
		tm.tm_isdst = -1;
		*t = (int64_t)mktime(&tm);
		return 0;
	}
	*t = (days_from_civil(y, mo, d) * 86400) + h * 3600 + mi * 60 + sec;
	if (s[i] == 'Z' && i + 1 == len)
		return 0;
	if ((s[i] == '+' || s[i] == '-') && len == i + 6 && !num(s + i + 1, 2, &zh) &&
	    s[i + 3] == ':' && !num(s + i + 4, 2, &zm) && zh < 24 && zm < 60) {
		int64_t off = zh * 3600 + zm * 60;
		*t += s[i] == '+' ? -off : off;
		return 0;
	}
	return -1;
}

/* "host prog[pid]: " or "prog[pid]: " from s; fills host, prog, msg. */
static int
host_prog(const char *s, const char *end, int host_optional, struct rp_prefix *p)
{
	const char *sp = memchr(s, ' ', (size_t)(end - s)), *tok2, *colon;

	if (sp == NULL || sp == s)
		return -1;
	/* the first token ends in ':' when there is no host */
	if (host_optional && sp[-1] == ':') {
		p->host.p = s;
		p->host.n = 0;
		tok2 = s;
	} else {
		p->host.p = s;
		p->host.n = (size_t)(sp - s);
		tok2 = sp + 1;
	}
	colon = memchr(tok2, ':', (size_t)(end - tok2));
	if (colon == NULL || colon == tok2 || colon + 1 > end)
		return -1;
	{
		const char *sp2 = memchr(tok2, ' ', (size_t)(colon - tok2));
		if (sp2 != NULL)
			return -1;
	}
	p->prog.p = tok2;
	p->prog.n = (size_t)(colon - tok2);
	if (p->prog.n > 2 && tok2[p->prog.n - 1] == ']') {
		const char *br = memchr(tok2, '[', p->prog.n);
		if (br != NULL)
			p->prog.n = (size_t)(br - tok2);
	}
	p->msg.p = colon + 1;
	if (p->msg.p < end && *p->msg.p == ' ')
		p->msg.p++;
	p->msg.n = (size_t)(end - p->msg.p);
	return 0;
}

static int
tai64n(const char *s, size_t len, struct rp_prefix *p)
{
	uint64_t v = 0;
	size_t i;

	if (len < 26 || s[25] != ' ')
		return -1;
	for (i = 1; i <= 16; i++) {
		char c = s[i];
		unsigned d = DIG(c) ? (unsigned)(c - '0') :
		    (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10) : 99;
		if (d == 99)
			return -1;
		v = v << 4 | d;
	}
	for (; i < 25; i++)
		if (!DIG(s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
			return -1;
	if (v < 0x4000000000000000ULL)
		return -1;
	/* TAI64 label minus 2^62; TAI runs 10 s ahead of UTC in 1970 and
	 * leap seconds since; multilog users accept that skew of seconds */
	p->t = (int64_t)(v - 0x4000000000000000ULL) - 10;
	p->host.p = p->prog.p = s;
	p->host.n = p->prog.n = 0;
	p->msg.p = s + 26;
	p->msg.n = len - 26;
	p->multilog = 1;
	return 0;
}

int
rp_prefix(const char *s, size_t len, struct rp_clock *c, struct rp_prefix *p)
{
	const char *end = s + len;

	memset(p, 0, sizeof(*p));
	if (len >= 16 && s[3] == ' ' && s[6] == ' ' && s[9] == ':') {
		int mon = month(s), day, secs;
		size_t i = 15;

		if (mon == -1)
			return -1;
		if (s[4] == ' ' && DIG(s[5]))
			day = s[5] - '0';
		else if (num(s + 4, 2, &day))
			return -1;
		if (day < 1 || day > 31 || (secs = hms(s + 7)) < 0)
			return -1;
		if (s[i] == '.')        /* high-resolution syslog times */
			for (i++; i < len && DIG(s[i]); i++)
				;
		if (i >= len || s[i] != ' ')
			return -1;
		p->t = (int64_t)day_base(c, mon, day) + secs;
		return host_prog(s + i + 1, end, 0, p);
	}
	if (len >= 20 && DIG(s[0]) && s[4] == '-' && s[10] == 'T') {
		const char *sp = memchr(s, ' ', len);

		if (sp == NULL || rp_parse_time(s, (size_t)(sp - s), &p->t) == -1)
			return -1;
		return host_prog(sp + 1, end, 1, p);
	}
	if (len >= 26 && s[0] == '@')
		return tai64n(s, len, p);
	return -1;
}

/* ---- message helpers ---------------------------------------------------- */

static int
starts_n(const struct rp_str *s, const char *lit, size_t n)
{
	return s->n >= n && memcmp(s->p, lit, n) == 0;
}
#define starts(s, lit) starts_n((s), (lit), strlen(lit))

static void
skip(struct rp_str *s, size_t n)
{
	s->p += n;
	s->n -= n;
}

/* The value of "key=" in s: up to ", " (Postfix's separator) or the end;
 * "<...>" kept whole (an address may hold ", "); brackets removed. */
static int
field(const struct rp_str *s, const char *key, struct rp_str *v)
{
	size_t kn = strlen(key);
	const char *p = s->p, *e = s->p + s->n, *eqs;

	/* each '=' whose key is `key`, at the start or after a space */
	while (p < e && (eqs = memchr(p, '=', (size_t)(e - p))) != NULL) {
		const char *k = eqs - kn;
		p = eqs + 1;
		if (k < s->p || memcmp(k, key, kn) != 0 || (k != s->p && k[-1] != ' '))
			continue;
		{
			const char *a = eqs + 1, *q;

			if (a < e && *a == '<') {
				q = memchr(a, '>', (size_t)(e - a));
				/* the last '>' before ", " or the end */
				while (q != NULL && q + 1 < e && q[1] != ',' && q[1] != ' ')
					q = memchr(q + 1, '>', (size_t)(e - q - 1));
				if (q == NULL)
					return 0;
				v->p = a + 1;
				v->n = (size_t)(q - a - 1);
				return 1;
			}
			for (q = a; q < e && *q != ',' && *q != ' '; q++)
				;
			v->p = a;
			v->n = (size_t)(q - a);
			return 1;
		}
	}
	return 0;
}

static int
ulong_at(const char *p, const char *e, unsigned long *out, const char **after)
{
	unsigned long v = 0;
	const char *q = p;

	while (q < e && DIG(*q) && q - p < 18)
		v = v * 10 + (unsigned long)(*q++ - '0');
	if (q == p || (q < e && DIG(*q)))
		return -1;
	*out = v;
	if (after)
		*after = q;
	return 0;
}

static int
ulong_field(const struct rp_str *s, const char *key, unsigned long *out)
{
	struct rp_str v;

	return field(s, key, &v) && ulong_at(v.p, v.p + v.n, out, NULL) == 0 ? 0 : -1;
}

/* The length of the Postfix queue id at the start of s (5 to 31 letters
 * and digits, short or long form); what follows is not looked at. */
static size_t
qid_len(const struct rp_str *s)
{
	static unsigned char alnum[256];
	size_t i;

	if (!alnum['0'])
		for (i = 0; i < 256; i++)
			alnum[i] = (unsigned char)(DIG(i) || (i >= 'A' && i <= 'Z') || (i >= 'a' && i <= 'z'));
	for (i = 0; i < s->n && i < 32 && alnum[(unsigned char)s->p[i]]; i++)
		;
	return i >= 5 && i < 32 ? i : 0;
}

/* A Postfix queue id and ": " at the start of s; s moves past them. */
static int
queue_id(struct rp_str *s, struct rp_str *qid)
{
	size_t i = qid_len(s);

	if (i == 0 || i + 1 >= s->n || s->p[i] != ':' || s->p[i + 1] != ' ')
		return -1;
	qid->p = s->p;
	qid->n = i;
	skip(s, i + 2);
	return 0;
}

static const char *const delivery_agents[] = {
	"smtp", "lmtp", "local", "virtual", "pipe", "error", "discard", "retry",
	"relay", "fwd", NULL
};

static int
is_delivery(const struct rp_str *d)
{
	size_t i;

	for (i = 0; delivery_agents[i]; i++)
		if (d->n == strlen(delivery_agents[i]) && memcmp(d->p, delivery_agents[i], d->n) == 0)
			return 1;
	return 0;
}

static int
eq_n(const struct rp_str *s, const char *lit, size_t n)
{
	return s->n == n && memcmp(s->p, lit, n) == 0;
}
#define eq(s, lit) eq_n((s), (lit), strlen(lit))

static void
postfix(const struct rp_str *daemon, struct rp_str m, struct rp_event *e)
{
	if (starts(&m, "NOQUEUE: reject: ")) {
		struct rp_str r = m;
		const char *semi;

		skip(&r, 17);
		if (starts(&r, "RCPT from "))
			skip(&r, 10);
		semi = memchr(r.p, ':', r.n);
		e->client.p = r.p;
		e->client.n = semi ? (size_t)(semi - r.p) : 0;
		field(&m, "from", &e->from);
		field(&m, "to", &e->to);
		e->kind = PF_NOQUEUE;
		return;
	}
	if (queue_id(&m, &e->qid) == -1) {
		e->kind = RP_OTHER;     /* connect, disconnect, warnings, statistics */
		return;
	}
	if (eq(daemon, "pickup")) {
		e->kind = field(&m, "from", &e->from) ? PF_PICKUP : RP_BAD;
		if (ulong_field(&m, "uid", &e->uid) == 0)
			e->has_uid = 1;
		return;
	}
	if (eq(daemon, "smtpd") || eq(daemon, "submission") || eq(daemon, "smtps")) {
		if (!starts(&m, "client=")) {
			e->kind = starts(&m, "reject: ") ? PF_REJECT : RP_OTHER;
			return;
		}
		field(&m, "client", &e->client);
		field(&m, "sasl_username", &e->sasl);
		e->kind = PF_CLIENT;
		return;
	}
	if (eq(daemon, "cleanup")) {
		if (starts(&m, "message-id=")) {
			e->msgid.p = m.p + 11;
			e->msgid.n = m.n - 11;
			e->kind = PF_MSGID;
		} else if (starts(&m, "hold: ") || starts(&m, "milter-hold: "))
			e->kind = PF_HOLD;
		else if (starts(&m, "reject: ") || starts(&m, "milter-reject: ") ||
		    starts(&m, "discard: ") || starts(&m, "milter-discard: "))
			e->kind = PF_REJECT;
		else
			e->kind = RP_OTHER;
		return;
	}
	if (eq(daemon, "qmgr") || eq(daemon, "postsuper")) {
		if (eq(&m, "removed"))
			e->kind = PF_REMOVED;
		else if (eq(&m, "placed on hold"))
			e->kind = PF_HOLD;
		else if (eq(&m, "released from hold"))
			e->kind = PF_RELEASE;
		else if (starts(&m, "from=")) {
			field(&m, "from", &e->from);
			if (field(&m, "status", &e->status) && eq(&e->status, "expired"))
				e->kind = PF_EXPIRED;
			else {
				e->kind = PF_QMGR;
				ulong_field(&m, "size", &e->size);
				if (ulong_field(&m, "nrcpt", &e->nrcpt) == -1)
					e->kind = RP_BAD;
			}
		} else
			e->kind = RP_OTHER;
		return;
	}
	if (eq(daemon, "bounce")) {
		static const char *const notes[] = { "sender non-delivery notification: ",
		    "sender delivery status notification: ", "sender delay notification: ", NULL };
		size_t i;

		for (i = 0; notes[i]; i++)
			if (starts(&m, notes[i])) {
				/* the notification's own queue id, alone, and not the
				 * original's (else a line could make the original again) */
				skip(&m, strlen(notes[i]));
				e->newqid.p = m.p;
				e->newqid.n = qid_len(&m);
				e->kind = e->newqid.n == 0 || e->newqid.n != m.n ||
				    (e->newqid.n == e->qid.n &&
				     memcmp(e->newqid.p, e->qid.p, e->qid.n) == 0) ? RP_BAD : PF_BOUNCE;
				return;
			}
		e->kind = RP_OTHER;
		return;
	}
	if (is_delivery(daemon) && starts(&m, "to=")) {
		if (!field(&m, "to", &e->to) || !field(&m, "status", &e->status)) {
			e->kind = RP_BAD;
			return;
		}
		field(&m, "relay", &e->relay);
		e->kind = PF_DELIVERY;
		return;
	}
	e->kind = RP_OTHER;
}

/* qmail-send's lines (qmail-log(5)) */
static void
qmail_send(struct rp_str m, struct rp_event *e)
{
	const char *end = m.p + m.n, *q;

	/* splogger's "1133472208.123456 " */
	if (m.n > 12 && DIG(m.p[0])) {
		size_t i = 0;
		while (i < m.n && (DIG(m.p[i]) || m.p[i] == '.'))
			i++;
		if (i < m.n && m.p[i] == ' ' && i >= 10)
			skip(&m, i + 1);
	}
	e->kind = RP_OTHER;
	if (starts(&m, "new msg ")) {
		e->kind = ulong_at(m.p + 8, end, &e->msg, NULL) ? RP_BAD : QM_NEW;
	} else if (starts(&m, "end msg ")) {
		e->kind = ulong_at(m.p + 8, end, &e->msg, NULL) ? RP_BAD : QM_END;
	} else if (starts(&m, "bounce msg ")) {
		e->kind = ulong_at(m.p + 11, end, &e->msg, NULL) ? RP_BAD : QM_BOUNCE;
	} else if (starts(&m, "info msg ")) {
		const char *f;
		e->kind = RP_BAD;
		if (ulong_at(m.p + 9, end, &e->msg, &q) || end - q < 9 || memcmp(q, ": bytes ", 8))
			return;
		if (ulong_at(q + 8, end, &e->size, &q) || end - q < 8 || memcmp(q, " from <", 7))
			return;
		f = q + 7;
		/* the sender may hold '>': take the last "> qp " */
		q = memmem(f, (size_t)(end - f), "> qp ", 5);
		if (q == NULL)
			return;
		{
			const char *n2;
			while ((n2 = memmem(q + 1, (size_t)(end - q - 1), "> qp ", 5)) != NULL)
				q = n2;
		}
		e->from.p = f;
		e->from.n = (size_t)(q - f);
		q = memmem(q, (size_t)(end - q), " uid ", 5);
		if (q != NULL && ulong_at(q + 5, end, &e->uid, NULL) == 0)
			e->has_uid = 1;
		e->kind = QM_INFO;
	} else if (starts(&m, "starting delivery ")) {
		e->kind = RP_BAD;
		if (ulong_at(m.p + 18, end, &e->dlv, &q) || end - q < 7 || memcmp(q, ": msg ", 6))
			return;
		if (ulong_at(q + 6, end, &e->msg, &q))
			return;
		if (end - q > 10 && memcmp(q, " to local ", 10) == 0)
			q += 10;
		else if (end - q > 11 && memcmp(q, " to remote ", 11) == 0) {
			q += 11;
			e->remote = 1;
		} else
			return;
		e->to.p = q;
		e->to.n = (size_t)(end - q);
		e->kind = QM_START;
	} else if (starts(&m, "delivery ")) {
		e->kind = RP_BAD;
		if (ulong_at(m.p + 9, end, &e->dlv, &q) || end - q < 3 || memcmp(q, ": ", 2))
			return;
		q += 2;
		if (end - q >= 7 && memcmp(q, "success", 7) == 0)
			e->status.p = "sent", e->status.n = 4;
		else if (end - q >= 7 && memcmp(q, "failure", 7) == 0)
			e->status.p = "bounced", e->status.n = 7;
		else if (end - q >= 8 && memcmp(q, "deferral", 8) == 0)
			e->status.p = "deferred", e->status.n = 8;
		else
			return;
		e->kind = QM_DELIVERY;
	}
}

/* Plesk: "SMTP user U : logged in from ...", "FAILED: U - password incorrect" */
static void
plesk_auth(struct rp_str m, struct rp_event *e)
{
	const char *end = m.p + m.n, *q, *u;

	if (starts(&m, "smtp_auth: "))
		skip(&m, 11);
	e->kind = RP_OTHER;
	if (starts(&m, "SMTP user ")) {
		u = m.p + 10;
		q = memmem(u, (size_t)(end - u), " : logged in", 12);
		if (q == NULL || q == u) {
			e->kind = RP_BAD;
			return;
		}
		e->kind = QM_AUTH;
	} else if (starts(&m, "FAILED: ")) {
		u = m.p + 8;
		q = memmem(u, (size_t)(end - u), " - ", 3);
		if (q == NULL || q == u) {
			e->kind = RP_BAD;
			return;
		}
		e->kind = QM_AUTH_FAIL;
	} else
		return;
	e->sasl.p = u;
	e->sasl.n = (size_t)(q - u);
	q = memmem(q, (size_t)(end - q), " from ", 6);
	if (q != NULL) {
		e->client.p = q + 6;
		e->client.n = (size_t)(end - q - 6);
	}
}

/* s/qmail and spamcontrol: "[pid P ]Accept::AUTH::TYPE: ... F:<U> ..." */
static void
spamcontrol_auth(struct rp_str m, struct rp_event *e)
{
	const char *end, *q;
	int ok;

	if (starts(&m, "qmail-smtpd: "))
		skip(&m, 13);
	if (starts(&m, "pid ")) {
		q = memchr(m.p + 4, ' ', m.n - 4);
		if (q == NULL)
			return;
		skip(&m, (size_t)(q + 1 - m.p));
	}
	e->kind = RP_OTHER;
	if (starts(&m, "Accept::AUTH::"))
		ok = 1;
	else if (starts(&m, "Reject::AUTH::"))
		ok = 0;
	else
		return;
	end = m.p + m.n;
	e->kind = RP_BAD;
	if ((q = memmem(m.p, m.n, " F:", 3)) == NULL)
		return;
	q += 3;
	e->sasl.p = q;
	while (q < end && *q != ' ')
		q++;
	e->sasl.n = (size_t)(q - e->sasl.p);
	if (e->sasl.n >= 2 && e->sasl.p[0] == '<' && e->sasl.p[e->sasl.n - 1] == '>') {
		e->sasl.p++;
		e->sasl.n -= 2;
	}
	if ((q = memmem(m.p, m.n, " S:", 3)) != NULL) {
		e->client.p = q + 3;
		for (q += 3; q < end && *q != ' '; q++)
			;
		e->client.n = (size_t)(q - e->client.p);
	}
	e->kind = e->sasl.n ? (ok ? QM_AUTH : QM_AUTH_FAIL) : RP_BAD;
}

void
rp_message(const struct rp_prefix *p, struct rp_event *e)
{
	struct rp_str daemon = p->prog;
	const char *slash;

	memset(e, 0, sizeof(*e));
	if (p->multilog) {
		if (starts(&p->msg, "qmail-smtpd: "))
			spamcontrol_auth(p->msg, e);
		else if (starts(&p->msg, "smtp_auth: "))
			plesk_auth(p->msg, e);
		else
			qmail_send(p->msg, e);
		return;
	}
	if ((slash = memrchr(daemon.p, '/', daemon.n)) != NULL) {
		size_t pre = (size_t)(slash - daemon.p);
		/* "postfix/smtpd", "postfix-out/smtp", "postfix/submission/smtpd" */
		if (pre >= 7 && memcmp(daemon.p, "postfix", 7) == 0) {
			daemon.p = slash + 1;
			daemon.n -= pre + 1;
			postfix(&daemon, p->msg, e);
			return;
		}
	}
	if (eq(&daemon, "mailorigin") || eq(&daemon, "mailoriginctl")) {
		e->rest = p->msg;
		e->kind = MO_LINE;
	} else if (eq(&daemon, "qmail") || eq(&daemon, "qmail-send"))
		qmail_send(p->msg, e);
	else if (eq(&daemon, "smtp_auth"))
		plesk_auth(p->msg, e);
	else if (eq(&daemon, "qmail-smtpd"))
		spamcontrol_auth(p->msg, e);
	else
		e->kind = RP_OTHER;
}

struct rp_str
rp_msgid_core(struct rp_str s)
{
	const char *lt = memchr(s.p, '<', s.n), *gt;

	while (s.n > 0 && (s.p[0] == ' ' || s.p[0] == '\t'))
		skip(&s, 1);
	while (s.n > 0 && (s.p[s.n - 1] == ' ' || s.p[s.n - 1] == '\t'))
		s.n--;
	if (lt != NULL && (gt = memchr(lt, '>', (size_t)(s.p + s.n - lt))) != NULL) {
		s.p = lt + 1;
		s.n = (size_t)(gt - lt - 1);
	}
	return s;
}
