# SPDX-License-Identifier: GPL-2.0
#
# mapper: the one entry point.
#
#   make demo          boot a VM and show the core story (first command to try)
#   make check         everything the project is tested by (the README's test command)
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

CHECK_TARGETS :=

.PHONY: all module clean check
all: module

module:
	$(MAKE) -C $(TOP)/src KDIR=$(KDIR)

-include $(sort $(wildcard $(TOP)/mk/*.mk))

check: $(CHECK_TARGETS)

clean:
	$(MAKE) -C $(TOP)/src clean
	rm -rf $(OUT)
