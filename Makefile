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
            -D_GNU_SOURCE -Isrc -I$(BUILD)
BPF_CFLAGS := -O2 -g -target bpf -D__TARGET_ARCH_$(ARCH) -Wall \
            -Wno-unused-function -I$(BUILD) -Ibpf -Isrc
LDLIBS   := -lbpf -lelf -lz -lyaml
ifneq ($(STATIC),)
LDFLAGS  += -static
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

BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
SKELS    := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
SRCS     := $(wildcard src/*.c)
OBJS     := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS))
LIB_OBJS := $(filter-out $(BUILD)/obj/main.o,$(OBJS))
GEN      := $(BUILD)/vmlinux.h $(BUILD)/syscall_table.h $(SKELS)

HELPER_SRCS := $(wildcard tests/helpers/*.c)
HELPERS  := $(patsubst tests/helpers/%.c,$(BUILD)/helpers/%,$(HELPER_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/%,$(FUZZ_SRCS))

.PHONY: all clean test unit integration bench vmtest fuzz fuzz-build help
all: $(BUILD)/warden

help:
	@echo "make            build build/warden"
	@echo "make test       unit tests, then real-kernel integration tests (root)"
	@echo "make unit       unit tests only (no root, no kernel)"
	@echo "make bench      benchmarks side by side with the peers (root)"
	@echo "make SAN=1 BUILD=build/san test   the same under ASan+UBSan"
	@echo "make fuzz       each libFuzzer target for FUZZ_SECONDS (default 60)"
	@echo "make STATIC=1   a static build/warden (for the qemu kernel matrix)"

# vmlinux.h from the running kernel's BTF; the committed copy otherwise.
$(BUILD)/vmlinux.h:
	@mkdir -p $(BUILD)
	@if [ -r /sys/kernel/btf/vmlinux ] && command -v $(BPFTOOL) >/dev/null; then \
		$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@; \
	else \
		echo "vmlinux.h: no kernel BTF here, using bpf/vmlinux/vmlinux.h"; \
		cp bpf/vmlinux/vmlinux.h $@; \
	fi

# Syscall name -> number table for the build architecture.
$(BUILD)/syscall_table.h: scripts/gen-syscalls.sh
	@mkdir -p $(BUILD)
	scripts/gen-syscalls.sh > $@.tmp && mv $@.tmp $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BUILD)/vmlinux.h $(wildcard bpf/*.h) $(wildcard src/*_abi.h)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/%.o: src/%.c $(GEN) $(wildcard src/*.h)
	@mkdir -p $(BUILD)/obj
	$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/warden: $(OBJS)
	$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(BUILD)/tests
	$(CC) $(CFLAGS) $(LDFLAGS) $^ -o $@ $(LDLIBS) -lcmocka

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(LIB_OBJS)
	$(CC) $(CFLAGS) -Itests/fuzz -fsanitize=fuzzer $(filter %.c %.o,$^) \
		-o $@ $(LDLIBS)

fuzz-build: $(FUZZ_BINS)

$(BUILD)/helpers/%: tests/helpers/%.c
	@mkdir -p $(BUILD)/helpers
	$(CC) -O2 -Wall $< -o $@

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

vmtest:
	tests/vm/run.sh

fuzz:
	tests/fuzz/run.sh

clean:
	rm -rf $(BUILD)
