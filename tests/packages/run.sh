#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-packages: build the packages, lint them, and install, boot,
# update, remove and purge them as users do, in throw-away roots under
# $CACHE/packages. The host's own package database is never touched.
#
#   1 build + lint      make deb, make rpm; lintian, rpmlint
#   8 tarball           git archive of the tree, unpacked where there is no
#                       git: make deb and make rpm build the same packages
#   2 apt install       clean bookworm root + local apt repo: apt-get install
#                       mapper-dkms mapper-utils; dkms status: installed;
#                       the modules are signed with DKMS's key
#   3 kernel update     another linux-headers-6.1.0-N-amd64: built (and
#                       signed) by itself
#   4 boot              the root under QEMU (systemd, udev, its own kernel)
#   7 missing headers   a kernel image without headers: the user is told the
#                       package; apt keeps working
#   5 purge             nothing left behind, no warning from dpkg
#   6 rpm               rpm --root --nodeps with Debian's real dkms: install,
#                       upgrade to a rebuilt release, erase
#   9 trixie            clean trixie root (merged /usr, dkms 3.2): the
#                       README's "apt install ./mapper-dkms_..." line works
#                       as written, the modules are signed, the purge leaves
#                       nothing and dpkg warns of nothing
#
# Environment: TOP, OUT, CACHE, MAKE (set by mk/packages.mk);
# PKG_KEEP=1 keeps the roots and image of the last run for inspection;
# PKG_PREBUILT=1 tests the packages already in $OUT/deb and $OUT/rpm*.
set -u

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${OUT:-$TOP/build}
CACHE=${CACHE:-$HOME/.cache/mapper}
MAKE=${MAKE:-make}
HERE=$TOP/tests/packages
WORK=$CACHE/packages
ROOT=$WORK/root
LOGS=$OUT/packages/logs
BASE_PKGS="systemd-sysv,udev,kmod,linux-image-amd64,linux-headers-amd64,man-db"
BASE=$WORK/bookworm-base-$(echo "$BASE_PKGS" | md5sum | cut -c1-8).tar.zst
# Only install and purge happen there (no boot): udev, so that
# /usr/lib/udev/rules.d belongs to another package as on real systems; no
# openssl, which mapper-dkms must bring for DKMS to sign.
TRIXIE_PKGS="udev,kmod,linux-headers-amd64"
TRIXIE_BASE=$WORK/trixie-base-$(echo "$TRIXIE_PKGS" | md5sum | cut -c1-8).tar.zst
TRIXIE_ROOT=$WORK/root-trixie
VERSION=$(sed -n 's/^#define MAPPER_VERSION "\(.*\)"/\1/p' "$TOP/src/version.h")

mkdir -p "$WORK/apt-archives/partial" "$LOGS"
rm -f "$LOGS"/*.log

pass=0 fail=0 n=0
declare -A failed

# run NAME [needs...] -- FUNCTION: one test; its output goes to $LOGS/NAME.log.
run() {
	local name=$1 fn=$2 t0 rc
	shift 2
	n=$((n + 1))
	for dep in "$@"; do
		if [ -n "${failed[$dep]:-}" ]; then
			echo "not ok $n - $name # needs $dep, which failed"
			failed[$name]=1 fail=$((fail + 1))
			return
		fi
	done
	t0=$(date +%s)
	("$fn") >"$LOGS/$name.log" 2>&1
	rc=$?
	if [ $rc = 0 ]; then
		echo "ok $n - $name ($(($(date +%s) - t0)) s)"
		pass=$((pass + 1))
	else
		echo "not ok $n - $name ($(($(date +%s) - t0)) s); last lines of $LOGS/$name.log:"
		tail -n 25 "$LOGS/$name.log" | sed 's/^/#   /'
		failed[$name]=1 fail=$((fail + 1))
	fi
}

say() { printf '== %s\n' "$*"; }
die() { printf 'FAIL: %s\n' "$*"; exit 1; }

# withmounts CMD...: CMD on the host, with /proc, /sys, /dev and the shared
# apt download cache mounted in $ROOT, in a private mount namespace (gone
# when CMD ends).
withmounts() {
	unshare --mount --fork sh -c '
		r=$1 cache=$2; shift 2
		mount -t proc proc "$r/proc" && mount -t sysfs sys "$r/sys" &&
		mount --rbind /dev "$r/dev" &&
		mount --bind "$cache" "$r/var/cache/apt/archives" || exit 1
		cp /etc/resolv.conf "$r/etc/resolv.conf" 2>/dev/null
		exec "$@"' sh "$ROOT" "$WORK/apt-archives" "$@"
}
# A clean environment, as a user's shell would have: nothing of the calling
# make (MAKEFLAGS, its jobserver, command-line variables) may reach the DKMS
# builds in the root.
CLEAN_ENV="env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive"
inroot() { withmounts $CLEAN_ENV chroot "$ROOT" "$@"; }
apt_in() { inroot apt-get -y -q -o Dpkg::Use-Pty=0 "$@"; }

# --- 0 version -------------------------------------------------------------
t_version() { sh "$HERE/check-version.sh" "$TOP"; }

# --- 1 build and lint --------------------------------------------------------
t_build() {
	if [ "${PKG_PREBUILT:-}" != 1 ]; then
		$MAKE -C "$TOP" deb || die "make deb"
		$MAKE -C "$TOP" rpm || die "make rpm"
		# The rebuilt higher release that test 6 upgrades to.
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
	rpmlint -c "$HERE/rpmlint.toml" "$OUT"/rpm/*.rpm "$TOP/rpm/mapper.spec" | tee "$LOGS/rpmlint.out"
	grep -q ' 0 errors,' "$LOGS/rpmlint.out" || die "rpmlint errors"
}

# --- 8 from a release tarball ------------------------------------------------
# Distributions build from "git archive" output: no .git, nothing ignored.
# The archive is of the work tree as it is (a tree written from a scratch
# index: tracked and new files, as make deb stages them), so it must give
# the very packages test 1 built.
pkg_files() { # PACKAGE-FILE: mode, owner and path of every file in it
	case $1 in
	*.deb) dpkg-deb -c "$1" | awk '{ print $1, $2, $6 }' ;;
	*.rpm) rpm -qp --qf '[%{FILEMODES:perms} %{FILEUSERNAME}/%{FILEGROUPNAME} %{FILENAMES}\n]' "$1" |
		grep -v ' /usr/lib/\.build-id' ;;
	esac
}

t_tarball() {
	local dir=$WORK/tarball src t f
	if [ ! -e "$TOP/.git" ]; then
		echo "$TOP is no git work tree: test 1 built the packages from a plain tree"
		return 0
	fi
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
	say "the same files as the packages built from the work tree"
	for f in "$OUT"/deb/mapper-dkms_*.deb "$OUT"/deb/mapper-utils_*.deb "$OUT"/deb/mapper-dev_*.deb \
		"$OUT"/rpm/mapper-dkms-*.rpm "$OUT"/rpm/mapper-utils-*.rpm "$OUT"/rpm/mapper-devel-*.rpm; do
		t=$dir/out/${f#"$OUT"/}
		[ -e "$t" ] || die "the tarball did not build ${f##*/}"
		diff -u <(pkg_files "$f") <(pkg_files "$t") || die "${f##*/} differs"
		echo "${f##*/}: $(pkg_files "$t" | wc -l) files, as from the work tree"
	done
	rm -rf "$dir"
}

# --- 2 clean root, apt-get install by name ------------------------------------
# The kernel the base root came with (recorded before other kernels arrive).
kver_base() { cat "$WORK/kver-base"; }

# make_base FILE SUITE PACKAGES: a minbase root of SUITE with PACKAGES as
# tar.zst, made once and cached.
make_base() {
	local file=$1 suite=$2 pkgs=$3
	[ -s "$file" ] && return
	say "creating $file (cached for later runs)"
	printf '%s\n' \
		"deb http://deb.debian.org/debian $suite main" \
		"deb http://deb.debian.org/debian $suite-updates main" \
		"deb http://deb.debian.org/debian-security $suite-security main" \
		>"$WORK/sources-$suite.list"
	mmdebstrap --variant=minbase --include="$pkgs" "$suite" \
		"$file.tmp.tar.zst" "$WORK/sources-$suite.list" || die "mmdebstrap $suite"
	mv "$file.tmp.tar.zst" "$file"
}

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

# installed KVER: what installing the packages must have left for kernel KVER.
installed() {
	local k=$1 mv dv
	inroot dkms status
	inroot dkms status -m mapper -v "$VERSION" -k "$k" | grep -q ': installed' ||
		die "dkms status: mapper not installed for $k"
	mv=$(inroot modinfo -F version -k "$k" mapper)
	echo "modinfo -k $k mapper: version $mv"
	[ "$mv" = "$VERSION" ] || die "modinfo version '$mv' != src/version.h '$VERSION'"
	dv=$(inroot mapper-dump --version)
	echo "mapper-dump --version: $dv"
	echo "$dv" | grep -qw -- "$VERSION" || die "mapper-dump --version '$dv' lacks $VERSION"
	inroot modinfo -F version -k "$k" mapper_sample || die "the sample producer was not installed"
	inroot getent group mapper || die "group mapper missing"
}

# signed KVER: DKMS signed mapper and mapper_sample for KVER with its key
# (the README's Secure Boot section): modinfo sees a signature, and the
# module file, decompressed where DKMS compressed it, ends in the kernel's
# signature trailer; /var/lib/dkms/mok.pub is there to enrol.
signed() {
	local k=$1 m f sig raw
	for m in mapper mapper_sample; do
		f=$(inroot modinfo -k "$k" -n "$m") || die "modinfo -n $m"
		sig=$(inroot modinfo -k "$k" -F sig_id "$m")
		echo "$f: sig_id '$sig', signer '$(inroot modinfo -k "$k" -F signer "$m")'"
		case $f in
		*.xz) raw="xz -dc" ;;
		*.zst) raw="zstd -dc" ;;
		*.gz) raw="gzip -dc" ;;
		*) raw="cat" ;;
		esac
		[ -n "$sig" ] || die "$f is not signed (modinfo: no sig_id)"
		[ "$($raw "$ROOT$f" | tail -c 28)" = "~Module signature appended~" ] ||
			die "$f is not signed (no signature trailer)"
	done
	[ -s "$ROOT/var/lib/dkms/mok.pub" ] || die "no /var/lib/dkms/mok.pub to enrol"
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

# --- 3 kernel update ------------------------------------------------------------
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

# --- 4 boot under QEMU --------------------------------------------------------------
t_boot() {
	k=$(kver_base)
	inroot useradd -m -G mapper alice || die useradd
	inroot useradd -m bob || die useradd
	cp "$HERE/maptest.c" "$ROOT/tmp/maptest.c"
	inroot gcc -O2 -Wall -Werror -o /usr/local/bin/maptest /tmp/maptest.c ||
		die "maptest does not build against the installed <mapper.h>"
	install -m755 "$HERE/vm-check.sh" "$ROOT/usr/local/bin/pkg-vm-check"
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
	img=$WORK/root.img
	rm -f "$img"
	say "mke2fs -d"
	mke2fs -q -F -t ext4 -L root -d "$ROOT" "$img" 4G || die mke2fs
	rm -f "$ROOT/etc/systemd/system/multi-user.target.wants/pkg-vm-check.service" \
		"$ROOT/etc/systemd/system/serial-getty@ttyS0.service"
	accel=tcg
	if [ -e /sys/module/kvm_intel ] || [ -e /sys/module/kvm_amd ]; then
		[ -w /dev/kvm ] && accel=kvm
	fi
	say "booting $k ($accel)"
	timeout 600 qemu-system-x86_64 -accel "$accel" -m 1024M -smp 1 -nographic -nodefaults \
		-no-reboot -serial "file:$LOGS/boot-serial.log" \
		-drive "file=$img,if=virtio,format=raw" -snapshot \
		-kernel "$ROOT/boot/vmlinuz-$k" -initrd "$ROOT/boot/initrd.img-$k" \
		-append "root=/dev/vda rw console=ttyS0 panic=-1 loglevel=4" </dev/null
	echo "qemu exit: $?"
	rm -f "$img"
	tr -d '\r' <"$LOGS/boot-serial.log" | grep 'PKGTEST' | tee "$LOGS/boot-results.log"
	grep -q 'PKGTEST done' "$LOGS/boot-results.log" || die "the in-VM check did not finish"
	! grep -q 'PKGTEST FAIL' "$LOGS/boot-results.log" || die "in-VM checks failed"
}

# --- 7 a kernel without headers ----------------------------------------------------------------
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
	grep -q "apt-get install linux-headers-$k" "$LOGS/missing-headers.out" ||
		die "the user was not told to install linux-headers-$k"
	say "apt keeps working"
	inroot dpkg --audit | tee "$LOGS/audit.out"
	[ ! -s "$LOGS/audit.out" ] || die "dpkg --audit reports half-installed packages"
	apt_in check || die "apt-get check"
	apt_in install --reinstall mapper-utils || die "apt-get install after the kernel"
	inroot dkms status
}

# --- 5 purge --------------------------------------------------------------------------
leftovers() {
	local r=$ROOT bad=0
	for p in "$r"/usr/src/mapper-* "$r/var/lib/dkms/mapper" \
		"$r"/lib/udev/rules.d/*mapper* "$r"/usr/lib/udev/rules.d/*mapper* \
		"$r"/etc/udev/rules.d/*mapper* "$r/usr/lib/modules-load.d/mapper.conf" \
		"$r/etc/modules-load.d/mapper.conf" "$r/etc/modprobe.d/mapper.conf" \
		"$r/usr/lib/sysusers.d/mapper.conf" "$r/etc/kernel/postinst.d/mapper-dkms" \
		"$r/usr/lib/mapper-dkms" "$r/usr/include/mapper.h" "$r/usr/include/mapper_sample.h" \
		"$r/usr/bin/mapper-dump" \
		"$r/usr/share/man/man1/mapper-dump.1.gz" "$r/usr/share/man/man4/mapper.4.gz" \
		"$r/usr/share/bash-completion/completions/mapper-dump"; do
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

t_purge() {
	purge purge
	echo "the system group mapper stays, as Debian leaves system groups after purge:"
	inroot getent group mapper || true
}

# --- 6 rpm -------------------------------------------------------------------------
rpm_root() { withmounts $CLEAN_ENV rpm --root "$ROOT" --force-debian "$@"; }

t_rpm() {
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

# --- 9 trixie ----------------------------------------------------------------
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

echo "TAP version 13"
T0=$(date +%s)
run version t_version
run build-and-lint t_build
run tarball t_tarball build-and-lint
run apt-install t_apt_install build-and-lint
run kernel-update t_kernel_update apt-install
run boot t_boot apt-install
run missing-headers t_missing_headers apt-install
run purge t_purge apt-install
run rpm t_rpm build-and-lint purge
run trixie t_trixie build-and-lint
echo "1..$n"
if [ "${PKG_KEEP:-}" != 1 ]; then
	rm -rf "$ROOT" "$TRIXIE_ROOT" "$WORK/root.img" "$WORK/tarball"
fi
echo "# check-packages took $(($(date +%s) - T0)) s; logs in $LOGS"
echo "packages: $pass passed, $fail failed"
[ "$fail" = 0 ]
