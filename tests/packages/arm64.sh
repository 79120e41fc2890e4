#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-packages-arm64: the arm64 packages, cross-built here (make
# deb-arm64, make rpm-arm64), installed as a user of an arm64 board does:
# apt install by name from a signed repository, on a booted Debian 13
# (trixie) arm64 system under qemu-system-aarch64 -M virt -cpu max (TCG),
# with Debian's own arm64 kernel; DKMS builds the module there, natively.
# Then a reboot: the module loads at boot, udev gives /dev/mapper0
# root:mapper 0660, a member of group mapper maps, writes and reads it.
# Output is TAP as check-packages prints it ("ok - NAME (N s)"), with the
# guest's own lines (tests/packages/arm64-guest.sh) as "ok - NAME: CHECK".
#
#   build        make deb-arm64 and make rpm-arm64 (unless PKG_PREBUILT=1):
#                mapper-utils for arm64 / aarch64, mapper-dkms and mapper-dev
#                (mapper-devel) for all
#   repo         make repo's work (tests/repo/publish) with a throw-away key
#                (tests/repo/testkey), of these packages alone: arm64 in
#                the apt repository's Release
#   image        the trixie arm64 system (tests/packages/arm64-image; made
#                once and cached, see its header for how and what it costs)
#   copy         the image copied, for the two boots to write to
#   install      first boot of a copy of it, the repository on a second
#                disk: the guest's "install" checks (apt-get update verifies
#                the signature; apt-get install mapper-dkms mapper-utils
#                mapper-dev; DKMS built for the running kernel, an aarch64
#                module; users; maptest built against mapper-dev)
#   reboot       second boot of the same copy: the guest's "check" checks
#                (module loaded at boot, /dev/mapper0 root:mapper 0660, the
#                group member maps, writes and reads it, mapper-dump as
#                her, an outsider refused), and no kernel report on the
#                console (tests/lib/vm) or in dmesg (tests/lib/splats)
#
# Environment: TOP, OUT, CACHE, MAKE (set by mk/packages-arm64.mk);
# PKG_PREBUILT=1 tests the packages already in $OUT/deb-arm64;
# PKG_KEEP=1 keeps the disk images of the run; PKG_ONLY="NAME..." runs
# only these tests (the others say SKIP); ARM64_BOOT_TIMEOUT (seconds
# for each boot; default 3600: the first install boot was killed at 1500 s
# with DKMS still compiling at -j1 under TCG).
set -u

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${OUT:-$TOP/build}
CACHE=${CACHE:-$HOME/.cache/mapper}
MAKE=${MAKE:-make}
HERE=$TOP/tests/packages
WORK=$CACHE/packages-arm64
LOGS=$OUT/packages-arm64/logs
R=$OUT/packages-arm64
VERSION=$(sed -n 's/^#define MAPPER_VERSION "\(.*\)"/\1/p' "$TOP/src/version.h")
BOOT_TIMEOUT=${ARM64_BOOT_TIMEOUT:-3600}
ONLY=${PKG_ONLY:-} ONLY_VAR=PKG_ONLY
ROOT=/nonexistent
# shellcheck source=tests/lib/roots
. "$TOP/tests/lib/roots"
rm -f "$LOGS"/*.log

t_build() {
	if [ "${PKG_PREBUILT:-}" != 1 ]; then
		$MAKE -C "$TOP" deb-arm64 || die "make deb-arm64"
		$MAKE -C "$TOP" rpm-arm64 || die "make rpm-arm64"
	fi
	ls "$OUT"/deb-arm64/mapper-dkms_"$VERSION"_all.deb "$OUT"/deb-arm64/mapper-dev_"$VERSION"_all.deb \
		"$OUT"/deb-arm64/mapper-utils_"$VERSION"_arm64.deb \
		"$OUT"/rpm-arm64/mapper-utils-"$VERSION"-*.aarch64.rpm || die "packages missing"
}

t_repo() {
	local g=$R/gnupg fpr rc
	rm -rf "$R/repo"
	fpr=$("$TOP/tests/repo/testkey" "$g") || die "no throw-away key"
	GNUPGHOME=$g REPO_DIR=$R/repo GPG_KEY=$fpr REPO_URL=file:///mnt/guest/repo \
		REPO_SUITE=stable "$TOP/tests/repo/publish" "$OUT"/deb-arm64/*.deb "$OUT"/rpm-arm64/*.rpm
	rc=$?
	gpgconf --homedir "$g" --kill gpg-agent 2>/dev/null
	[ $rc = 0 ] || die "tests/repo/publish"
	grep '^Architectures:' "$R/repo/apt/dists/stable/Release"
	grep -q '^Architectures:.* arm64' "$R/repo/apt/dists/stable/Release" || die "no arm64 in Release"
	grep -h '^Package:' "$R"/repo/apt/dists/stable/main/binary-arm64/Packages | sort | tee "$R/index"
	printf 'Package: %s\n' mapper-dev mapper-dkms mapper-utils | diff -u - "$R/index" ||
		die "binary-arm64/Packages does not list the three packages"
}

t_image() {
	IMG=$("$HERE/arm64-image" "$WORK") || die "tests/packages/arm64-image"
	echo "$IMG ($(cat "$IMG.kver"))"
	echo "$IMG" >"$R/image"
}

# guest_disk PHASE: the disk labelled mapper-guest: the guest script, the
# phase, the repository, maptest.c and the splat patterns.
guest_disk() {
	local d=$R/guest
	rm -rf "$d" && mkdir -p "$d"
	cp "$HERE/arm64-guest.sh" "$d/run"
	cp "$HERE/maptest.c" "$d/maptest.c"
	cp "$TOP/tests/lib/splats" "$d/splats"
	echo "$1" >"$d/phase"
	echo "$VERSION" >"$d/version"
	cp -a "$R/repo" "$d/repo"
	rm -f "$R/guest.img"
	say "the guest disk: phase $1"
	mke2fs -q -F -t ext4 -L mapper-guest -d "$d" "$R/guest.img" \
		"$(($(du -sm "$d" | cut -f1) + 16))M" || die "mke2fs of the guest disk"
}

# boot NAME: the copy of the image, writable, with the guest disk.
boot() {
	local img
	img=$(cat "$R/image")
	"$TOP/tests/lib/vm" --arch arm64 --name "$1" --kernel "$img.vmlinuz" --initrd "$img.initrd" \
		--disk "$R/root.img" --writable --mem 2048M --timeout "$BOOT_TIMEOUT" --out "$LOGS/$1" \
		--qemu-arg -drive --qemu-arg "file=$R/guest.img,if=virtio,format=raw,readonly=on" \
		--append "root=LABEL=mapper-arm64 rw systemd.firstboot=no"
}

t_copy() {
	local img
	img=$(cat "$R/image")
	say "a copy of $img"
	cp --sparse=always "$img" "$R/root.img" || die "copy the image"
}

# vmboot NAME PHASE NEEDS: the boot's own TAP lines (tests/lib/vm's,
# "ok - NAME: CHECK") are this script's, counted in its summary.
vmboot() {
	local name=$1 phase=$2 need=$3 t0=$(date +%s) rc
	if [ -n "$ONLY" ] && [[ " $ONLY " != *" $name "* ]]; then
		echo "ok - $name # SKIP not in PKG_ONLY"
		skip=$((skip + 1))
		return
	fi
	if [ -n "${failed[$need]:-}" ]; then
		echo "not ok - $name (needs $need, which failed)"
		failed[$name]=1 fail=$((fail + 1))
		return
	fi
	(guest_disk "$phase") >"$LOGS/$name-disk.log" 2>&1 ||
		{ echo "not ok - $name: the guest disk ($LOGS/$name-disk.log)"; failed[$name]=1 fail=$((fail + 1)); return; }
	boot "$name" | tee "$LOGS/$name.tap"
	rc=${PIPESTATUS[0]}
	pass=$((pass + $(grep -c '^ok - ' "$LOGS/$name.tap")))
	fail=$((fail + $(grep -c '^not ok - ' "$LOGS/$name.tap")))
	echo "# $name boot: $(($(date +%s) - t0)) s (kernel log: $LOGS/$name/console.log)"
	# What the guest wrote in its root, when the result port brought nothing.
	if [ "$rc" != 0 ] && ! grep -q '^vm-exit: ' "$LOGS/$name/result.log"; then
		echo "# the guest's /var/log/mapper-guest-$phase.tap (read from its disk):"
		debugfs -c -R "cat /var/log/mapper-guest-$phase.tap" "$R/root.img" 2>/dev/null | sed 's/^/#   /'
	fi
	[ "$rc" = 0 ] || failed[$name]=1
}

T0=$(date +%s)
run build t_build
run repo t_repo build
run image t_image
run copy t_copy repo image
vmboot install install copy
vmboot reboot check install
if [ "${PKG_KEEP:-}" != 1 ]; then
	rm -f "$R/root.img" "$R/guest.img"
fi
echo "# check-packages-arm64 took $(($(date +%s) - T0)) s; logs in $LOGS"
echo "# packages-arm64: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
