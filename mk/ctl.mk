# SPDX-License-Identifier: GPL-2.0
#
# mapperctl: creates, removes and lists buffers, applies /etc/mapper.conf.
#
#   make utils          $(OUT)/mapperctl too (honours CFLAGS, CPPFLAGS, LDFLAGS;
#                       LDFLAGS=-static builds it for an initramfs)
#   make check-ctl      host tests against a fake /sys and /dev (MAPPER_SYSROOT,
#                       tests/ctl/fakekernel.c, which also hands out memfds as
#                       dma-bufs for export), ASan+UBSan build with the test
#                       hooks (UTILS_TEST); the static build
#   make install-utils  mapperctl to $(SBINDIR), mapperctl(8), mapper.conf(5),
#                       bash completion
#
# Build dependencies: a C compiler and libjson-c-dev (list --json). The
# variables UTILS_* are mapper-dump's (mk/dump.mk).

CTL_SRC   := $(TOP)/utils/mapperctl.c $(TOP)/utils/common.c
CTL_DEPS  := $(CTL_SRC) $(TOP)/utils/common.h $(TOP)/src/version.h $(TOP)/src/uapi/mapper.h
SBINDIR   ?= $(PREFIX)/sbin

.PHONY: check-ctl check-ctl-deps install-ctl

utils: $(OUT)/mapperctl

# Defaults first, so that CFLAGS from the environment (dpkg-buildflags) win.
$(OUT)/mapperctl: $(CTL_DEPS)
	@mkdir -p $(@D)
	$(CC) -O2 $(UTILS_WARN) $(CFLAGS) $(UTILS_INC) $(CPPFLAGS) -o $@ $(CTL_SRC) \
		$(LDFLAGS) $(UTILS_LIBS)

# For the VM's busybox initramfs (/bin/mapperctl): no shared libraries there.
$(OUT)/vm/mapperctl: $(CTL_DEPS)
	@mkdir -p $(@D)
	$(CC) -O2 $(UTILS_WARN) -Werror -static $(UTILS_INC) -o $@ $(CTL_SRC) $(UTILS_LIBS)

$(OUT)/test/mapperctl: $(CTL_DEPS)
	@mkdir -p $(@D)
	$(CC) -O1 -g $(UTILS_WARN) -Werror $(UTILS_SAN) $(UTILS_TEST) $(UTILS_INC) -o $@ $(CTL_SRC) \
		$(UTILS_LIBS)

# The module's side of configfs, sysfs and MAPPER_IOC_EXPORT_DMABUF, preloaded
# into the tests' runs.
$(OUT)/test/fakekernel.so: $(TOP)/tests/ctl/fakekernel.c $(TOP)/src/uapi/mapper.h
	@mkdir -p $(@D)
	$(CC) -O1 -g $(UTILS_WARN) -Werror -shared -fPIC $(UTILS_INC) -o $@ $< -ldl

check-ctl-deps:
	@$(TOP)/tests/lib/deps ctl

# ASan comes after the preloaded fake (verify_asan_link_order=0); leaks
# are errors. build.t builds "make utils" again, statically, in its own OUT.
check-ctl: check-ctl-deps
	@$(MAKE) --no-print-directory $(OUT)/test/mapperctl $(OUT)/test/fakekernel.so
	@cd $(TOP) && rc=0 && for t in tests/ctl/*.t; do echo "# $$t"; \
		MAPPERCTL=$(OUT)/test/mapperctl FAKEKERNEL=$(OUT)/test/fakekernel.so \
		MAPPER_CC='$(CC)' MAKE='$(MAKE)' \
		ASAN_OPTIONS=verify_asan_link_order=0 \
		UBSAN_OPTIONS=print_stacktrace=1 perl $$t || rc=1; done; exit $$rc

install-utils: install-ctl

install-ctl: $(OUT)/mapperctl
	$(INSTALL) -D -m 0755 $(OUT)/mapperctl "$(DESTDIR)$(SBINDIR)/mapperctl"
	$(INSTALL) -D -m 0644 $(TOP)/man/mapperctl.8 "$(DESTDIR)$(MANDIR)/man8/mapperctl.8"
	$(INSTALL) -D -m 0644 $(TOP)/man/mapper.conf.5 "$(DESTDIR)$(MANDIR)/man5/mapper.conf.5"
	$(INSTALL) -D -m 0644 $(TOP)/utils/mapperctl.bash-completion \
		"$(DESTDIR)$(BASHCOMPDIR)/mapperctl"

CHECK_TARGETS += check-ctl
VM_BINS += $(OUT)/vm/mapperctl
