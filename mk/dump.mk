# SPDX-License-Identifier: GPL-2.0
#
# mapper-dump, the hex dumper for mapper buffers and files.
#
#   make utils          $(OUT)/mapper-dump (honours CFLAGS, CPPFLAGS, LDFLAGS)
#   make check-dump     host tests against hexdump -C and xxd, ASan+UBSan build
#                       (and on x86-64 a 32-bit one, for ranges past 4 GiB);
#                       --info of a fake device (tests/dump/fakeinfo.c)
#   make bench-dump     mapper-dump vs hexdump -C vs xxd on one generated file
#   make install-utils  DESTDIR/PREFIX-aware install of binary, man page, completion
#
# Build dependencies: a C compiler and libjson-c-dev (--info/--list --json).

DUMP_SRC     := $(TOP)/utils/mapper-dump.c $(TOP)/utils/dump-format.c $(TOP)/utils/common.c
DUMP_DEPS    := $(DUMP_SRC) $(TOP)/utils/dump-format.h $(TOP)/utils/common.h $(TOP)/src/uapi/mapper.h \
		$(TOP)/src/version.h
# What the user tools share (mapperctl too, mk/ctl.mk). -iquote: src/ has
# headers (features.h) that must not shadow the C library's.
UTILS_INC    := -iquote $(TOP)/src -iquote $(TOP)/utils
UTILS_LIBS   := -ljson-c -lm
UTILS_WARN   := -Wall -Wextra
UTILS_SAN    := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# The test builds only: MAPPER_SYSROOT (utils/common.c) moves every /sys,
# /dev and /etc path into a fake tree. Installed tools never honour it.
UTILS_TEST   := -DMAPPER_TEST_HOOKS
# gcc -m32 (gcc-12-multilib, asm headers linked below) on x86-64; json-c stubbed, see tests/dump/json-stub.c.
DUMP32       := $(if $(filter x86_64,$(shell uname -m)),$(OUT)/test/mapper-dump32)

PREFIX       ?= /usr
BINDIR       ?= $(PREFIX)/bin
MANDIR       ?= $(PREFIX)/share/man
BASHCOMPDIR  ?= $(PREFIX)/share/bash-completion/completions

.PHONY: utils check-dump check-dump-deps bench-dump install-utils

all: utils
utils: $(OUT)/mapper-dump

# Defaults first, so that CFLAGS from the environment (dpkg-buildflags) win.
$(OUT)/mapper-dump: $(DUMP_DEPS)
	@mkdir -p $(@D)
	$(CC) -O2 $(UTILS_WARN) $(CFLAGS) $(UTILS_INC) $(CPPFLAGS) -o $@ $(DUMP_SRC) \
		$(LDFLAGS) $(UTILS_LIBS)

# For the VM's busybox initramfs: no shared libraries there.
$(OUT)/vm/mapper-dump: $(DUMP_DEPS)
	@mkdir -p $(@D)
	$(CC) -O2 $(UTILS_WARN) -static $(UTILS_INC) -o $@ $(DUMP_SRC) $(UTILS_LIBS)

$(OUT)/test/mapper-dump: $(DUMP_DEPS)
	@mkdir -p $(@D)
	$(CC) -O1 -g $(UTILS_WARN) -Werror $(UTILS_SAN) $(UTILS_TEST) $(UTILS_INC) -o $@ $(DUMP_SRC) \
		$(UTILS_LIBS)

# -O2: it dumps 4 GiB, 3-4 times faster than at -O1 under ASan. The
# kernel's x86 uapi <asm/...> serve 32 and 64 bits alike; gcc-multilib would
# link them as /usr/include/asm, but it conflicts with the arm64 cross
# compiler (tests/lib/deps.list), so the build links them itself.
$(OUT)/test/mapper-dump32: $(DUMP_DEPS) $(TOP)/tests/dump/json-stub.c
	@mkdir -p $(@D)/inc32
	@ln -sfn /usr/include/$$($(CC) -print-multiarch)/asm $(@D)/inc32/asm
	$(CC) -m32 -O2 -g $(UTILS_WARN) -Werror $(UTILS_SAN) $(UTILS_TEST) $(UTILS_INC) -idirafter $(@D)/inc32 \
		-o $@ $(DUMP_SRC) $(TOP)/tests/dump/json-stub.c -lm

# MAPPER_IOC_INFO of a fake device, preloaded into the --info tests (tests/dump/info.t).
$(OUT)/test/fakeinfo.so: $(TOP)/tests/dump/fakeinfo.c $(TOP)/src/uapi/mapper.h
	@mkdir -p $(@D)
	$(CC) -O1 -g $(UTILS_WARN) -Werror -shared -fPIC $(UTILS_INC) -o $@ $< -ldl

# Installs what the tests compare against or need, when it is missing.
check-dump-deps:
	@$(TOP)/tests/lib/deps dump

check-dump: check-dump-deps
	@$(MAKE) --no-print-directory $(OUT)/test/mapper-dump $(DUMP32) $(OUT)/test/fakeinfo.so
	@cd $(TOP) && rc=0 && for t in tests/dump/*.t; do echo "# $$t"; \
		MAPPER_DUMP=$(OUT)/test/mapper-dump MAPPER_DUMP32=$(DUMP32) MAPPER_CC='$(CC)' \
		FAKEINFO=$(OUT)/test/fakeinfo.so \
		ASAN_OPTIONS=detect_leaks=0 UBSAN_OPTIONS=print_stacktrace=1 \
		perl $$t || rc=1; done; exit $$rc

bench-dump: check-dump-deps $(OUT)/mapper-dump
	$(TOP)/tests/dump/bench.sh $(OUT)/mapper-dump $(CACHE)/bench

install-utils: $(OUT)/mapper-dump
	$(INSTALL) -D -m 0755 $(OUT)/mapper-dump "$(DESTDIR)$(BINDIR)/mapper-dump"
	$(INSTALL) -D -m 0644 $(TOP)/man/mapper-dump.1 "$(DESTDIR)$(MANDIR)/man1/mapper-dump.1"
	$(INSTALL) -D -m 0644 $(TOP)/utils/mapper-dump.bash-completion \
		"$(DESTDIR)$(BASHCOMPDIR)/mapper-dump"

CHECK_TARGETS += check-dump
VM_BINS += $(OUT)/vm/mapper-dump
