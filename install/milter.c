/*
 * milter: swap --mode milter, mailorigin-milter into Postfix's main.cf
 * for a time window: smtpd_milters and non_smtpd_milters get the milter
 * appended to whatever they list, milter_default_action becomes tempfail
 * (a milter that is down then means 4xx, not mail let through unchecked),
 * and milter_connect_macros gains {daemon_port} (with {daemon_addr}, the
 * server's end of a loopback connection: the milter's exact socket lookup).
 *
 * The plan records, per parameter, whether main.cf set it and to what
 * (postconf -n), else its default (postconf -d); the revert sets each
 * back (postconf -e) or removes it (postconf -X), so `postconf -n` reads
 * as it did before.  Both end with `postfix reload` when Postfix runs.
 */
#include <bsd/string.h>
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "install.h"

static const char *const params[] = {
	"smtpd_milters", "non_smtpd_milters", "milter_default_action", "milter_connect_macros", NULL
};

/* postconf -c DIR ARGS...: its output into out; the exit status. */
static int
postconf(const struct ctx *c, char *out, size_t outlen, const char *a1, const char *a2)
{
	char tool[PATH_MAX], dir[PATH_MAX];
	char *argv[] = { tool, (char *)"-c", dir, (char *)a1, (char *)a2, NULL };

	if (find_tool("postconf", tool, sizeof(tool)) == -1)
		errx(EX_UNAVAILABLE, "postconf not found: --mode milter needs Postfix");
	rpath(c, dir, sizeof(dir), "/etc/postfix");
	return run_tool(argv, out, outlen);
}

/* The first line of out that is no warning of postconf's, without its newline. */
static const char *
value_line(char *out)
{
	char *p = out, *nl;

	while (strncmp(p, "postconf: ", 10) == 0 && (nl = strchr(p, '\n')) != NULL)
		p = nl + 1;
	p[strcspn(p, "\n")] = '\0';
	return p;
}

/* What main.cf says of name now: set (and its value) or not (its default). */
static void
plan_param(const struct ctx *c, struct mo_install_param *p, const char *name)
{
	char out[PATH_MAX + 256], want[96];
	const char *v;

	strlcpy(p->name, name, sizeof(p->name));
	if (postconf(c, out, sizeof(out), "-n", name) != 0)
		errx(EX_UNAVAILABLE, "postconf -n %s: %s", name, out);
	v = value_line(out);
	snprintf(want, sizeof(want), "%s = ", name);
	if (strncmp(v, want, strlen(want)) == 0) {
		p->set = 1;
		v += strlen(want);
	} else if (strcmp(v, name) == 0 || strncmp(v, want, strlen(want) - 1) == 0) {
		p->set = 1;             /* "name =": set to nothing */
		v = "";
	} else {
		p->set = 0;
		if (postconf(c, out, sizeof(out), "-dh", name) != 0)
			errx(EX_UNAVAILABLE, "postconf -dh %s: %s", name, out);
		v = value_line(out);
	}
	if (strlcpy(p->value, v, sizeof(p->value)) >= sizeof(p->value))
		errx(EX_DATAERR, "%s is longer than %zu bytes: not changed", name, sizeof(p->value) - 1);
}

int
milter_plan(struct ctx *c, struct mo_install_record *r, const char *milter)
{
	int i;

	if (strlcpy(r->milter, milter, sizeof(r->milter)) >= sizeof(r->milter) ||
	    strpbrk(milter, " ,\t\n") != NULL)
		errx(EX_USAGE, "--milter %s: one milter address (unix:PATH or inet:HOST:PORT)", milter);
	for (i = 0; params[i] != NULL; i++)
		plan_param(c, &r->params[i], params[i]);
	r->nparams = (size_t)i;
	return 0;
}

/* Does the comma or space separated list hold item? */
static int
lists(const char *list, const char *item)
{
	size_t n = strlen(item);
	const char *p = list;

	while (*(p += strspn(p, ", \t")) != '\0') {
		size_t k = strcspn(p, ", \t");
		if (k == n && strncmp(p, item, n) == 0)
			return 1;
		p += k;
	}
	return 0;
}

static void
set_param(struct ctx *c, const char *name, const char *value)
{
	char kv[PATH_MAX + 128], out[1024];

	snprintf(kv, sizeof(kv), "%s=%s", name, value);
	if (postconf(c, out, sizeof(out), "-e", kv) != 0)
		errx(EX_SOFTWARE, "postconf -e %s: %s", kv, out);
	step(c, "postconf -e \"%s\"", kv);
}

static void
reload(struct ctx *c)
{
	char tool[PATH_MAX], dir[PATH_MAX], out[1024];
	char *status[] = { tool, (char *)"-c", dir, (char *)"status", NULL };
	char *rl[] = { tool, (char *)"-c", dir, (char *)"reload", NULL };

	if (find_tool("postfix", tool, sizeof(tool)) == -1)
		return;
	rpath(c, dir, sizeof(dir), "/etc/postfix");
	if (run_tool(status, out, sizeof(out)) != 0) {
		say(c, "Postfix is not running: it reads the change when it starts");
		return;
	}
	if (run_tool(rl, out, sizeof(out)) != 0)
		warnx("postfix reload: %s", out);
	else
		step(c, "postfix reload");
}

int
milter_swap(struct ctx *c, const struct mo_install_record *r)
{
	char v[sizeof(r->params[0].value) + PATH_MAX + 4], sock[PATH_MAX];
	struct stat st;
	size_t i;

	if (strncmp(r->milter, "unix:", 5) == 0) {
		rpath(c, sock, sizeof(sock), r->milter + 5);
		if (stat(sock, &st) == -1 || !S_ISSOCK(st.st_mode))
			warnx("%s is not a socket (yet): until mailorigin-milter listens there, "
			    "Postfix answers 4xx (milter_default_action = tempfail)", sock);
	}
	for (i = 0; i < r->nparams; i++) {
		const struct mo_install_param *p = &r->params[i];

		if (strcmp(p->name, "milter_default_action") == 0)
			set_param(c, p->name, "tempfail");
		else if (strcmp(p->name, "milter_connect_macros") == 0) {
			if (!lists(p->value, "{daemon_port}")) {
				snprintf(v, sizeof(v), "%s%s{daemon_port}", p->value, p->value[0] ? " " : "");
				set_param(c, p->name, v);
			}
		} else if (!lists(p->value, r->milter)) {
			snprintf(v, sizeof(v), "%s%s%s", p->value, p->value[0] ? ", " : "", r->milter);
			set_param(c, p->name, v);
		}
	}
	reload(c);
	return 0;
}

int
milter_revert(struct ctx *c, const struct mo_install_record *r)
{
	char out[1024];
	size_t i;

	for (i = 0; i < r->nparams; i++) {
		const struct mo_install_param *p = &r->params[i];

		if (p->set)
			set_param(c, p->name, p->value);
		else if (postconf(c, out, sizeof(out), "-X", p->name) != 0)
			errx(EX_SOFTWARE, "postconf -X %s: %s", p->name, out);
		else
			step(c, "postconf -X %s", p->name);
	}
	reload(c);
	return 0;
}
