# SPDX-License-Identifier: GPL-2.0
#
# Packaging: .deb and .rpm, and the tests that install them as users do.
#
#   make deb              Debian packages into build/deb/ (dpkg-buildpackage -us -uc -b)
#   make rpm              RPM packages into build/rpm/ (rpmbuild)
#   make deb ARCH=arm64, make rpm ARCH=arm64
#                         the same for arm64, cross-built (mk/packages-arm64.mk)
#   make check-packages   build, lint, then install, boot, upgrade and remove them
#                         in throw-away roots under $(CACHE)/packages (never the host's):
#                         autopkgtest (debian/tests), piuparts and tests/packages/run.sh
#
# Both builds run in a staged copy of the source tree, so that it stays clean:
# in a git work tree the files git knows of (tracked and new, nothing
# ignored), so uncommitted work is packaged as it is; in a plain tree (a
# release tarball, what distributions build from) all of it but $(OUT).
# What goes into the packages is what "make install" installs (mk/install.mk).

PKG_OUT     = $(OUT)/packages
PKG_STAGE   = $(PKG_OUT)/stage/mapper-$(MAPPER_VERSION)
RPM_RELEASE ?= 1
RPM_OUT     ?= $(OUT)/rpm

.PHONY: deb rpm check-packages packages-deps packages-stage

packages-deps:
	@sh $(TOP)/tests/lib/deps packages

packages-stage:
	rm -rf $(PKG_OUT)/stage
	mkdir -p $(PKG_STAGE)
	cd $(TOP) && if [ -e .git ]; then \
		git ls-files -z --cached --others --exclude-standard | \
		xargs -0 sh -c 'for f; do [ -e "$$f" ] || [ -L "$$f" ] && printf "%s\0" "$$f"; done' sh | \
		tar -c --null -T -; \
	else \
		tar -c --exclude-vcs --exclude='$(patsubst $(TOP)/%,./%,$(OUT))' .; \
	fi | tar -C $(PKG_STAGE) -x
	@test -f $(PKG_STAGE)/debian/changelog || { echo "packages-stage: nothing staged" >&2; exit 1; }

# make deb ARCH=arm64, make rpm ARCH=arm64: the cross builds of
# mk/packages-arm64.mk.
ifeq ($(ARCH),arm64)
deb: deb-arm64
rpm: rpm-arm64
else
deb: packages-deps packages-stage
	cd $(PKG_STAGE) && dpkg-buildpackage -us -uc -b
	rm -rf $(OUT)/deb && mkdir -p $(OUT)/deb
	mv $(PKG_OUT)/stage/*.deb $(PKG_OUT)/stage/*.changes $(PKG_OUT)/stage/*.buildinfo $(OUT)/deb/
	@ls -1 $(OUT)/deb/*.deb

# The spec's Version is src/version.h's (mapper_version).
# --nodeps: on Debian the BuildRequires (gcc, make) are dpkg packages, unknown to rpm.
rpm: packages-deps packages-stage
	rm -rf $(PKG_OUT)/rpmbuild && mkdir -p $(PKG_OUT)/rpmbuild/SOURCES
	tar -C $(PKG_OUT)/stage -czf $(PKG_OUT)/rpmbuild/SOURCES/mapper-$(MAPPER_VERSION).tar.gz mapper-$(MAPPER_VERSION)
	rpmbuild -ba --nodeps --define '_topdir $(PKG_OUT)/rpmbuild' \
		--define 'mapper_version $(MAPPER_VERSION)' \
		--define 'release_number $(RPM_RELEASE)' $(TOP)/rpm/mapper.spec
	rm -rf $(RPM_OUT) && mkdir -p $(RPM_OUT)
	cp $(PKG_OUT)/rpmbuild/RPMS/*/*.rpm $(PKG_OUT)/rpmbuild/SRPMS/*.rpm $(RPM_OUT)/
	@ls -1 $(RPM_OUT)/*.rpm
endif

check-packages: packages-deps
	TOP=$(TOP) OUT=$(OUT) CACHE=$(CACHE) MAKE="$(MAKE)" bash $(TOP)/tests/packages/run.sh

CHECK_TARGETS += check-packages
