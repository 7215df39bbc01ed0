# kring: a plain Makefile.  `make` builds everything into $(O)/;
# `make SANITIZE=address,undefined` builds into a separate folder so the
# objects of the two builds never mix.

PREFIX    ?= /usr/local
BINDIR    ?= $(PREFIX)/bin
SBINDIR   ?= $(PREFIX)/sbin
LIBEXECDIR ?= $(PREFIX)/libexec/kring
SYSCONFDIR ?= $(PREFIX)/etc/kring
DATADIR   ?= $(PREFIX)/share/kring
MANPREFIX ?= $(PREFIX)/share/man
STATEDIR  ?= /var/lib/kring
UNITDIR   ?= $(PREFIX)/lib/systemd/system
DESTDIR   ?=

CC        ?= cc
PKGS      := gmime-3.0 lmdb libconfuse libevent libevent_pthreads glib-2.0 libesmtp-1.0 openssl libcmark libmicrohttpd libsystemd \
             cairo pangocairo fontconfig
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   := $(shell pkg-config --libs $(PKGS))

CFLAGS    ?= -O2 -g
WARN      := -Wall -Wextra -Wshadow -Wformat=2 -Wno-unused-parameter -Wstrict-prototypes
CPPFLAGS  += -Iinclude -D_GNU_SOURCE -DKRING_LIBEXECDIR='"$(LIBEXECDIR)"' \
             -DKRING_SYSCONFDIR='"$(SYSCONFDIR)"' -DKRING_DATADIR='"$(DATADIR)"'
ALL_CFLAGS = -std=c11 $(WARN) $(CFLAGS) $(PKG_CFLAGS) $(SAN_FLAGS)
LDLIBS    += $(PKG_LIBS) -lpthread -lm

ifneq ($(SANITIZE),)
O         ?= build-san
SAN_FLAGS := -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
else
O         ?= build
endif

LIB_SRC   := $(wildcard lib/*/*.c)
LIB_OBJ   := $(LIB_SRC:%.c=$(O)/%.o)
DAEMON_SRC := $(wildcard daemon/*.c)
DAEMON_OBJ := $(DAEMON_SRC:%.c=$(O)/%.o)
TOOL_SRC  := $(wildcard tools/*.c)
TOOLS     := $(TOOL_SRC:tools/%.c=$(O)/bin/%)
HELPERS   := $(patsubst t/helper/%.c,$(O)/bin/%,$(wildcard t/helper/test-*.c)) $(patsubst bench/%.c,$(O)/bin/bench-%,$(wildcard bench/*.c))
FUZZ_SRC  := $(filter-out fuzz/driver.c,$(wildcard fuzz/*.c))
FUZZERS   := $(FUZZ_SRC:fuzz/%.c=$(O)/bin/fuzz-%)
LIBKRING  := $(O)/libkring.a
# The translations of the language-neutral templates: po/LANG.po is
# compiled into $(O)/templates/LANG/kring.mo, which the programs find
# beside them (and `make install` puts beside the shipped templates).
PO        := $(wildcard po/*.po)
MO        := $(PO:po/%.po=$(O)/templates/%/kring.mo)

# The fuzz targets are built in every build, with a plain driver that
# runs them over files (t/ runs them over the corpora); `make fuzz`
# builds them against libFuzzer with clang into build-fuzz/.
ifeq ($(FUZZ_ENGINE),libfuzzer)
FUZZ_MAIN  :=
FUZZ_LINK  := -fsanitize=fuzzer
else
FUZZ_MAIN  := $(O)/fuzz/driver.o
FUZZ_LINK  :=
endif

all: $(O)/bin/kringd $(TOOLS) $(HELPERS) $(FUZZERS) $(MO)

$(O)/templates/%/kring.mo: po/%.po
	@mkdir -p $(dir $@)
	msgfmt --check -o $@ $<

# po/kring.pot, the texts to translate, from the neutral templates.
pot: all
	scripts/extract-pot templates >po/kring.pot.new
	mv po/kring.pot.new po/kring.pot

# -MMD -MP: each object depends on the headers it includes.
$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

-include $(shell find $(O) -name '*.d' 2>/dev/null)

# The objects of tools, helpers and fuzzers are made through pattern
# rules, so make would delete them as intermediates and rebuild them on
# the next run (make run right after make test rebuilt 27).  Keep them.
.SECONDARY:

$(LIBKRING): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(O)/bin/kringd: $(DAEMON_OBJ) $(LIBKRING)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/bin/%: $(O)/tools/%.o $(LIBKRING)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/bin/test-%: $(O)/t/helper/test-%.o $(O)/t/helper/tap.o $(LIBKRING)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/bin/bench-%: $(O)/bench/%.o $(LIBKRING)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(O)/bin/fuzz-%: $(O)/fuzz/%.o $(FUZZ_MAIN) $(LIBKRING)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(FUZZ_LINK) -o $@ $^ $(LDLIBS)

# The HTTP target drives web.c itself, over a socket.
$(O)/bin/fuzz-http: $(O)/fuzz/http.o $(FUZZ_MAIN) $(O)/daemon/web.o $(LIBKRING)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(FUZZ_LINK) -o $@ $^ $(LDLIBS)

fuzz: deps
	$(MAKE) O=build-fuzz CC=clang FUZZ_ENGINE=libfuzzer \
		SANITIZE=fuzzer-no-link,address,undefined \
		$(FUZZ_SRC:fuzz/%.c=build-fuzz/bin/fuzz-%)

# make fuzz-run SECONDS=N: each target N seconds under libFuzzer.
SECONDS ?= 60
fuzz-run: fuzz
	fuzz/run $(SECONDS)

deps:
	@scripts/install-deps

# Start kringd in the foreground on the shipped config, store under var/.
run: deps
	@$(MAKE) --no-print-directory all
	mkdir -p var
	exec $(O)/bin/kringd -f -c conf/kring.conf

# The whole suite, as CI and a developer run it.  KRING_BUILD tells the
# tests which build to drive.
test: deps
	@$(MAKE) --no-print-directory all
	KRING_BUILD=$(CURDIR)/$(O) prove -j2 --timer --exec "" t/t[0-9]*.sh

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR)
	install -m 755 $(O)/bin/kringd $(DESTDIR)$(SBINDIR)/kringd
	install -m 755 $(O)/bin/kring $(DESTDIR)$(BINDIR)/kring
	for t in $(filter-out $(O)/bin/kring,$(TOOLS)); do \
		install -m 755 $$t $(DESTDIR)$(LIBEXECDIR)/; done
	install -d $(DESTDIR)$(SYSCONFDIR) $(DESTDIR)$(DATADIR)/templates
	@# The shipped config with the store in STATEDIR; kring.conf itself
	@# only when there is none (an admin's file is never overwritten).
	sed 's|^store = "var/kring"|store = "$(STATEDIR)"|' conf/kring.conf \
		>$(DESTDIR)$(SYSCONFDIR)/kring.conf.sample
	chmod 644 $(DESTDIR)$(SYSCONFDIR)/kring.conf.sample
	[ -e $(DESTDIR)$(SYSCONFDIR)/kring.conf ] || install -m 644 \
		$(DESTDIR)$(SYSCONFDIR)/kring.conf.sample $(DESTDIR)$(SYSCONFDIR)/kring.conf
	if [ -d templates ]; then cp -R templates/. $(DESTDIR)$(DATADIR)/templates/; fi
	for mo in $(MO); do lang=$$(basename $$(dirname $$mo)); \
		install -d $(DESTDIR)$(DATADIR)/templates/$$lang; \
		install -m 644 $$mo $(DESTDIR)$(DATADIR)/templates/$$lang/; done
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		-e 's|@STATEDIR@|$(STATEDIR)|g' conf/systemd/kringd.service.in \
		>$(DESTDIR)$(UNITDIR)/kringd.service
	chmod 644 $(DESTDIR)$(UNITDIR)/kringd.service
	install -d $(DESTDIR)$(MANPREFIX)/man1 $(DESTDIR)$(MANPREFIX)/man5 $(DESTDIR)$(MANPREFIX)/man8
	install -m 644 man/*.1 $(DESTDIR)$(MANPREFIX)/man1/
	install -m 644 man/*.5 $(DESTDIR)$(MANPREFIX)/man5/
	install -m 644 man/*.8 $(DESTDIR)$(MANPREFIX)/man8/

clean:
	rm -rf build build-san build-fuzz

.PHONY: all deps fuzz fuzz-run pot run test install clean
