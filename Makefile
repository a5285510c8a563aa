# warden — build, test, bench.  `make help` lists the targets.
BUILD    ?= build
CLANG    ?= clang
BPFTOOL  ?= bpftool
CC       ?= cc
ARCH     := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
SAN      ?=
STATIC   ?=
FUZZ     ?=

CFLAGS   ?= -O2 -g
CFLAGS   += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wshadow \
            -Wmissing-prototypes -D_GNU_SOURCE -Isrc -Iinclude -I$(BUILD) \
            -MMD -MP
# vmlinux.h: the committed copy for the build architecture (CO-RE
# relocates it on any kernel); VMLINUX_FROM_HOST=1 dumps the build host's
# BTF instead.
VMLINUX_DIR := bpf/vmlinux/$(ARCH)
ifneq ($(VMLINUX_FROM_HOST),)
VMLINUX_DIR := $(BUILD)/vmlinux
endif
BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_$(ARCH) -Wall \
            -Wno-unused-function -I$(VMLINUX_DIR) -Ibpf -Iinclude -MMD -MP
# libmicrohttpd serves --metrics; the static build (the qemu kernel
# matrix) goes without it rather than pull in gnutls.
LDLIBS   := -lbpf -lelf -lz -lyaml $(shell pkg-config --libs libmicrohttpd 2>/dev/null || echo -lmicrohttpd) -lpthread
ifneq ($(STATIC),)
LDFLAGS  += -static
CFLAGS   += -DWARDEN_NO_METRICS
LDLIBS   := -l:libbpf.a -l:libelf.a -l:libz.a -l:libzstd.a -l:libyaml.a
endif
# UB aborts rather than printing and carrying on, so a test notices it.
ifneq ($(SAN),)
CFLAGS   += -fsanitize=address,undefined -fno-sanitize-recover=all \
            -fno-omit-frame-pointer
LDFLAGS  += -fsanitize=address,undefined
endif
# Objects for the libFuzzer targets (clang only): tests/fuzz/run.sh sets
# FUZZ=1 CC=clang BUILD=build/fuzz.
ifneq ($(FUZZ),)
CFLAGS   += -DFUZZING -fsanitize=fuzzer-no-link,address,undefined \
            -fno-sanitize-recover=all -fno-omit-frame-pointer
endif

# One folder per BPF object (bpf/MODULE/NAME.bpf.c), one per part of user
# space (src/PART/*.c); objects mirror the tree under $(BUILD)/obj.
BPF_SRCS := $(wildcard bpf/*/*.bpf.c)
BPF_OBJS := $(patsubst %.bpf.c,$(BUILD)/obj/%.bpf.o,$(BPF_SRCS))
SKELS    := $(addprefix $(BUILD)/,$(notdir $(BPF_SRCS:.bpf.c=.skel.h)))
SRCS     := $(wildcard src/*/*.c)
OBJS     := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS))
LIB_OBJS := $(filter-out $(BUILD)/obj/cmd/main.o,$(OBJS))
GEN      := $(BUILD)/syscall_table.h $(SKELS)

HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPERS  := $(patsubst tests/helpers/%.c,$(BUILD)/helpers/%,$(HELPER_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/%,$(FUZZ_SRCS))

.PHONY: all clean test unit integration lint bench vmtest fuzz fuzz-build help \
        install uninstall deb man
all: $(BUILD)/warden

help:
	@echo "make            build build/warden"
	@echo "make test       unit tests, then real-kernel integration tests (root)"
	@echo "make unit       unit tests only (no root, no kernel)"
	@echo "make lint       no include cycle, no two files calling each other"
	@echo "make bench      benchmarks side by side with the peers (root)"
	@echo "make SAN=1 BUILD=build/san test   the same under ASan+UBSan"
	@echo "make fuzz       each libFuzzer target for FUZZ_SECONDS (default 60)"
	@echo "make STATIC=1   a static build/warden (for the qemu kernel matrix)"
	@echo "make man        build/man/warden.8, warden-policy.5 (from docs/man/)"
	@echo "make install    binary, unit, policy, man pages (PREFIX, DESTDIR)"
	@echo "make uninstall  remove them again (an edited policy stays)"
	@echo "make deb        build/warden_VERSION_ARCH.deb (dpkg-deb, no debhelper)"

# Only with VMLINUX_FROM_HOST=1: the build host's own kernel types.
$(BUILD)/vmlinux/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

# Syscall name -> number table for the build architecture.
$(BUILD)/syscall_table.h: scripts/gen-syscalls.sh
	@mkdir -p $(BUILD)
	scripts/gen-syscalls.sh > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/bpf/%.bpf.o: bpf/%.bpf.c $(VMLINUX_DIR)/vmlinux.h
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# build/NAME.skel.h from build/obj/bpf/MODULE/NAME.bpf.o
define skel_rule
$(BUILD)/$(notdir $(1:.bpf.o=.skel.h)): $(1)
	$$(BPFTOOL) gen skeleton $$< > $$@.tmp && mv $$@.tmp $$@
endef
$(foreach o,$(BPF_OBJS),$(eval $(call skel_rule,$(o))))

# Generated headers come first; -MMD then records what each object includes.
$(BUILD)/obj/%.o: src/%.c | $(GEN)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/warden: $(OBJS)
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(BUILD)/tests
	$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS) -lcmocka

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(LIB_OBJS)
	$(CC) $(CFLAGS) -Wno-missing-prototypes -Itests/fuzz -fsanitize=fuzzer $(filter %.c %.o,$^) \
		-o $@ $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

# Libraries a helper needs beyond libc (liburing-dev: scripts/setup.sh).
HELPER_LIBS_uring_file := -luring
# Static: test_containers.sh runs it inside the busybox image (no libc there).
HELPER_LIBS_ns_escape := -static

$(BUILD)/helpers/%: tests/helpers/%.c
	@mkdir -p $(BUILD)/helpers
	$(CC) -O2 -Wall $< -o $@ $(HELPER_LIBS_$*)

unit: $(UNIT_BINS)
	tests/unit/run.sh $(UNIT_BINS)

integration: $(BUILD)/warden $(HELPERS)
	tests/integration/run.sh

test: $(BUILD)/warden $(UNIT_BINS) $(HELPERS)
	tests/run.sh

# warden may not build yet: the harness then measures bare and the peers
# and marks the warden configurations "skipped: warden not built".
bench:
	@$(MAKE) --no-print-directory $(BUILD)/warden || \
		echo "make bench: $(BUILD)/warden did not build; warden configurations will be skipped"
	BUILD=$(BUILD) CC=$(CC) bench/run.sh

# Dependency cycles between files, from the sources and the objects.
lint: $(BUILD)/warden
	scripts/check-deps.py $(BUILD)

vmtest:
	tests/vm/run.sh

fuzz:
	tests/fuzz/run.sh

# Install. PREFIX and DESTDIR as usual; the configuration goes to /etc
# whatever the PREFIX (logrotate and the unit look there).
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
SBINDIR    ?= $(PREFIX)/sbin
MANDIR     ?= $(PREFIX)/share/man
UNITDIR    ?= $(PREFIX)/lib/systemd/system
VERSION    := $(shell sed -n 's/^\#define WARDEN_VERSION "\(.*\)"/\1/p' src/cmd/main.c)
MAN_DATE   := $(shell git log -1 --format=%cs 2>/dev/null || date -u +%F)
MANS       := $(BUILD)/man/warden.8 $(BUILD)/man/warden-policy.5
DEB        := $(BUILD)/warden_$(VERSION)_$(shell dpkg --print-architecture 2>/dev/null).deb

# One source per page in docs/man/, which pulls in docs/operations.md,
# docs/policy.md and the binary's --help (scripts/gen-man.py).
$(BUILD)/man/%: docs/man/%.md docs/operations.md docs/policy.md scripts/gen-man.py $(BUILD)/warden
	@mkdir -p $(@D)
	scripts/gen-man.py $< $(BUILD)/warden $(VERSION) $(MAN_DATE) > $@.md
	go-md2man -in $@.md -out $@.tmp && mv $@.tmp $@

man: $(MANS)

install: $(BUILD)/warden $(MANS)
	install -D -m 0755 $(BUILD)/warden $(DESTDIR)$(SBINDIR)/warden
	install -D -m 0644 $(BUILD)/man/warden.8 $(DESTDIR)$(MANDIR)/man8/warden.8
	install -D -m 0644 $(BUILD)/man/warden-policy.5 $(DESTDIR)$(MANDIR)/man5/warden-policy.5
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		packaging/warden.service.in > $(DESTDIR)$(UNITDIR)/warden.service
	install -D -m 0644 packaging/warden.logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/warden
	@# the policy and the options are the operator's once installed:
	@# never overwritten
	[ -e $(DESTDIR)$(SYSCONFDIR)/warden/policy.yaml ] || \
		install -D -m 0644 packaging/policy.yaml $(DESTDIR)$(SYSCONFDIR)/warden/policy.yaml
	[ -e $(DESTDIR)$(SYSCONFDIR)/warden/warden.yaml ] || \
		{ sed -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' packaging/warden.yaml.in > \
		$(DESTDIR)$(SYSCONFDIR)/warden/warden.yaml && \
		chmod 0644 $(DESTDIR)$(SYSCONFDIR)/warden/warden.yaml; }

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/warden $(DESTDIR)$(MANDIR)/man8/warden.8 \
		$(DESTDIR)$(MANDIR)/man5/warden-policy.5 \
		$(DESTDIR)$(UNITDIR)/warden.service $(DESTDIR)$(SYSCONFDIR)/logrotate.d/warden
	! cmp -s packaging/policy.yaml $(DESTDIR)$(SYSCONFDIR)/warden/policy.yaml || \
		rm -f $(DESTDIR)$(SYSCONFDIR)/warden/policy.yaml
	! sed -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' packaging/warden.yaml.in | \
		cmp -s - $(DESTDIR)$(SYSCONFDIR)/warden/warden.yaml || \
		rm -f $(DESTDIR)$(SYSCONFDIR)/warden/warden.yaml
	rmdir $(DESTDIR)$(SYSCONFDIR)/warden 2>/dev/null || true

# A .deb from a staged `make install` and packaging/deb/ (maintainer
# scripts), assembled by dpkg-deb: no debhelper, no fakeroot.
deb: $(BUILD)/warden $(MANS)
	rm -rf $(BUILD)/deb
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(BUILD)/deb) \
		PREFIX=/usr SYSCONFDIR=/etc UNITDIR=/lib/systemd/system
	packaging/mkdeb.sh $(BUILD)/deb $(VERSION) $(DEB)

clean:
	rm -rf $(BUILD)

-include $(OBJS:.o=.d) $(BPF_OBJS:.o=.d)
