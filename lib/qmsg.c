/* qmsg: a queued message's envelope, headers and attribution. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "qmsg.h"

void
qm_set(struct qm_val *v, const char *s, size_t n, enum qm_trust t)
{
	if (n > QM_VAL_MAX)
		n = QM_VAL_MAX;
	memcpy(v->v, s, n);
	v->v[n] = '\0';
	v->len = n;
	v->trust = t;
}

const char *
qm_trust_name(enum qm_trust t)
{
	return t == QM_TRUSTED ? "trusted" : t == QM_CLAIMED ? "claimed" : "none";
}

static void
origin_init(struct qm_origin *o)
{
	memset(o, 0, sizeof(*o));
	o->pickup_uid = o->stamp_uid = o->xphp_uid = -1;
}

void
qm_init(struct qmsg *m, const char *stamp_prefix)
{
	memset(m, 0, sizeof(*m));
	origin_init(&m->own);
	origin_init(&m->orig);
	m->uid = -1;
	m->owner_uid = -1;
	m->prefix = stamp_prefix;
	m->prefix_len = strlen(stamp_prefix);
}

void
qm_sender(struct qmsg *m, const char *s, size_t n)
{
	qm_set(&m->sender, s, n, QM_CLAIMED);
	m->bounce = n == 0;
}

void
qm_recipient(struct qmsg *m, const char *s, size_t n)
{
	const char *at = memrchr(s, '@', n);
	size_t dl;
	int i;

	if (m->nrcpt++ == 0)
		qm_set(&m->rcpt, s, n, QM_CLAIMED);
	if (at == NULL)
		return;
	at++;
	dl = n - (size_t)(at - s);
	if (dl > QM_VAL_MAX)
		dl = QM_VAL_MAX;
	for (i = 0; i < m->nrcpt_domains; i++)
		if (strlen(m->rcpt_domains[i]) == dl && strncasecmp(m->rcpt_domains[i], at, dl) == 0)
			return;
	if (m->nrcpt_domains == QM_RCPT_DOMAINS)
		return;
	for (i = 0; i < (int)dl; i++)
		m->rcpt_domains[m->nrcpt_domains][i] = (char)tolower((unsigned char)at[i]);
	m->rcpt_domains[m->nrcpt_domains++][dl] = '\0';
}

static int
attr_is(const char *s, size_t n, const char *name, const char **val, size_t *vlen)
{
	size_t k = strlen(name);

	if (n <= k || memcmp(s, name, k) != 0 || s[k] != '=')
		return 0;
	*val = s + k + 1;
	*vlen = n - k - 1;
	return 1;
}

void
qm_attr(struct qmsg *m, const char *s, size_t n)
{
	const char *v;
	size_t vl;

	if (attr_is(s, n, "sasl_username", &v, &vl) && vl > 0)
		qm_set(&m->sasl, v, vl, QM_TRUSTED);
	else if (attr_is(s, n, "log_client_address", &v, &vl) && vl > 0)
		qm_set(&m->client_addr, v, vl, QM_TRUSTED);
	else if (attr_is(s, n, "log_client_name", &v, &vl) && vl > 0)
		qm_set(&m->client_name, v, vl, QM_TRUSTED);
	else if (attr_is(s, n, "log_helo_name", &v, &vl) && vl > 0)
		qm_set(&m->helo, v, vl, QM_CLAIMED);
	else if (attr_is(s, n, "rewrite_context", &v, &vl))
		qm_set(&m->rewrite_context, v, vl, QM_TRUSTED);
	else if (attr_is(s, n, "log_message_origin", &v, &vl))
		m->origin_local = vl == 5 && memcmp(v, "local", 5) == 0;
}

/* The value of field s if its name is name (case-insensitive), else NULL.
 * Inline, so that strlen(name) of the literal costs nothing. */
static inline __attribute__((always_inline)) const char *
field_value(const char *s, size_t n, const char *name, size_t *vlen)
{
	size_t k = strlen(name), i;

	/* the colon first: most fields fail there, without a string compare */
	if (n <= k || s[k] != ':' || strncasecmp(s, name, k) != 0)
		return NULL;
	for (i = k + 1; i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n'); i++)
		;
	*vlen = n - i;
	return s + i;
}

/* A decimal uid at p (len n), -1 when none. */
static long
uid_at(const char *p, size_t n)
{
	long v = 0;
	size_t i;

	for (i = 0; i < n && isdigit((unsigned char)p[i]); i++) {
		if (v > 0x7fffffffL / 10)
			return -1;
		v = v * 10 + (p[i] - '0');
	}
	return i > 0 ? v : -1;
}

static const char *
find(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle));
}

/* A Received field: Postfix's pickup line or qmail-queue's. */
static void
received(struct qm_origin *o, const char *v, size_t n)
{
	const char *p;

	if (o->first_received)
		return;
	o->first_received = 1;
	if ((p = find(v, n, "(Postfix, from userid ")) != NULL) {
		p += strlen("(Postfix, from userid ");
		o->pickup_uid = uid_at(p, n - (size_t)(p - v));
	} else if (n > 7 && memcmp(v, "(qmail ", 7) == 0) {
		if ((p = find(v, n, " invoked by uid ")) != NULL) {
			p += strlen(" invoked by uid ");
			o->pickup_uid = uid_at(p, n - (size_t)(p - v));
		} else if (find(v, n, " invoked from network") != NULL)
			o->net_received = 1;
		else if (find(v, n, " invoked for bounce") != NULL)
			o->qmail_bounce = 1;
	}
}

static void
origin_header(struct qmsg *m, struct qm_origin *o, const char *s, size_t n)
{
	const char *v;
	size_t vl;

	if ((v = field_value(s, n, "Received", &vl)) != NULL)
		received(o, v, vl);
	else if ((v = field_value(s, n, "X-PHP-Originating-Script", &vl)) != NULL) {
		qm_set(&o->xphp, v, vl, QM_CLAIMED);
		o->xphp_uid = uid_at(v, vl);
	} else if ((v = field_value(s, n, "Subject", &vl)) != NULL)
		qm_set(&o->subject, v, vl, QM_CLAIMED);
	else if ((v = field_value(s, n, "From", &vl)) != NULL)
		qm_set(&o->from_hdr, v, vl, QM_CLAIMED);
	else if ((v = field_value(s, n, "Message-ID", &vl)) != NULL)
		qm_set(&o->message_id, v, vl, QM_CLAIMED);
	else if (n > m->prefix_len && strncasecmp(s, m->prefix, m->prefix_len) == 0) {
		const char *r = s + m->prefix_len;
		size_t rn = n - m->prefix_len;
		if ((v = field_value(r, rn, "Uid", &vl)) != NULL)
			o->stamp_uid = uid_at(v, vl);
		else if ((v = field_value(r, rn, "Script", &vl)) != NULL) {
			/* "PATH; source=...; claimed": the path is the key */
			const char *semi = memmem(v, vl, "; source=", 9);
			qm_set(&o->stamp_script, v, semi ? (size_t)(semi - v) : vl, QM_CLAIMED);
		}
		else if ((v = field_value(r, rn, "Vhost", &vl)) != NULL)
			qm_set(&o->stamp_vhost, v, vl, QM_CLAIMED);
		else if ((v = field_value(r, rn, "Cwd", &vl)) != NULL)
			qm_set(&o->stamp_cwd, v, vl, QM_CLAIMED);
		else if ((v = field_value(r, rn, "Id", &vl)) != NULL && o->stamp_id.len == 0)
			qm_set(&o->stamp_id, v, vl, QM_CLAIMED);       /* ours is the first */
	}
}

void
qm_header(struct qmsg *m, const char *s, size_t n)
{
	origin_header(m, &m->own, s, n);
}

static int
is_ws_line(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return 0;
	return 1;
}

int
qm_body_line(struct qmsg *m, const char *s, size_t n)
{
	const char *v;
	size_t vl;

	if (!m->bounce || m->body_state == 3)
		return 1;
	if (m->body_state == 0) {
		if ((v = field_value(s, n, "X-Postfix-Sender", &vl)) != NULL) {
			const char *semi = memchr(v, ';', vl);
			if (semi != NULL) {
				for (semi++; semi < v + vl && *semi == ' '; semi++)
					;
				vl -= (size_t)(semi - v);
				v = semi;
			}
			qm_set(&m->bounce_sender, v, vl, QM_CLAIMED);
		} else if (n >= 29 && memcmp(s, "--- Below this line is a copy", 29) == 0)
			m->body_state = 1;      /* qmail-send's bounce: the original follows */
		else if ((v = field_value(s, n, "Content-Type", &vl)) != NULL &&
		    (strncasecmp(v, "message/rfc822", 14) == 0 ||
		    strncasecmp(v, "text/rfc822-headers", 19) == 0))
			m->body_state = 1;
		return 0;
	}
	if (m->body_state == 1) {
		if (is_ws_line(s, n))
			m->body_state = 2;
		return 0;
	}
	/* the original's header block: one line at a time (folded lines of
	 * interest to us carry what we need on their first line) */
	if (is_ws_line(s, n)) {
		m->body_state = 3;
		return 1;
	}
	if (s[0] != ' ' && s[0] != '\t')
		origin_header(m, &m->orig, s, n);
	return 0;
}

/* uid, script and vhost of one header block, with the trust local gives. */
static void
resolve_origin(struct qmsg *m, const struct qm_origin *o, int local)
{
	int stamps_ok;

	if (o->pickup_uid >= 0) {
		m->uid = o->pickup_uid;
		m->uid_trust = local ? QM_TRUSTED : QM_CLAIMED;
	} else if (o->stamp_uid >= 0) {
		m->uid = o->stamp_uid;
		m->uid_trust = QM_CLAIMED;
	} else if (o->xphp_uid >= 0) {
		m->uid = o->xphp_uid;
		m->uid_trust = QM_CLAIMED;
	}
	stamps_ok = local && o->pickup_uid >= 0 && o->stamp_uid == o->pickup_uid;
	if (o->stamp_script.len > 0)
		qm_set(&m->script, o->stamp_script.v, o->stamp_script.len,
		    stamps_ok ? QM_TRUSTED : QM_CLAIMED);
	else if (o->xphp.len > 0)
		qm_set(&m->script, o->xphp.v, o->xphp.len, QM_CLAIMED);
	if (o->stamp_vhost.len > 0)
		qm_set(&m->vhost, o->stamp_vhost.v, o->stamp_vhost.len,
		    stamps_ok ? QM_TRUSTED : QM_CLAIMED);
}

void
qm_resolve(struct qmsg *m)
{
	if (m->mta_qmail)
		m->local = m->own.pickup_uid >= 0 || m->own.qmail_bounce;
	else
		m->local = (strcmp(m->rewrite_context.v, "local") == 0 || m->origin_local) &&
		    m->client_addr.len == 0;
	m->uid = -1;
	m->uid_trust = QM_NONE;
	m->script.len = m->vhost.len = 0;
	m->script.v[0] = m->vhost.v[0] = '\0';
	m->script.trust = m->vhost.trust = QM_NONE;
	if (m->bounce && (m->orig.first_received || m->orig.stamp_uid >= 0 ||
	    m->orig.xphp_uid >= 0)) {
		m->traced = 1;
		/* qmail: only a bounce qmail-send made vouches for what it carries */
		resolve_origin(m, &m->orig, m->mta_qmail ? m->own.qmail_bounce : m->local);
	} else if (m->owner_uid >= 0 && m->own.pickup_uid < 0) {
		/* maildrop: not picked up yet; the file's owner is postdrop's caller */
		struct qm_origin o = m->own;
		o.pickup_uid = m->owner_uid;
		resolve_origin(m, &o, 1);
	} else
		resolve_origin(m, &m->own, m->local);
}

/* "uid N" without printf: summary labels every message */
static void
uid_label(char *buf, size_t len, long uid)
{
	if (len < 5 || mo_ulong_dec(buf + 4, len - 4, (unsigned long)uid) == 0) {
		if (len > 0)
			buf[0] = '\0';
		return;
	}
	memcpy(buf, "uid ", 4);
}

void
qm_origin_label(const struct qmsg *m, char *buf, size_t len)
{
	if (m->uid >= 0)
		uid_label(buf, len, m->uid);
	else if (m->sasl.len > 0)
		snprintf(buf, len, "sasl %s", m->sasl.v);
	else if (m->client_addr.len > 0)
		snprintf(buf, len, "client %s", m->client_addr.v);
	else if ((m->traced ? &m->orig : &m->own)->net_received)
		snprintf(buf, len, "network");
	else
		snprintf(buf, len, "unknown");
}
