# mailorigin — top-level, non-recursive Makefile.
# Each program folder adds itself through its module.mk (PROGRAMS, MAN*,
# UNIT_TESTS, BENCHES); this file holds the flags and the shared targets.

PREFIX      ?= /usr/local
SBINDIR     ?= $(PREFIX)/sbin
MANDIR      ?= $(PREFIX)/share/man
DATADIR     ?= $(PREFIX)/share
SYSCONFDIR  ?= /etc
STATEDIR    ?= /var/lib/mailorigin
GROUP       ?= mailorigin
DESTDIR     ?=

BUILD       ?= build
CC          ?= cc
PKGS         = libconfig libbsd libmd
# Nothing evaluated while this file is parsed may depend on a package that
# `make deps` installs: `make deps demo` parses before deps runs.  These
# are recursively expanded and run pkg-config the first time a recipe needs
# them (after deps), once: each caches its value with $(eval).  A failing
# pkg-config stops the build with the reason instead of a link error.
pkgconf      = $(strip $(shell pkg-config $(1) $(2))$(if $(filter-out 0,$(.SHELLSTATUS)),\
               $(error pkg-config $(1) $(2) failed (run: make deps))))
PKG_CFLAGS   = $(eval PKG_CFLAGS := $(call pkgconf,--cflags,$(PKGS)))$(PKG_CFLAGS)
PKG_LIBS     = $(eval PKG_LIBS := $(call pkgconf,--libs,$(PKGS)))$(PKG_LIBS)
CMOCKA_LIBS  = $(eval CMOCKA_LIBS := $(call pkgconf,--libs,cmocka))$(CMOCKA_LIBS)
# `make deps all` (or demo, check, ...): with -j, deps must still come first.
DEPS_FIRST   = $(filter deps,$(MAKECMDGOALS))

# -U first: a distribution's CPPFLAGS (dpkg-buildflags) may define it already
HARDEN      = -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fPIE -fstack-clash-protection
HARDEN_LD   = -pie -Wl,-z,relro,-z,now
SAN        ?=
ifeq ($(SAN),1)
HARDEN      = -fsanitize=address,undefined,bounds -fno-omit-frame-pointer -fno-sanitize-recover=all
HARDEN_LD   = -fsanitize=address,undefined,bounds
endif

CFLAGS     ?= -O2 -g
CFLAGS     += -std=gnu11 -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wno-format-nonliteral
CPPFLAGS   += -D_GNU_SOURCE -Ilib $(PKG_CFLAGS) \
              -DMO_CONF_PATH='"$(SYSCONFDIR)/mailorigin/mailorigin.conf"' \
              -DMO_STATE_DIR='"$(STATEDIR)"' -DMO_GROUP='"$(GROUP)"'
ALL_CFLAGS  = $(CPPFLAGS) $(CFLAGS) $(HARDEN)
ALL_LDFLAGS = $(LDFLAGS) $(HARDEN_LD)

# PACKAGING=1 (debian/rules): install into DESTDIR without root: no group
# is created, no owner set, the wrapper not setgid, no state dir; the
# package's postinst does those on the target machine.
PACKAGING  ?=
OWN_ROOT    = $(if $(PACKAGING),,-o root -g root)
OWN_GROUP   = $(if $(PACKAGING),,-o root -g $(GROUP))
SETGID_MODE = $(if $(PACKAGING),0755,2755)

PROGRAMS    :=
UNIT_TESTS  :=
MAN5        :=
MAN8        :=
BENCHES     :=
INSTALL_TARGETS :=

LIB_SRCS    := $(wildcard lib/*.c)
LIB_OBJS    := $(LIB_SRCS:%.c=$(BUILD)/%.o)
LIBMO       := $(BUILD)/libmailorigin.a
LIMITS_BENCH := $(BUILD)/bench/limits-bench

all: programs

include $(sort $(wildcard */module.mk))
include tests/fuzz/module.mk

programs: $(PROGRAMS)

$(BUILD)/%.o: %.c $(wildcard lib/*.h) | $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIBMO): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(AR) rcs $@ $^

# Unit tests: one cmocka binary per tests/unit/test_*.c, linked with the library.
UNIT_SRCS  := $(wildcard tests/unit/test_*.c)
UNIT_TESTS += $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
$(BUILD)/tests/%: tests/unit/%.c $(LIBMO)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBMO) $(ALL_LDFLAGS) $(PKG_LIBS) $(CMOCKA_LIBS)

unit: $(UNIT_TESTS)

# The whole suite: unit tests (also under ASan+UBSan) and integration tests
# against the real Postfix, PHP and Apache.  Needs root; see README.
# tests/run runs build-san's unit tests too: both targets rebuild them
# first, and tests/run fails a build-san binary older than its build/ twin,
# so a stale binary never counts as a pass.
check: all unit san-unit
	tests/run

check-unit: unit san-unit
	tests/run --unit-only

san-unit:
	$(MAKE) --no-print-directory BUILD=build-san SAN=1 CC=clang unit

bench: all $(LIMITS_BENCH) $(BENCHES)
	bench/run

deps:
	bash .ci/deps.sh

demo: all
	tests/demo

install: all install-common $(INSTALL_TARGETS)

install-common: all $(if $(PACKAGING),,install-state)
	install -d -m 0755 $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/mailorigin
	test -e $(DESTDIR)$(SYSCONFDIR)/mailorigin/mailorigin.conf || \
	  install -m 0644 $(OWN_ROOT) conf/mailorigin.conf $(DESTDIR)$(SYSCONFDIR)/mailorigin/mailorigin.conf
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/logrotate.d $(DESTDIR)$(DATADIR)/mailorigin
	test -e $(DESTDIR)$(SYSCONFDIR)/logrotate.d/mailorigin || \
	  install -m 0644 conf/logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/mailorigin
	sed 's|/usr/local/sbin/|$(SBINDIR)/|' conf/php/mailorigin.ini >$(DESTDIR)$(DATADIR)/mailorigin/php-mailorigin.ini
	chmod 0644 $(DESTDIR)$(DATADIR)/mailorigin/php-mailorigin.ini
	$(if $(MAN5),install -m 0644 $(MAN5) $(DESTDIR)$(MANDIR)/man5/)
	$(if $(MAN8),install -m 0644 $(MAN8) $(DESTDIR)$(MANDIR)/man8/)

# The group and the state dir (debian/postinst does the same for the package).
install-state:
	getent group $(GROUP) >/dev/null || groupadd --system $(GROUP)
	install -d -m 2770 -o root -g $(GROUP) $(DESTDIR)$(STATEDIR) \
	  $(DESTDIR)$(STATEDIR)/tmp $(DESTDIR)$(STATEDIR)/hold
	test -e $(DESTDIR)$(STATEDIR)/limits.db || \
	  install -m 0660 -o root -g $(GROUP) /dev/null $(DESTDIR)$(STATEDIR)/limits.db
	# the milter's records of its holds in Postfix's hold queue: root's alone
	install -d -m 0700 -o root -g root $(DESTDIR)$(STATEDIR)/quarantine
	# no STATE/passed (lib/passrec.h): mailorigin-milter makes it at its
	# start, and without it the wrapper records nothing (one failed open)

# The Debian package, mailorigin_VERSION_ARCH.deb here (dpkg-buildpackage
# writes into ..; the .deb, .buildinfo and .changes are moved here).
DEB_VERSION = $(shell dpkg-parsechangelog -S Version)
DEB_ARCH    = $(shell dpkg --print-architecture)
DEB_OUT     = mailorigin_$(DEB_VERSION)_$(DEB_ARCH)
deb:
	dpkg-buildpackage -us -uc -b -jauto
	mv ../$(DEB_OUT).deb ../$(DEB_OUT).buildinfo ../$(DEB_OUT).changes .
	@echo "built $(DEB_OUT).deb (apt install ./$(DEB_OUT).deb)"

clean:
	rm -rf build build-san build-deb

.PHONY: all programs unit san-unit check check-unit bench deps demo install install-common install-state deb clean

# Benchmark programs (not tests): built by `make bench`.
$(LIMITS_BENCH): bench/limits-bench.c $(LIBMO)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIBMO) $(ALL_LDFLAGS) $(PKG_LIBS)
