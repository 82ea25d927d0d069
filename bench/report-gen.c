/*
 * report-gen: a Postfix maillog for bench/report-bench, on stdout.
 *   report-gen LINES [SEED]
 * Messages as Postfix 3.7 logs them (pickup or smtpd with SASL, cleanup,
 * qmgr, one delivery line per recipient, removed), interleaved in groups
 * of eight as a busy qmgr interleaves them, with the connect/disconnect
 * lines of smtpd.  300 local uids, 60 SASL users; a few send most (a
 * burst), 5% of deliveries deferred then sent, 3% bounced.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long long rng = 88172645463325252ULL;

static unsigned
rnd(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* a skewed pick: a few origins send most */
static unsigned
skew(unsigned n)
{
	unsigned r = rnd(100);
	return r < 40 ? rnd(3) : r < 70 ? rnd(n / 10 + 1) : rnd(n);
}

struct msg {
	char	id[16];
	int	sasl, uid, nr;
};

int
main(int argc, char **argv)
{
	unsigned long long want = argc > 1 ? strtoull(argv[1], NULL, 10) : 5000000, lines = 0;
	unsigned long seq = 0;
	int day = 1, h = 0, m = 0, s = 0, pid = 1000;
	static char obuf[1 << 20];

	if (argc > 2)
		rng ^= strtoull(argv[2], NULL, 10);
	setvbuf(stdout, obuf, _IOFBF, sizeof(obuf));
	while (lines < want) {
		struct msg g[8];
		int i, r;
		char ts[64];

		if (++s == 60) {
			s = 0;
			if (++m == 60) {
				m = 0;
				if (++h == 24) {
					h = 0;
					day++;
				}
			}
		}
		snprintf(ts, sizeof(ts), "Dec %2d %02d:%02d:%02d mx", day, h, m, s);
		for (i = 0; i < 8; i++) {
			struct msg *x = &g[i];
			snprintf(x->id, sizeof(x->id), "%05lX%06X", (seq++ & 0xfffff) | 0x10000, rnd(0xffffff));
			x->sasl = rnd(3) == 0 ? (int)skew(60) : -1;
			x->uid = x->sasl < 0 ? 1000 + (int)skew(300) : -1;
			x->nr = 1 + (rnd(10) == 0 ? (int)rnd(20) : 0);
			if (x->sasl >= 0) {
				printf("%s postfix/smtpd[%d]: connect from client%d.example[192.0.2.%d]\n", ts, pid, x->sasl, x->sasl);
				printf("%s postfix/smtpd[%d]: %s: client=client%d.example[192.0.2.%d], sasl_method=PLAIN, sasl_username=user%d@customer%d.example\n",
				    ts, pid, x->id, x->sasl, x->sasl, x->sasl, x->sasl % 17);
				lines += 2;
			} else {
				printf("%s postfix/pickup[812]: %s: uid=%d from=<site%d>\n", ts, x->id, x->uid, x->uid);
				lines++;
			}
			printf("%s postfix/cleanup[%d]: %s: message-id=<%lu.%s@mx.example>\n", ts, pid + 1, x->id, seq, x->id);
			lines++;
		}
		for (i = 0; i < 8; i++) {
			struct msg *x = &g[i];
			if (x->sasl >= 0)
				printf("%s postfix/qmgr[811]: %s: from=<user%d@customer%d.example>, size=%u, nrcpt=%d (queue active)\n",
				    ts, x->id, x->sasl, x->sasl % 17, 800 + rnd(40000), x->nr);
			else
				printf("%s postfix/qmgr[811]: %s: from=<site%d@mx.example>, size=%u, nrcpt=%d (queue active)\n",
				    ts, x->id, x->uid, 800 + rnd(40000), x->nr);
			lines++;
			if (x->sasl >= 0) {
				printf("%s postfix/smtpd[%d]: disconnect from client%d.example[192.0.2.%d] ehlo=1 auth=1 mail=1 rcpt=%d data=1 quit=1 commands=%d\n",
				    ts, pid, x->sasl, x->sasl, x->nr, 5 + x->nr);
				lines++;
			}
		}
		for (i = 0; i < 8; i++) {
			struct msg *x = &g[i];
			for (r = 0; r < x->nr; r++) {
				unsigned d = rnd(100);
				unsigned dom = rnd(500);
				if (d < 5) {
					printf("%s postfix/smtp[%d]: %s: to=<r%d@dest%u.example>, relay=none, delay=0.5, delays=0.01/0/0.5/0, dsn=4.4.1, status=deferred (connect to mx.dest%u.example[198.51.100.%u]:25: Connection refused)\n",
					    ts, pid + 2, x->id, r, dom, dom, dom % 250);
					lines++;
				}
				printf("%s postfix/smtp[%d]: %s: to=<r%d@dest%u.example>, relay=mx.dest%u.example[198.51.100.%u]:25, delay=0.9, delays=0.01/0/0.4/0.5, dsn=%s, status=%s\n",
				    ts, pid + 2, x->id, r, dom, dom, dom % 250, d < 8 && d >= 5 ? "5.1.1" : "2.0.0",
				    d < 8 && d >= 5 ? "bounced (host said: 550 5.1.1 no such user)" : "sent (250 2.0.0 Ok: queued as 4XyZ)");
				lines++;
			}
			printf("%s postfix/qmgr[811]: %s: removed\n", ts, x->id);
			lines++;
		}
		pid = 1000 + (int)rnd(30000);
	}
	return fflush(stdout) == EOF;
}
