/* verb: look up and run mailoriginctl's verbs from their tables. */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "verb.h"

const struct ctl_verb *
ctl_verb_find(const struct ctl_verb *table, const char *name)
{
	for (; table->name != NULL; table++)
		if (strcmp(table->name, name) == 0)
			return table;
	return NULL;
}

void
ctl_verb_usage(FILE *f, const struct ctl_verb *table)
{
	for (; table->name != NULL; table++) {
		if (table->usage != NULL)
			fputs(table->usage, f);
		if (table->subs != NULL)
			ctl_verb_usage(f, table->subs);
	}
}

/* "list, show, release or delete": the words of table. */
static void
words(char *buf, size_t len, const struct ctl_verb *table)
{
	const struct ctl_verb *v;
	size_t o = 0;

	buf[0] = '\0';
	for (v = table; v->name != NULL && o < len; v++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", v == table ? "" :
		    v[1].name == NULL ? " or " : ", ", v->name);
}

int
ctl_verb_run(struct ctl *c, const struct ctl_verb *table, const char *group,
    int argc, char *argv[])
{
	const struct ctl_verb *v;
	char w[256];

	words(w, sizeof(w), table);
	if (argc < 1)
		errx(EX_USAGE, "%s%sneeds a verb: %s (see mailoriginctl --help)",
		    group ? group : "", group ? " " : "", w);
	if (group != NULL && (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0)) {
		ctl_verb_usage(stdout, table);
		exit(EX_OK);
	}
	if ((v = ctl_verb_find(table, argv[0])) == NULL)
		errx(EX_USAGE, "%s%s%s: unknown %s (%s; see mailoriginctl --help)",
		    group ? group : "", group ? " " : "", argv[0], group ? "verb" : "command", w);
	if (v->subs != NULL && v->run == NULL)
		return ctl_verb_run(c, v->subs, v->name, argc - 1, argv + 1);
	return v->run(c, v, argc, argv);
}
