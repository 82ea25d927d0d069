# Fuzzing the parsers of what hostile local users control: the tracer's
# (it runs as root), the setgid wrapper's (fuzz_wrapper.c, fuzz_smtpd.c:
# its -bs SMTP server) and the milter's (fuzz_peer.c: /proc/net/tcp).
# Not part of `make` or `make check`'s build (tests/fuzz/corpus.t replays the
# corpora there); `make fuzz FUZZ_SECONDS=60` builds every harness with
# libFuzzer, ASan and UBSan and runs each for that long on its seed corpus.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_DIR     := $(BUILD)/fuzz
FUZZ_NAMES   := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS    := $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)
# phpmem.c is not listed: fuzz_phpmem.c includes it with its own reader.
FUZZ_TRACER  := $(addprefix tracer/,procfs.c fcgi.c fpm.c vhost.c) \
                $(addprefix lib/,elfsym.c cutprintf.c trust.c stamp.c rcpt.c escape.c options.c kvparse.c json.c hygiene.c proc.c \
                pfqueue.c qmsg.c qmailq.c smtpd.c buf.c) \
                ctl/report_parse.c ctl/report_core.c milter/peer.c
FUZZ_CFLAGS   = -std=gnu11 -g -O1 -fno-omit-frame-pointer \
                -fsanitize=fuzzer,address,undefined,bounds -fno-sanitize-recover=all \
                -D_GNU_SOURCE -Ilib -Itracer -Ictl -Imilter $(PKG_CFLAGS)

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_TRACER) $(wildcard tracer/*.h ctl/report*.h lib/*.h milter/*.h) lib/phpmem.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(FUZZ_TRACER) $(PKG_LIBS) -lm

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	tests/fuzz/run $(FUZZ_SECONDS) $(FUZZ_BINS)

fuzz-regress:
	bash tests/fuzz/corpus.t

.PHONY: fuzz fuzz-build fuzz-regress
