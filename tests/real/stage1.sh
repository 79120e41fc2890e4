#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest command of make check-real (tests/lib/vm; virtio and ext4 are
# loaded by then): mount the Debian root from /dev/vda (QEMU -snapshot:
# nothing written there survives the VM), put mapper.ko, the test scripts,
# the parameters and the splat patterns under /opt/mapper-real in it, and
# run tests/real/guest there, chrooted.
up() { cut -d' ' -f1 /proc/uptime; }
echo "# stage1: uptime $(up) s with virtio and ext4 loaded"
i=0
while [ ! -b /dev/vda ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "not ok - boot the Debian root: no /dev/vda after 10 s"; exit 1; }
	sleep 0.1
done
r=/newroot
mkdir -p $r
mount -t ext4 -o rw /dev/vda $r || { echo "not ok - boot the Debian root: mount -t ext4 /dev/vda"; exit 1; }
rm -rf $r/opt/mapper-real
mkdir -p $r/opt/mapper-real
cp -a /real/. /etc/vm.env /etc/splats $r/opt/mapper-real/ ||
	{ echo "not ok - copy the test files into the root"; exit 1; }
for d in dev proc sys; do
	mount --bind /$d $r/$d
done
chroot $r /opt/mapper-real/guest
rc=$?
for d in sys proc dev; do
	umount $r/$d
done
umount $r
exit $rc
