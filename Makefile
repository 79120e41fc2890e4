# SPDX-License-Identifier: GPL-2.0
#
# mapper: the one entry point.
#
#   make demo          boot a VM and show the core story (first command to try)
#   make check         everything the project is tested by (the README's test command):
#                      every step of CHECK_TARGETS under prove (make check-STEP runs one)
#   make               the module for the running kernel's headers, and the user tools
#   make module KDIR=/lib/modules/<version>/build
#
# Each concern adds its targets from mk/*.mk; all of them share the variables below.

TOP    := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
CACHE  ?= $(HOME)/.cache/mapper
OUT    ?= $(TOP)/build

# Debian's bookworm kernel is the default target; KDIR/VMLINUZ point anywhere else.
KVER   ?= $(shell ls -1 /lib/modules 2>/dev/null | grep -E '^6\.1\.0-[0-9]+-amd64$$' | sort -V | tail -n 1)
KDIR   ?= /lib/modules/$(KVER)/build
VMLINUZ ?= /boot/vmlinuz-$(KVER)
MODDIR  ?= /lib/modules/$(KVER)
# That kernel described for the VM steps (mk/vm.mk makes it); here, as every
# mk/*.mk names it among prerequisites.
KENV   := $(OUT)/kernel.env

# Each mk/*.mk adds its steps of make check to CHECK_TARGETS.
CHECK_TARGETS :=
# Steps run side by side (prove -j): each has its own directory under
# $(OUT), the shared test programs are built before.
CHECK_JOBS    ?= 2
PROVE_FLAGS   ?= --timer --failures

.PHONY: all module clean check check-prepare
all: module

module:
	$(MAKE) -C $(TOP)/src KDIR=$(KDIR)

-include $(sort $(wildcard $(TOP)/mk/*.mk))

# Longest first (as measured cold, docs/check-times.md), so that the last to
# start are short; the other debug modes come after the first has built the
# debug kernel (they would wait for it).
CHECK_FIRST  = check-debug-debug check-fresh check-matrix-arm64-7.x check-packages \
	check-matrix-arm64-6.12 check-matrix-6.12 check-matrix-arm64-6.1 \
	check-matrix-7.x check-matrix-7.3-rc check-debug-faults
CHECK_STEPS  = $(filter $(CHECK_TARGETS),$(CHECK_FIRST)) \
	$(filter-out $(CHECK_FIRST),$(CHECK_TARGETS))

# make check: every step (one make target each) under prove, whose summary
# is the verdict; tests/lib/step turns a target's output into TAP and keeps
# it in $(OUT)/steps/TARGET.tap; tests/lib/times makes the table of
# $(OUT)/steps/summary.md (docs/check-times.md) from them.
check: check-prepare
	@rm -rf $(OUT)/steps
	@cd $(TOP) && OUT=$(OUT) prove $(PROVE_FLAGS) -j$(CHECK_JOBS) -e $(TOP)/tests/lib/step \
		$(CHECK_STEPS); rc=$$?; \
	$(TOP)/tests/lib/times $(OUT)/steps >$(OUT)/steps/summary.md; exit $$rc

# What the steps share, made once before they run side by side.
check-prepare:
	@$(TOP)/tests/lib/deps vm kernel-build kernels static dump ctl packages real fresh repo
	@$(MAKE) --no-print-directory vm-tests $(OUT)/debug/vm/mapper_test $(OUT)/debug/vm/ctl_test

clean:
	$(MAKE) -C $(TOP)/src clean
	rm -rf $(OUT)
