# SPDX-License-Identifier: GPL-2.0
#
# Buffers for devices, proven with a real DMA engine: QEMU's edu device
# (PCI 1234:11e8, 28-bit DMA) driven by samples/mapper_edu.ko through
# mapper's DMA API; tests/vm/dma.sh runs tests/vm/dma_test.c.
#
#   make check-dma    the default kernel (KENV) booted twice with -device edu:
#                     soft:  a pc machine, swiotlb there (iommu=soft) but not
#                            forced, its pool below edu's 256 MiB and RAM above
#                            it: a plain buffer bounces (and needs
#                            MAPPER_IOC_SYNC), one for the device does not
#                     iommu: q35 with an Intel IOMMU: a scattered buffer is
#                            one DMA segment
#                     and in each, QEMU's log of the guest's device errors
#                     (-d guest_errors) has no edu line (a clamped address)
#
# DMA_VM_soft and DMA_VM_iommu are those machines as tests/lib/vm options;
# the matrix (mk/matrix.mk: plain VMs soft, debug VMs iommu) and the debug
# kernel's VMs (mk/debug.mk: iommu) boot that way too, and check.sh runs
# dma.sh where it finds the device.

# A 512M pc machine puts its 64 MiB swiotlb pool at its top, beyond edu's
# reach: bouncing for edu then fails in the DMA layer with a WARN. Reserved
# holes cut the RAM above 256 MiB into pieces smaller than the pool, so that
# memblock puts it below (dma_test checks where it went); the 20 MiB of
# holes are all the RAM they cost.
DMA_MEM   := 512M
DMA_HOLES := memmap=4M$$256M memmap=4M$$316M memmap=4M$$376M memmap=4M$$436M memmap=4M$$496M
# Two edu devices: two drivers mapping one buffer. cma=32M: a CMA area, which
# the kernels that let modules use it (/sys/class/mapper/cma) give contiguous
# buffers from; the others ignore it.
DMA_EDUS     := --qemu-arg -device --qemu-arg edu --qemu-arg -device --qemu-arg edu
DMA_VM_soft  := --mem $(DMA_MEM) --append 'iommu=soft $(DMA_HOLES) cma=32M' \
	$(DMA_EDUS) --param DMA_MODE=soft
# Interrupt remapping needs a split irqchip, which TCG has not: off.
DMA_VM_iommu := --mem $(DMA_MEM) --machine q35 --append 'intel_iommu=on cma=32M' \
	--qemu-arg -device --qemu-arg intel-iommu,intremap=off $(DMA_EDUS) --param DMA_MODE=iommu

# $(call dma-log,OUT-DIR): QEMU's log of guest errors there (tests/lib/vm options).
dma-log = --qemu-arg -d --qemu-arg guest_errors --qemu-arg -D --qemu-arg $(1)/qemu.log
# $(call dma-log-check,OUT-DIR,NAME): one TAP line on that log.
define dma-log-check
	if grep -q 'EDU:' $(1)/qemu.log 2>/dev/null; then \
		echo "not ok - $(2): QEMU's edu saw only addresses within its DMA mask ($(1)/qemu.log)"; \
		grep -m 5 'EDU:' $(1)/qemu.log | sed 's/^/#   /'; false; \
	else \
		echo "ok - $(2): QEMU's edu saw only addresses within its DMA mask"; \
	fi
endef

$(OUT)/vm/dma_test: $(TOP)/tests/vm/dma_test.c $(TOP)/tests/vm/ctl_util.h $(TOP)/tests/vm/maint_util.h $(TOP)/tests/vm/vm_util.h \
		$(TOP)/src/uapi/mapper.h
	@mkdir -p $(@D)
	$(TEST_CC) -static -O2 -g -Wall -Wextra -Werror -Wno-format-truncation $(KSELFTEST_CFLAGS) \
		-I$(TOP)/src/uapi -o $@ $<

VM_BINS += $(OUT)/vm/dma_test

# The debug kernel's (mk/debug.mk): the kselftest timeout raised as for its suite.
$(OUT)/debug/vm/dma_test: $(TOP)/tests/vm/dma_test.c $(TOP)/tests/vm/ctl_util.h $(TOP)/tests/vm/maint_util.h $(TOP)/tests/vm/vm_util.h \
		$(TOP)/src/uapi/mapper.h $(OUT)/debug/harness/kselftest_harness.h
	@mkdir -p $(@D)
	$(TEST_CC) -static -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare \
		-Wno-format-truncation -I$(OUT)/debug/harness -I$(TOP)/src/uapi -o $@ $<

# Made once before the steps run side by side (the Makefile's check-prepare).
check-prepare: $(OUT)/debug/vm/dma_test

.PHONY: check-dma fresh-check-dma

# $(call dma-vm,MODE,MODULE-DIR,OUT-DIR,VM-MODE,more options[,KERNEL-ENV]): one VM of
# DMA_VM_MODE, then its QEMU log.
define dma-vm
	rm -rf $(3) && mkdir -p $(3) && rc=0; \
	$(call vm-run,$(1),$(2),$(3),$(4),$(DMA_VM_$(lastword $(1))) $(call dma-log,$(3)) $(5),$(6)) || rc=1; \
	$(call dma-log-check,$(3),$(1)) || rc=1; \
	[ $$rc = 0 ]
endef

check-dma: vm-deps vm-tests $(KENV)
	@$(call vm-module,$(OUT)/dma)
	@rc=0; \
	( $(call dma-vm,dma soft,$(OUT)/dma,$(OUT)/dma/soft,dma,--append "$(VM_DEBUG_ARGS) $(VM_ARGS)") ) || rc=1; \
	( $(call dma-vm,dma iommu,$(OUT)/dma,$(OUT)/dma/iommu,dma,--append "$(VM_DEBUG_ARGS) $(VM_ARGS)") ) || rc=1; \
	exit $$rc

# check-fresh's subject (mk/fresh.mk): the prerequisites.
fresh-check-dma: vm-deps vm-tests $(KENV)
	$(call vm-module,$(OUT)/dma)

CHECK_TARGETS += check-dma
