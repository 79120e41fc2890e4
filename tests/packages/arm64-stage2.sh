#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest command of tests/packages/arm64-image's one boot (tests/lib/vm,
# busybox initramfs, virtio and ext4 loaded): debootstrap's second stage in
# the arm64 root on /dev/vda, natively, its writes kept (tests/lib/vm
# --writable). One TAP line.
i=0
while [ ! -b /dev/vda ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "not ok - second stage: no /dev/vda after 10 s"; exit 1; }
	sleep 0.1
done
r=/newroot
mkdir -p $r
mount -t ext4 /dev/vda $r || { echo "not ok - second stage: mount -t ext4 /dev/vda"; exit 1; }
mount --bind /dev $r/dev
t0=$(cut -d. -f1 /proc/uptime)
# Its output is long: the last lines only, on failure.
if chroot $r /debootstrap/debootstrap --second-stage >/tmp/stage2.log 2>&1 &&
	chroot $r apt-get clean >>/tmp/stage2.log 2>&1; then
	echo "ok - debootstrap --second-stage ($(($(cut -d. -f1 /proc/uptime) - t0)) s)"
	rc=0
else
	echo "not ok - debootstrap --second-stage"
	tail -n 40 /tmp/stage2.log | sed 's/^/#   /'
	tail -n 40 $r/debootstrap/debootstrap.log 2>/dev/null | sed 's/^/#   /'
	rc=1
fi
grep -E '^(I|W|E):' /tmp/stage2.log | tail -n 20 | sed 's/^/# /'
ls $r/boot | sed 's/^/# boot: /'
umount $r/proc 2>/dev/null
umount $r/sys 2>/dev/null
umount $r/dev
sync
umount $r || { echo "not ok - second stage: umount"; exit 1; }
exit $rc
