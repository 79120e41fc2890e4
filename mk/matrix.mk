# SPDX-License-Identifier: GPL-2.0
#
# Every Debian kernel series, and the kernel's static checks.
#
#   make check-matrix        build with W=1 and run the in-VM suite, plain and
#                            with debug allocators, on every series in MATRIX
#   make check-matrix MATRIX="6.12 7.x"           some series only
#   make check-matrix KDIR=... VMLINUZ=... [MODDIR=...]
#                            one kernel of your own instead of Debian's series
#   make check-static        checkpatch.pl --strict and sparse (make C=2)
#   make kernels             download/cache every series (tests/kernels/prepare)
#
# Kernels are cached under $(CACHE)/kernels/<series>/; see tests/kernels/prepare.

MATRIX           ?= 5.10 6.1 6.12-bpo 6.12 7.x 7.3-rc
# Reported, never fatal: experimental's release candidates.
MATRIX_NONGATING ?= 7.3-rc

# A KDIR given on the command line (or in the environment) means "test this
# kernel", not Debian's series; it needs the image that goes with it.
ifneq ($(filter command line environment,$(origin KDIR)),)
MATRIX_KERNELS = --own $(KDIR) $(VMLINUZ) \
	$(if $(filter command line environment,$(origin MODDIR)),$(MODDIR))
MATRIX_CHECK = $(if $(filter command line environment,$(origin VMLINUZ)),,\
	$(error check-matrix: KDIR=$(KDIR) needs VMLINUZ=<its kernel image> too))
else
MATRIX_KERNELS = $(MATRIX)
endif

.PHONY: check-matrix check-static kernels

# vm-tests, not $(VM_BINS): mk/stress.mk adds to VM_BINS after this file is
# read, so a prerequisite list here would miss mapper_stress and bad_input.
check-matrix: vm-deps vm-tests
	$(MATRIX_CHECK)
	MAPPER_CACHE=$(CACHE) $(TOP)/tests/kernels/matrix --src $(TOP)/src --out $(OUT)/matrix \
		$(foreach b,$(OUT)/vm/mapper_test $(VM_BINS),--bin $(b)) \
		$(foreach s,$(MATRIX_NONGATING),--nongating $(s)) $(MATRIX_KERNELS)

check-static:
	MAPPER_CACHE=$(CACHE) $(TOP)/tests/kernels/static --src $(TOP)/src --out $(OUT)/static \
		$(if $(filter command line environment,$(origin KDIR)),--kdir $(KDIR))

kernels:
	@for s in $(MATRIX); do MAPPER_CACHE=$(CACHE) $(TOP)/tests/kernels/prepare $$s || exit 1; done

CHECK_TARGETS += check-static check-matrix
