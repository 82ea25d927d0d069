/*
 * hold: the "hold" verbs of mailoriginctl (list, show, release, delete)
 * over the hold spool; one entry of the table in mailoriginctl.c.
 */
#ifndef CTL_HOLD_H
#define CTL_HOLD_H

#include "verb.h"

/* Its verbs; mailoriginctl.c has { "hold", NULL, NULL, 0, ctl_hold_verbs }. */
extern const struct ctl_verb ctl_hold_verbs[];

#endif
