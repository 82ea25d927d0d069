/* rlimit: soft limits up to the hard ones, and the floor a job needs. */
#include <sys/resource.h>

#include <stdio.h>

#include "rlimit.h"

int
mo_rlimit_floor(char *why, size_t whylen)
{
	static const struct { int res; const char *name; rlim_t floor; } need[] = {
		{ RLIMIT_NOFILE, "RLIMIT_NOFILE (open files)", 64 },
		{ RLIMIT_FSIZE, "RLIMIT_FSIZE (file size)", RLIM_INFINITY },
		{ RLIMIT_AS, "RLIMIT_AS (address space)", (rlim_t)64 << 20 },
		{ RLIMIT_DATA, "RLIMIT_DATA (data)", (rlim_t)64 << 20 },
	};
	struct rlimit rl;
	size_t i;

	for (i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		if (getrlimit(need[i].res, &rl) == -1)
			continue;
		if (rl.rlim_cur != rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(need[i].res, &rl);
		}
		if (rl.rlim_max != RLIM_INFINITY &&
		    (need[i].floor == RLIM_INFINITY || rl.rlim_max < need[i].floor)) {
			snprintf(why, whylen, "%s is %llu, %s needed", need[i].name,
			    (unsigned long long)rl.rlim_max,
			    need[i].floor == RLIM_INFINITY ? "unlimited" : "more");
			return -1;
		}
	}
	return 0;
}
