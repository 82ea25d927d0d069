/*
 * spool: the state dir's message files.
 *
 * A message is written to an unlinked file in STATE/tmp (O_TMPFILE), so a
 * crash leaves nothing behind; when the state dir cannot take it, to an
 * anonymous memory file instead, so the message still passes.  A held
 * message is the directory STATE/hold/ID holding `message` and `meta`,
 * built under STATE/tmp and renamed into place: after a crash it is either
 * wholly in hold/ or was never held.
 */
#ifndef MO_SPOOL_H
#define MO_SPOOL_H

#include <stddef.h>
#include <sys/types.h>

#define MO_ID_LEN 16

/* Open the state dir (no symlink as its last component).  tmp/ and hold/
 * must be in it; with create set (root: no caller may own an entry of the
 * state dir) they are made when missing, else hold/ must be writable (a
 * missing tmp/ shows when a large message needs it).  Returns a directory
 * fd or -1 (errno). */
int mo_state_open(const char *state_dir, int create);
/* STATE/quarantine: mailorigin-milter's record of each message it put in
 * Postfix's hold queue (a file named by our id, holding the hold's log
 * line), so that mailoriginctl can tell the milter's holds from any other
 * message that carries our stamps.  It is root's alone: checks that it is
 * a folder of root's that no one else may write (made, mode 0700, when
 * create is set); 0, or -1 (errno: EPERM when it is not root's alone). */
#define MO_QUARANTINE_DIR "quarantine"
int mo_quarantine_dir(int statefd, int create);
/*
 * The milter's holds per sender, for the hold quota (hold_max_messages,
 * hold_max_bytes: the hold spool's rule, counted in Postfix's hold queue
 * apart): STATE/quarantine/by/KEY/ID.SIZE, a second link to the hold's
 * record (KEY "uid-N", "sasl-HEX" for a SASL user without a uid, "none").
 * A link whose record is gone (released, deleted, pruned: one link left)
 * no longer counts and is removed when the usage is read.
 */
#define MO_QUARANTINE_KEY_MAX 224
void mo_quarantine_key(char *key, size_t keysz, int have_uid, uid_t uid, const char *sasl);
/* KEY's live holds and the bytes of their messages; 0 (none: 0, 0), or
 * -1 (errno) when the folder cannot be read. */
int mo_quarantine_usage(int statefd, const char *key, unsigned long long *msgs,
    unsigned long long *bytes);
/* Count the hold whose record is quarantine/ID (size bytes) for KEY.  0, or -1 (errno). */
int mo_quarantine_note(int statefd, const char *key, const char *id, unsigned long long size);
/* A new unlinked spool file in STATE/tmp, or -1 (errno). */
int mo_spool_create(int statefd);
/* A new anonymous spool file in memory, or -1 (errno). */
int mo_spool_memory(void);
/* A fresh message id: MO_ID_LEN lowercase hex digits and a NUL. */
void mo_new_id(char id[MO_ID_LEN + 1]);
/* Hold the message in fd (read from offset 0) as STATE/hold/ID with meta. */
int mo_hold(int statefd, int msgfd, const char *id, const char *meta, size_t metalen);
/* What uid holds now: entries of hold/ it owns (the wrapper makes them as
 * the caller) and the bytes of their messages.  -1 when hold/ cannot be read. */
int mo_hold_usage(int statefd, uid_t uid, unsigned long long *msgs, unsigned long long *bytes);

#endif
