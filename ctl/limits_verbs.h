/*
 * limits: the "limits" verbs of mailoriginctl (show, reset) over the
 * limit store; one entry of the table in mailoriginctl.c.
 */
#ifndef CTL_LIMITS_VERBS_H
#define CTL_LIMITS_VERBS_H

#include "verb.h"

/* Its verbs; mailoriginctl.c has { "limits", NULL, NULL, 0, ctl_limits_verbs }. */
extern const struct ctl_verb ctl_limits_verbs[];

#endif
