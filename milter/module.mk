# mailorigin-milter: the SMTP path inside Postfix (libmilter).
MILTER := $(BUILD)/mailorigin-milter
MILTER_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard milter/*.c))
PROGRAMS += $(MILTER)
MAN8 += man/mailorigin-milter.8
INSTALL_TARGETS += install-milter

$(MILTER_OBJS): $(wildcard milter/*.h)

$(MILTER): $(MILTER_OBJS) $(LIBMO)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS) -lmilter -pthread

# Unit tests of the milter's modules (tests/unit/test_milter_*.c).
$(BUILD)/tests/test_milter_%: tests/unit/test_milter_%.c $(BUILD)/milter/peer.o $(BUILD)/milter/diag.o $(LIBMO)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Imilter -o $@ $< $(BUILD)/milter/peer.o $(BUILD)/milter/diag.o $(LIBMO) $(ALL_LDFLAGS) $(PKG_LIBS) $(CMOCKA_LIBS)

# bench/peer-bench: the socket lookup alone, netlink against /proc/net/tcp
PEER_BENCH := $(BUILD)/bench/peer-bench
BENCHES += $(PEER_BENCH)
$(PEER_BENCH): bench/peer-bench.c $(BUILD)/milter/peer.o $(BUILD)/milter/diag.o $(LIBMO)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Imilter -o $@ $< $(BUILD)/milter/peer.o $(BUILD)/milter/diag.o $(LIBMO) $(ALL_LDFLAGS) $(PKG_LIBS)

install-milter: install-common
	install -m 0755 $(OWN_ROOT) $(MILTER) $(DESTDIR)$(SBINDIR)/mailorigin-milter
	install -d -m 0755 $(DESTDIR)$(DATADIR)/mailorigin
	sed 's|/usr/local/sbin/|$(SBINDIR)/|' conf/mailorigin-milter.service >$(DESTDIR)$(DATADIR)/mailorigin/mailorigin-milter.service
	chmod 0644 $(DESTDIR)$(DATADIR)/mailorigin/mailorigin-milter.service

.PHONY: install-milter
