# SPDX-License-Identifier: GPL-2.0
#
# The module under a debug kernel: KASAN, KFENCE, DEBUG_PAGEALLOC, DEBUG_VM,
# lockdep, kmemleak, fault injection and DMA_API_DEBUG, built from Debian's
# linux-source-6.1 by tests/debug/build-kernel (cached; about 9 min the first time on 2 cores).
#
#   make debug-kernel     build (or find cached) the debug kernel
#   make check-debug      W=1 module build against it, then one VM per mode:
#                         the whole suite and the DMA tests + kmemleak (debug),
#                         fail-nth fault injection (faults), insmod/rmmod
#                         cycles (cycles), the stress tool (stress); one step
#                         of make check each (check-debug-MODE). Each VM is a
#                         q35 machine with an Intel IOMMU and QEMU's edu
#                         devices (mk/dma.mk); CONFIG_DMA_API_DEBUG reports
#                         any driver's misuse of the DMA API
#
# Longer runs: make check-debug DEBUG_CYCLES=50 DEBUG_STRESS=1800 DEBUG_SEED=7
# (DEBUG_CYCLES: rounds of 27 loads; DEBUG_STRESS: seconds, empty for none)
# Some modes only: make check-debug DEBUG_MODES=faults DEBUG_STRESS=
# A scratch copy of the module: make check-debug DEBUG_SRC=/path/to/src

DEBUG_DIR     := $(CACHE)/kernels/6.1-debug
DEBUG_ENV     := $(DEBUG_DIR)/env
DEBUG_SRC     ?= $(TOP)/src
# 512M as make check-kernel: the bad-input tests size their requests for it.
DEBUG_MEM     ?= 512M
DEBUG_TIMEOUT ?= 1800
DEBUG_CYCLES  ?=
DEBUG_SEED    ?= 1
# Which VM runs: any of debug faults cycles (stress follows DEBUG_STRESS).
DEBUG_MODES   ?= debug faults cycles
# The stress tool's VM mode, when its files are in the tree (mk/stress.mk
# builds $(OUT)/vm/mapper_stress): two minutes by default.
DEBUG_STRESS  ?= $(if $(and $(wildcard $(TOP)/tests/vm/stress.sh),$(wildcard $(TOP)/mk/stress.mk)),120,)
DEBUG_MODES_ALL = $(DEBUG_MODES) $(if $(DEBUG_STRESS),stress)
DEBUG_STEPS     = $(addprefix check-debug-,$(DEBUG_MODES_ALL))
# The debug allocator options of the kernel's command line: DEBUG_PAGEALLOC
# is built in but off unless asked; KFENCE samples every 10 ms instead of
# 100 so that a short run gets many guarded objects. No slub_debug= or
# page_poison= as make check-kernel has: KASAN's red zones, quarantine and
# shadow poisoning find all they find and more, and under TCG each costs a
# multiple of the run time.
DEBUG_KARGS     = debug_pagealloc=on kfence.sample_interval=10
DEBUG_PARAMS_cycles = $(if $(DEBUG_CYCLES),--param CYCLES=$(DEBUG_CYCLES))
DEBUG_PARAMS_stress = --param STRESS_SECONDS=$(DEBUG_STRESS) --param STRESS_SEED=$(DEBUG_SEED)

.PHONY: debug-kernel check-debug $(DEBUG_STEPS)

debug-kernel:
	@log=$$(mktemp) && trap 'rm -f $$log' EXIT && \
	if MAPPER_CACHE=$(CACHE) $(TOP)/tests/debug/build-kernel >$$log 2>&1; then \
		echo "ok - the debug kernel is there ($$(tail -n 1 $$log))"; \
	else \
		sed 's/^/#   /' $$log; echo "not ok - the debug kernel builds"; exit 1; \
	fi

# The suite itself, with the kselftest harness's per-test timeout raised from
# 30 s: the same tests, on a kernel that KASAN, lockdep and DEBUG_PAGEALLOC
# make ten times slower under TCG (the churn test alone takes minutes).
DEBUG_TEST_TIMEOUT ?= 900
$(OUT)/debug/harness/kselftest_harness.h: $(TOP)/mk/debug.mk
	@mkdir -p $(@D)
	src=$$($(TOP)/tests/lib/linux-source)/tools/testing/selftests && \
	cp $$src/kselftest.h $(@D)/ && \
	sed 's/^#define TEST_TIMEOUT_DEFAULT 30$$/#define TEST_TIMEOUT_DEFAULT $(DEBUG_TEST_TIMEOUT)/' \
		$$src/kselftest_harness.h >$@.new
	@grep -q '^#define TEST_TIMEOUT_DEFAULT $(DEBUG_TEST_TIMEOUT)$$' $@.new
	@mv $@.new $@

$(OUT)/debug/vm/mapper_test: $(TOP)/tests/vm/mapper_test.c $(TOP)/tests/vm/vm_util.h $(TOP)/src/uapi/mapper.h \
		$(OUT)/debug/harness/kselftest_harness.h
	@mkdir -p $(@D)
	$(TEST_CC) -static -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare -pthread \
		-I$(OUT)/debug/harness -I$(TOP)/src/uapi -o $@ $<

$(OUT)/debug/vm/ctl_test: $(TOP)/tests/vm/ctl_test.c $(TOP)/tests/vm/ctl_util.h $(TOP)/tests/vm/vm_util.h \
		$(TOP)/src/uapi/mapper.h $(OUT)/debug/harness/kselftest_harness.h
	@mkdir -p $(@D)
	$(TEST_CC) -static -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare \
		-Wno-format-truncation -I$(OUT)/debug/harness -I$(TOP)/src/uapi -o $@ $<

$(OUT)/vm/mapper_fault: $(TOP)/tests/debug/mapper_fault.c $(TOP)/src/uapi/mapper.h
	@mkdir -p $(@D)
	$(TEST_CC) -static -O2 -g -Wall -Wextra -Werror -I$(TOP)/src/uapi -o $@ $<

VM_BINS += $(OUT)/vm/mapper_fault

check-debug: $(DEBUG_STEPS)

# One mode: the module built against the debug kernel, then its VM.
# The suite's mapper_test and ctl_test come with the raised timeout (after
# VM_BINS' own, which they replace in the guest's /bin).
# Every mode's VM is the DMA tests' q35 machine with an Intel IOMMU and QEMU's
# edu devices (mk/dma.mk): check.sh runs the DMA tests there (debug mode),
# the faults mode maps buffers for a device. (Not pci=noacpi: without ACPI's
# host bridge windows, q35's first edu BAR is not reserved and its probe
# fails; q35's own interrupt routing methods run in time under KASAN.)
# And with the dma-buf tests' importers, vgem and vivid (mk/dmabuf.mk): the
# debug mode runs the dma-buf tests, faults injects into export, attach and
# map, stress exports among its operations.
$(DEBUG_STEPS): check-debug-%: vm-deps debug-kernel vm-tests $(OUT)/debug/vm/mapper_test \
		$(OUT)/debug/vm/ctl_test $(OUT)/debug/vm/dma_test $(OUT)/debug/vm/dmabuf_test
	@$(TOP)/tests/lib/build-module $(DEBUG_ENV) $(OUT)/debug/$* --src $(DEBUG_SRC) --name debug-$*
	@rc=0; $(call vm-run,debug-$*,$(OUT)/debug/$*,$(OUT)/debug/$*/vm,$*,\
		--file $(OUT)/debug/vm/mapper_test:/bin/mapper_test \
		--file $(OUT)/debug/vm/ctl_test:/bin/ctl_test \
		--file $(OUT)/debug/vm/dma_test:/bin/dma_test \
		--file $(OUT)/debug/vm/dmabuf_test:/bin/dmabuf_test \
		$(DMA_VM_iommu) $(DMABUF_VM) $(call dma-log,$(OUT)/debug/$*/vm) --mem $(DEBUG_MEM) \
		--timeout $(DEBUG_TIMEOUT) --append "$(DEBUG_KARGS) $(VM_ARGS)" \
		$(DEBUG_PARAMS_$*),$(DEBUG_ENV)) || rc=1; \
	$(call dma-log-check,$(OUT)/debug/$*/vm,debug-$*) || rc=1; \
	exit $$rc

CHECK_TARGETS += $(DEBUG_STEPS)
