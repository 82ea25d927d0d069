# mailoriginctl: the administrator's verbs (held mail, limit usage).
CTL := $(BUILD)/mailoriginctl
CTL_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard ctl/*.c))
# the plain modules (no verbs, no I/O on the state) that unit tests link
CTL_UNIT_OBJS := $(BUILD)/ctl/fmt.o $(BUILD)/ctl/verb.o $(BUILD)/ctl/report_parse.o $(BUILD)/ctl/report_core.o
PROGRAMS += $(CTL)
MAN8 += man/mailoriginctl.8
INSTALL_TARGETS += install-ctl

$(CTL_OBJS): $(wildcard ctl/*.h)

$(CTL): $(CTL_OBJS) $(LIBMO)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS) -lz

# Unit tests of ctl's own modules (tests/unit/test_ctl_*.c) link them too.
$(BUILD)/tests/test_ctl_%: tests/unit/test_ctl_%.c $(CTL_UNIT_OBJS) $(LIBMO)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Ictl -o $@ $< $(CTL_UNIT_OBJS) $(LIBMO) $(ALL_LDFLAGS) $(PKG_LIBS) $(CMOCKA_LIBS)

install-ctl: install-common
	install -m 0755 $(OWN_ROOT) $(CTL) $(DESTDIR)$(SBINDIR)/mailoriginctl

.PHONY: install-ctl
