/*
 * driver: run a fuzz harness over files and folders of inputs, each once,
 * without libFuzzer (for the regression check in `make check`).
 *   fuzz_NAME-regress FILE|DIR...
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long ran;

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0, r;

	if (f == NULL) {
		perror(path);
		return -1;
	}
	for (;;) {
		if (n == cap) {
			unsigned char *p = realloc(buf, cap ? cap * 2 : 65536);
			if (p == NULL)
				abort();
			buf = p;
			cap = cap ? cap * 2 : 65536;
		}
		if ((r = fread(buf + n, 1, cap - n, f)) == 0)
			break;
		n += r;
	}
	fclose(f);
	/* an exact-size copy, so that ASan sees a read past the end */
	{
		unsigned char *exact = malloc(n ? n : 1);
		if (exact == NULL)
			abort();
		memcpy(exact, buf, n);
		free(buf);
		LLVMFuzzerTestOneInput(exact, n);
		free(exact);
	}
	ran++;
	return 0;
}

static int
run_path(const char *path)
{
	struct dirent **list;
	struct stat st;
	char sub[4096];
	int i, n, rc = 0;

	if (stat(path, &st) == -1) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path);
	if ((n = scandir(path, &list, NULL, alphasort)) == -1) {
		perror(path);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (list[i]->d_name[0] != '.') {
			snprintf(sub, sizeof(sub), "%s/%s", path, list[i]->d_name);
			if (run_path(sub) == -1)
				rc = -1;
		}
		free(list[i]);
	}
	free(list);
	return rc;
}

int
main(int argc, char **argv)
{
	int i, rc = 0;

	for (i = 1; i < argc; i++)
		if (run_path(argv[i]) == -1)
			rc = 1;
	printf("%lu inputs\n", ran);
	return rc;
}
