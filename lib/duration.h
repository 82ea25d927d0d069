/*
 * duration: the one grammar of durations every program reads (the
 * installer's --for, the tracer's --interval/--duration/--status-timeout,
 * mailoriginctl's --timeout, the limits' windows "20/1h30m").
 *
 *   duration = group { group } | number
 *   group    = number unit
 *   number   = digits [ "." digits ]
 *   unit     = "ms" | "s" | "m" | "h" | "d"
 *
 * "90s", "250ms", "1.5s", "30m", "1h30m", "2d"; a bare number is seconds
 * ("90").  No sign, no space, no exponent.
 */
#ifndef MO_DURATION_H
#define MO_DURATION_H

#define MO_NS 1000000000LL             /* nanoseconds in a second */

/* s in milliseconds (rounded to the nearest), at most max_ms; -1 with *why
 * set ("empty", "expected a number", "units are ms, s, m, h, d", "too
 * long") when it is not a duration. */
long long mo_duration_ms(const char *s, long long max_ms, const char **why);

#endif
