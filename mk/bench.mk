# SPDX-License-Identifier: GPL-2.0
#
# Performance: a mapper buffer against anonymous memory and a tmpfs file.
#
#   make bench [BENCH_SIZE=1G] [BENCH_MEM=3G] [BENCH_ARGS="--reps 5"]
#   make bench ARCH=arm64 [BENCH_ARM64=6.1] [...]
#
# Boots the VM (KVM where the host has a working one, TCG otherwise: see
# tests/lib/vm) with one BENCH_SIZE buffer, runs tests/bench/mapper_bench and
# prints the table; the growth curve goes to build/bench/growth.png (gnuplot).
# With ARCH=arm64: the same in an arm64 guest (qemu-system-aarch64 -M virt
# -cpu max, mk/arm64.mk) with Debian's arm64 kernel of series BENCH_ARM64
# (arm64-SERIES of tests/kernels/prepare, e.g. 16k-6.12), mapper and
# mapper_bench cross-built for it; the results in build/bench-arm64-SERIES.
# Not part of "make check": nothing here fails because a machine is slow.

BENCH_SIZE ?= 1G
BENCH_MEM  ?= 3G
BENCH_ARGS ?=

.PHONY: bench bench-deps

bench-deps:
	@$(TOP)/tests/lib/deps bench

$(OUT)/vm/mapper_bench: $(TOP)/tests/bench/mapper_bench.c $(TOP)/tests/vm/vm_util.h \
		$(TOP)/src/uapi/mapper.h
	@mkdir -p $(@D)
	$(TEST_CC) -static -O2 -Wall -Wextra -Werror -I$(TOP)/tests/vm -I$(TOP)/src/uapi -o $@ $<

VM_BINS += $(OUT)/vm/mapper_bench

# BENCH_VM_ARGS: more tests/lib/vm options, e.g. --qemu-arg -cpu --qemu-arg
# max,pauth-impdef=on (QEMU takes the last -cpu: TCG's cheaper pointer
# authentication, see docs/performance.md).
BENCH_VM = --mem $(BENCH_MEM) --timeout $(BENCH_TIMEOUT) --param BENCH_SIZE=$(BENCH_SIZE) \
	--param "BENCH_ARGS=$(BENCH_ARGS)" --append "$(VM_ARGS)" $(BENCH_VM_ARGS)
BENCH_TIMEOUT ?= 3600
BENCH_VM_ARGS ?=

ifeq ($(ARCH),arm64)
BENCH_ARM64 ?= 6.1
BENCH_ENV   := $(CACHE)/kernels/arm64-$(BENCH_ARM64)/env
BENCH_DIR   := $(OUT)/bench-arm64-$(BENCH_ARM64)

bench: bench-deps arm64-tests
	@MAPPER_CACHE=$(CACHE) $(TOP)/tests/kernels/prepare arm64-$(BENCH_ARM64)
	@rm -rf $(BENCH_DIR) && mkdir -p $(BENCH_DIR)
	@$(TOP)/tests/lib/build-module $(BENCH_ENV) $(BENCH_DIR) --name arm64-$(BENCH_ARM64)
	@$(call vm-run,bench arm64-$(BENCH_ARM64),$(BENCH_DIR),$(BENCH_DIR)/vm,bench,$(BENCH_VM),$(BENCH_ENV),arm64)
	@$(TOP)/tests/bench/report $(BENCH_DIR)
else
bench: vm-deps bench-deps vm-tests $(KENV)
	@rm -rf $(OUT)/bench && mkdir -p $(OUT)/bench
	@$(call vm-module,$(OUT)/bench)
	@$(call vm-run,bench,$(OUT)/bench,$(OUT)/bench/vm,bench,$(BENCH_VM))
	@$(TOP)/tests/bench/report $(OUT)/bench
endif

# A 1 GiB buffer in a 2 GiB VM: maps (huge where the kernel allows), keeps its
# data through read(), fork and splits, unloads cleanly. Not in "make check"
# (it takes a minute under TCG).
.PHONY: check-big
check-big: vm-deps vm-tests $(KENV)
	@$(call vm-module,$(OUT)/big)
	@$(call vm-run,big,$(OUT)/big,$(OUT)/big/vm,big,--mem 2G --timeout 1200 \
		--append "$(VM_DEBUG_ARGS) $(VM_ARGS)")
	@grep -q '^ok .*whole_buffer_maps_and_keeps_its_data' $(OUT)/big/vm/result.log
