# SPDX-License-Identifier: GPL-2.0
#
# arm64 packages, cross-built on this machine, and tried on a booted arm64
# Debian system (issue 17's packaging).
#
#   make deb-arm64 (make deb ARCH=arm64)
#                  mapper-utils_*_arm64.deb and the arch-all mapper-dkms and
#                  mapper-dev into build/deb-arm64/: dpkg-buildpackage -a arm64
#                  with Debian's cross toolchain (crossbuild-essential-arm64,
#                  libjson-c-dev:arm64) in a throw-away bookworm root that has
#                  arm64 as a foreign architecture (tests/packages/cross; the
#                  host's dpkg stays amd64-only)
#   make rpm-arm64 (make rpm ARCH=arm64)
#                  mapper-utils-*.aarch64.rpm and the noarch ones into
#                  build/rpm-arm64/: rpmbuild --target aarch64 with
#                  aarch64-linux-gnu-gcc, in the same root
#   make check-packages-arm64
#                  both built, published with a throw-away key (make repo's
#                  tests/repo/publish), then on Debian 13 arm64 under
#                  qemu-system-aarch64 -M virt -cpu max (TCG), Debian's own
#                  kernel: apt install mapper-dkms mapper-utils by name, DKMS
#                  builds the module natively; after a reboot it is loaded,
#                  /dev/mapper0 is root:mapper 0660 and a group member maps
#                  it (tests/packages/arm64.sh). Not a step of make check:
#                  two systemd boots under TCG and a native DKMS build at
#                  -j1 took 1234 s warm beside a make check (2026-12-02:
#                  the install boot 1078 s, the reboot 151 s; 26 of 26
#                  passed), and the image, made once and cached, took
#                  31 min cold.
#                  The cross builds and their lint are in check-packages
#                  (arm64-build-and-lint).
#
# Both builds stage the tree as make deb does (mk/packages.mk), so they work
# from a git work tree and from a plain one (a release tarball) alike. make
# repo publishes what they made (REPO_FROM, mk/repo.mk).

PKG_ARM64_ENV = CACHE=$(CACHE) RPM_RELEASE=$(RPM_RELEASE)

.PHONY: deb-arm64 rpm-arm64 check-packages-arm64 packages-arm64-deps

# tests/lib/binfmt-arm64 mounts binfmt_misc and registers qemu-user-static's
# aarch64 entry when they are not there: for the whole machine (see its
# header); the arm64 image's mmdebstrap needs it.
packages-arm64-deps: packages-deps vm-deps
	@$(TOP)/tests/lib/deps arm64 repo packages-arm64
	@$(TOP)/tests/lib/binfmt-arm64

deb-arm64: packages-deps packages-stage
	$(PKG_ARM64_ENV) $(TOP)/tests/packages/cross deb $(PKG_STAGE) $(OUT)/deb-arm64

rpm-arm64: packages-deps packages-stage
	$(PKG_ARM64_ENV) $(TOP)/tests/packages/cross rpm $(PKG_STAGE) $(OUT)/rpm-arm64

check-packages-arm64: packages-arm64-deps
	TOP=$(TOP) OUT=$(OUT) CACHE=$(CACHE) MAKE="$(MAKE)" bash $(TOP)/tests/packages/arm64.sh
