# SPDX-License-Identifier: GPL-2.0
#
# Every Debian kernel series, and the kernel's static checks.
#
#   make check-matrix        every series in MATRIX: prepared, mapper built
#                            with W=1, the in-VM suite booted plain and with
#                            the debug allocators; one step of make check each.
#                            Both VMs have QEMU's edu device and run the DMA
#                            tests too (mk/dma.mk): the plain one without an
#                            IOMMU (swiotlb), the debug one on q35 behind one;
#                            and Debian's vgem and vivid, for the dma-buf tests
#                            (mk/dmabuf.mk)
#   make check-matrix-6.12   one series
#   make check-matrix MATRIX="6.12 7.x"           some series only
#   make check-matrix KDIR=... VMLINUZ=... [MODDIR=...]
#                            one kernel of your own instead of Debian's series
#   make check-static        checkpatch.pl --strict and sparse (make C=2)
#   make kernels             download/cache every series (tests/kernels/prepare)
#
# Kernels are cached under $(CACHE)/kernels/<series>/; see tests/kernels/prepare.
# A failure of a MATRIX_NONGATING series is reported as TODO, never fatal.

MATRIX           ?= 5.10 6.1 6.12-bpo 6.12 7.x 7.3-rc
MATRIX_NONGATING ?= 7.3-rc

# A KDIR given on the command line (or in the environment) means "test this
# kernel", not Debian's series; it needs the image that goes with it.
ifneq ($(filter command line environment,$(origin KDIR)),)
ifeq ($(filter command line environment,$(origin VMLINUZ)),)
$(if $(filter check-matrix%,$(MAKECMDGOALS)),$(error check-matrix: KDIR=$(KDIR) needs VMLINUZ=<its kernel image> too))
endif
override MATRIX := own
endif
matrix-env = $(if $(filter own,$(1)),$(KENV),$(CACHE)/kernels/$(1)/env)
# The importers of the dma-buf tests (mk/dmabuf.mk), which prepare keeps in
# every series' MODDIR; a kernel of your own may not have them: there
# make check-dmabuf KDIR=... VMLINUZ=... MODDIR=... runs those tests.
matrix-vm = $(if $(filter own,$(1)),,$(DMABUF_VM))
MATRIX_STEPS = $(addprefix check-matrix-,$(MATRIX))

.PHONY: check-matrix check-static kernels $(MATRIX_STEPS)

check-matrix: $(MATRIX_STEPS)

# prepare's log stays in the series' directory; its last lines say why.
define matrix-series
	d=$(OUT)/matrix/$(1) env=$(call matrix-env,$(1)); rm -rf $$d; mkdir -p $$d; \
	if [ $(1) != own ]; then \
		if MAPPER_CACHE=$(CACHE) $(TOP)/tests/kernels/prepare $(1) >$$d/prepare.log 2>&1; then \
			echo "ok - $(1): Debian's kernel prepared ($$(. $$env && echo $$KVER))"; \
		else \
			echo "not ok - $(1): Debian's kernel prepared ($$d/prepare.log)"; \
			tail -n 20 $$d/prepare.log | sed 's/^/#   /'; exit 1; \
		fi; \
	fi; \
	$(TOP)/tests/lib/build-module $$env $$d --name $(1) || exit 1; \
	kfence=$$(. $$env && [ "$$KFENCE" = 1 ] && echo kfence.sample_interval=10); rc=0; \
	$(call vm-run,$(1) plain,$$d,$$d/plain,check,$(DMA_VM_soft) $(call dma-log,$$d/plain) \
		$(call matrix-vm,$(1)),$$env) || rc=1; \
	$(call dma-log-check,$$d/plain,$(1) plain) || rc=1; \
	$(call vm-run,$(1) debug,$$d,$$d/debug,check,$(DMA_VM_iommu) $(call dma-log,$$d/debug) \
		$(call matrix-vm,$(1)) --append "$(VM_DEBUG_ARGS) $$kfence",$$env) || rc=1; \
	$(call dma-log-check,$$d/debug,$(1) debug) || rc=1; \
	exit $$rc
endef

$(MATRIX_STEPS): check-matrix-%: vm-deps vm-tests $(if $(filter own,$(MATRIX)),$(KENV))
	@$(if $(filter $*,$(MATRIX_NONGATING)),\
		( $(call matrix-series,$*) ) | sed '/^not ok/s/$$/ # TODO $* is not gating (MATRIX_NONGATING)/',\
		$(call matrix-series,$*))

check-static:
	@$(TOP)/tests/lib/deps static
	@MAPPER_CACHE=$(CACHE) $(TOP)/tests/kernels/static --out $(OUT)/static \
		$(if $(filter command line environment,$(origin KDIR)),--env $(KENV))

kernels:
	@for s in $(filter-out own,$(MATRIX)); do MAPPER_CACHE=$(CACHE) $(TOP)/tests/kernels/prepare $$s || exit 1; done

CHECK_TARGETS += check-static $(MATRIX_STEPS)
