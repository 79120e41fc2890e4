# SPDX-License-Identifier: GPL-2.0
#
# dma-buf export (MAPPER_IOC_EXPORT_DMABUF), proven with importers nobody
# here wrote: Debian's vgem (DRM, PRIME import) and vivid (V4L2 capture into
# V4L2_MEMORY_DMABUF buffers, with its vmalloc and its dma-contig allocator),
# besides the dma-buf's own mmap and a second process that got the fd over a
# Unix socket; tests/vm/dmabuf.sh runs tests/vm/dmabuf_test.c.
#
#   make check-dmabuf   the default kernel (KENV) booted with vgem and vivid
#                       (one video capture node) loaded
#   make bench-dmabuf [DMABUF_BENCH_ARGS="--frames 300 --rounds 3"]
#                       the same kernel with vivid only: tests/bench/vivid_bench,
#                       vivid's MMAP capture against capture into mapper
#                       dma-bufs, fps and their ratio (docs/performance.md);
#                       not in "make check": nothing fails because a machine
#                       is slow
#
# DMABUF_VM is that VM's importers as tests/lib/vm options; the matrix
# (mk/matrix.mk) boots its VMs with them too, and check.sh runs dmabuf.sh
# where it finds /dev/dri or /dev/video*. tests/kernels/prepare keeps vgem
# and vivid, with what they need, in every series' MODDIR.

# vivid with one video capture node; dmabuf_test reloads it with these and
# allocators=1 (its dma-contig allocator, a 0444 option). DMABUF_IMPORTERS:
# the importers such a VM must have (elsewhere, their tests say SKIP).
DMABUF_VIVID := n_devs=1 node_types=0x1
DMABUF_VM    := --module vgem --module 'vivid $(DMABUF_VIVID)' \
	--param 'DMABUF_VIVID=$(DMABUF_VIVID)' --param 'DMABUF_IMPORTERS=vgem vivid'

# DRM's uapi (drm.h, drm_mode.h, vgem_drm.h): Debian installs none in
# /usr/include (libdrm-dev has copies); the host's kernel headers have them.
DMABUF_DRM_UAPI = $(patsubst %/drm/vgem_drm.h,%,$(lastword $(sort \
	$(wildcard /usr/src/linux-headers-*-common/include/uapi/drm/vgem_drm.h))))

$(OUT)/vm/dmabuf_test: $(TOP)/tests/vm/dmabuf_test.c $(TOP)/tests/vm/ctl_util.h $(TOP)/tests/vm/maint_util.h $(TOP)/tests/vm/vm_util.h \
		$(TOP)/src/uapi/mapper.h
	@mkdir -p $(@D)
	$(if $(DMABUF_DRM_UAPI),,$(error no /usr/src/linux-headers-*-common/include/uapi/drm: install linux-headers-amd64 (tests/lib/deps vm)))
	$(TEST_CC) -static -O2 -g -Wall -Wextra -Werror -Wno-format-truncation $(KSELFTEST_CFLAGS) \
		-I$(TOP)/src/uapi -idirafter $(DMABUF_DRM_UAPI) -D__user= -o $@ $<

VM_BINS += $(OUT)/vm/dmabuf_test

# The debug kernel's (mk/debug.mk): the kselftest timeout raised as for its suite.
$(OUT)/debug/vm/dmabuf_test: $(TOP)/tests/vm/dmabuf_test.c $(TOP)/tests/vm/ctl_util.h $(TOP)/tests/vm/maint_util.h \
		$(TOP)/tests/vm/vm_util.h $(TOP)/src/uapi/mapper.h $(OUT)/debug/harness/kselftest_harness.h
	@mkdir -p $(@D)
	$(if $(DMABUF_DRM_UAPI),,$(error no /usr/src/linux-headers-*-common/include/uapi/drm: install linux-headers-amd64 (tests/lib/deps vm)))
	$(TEST_CC) -static -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter -Wno-sign-compare \
		-Wno-format-truncation -I$(OUT)/debug/harness -I$(TOP)/src/uapi \
		-idirafter $(DMABUF_DRM_UAPI) -D__user= -o $@ $<

# Made once before the steps run side by side (the Makefile's check-prepare).
check-prepare: $(OUT)/debug/vm/dmabuf_test

.PHONY: check-dmabuf fresh-check-dmabuf

check-dmabuf: vm-deps vm-tests $(KENV)
	@$(call vm-module,$(OUT)/dmabuf)
	@$(call vm-run,dmabuf,$(OUT)/dmabuf,$(OUT)/dmabuf/vm,dmabuf,$(DMABUF_VM) \
		--append "$(VM_DEBUG_ARGS) $(VM_ARGS)")

# check-fresh's subject (mk/fresh.mk): the prerequisites.
fresh-check-dmabuf: vm-deps vm-tests $(KENV)
	$(call vm-module,$(OUT)/dmabuf)

CHECK_TARGETS += check-dmabuf

# The benchmark: one load-time buffer (insmod size=) holds the 4 dma-bufs.
DMABUF_BENCH_SIZE ?= 2M
DMABUF_BENCH_ARGS ?=

$(OUT)/vm/vivid_bench: $(TOP)/tests/bench/vivid_bench.c $(TOP)/src/uapi/mapper.h
	@mkdir -p $(@D)
	$(TEST_CC) -static -O2 -Wall -Wextra -Werror -I$(TOP)/src/uapi -o $@ $<

VM_BINS += $(OUT)/vm/vivid_bench

.PHONY: bench-dmabuf
bench-dmabuf: vm-deps vm-tests $(KENV)
	@rm -rf $(OUT)/bench-dmabuf && mkdir -p $(OUT)/bench-dmabuf
	@$(call vm-module,$(OUT)/bench-dmabuf)
	@$(call vm-run,bench-dmabuf,$(OUT)/bench-dmabuf,$(OUT)/bench-dmabuf/vm,bench-dmabuf, \
		--module 'vivid $(DMABUF_VIVID)' --timeout 1800 --param BENCH_SIZE=$(DMABUF_BENCH_SIZE) \
		--param "BENCH_ARGS=$(DMABUF_BENCH_ARGS)" --append "$(VM_ARGS)")
