# fuzz.mk: libFuzzer targets for the input parsers and output escapers
# (included by the Makefile).
#   make fuzz-build              build every target into build/fuzz/
#   make fuzz [FUZZ_SECONDS=60]  fuzz each target that long, corpus kept in
#                                build/fuzz/corpus-NAME (seeded from tests/fuzz/corpus/NAME)
#   make fuzz-brief              seeds plus FUZZ_RUNS inputs each; one line per target

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_RUNS    ?= 2000
FUZZ_SEED    ?= 1
FUZZ_ARGS    ?=
FUZZ_DIR     := build/fuzz
FUZZ_CFLAGS  := -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
                -std=c11 -D_GNU_SOURCE -Iinclude -g -O1 -Wall -Wextra -Werror \
                -Wshadow -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
                -Wwrite-strings -fno-common
FUZZ_NAMES   := csv query multipart peers escape ingest routes upscan

# Each target links only the modules it tests.
FUZZ_SRCS_csv       := cgi/lib/buf.c cgi/lib/utf8.c cgi/lib/csv.c
FUZZ_SRCS_query     := cgi/lib/buf.c cgi/lib/utf8.c cgi/lib/query.c cgi/lib/html.c
FUZZ_SRCS_multipart := cgi/lib/buf.c cgi/lib/utf8.c cgi/lib/multipart.c
FUZZ_SRCS_peers     := cgi/lib/buf.c cgi/lib/utf8.c cgi/lib/peers.c cgi/lib/query.c
FUZZ_SRCS_escape    := cgi/lib/buf.c cgi/lib/utf8.c cgi/lib/html.c cgi/lib/csv.c
# The upload validator against a catalog built from sql/surveys (db.c only for catalog_load's calls).
FUZZ_SRCS_ingest    := cgi/lib/buf.c cgi/lib/utf8.c cgi/lib/csv.c cgi/lib/query.c cgi/domain/ingest.c cgi/core/db.c cgi/lib/weburl.c cgi/domain/vmsg.c
FUZZ_FLAGS_ingest   := -DFUZZ_SURVEY_DIR='"$(CURDIR)/sql/surveys"' $(shell pkg-config --cflags libpq jansson 2>/dev/null)
FUZZ_LIBS_ingest    := $(shell pkg-config --libs libpq jansson 2>/dev/null)
# The count of an upload before its parse, checked against jansson's tree.
FUZZ_SRCS_upscan    := cgi/lib/upscan.c
FUZZ_FLAGS_upscan   := $(shell pkg-config --cflags jansson 2>/dev/null)
FUZZ_LIBS_upscan    := $(shell pkg-config --libs jansson 2>/dev/null)
# routes_match and the real route table.  The table names every handler and routes.c's dispatcher
# needs the whole program; the target calls routes_match only, so those references are left
# unresolved (a non-PIE link allows it; calling one would crash loudly, never pass silently).
FUZZ_SRCS_routes    := cgi/lib/buf.c cgi/pages/routes.c
FUZZ_FLAGS_routes   := $(shell pkg-config --cflags libpq jansson fcgi 2>/dev/null)
FUZZ_LIBS_routes    := -no-pie -Wl,--unresolved-symbols=ignore-in-object-files

FUZZ_BINS := $(FUZZ_NAMES:%=$(FUZZ_DIR)/fuzz_%)

.PHONY: fuzz-build fuzz-brief

define FUZZ_RULE
$(FUZZ_DIR)/fuzz_$(1): tests/fuzz/fuzz_$(1).c $(FUZZ_SRCS_$(1)) $(wildcard include/*.h)
	@mkdir -p $(FUZZ_DIR)
	$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_FLAGS_$(1)) -o $$@ $$< $(FUZZ_SRCS_$(1)) $(FUZZ_LIBS_$(1)) -lm
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call FUZZ_RULE,$(n))))

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@fail=0; for n in $(FUZZ_NAMES); do \
	  mkdir -p $(FUZZ_DIR)/corpus-$$n $(FUZZ_DIR)/artifacts-$$n; \
	  cp tests/fuzz/corpus/$$n/* $(FUZZ_DIR)/corpus-$$n/; \
	  echo "fuzz $$n: $(FUZZ_SECONDS)s"; \
	  if $(FUZZ_DIR)/fuzz_$$n -max_total_time=$(FUZZ_SECONDS) \
	      -artifact_prefix=$(FUZZ_DIR)/artifacts-$$n/ -print_final_stats=1 \
	      $(FUZZ_ARGS) $(FUZZ_DIR)/corpus-$$n; then \
	    echo "fuzz $$n: ok"; \
	  else echo "fuzz $$n: FAILED (inputs in $(FUZZ_DIR)/artifacts-$$n/)"; fail=1; fi; \
	done; exit $$fail

fuzz-brief: fuzz-build
	@fail=0; for n in $(FUZZ_NAMES); do \
	  d=$(FUZZ_DIR)/brief-$$n; rm -rf $$d; \
	  mkdir -p $$d $(FUZZ_DIR)/artifacts-$$n; \
	  cp tests/fuzz/corpus/$$n/* $$d/; \
	  if $(FUZZ_DIR)/fuzz_$$n -runs=$(FUZZ_RUNS) -seed=$(FUZZ_SEED) \
	      -artifact_prefix=$(FUZZ_DIR)/artifacts-$$n/ $(FUZZ_ARGS) $$d \
	      >$(FUZZ_DIR)/brief-$$n.log 2>&1; then \
	    echo "fuzz $$n: ok"; \
	  else echo "fuzz $$n: FAILED"; tail -n 30 $(FUZZ_DIR)/brief-$$n.log; fail=1; fi; \
	done; exit $$fail
