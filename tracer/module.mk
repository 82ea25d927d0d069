# mailorigin-tracer: which PHP scripts are executing now, and which mail.
TRACER := $(BUILD)/mailorigin-tracer
PROGRAMS += $(TRACER)
MAN8 += man/mailorigin-tracer.8
INSTALL_TARGETS += install-tracer

TRACER_SRCS := $(filter-out tracer/main.c,$(wildcard tracer/*.c))
TRACER_OBJS_NO_MAIN := $(TRACER_SRCS:%.c=$(BUILD)/%.o)
# libconfig and libbsd (with libmd) linked in, as the wrapper's: a full
# scan is a few milliseconds, and each shared library costs it opens, maps
# and relocations (see bench/tracer-bench).
TRACER_LIBS = -Wl,-Bstatic -lconfig -lbsd -lmd -Wl,-Bdynamic -lm

$(BUILD)/tracer/%.o: tracer/%.c $(wildcard tracer/*.h) | $(DEPS_FIRST)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(TRACER): $(BUILD)/tracer/main.o $(TRACER_OBJS_NO_MAIN) $(LIBMO)
	$(CC) -o $@ $^ $(ALL_LDFLAGS) $(TRACER_LIBS)

# Unit tests of the tracer link its objects (main.c aside).
TRACER_UNIT := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_tracer_*.c))
$(TRACER_UNIT): $(BUILD)/tests/%: tests/unit/%.c $(TRACER_OBJS_NO_MAIN) $(LIBMO)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itracer -o $@ $< $(TRACER_OBJS_NO_MAIN) $(LIBMO) $(ALL_LDFLAGS) $(TRACER_LIBS) $(CMOCKA_LIBS)

# Helpers of the integration tests and the benchmark, built by `make unit`
# and by tests/tracer/lib.sh.
TRACER_FCGI_GET := $(BUILD)/tests/tracer-fcgi-get
UNIT_TESTS += $(TRACER_FCGI_GET)
$(TRACER_FCGI_GET): tests/tracer/fcgi-get.c $(TRACER_OBJS_NO_MAIN) $(LIBMO)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itracer -o $@ $< $(TRACER_OBJS_NO_MAIN) $(LIBMO) $(ALL_LDFLAGS) $(TRACER_LIBS)

install-tracer: install-common
	install -m 0755 $(TRACER) $(DESTDIR)$(SBINDIR)/mailorigin-tracer

.PHONY: install-tracer

# The memory signal's per-sample cost, for bench/tracer-bench.
TRACER_SAMPLE := $(BUILD)/bench/tracer-sample
BENCHES += $(TRACER_SAMPLE)
$(TRACER_SAMPLE): bench/tracer-sample.c $(TRACER_OBJS_NO_MAIN) $(LIBMO)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itracer -o $@ $< $(TRACER_OBJS_NO_MAIN) $(LIBMO) $(ALL_LDFLAGS) $(TRACER_LIBS)
