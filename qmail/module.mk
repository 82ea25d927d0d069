# mailorigin-qmail-queue: qmail's QMAILQUEUE front end (setgid, like the wrapper).
QMAILQ := $(BUILD)/mailorigin-qmail-queue
PROGRAMS += $(QMAILQ)
MAN8 += man/mailorigin-qmail-queue.8
INSTALL_TARGETS += install-qmail-queue

$(BUILD)/qmail/mailorigin-qmail-queue.o: CPPFLAGS += -Imilter

# milter/peer.c and diag.c find the socket's owner (netlink, /proc/net/tcp) when the
# milter daemon's lookup cannot be asked; linked statically like the wrapper
$(QMAILQ): $(BUILD)/qmail/mailorigin-qmail-queue.o $(BUILD)/milter/peer.o $(BUILD)/milter/diag.o $(LIBMO)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(WRAPPER_LIBS)

install-qmail-queue: install-common
	install -m $(SETGID_MODE) $(OWN_GROUP) $(QMAILQ) $(DESTDIR)$(SBINDIR)/mailorigin-qmail-queue

.PHONY: install-qmail-queue
