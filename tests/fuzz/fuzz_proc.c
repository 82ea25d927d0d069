/*
 * fuzz_proc: the /proc/PID text parsers on what a hostile process can put
 * there: stat (its comm), status, cmdline, environ and maps (file names
 * with spaces), then the classification and script/vhost naming that
 * follow from them.  Every parser gets the same bytes.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "proc.h"
#include "procfs.h"
#include "vhost.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const env_names[] = {
	"SCRIPT_FILENAME", "DOCUMENT_ROOT", "HTTP_HOST", "REQUEST_URI", "A", "",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct proc_info pi;
	static const char *const roots[] = { "/home/*/public_html", "/x" };
	char *text, *raw, *line, *save = NULL, extra[PATH_MAX], out[PATH_MAX];
	struct mo_map_entry me;
	const char *v;
	uid_t uid;
	size_t i;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* cmdline and environ are raw bytes, not NUL-terminated */
	if ((raw = malloc(size ? size : 1)) == NULL) {
		free(text);
		return 0;
	}
	memcpy(raw, data, size);

	memset(&pi, 0, sizeof(pi));
	(void)proc_parse_stat(text, &pi);
	(void)mo_proc_parse_status_uid(text, &uid);
	proc_join_cmdline(raw, size, pi.cmdline, sizeof(pi.cmdline), pi.argv0,
	                  sizeof(pi.argv0));
	proc_join_cmdline(raw, size, out, 1, NULL, 0);
	for (i = 0; i < sizeof(env_names) / sizeof(env_names[0]); i++)
		if ((v = proc_env_lookup(raw, size, env_names[i])) != NULL &&
		    (v < raw || v >= raw + size || memchr(v, '\0', (size_t)(raw + size - v)) == NULL))
			abort();                /* a value is inside and terminated */
	(void)mo_sapi_of(pi.comm, raw, size, pi.argv0, extra, sizeof(extra));
	(void)mo_interp_script(mo_interp_of(pi.comm, raw, size, pi.argv0), raw, size, "/w", out, sizeof(out));
	(void)mo_sh_command(raw, size);
	(void)mo_cli_script(raw, size, NULL, out, sizeof(out));
	(void)vhost_from_path(pi.cmdline, roots, 2, out, sizeof(out));
	(void)vhost_from_path(pi.argv0, NULL, 0, out, 8);

	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		if (mo_proc_parse_maps_line(line, &me) == 0 &&
		    (me.path < line || me.path > line + strlen(line)))
			abort();
	free(raw);
	free(text);
	return 0;
}
