# mailorigin-sendmail: the setgid drop-in sendmail.
WRAPPER := $(BUILD)/mailorigin-sendmail
PROGRAMS += $(WRAPPER)
MAN5 += man/mailorigin.conf.5
MAN8 += man/mailorigin-sendmail.8
INSTALL_TARGETS += install-wrapper

$(WRAPPER): $(BUILD)/wrapper/mailorigin-sendmail.o $(LIBMO)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(PKG_LIBS)

install-wrapper: install-common
	install -m 2755 -o root -g $(GROUP) $(WRAPPER) $(DESTDIR)$(SBINDIR)/mailorigin-sendmail

.PHONY: install-wrapper
