# citybench: build, run, test, bench.  `make run` and `make test` work on a bare Debian machine.

PKGS     := fcgi libpq jansson lua5.4 libcrypto
CC       ?= cc
SANITIZE ?=
OPT      ?= -O2
CFLAGS   := -std=c11 -D_GNU_SOURCE $(OPT) -g -Wall -Wextra -Werror -Wshadow \
            -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
            -Wwrite-strings -fno-common -Iinclude
LDLIBS   := -lm

ifneq ($(SANITIZE),)
CFLAGS   += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all -DCB_SANITIZE=1
LDFLAGS  += -fsanitize=$(SANITIZE)
BUILD    := build/san
else
BUILD    := build/rel
endif

# Every module in cgi/ goes into one library; the two programs add their main.
MAINS    := cgi/server.c cgi/cli.c
LIB_SRCS := $(filter-out $(MAINS),$(wildcard cgi/*.c))
LIB_OBJS := $(LIB_SRCS:cgi/%.c=$(BUILD)/%.o)
UNIT_SRCS:= $(wildcard tests/unit/test_*.c)
UNITS    := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

.PHONY: all deps run test bench unit units fuzz soak clean FORCE
all: deps bin/citybench-fcgi bin/citybench units

deps:
	@tests/deps.sh

$(BUILD)/%.o: cgi/%.c $(wildcard include/*.h include/*.def) | $(BUILD)
	@echo "CC $<"
	@$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/libcitybench.a: $(LIB_OBJS)
	@ar rcs $@ $^

$(BUILD)/citybench-fcgi: $(BUILD)/server.o $(BUILD)/libcitybench.a
	@echo "LD $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

$(BUILD)/citybench: $(BUILD)/cli.o $(BUILD)/libcitybench.a
	@echo "LD $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

# bin/ holds the build last asked for (release or sanitized): always refreshed.
bin/citybench-fcgi bin/citybench: bin/%: $(BUILD)/% FORCE | bin
	@cmp -s $< $@ || { cp $< $@.tmp && mv -f $@.tmp $@; }
FORCE:

$(BUILD)/tests/%: tests/unit/%.c tests/unit/t.h $(BUILD)/libcitybench.a | $(BUILD)/tests
	@echo "CC $<"
	@$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libcitybench.a $(PKG_LIBS) $(LDLIBS)

units: $(UNITS)

$(BUILD) $(BUILD)/tests bin:
	mkdir -p $@

run: deps
	@$(MAKE) --no-print-directory bin/citybench-fcgi bin/citybench
	@tests/stack.sh run

# The tests run the binaries of this build (release or sanitized) straight from $(BUILD).
test: deps
	@$(MAKE) --no-print-directory $(BUILD)/citybench-fcgi $(BUILD)/citybench units
	@BUILD=$(BUILD) CB_BIN=$(CURDIR)/$(BUILD) tests/run.sh

unit: units
	@BUILD=$(BUILD) tests/run.sh unit

bench: deps
	@$(MAKE) --no-print-directory bin/citybench-fcgi bin/citybench
	@tests/bench.sh

clean:
	rm -rf build bin/citybench bin/citybench-fcgi

-include tests/fuzz/fuzz.mk
