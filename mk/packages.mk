# SPDX-License-Identifier: GPL-2.0
#
# Packaging: .deb and .rpm, and the tests that install them as users do.
#
#   make deb              Debian packages into build/deb/ (dpkg-buildpackage -us -uc -b)
#   make rpm              RPM packages into build/rpm/ (rpmbuild)
#   make check-packages   build, lint, then install, boot, upgrade and remove them
#                         in throw-away roots under $(CACHE)/packages (never the host's)
#
# Both builds run in a staged copy of the work tree (tracked and new files,
# nothing ignored), so the repository stays clean and uncommitted work is
# packaged as it is.

PKG_VERSION = $(shell sed -n 's/^\#define MAPPER_VERSION "\(.*\)"/\1/p' $(TOP)/src/version.h)
PKG_OUT     = $(OUT)/packages
PKG_STAGE   = $(PKG_OUT)/stage/mapper-$(PKG_VERSION)
RPM_RELEASE ?= 1
RPM_OUT     ?= $(OUT)/rpm

.PHONY: deb rpm check-packages packages-deps packages-stage

packages-deps:
	@sh $(TOP)/tests/packages/deps.sh

packages-stage:
	rm -rf $(PKG_OUT)/stage
	mkdir -p $(PKG_STAGE)
	cd $(TOP) && git ls-files -z --cached --others --exclude-standard | \
		xargs -0 sh -c 'for f; do [ -e "$$f" ] || [ -L "$$f" ] && printf "%s\0" "$$f"; done' sh | \
		tar -c --null -T - | tar -C $(PKG_STAGE) -x

deb: packages-deps packages-stage
	cd $(PKG_STAGE) && dpkg-buildpackage -us -uc -b
	rm -rf $(OUT)/deb && mkdir -p $(OUT)/deb
	mv $(PKG_OUT)/stage/*.deb $(PKG_OUT)/stage/*.changes $(PKG_OUT)/stage/*.buildinfo $(OUT)/deb/
	@ls -1 $(OUT)/deb/*.deb

# --nodeps: on Debian the BuildRequires (gcc, make) are dpkg packages, unknown to rpm.
rpm: packages-deps packages-stage
	rm -rf $(PKG_OUT)/rpmbuild && mkdir -p $(PKG_OUT)/rpmbuild/SOURCES
	tar -C $(PKG_OUT)/stage -czf $(PKG_OUT)/rpmbuild/SOURCES/mapper-$(PKG_VERSION).tar.gz mapper-$(PKG_VERSION)
	rpmbuild -ba --nodeps --define '_topdir $(PKG_OUT)/rpmbuild' \
		--define 'release_number $(RPM_RELEASE)' $(TOP)/rpm/mapper.spec
	rm -rf $(RPM_OUT) && mkdir -p $(RPM_OUT)
	cp $(PKG_OUT)/rpmbuild/RPMS/*/*.rpm $(PKG_OUT)/rpmbuild/SRPMS/*.rpm $(RPM_OUT)/
	@ls -1 $(RPM_OUT)/*.rpm

check-packages: packages-deps
	TOP=$(TOP) OUT=$(OUT) CACHE=$(CACHE) MAKE="$(MAKE)" bash $(TOP)/tests/packages/run.sh

CHECK_TARGETS += check-packages
