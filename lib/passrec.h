/*
 * passrec: the wrapper's word to the milter that a message was already
 * counted.  With non_smtpd_milters, a message the wrapper passed reaches
 * mailorigin-milter again through Postfix's pickup; without this record
 * the milter could not tell the wrapper's stamps from a user's (who may
 * run the real sendmail with headers of their own) and would strip them
 * and charge the uid a second time.
 *
 * The record is STATE/passed, a table of fixed size (MO_PASSREC_SLOTS
 * slots of 64 bytes, 1 MiB, made whole by the milter or at install, mode
 * 0660 root:mailorigin): only the group can write it, and the caller of
 * the setgid wrapper cannot reach the wrapper's descriptor.  The wrapper,
 * once the limits have charged the message and just before it runs the
 * real MTA, writes one slot: the id, the real uid, the recipients charged,
 * the time and a SHA-256 digest of its five stamps (one pread of a bucket
 * of 8 slots, one pwrite).  The bucket is chosen by the id's random part;
 * the wrapper takes a free, used or expired slot of it, or else the
 * oldest record of the uid that holds the most slots of the bucket (its
 * own oldest when it holds as many as anyone), whose message is then
 * charged again: the safe side.  One uid cannot push another's live
 * records out of a bucket below its own share.
 *
 * The record says which kinds of rule (ratelimit.h's MO_KIND bits) the
 * wrapper charged under keys the milter would charge too: uid, user and
 * all, and vhost only when the wrapper's vhost was the user's (the
 * milter's vhost for local mail; the wrapper's comes from the claimed
 * cwd).  The milter charges the kinds left (review S3-5: a record for
 * per-vhost rules alone switched the milter's count off on the word of
 * a vhost the sender chose).
 *
 * The milter takes a record once: the id must be live in the table, the
 * uid the pickup uid, the recipients no more than were charged, the
 * stamps those digested; then the slot is marked used (under flock, so
 * that two takers cannot both take it), so that a replay of the id is
 * charged.  Any failure to write the record (no table, an
 * I/O error) costs nothing but a second charge.
 */
#ifndef MO_PASSREC_H
#define MO_PASSREC_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#define MO_PASSREC_NAME "passed"
#define MO_PASSREC_SLOTS 16384
#define MO_PASSREC_BUCKET 8             /* slots a record may take */
#define MO_PASSREC_SLOT 64              /* bytes */
#define MO_PASSREC_SIZE (MO_PASSREC_SLOTS * MO_PASSREC_SLOT)
#define MO_PASSREC_MAX_AGE (24 * 3600)  /* seconds a record is good for */
#define MO_PASSREC_DIGEST 24            /* bytes of SHA-256 kept */
#define MO_PASSREC_NSTAMPS 5

/* Our stamps, in the order the digest takes them (names after the prefix). */
extern const char *const mo_passrec_names[MO_PASSREC_NSTAMPS];

enum mo_passrec_verdict {
	MO_PASSREC_OK,          /* taken: the wrapper counted this message */
	MO_PASSREC_NONE,        /* no such id in the table */
	MO_PASSREC_REPLAYED,    /* the id's record was taken already */
	MO_PASSREC_EXPIRED,     /* older than MO_PASSREC_MAX_AGE */
	MO_PASSREC_UID,         /* recorded for another uid */
	MO_PASSREC_RCPTS,       /* more recipients than were charged */
	MO_PASSREC_STAMPS,      /* the stamps are not those the wrapper wrote */
	MO_PASSREC_FAULT,       /* the table cannot be read (errno) */
};

/* A word for the log line: "verified", "no-record", "replayed"... */
const char *mo_passrec_verdict_name(enum mo_passrec_verdict v);

/* The digest of the five stamp values (vals in mo_passrec_names' order):
 * blanks at either end of each value are not part of it. */
void mo_passrec_digest(const char *const vals[MO_PASSREC_NSTAMPS],
    unsigned char out[MO_PASSREC_DIGEST]);

/* The same over values of the given lengths (not NUL-terminated). */
void mo_passrec_digest_n(const char *const vals[MO_PASSREC_NSTAMPS],
    const size_t lens[MO_PASSREC_NSTAMPS], unsigned char out[MO_PASSREC_DIGEST]);

/* The table, open for writing, or -1 (errno; ENOENT: there is no table,
 * no milter here: nothing to record, and no digest to make). */
int mo_passrec_open(int statefd);
/* mo_passrec_put() into the table open on fd. */
int mo_passrec_put_fd(int fd, const char *id, uid_t uid, unsigned long rcpts,
    const unsigned char digest[MO_PASSREC_DIGEST], unsigned kinds, time_t now);

/* The wrapper: record id (MO_ID_LEN hex digits) for uid, with the kinds
 * of rule it charged (MO_KIND bits; a release: MO_KINDS_ALL).  0, or -1
 * with errno (ENOENT: there is no table here, nothing to say). */
int mo_passrec_put(int statefd, const char *id, uid_t uid, unsigned long rcpts,
    const unsigned char digest[MO_PASSREC_DIGEST], unsigned kinds, time_t now);

/* The milter: take id's record if it is good for uid, rcpts and digest;
 * *kinds the kinds it says were charged (0 unless MO_PASSREC_OK). */
enum mo_passrec_verdict mo_passrec_take(int statefd, const char *id, uid_t uid,
    unsigned long rcpts, const unsigned char digest[MO_PASSREC_DIGEST], time_t now,
    unsigned *kinds);

/* Make the table when it is missing (root: the milter's start): whole
 * (zeros written, so that a full disk cannot fail a record later), mode
 * 0660, the state dir's group.  0, or -1 (errno). */
int mo_passrec_create(int statefd);

#endif
