# SPDX-License-Identifier: GPL-2.0
#
# The module inside a real kernel: build against KDIR, boot VMLINUZ in QEMU.
#
#   make check-kernel [KDIR=... VMLINUZ=... MODDIR=...]   the in-VM suite
#   make demo                                              the story, on screen

VMLINUZ ?= /boot/vmlinuz-$(KVER)
MODDIR  ?= /lib/modules/$(KVER)
VM_BINS ?=
VM_DEBUG_ARGS := slub_debug=FZPU page_poison=1
TEST_CC ?= gcc

.PHONY: vm-deps vm-module vm-tests check-kernel demo

vm-deps:
	@$(TOP)/tests/vm/deps

# Built in a copy of src/, as DKMS builds it; W=1, and any warning fails.
vm-module: vm-deps
	@rm -rf $(OUT)/mod/$(KVER) && mkdir -p $(OUT)/mod/$(KVER)
	@cp -r $(TOP)/src/. $(OUT)/mod/$(KVER)/
	@rm -f $(OUT)/mod/$(KVER)/features.h
	$(MAKE) -C $(OUT)/mod/$(KVER) KDIR=$(KDIR) W=1 2>&1 | tee $(OUT)/mod/$(KVER)/build.log
	@! grep -E 'warning:|error:' $(OUT)/mod/$(KVER)/build.log
	@test -f $(OUT)/mod/$(KVER)/mapper.ko
	@test -f $(OUT)/mod/$(KVER)/samples/mapper_sample.ko

# 6.1's kselftest_harness.h passes arguments TEST() bodies ignore, and its
# EXPECT_*() compare literals with unsigned fields: both warnings are noise here.
$(OUT)/vm/mapper_test: $(TOP)/tests/vm/mapper_test.c $(TOP)/tests/vm/vm_util.h $(TOP)/src/uapi/mapper.h \
		$(TOP)/src/uapi/mapper_sample.h
	@mkdir -p $(@D)
	$(TEST_CC) -static -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare -pthread \
		-I$$($(TOP)/tests/lib/linux-source)/tools/testing/selftests \
		-I$(TOP)/src/uapi -o $@ $<

$(OUT)/vm/mapper-demo: $(TOP)/tests/vm/demo.c
	@mkdir -p $(@D)
	$(TEST_CC) -static -O2 -Wall -Wextra -Werror -o $@ $<

vm-tests: $(OUT)/vm/mapper_test $(OUT)/vm/mapper-demo $(VM_BINS)

# VM_ARGS adds kernel command-line options; the debug allocator options are on.
check-kernel: vm-deps vm-module vm-tests
	$(TOP)/tests/vm/run --kernel $(VMLINUZ) --ko $(OUT)/mod/$(KVER)/mapper.ko \
		--extra-ko $(OUT)/mod/$(KVER)/samples/mapper_sample.ko \
		--moddir $(MODDIR) --out $(OUT)/vm/$(KVER) \
		$(foreach b,$(OUT)/vm/mapper_test $(OUT)/vm/mapper-demo $(VM_BINS),--bin $(b)) \
		--append "$(VM_DEBUG_ARGS) $(VM_ARGS)"

demo: vm-deps vm-module vm-tests
	@$(TOP)/tests/vm/run --mode demo --kernel $(VMLINUZ) --ko $(OUT)/mod/$(KVER)/mapper.ko \
		--moddir $(MODDIR) --out $(OUT)/vm/demo \
		$(foreach b,$(OUT)/vm/mapper-demo $(VM_BINS),--bin $(b)) \
		--append "quiet"

CHECK_TARGETS += check-kernel
