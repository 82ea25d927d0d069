/* The tracer's parsers: ELF, /proc texts, names, FastCGI, FPM config and
 * status page, durations, escaping. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "json.h"
#include "proc.h"
#include "elfsym.h"
#include "fcgi.h"
#include "fpm.h"
#include "phpmem.h"
#include "procfs.h"
#include "report.h"
#include "vhost.h"
#include "watch.h"

/* A tiny ELF64 file built in memory: 3 sections (null, .dynsym, .dynstr). */
struct tiny {
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	Elf64_Sym sym[3];
	char str[32];
	Elf64_Shdr sh[3];
};

/* An ELF64 header and the .dynsym/.dynstr section pair (sections 1, 2). */
static void
elf_header(Elf64_Ehdr *eh, uint64_t shoff, unsigned shnum)
{
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_shoff = shoff;
	eh->e_shentsize = sizeof(Elf64_Shdr);
	eh->e_shnum = shnum;
}

static void
dynsym_pair(Elf64_Shdr *sh, uint64_t symoff, uint64_t symsize, uint64_t stroff,
            uint64_t strsize)
{
	sh[1].sh_type = SHT_DYNSYM;
	sh[1].sh_offset = symoff;
	sh[1].sh_size = symsize;
	sh[1].sh_entsize = sizeof(Elf64_Sym);
	sh[1].sh_link = 2;
	sh[2].sh_type = SHT_STRTAB;
	sh[2].sh_offset = stroff;
	sh[2].sh_size = strsize;
}

static void
tiny_build(struct tiny *t)
{
	memset(t, 0, sizeof(*t));
	elf_header(&t->eh, offsetof(struct tiny, sh), 3);
	t->eh.e_phoff = offsetof(struct tiny, ph);
	t->eh.e_phentsize = sizeof(Elf64_Phdr);
	t->eh.e_phnum = 1;
	t->ph.p_type = PT_LOAD;
	t->ph.p_offset = 0;
	t->ph.p_vaddr = 0;
	t->ph.p_align = 0x1000;
	memcpy(t->str, "\0executor_globals\0undef\0", 24);
	t->sym[1].st_name = 1;
	t->sym[1].st_value = 0x582500;
	t->sym[1].st_size = 0x708;
	t->sym[1].st_info = ELF64_ST_INFO(STB_GLOBAL, STT_OBJECT);
	t->sym[1].st_shndx = 5;
	t->sym[2].st_name = 18;
	t->sym[2].st_info = ELF64_ST_INFO(STB_GLOBAL, STT_FUNC);
	t->sym[2].st_shndx = SHN_UNDEF;
	dynsym_pair(t->sh, offsetof(struct tiny, sym), sizeof(t->sym),
	    offsetof(struct tiny, str), sizeof(t->str));
}

static void
test_elf_tiny(void **state)
{
	struct tiny t;
	struct elf_image img;
	struct elf_symbol s;
	uint64_t bias;

	(void)state;
	tiny_build(&t);
	assert_int_equal(elf_from_buffer(&img, &t, sizeof(t)), 0);
	assert_int_equal(elf_symbol_count(&img), 3);
	assert_int_equal(elf_symbol_find(&img, "executor_globals", &s), 0);
	assert_int_equal(s.value, 0x582500);
	assert_int_equal(s.size, 0x708);
	assert_int_equal(s.type, STT_OBJECT);
	/* undefined symbols are not "found" */
	assert_int_equal(elf_symbol_find(&img, "undef", &s), -1);
	assert_int_equal(elf_symbol_at(&img, 2, &s), 0);
	assert_string_equal(s.name, "undef");
	assert_int_equal(elf_load_bias(&img, 0x55d000000000, 0, &bias), 0);
	assert_int_equal(bias, 0x55d000000000);
	assert_int_equal(elf_load_bias(&img, 0x55d000000000, 0x3000, &bias), -1);
}

static void
test_elf_hostile(void **state)
{
	struct tiny t;
	struct elf_image img;
	struct elf_symbol s;

	(void)state;
	/* section table past the end */
	tiny_build(&t);
	t.eh.e_shoff = sizeof(t) - 8;
	assert_int_equal(elf_from_buffer(&img, &t, sizeof(t)), -1);
	/* dynsym larger than the file */
	tiny_build(&t);
	t.sh[1].sh_size = 1 << 20;
	assert_int_equal(elf_from_buffer(&img, &t, sizeof(t)), -1);
	/* name offset past the string table: that symbol is skipped */
	tiny_build(&t);
	t.sym[1].st_name = 1000;
	assert_int_equal(elf_from_buffer(&img, &t, sizeof(t)), 0);
	assert_int_equal(elf_symbol_at(&img, 1, &s), -1);
	assert_int_equal(elf_symbol_find(&img, "executor_globals", &s), -1);
	/* string table not NUL-terminated at its end */
	tiny_build(&t);
	memset(t.str, 'A', sizeof(t.str));
	assert_int_equal(elf_from_buffer(&img, &t, sizeof(t)), 0);
	assert_int_equal(elf_symbol_at(&img, 1, &s), -1);
	/* 32-bit and big-endian are refused */
	tiny_build(&t);
	t.eh.e_ident[EI_CLASS] = ELFCLASS32;
	assert_int_equal(elf_from_buffer(&img, &t, sizeof(t)), -1);
	tiny_build(&t);
	t.eh.e_ident[EI_DATA] = ELFDATA2MSB;
	assert_int_equal(elf_from_buffer(&img, &t, sizeof(t)), -1);
	/* too short */
	assert_int_equal(elf_from_buffer(&img, &t, 10), -1);
}

/* A tiny ELF64 with a read-only data section: null, .dynsym, .dynstr, .rodata. */
struct tiny_ro {
	Elf64_Ehdr eh;
	Elf64_Sym sym[2];
	char str[40];
	char ro[48];
	Elf64_Shdr sh[4];
};

static void
tiny_ro_build(struct tiny_ro *t)
{
	memset(t, 0, sizeof(*t));
	elf_header(&t->eh, offsetof(struct tiny_ro, sh), 4);
	/* the string in .dynstr too: only .rodata counts */
	memcpy(t->str, "\0x\0X-Powered-By: PHP/9.9.9", sizeof("\0x\0X-Powered-By: PHP/9.9.9"));
	t->sym[1].st_name = 1;
	t->sym[1].st_shndx = 3;
	dynsym_pair(t->sh, offsetof(struct tiny_ro, sym), sizeof(t->sym),
	    offsetof(struct tiny_ro, str), sizeof(t->str));
	memcpy(t->ro, "junk X-Powered-By: PHP/8.2.36\0more", sizeof("junk X-Powered-By: PHP/8.2.36\0more"));
	t->sh[3].sh_type = SHT_PROGBITS;
	t->sh[3].sh_flags = SHF_ALLOC;
	t->sh[3].sh_offset = offsetof(struct tiny_ro, ro);
	t->sh[3].sh_size = sizeof(t->ro);
}

static void
test_elf_version_string(void **state)
{
	struct tiny_ro t;
	struct elf_image img;
	char v[32];

	(void)state;
	tiny_ro_build(&t);
	assert_int_equal(elf_from_buffer(&img, &t, sizeof(t)), 0);
	assert_int_equal(elf_find_string(&img, "X-Powered-By: PHP/", v, sizeof(v)), 0);
	assert_string_equal(v, "8.2.36");
	assert_int_equal(elf_find_string(&img, "nothere", v, sizeof(v)), -1);
	elf_close(&img);
	/* a writable or executable section is not looked at */
	tiny_ro_build(&t);
	t.sh[3].sh_flags = SHF_ALLOC | SHF_WRITE;
	assert_int_equal(elf_from_buffer(&img, &t, sizeof(t)), 0);
	assert_int_equal(elf_find_string(&img, "X-Powered-By: PHP/", v, sizeof(v)), -1);
	elf_close(&img);
}

/* A sparse file of 511 MiB with a tiny ELF at its start, at DIR/NAME. */
static int
sparse_elf(const char *path, const void *head, size_t len)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd == -1)
		return -1;
	if (write(fd, head, len) != (ssize_t)len || ftruncate(fd, 511LL << 20) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
test_elf_reads_only_what_it_needs(void **state)
{
	char dir[] = "/tmp/mo-elfread-XXXXXX", path[64];
	struct tiny_ro t;
	struct elf_image img;
	char v[32];
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/php-fpm8.2", dir);
	tiny_ro_build(&t);
	assert_true((fd = sparse_elf(path, &t, sizeof(t))) >= 0);
	/* the headers and tables, not the 511 MiB */
	assert_int_equal(elf_open_fd(&img, fd, 0), 0);
	assert_int_equal(elf_find_string(&img, "X-Powered-By: PHP/", v, sizeof(v)), 0);
	assert_true(img.bytes_read < 2 * sizeof(t));
	elf_close(&img);
	/* a table claiming 400 MiB of the sparse file: refused unread */
	t.sh[1].sh_size = 400u << 20;
	assert_int_equal(pwrite(fd, &t, sizeof(t), 0), (ssize_t)sizeof(t));
	assert_int_equal(elf_open_fd(&img, fd, 0), -1);
	assert_int_equal(errno, EFBIG);
	assert_true(img.bytes_read < sizeof(t));
	/* .rodata claiming 500 MiB: the search stops at its bound */
	tiny_ro_build(&t);
	t.sh[3].sh_size = 500u << 20;
	assert_int_equal(pwrite(fd, &t, sizeof(t), 0), (ssize_t)sizeof(t));
	assert_int_equal(elf_open_fd(&img, fd, 0), 0);
	assert_int_equal(elf_find_string(&img, "nothere", v, sizeof(v)), -1);
	assert_true(img.bytes_read <= ELF_MAX_READ);
	elf_close(&img);
	/* a caller's limit: EAGAIN, and no more read than it */
	assert_int_equal(elf_open_fd(&img, fd, 100), -1);
	assert_int_equal(errno, EAGAIN);
	assert_true(img.bytes_read <= 100);
	close(fd);
	unlink(path);
	rmdir(dir);
}

static void
test_proc_stat(void **state)
{
	struct proc_info pi;

	(void)state;
	memset(&pi, 0, sizeof(pi));
	assert_int_equal(proc_parse_stat("123 (a) b) c) S 45 123 123 0 -1 4194560 "
	                                 "100 0 0 0 1 2 0 0 20 0 1 0 98765 0 0", &pi), 0);
	assert_string_equal(pi.comm, "a) b) c");
	assert_int_equal(pi.state, 'S');
	assert_int_equal(pi.ppid, 45);
	assert_int_equal(pi.starttime, 98765);
	assert_int_equal(proc_parse_stat("123 no parens", &pi), -1);
	assert_int_equal(proc_parse_stat("123 (x) S 1 2", &pi), -1);   /* cut short */
}

static void
test_proc_status_uid(void **state)
{
	uid_t uid = 0;

	(void)state;
	assert_int_equal(mo_proc_parse_status_uid("Name:\tx\nUid:\t33\t33\t33\t33\n", &uid), 0);
	assert_int_equal(uid, 33);
	assert_int_equal(mo_proc_parse_status_uid("Name:\tx\n", &uid), -1);
}

static void
test_proc_status_creds(void **state)
{
	struct mo_creds c;
	char many[1024];
	size_t n;
	int i;

	(void)state;
	/* the fourth field is the filesystem id, the one access is checked with */
	assert_int_equal(mo_proc_parse_status_creds("Name:\tx\nUid:\t1\t2\t3\t4\n"
	    "Gid:\t5\t6\t7\t8\nFDSize:\t64\nGroups:\t10 20 \nNStgid:\t9\n", &c), 0);
	assert_int_equal(c.fsuid, 4);
	assert_int_equal(c.fsgid, 8);
	assert_int_equal(c.ngroups, 2);
	assert_int_equal(c.groups[0], 10);
	assert_int_equal(c.groups[1], 20);
	assert_int_equal(c.groups_cut, 0);
	assert_int_equal(mo_proc_parse_status_creds("Name:\tx\nUid:\t0\t0\t0\t0\n"
	    "Gid:\t0\t0\t0\t0\nGroups:\t\nX:\t1\n", &c), 0);
	assert_int_equal(c.ngroups, 0);
	/* a line missing, or cut short: not believed */
	assert_int_equal(mo_proc_parse_status_creds("Name:\tx\nUid:\t1\t2\t3\t4\n"
	    "Gid:\t5\t6\t7\t8\n", &c), -1);
	assert_int_equal(mo_proc_parse_status_creds("Name:\tx\nUid:\t1\t2\t3\n"
	    "Gid:\t5\t6\t7\t8\nGroups:\t\n", &c), -1);
	assert_int_equal(mo_proc_parse_status_creds("Name:\tx\nUid:\t1\t2\t3\t4\n"
	    "Gid:\t5\t6\t7\t8\nGroups:\t1 x\n", &c), -1);
	/* more groups than kept: the first ones, and says so */
	n = (size_t)snprintf(many, sizeof(many), "Name:\tx\nUid:\t1\t1\t1\t1\n"
	    "Gid:\t1\t1\t1\t1\nGroups:\t");
	for (i = 0; i < MO_GROUPS_MAX + 6; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, "%d ", 100 + i);
	snprintf(many + n, sizeof(many) - n, "\n");
	assert_int_equal(mo_proc_parse_status_creds(many, &c), 0);
	assert_int_equal(c.ngroups, MO_GROUPS_MAX);
	assert_int_equal(c.groups[MO_GROUPS_MAX - 1], 100 + MO_GROUPS_MAX - 1);
	assert_int_equal(c.groups_cut, 1);
}

static void
test_proc_cmdline_env(void **state)
{
	static const char cmd[] = "php\0/srv/a b.php\0x\nnl\0";
	static const char env[] = "A=1\0SCRIPT_FILENAME=/srv/x.php\0SCRIPT=no\0HTTP_HOST=h";
	char out[64], argv0[16];

	(void)state;
	proc_join_cmdline(cmd, sizeof(cmd) - 1, out, sizeof(out), argv0, sizeof(argv0));
	assert_string_equal(out, "php /srv/a b.php x nl");
	assert_string_equal(argv0, "php");
	assert_string_equal(proc_env_lookup(env, sizeof(env) - 1, "SCRIPT_FILENAME"),
	                    "/srv/x.php");
	assert_null(proc_env_lookup(env, sizeof(env) - 1, "SCRIPT_NAME"));
	/* the last entry is not NUL-terminated inside LEN: not believed */
	assert_null(proc_env_lookup(env, sizeof(env) - 1, "HTTP_HOST"));
	assert_string_equal(proc_env_lookup(env, sizeof(env), "HTTP_HOST"), "h");
}

static void
test_proc_maps_line(void **state)
{
	char l1[] = "55d0a1c00000-55d0a1c6e000 r--p 00000000 08:01 1234   /usr/sbin/php-fpm8.2\n";
	char l2[] = "7ffd1000-7ffd2000 rw-p 00000000 00:00 0 \n";
	char l3[] = "garbage";
	struct mo_map_entry me;

	(void)state;
	assert_int_equal(mo_proc_parse_maps_line(l1, &me), 0);
	assert_int_equal(me.start, 0x55d0a1c00000);
	assert_int_equal(me.offset, 0);
	assert_int_equal(me.inode, 1234);
	assert_string_equal(me.perms, "r--p");
	assert_string_equal(me.path, "/usr/sbin/php-fpm8.2");
	assert_int_equal(mo_proc_parse_maps_line(l2, &me), 0);
	assert_string_equal(me.path, "");
	assert_int_equal(mo_proc_parse_maps_line(l3, &me), -1);
}

static void
test_vhost(void **state)
{
	const char *roots[] = { "/tmp/t/www" };
	char v[64];

	(void)state;
	assert_int_equal(vhost_from_path("/var/www/vhosts/example.com/httpdocs/a.php",
	                                 NULL, 0, v, sizeof(v)), 0);
	assert_string_equal(v, "example.com");
	assert_int_equal(vhost_from_path("/home/bob/domains/shop.example/public_html/x.php",
	                                 NULL, 0, v, sizeof(v)), 0);
	assert_string_equal(v, "shop.example");
	assert_int_equal(vhost_from_path("/var/www/html/index.php", NULL, 0, v, sizeof(v)), -1);
	assert_int_equal(vhost_from_path("/tmp/t/www/site/x.php", roots, 1, v, sizeof(v)), 0);
	assert_string_equal(v, "site");
	/* a file directly in the root is no vhost */
	assert_int_equal(vhost_from_path("/tmp/t/www/x.php", roots, 1, v, sizeof(v)), -1);
	/* a name with odd characters under a built-in root is not a host */
	assert_int_equal(vhost_from_path("/srv/we ird.com/x.php", NULL, 0, v, sizeof(v)), -1);
}

static void
test_fcgi_encoding(void **state)
{
	unsigned char buf[600], h[8];
	char longv[300];
	int type;
	uint16_t id, len;
	uint8_t pad;

	(void)state;
	assert_int_equal(fcgi_encode_pair(buf, sizeof(buf), "AB", "xyz"), 7);
	assert_memory_equal(buf, "\x02\x03" "ABxyz", 7);
	memset(longv, 'v', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	assert_int_equal(fcgi_encode_pair(buf, sizeof(buf), "N", longv), 1 + 4 + 1 + 299);
	assert_memory_equal(buf, "\x01\x80\x00\x01\x2b" "N", 6);
	assert_int_equal(fcgi_encode_pair(buf, 10, "N", longv), 0);   /* does not fit */
	fcgi_header(h, FCGI_PARAMS, 1, 0x1234, 4);
	assert_memory_equal(h, "\x01\x04\x00\x01\x12\x34\x04\x00", 8);
	assert_int_equal(fcgi_parse_header(h, &type, &id, &len, &pad), 0);
	assert_int_equal(type, FCGI_PARAMS);
	assert_int_equal(id, 1);
	assert_int_equal(len, 0x1234);
	assert_int_equal(pad, 4);
	h[0] = 2;
	assert_int_equal(fcgi_parse_header(h, &type, &id, &len, &pad), -1);
}

static void
test_fpm_conf(void **state)
{
	static const char conf[] =
		"; comment\n[global]\npid = /run/x.pid\n"
		"[www]\nuser = www-data\nlisten = /run/php/$pool.sock\n"
		"pm.status_path = /status\n"
		"[shop]\n  listen = '127.0.0.1:9001'  \npm.status_listen = \"/run/st.sock\"\n"
		"pm.status_path=/fpm-status\nchdir = /srv/shop\n# other comment\n"
		"[www]\nchdir = /srv/www\n";
	static struct fpm_pools pools;
	const struct fpm_pool *p;

	(void)state;
	memset(&pools, 0, sizeof(pools));
	assert_int_equal(fpm_conf_parse(conf, &pools, 0), 0);
	assert_int_equal(pools.n, 2);
	p = fpm_pool_find(&pools, "www");
	assert_non_null(p);
	assert_string_equal(p->listen, "/run/php/www.sock");
	assert_string_equal(p->status_path, "/status");
	assert_string_equal(p->user, "www-data");
	assert_string_equal(p->chdir, "/srv/www");     /* a section may reopen */
	p = fpm_pool_find(&pools, "shop");
	assert_non_null(p);
	assert_string_equal(p->listen, "127.0.0.1:9001");
	assert_string_equal(p->status_listen, "/run/st.sock");
	assert_string_equal(p->status_path, "/fpm-status");
	assert_null(fpm_pool_find(&pools, "global"));
}

static void
test_fpm_status(void **state)
{
	static const char page[] =
		"{\"pool\":\"web\",\"process manager\":\"static\",\"accepted conn\":12,"
		"\"processes\":[{\"pid\":101,\"state\":\"Idle\",\"start time\":1,\"requests\":3,"
		"\"request duration\":70,\"request method\":\"GET\",\"request uri\":\"\\/a.php\","
		"\"content length\":0,\"user\":\"-\",\"script\":\"\\/srv\\/a.php\","
		"\"last request cpu\":0.00,\"last request memory\":2097152},"
		"{\"pid\":102,\"state\":\"Running\",\"request duration\":2500000,"
		"\"request method\":\"POST\",\"request uri\":\"\\/b.php?x=\\\"1\\\"\","
		"\"script\":\"\\/srv\\/b.php\"}]}";
	static struct fpm_status st;

	(void)state;
	assert_int_equal(fpm_status_parse(page, &st), 0);
	assert_string_equal(st.pool, "web");
	assert_int_equal(st.n, 2);
	assert_int_equal(st.w[0].pid, 101);
	assert_string_equal(st.w[0].state, "Idle");
	assert_string_equal(st.w[1].state, "Running");
	assert_string_equal(st.w[1].script, "/srv/b.php");
	assert_string_equal(st.w[1].uri, "/b.php?x=\"1\"");
	assert_string_equal(st.w[1].method, "POST");
	assert_int_equal(st.w[1].duration_us, 2500000);
	/* parsed again into the same struct (the tracer's is static, and not
	 * cleared whole): nothing of the first page is left */
	assert_int_equal(fpm_status_parse("{\"processes\":[{\"pid\":7,\"state\":\"Idle\"}]}",
	    &st), 0);
	assert_string_equal(st.pool, "");
	assert_int_equal(st.n, 1);
	assert_int_equal(st.w[0].pid, 7);
	assert_string_equal(st.w[0].state, "Idle");
	assert_string_equal(st.w[0].script, "");
	assert_string_equal(st.w[0].uri, "");
	assert_string_equal(st.w[0].method, "");
	assert_int_equal(st.w[0].duration_us, 0);
	assert_int_equal(fpm_status_parse("{\"pool\":\"x\"}", &st), -1);
	assert_int_equal(fpm_status_parse("{\"processes\":[{\"pid\":1,", &st), -1);
	assert_int_equal(fpm_status_parse("{\"processes\":[{\"pid\":\"unterminated}]}", &st), -1);
	assert_int_equal(fpm_status_parse("{\"processes\":[]}", &st), 0);
	assert_int_equal(st.n, 0);
}

static void
test_layouts(void **state)
{
	const struct php_layout *l;
	size_t i;

	(void)state;
	assert_non_null(php_layout_find("8.2.36"));
	assert_string_equal(php_layout_find("8.2")->version, "8.2");
	assert_null(php_layout_find("8.20.1"));
	assert_null(php_layout_find("5.6.40"));
	assert_non_null(php_layout_find("7.4.33"));
	assert_non_null(php_layout_find("8.4.1"));
	/* 8.2's real symbol sizes fit; a too-small symbol does not */
	l = php_layout_find("8.2");
	assert_int_equal(php_layout_check(l, 0x708, 0x228), 0);
	assert_int_equal(php_layout_check(l, 0x100, 0x228), -1);
	assert_int_equal(php_layout_check(l, 0x708, 0x100), -1);
	for (i = 0; i < php_layout_count(); i++) {
		l = php_layout_at(i);
		/* line_end follows line_start; filename precedes them */
		assert_int_equal(l->op_line_end, l->op_line_start + 4);
		assert_int_equal(l->op_line_start, l->op_filename + 8);
	}
}

static void
test_durations(void **state)
{
	(void)state;
	assert_int_equal(parse_duration_ms("250ms"), 250);
	assert_int_equal(parse_duration_ms("2s"), 2000);
	assert_int_equal(parse_duration_ms("1.5s"), 1500);
	assert_int_equal(parse_duration_ms("3"), 3000);
	assert_int_equal(parse_duration_ms("2m"), 120000);
	assert_int_equal(parse_duration_ms("1h"), 3600000);
	assert_int_equal(parse_duration_ms("x"), -1);
	assert_int_equal(parse_duration_ms("5 s"), -1);
	assert_int_equal(parse_duration_ms("-1s"), -1);
	assert_int_equal(parse_duration_ms("1e300s"), -1);
}

static void
test_escaping(void **state)
{
	char *buf = NULL, out[32];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	mo_json_string(f, "a\"b\\c\nd\x1b", 8);
	fclose(f);
	assert_string_equal(buf, "\"a\\\"b\\\\c\\nd\\u001b\"");
	free(buf);
	table_clean(out, sizeof(out), "/x/new\nline b.php", 0);
	assert_string_equal(out, "/x/new?line_b.php");
	table_clean(out, sizeof(out), "/very/long/path/to/file.php", 12);
	assert_string_equal(out, "..o/file.php");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf_tiny),
		cmocka_unit_test(test_elf_hostile),
		cmocka_unit_test(test_elf_version_string),
		cmocka_unit_test(test_elf_reads_only_what_it_needs),
		cmocka_unit_test(test_proc_stat),
		cmocka_unit_test(test_proc_status_uid),
		cmocka_unit_test(test_proc_status_creds),
		cmocka_unit_test(test_proc_cmdline_env),
		cmocka_unit_test(test_proc_maps_line),
		cmocka_unit_test(test_vhost),
		cmocka_unit_test(test_fcgi_encoding),
		cmocka_unit_test(test_fpm_conf),
		cmocka_unit_test(test_fpm_status),
		cmocka_unit_test(test_layouts),
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_escaping),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
