# SPDX-License-Identifier: GPL-2.0
#
# Signed apt and dnf repositories for fleets (docs/fleet.md).
#
#   make repo GPG_KEY=<key id> [REPO_DIR=<dir>] [REPO_URL=<url>]
#                     make deb and make rpm, then add the packages to the
#                     signed repositories in REPO_DIR (default build/repo):
#                     REPO_DIR/apt/ (aptly; mapper.sources, mapper.asc) and
#                     REPO_DIR/rpm/ (createrepo_c, rpmsign; mapper.repo,
#                     mapper.asc). Every version added stays; the key is
#                     GNUPGHOME's. tests/repo/publish does the work.
#   make check-repo   the repositories with apt and dnf themselves
#                     (tests/repo/run.sh): make repo, apt-get update in a
#                     clean bookworm root, tampering, a second version from a
#                     plain tree, dnf repoquery, rpm -K, dnf install and
#                     upgrade of mapper-devel (a step of make check)
#   make check-repo-upgrade
#                     all of that, and apt install by name with DKMS, then
#                     apt upgrade to the newer version, in clean bookworm and
#                     trixie roots (minutes more: not in make check)
#
# REPO_URL is where the clients will find REPO_DIR (the snippets name it):
# e.g. https://pkgs.example.org/mapper; by default REPO_DIR itself (file://).
# REPO_KEYS: more public keys for the clients' key files (key rotation).
# REPO_FROM: the directories whose packages are published: those of make deb
# and make rpm, and the other architectures' beside them; REPO_BUILD= (empty)
# publishes what they hold without building.

REPO_DIR        ?= $(OUT)/repo
GPG_KEY         ?=
REPO_KEYS       ?=
REPO_URL        ?= file://$(abspath $(REPO_DIR))
REPO_SUITE      ?= stable
REPO_RPM_GPGKEY ?= file:///etc/pki/rpm-gpg/RPM-GPG-KEY-mapper
REPO_BUILD      ?= deb rpm
REPO_FROM       ?= $(OUT)/deb $(RPM_OUT) $(OUT)/deb-arm64 $(OUT)/rpm-arm64
REPO_PACKAGES    = $(wildcard $(addsuffix /*.deb,$(REPO_FROM)) $(addsuffix /*.rpm,$(REPO_FROM)))
REPO_ENV         = REPO_DIR="$(REPO_DIR)" GPG_KEY="$(GPG_KEY)" REPO_KEYS="$(REPO_KEYS)" \
	REPO_URL="$(REPO_URL)" REPO_SUITE="$(REPO_SUITE)" REPO_RPM_GPGKEY="$(REPO_RPM_GPGKEY)"

.PHONY: repo repo-deps repo-key repo-build check-repo check-repo-upgrade

repo-deps:
	@sh $(TOP)/tests/lib/deps repo

# The key is checked before anything is built; the builds one after the
# other (both stage the tree in the same place); REPO_PACKAGES is expanded
# when repo's own recipe runs, after them.
repo-key: repo-deps
	@$(REPO_ENV) $(TOP)/tests/repo/publish --check-key

repo-build: repo-key
	@$(foreach t,$(REPO_BUILD),$(MAKE) --no-print-directory $(t) &&) true

repo: repo-build
	@$(REPO_ENV) $(TOP)/tests/repo/publish $(REPO_PACKAGES)

check-repo check-repo-upgrade: repo-deps packages-deps
	TOP=$(TOP) OUT=$(OUT) CACHE=$(CACHE) MAKE="$(MAKE)" \
		REPO_UPGRADE=$(if $(filter check-repo-upgrade,$@),1) bash $(TOP)/tests/repo/run.sh

CHECK_TARGETS += check-repo
