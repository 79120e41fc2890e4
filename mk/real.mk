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
# the test scripts come in through tests/lib/vm's initramfs, whose command
# (tests/real/stage1.sh) mounts the image and runs tests/real/guest in it, so
# module changes do not rebuild it. Logs: $(OUT)/real/vm/ (console.log is the
# kernel's).

REAL_CACHE   ?= $(CACHE)/real
REAL_SIZE    ?= 4M
REAL_TIMEOUT ?= 900
REAL_ARGS    ?=

.PHONY: real-deps real-image check-real

real-deps: vm-deps
	@$(TOP)/tests/lib/deps real

real-image: real-deps
	@$(TOP)/tests/real/image $(REAL_CACHE)

# crc32c_generic: ext4 and jbd2 ask for "crc32c" through the crypto API (a
# softdep, which insmod does not follow); configfs: mapper needs it, and the
# guest's insmod does not load dependencies.
check-real: real-deps $(KENV)
	@$(call vm-module,$(OUT)/real)
	@img=$$($(TOP)/tests/real/image $(REAL_CACHE)) && \
	$(TOP)/tests/lib/vm --name real --env $(KENV) --out $(OUT)/real/vm --mem 1024M \
		--timeout $(REAL_TIMEOUT) --disk "$$img" \
		--module virtio_pci --module virtio_blk --module crc32c_generic --module ext4 \
		--module configfs \
		--file $(OUT)/real/mod/mapper.ko:/real/mapper.ko \
		--file $(TOP)/tests/real/guest:/real/guest --file $(TOP)/tests/real/checks.py:/real/checks.py \
		--file $(TOP)/tests/real/stage1.sh:/stage1.sh --param REAL_SIZE=$(REAL_SIZE) \
		--append "$(VM_DEBUG_ARGS) $(REAL_ARGS)" -- sh /stage1.sh

CHECK_TARGETS += check-real
