#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-packages: build the packages, lint them, and install, boot,
# update, remove and purge them as users do, in throw-away roots under
# $CACHE/packages. The host's own package database is never touched.
# Output is TAP: "ok - NAME (N s)", "not ok - NAME ...", "# " diagnostics;
# the exit status is non-zero when a test failed.
#
#   build-and-lint   make deb, make rpm; lintian, rpmlint; one dkms.conf,
#                    with the version of src/version.h, in every package
#   arm64-build-and-lint
#                    make deb-arm64, make rpm-arm64 (cross-built in a
#                    throw-away root, mk/packages-arm64.mk): lintian and
#                    rpmlint as above; the tools are aarch64 programs that
#                    need arm64's libjson-c5; the arch-all packages hold the
#                    files of build-and-lint's
#   version-guards   the build refuses a debian/changelog of another
#                    version than src/version.h; the spec without make rpm
#   tarball          git archive of the tree, unpacked where there is no
#                    git: make deb, make rpm and make deb-arm64 build the
#                    same packages
#   autopkgtest      Debian's own package tests (debian/tests) on the .debs,
#                    in a bookworm container (autopkgtest-virt-unshare)
#   piuparts         install and purge of the .debs in a clean bookworm
#                    root: dependencies, maintainer scripts, nothing left
#                    behind
#
# What these tools cannot do stays written out below: a root that keeps its
# state from one step to the next (kernels arrive, it boots), booting it
# with udev, the group and the device permissions (boot), DKMS's module
# signatures, rpm, and another Debian release with the README's own command.
#
#   apt-install      clean bookworm root + local apt repo: apt-get install
#                    mapper-dkms mapper-utils; dkms status: installed;
#                    the modules are signed with DKMS's key
#   kernel-update    another linux-headers-6.1.0-N-amd64: built (and
#                    signed) by itself
#   boot             the root under QEMU (systemd, udev, its own kernel),
#                    with two buffers in /etc/mapper.conf: made at boot,
#                    named, linked by name, readable by a group member
#   missing-headers  a kernel image without headers: DKMS says so itself;
#                    apt keeps working
#   rpm              rpm --root --nodeps with Debian's real dkms: install,
#                    upgrade to a rebuilt release, erase
#   trixie           clean trixie root (merged /usr, dkms 3.2): the
#                    README's "apt install ./mapper-dkms_..." line works
#                    as written, the modules are signed, the purge leaves
#                    nothing and dpkg warns of nothing
#
# Environment: TOP, OUT, CACHE, MAKE (set by mk/packages.mk);
# PKG_KEEP=1 keeps the roots and image of the last run for inspection;
# PKG_PREBUILT=1 tests the packages already in $OUT/deb and $OUT/rpm*;
# PKG_ONLY="NAME..." runs only these tests (and skips the others).
set -u

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${OUT:-$TOP/build}
CACHE=${CACHE:-$HOME/.cache/mapper}
MAKE=${MAKE:-make}
HERE=$TOP/tests/packages
WORK=$CACHE/packages
ROOT=$WORK/root
LOGS=$OUT/packages/logs
# The clean roots' bases, BASE (bookworm) and TRIXIE_BASE: tests/lib/roots.
TRIXIE_ROOT=$WORK/root-trixie
# autopkgtest's and piuparts' base: what they add is what the packages
# bring. systemd and the headers are there as on the systems mapper is for
# (piuparts would otherwise purge systemd with mapper-dkms and blame its
# leftovers on it); apt-utils for autopkgtest's local repository. gzip:
# piuparts reads nothing else.
TOOLS_PKGS="apt-utils,systemd,linux-headers-amd64"
TOOLS_BASE=$WORK/bookworm-tools-$(echo "$TOOLS_PKGS" | md5sum | cut -c1-8).tar.gz
VERSION=$(sed -n 's/^#define MAPPER_VERSION "\(.*\)"/\1/p' "$TOP/src/version.h")

# The runner (run, say, die, skip, note), the roots (withmounts, inroot,
# apt_in, make_base) and the checks of DKMS's work (installed, signed).
ONLY=${PKG_ONLY:-} ONLY_VAR=PKG_ONLY
# shellcheck source=tests/lib/roots
. "$TOP/tests/lib/roots"
rm -f "$LOGS"/*.log

# --- build and lint --------------------------------------------------------
# dkms_conf PACKAGE-FILE: the dkms.conf files in it, each as "PATH: VERSION"
# (its PACKAGE_VERSION).
dkms_conf() {
	local f
	case $1 in
	*.deb) for f in $(dpkg-deb -c "$1" | awk '$6 ~ /\/dkms\.conf$/ { print $6 }'); do
		echo "${f#.}: $(dpkg-deb --fsys-tarfile "$1" | tar -xO "$f" | sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p')"
	done ;;
	*.rpm) for f in $(rpm -qpl "$1" | grep '/dkms\.conf$'); do
		echo "$f: $(rpm2cpio "$1" | cpio -i --quiet --to-stdout ".$f" | sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p')"
	done ;;
	esac
}
t_build() {
	if [ "${PKG_PREBUILT:-}" != 1 ]; then
		$MAKE -C "$TOP" deb || die "make deb"
		$MAKE -C "$TOP" rpm || die "make rpm"
		# The rebuilt higher release that the rpm test upgrades to.
		$MAKE -C "$TOP" rpm RPM_RELEASE=2 RPM_OUT="$OUT/rpm-upgrade" || die "make rpm RPM_RELEASE=2"
	fi
	ls "$OUT"/deb/mapper-dkms_*.deb "$OUT"/deb/mapper-utils_*.deb "$OUT"/deb/mapper-dev_*.deb \
		"$OUT"/rpm/mapper-dkms-*.noarch.rpm "$OUT"/rpm/mapper-utils-*.rpm \
		"$OUT"/rpm-upgrade/mapper-dkms-*-2.noarch.rpm || die "packages missing"
	say "lintian (errors and warnings fail; overrides need a written reason)"
	# lintian refuses nothing as root but says so; run it as nobody.
	chmod -R a+rX "$OUT/deb"
	setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp \
		lintian --fail-on error,warning --pedantic --display-info "$OUT"/deb/*.changes ||
		die "lintian"
	say "rpmlint (errors fail; see tests/packages/rpmlint.toml)"
	# The spec needs mapper_version, which make rpm defines; rpmlint reads
	# macros from ~/.rpmmacros only.
	local h=$WORK/rpmlint-home
	mkdir -p "$h" && echo "%mapper_version $VERSION" >"$h/.rpmmacros"
	HOME=$h rpmlint -c "$HERE/rpmlint.toml" "$OUT"/rpm/*.rpm "$TOP/rpm/mapper.spec" | tee "$LOGS/rpmlint.out"
	grep -q ' 0 errors,' "$LOGS/rpmlint.out" || die "rpmlint errors"
	say "one dkms.conf per package, with the version of src/version.h ($VERSION)"
	local d=$WORK/install-check c
	rm -rf "$d"
	$MAKE -s -C "$TOP" install DESTDIR="$d" OUT="$d/out" >/dev/null || die "make install"
	c=$(cd "$d" && find . -name dkms.conf)
	echo "make install: $c"
	[ "$c" = "./usr/src/mapper-$VERSION/dkms.conf" ] || die "make install: dkms.conf at '$c'"
	grep -qxF "PACKAGE_VERSION=\"$VERSION\"" "$d/$c" || die "make install: dkms.conf without version $VERSION"
	rm -rf "$d"
	for f in "$OUT"/deb/mapper-dkms_*.deb "$OUT"/rpm/mapper-dkms-*.noarch.rpm; do
		c=$(dkms_conf "$f")
		echo "${f##*/}: $c"
		[ "$c" = "/usr/src/mapper-$VERSION/dkms.conf: $VERSION" ] || die "${f##*/}: dkms.conf is not one with $VERSION"
	done
}

# --- arm64, cross-built ------------------------------------------------------
# elf_machine PACKAGE-FILE PATH: the ELF machine of PATH in the package.
elf_machine() {
	case $1 in
	*.deb) dpkg-deb --fsys-tarfile "$1" | tar -xO ".$2" ;;
	*.rpm) rpm2cpio "$1" | cpio -i --quiet --to-stdout ".$2" ;;
	esac | od -An -tx1 -j18 -N2 | tr -d ' '
}
t_arm64_build() {
	local f p
	if [ "${PKG_PREBUILT:-}" != 1 ]; then
		$MAKE -C "$TOP" deb-arm64 || die "make deb-arm64"
		$MAKE -C "$TOP" rpm-arm64 || die "make rpm-arm64"
	fi
	ls "$OUT"/deb-arm64/mapper-utils_"$VERSION"_arm64.deb "$OUT"/deb-arm64/mapper-dkms_"$VERSION"_all.deb \
		"$OUT"/deb-arm64/mapper-dev_"$VERSION"_all.deb "$OUT"/deb-arm64/*_arm64.changes \
		"$OUT"/rpm-arm64/mapper-utils-"$VERSION"-*.aarch64.rpm "$OUT"/rpm-arm64/mapper-dkms-*.noarch.rpm \
		"$OUT"/rpm-arm64/mapper-devel-*.noarch.rpm || die "packages missing"
	say "lintian (errors and warnings fail)"
	chmod -R a+rX "$OUT/deb-arm64"
	setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME=/tmp \
		lintian --fail-on error,warning --pedantic --display-info "$OUT"/deb-arm64/*.changes ||
		die "lintian"
	say "rpmlint (errors fail)"
	local h=$WORK/rpmlint-home
	mkdir -p "$h" && echo "%mapper_version $VERSION" >"$h/.rpmmacros"
	HOME=$h rpmlint -c "$HERE/rpmlint.toml" "$OUT"/rpm-arm64/*.rpm | tee "$LOGS/rpmlint-arm64.out"
	grep -q ' 0 errors,' "$LOGS/rpmlint-arm64.out" || die "rpmlint errors"
	say "aarch64 programs (ELF e_machine b7 00), linked against arm64's json-c"
	f=$OUT/deb-arm64/mapper-utils_${VERSION}_arm64.deb
	for p in /usr/bin/mapper-dump /usr/sbin/mapperctl; do
		echo "${f##*/} $p: $(elf_machine "$f" "$p")"
		[ "$(elf_machine "$f" "$p")" = b700 ] || die "$p is no aarch64 program"
	done
	dpkg-deb -f "$f" Architecture Depends
	[ "$(dpkg-deb -f "$f" Architecture)" = arm64 ] || die "not Architecture: arm64"
	dpkg-deb -f "$f" Depends | grep -q 'libjson-c5' || die "no Depends on libjson-c5"
	f=$(ls "$OUT"/rpm-arm64/mapper-utils-"$VERSION"-*.aarch64.rpm)
	for p in /usr/bin/mapper-dump /usr/sbin/mapperctl; do
		echo "${f##*/} $p: $(elf_machine "$f" "$p")"
		[ "$(elf_machine "$f" "$p")" = b700 ] || die "$p is no aarch64 program"
	done
	rpm -qp --requires "$f" | grep -x 'libjson-c.so.5()(64bit)' || die "no requires of libjson-c.so.5()(64bit)"
	say "the arch-all packages hold what build-and-lint's do, the tools the same files"
	for f in "$OUT"/deb/mapper-dkms_*.deb "$OUT"/deb/mapper-dev_*.deb; do
		diff -u <(pkg_files "$f") <(pkg_files "$OUT/deb-arm64/${f##*/}") || die "${f##*/} differs"
	done
	for f in "$OUT"/rpm/mapper-dkms-*.noarch.rpm "$OUT"/rpm/mapper-devel-*.noarch.rpm; do
		diff -u <(pkg_files "$f") <(pkg_files "$OUT/rpm-arm64/${f##*/}") || die "${f##*/} differs"
	done
	diff -u <(pkg_files "$OUT"/deb/mapper-utils_"$VERSION"_amd64.deb) \
		<(pkg_files "$OUT"/deb-arm64/mapper-utils_"$VERSION"_arm64.deb) || die "mapper-utils: other files on arm64"
	diff -u <(pkg_files "$(ls "$OUT"/rpm/mapper-utils-*.x86_64.rpm)") \
		<(pkg_files "$(ls "$OUT"/rpm-arm64/mapper-utils-*.aarch64.rpm)") || die "mapper-utils.rpm: other files on aarch64"
}

# --- the version is written once --------------------------------------------
# src/version.h only: a debian/changelog of another version stops the .deb
# build at once, and the spec says what is missing without make rpm.
t_version_guards() {
	local d=$WORK/version-guards out
	rm -rf "$d" && mkdir -p "$d/src" "$d/debian"
	cp "$TOP/debian/rules" "$TOP/debian/changelog" "$TOP/debian/control" "$d/debian/"
	sed 's/^\(#define MAPPER_VERSION "\).*"/\19.9.9"/' "$TOP/src/version.h" >"$d/src/version.h"
	say "debian/rules with src/version.h at 9.9.9, debian/changelog at $VERSION"
	out=$(cd "$d" && make -f debian/rules -n clean 2>&1)
	echo "$out"
	case $out in
	*"debian/changelog is at $VERSION but src/version.h at 9.9.9"*) ;;
	*) die "debian/rules did not refuse the mismatch" ;;
	esac
	cp "$TOP/src/version.h" "$d/src/version.h"
	(cd "$d" && make -f debian/rules -n clean) || die "debian/rules refuses matching versions"
	rm -rf "$d"
	say "rpmspec without mapper_version"
	out=$(rpmspec -q "$TOP/rpm/mapper.spec" 2>&1) && die "the spec parsed without mapper_version: $out"
	echo "$out"
	case $out in *"mapper_version is not defined"*) ;; *) die "the spec's error does not name mapper_version" ;; esac
	rpmspec -q --define "mapper_version $VERSION" "$TOP/rpm/mapper.spec" || die "the spec with mapper_version"
}

# --- from a release tarball ------------------------------------------------
# Distributions build from "git archive" output: no .git, nothing ignored.
# The archive is of the work tree as it is (a tree written from a scratch
# index: tracked and new files, as make deb stages them), so it must give
# the very packages build-and-lint built.
pkg_files() { # PACKAGE-FILE: mode, owner and path of every file in it
	case $1 in
	*.deb) dpkg-deb -c "$1" | awk '{ print $1, $2, $6 }' ;;
	*.rpm) rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME}/%{FILEGROUPNAME} %{FILENAMES}\n]' "$1" |
		grep -v ' /usr/lib/\.build-id' ;;
	esac
}

t_tarball() {
	local dir=$WORK/tarball src t f
	[ -e "$TOP/.git" ] || skip "$TOP is no git work tree: build-and-lint built from a plain tree"
	rm -rf "$dir" && mkdir -p "$dir"
	src=$dir/mapper-$VERSION
	(
		cd "$TOP" || exit 1
		cp "$(git rev-parse --git-path index)" "$dir/index" || exit 1
		export GIT_INDEX_FILE=$dir/index
		t=$(git add -A && git write-tree) &&
			git archive --prefix="mapper-$VERSION/" -o "$dir/mapper-$VERSION.tar.gz" "$t"
	) || die "git archive"
	tar -C "$dir" -xzf "$dir/mapper-$VERSION.tar.gz" || die "unpack"
	rm -f "$dir/index"
	[ ! -e "$src/.git" ] || die "the tarball holds .git"
	# Nothing above $dir may pass for the project's repository.
	export GIT_CEILING_DIRECTORIES=$dir
	say "make deb, make rpm in $src"
	$MAKE -C "$src" OUT="$dir/out" deb || die "make deb from the tarball"
	$MAKE -C "$src" OUT="$dir/out" rpm || die "make rpm from the tarball"
	$MAKE -C "$src" OUT="$dir/out" deb-arm64 || die "make deb-arm64 from the tarball"
	$MAKE -C "$src" OUT="$dir/out" rpm-arm64 || die "make rpm-arm64 from the tarball"
	say "the same files as the packages built from the work tree"
	for f in "$OUT"/deb/mapper-dkms_*.deb "$OUT"/deb/mapper-utils_*.deb "$OUT"/deb/mapper-dev_*.deb \
		"$OUT"/rpm/mapper-dkms-*.rpm "$OUT"/rpm/mapper-utils-*.rpm "$OUT"/rpm/mapper-devel-*.rpm \
		"$OUT"/deb-arm64/mapper-*.deb "$OUT"/rpm-arm64/mapper-*.rpm; do
		t=$dir/out/${f#"$OUT"/}
		[ -e "$t" ] || die "the tarball did not build ${f##*/}"
		diff -u <(pkg_files "$f") <(pkg_files "$t") || die "${f##*/} differs"
		echo "${f##*/}: $(pkg_files "$t" | wc -l) files, as from the work tree"
	done
	rm -rf "$dir"
}

# --- Debian's package tests --------------------------------------------------
# The .debs' own tests (debian/tests/control) as Debian runs them, in a
# container: autopkgtest-virt-unshare unpacks $TOOLS_BASE afresh for every
# test; tests that need a booted machine (isolation-machine) are skipped
# there (the boot test covers loading). The apt download cache is shared.
debs() { ls "$OUT"/deb/mapper-dkms_*.deb "$OUT"/deb/mapper-utils_*.deb "$OUT"/deb/mapper-dev_*.deb; }

t_autopkgtest() {
	local res=$LOGS/autopkgtest rc path=$PATH
	make_base "$TOOLS_BASE" bookworm "$TOOLS_PKGS"
	# autopkgtest-virt-unshare maps root into a user namespace with the
	# subordinate ids of /etc/subuid (unshare --map-auto). Root needs no
	# namespace to be root: where it has no such ids, an unshare that
	# leaves the user namespace out.
	if [ "$(id -u)" = 0 ] && ! unshare --map-auto --map-root-user true 2>/dev/null; then
		mkdir -p "$WORK/bin"
		cat >"$WORK/bin/unshare" <<-'EOF'
		#!/bin/bash
		a=()
		for x; do case $x in --map-auto | --map-root-user | --user) ;; *) a+=("$x") ;; esac; done
		exec /usr/bin/unshare "${a[@]}"
		EOF
		chmod +x "$WORK/bin/unshare"
		path=$WORK/bin:$PATH
		echo "root has no /etc/subuid range: autopkgtest-virt-unshare without a user namespace"
	fi
	rm -rf "$res"
	[ -f "$OUT/packages/stage/mapper-$VERSION/debian/tests/control" ] ||
		$MAKE -C "$TOP" packages-stage >/dev/null || die "make packages-stage"
	# -B: the packages are built; the source tree is the staged one (the
	# tests read src/version.h and tests/packages/maptest.c from it).
	# shellcheck disable=SC2046
	PATH=$path autopkgtest -B "$OUT/packages/stage/mapper-$VERSION/" $(debs) -o "$res" \
		--setup-commands='apt-get -q update' -- \
		unshare --tarball "$TOOLS_BASE" --bind "$WORK/apt-archives" /var/cache/apt/archives
	rc=$?
	echo "autopkgtest exit status $rc"
	[ -s "$res/summary" ] || die "autopkgtest wrote no summary"
	while read -r t r why; do
		case $r in
		PASS) note "autopkgtest $t: PASS" ;;
		SKIP) note "autopkgtest $t: SKIP ${why}" ;;
		*) note "autopkgtest $t: $r ${why}" ;;
		esac
	done < <(awk '!seen[$0]++' "$res/summary")
	# 0: all passed, 2: some were skipped, none failed.
	[ "$rc" = 0 ] || [ "$rc" = 2 ] || die "autopkgtest failed (exit status $rc; logs in $res)"
	grep -q '^installed *PASS' "$res/summary" || die "the test of the installed files did not pass"
	grep -q '^command1 *PASS' "$res/summary" || die "DKMS's test did not pass"
}

# piuparts: install the .debs with their dependencies from the archive into
# a clean root (DKMS builds the module for the headers there), purge them,
# and compare: no file left behind or changed, maintainer scripts that work.
# The dependencies come from the mirror of the base's sources (the host's,
# deb.debian.org). An upgrade from the previous release would need its
# .debs in an archive: piuparts says it cannot test one.
# Ignored: DKMS's module signing key, which dkms keeps even when purged
# (it may be enrolled in the firmware), and a directory debconf leaves.
# The clean environment: piuparts passes its own to the maintainer scripts,
# and with it the calling make's MAKEFLAGS to DKMS's make.
t_piuparts() {
	local rc
	make_base "$TOOLS_BASE" bookworm "$TOOLS_PKGS"
	# shellcheck disable=SC2046
	$CLEAN_ENV piuparts --basetgz "$TOOLS_BASE" -d bookworm --keep-sources-list --no-eatmydata \
		-l "$LOGS/piuparts.full.log" \
		-i /var/lib/dkms/ -i /var/lib/dkms/mok.key -i /var/lib/dkms/mok.pub \
		-i /var/cache/debconf/tmp.ci/ \
		$(debs) >/dev/null 2>&1
	rc=$?
	grep -E 'ERROR|WARN|PASS|FAIL|^  +(E:|dpkg: error| .* but it is not)' "$LOGS/piuparts.full.log" | grep -v DEBUG
	[ "$rc" = 0 ] || die "piuparts failed (full log: $LOGS/piuparts.full.log)"
}

# --- clean root, apt-get install by name ------------------------------------
# The kernel the base root came with (recorded before other kernels arrive).
kver_base() { cat "$WORK/kver-base"; }

# new_root BASE-FILE: $ROOT afresh from it, with the built .debs as a local
# apt repository.
new_root() {
	rm -rf "$ROOT" && mkdir -p "$ROOT"
	tar -C "$ROOT" --zstd -xf "$1" || die "extract $1"
	mkdir -p "$ROOT/srv/mapper-repo"
	cp "$OUT"/deb/*.deb "$ROOT/srv/mapper-repo/"
	(cd "$ROOT/srv/mapper-repo" && dpkg-scanpackages --multiversion . >Packages) || die "dpkg-scanpackages"
	echo "deb [trusted=yes] file:/srv/mapper-repo ./" >"$ROOT/etc/apt/sources.list.d/mapper.list"
	apt_in update || die "apt-get update"
}

t_apt_install() {
	make_base "$BASE" bookworm "$BASE_PKGS"
	new_root "$BASE"
	ls "$ROOT/lib/modules" >"$WORK/kver-base"
	[ "$(wc -l <"$WORK/kver-base")" = 1 ] || die "the base root should hold one kernel"
	say "apt-get install mapper-dkms mapper-utils mapper-dev"
	if ! apt_in install mapper-dkms mapper-utils mapper-dev; then
		cat "$ROOT"/var/lib/dkms/mapper/*/build/make.log 2>/dev/null
		die "apt-get install"
	fi
	installed "$(kver_base)"
	signed "$(kver_base)"
}

# --- kernel update ------------------------------------------------------------
t_kernel_update() {
	base=$(kver_base)
	new=$(inroot apt-cache search --names-only '^linux-headers-6\.1\.0-[0-9]+-amd64$' |
		sed 's/^linux-headers-\([^ ]*\) .*/\1/' | grep -vx "$base" | sort -V | tail -n 1)
	[ -n "$new" ] || die "no other linux-headers-6.1.0-N-amd64 in the archive"
	echo "$new" >"$WORK/kver-update"
	say "apt-get install linux-headers-$new"
	apt_in install "linux-headers-$new" || die "apt-get install linux-headers-$new"
	inroot dkms status
	inroot dkms status -m mapper -v "$VERSION" -k "$new" | grep -q ': installed' ||
		die "mapper not built for $new"
	test -e "$ROOT/lib/modules/$new/updates/dkms/mapper.ko" ||
		ls "$ROOT/lib/modules/$new/updates/dkms/" | grep -q '^mapper\.ko' || die "no mapper.ko for $new"
	signed "$new"
}

# --- boot under QEMU --------------------------------------------------------------
t_boot() {
	k=$(kver_base)
	inroot useradd -m -G mapper alice || die useradd
	inroot useradd -m bob || die useradd
	cp "$HERE/maptest.c" "$ROOT/tmp/maptest.c"
	inroot gcc -O2 -Wall -Werror -o /usr/local/bin/maptest /tmp/maptest.c ||
		die "maptest does not build against the installed <mapper.h>"
	install -m755 "$HERE/vm-check.sh" "$ROOT/usr/local/bin/pkg-vm-check"
	# debian/tests/module needs a booted machine: this one.
	install -m755 "$TOP/debian/tests/module" "$ROOT/usr/local/bin/pkg-autopkgtest-module"
	cat >"$ROOT/etc/systemd/system/pkg-vm-check.service" <<-'EOF'
	[Unit]
	Description=mapper package check
	After=systemd-modules-load.service systemd-udev-trigger.service systemd-user-sessions.service

	[Service]
	Type=oneshot
	ExecStart=/usr/local/bin/pkg-vm-check
	StandardOutput=journal+console

	[Install]
	WantedBy=multi-user.target
	EOF
	ln -sf /etc/systemd/system/pkg-vm-check.service \
		"$ROOT/etc/systemd/system/multi-user.target.wants/pkg-vm-check.service"
	# The check writes to ttyS0; a getty there would hang it up mid-way.
	ln -sf /dev/null "$ROOT/etc/systemd/system/serial-getty@ttyS0.service"
	# Two buffers for mapper-setup.service to make at boot (vm-check.sh
	# knows them); the shipped file is put back before the module test.
	cp -p "$ROOT/etc/mapper.conf" "$ROOT/etc/mapper.conf.shipped" || die "no /etc/mapper.conf in mapper-utils"
	printf '# made at boot by the package check\nring 4M\nframes 8M cache=cached\n' >"$ROOT/etc/mapper.conf"
	img=$WORK/root.img
	rm -f "$img"
	say "mke2fs -d"
	mke2fs -q -F -t ext4 -L root -d "$ROOT" "$img" 4G || die mke2fs
	mv "$ROOT/etc/mapper.conf.shipped" "$ROOT/etc/mapper.conf"
	rm -f "$ROOT/etc/systemd/system/multi-user.target.wants/pkg-vm-check.service" \
		"$ROOT/etc/systemd/system/serial-getty@ttyS0.service"
	say "booting $k"
	# The root's own kernel and initrd, systemd and udev: vm-check.sh
	# reports on the result port, as TAP.
	"$TOP/tests/lib/vm" --name boot --kernel "$ROOT/boot/vmlinuz-$k" \
		--initrd "$ROOT/boot/initrd.img-$k" --disk "$img" --mem 1024M --timeout 600 \
		--out "$LOGS/boot" --append "root=/dev/vda rw loglevel=5"
	rc=$?
	rm -f "$img"
	[ $rc = 0 ] || die "in-VM checks failed (kernel log: $LOGS/boot/console.log)"
}

# --- a kernel without headers ----------------------------------------------------------------
# DKMS itself names the kernel whose headers are missing, from its kernel
# hook (a new kernel) and from mapper-dkms's postinst (every kernel).
t_missing_headers() {
	base=$(kver_base)
	upd=$(cat "$WORK/kver-update" 2>/dev/null)
	k=$(inroot apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64$' |
		sed 's/^linux-image-\([^ ]*\) .*/\1/' | grep -vx -e "$base" -e "${upd:-none}" |
		sort -V | tail -n 1)
	[ -n "$k" ] || die "no other linux-image-6.1.0-N-amd64 in the archive"
	say "apt-get install linux-image-$k (its headers are not installed)"
	apt_in install --no-install-recommends "linux-image-$k" 2>&1 | tee "$LOGS/missing-headers.out"
	[ "${PIPESTATUS[0]}" = 0 ] || die "installing a kernel without headers failed"
	grep -F "autoinstall for kernel $k was skipped since the kernel headers for this kernel do not seem to be installed" \
		"$LOGS/missing-headers.out" || die "DKMS's kernel hook did not say that $k has no headers"
	# In a chroot (uname -r names the host's kernel) the postinst builds for
	# every kernel in /lib/modules.
	say "dpkg-reconfigure mapper-dkms (its postinst, with $k there)"
	inroot dpkg-reconfigure mapper-dkms 2>&1 | tee "$LOGS/missing-headers-postinst.out"
	[ "${PIPESTATUS[0]}" = 0 ] || die "mapper-dkms's postinst failed with a kernel without headers"
	tr '\n' ' ' <"$LOGS/missing-headers-postinst.out" |
		grep -F "Module build for kernel $k was skipped since the kernel headers for this kernel do not seem to be installed" ||
		die "mapper-dkms's postinst (DKMS) did not say that $k has no headers"
	say "apt keeps working"
	inroot dpkg --audit | tee "$LOGS/audit.out"
	[ ! -s "$LOGS/audit.out" ] || die "dpkg --audit reports half-installed packages"
	apt_in check || die "apt-get check"
	apt_in install --reinstall mapper-utils || die "apt-get install after the kernel"
	inroot dkms status
}

# --- purge (rpm and trixie; piuparts checks bookworm's) ----------------------------
leftovers() {
	local r=$ROOT bad=0
	for p in "$r"/usr/src/mapper-* "$r/var/lib/dkms/mapper" \
		"$r"/lib/udev/rules.d/*mapper* "$r"/usr/lib/udev/rules.d/*mapper* \
		"$r"/etc/udev/rules.d/*mapper* "$r/usr/lib/modules-load.d/mapper.conf" \
		"$r/etc/modules-load.d/mapper.conf" "$r/etc/modprobe.d/mapper.conf" \
		"$r/usr/lib/sysusers.d/mapper.conf" "$r/usr/include/mapper.h" "$r/usr/include/mapper_sample.h" \
		"$r/usr/bin/mapper-dump" "$r/usr/sbin/mapperctl" \
		"$r/usr/share/man/man1/mapper-dump.1.gz" "$r/usr/share/man/man4/mapper.4.gz" \
		"$r/usr/share/man/man8/mapperctl.8.gz" "$r/usr/share/man/man5/mapper.conf.5.gz" \
		"$r/usr/lib/systemd/system/mapper-setup.service" "$r/etc/mapper.conf" \
		"$r/usr/share/bash-completion/completions/mapper-dump" \
		"$r/usr/share/bash-completion/completions/mapperctl"; do
		if [ -e "$p" ] || [ -L "$p" ]; then
			echo "left behind: ${p#"$r"}"
			bad=1
		fi
	done
	ko=$(find "$r/usr/lib/modules" -name 'mapper*.ko*' 2>/dev/null)
	[ -z "$ko" ] || { echo "left behind: $ko"; bad=1; }
	return $bad
}

# purge NAME: apt-get purge of the packages (output in $LOGS/NAME.out); dpkg
# must forget them, leave no file and warn of nothing (on merged /usr, files
# shipped through /lib leave "directory '/lib/udev/rules.d' not empty so not
# removed").
purge() {
	apt_in purge mapper-dkms mapper-utils mapper-dev 2>&1 | tee "$LOGS/$1.out"
	[ "${PIPESTATUS[0]}" = 0 ] || die "apt-get purge"
	! grep -i 'warning: while removing mapper-' "$LOGS/$1.out" || die "dpkg warned while purging"
	inroot dpkg -l | grep -E '^[a-z][a-z] +mapper-' && die "dpkg still lists mapper packages"
	inroot dkms status
	leftovers || die "purge left files behind"
}

# --- rpm -------------------------------------------------------------------------
rpm_root() { withmounts $CLEAN_ENV rpm --root "$ROOT" --force-debian "$@"; }

t_rpm() {
	# The bookworm root of the tests before, without the .debs.
	apt_in purge mapper-dkms mapper-utils mapper-dev || die "apt-get purge of the .debs"
	leftovers || die "root not clean before the rpm test"
	# rpm --nodeps below: what DKMS needs to sign is checked here.
	rpm -qp --requires "$OUT"/rpm/mapper-dkms-*.noarch.rpm | grep -x 'openssl' ||
		die "mapper-dkms.rpm does not require openssl"
	inroot sh -c 'command -v dkms' || die "no dkms in the root"
	rpm --root "$ROOT" --initdb || die "rpm --initdb"
	say "rpm -i (release 1)"
	rpm_root -i --nodeps "$OUT"/rpm/mapper-dkms-*.noarch.rpm "$OUT"/rpm/mapper-utils-*.x86_64.rpm ||
		die "rpm -i"
	inroot dkms status
	for k in $(ls "$ROOT/lib/modules"); do
		[ -e "$ROOT/lib/modules/$k/build/include" ] || continue
		inroot dkms status -m mapper -v "$VERSION" -k "$k" | grep -q ': installed' ||
			die "rpm: mapper not installed for $k"
	done
	signed "$(kver_base)"
	inroot getent group mapper || die "rpm: group mapper missing"
	test -e "$ROOT/usr/lib/udev/rules.d/60-mapper.rules" || die "rpm: no udev rule"
	say "rpm -U (release 2, same version: the old %preun must not remove the module)"
	rpm_root -U --nodeps "$OUT"/rpm-upgrade/mapper-dkms-*-2.noarch.rpm \
		"$OUT"/rpm-upgrade/mapper-utils-*-2.x86_64.rpm || die "rpm -U"
	rpm_root -q mapper-dkms | grep -q -- "-$VERSION-2\." || die "rpm -U did not upgrade"
	inroot dkms status
	k=$(kver_base)
	inroot dkms status -m mapper -v "$VERSION" -k "$k" | grep -q ': installed' ||
		die "rpm: mapper not installed after the upgrade"
	inroot modinfo -k "$k" -F version mapper || die "rpm: no mapper.ko after the upgrade"
	say "rpm -e"
	rpm_root -e mapper-dkms mapper-utils || die "rpm -e"
	inroot dkms status
	leftovers || die "rpm -e left files behind"
}

# --- trixie ----------------------------------------------------------------
# readme_debs: the README's "apt install ./mapper-dkms_<version>_all.deb ..."
# with <version> and <arch> filled in, as paths in the root's
# /srv/mapper-repo; each must be a file make deb made.
readme_debs() {
	local args w
	args=$(sed -n 's/.*`apt install \(\.\/mapper-dkms[^`]*\)`.*/\1/p' "$TOP/README.md" | head -n 1)
	[ -n "$args" ] || { echo "README.md: no \`apt install ./mapper-dkms...\` line" >&2; return 1; }
	args=$(echo "$args" | sed "s/<version>/$VERSION/g; s/<arch>/$(dpkg --print-architecture)/g")
	for w in $args; do
		if [ "${w#./}" = "$w" ] || [ ! -e "$OUT/deb/${w#./}" ]; then
			echo "README.md names $w; make deb made: $(cd "$OUT/deb" && echo *.deb)" >&2
			return 1
		fi
		echo "/srv/mapper-repo/${w#./}"
	done
}

# Each part runs on when another failed (all are reported at the end).
t_trixie() {
	local k debs bad=
	ROOT=$TRIXIE_ROOT
	make_base "$TRIXIE_BASE" trixie "$TRIXIE_PKGS"
	new_root "$TRIXIE_BASE"
	k=$(ls "$ROOT/lib/modules")
	! inroot sh -c 'command -v openssl' || die "the trixie base has openssl already"
	if debs=$(readme_debs); then
		say "the README's apt install: ${debs//$'\n'/ }"
	else
		bad="$bad, the README's apt install line"
		debs="mapper-dkms mapper-utils"
		say "apt-get install $debs (by name, as the README's line is wrong)"
	fi
	# shellcheck disable=SC2086
	if ! apt_in install $debs mapper-dev; then
		cat "$ROOT"/var/lib/dkms/mapper/*/build/make.log 2>/dev/null
		die "apt install"
	fi
	installed "$k"
	(signed "$k") || bad="$bad, signing"
	(purge purge-trixie) || bad="$bad, purge"
	[ -z "$bad" ] || die "failed: ${bad#, }"
}

T0=$(date +%s)
run build-and-lint t_build
run arm64-build-and-lint t_arm64_build build-and-lint
run version-guards t_version_guards
run tarball t_tarball build-and-lint arm64-build-and-lint
run autopkgtest t_autopkgtest build-and-lint
run piuparts t_piuparts build-and-lint
run apt-install t_apt_install build-and-lint
run kernel-update t_kernel_update apt-install
run boot t_boot apt-install
run missing-headers t_missing_headers apt-install
run rpm t_rpm build-and-lint apt-install
run trixie t_trixie build-and-lint
if [ "${PKG_KEEP:-}" != 1 ]; then
	rm -rf "$ROOT" "$TRIXIE_ROOT" "$WORK/root.img" "$WORK/tarball"
fi
echo "# check-packages took $(($(date +%s) - T0)) s; logs in $LOGS"
echo "# packages: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
