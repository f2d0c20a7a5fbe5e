# patchdeck - plain make, pkg-config for every library.
#
#   make                      build ./patchdeck
#   make test                 install what is missing, build, run every test
#   make demo                 run the console against a simulated fleet
#   make bench                benchmarks (print figures, assert nothing)
#   make unit-san             the unit tests under ASan, UBSan and LSan
#   make fuzz FUZZ_SECONDS=60 each libFuzzer harness for that long (clang)
#   make SANITIZE=address,undefined test
#   make install PREFIX=/usr/local DESTDIR=

CC ?= cc
PKG_CONFIG ?= pkg-config
PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/patchdeck
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

LIBS_CORE := libcurl libcjson openssl sqlite3 libxml-2.0
LIBS_UI := ncursesw

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wundef
CFLAGS ?= -O2 -g
ALL_CFLAGS := -std=c11 -D_DEFAULT_SOURCE -D_POSIX_C_SOURCE=200809L \
	-pthread $(WARN) $(CFLAGS) -Isrc -Iui -DPATCHDECK_VERSION='"$(VERSION)"' \
	$(shell $(PKG_CONFIG) --cflags $(LIBS_CORE) 2>/dev/null)
# Only ui/ includes curses.h (DESIGN.md section 2), so only ui/ gets its flags.
UI_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(LIBS_UI) 2>/dev/null)
ALL_LDFLAGS := -pthread $(LDFLAGS)
LDLIBS_CORE := $(shell $(PKG_CONFIG) --libs $(LIBS_CORE) 2>/dev/null) -lm
LDLIBS_UI := $(shell $(PKG_CONFIG) --libs $(LIBS_UI) 2>/dev/null)
LDLIBS_TEST := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

ifneq ($(SANITIZE),)
ALL_CFLAGS += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer
ALL_LDFLAGS += -fsanitize=$(SANITIZE)
endif

# Objects of different compilers and sanitizer settings never mix.
B := build
ifneq ($(SANITIZE),)
B := build-san
endif
ifeq ($(notdir $(CC)),clang)
B := $(B)-clang
endif
CORE_SRC := $(filter-out src/main.c,$(wildcard src/*.c src/*/*.c))
UI_SRC := $(wildcard ui/*.c)
CORE_OBJ := $(CORE_SRC:%.c=$(B)/%.o)
# Files built into the binary (ops/embedded.h): every SSM document of
# data/ssm and every statement of data/athena, written out as C by
# tools/embed.c, a build tool compiled for this machine.
EMBED_SSM := $(sort $(wildcard data/ssm/*.json))
EMBED_ATHENA := $(sort $(wildcard data/athena/*.sql))
GEN_OBJ := $(B)/gen/embed_ssm.o $(B)/gen/embed_athena.o
CORE_OBJ += $(GEN_OBJ)
UI_OBJ := $(UI_SRC:%.c=$(B)/%.o)
MAIN_OBJ := $(B)/src/main.o
TEST_SRC := $(wildcard tests/unit/test_*.c)
TEST_BIN := $(TEST_SRC:tests/unit/%.c=$(B)/tests/%)
TEST_HELPER_SRC := $(filter-out $(TEST_SRC),$(wildcard tests/unit/*.c))
TEST_HELPER_OBJ := $(TEST_HELPER_SRC:%.c=$(B)/%.o)

.PHONY: FORCE all patchdeck test unit unit-san simtest shellcheck integration deps demo bench install clean \
	fuzz fuzz-build fuzz-brief

all: patchdeck

# Each build folder links its own binary; ./patchdeck is the one of the
# last `make`, whatever compiler or sanitizer it used.
patchdeck: $(B)/patchdeck
	@cmp -s $(B)/patchdeck patchdeck || { cp $(B)/patchdeck patchdeck.new && mv -f patchdeck.new patchdeck; }

$(B)/patchdeck: $(MAIN_OBJ) $(UI_OBJ) $(B)/libpatchdeck.a
	$(CC) $(ALL_LDFLAGS) -o $@ $(MAIN_OBJ) $(UI_OBJ) $(B)/libpatchdeck.a \
		$(LDLIBS_UI) $(LDLIBS_CORE)

$(B)/libpatchdeck.a: $(CORE_OBJ)
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

$(B)/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tools/embed: tools/embed.c
	@mkdir -p $(@D)
	$(CC) -std=c11 $(WARN) -O2 -o $@ $<

# Each list is kept in a .list file, rewritten only when it changes, so
# a document added or removed rebuilds the generated file.
$(B)/gen/embed_ssm.list: FORCE
	@mkdir -p $(@D)
	@echo '$(EMBED_SSM)' | cmp -s - $@ || echo '$(EMBED_SSM)' >$@

$(B)/gen/embed_athena.list: FORCE
	@mkdir -p $(@D)
	@echo '$(EMBED_ATHENA)' | cmp -s - $@ || echo '$(EMBED_ATHENA)' >$@

$(B)/gen/embed_ssm.c: $(B)/tools/embed $(B)/gen/embed_ssm.list $(EMBED_SSM)
	$(B)/tools/embed $@ embedded_ssm $(EMBED_SSM)

$(B)/gen/embed_athena.c: $(B)/tools/embed $(B)/gen/embed_athena.list $(EMBED_ATHENA)
	$(B)/tools/embed $@ embedded_athena $(EMBED_ATHENA)

$(B)/gen/%.o: $(B)/gen/%.c
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

FORCE:

$(B)/ui/%.o: ui/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(UI_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/tests/%: tests/unit/%.c $(TEST_HELPER_OBJ) $(B)/libpatchdeck.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests/unit $(ALL_LDFLAGS) -o $@ $< \
		$(TEST_HELPER_OBJ) $(B)/libpatchdeck.a $(LDLIBS_CORE) \
		$(LDLIBS_TEST)

# Integration drivers: plain C programs (no cmocka) run by the scripts in
# tests/integration against tests/sim.
$(B)/tests/%: tests/integration/%.c $(B)/libpatchdeck.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(B)/libpatchdeck.a \
		$(LDLIBS_CORE)

# An LD_PRELOAD shim of test_console_loading.sh (holds the console's
# background load), so patchdeck needs no switch of its own for the test.
$(B)/tests/loadgate.so: tests/integration/loadgate.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -Wall -Wextra -O2 -shared -fPIC \
		$(shell $(PKG_CONFIG) --cflags sqlite3 2>/dev/null) -o $@ $< -ldl

# The LD_PRELOAD shim of test_console_overview.sh: time() from $FAKENOW,
# so the overview is drawn at a chosen instant (a DST change).
$(B)/tests/fakenow.so: tests/integration/fakenow.c
	@mkdir -p $(@D)
	$(CC) -std=c11 -Wall -Wextra -O2 -shared -fPIC -o $@ $< -ldl

-include $(shell find $(B) -name '*.d' 2>/dev/null)

deps:
	@sh tests/deps.sh

unit: $(TEST_BIN)
	@sh tests/run-unit.sh $(TEST_BIN)

# The unit tests again under ASan, UBSan and LSan, in build-san: a leak, an
# overflow or undefined behaviour fails them.  Skipped, saying why, where
# the sanitizer runtime cannot run.
unit-san:
	@if sh tests/san-probe.sh "$(CC)"; then \
		$(MAKE) --no-print-directory SANITIZE=address,undefined unit; fi

simtest:
	@sh tests/sim/run-tests.sh

# The SSM document scripts pass shellcheck -S warning (skipped, saying so,
# where shellcheck is not installed).
shellcheck:
	@sh tests/shellcheck.sh

integration: patchdeck $(B)/tests/calls $(B)/tests/cachekill \
	$(B)/tests/cacheset $(B)/tests/loadgate.so $(B)/tests/fakenow.so \
	$(B)/tests/ssmrun
	@B=$(B) sh tests/integration/run.sh

# Every stage runs, even after one failed; the summary at the end counts
# them and lists every skip ("skip: WHAT: WHY") any stage printed.
test: deps
	@$(MAKE) --no-print-directory all $(TEST_BIN)
	@sh tests/run-stages.sh "$(MAKE) --no-print-directory" unit unit-san \
		fuzz-brief simtest shellcheck integration

demo: deps patchdeck
	@sh tests/demo.sh

# Bench programs: plain C (tests/bench/*.c) over the library; run.sh runs
# them and prints figures beside their targets (never fails on timing).
BENCH_BIN := $(patsubst tests/bench/%.c,$(B)/bench/%,$(wildcard tests/bench/*.c))

$(B)/bench/%: tests/bench/%.c tests/bench/benchgen.h $(B)/libpatchdeck.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(B)/libpatchdeck.a \
		$(LDLIBS_CORE)

bench: deps patchdeck $(BENCH_BIN)
	@B=$(B) sh tests/bench/run.sh

# Fuzzing: libFuzzer harnesses (tests/fuzz/fuzz_*.c) over the library
# built by clang with coverage, ASan and UBSan (tests/fuzz/run.sh builds
# them in build-fuzz), each run FUZZ_SECONDS over tests/fuzz/corpus/NAME.
FUZZ_SECONDS ?= 60
FUZZ_BIN := $(patsubst tests/fuzz/%.c,$(B)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

$(B)/fuzz/%: tests/fuzz/%.c $(B)/libpatchdeck.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer $(ALL_LDFLAGS) -o $@ $< \
		$(B)/libpatchdeck.a $(LDLIBS_CORE)

fuzz-build: $(FUZZ_BIN)

# make test's stage: each harness briefly.
fuzz-brief:
	@$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=5

fuzz:
	@FUZZ_SECONDS=$(FUZZ_SECONDS) MAKE="$(MAKE)" sh tests/fuzz/run.sh

install: patchdeck
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)
	install -m 0755 patchdeck $(DESTDIR)$(BINDIR)/patchdeck
	cp -R data/. $(DESTDIR)$(DATADIR)/

clean:
	rm -rf build build-san build-clang build-san-clang build-fuzz patchdeck
