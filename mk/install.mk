# SPDX-License-Identifier: GPL-2.0
#
# make install: everything mapper installs, the one step that debian/rules
# (dh_auto_install) and rpm/mapper.spec (%make_install) both run. It needs
# no git and no kernel headers: a plain source tree (a release tarball) will do.
#
#   make install [DESTDIR=...] [PREFIX=/usr] [any of the directories below]
#
#   $(USRSRCDIR)/mapper-$(MAPPER_VERSION)/  the module source (src/) and dkms.conf for DKMS
#   $(BINDIR)/mapper-dump, mapper-dump(1), bash completion   (install-utils, mk/dump.mk)
#   $(SBINDIR)/mapperctl, mapperctl(8), mapper.conf(5), bash completion (mk/ctl.mk)
#   $(INCLUDEDIR)/mapper.h, mapper_sample.h, and mapper(4)
#   $(UDEVRULESDIR)/60-mapper.rules, $(SYSUSERSDIR)/mapper.conf (the group),
#   $(MODULESLOADDIR)/mapper.conf (load at boot), $(MODPROBEDIR)/mapper.conf
#   (the parameters, commented), $(SYSTEMDUNITDIR)/mapper-setup.service (the
#   buffers of $(SYSCONFDIR)/mapper.conf at boot) and that file (comments only)
#
# udev, sysusers.d, modules-load.d and systemd files go below $(PREFIX)/lib, never /lib:
# on merged-/usr systems /lib is an alias, and a package that ships files
# through it leaves dpkg unable to remove the directories it thinks it owns.
# modprobe.d and mapper.conf are configuration the administrator edits:
# $(SYSCONFDIR), not $(PREFIX).

# The one place the version is written. dkms.conf says #MODULE_VERSION#,
# filled in here (and by dh_dkms -V for the .deb); make rpm passes it to the
# spec; debian/rules refuses to build when debian/changelog names another.
MAPPER_VERSION  = $(shell sed -n 's/^\#define MAPPER_VERSION "\(.*\)"/\1/p' $(TOP)/src/version.h)

# BINDIR, MANDIR and BASHCOMPDIR: mk/dump.mk; SBINDIR: mk/ctl.mk.
PREFIX         ?= /usr
# %make_install passes INSTALL="install -p" (keep timestamps).
INSTALL        ?= install
SYSCONFDIR     ?= /etc
INCLUDEDIR     ?= $(PREFIX)/include
# DKMS reads its sources from /usr/src only, whatever PREFIX is.
USRSRCDIR      ?= /usr/src
UDEVRULESDIR   ?= $(PREFIX)/lib/udev/rules.d
SYSUSERSDIR    ?= $(PREFIX)/lib/sysusers.d
MODULESLOADDIR ?= $(PREFIX)/lib/modules-load.d
MODPROBEDIR    ?= $(SYSCONFDIR)/modprobe.d
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
DKMSDIR         = $(USRSRCDIR)/mapper-$(MAPPER_VERSION)

# What DKMS builds from: the sources in src/, not what a local "make module"
# left there (objects, *.mod.c, probe.sh's features.h; see .gitignore).
DKMS_SRC  ?= $(TOP)/src
DKMS_FILES = $(shell cd $(DKMS_SRC) && find . -type f \( -name '*.[ch]' -o -name Kbuild \
	-o -name Makefile -o -name '*.sh' \) ! -name features.h ! -name '*.mod.c' | LC_ALL=C sort)

.PHONY: install install-dkms install-dev install-data

install: install-dkms install-utils install-dev install-data

install-dkms:
	@[ -n "$(MAPPER_VERSION)" ] || { echo "install: no MAPPER_VERSION in src/version.h" >&2; exit 1; }
	cd $(DKMS_SRC) && for f in $(DKMS_FILES); do \
		case $$f in *.sh) m=0755 ;; *) m=0644 ;; esac; \
		$(INSTALL) -D -m $$m $$f "$(DESTDIR)$(DKMSDIR)/$${f#./}" || exit 1; \
	done
	sed 's/#MODULE_VERSION#/$(MAPPER_VERSION)/g' $(TOP)/dkms.conf >"$(DESTDIR)$(DKMSDIR)/dkms.conf.tmp"
	touch -r $(TOP)/dkms.conf "$(DESTDIR)$(DKMSDIR)/dkms.conf.tmp"
	$(INSTALL) -m 0644 "$(DESTDIR)$(DKMSDIR)/dkms.conf.tmp" "$(DESTDIR)$(DKMSDIR)/dkms.conf"
	rm -f "$(DESTDIR)$(DKMSDIR)/dkms.conf.tmp"

install-dev:
	$(INSTALL) -D -m 0644 $(TOP)/src/uapi/mapper.h "$(DESTDIR)$(INCLUDEDIR)/mapper.h"
	$(INSTALL) -D -m 0644 $(TOP)/src/uapi/mapper_sample.h "$(DESTDIR)$(INCLUDEDIR)/mapper_sample.h"
	$(INSTALL) -D -m 0644 $(TOP)/man/mapper.4 "$(DESTDIR)$(MANDIR)/man4/mapper.4"

install-data:
	$(INSTALL) -D -m 0644 $(TOP)/udev/60-mapper.rules "$(DESTDIR)$(UDEVRULESDIR)/60-mapper.rules"
	$(INSTALL) -D -m 0644 $(TOP)/dist/sysusers.d/mapper.conf "$(DESTDIR)$(SYSUSERSDIR)/mapper.conf"
	$(INSTALL) -D -m 0644 $(TOP)/dist/modules-load.d/mapper.conf "$(DESTDIR)$(MODULESLOADDIR)/mapper.conf"
	$(INSTALL) -D -m 0644 $(TOP)/dist/modprobe.d/mapper.conf "$(DESTDIR)$(MODPROBEDIR)/mapper.conf"
	$(INSTALL) -D -m 0644 $(TOP)/dist/mapper.conf "$(DESTDIR)$(SYSCONFDIR)/mapper.conf"
	# The unit runs mapperctl from where install-utils put it.
	$(INSTALL) -d "$(DESTDIR)$(SYSTEMDUNITDIR)"
	sed 's|/usr/sbin/mapperctl|$(SBINDIR)/mapperctl|' $(TOP)/dist/systemd/mapper-setup.service \
		>"$(DESTDIR)$(SYSTEMDUNITDIR)/mapper-setup.service.tmp"
	touch -r $(TOP)/dist/systemd/mapper-setup.service "$(DESTDIR)$(SYSTEMDUNITDIR)/mapper-setup.service.tmp"
	$(INSTALL) -m 0644 "$(DESTDIR)$(SYSTEMDUNITDIR)/mapper-setup.service.tmp" \
		"$(DESTDIR)$(SYSTEMDUNITDIR)/mapper-setup.service"
	rm -f "$(DESTDIR)$(SYSTEMDUNITDIR)/mapper-setup.service.tmp"
