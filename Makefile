# citybench: build, run, test, bench.  `make run` and `make test` work on a bare Debian machine.

PKGS     := fcgi libpq jansson lua5.4 libcrypto
CC       ?= cc
SANITIZE ?=
OPT      ?= -O2
CFLAGS   := -std=c11 -D_GNU_SOURCE $(OPT) -g -Wall -Wextra -Werror -Wshadow \
            -Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith \
            -Wwrite-strings -fno-common -Iinclude -Isql/surveys
LDLIBS   := -lm

# Where `make install` puts things (DESTDIR stages them); the data directory is compiled in.
PREFIX   ?= /usr/local
SYSCONFDIR ?= /etc
UNITDIR  ?= /lib/systemd/system
TMPFILESDIR ?= /usr/lib/tmpfiles.d
RUNDIR   ?= /run/citybench
BINDIR   := $(PREFIX)/bin
DATADIR  := $(PREFIX)/share/citybench
DOCDIR   := $(PREFIX)/share/doc/citybench
MANDIR   := $(PREFIX)/share/man
CFLAGS   += -DCB_DATADIR='"$(DATADIR)"' $(EXTRA_CFLAGS)

ifneq ($(SANITIZE),)
CFLAGS   += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all -DCB_SANITIZE=1
LDFLAGS  += -fsanitize=$(SANITIZE)
BUILD    := build/san
else
BUILD    := build/rel
endif

# Every module in cgi/'s layers (lib, core, plugin, domain, pages, cli) goes into one library; the two
# programs add their main.  `make check-layers` keeps each layer's includes to the layers below it.
MAINS    := cgi/server.c cgi/cli/cli.c cgi/sandbox_main.c
LIB_SRCS := $(filter-out $(MAINS),$(wildcard cgi/*.c cgi/*/*.c))
LIB_OBJS := $(LIB_SRCS:cgi/%.c=$(BUILD)/%.o)
UNIT_SRCS:= $(wildcard tests/unit/test_*.c)
UNITS    := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# The messages in French and, when the system lacks it, the French locale (see `make pot` below).
# What xgettext reads as a message: _(), N_(), P_() (plural), the charts' C_(), a COUNT_HEADING row's
# singular and plural, a constant reply_error message (shown translated on HTML error pages).
XGETTEXT_FLAGS := --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ --keyword=P_:1,2 --keyword=NP_:1,2 --keyword=C_ \
	--keyword=COUNT_HEADING:2,3 --keyword=reply_error:3
LOCALES  := $(BUILD)/locale/fr/LC_MESSAGES/citybench.mo $(BUILD)/locale/fr_FR.UTF-8/LC_MESSAGES

# Objects are rebuilt when the flags change (another PREFIX, say): their line is kept in $(BUILD)/cflags.
CFLAGS_LINE := $(CC) $(CFLAGS) $(CPPFLAGS)
ifneq ($(file <$(BUILD)/cflags),$(CFLAGS_LINE))
$(shell mkdir -p $(BUILD))
$(file >$(BUILD)/cflags,$(CFLAGS_LINE))
endif

PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

.PHONY: all deps vendor run test bench unit units fuzz soak clean FORCE programs install uninstall deb scale-test check-layers
all: deps vendor bin/citybench-fcgi bin/citybench bin/citybench-sandbox units

# Data read at run time, fetched with npm from web/vendor's lock file (never from a CDN at page time):
# the world's land for /map, Natural Earth 1:110m (public domain) as the package world-atlas 2.0.2
# ships it (ISC), its LICENSE beside it.  Without it the map is drawn without land (and says so) and
# `gen` leaves the synthetic cities unplaced.
LAND := web/vendor/node_modules/world-atlas/land-110m.json
vendor: $(LAND)
$(LAND): web/vendor/package.json web/vendor/package-lock.json
	@echo "NPM web/vendor (world-atlas: the land outlines for /map)"
	@cd web/vendor && npm ci --no-audit --no-fund --loglevel=error >/dev/null || \
	    echo "warning: npm ci in web/vendor failed: /map will have no land, gen no places" >&2
	@[ ! -e $@ ] || touch $@

deps:
	@tests/deps.sh

$(BUILD)/%.o: cgi/%.c $(wildcard include/*.h include/*.def sql/surveys/*.def) $(BUILD)/cflags | $(BUILD)
	@mkdir -p $(@D)
	@echo "CC $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/libcitybench.a: $(LIB_OBJS)
	@ar rcs $@ $^

$(BUILD)/citybench-fcgi: $(BUILD)/server.o $(BUILD)/libcitybench.a $(BUILD)/citybench-sandbox $(LOCALES)
	@echo "LD $@"
	@$(CC) $(LDFLAGS) -o $@ $(filter-out %/citybench-sandbox %/citybench.mo %/LC_MESSAGES,$^) $(PKG_LIBS) $(LDLIBS)

# Messages (issue 20): GNU gettext.  `make pot` extracts po/citybench.pot from the sources (_(), N_(),
# P_() for plural forms) and merges it into po/fr.po, which a translator edits with ordinary tools;
# make compiles po/fr.po into $(BUILD)/locale/fr/LC_MESSAGES/citybench.mo beside the programs.  The
# workers switch language per request with uselocale(): glibc's gettext needs a French locale for
# that, so when the system has no fr_FR.UTF-8 make compiles one into $(BUILD)/locale too (localedef,
# from Debian's locales package; nothing system-wide is touched).
PO_SRCS  := $(wildcard cgi/core/*.c cgi/domain/*.c cgi/pages/*.c) cgi/lib/chart.c sql/surveys/sections.def
$(BUILD)/locale/fr/LC_MESSAGES/citybench.mo: po/fr.po
	@mkdir -p $(@D)
	@echo "MSGFMT $<"
	@msgfmt --check -o $@ $<
$(BUILD)/locale/fr_FR.UTF-8/LC_MESSAGES:
	@mkdir -p $(BUILD)/locale
	@if locale -a 2>/dev/null | grep -qix 'fr_FR.utf-\?8'; then mkdir -p $@; else \
	    echo "LOCALEDEF fr_FR.UTF-8"; localedef -i fr_FR -f UTF-8 $(BUILD)/locale/fr_FR.UTF-8 || \
	    echo "warning: no fr_FR.UTF-8 locale: French pages will show English messages" >&2; fi
.PHONY: pot
pot:
	@xgettext $(XGETTEXT_FLAGS) \
	    --add-comments=TRANSLATORS --package-name=citybench --sort-by-file -o po/citybench.pot $(sort $(PO_SRCS))
	@msgmerge --quiet --update --backup=none po/fr.po po/citybench.pot
	@msgfmt --statistics -o /dev/null po/fr.po
# Fails when a message of the sources has no French translation (tests/integration/test_lang.py runs it).
.PHONY: po-check
po-check:
	@t=$$(mktemp -d) && trap 'rm -rf "$$t"' EXIT && \
	xgettext $(XGETTEXT_FLAGS) -o $$t/citybench.pot $(sort $(PO_SRCS)) && \
	msgmerge --quiet --no-fuzzy-matching -o $$t/fr.po po/fr.po $$t/citybench.pot && \
	stats=$$(LC_ALL=C msgfmt --statistics -o /dev/null $$t/fr.po 2>&1) && echo "po/fr.po: $$stats" && \
	case "$$stats" in *untranslated*|*fuzzy*) echo "po/fr.po lacks translations (make pot, then translate):"; \
	    msgattrib --untranslated --no-obsolete $$t/fr.po | grep -A2 '^msgid' | head -40; \
	    msgattrib --only-fuzzy --no-obsolete $$t/fr.po | grep -A2 '^msgid' | head -20; exit 1;; esac

$(BUILD)/citybench: $(BUILD)/cli/cli.o $(BUILD)/libcitybench.a $(BUILD)/citybench-sandbox
	@echo "LD $@"
	@$(CC) $(LDFLAGS) -o $@ $(filter-out %/citybench-sandbox,$^) $(PKG_LIBS) $(LDLIBS)

# The program plugins run in (child.c): started by both programs above, found beside them.
$(BUILD)/citybench-sandbox: $(BUILD)/sandbox_main.o $(BUILD)/libcitybench.a
	@echo "LD $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(PKG_LIBS) $(LDLIBS)

# bin/ holds the build last asked for (release or sanitized): always refreshed.
bin/citybench-fcgi bin/citybench bin/citybench-sandbox: bin/%: $(BUILD)/% FORCE | bin
	@cmp -s $< $@ || { cp $< $@.tmp && mv -f $@.tmp $@; }
FORCE:

$(BUILD)/tests/%: tests/unit/%.c $(wildcard tests/unit/*.h) $(wildcard sql/surveys/*.def) $(BUILD)/libcitybench.a | $(BUILD)/tests $(BUILD)/citybench-sandbox
	@echo "CC $<"
	@$(CC) $(CFLAGS) $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libcitybench.a $(PKG_LIBS) $(LDLIBS)

# test_cache kills a process inside cache_put: it links its own cache.c built with the test hook
# (CB_TEST_HOOKS), which the programs never have; the library's cache.o is then not taken.
$(BUILD)/tests/test_cache: tests/unit/test_cache.c cgi/core/cache.c tests/unit/t.h $(BUILD)/libcitybench.a | $(BUILD)/tests
	@echo "CC $< (CB_TEST_HOOKS)"
	@$(CC) $(CFLAGS) -DCB_TEST_HOOKS $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< cgi/core/cache.c $(BUILD)/libcitybench.a $(PKG_LIBS) $(LDLIBS)

# test_simshare kills a builder inside simshare_put: its own simshare.c with the hook, as test_cache.
$(BUILD)/tests/test_simshare: tests/unit/test_simshare.c cgi/core/simshare.c tests/unit/t.h $(BUILD)/libcitybench.a | $(BUILD)/tests
	@echo "CC $< (CB_TEST_HOOKS)"
	@$(CC) $(CFLAGS) -DCB_TEST_HOOKS $(PKG_CFLAGS) $(LDFLAGS) -o $@ $< cgi/core/simshare.c $(BUILD)/libcitybench.a $(PKG_LIBS) $(LDLIBS)

units: $(UNITS)

$(BUILD) $(BUILD)/tests bin:
	mkdir -p $@

# `set -m`: the stack runs as a job of its own, in the terminal's foreground, so Ctrl-C reaches it
# alone; it stops everything and exits 0, and make with it (make itself would die of the SIGINT).
run: deps
	@$(MAKE) --no-print-directory vendor bin/citybench-fcgi bin/citybench bin/citybench-sandbox
	@set -m; tests/stack.sh run

# The tests run the binaries of this build (release or sanitized) straight from $(BUILD).
test: deps
	@$(MAKE) --no-print-directory vendor $(BUILD)/citybench-fcgi $(BUILD)/citybench units
	@BUILD=$(BUILD) CB_BIN=$(CURDIR)/$(BUILD) tests/run.sh

# Each layer of cgi/ includes only what lies below it (tests/check_layers.sh says which); make test runs it.
check-layers:
	@tests/check_layers.sh

unit: units
	@BUILD=$(BUILD) tests/run.sh unit

bench: deps
	@$(MAKE) --no-print-directory vendor bin/citybench-fcgi bin/citybench bin/citybench-sandbox
	@tests/bench.sh

# Reads, uploads and previews against a throwaway stack for SOAK_SECONDS (600): see tests/soak.sh.
soak: deps
	@$(MAKE) --no-print-directory bin/citybench-fcgi bin/citybench bin/citybench-sandbox
	@tests/soak.sh

clean:
	rm -rf build bin/citybench bin/citybench-fcgi bin/citybench-sandbox web/vendor/node_modules

# ---- installing, packaging, scaling out (docs/operations.md) ----

# The programs of this build (the two and their sandbox), without installing packages or building tests (packaging uses it).
programs: $(BUILD)/citybench-fcgi $(BUILD)/citybench $(BUILD)/citybench-sandbox

# Files the operator edits (the settings, the nginx site) are installed only when absent.
SUBST = sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g' -e 's|@DOCDIR@|$(DOCDIR)|g' \
            -e 's|@RUNDIR@|$(RUNDIR)|g' -e 's|/usr/share/citybench|$(DATADIR)|g' \
            -e 's|/usr/share/doc/citybench|$(DOCDIR)|g'
install: programs
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR) \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(SYSCONFDIR)/citybench \
	    $(DESTDIR)$(SYSCONFDIR)/nginx/sites-available $(DESTDIR)$(SYSCONFDIR)/nginx/snippets \
	    $(DESTDIR)$(UNITDIR) $(DESTDIR)$(TMPFILESDIR)
	install -m 0755 $(BUILD)/citybench $(BUILD)/citybench-fcgi $(BUILD)/citybench-sandbox $(DESTDIR)$(BINDIR)/
	rm -rf $(DESTDIR)$(DATADIR)/web $(DESTDIR)$(DATADIR)/plugins $(DESTDIR)$(DATADIR)/sql
	cp -R web plugins sql $(DESTDIR)$(DATADIR)/
	rm -rf $(DESTDIR)$(DATADIR)/locale && cp -R $(BUILD)/locale $(DESTDIR)$(DATADIR)/locale
	chmod -R u=rwX,go=rX $(DESTDIR)$(DATADIR)
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	$(SUBST) man/citybench.1 >$(DESTDIR)$(MANDIR)/man1/citybench.1
	$(SUBST) man/citybench-fcgi.8 >$(DESTDIR)$(MANDIR)/man8/citybench-fcgi.8
	$(SUBST) man/citybench-sandbox.8 >$(DESTDIR)$(MANDIR)/man8/citybench-sandbox.8
	$(SUBST) dist/citybench-fcgi.service.in >$(DESTDIR)$(UNITDIR)/citybench-fcgi.service
	install -m 0644 dist/citybench-fastcgi.conf $(DESTDIR)$(SYSCONFDIR)/nginx/snippets/citybench-fastcgi.conf
	install -m 0644 dist/citybench.tmpfiles $(DESTDIR)$(TMPFILESDIR)/citybench.conf
	chmod 0644 $(DESTDIR)$(MANDIR)/man1/citybench.1 $(DESTDIR)$(MANDIR)/man8/citybench-fcgi.8 \
	    $(DESTDIR)$(MANDIR)/man8/citybench-sandbox.8 \
	    $(DESTDIR)$(UNITDIR)/citybench-fcgi.service
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/citybench/citybench.conf ]; then \
	    echo "kept $(DESTDIR)$(SYSCONFDIR)/citybench/citybench.conf (new example: $(DOCDIR)/citybench.conf)"; \
	else install -m 0640 dist/citybench.conf $(DESTDIR)$(SYSCONFDIR)/citybench/citybench.conf; fi
	install -m 0644 dist/citybench.conf $(DESTDIR)$(DOCDIR)/citybench.conf
	@if [ -e $(DESTDIR)$(SYSCONFDIR)/nginx/sites-available/citybench ]; then \
	    echo "kept $(DESTDIR)$(SYSCONFDIR)/nginx/sites-available/citybench"; \
	else $(SUBST) dist/nginx-citybench.conf.in >$(DESTDIR)$(SYSCONFDIR)/nginx/sites-available/citybench && \
	    chmod 0644 $(DESTDIR)$(SYSCONFDIR)/nginx/sites-available/citybench; fi
	@# The operator's key (docs/operations.md, Monitor), made on the host only: never in a staged tree
	@# (a package makes its own in its postinst).
	@if [ -z "$(DESTDIR)" ] && [ ! -s $(SYSCONFDIR)/citybench/ops-key ]; then \
	    key=$$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n'); \
	    (umask 077; printf 'CITYBENCH_OPS_KEY=%s\n' "$$key" >$(SYSCONFDIR)/citybench/ops-key; \
	     printf 'fastcgi_param CITYBENCH_OPS %s;\n' "$$key" >$(SYSCONFDIR)/nginx/snippets/citybench-ops-key.conf); \
	    chmod 0640 $(SYSCONFDIR)/citybench/ops-key; \
	    echo "made the operator's key: $(SYSCONFDIR)/citybench/ops-key, $(SYSCONFDIR)/nginx/snippets/citybench-ops-key.conf"; fi

# The settings and the nginx site stay: they are the operator's.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/citybench $(DESTDIR)$(BINDIR)/citybench-fcgi $(DESTDIR)$(BINDIR)/citybench-sandbox \
	    $(DESTDIR)$(MANDIR)/man1/citybench.1 $(DESTDIR)$(MANDIR)/man8/citybench-fcgi.8 \
	    $(DESTDIR)$(MANDIR)/man8/citybench-sandbox.8 $(DESTDIR)$(UNITDIR)/citybench-fcgi.service $(DESTDIR)$(SYSCONFDIR)/logrotate.d/citybench \
	    $(DESTDIR)$(SYSCONFDIR)/nginx/snippets/citybench-fastcgi.conf $(DESTDIR)$(TMPFILESDIR)/citybench.conf
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)

# A Debian package built from a copy of this tree (the tree stays clean), checked by lintian:
# build/deb/citybench_*.deb.
deb:
	@dist/build-deb.sh

# A primary and a streaming standby, two worker pools behind one nginx, and what must hold when a
# pool or the standby goes away (tests/scale.sh; `make test` runs its short form).
scale-test: deps programs
	@BUILD=$(BUILD) CB_BIN=$(CURDIR)/$(BUILD) timeout -k 10 600 tests/scale.sh

-include tests/fuzz/fuzz.mk
