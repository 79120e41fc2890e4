# SPDX-License-Identifier: GPL-2.0
#
# Every target installs what it needs itself: proven in fresh Debian 12 roots.
#
#   make check-fresh                          every subject, one TAP line each
#   make check-fresh FRESH="demo check-dump"  some of them
#
# tests/fresh/run makes a bookworm root with mmdebstrap (minbase plus make:
# what a user has before typing "make"; cached in $(CACHE)/fresh), and runs
# each subject as root in a root of its own made anew from it, with a copy of
# the work tree: "make fresh-SUBJECT". The subjects are make demo and every
# other target of make check; fresh-<target> below is that target's own
# dependency step and its first build (the whole target where it is cheap).
# A target of make check without a fresh-<target> here fails check-fresh.
# See the header of tests/fresh/run for the caches and the mounts.

# One subject per kind of step: check-matrix-SERIES, check-matrix-arm64-SERIES
# (mk/arm64.mk) and check-debug-MODE share theirs.
FRESH ?= demo $(filter-out check-fresh,$(sort $(patsubst check-matrix-%,check-matrix,\
	$(patsubst check-debug-%,check-debug,$(filter-out check-matrix-arm64-%,$(CHECK_TARGETS)))) \
	$(if $(filter check-matrix-arm64-%,$(CHECK_TARGETS)),check-matrix-arm64)))
# check-matrix's first series (the dpkg -x kind; prepare installs what
# each kind needs): prepared, built with W=1 and booted.
FRESH_MATRIX ?= 5.10

.PHONY: check-fresh fresh-deps fresh-demo fresh-check-kernel fresh-check-stress \
	fresh-check-dump fresh-check-ctl fresh-check-static fresh-check-matrix fresh-check-debug \
	fresh-check-real fresh-check-packages

fresh-deps:
	@$(TOP)/tests/lib/deps fresh

check-fresh: fresh-deps
	@cd $(TOP) && TOP=$(TOP) OUT=$(OUT) CACHE=$(CACHE) tests/fresh/run $(FRESH)

# --- what each subject runs inside its fresh root
# The whole of make demo: it boots the VM (TCG) in the root.
fresh-demo: demo

# check-kernel, check-stress: their prerequisites; the VM runs are demo's.
fresh-check-kernel: vm-deps vm-tests $(KENV)
	$(call vm-module,$(OUT)/kernel)

fresh-check-stress: vm-deps vm-tests $(KENV)
	$(call vm-module,$(OUT)/stress)
	$(MAKE) --no-print-directory $(OUT)/test/mapper_stress

# Whole targets: their dependency steps are inside them, and they are short.
fresh-check-dump: check-dump

fresh-check-ctl: check-ctl

fresh-check-static: check-static

# The series of make check-matrix that dpkg -x prepares, booted.
fresh-check-matrix: vm-deps vm-tests
	$(MAKE) --no-print-directory check-matrix-$(FRESH_MATRIX) MATRIX_NONGATING=

# build-kernel's dependency step, its tree and configuration, then the build
# until the kernel's own objects compile (not the 9 min or more of the whole).
fresh-check-debug: vm-deps
	MAPPER_CACHE=$(CACHE) $(TOP)/tests/fresh/debug-kernel-start

# The guest image is check-real's first build (mmdebstrap, mke2fs -d).
fresh-check-real: real-deps $(KENV) real-image
	$(call vm-module,$(OUT)/real)

# make deb and make rpm are test 1 of check-packages (lint aside), the
# arm64 cross builds its test 2 (their root made with mmdebstrap).
fresh-check-packages: packages-deps
	$(MAKE) --no-print-directory deb
	$(MAKE) --no-print-directory rpm
	$(MAKE) --no-print-directory deb-arm64
	$(MAKE) --no-print-directory rpm-arm64

# make repo with a throw-away key is check-repo's first build (make deb and
# make rpm inside it).
.PHONY: fresh-check-repo
fresh-check-repo: repo-deps packages-deps
	key=$$($(TOP)/tests/repo/testkey $(OUT)/fresh-repo/gnupg) && \
	GNUPGHOME=$(OUT)/fresh-repo/gnupg $(MAKE) --no-print-directory repo GPG_KEY=$$key \
		REPO_DIR=$(OUT)/fresh-repo/repo; \
	rc=$$?; gpgconf --homedir $(OUT)/fresh-repo/gnupg --kill gpg-agent; exit $$rc

CHECK_TARGETS += check-fresh
