/*
 * account: who a uid is, as mailorigin names it everywhere a uid is all a
 * log or a queue file says (mailoriginctl report, queue): the passwd name,
 * and the vhost that mailorigin.conf's rules give the account's home
 * folder (one uid per site, as the rules recommend).
 */
#ifndef MO_ACCOUNT_H
#define MO_ACCOUNT_H

#include <stddef.h>
#include <sys/types.h>

#include "config.h"

/* user gets the passwd name ("" when the uid has none), vhost the vhost of
 * its home by c's rules ("" when none matches; c may be NULL).  Returns 0,
 * or -1 when the passwd database has no such uid. */
int mo_account_name(const struct mo_config *c, uid_t uid, char *user, size_t ulen,
    char *vhost, size_t vlen);

#endif
