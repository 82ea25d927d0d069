# mailorigin-install: swap the wrapper in for a time window, and revert.
INSTALLER := $(BUILD)/mailorigin-install
PROGRAMS += $(INSTALLER)
MAN8 += man/mailorigin-install.8
INSTALL_TARGETS += install-installer

INSTALL_SRCS := $(wildcard install/*.c)
INSTALL_OBJS := $(INSTALL_SRCS:%.c=$(BUILD)/%.o)
# everything but main(), for the unit tests
INSTALL_PARTS := $(filter-out $(BUILD)/install/main.o,$(INSTALL_OBJS))

$(INSTALL_OBJS): CPPFLAGS += -DMO_SBINDIR='"$(SBINDIR)"'
$(INSTALL_OBJS): install/install.h

$(INSTALLER): $(INSTALL_OBJS) $(LIBMO)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

# tests/unit/test_install_*.c call install/ functions too.
$(BUILD)/tests/test_install_%: tests/unit/test_install_%.c $(INSTALL_PARTS) $(LIBMO)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Iinstall -DMO_SBINDIR='"$(SBINDIR)"' -o $@ $< $(INSTALL_PARTS) $(LIBMO) \
	  $(ALL_LDFLAGS) $(PKG_LIBS) $(CMOCKA_LIBS)

# The tests' installer: the same, plus the crash-injection hook
# (MAILORIGIN_INSTALL_CRASH_AT, tests/install/60-crash.t).  Built by
# `make unit`, never installed.
INSTALLER_HOOKS := $(BUILD)/tests/mailorigin-install-hooks
UNIT_TESTS += $(INSTALLER_HOOKS)
$(BUILD)/tests/install-main-hooks.o: install/main.c install/install.h $(wildcard lib/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DMO_SBINDIR='"$(SBINDIR)"' -DMO_TEST_HOOKS -c -o $@ $<
$(INSTALLER_HOOKS): $(BUILD)/tests/install-main-hooks.o $(INSTALL_PARTS) $(LIBMO)
	@mkdir -p $(dir $@)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

install-installer: install-common
	install -m 0755 $(OWN_ROOT) $(INSTALLER) $(DESTDIR)$(SBINDIR)/mailorigin-install

.PHONY: install-installer
