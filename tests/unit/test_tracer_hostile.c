/* The tracer's parsers on what a hostile local user controls: ELF files
 * at odd offsets or in a FIFO's place, FastCGI replies that never end,
 * status pages with keys inside values, config files a user wrote. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "elfsym.h"
#include "fcgi.h"
#include "fpm.h"
#include "report.h"

/* A minimal ELF file with its tables at an odd offset: 1 + headers. */
static size_t
odd_elf(unsigned char *buf, size_t size)
{
	Elf64_Ehdr eh;
	Elf64_Sym sym[2];
	Elf64_Shdr sh[3];
	static const char str[] = "\0executor_globals";
	size_t off_sym = sizeof(eh) + 1, off_str, off_sh;

	memset(buf, 0, size);
	memset(&eh, 0, sizeof(eh));
	memset(sym, 0, sizeof(sym));
	memset(sh, 0, sizeof(sh));
	off_str = off_sym + sizeof(sym);
	off_sh = off_str + sizeof(str) + 2;          /* odd as well */
	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_shoff = off_sh;
	eh.e_shentsize = sizeof(Elf64_Shdr);
	eh.e_shnum = 3;
	sym[1].st_name = 1;
	sym[1].st_value = 0x1234;
	sym[1].st_shndx = 7;
	sh[1].sh_type = SHT_DYNSYM;
	sh[1].sh_offset = off_sym;
	sh[1].sh_size = sizeof(sym);
	sh[1].sh_entsize = sizeof(Elf64_Sym);
	sh[1].sh_link = 2;
	sh[2].sh_type = SHT_STRTAB;
	sh[2].sh_offset = off_str;
	sh[2].sh_size = sizeof(str);
	assert_true(off_sh + sizeof(sh) <= size);
	memcpy(buf, &eh, sizeof(eh));
	memcpy(buf + off_sym, sym, sizeof(sym));
	memcpy(buf + off_str, str, sizeof(str));
	memcpy(buf + off_sh, sh, sizeof(sh));
	return off_sh + sizeof(sh);
}

static void
test_elf_unaligned(void **state)
{
	unsigned char buf[1024];
	struct elf_image img;
	struct elf_symbol s;
	size_t n;

	(void)state;
	n = odd_elf(buf, sizeof(buf));
	/* also from an odd address: nothing is read through a cast pointer */
	memmove(buf + 1, buf, n);
	assert_int_equal(elf_from_buffer(&img, buf + 1, n), 0);
	assert_int_equal(elf_symbol_find(&img, "executor_globals", &s), 0);
	assert_int_equal(s.value, 0x1234);
}

static void
test_elf_strtab_unterminated(void **state)
{
	unsigned char buf[1024];
	struct elf_image img;
	struct elf_symbol s;
	size_t n;

	(void)state;
	n = odd_elf(buf, sizeof(buf));
	/* the string table's last byte is not NUL: the name runs out of it */
	buf[sizeof(Elf64_Ehdr) + 1 + 2 * sizeof(Elf64_Sym) + 17] = 'X';
	assert_int_equal(elf_from_buffer(&img, buf, n), 0);
	assert_int_equal(elf_symbol_at(&img, 1, &s), -1);
	assert_int_equal(elf_symbol_find(&img, "executor_globals", &s), -1);
}

static void
test_elf_not_a_file(void **state)
{
	char dir[] = "/tmp/mo-hostile-XXXXXX", path[64];
	struct elf_image img;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/php-fpm", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	/* a FIFO in a binary's place: refused at once, the open not blocked */
	alarm(5);
	assert_int_equal(elf_open(&img, path), -1);
	alarm(0);
	unlink(path);
	assert_int_equal(elf_open(&img, "/dev/null"), -1);
	rmdir(dir);
}

static void
test_fpm_status_hostile(void **state)
{
	static struct fpm_status st;
	char deep[256];
	size_t i;

	(void)state;
	/* \u at the very end: no read past the NUL */
	assert_int_equal(fpm_status_parse("{\"processes\":[{\"a\":\"\\u1", &st), -1);
	assert_int_equal(fpm_status_parse("{\"processes\":[{\"a\":\"\\u+1ab\"}]}", &st), -1);
	/* "processes" inside a value (a request URI) is not the key */
	assert_int_equal(fpm_status_parse(
		"{\"pool\":\"w\",\"x\":\"\\\"processes\\\":[{\\\"pid\\\":1}]\","
		"\"processes\":[{\"pid\":2,\"request uri\":\"\\\"processes\\\":[\"}]}", &st), 0);
	assert_int_equal(st.n, 1);
	assert_int_equal(st.w[0].pid, 2);
	assert_int_equal(fpm_status_parse("{\"x\":\"\\\"processes\\\":[]\"}", &st), -1);
	/* nesting is bounded, not recursed into without end */
	for (i = 0; i < 200; i++)
		deep[i] = '[';
	memcpy(deep, "{\"x\":", 5);
	deep[200] = '\0';
	assert_int_equal(fpm_status_parse(deep, &st), -1);
	/* a pid that is not one */
	assert_int_equal(fpm_status_parse("{\"processes\":[{\"pid\":-5},{\"pid\":99999999999}]}", &st), 0);
	assert_int_equal(st.w[0].pid, 0);
	assert_int_equal(st.w[1].pid, 0);
}

static void
record(int fd, int type, uint16_t id, const void *body, uint16_t len)
{
	unsigned char h[8];

	fcgi_header(h, type, id, len, 0);
	assert_int_equal(write(fd, h, 8), 8);
	if (len > 0)
		assert_int_equal(write(fd, body, len), len);
}

/* A pool whose listen queue is full: an error at once, not a socket that
 * never connected (whose first write then said ENOTCONN). */
static void
test_fcgi_queue_full(void **state)
{
	struct sockaddr_un sun;
	char dir[] = "/tmp/mo-fcgi.XXXXXX";
	int lfd, c[64], n = 0, fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/s", dir);
	assert_true((lfd = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 0), 0);
	/* fill the queue (nobody accepts) */
	for (n = 0; n < 64; n++) {
		c[n] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (connect(c[n], (struct sockaddr *)&sun, sizeof(sun)) == -1) {
			assert_int_equal(errno, EAGAIN);
			close(c[n]);
			break;
		}
	}
	assert_true(n < 64);
	errno = 0;
	fd = fcgi_connect(sun.sun_path, 200);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, EAGAIN);
	while (n-- > 0)
		close(c[n]);
	close(lfd);
	unlink(sun.sun_path);
	rmdir(dir);
}

static void
test_fcgi_reply_unbounded(void **state)
{
	static unsigned char chunk[0xffff];
	struct fcgi_response r;
	int sv[2];
	pid_t pid;

	(void)state;
	/* a peer that sends STDOUT for ever is cut off at FCGI_MAX_RESPONSE */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	if ((pid = fork()) == 0) {
		close(sv[1]);
		memset(chunk, 'x', sizeof(chunk));
		fcgi_header(chunk, FCGI_STDOUT, 1, sizeof(chunk) - 8, 0);
		for (;;) {
			size_t off = 0;
			ssize_t n;
			while (off < sizeof(chunk)) {
				if ((n = write(sv[0], chunk + off, sizeof(chunk) - off)) <= 0)
					_exit(0);
				off += (size_t)n;
			}
		}
	}
	close(sv[0]);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	assert_int_equal(fcgi_read_response(sv[1], 10000, &r), -1);
	assert_int_equal(errno, EMSGSIZE);
	close(sv[1]);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);

	/* a peer that says nothing times out */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	assert_int_equal(fcgi_read_response(sv[1], 100, &r), -1);
	assert_int_equal(errno, ETIMEDOUT);
	close(sv[0]);
	close(sv[1]);

	/* records of another request are skipped, END_REQUEST ends */
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	record(sv[0], FCGI_STDOUT, 2, "nope", 4);
	record(sv[0], FCGI_STDERR, 1, "warn", 4);
	record(sv[0], FCGI_STDOUT, 1, "yes", 3);
	record(sv[0], FCGI_END_REQUEST, 1, "\0\0\0\7\0\0\0\0", 8);
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	assert_int_equal(fcgi_read_response(sv[1], 1000, &r), 0);
	assert_string_equal(r.out, "yes");
	assert_string_equal(r.err, "warn");
	assert_int_equal(r.app_status, 7);
	fcgi_response_free(&r);
	close(sv[0]);
	close(sv[1]);
}

static void
test_fpm_conf_untrusted(void **state)
{
	char dir[] = "/tmp/mo-hostile-XXXXXX", path[64];
	static struct fpm_pools pools;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fpm.conf", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	alarm(5);
	memset(&pools, 0, sizeof(pools));
	assert_int_equal(fpm_conf_load(path, &pools), -1);
	alarm(0);
	unlink(path);
	assert_non_null(f = fopen(path, "w"));
	fputs("[evil]\nlisten = /run/php/victim.sock\npm.status_path = /x.php\n", f);
	fclose(f);
	/* writable by others: not believed */
	chmod(path, 0666);
	assert_int_equal(fpm_conf_load(path, &pools), -1);
	assert_int_equal(pools.n, 0);
	chmod(path, 0644);
	if (geteuid() == 0) {
		/* a user's file is not believed either */
		assert_int_equal(chown(path, 65534, 65534), 0);
		assert_int_equal(fpm_conf_load(path, &pools), -1);
		assert_int_equal(errno, EPERM);
		assert_int_equal(chown(path, 0, 0), 0);
		assert_int_equal(fpm_conf_load(path, &pools), 0);
		assert_int_equal(pools.n, 1);
	}
	unlink(path);
	rmdir(dir);
}

static void
test_table_clean_terminal(void **state)
{
	char out[64];

	(void)state;
	/* C1 controls (8-bit CSI, and U+009B as UTF-8) never reach a terminal */
	table_clean(out, sizeof(out), "/a\x9b" "2J/\xc2\x9b" "2J.php", 0);
	assert_string_equal(out, "/a?2J/??2J.php");
	/* printable UTF-8 is kept whole, broken or overlong UTF-8 is not */
	table_clean(out, sizeof(out), "/h\xc3\xa9/\xc3/\xc0\xaf/\xe2\x82", 0);
	assert_string_equal(out, "/h\xc3\xa9/?/?" "?/?" "?");
	/* a cut never splits a character */
	table_clean(out, sizeof(out), "/long/long/long/\xc3\xa9\xc3\xa9.php", 9);
	assert_string_equal(out, "..\xc3\xa9.php");
	/* small buffers */
	table_clean(out, 2, "\xc3\xa9", 0);
	assert_string_equal(out, "?");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_unaligned),
		cmocka_unit_test(test_elf_strtab_unterminated),
		cmocka_unit_test(test_elf_not_a_file),
		cmocka_unit_test(test_fpm_status_hostile),
		cmocka_unit_test(test_fcgi_queue_full),
		cmocka_unit_test(test_fcgi_reply_unbounded),
		cmocka_unit_test(test_fpm_conf_untrusted),
		cmocka_unit_test(test_table_clean_terminal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
