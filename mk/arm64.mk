# SPDX-License-Identifier: GPL-2.0
#
# arm64, the embedded developer's machine: Debian's arm64 kernels, mapper
# cross-built for them (W=1, warnings fail) and booted under
# qemu-system-aarch64 -M virt -cpu max (TCG here; KVM on an arm64 host).
#
#   make check-matrix-arm64-6.1    bookworm's arm64 kernel (also -6.12: trixie,
#                                  -7.x: sid, -16k-6.12: trixie's 16 KiB
#                                  pages): prepared (tests/kernels/prepare
#                                  arm64-SERIES), built, and the in-VM suite
#                                  booted plain and with the debug allocator
#                                  options (KFENCE where the kernel has it),
#                                  with vgem and vivid (mk/dmabuf.mk), the
#                                  debug VM with edu behind an SMMUv3 (the
#                                  DMA tests, mk/dma.mk; not cache-coherent
#                                  but on 6.12, ARM64_NONCOHERENT); one step
#                                  of make check each
#   make check-matrix-arm64        every series of ARM64_MATRIX
#   make check-dma-arm64           the DMA tests alone (tests/vm/dma.sh) on 6.1,
#                                  two edu behind -M virt,iommu=smmuv3, not
#                                  cache-coherent (ARM64_COHERENT=1: coherent)
#   make arm64-tests               the test programs of VM_BINS, static
#                                  aarch64 binaries in $(OUT)/arm64/vm
#
# The test programs are built by the rules that build them for x86-64, in a
# make of their own with OUT=$(OUT)/arm64 and the cross compiler; json-c
# (mapper-dump, mapperctl) and busybox come from bookworm's arm64 packages,
# unpacked (tests/kernels/prepare arm64-sysroot).

ARM64_MATRIX     ?= 6.1 6.12 7.x 16k-6.12
ARM64_CC         ?= aarch64-linux-gnu-gcc
ARM64_SYSROOT    := $(CACHE)/kernels/arm64-sysroot/root
VM_BUSYBOX_arm64 := $(ARM64_SYSROOT)/bin/busybox
ARM64_STEPS      := $(addprefix check-matrix-arm64-,$(ARM64_MATRIX))
# 16k-6.12: Debian's arm64-16k flavour (16 KiB pages; trixie), the one page
# size besides 4 KiB that the tests run on (it found mapper's 2 MiB chunks
# never mapping huge there).
ARM64_EXTRA      :=

.PHONY: arm64-deps arm64-sysroot arm64-tests check-matrix-arm64 $(ARM64_STEPS) $(ARM64_EXTRA) \
	fresh-check-matrix-arm64 check-dma-arm64

arm64-deps: vm-deps
	@$(TOP)/tests/lib/deps arm64

arm64-sysroot: arm64-deps
	@MAPPER_CACHE=$(CACHE) $(TOP)/tests/kernels/prepare arm64-sysroot

# The kselftest harness's per-test timeout raised from 30 s, as for the debug
# kernel (mk/debug.mk's rule): TCG runs an aarch64 guest several times
# slower than an x86-64 one (the churn test takes over 30 s there).
ARM64_TEST_TIMEOUT ?= 300
ARM64_MAKE = $(MAKE) --no-print-directory OUT=$(OUT)/arm64 TEST_CC=$(ARM64_CC) \
	CC='$(ARM64_CC) -isystem $(ARM64_SYSROOT)/usr/include -L$(ARM64_SYSROOT)/usr/lib/aarch64-linux-gnu' \
	DEBUG_TEST_TIMEOUT=$(ARM64_TEST_TIMEOUT) \
	KSELFTEST_CFLAGS='-Wno-unused-parameter -Wno-sign-compare -I$(OUT)/arm64/debug/harness'

# In that make (OUT is $(OUT)/arm64 there): the kselftest programs follow the
# harness's timeout.
$(addprefix $(OUT)/vm/,mapper_test ctl_test numa_test dma_test dmabuf_test): \
	$(if $(filter %/arm64,$(OUT)),$(OUT)/debug/harness/kselftest_harness.h)

arm64-tests: arm64-sysroot
	@$(ARM64_MAKE) $(OUT)/arm64/debug/harness/kselftest_harness.h
	@$(ARM64_MAKE) vm-tests

# QEMU's edu on -M virt: behind an SMMUv3 (virt's RAM starts at 1 GiB,
# beyond edu's 28-bit DMA mask, so without an IOMMU it reaches nothing).
ARM64_DMA_VM = --machine virt,iommu=smmuv3 --append 'cma=32M' $(DMA_EDUS) --param DMA_MODE=iommu

# Coherent or not: virt's device tree says its PCI host is dma-coherent, as
# servers are; most arm64 boards' devices do not snoop the caches, and the
# DMA layer then cleans and invalidates them for every mapping and sync.
# The debug VMs of ARM64_NONCOHERENT boot a device tree without that
# property (tests/lib/vm --dtb-delete), the others virt's own; dma_test
# checks which bytes of RAM were maintained, or that none were.
ARM64_NONCOHERENT ?= 6.1 7.x 16k-6.12
ARM64_COHERENCE_0 := --dtb-delete /pcie@10000000:dma-coherent --param DMA_COHERENT=0
ARM64_COHERENCE_1 := --param DMA_COHERENT=1
# $(call arm64-coherence,SERIES): that series' options.
arm64-coherence = $(ARM64_COHERENCE_$(if $(filter $(1),$(ARM64_NONCOHERENT)),0,1))

# The DMA tests alone on arm64 6.1 (tests/vm/dma.sh), behind the SMMUv3;
# ARM64_COHERENT=1 with virt's coherent PCI host.
ARM64_COHERENT ?= 0
$(if $(filter-out 0 1,$(ARM64_COHERENT)),$(error ARM64_COHERENT is 0 or 1, not '$(ARM64_COHERENT)'))
check-dma-arm64: arm64-tests
	@MAPPER_CACHE=$(CACHE) $(TOP)/tests/kernels/prepare arm64-6.1
	@$(TOP)/tests/lib/build-module $(CACHE)/kernels/arm64-6.1/env $(OUT)/dma-arm64 --name arm64-6.1
	@rm -rf $(OUT)/dma-arm64/vm && mkdir -p $(OUT)/dma-arm64/vm && rc=0; \
	$(call vm-run,dma arm64,$(OUT)/dma-arm64,$(OUT)/dma-arm64/vm,dma,$(ARM64_DMA_VM) \
		$(ARM64_COHERENCE_$(ARM64_COHERENT)) \
		$(call dma-log,$(OUT)/dma-arm64/vm),$(CACHE)/kernels/arm64-6.1/env,arm64) || rc=1; \
	$(call dma-log-check,$(OUT)/dma-arm64/vm,dma arm64) || rc=1; exit $$rc

# Made once before the steps run side by side (the Makefile's check-prepare):
# two arm64 steps must not build $(OUT)/arm64/vm at the same time.
check-prepare: arm64-tests

check-matrix-arm64: $(ARM64_STEPS)

# As mk/matrix.mk's series, on -M virt: the plain VM without an IOMMU and
# without edu (nothing it could reach), the debug VM with two edu behind an
# SMMUv3 (ARM64_DMA_VM), where check.sh runs the DMA tests.
define arm64-series
	d=$(OUT)/matrix/arm64-$(1) env=$(CACHE)/kernels/arm64-$(1)/env; rm -rf $$d; mkdir -p $$d; \
	if MAPPER_CACHE=$(CACHE) $(TOP)/tests/kernels/prepare arm64-$(1) >$$d/prepare.log 2>&1; then \
		echo "ok - arm64-$(1): Debian's kernel prepared ($$(. $$env && echo $$KVER))"; \
	else \
		echo "not ok - arm64-$(1): Debian's kernel prepared ($$d/prepare.log)"; \
		tail -n 20 $$d/prepare.log | sed 's/^/#   /'; exit 1; \
	fi; \
	$(TOP)/tests/lib/build-module $$env $$d --name arm64-$(1) || exit 1; \
	kfence=$$(. $$env && [ "$$KFENCE" = 1 ] && echo kfence.sample_interval=10); rc=0; \
	$(call vm-run,arm64-$(1) plain,$$d,$$d/plain,check,$(DMABUF_VM),$$env,arm64) || rc=1; \
	$(call vm-run,arm64-$(1) debug,$$d,$$d/debug,check,$(DMABUF_VM) $(ARM64_DMA_VM) \
		$(call arm64-coherence,$(1)) $(call dma-log,$$d/debug) \
		--append "$(VM_DEBUG_ARGS) $$kfence",$$env,arm64) || rc=1; \
	$(call dma-log-check,$$d/debug,arm64-$(1) debug) || rc=1; \
	exit $$rc
endef

$(ARM64_STEPS) $(ARM64_EXTRA): check-matrix-arm64-%: arm64-tests
	@$(call arm64-series,$*)

# check-fresh's subject (mk/fresh.mk): the first series (the dpkg -x kind)
# prepared, mapper and the test programs built for it.
fresh-check-matrix-arm64: arm64-tests
	MAPPER_CACHE=$(CACHE) $(TOP)/tests/kernels/prepare arm64-6.1
	$(TOP)/tests/lib/build-module $(CACHE)/kernels/arm64-6.1/env $(OUT)/matrix/arm64-6.1

CHECK_TARGETS += $(ARM64_STEPS)
