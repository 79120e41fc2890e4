# SPDX-License-Identifier: GPL-2.0
#
# mapper under real programs nobody on the team wrote: numpy, CPython's mmap
# and os modules, fio, dd and gdb, run as a member of group mapper on a
# Debian 12 root booted with Debian's 6.1 kernel in QEMU.
#
#   make check-real [REAL_SIZE=4M] [REAL_ARGS="kernel options"]
#   make real-image     only make (or find) the cached root image
#
# The root is made once with mmdebstrap and kept as an ext4 image under
# $(CACHE)/real, keyed by its package list (tests/real/image); mapper.ko and
# the test scripts come in through a small initramfs, so module changes do
# not rebuild it. Logs: $(OUT)/real/ (console.log is the kernel's).

REAL_CACHE   ?= $(CACHE)/real
REAL_SIZE    ?= 4M
REAL_TIMEOUT ?= 900
REAL_ARGS    ?=

.PHONY: real-deps real-image check-real

real-deps: vm-deps
	@$(TOP)/tests/real/deps

real-image: real-deps
	@$(TOP)/tests/real/image $(REAL_CACHE)

check-real: real-deps vm-module
	@img=$$($(TOP)/tests/real/image $(REAL_CACHE)) && \
	prove -v -e /bin/bash $(TOP)/tests/real/run :: \
		--kernel $(VMLINUZ) --ko $(OUT)/mod/$(KVER)/mapper.ko --moddir $(MODDIR) \
		--image "$$img" --out $(OUT)/real --size $(REAL_SIZE) \
		--timeout $(REAL_TIMEOUT) --append "$(REAL_ARGS)"

CHECK_TARGETS += check-real
