# SPDX-License-Identifier: GPL-2.0
#
# The module under a debug kernel: KASAN, KFENCE, DEBUG_PAGEALLOC, DEBUG_VM,
# lockdep, kmemleak and fault injection, built from Debian's linux-source-6.1
# by tests/debug/build-kernel (cached; about 25 min the first time on 2 cores).
#
#   make debug-kernel     build (or find cached) the debug kernel
#   make check-debug      W=1 module build against it, then in the VM: the
#                         whole suite + kmemleak, fail-nth fault injection,
#                         insmod/rmmod cycles, and the stress tool if present
#
# Longer runs: make check-debug DEBUG_CYCLES=50 DEBUG_STRESS=1800 DEBUG_SEED=7
# (DEBUG_CYCLES: rounds of 22 loads; DEBUG_STRESS: seconds, empty for none)
# Some modes only: make check-debug DEBUG_MODES=faults DEBUG_STRESS=
# A scratch copy of the module: make check-debug DEBUG_SRC=/path/to/src

DEBUG_DIR     := $(CACHE)/kernels/6.1-debug
DEBUG_ENV     := $(DEBUG_DIR)/env
DEBUG_SRC     ?= $(TOP)/src
DEBUG_MOD     := $(OUT)/debug/mod
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
DEBUG_BINS     = $(sort $(OUT)/debug/vm/mapper_test $(OUT)/vm/mapper_fault \
		 $(filter-out $(OUT)/vm/mapper_test,$(VM_BINS)) \
		 $(if $(DEBUG_STRESS),$(OUT)/vm/mapper_stress))

.PHONY: debug-kernel debug-module check-debug

debug-kernel:
	MAPPER_CACHE=$(CACHE) $(TOP)/tests/debug/build-kernel

# As vm-module: a copy of the source, as DKMS builds it (cleaned: objects
# built for another kernel may have come along); W=1, any compiler or modpost
# warning fails.
debug-module: debug-kernel
	@rm -rf $(DEBUG_MOD) && mkdir -p $(DEBUG_MOD)
	@cp -r $(DEBUG_SRC)/. $(DEBUG_MOD)/
	@. $(DEBUG_ENV) && $(MAKE) -s -C $(DEBUG_MOD) KDIR=$$KDIR clean >/dev/null
	. $(DEBUG_ENV) && $(MAKE) -C $(DEBUG_MOD) KDIR=$$KDIR W=1 2>&1 | tee $(DEBUG_MOD)/build.log
	@! grep -E 'warning:|error:|WARNING:' $(DEBUG_MOD)/build.log
	@test -f $(DEBUG_MOD)/mapper.ko
	@test -f $(DEBUG_MOD)/samples/mapper_sample.ko

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

$(OUT)/vm/mapper_fault: $(TOP)/tests/debug/mapper_fault.c $(TOP)/src/uapi/mapper.h
	@mkdir -p $(@D)
	$(TEST_CC) -static -O2 -g -Wall -Wextra -Werror -I$(TOP)/src/uapi -o $@ $<

# vm-tests builds $(VM_BINS): mk/vm.mk comes after this file and after every
# file adding to VM_BINS, which a prerequisite list here would not see.
check-debug: vm-deps debug-module vm-tests $(OUT)/vm/mapper_fault $(OUT)/debug/vm/mapper_test \
		$(if $(DEBUG_STRESS),$(OUT)/vm/mapper_stress)
	$(TOP)/tests/debug/check --env $(DEBUG_ENV) --ko $(DEBUG_MOD)/mapper.ko \
		--sample $(DEBUG_MOD)/samples/mapper_sample.ko --out $(OUT)/debug/vm \
		$(foreach b,$(DEBUG_BINS),--bin $(b)) --mem $(DEBUG_MEM) \
		--timeout $(DEBUG_TIMEOUT) --modes "$(DEBUG_MODES)" \
		$(if $(DEBUG_CYCLES),--cycles $(DEBUG_CYCLES)) \
		$(if $(DEBUG_STRESS),--stress $(DEBUG_STRESS) --seed $(DEBUG_SEED))

CHECK_TARGETS += check-debug
