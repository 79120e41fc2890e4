# SPDX-License-Identifier: GPL-2.0
#
# The module inside a real kernel: build against KDIR, boot VMLINUZ in QEMU.
#
#   make check-kernel [KDIR=... VMLINUZ=... MODDIR=...]   the in-VM suite
#   make demo                                              the story, on screen
#
# Every VM boots through tests/lib/vm; every module build is
# tests/lib/build-module. A VM mode is a script tests/vm/MODE.sh that the
# guest runs (as /MODE.sh), with the test programs of VM_BINS in /bin, the
# tests/vm/*.t in /tests, and mapper.ko, mapper_sample.ko and (where the
# kernel has PCI) mapper_edu.ko in /lib/modules.

VM_BINS ?=
VM_DEBUG_ARGS := slub_debug=FZPU page_poison=1
TEST_CC ?= gcc

.PHONY: vm-deps vm-tests check-kernel demo FORCE

vm-deps:
	@$(TOP)/tests/lib/deps vm

# The kernel of check-kernel, demo, stress, bench and check-real (KENV, in
# the Makefile), described as tests/kernels/prepare describes Debian's series.
$(KENV): FORCE
	@mkdir -p $(@D)
	@$(TOP)/tests/lib/kernel-env $(KDIR) $(VMLINUZ) $(MODDIR) >$@.$$$$ && mv $@.$$$$ $@

# $(call vm-module,DIR): mapper built against $(KENV) in DIR (DIR/mod/*.ko).
vm-module = $(TOP)/tests/lib/build-module $(KENV) $(1)

# 6.1's kselftest_harness.h passes arguments TEST() bodies ignore, and its
# EXPECT_*() compare literals with unsigned fields: both warnings are noise here.
KSELFTEST_CFLAGS = -Wno-unused-parameter -Wno-sign-compare \
	-I$$($(TOP)/tests/lib/linux-source)/tools/testing/selftests
$(OUT)/vm/mapper_test: $(TOP)/tests/vm/mapper_test.c $(TOP)/tests/vm/vm_util.h $(TOP)/src/uapi/mapper.h \
		$(TOP)/src/uapi/mapper_sample.h
	@mkdir -p $(@D)
	$(TEST_CC) -static -O2 -g -Wall -Wextra -Werror $(KSELFTEST_CFLAGS) -pthread \
		-I$(TOP)/src/uapi -o $@ $<

# Buffers on demand (configfs, mapperctl, parameter lists, memcg), and their
# NUMA placement (run by check-numa, mk/numa.mk): the same harness.
$(OUT)/vm/ctl_test $(OUT)/vm/numa_test: $(OUT)/vm/%: $(TOP)/tests/vm/%.c $(TOP)/tests/vm/ctl_util.h \
		$(TOP)/tests/vm/vm_util.h $(TOP)/src/uapi/mapper.h
	@mkdir -p $(@D)
	$(TEST_CC) -static -O2 -g -Wall -Wextra -Werror -Wno-format-truncation $(KSELFTEST_CFLAGS) \
		-I$(TOP)/src/uapi -o $@ $<

$(OUT)/vm/mapper-demo: $(TOP)/tests/vm/demo.c
	@mkdir -p $(@D)
	$(TEST_CC) -static -O2 -Wall -Wextra -Werror -o $@ $<

VM_BINS += $(OUT)/vm/mapper_test $(OUT)/vm/mapper-demo $(OUT)/vm/ctl_test $(OUT)/vm/numa_test

# $(call vm-run,NAME,MODULE-DIR,OUT-DIR,MODE,tests/lib/vm options[,KERNEL-ENV[,ARCH]])
# ARCH (arm64): a guest of that architecture, with its busybox and the test
# programs of VM_BINS built for it in $(OUT)/ARCH/vm (mk/arm64.mk).
VM_FILES = $(foreach b,$(VM_BINS),--file $(b)) \
	$(foreach t,$(wildcard $(TOP)/tests/vm/*.t),--file $(t):/tests/$(notdir $(t))) \
	$(foreach s,$(wildcard $(TOP)/tests/vm/*.sh),--file $(s):/$(notdir $(s)))
vm-files = $(if $(1),$(subst --file $(OUT)/vm/,--file $(OUT)/$(1)/vm/,$(VM_FILES)),$(VM_FILES))
define vm-run
	$(TOP)/tests/lib/vm --name '$(1)' --env $(if $(6),$(6),$(KENV)) --out $(3) \
		$(if $(7),--arch $(7) --busybox $(VM_BUSYBOX_$(7))) \
		--file $(2)/mod/mapper.ko:/lib/modules/mapper.ko \
		--file $(2)/mod/samples/mapper_sample.ko:/lib/modules/mapper_sample.ko \
		$$([ -f $(2)/mod/samples/mapper_edu.ko ] && \
			echo --file $(2)/mod/samples/mapper_edu.ko:/lib/modules/mapper_edu.ko) \
		--module configfs --module 'brd rd_nr=1 rd_size=1024' $(call vm-files,$(7)) $(5) -- sh /$(4).sh
endef

# vm-tests builds $(VM_BINS): it is read after every mk/*.mk adding to it.
vm-tests: $(VM_BINS)

# VM_ARGS adds kernel command-line options; the debug allocator options are on.
check-kernel: vm-deps vm-tests $(KENV)
	@$(call vm-module,$(OUT)/kernel)
	@$(call vm-run,$(KVER),$(OUT)/kernel,$(OUT)/kernel/vm,check,--append "$(VM_DEBUG_ARGS) $(VM_ARGS)")

demo: vm-deps vm-tests $(KENV)
	@$(call vm-module,$(OUT)/demo)
	@$(call vm-run,demo,$(OUT)/demo,$(OUT)/demo/vm,demo,--raw --append "quiet $(VM_ARGS)")

CHECK_TARGETS += check-kernel
