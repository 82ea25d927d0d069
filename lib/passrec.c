/* passrec: the table of messages the wrapper counted (see passrec.h). */
#include <sys/file.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <sha2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fsutil.h"
#include "passrec.h"
#include "spool.h"

#define MAGIC 0x4d4f7031U       /* "MOp1" */
#define LIVE 1
#define USED 2
#define STATE(s) ((s)->state & 0xff)    /* above it: the kinds the wrapper charged */
#define NBUCKETS (MO_PASSREC_SLOTS / MO_PASSREC_BUCKET)
#define SKEW 3600               /* a record this far in the future is junk */

struct slot {
	uint32_t	magic;
	uint32_t	state;
	int64_t		time;
	uint32_t	uid;
	uint32_t	rcpts;
	char		id[MO_ID_LEN];
	unsigned char	digest[MO_PASSREC_DIGEST];
};

_Static_assert(sizeof(struct slot) == MO_PASSREC_SLOT, "a slot is 64 bytes");

const char *const mo_passrec_names[MO_PASSREC_NSTAMPS] = { "Id", "Uid", "Cwd", "Script", "Vhost" };

const char *
mo_passrec_verdict_name(enum mo_passrec_verdict v)
{
	static const char *const names[] = {
		"verified", "no-record", "replayed", "expired", "other-uid", "more-rcpts",
		"stamps-changed", "fault",
	};

	return (unsigned)v < sizeof(names) / sizeof(names[0]) ? names[v] : "fault";
}

static void
trimmed(const char *s, size_t len, const char **p, size_t *n)
{
	while (len > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		len--;
	}
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r' ||
	    s[len - 1] == '\n'))
		len--;
	*p = s;
	*n = len;
}

void
mo_passrec_digest(const char *const vals[MO_PASSREC_NSTAMPS], unsigned char out[MO_PASSREC_DIGEST])
{
	size_t lens[MO_PASSREC_NSTAMPS];
	const char *v[MO_PASSREC_NSTAMPS];
	int i;

	for (i = 0; i < MO_PASSREC_NSTAMPS; i++) {
		v[i] = vals[i] != NULL ? vals[i] : "";
		lens[i] = strlen(v[i]);
	}
	mo_passrec_digest_n(v, lens, out);
}

void
mo_passrec_digest_n(const char *const vals[MO_PASSREC_NSTAMPS],
    const size_t lens[MO_PASSREC_NSTAMPS], unsigned char out[MO_PASSREC_DIGEST])
{
	unsigned char full[SHA256_DIGEST_LENGTH];
	SHA2_CTX ctx;
	const char *p;
	size_t n;
	int i;

	SHA256Init(&ctx);
	for (i = 0; i < MO_PASSREC_NSTAMPS; i++) {
		trimmed(vals[i], lens[i], &p, &n);
		SHA256Update(&ctx, (const uint8_t *)mo_passrec_names[i], strlen(mo_passrec_names[i]));
		SHA256Update(&ctx, (const uint8_t *)":", 1);
		SHA256Update(&ctx, (const uint8_t *)p, n);
		SHA256Update(&ctx, (const uint8_t *)"\n", 1);
	}
	SHA256Final(full, &ctx);
	memcpy(out, full, MO_PASSREC_DIGEST);
}

/* The bucket of an id: its random part (the last 8 hex digits), or -1
 * when it is no id of ours. */
static long
bucket_of(const char *id)
{
	unsigned long r = 0;
	int i;

	if (strlen(id) != MO_ID_LEN)
		return -1;
	for (i = 0; i < MO_ID_LEN; i++) {
		char c = id[i];
		unsigned d = c >= '0' && c <= '9' ? (unsigned)(c - '0') :
		    c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10) : 16;
		if (d == 16)
			return -1;
		if (i >= MO_ID_LEN - 8)
			r = r << 4 | d;
	}
	return (long)(r % NBUCKETS);
}

static int
fresh(const struct slot *s, time_t now)
{
	return s->time <= (int64_t)now + SKEW && s->time + MO_PASSREC_MAX_AGE >= (int64_t)now;
}

/* Read the bucket (what lies past the end of a short table reads as
 * empty). */
static int
read_bucket(int fd, long b, struct slot v[MO_PASSREC_BUCKET])
{
	ssize_t n;

	memset(v, 0, sizeof(struct slot) * MO_PASSREC_BUCKET);
	do
		n = pread(fd, v, sizeof(struct slot) * MO_PASSREC_BUCKET,
		    (off_t)b * MO_PASSREC_BUCKET * MO_PASSREC_SLOT);
	while (n == -1 && errno == EINTR);
	return n == -1 ? -1 : 0;
}

static int
write_slot(int fd, long b, int i, const struct slot *s)
{
	ssize_t n;

	do
		n = pwrite(fd, s, sizeof(*s), ((off_t)b * MO_PASSREC_BUCKET + i) * MO_PASSREC_SLOT);
	while (n == -1 && errno == EINTR);
	if (n == (ssize_t)sizeof(*s))
		return 0;
	if (n >= 0)
		errno = ENOSPC;
	return -1;
}

/*
 * A full bucket of live records: which one goes.  One uid's share is
 * bounded: the record that goes is the oldest of the uid holding the most
 * slots of the bucket, and the writer's own oldest when it holds as many
 * as anyone.  So a uid that floods the table with live records of its own
 * (wrappers killed before the MTA ran) pushes out its own, and never
 * another uid's below its own count: a record of a uid with fewer slots
 * than the writer's stays.  Eight uids of one slot each: the oldest goes.
 */
static int
victim(const struct slot v[MO_PASSREC_BUCKET], uid_t uid)
{
	unsigned count[MO_PASSREC_BUCKET], best = 0, mine = 0;
	int i, j, pick = -1;

	for (i = 0; i < MO_PASSREC_BUCKET; i++) {
		count[i] = 0;
		for (j = 0; j < MO_PASSREC_BUCKET; j++)
			count[i] += v[j].uid == v[i].uid;
		if (v[i].uid == (uint32_t)uid)
			mine = count[i];
		if (count[i] > best)
			best = count[i];
	}
	for (i = 0; i < MO_PASSREC_BUCKET; i++) {
		if (mine == best ? v[i].uid != (uint32_t)uid : count[i] != best)
			continue;
		if (pick == -1 || v[i].time < v[pick].time)
			pick = i;
	}
	return pick;
}

int
mo_passrec_open(int statefd)
{
	return openat(statefd, MO_PASSREC_NAME, O_RDWR | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC);
}

int
mo_passrec_put_fd(int fd, const char *id, uid_t uid, unsigned long rcpts,
    const unsigned char digest[MO_PASSREC_DIGEST], unsigned kinds, time_t now)
{
	struct slot v[MO_PASSREC_BUCKET], s;
	long b = bucket_of(id);
	int i, pick = -1;

	if (b < 0) {
		errno = EINVAL;
		return -1;
	}
	if (read_bucket(fd, b, v) == -1)
		return -1;
	for (i = 0; i < MO_PASSREC_BUCKET && pick == -1; i++)
		if (v[i].magic != MAGIC || STATE(&v[i]) != LIVE || !fresh(&v[i], now))
			pick = i;
	if (pick == -1)         /* all live: one goes (its message is charged again) */
		pick = victim(v, uid);
	memset(&s, 0, sizeof(s));
	s.magic = MAGIC;
	s.state = LIVE | (kinds & 0xff) << 8;
	s.time = (int64_t)now;
	s.uid = (uint32_t)uid;
	s.rcpts = rcpts > UINT32_MAX ? UINT32_MAX : (uint32_t)rcpts;
	memcpy(s.id, id, MO_ID_LEN);
	memcpy(s.digest, digest, MO_PASSREC_DIGEST);
	return write_slot(fd, b, pick, &s);
}

int
mo_passrec_put(int statefd, const char *id, uid_t uid, unsigned long rcpts,
    const unsigned char digest[MO_PASSREC_DIGEST], unsigned kinds, time_t now)
{
	int fd, saved;

	if (bucket_of(id) < 0) {
		errno = EINVAL;
		return -1;
	}
	if ((fd = mo_passrec_open(statefd)) == -1)
		return -1;
	if (mo_passrec_put_fd(fd, id, uid, rcpts, digest, kinds, now) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	return close(fd);
}

enum mo_passrec_verdict
mo_passrec_take(int statefd, const char *id, uid_t uid, unsigned long rcpts,
    const unsigned char digest[MO_PASSREC_DIGEST], time_t now, unsigned *kinds)
{
	struct slot v[MO_PASSREC_BUCKET];
	enum mo_passrec_verdict r = MO_PASSREC_NONE;
	long b = bucket_of(id);
	struct stat st;
	int fd, i, saved;

	*kinds = 0;
	if (b < 0)
		return MO_PASSREC_NONE;
	if ((fd = openat(statefd, MO_PASSREC_NAME, O_RDWR | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? MO_PASSREC_NONE : MO_PASSREC_FAULT;
	/* the table is root's and the group's alone */
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 002)) {
		close(fd);
		errno = EPERM;
		return MO_PASSREC_FAULT;
	}
	/* takers one at a time (the milter's threads, several Postfix
	 * instances): two messages with one id cannot both take it; the
	 * wrapper's put takes no lock (a slot is one pwrite) */
	if (flock(fd, LOCK_EX) == -1 || read_bucket(fd, b, v) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return MO_PASSREC_FAULT;
	}
	for (i = 0; i < MO_PASSREC_BUCKET; i++) {
		if (v[i].magic != MAGIC || memcmp(v[i].id, id, MO_ID_LEN) != 0)
			continue;
		if (STATE(&v[i]) != LIVE) {
			r = MO_PASSREC_REPLAYED;
			continue;       /* a live one may follow (an id made twice) */
		}
		/* a mismatch leaves the record: the wrapper's own message may
		 * come after a forgery of it */
		if (!fresh(&v[i], now))
			r = MO_PASSREC_EXPIRED;
		else if (v[i].uid != (uint32_t)uid)
			r = MO_PASSREC_UID;
		else if (rcpts > v[i].rcpts)
			r = MO_PASSREC_RCPTS;
		else if (memcmp(v[i].digest, digest, MO_PASSREC_DIGEST) != 0)
			r = MO_PASSREC_STAMPS;
		else {
			*kinds = v[i].state >> 8 & 0xff;
			v[i].state = USED;
			r = write_slot(fd, b, i, &v[i]) == 0 ? MO_PASSREC_OK : MO_PASSREC_FAULT;
			break;
		}
	}
	saved = errno;
	close(fd);
	errno = saved;
	return r;
}

int
mo_passrec_create(int statefd)
{
	static const char zero[65536];
	char tmp[64];
	struct stat st;
	size_t done;
	int fd, saved;

	if (fstatat(statefd, MO_PASSREC_NAME, &st, AT_SYMLINK_NOFOLLOW) == 0)
		return 0;
	if (errno != ENOENT || fstat(statefd, &st) == -1)
		return -1;
	snprintf(tmp, sizeof(tmp), "tmp/%s.%ld", MO_PASSREC_NAME, (long)getpid());
	if ((fd = openat(statefd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
	    0660)) == -1)
		return -1;
	for (done = 0; done < MO_PASSREC_SIZE; done += sizeof(zero))
		if (mo_write_all(fd, zero, sizeof(zero)) == -1)
			goto fail;
	if (fchown(fd, 0, st.st_gid) == -1 || fchmod(fd, 0660) == -1 || fsync(fd) == -1)
		goto fail;
	close(fd);
	/* never over a table another start made meanwhile */
	if (renameat2(statefd, tmp, statefd, MO_PASSREC_NAME, RENAME_NOREPLACE) == -1) {
		saved = errno;
		unlinkat(statefd, tmp, 0);
		errno = saved;
		return saved == EEXIST ? 0 : -1;
	}
	return 0;
fail:
	saved = errno;
	close(fd);
	unlinkat(statefd, tmp, 0);
	errno = saved;
	return -1;
}
