#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The in-VM suite (make check-kernel, check-matrix): mapper_test, ctl_test
# (buffers made at run time: configfs, mapperctl, parameter lists, memcg) and
# every /tests/*.t with mapper loaded (devices=2), then a final unload, and
# where the VM has QEMU's edu device the DMA tests (dma.sh), where it has vgem
# or vivid the dma-buf tests (dmabuf.sh). TAP;
# the host (tests/lib/vm) checks the kernel log. configfs is mounted by the
# guest's /init (tests/lib/vm-init).
rc=0
if insmod /lib/modules/mapper.ko devices=2; then
	echo "ok - insmod mapper.ko devices=2"
else
	echo "not ok - insmod mapper.ko devices=2"
	exit 1
fi
/bin/mapper_test || rc=1
/bin/ctl_test || rc=1
for t in /tests/*.t; do
	[ -x "$t" ] || { echo "not ok - ${t#/tests/} is executable"; rc=1; continue; }
	echo "# running ${t#/tests/}"
	"$t" || rc=1
done
if rmmod mapper && [ ! -e /sys/module/mapper ]; then
	echo "ok - final rmmod gives everything back"
else
	echo "not ok - final rmmod gives everything back"
	rc=1
fi
# With QEMU's edu device (the matrix's VMs: mk/dma.mk), the DMA tests too.
if grep -qsx 0x11e8 /sys/bus/pci/devices/*/device && [ -f /lib/modules/mapper_edu.ko ]; then
	echo "# running dma.sh"
	sh /dma.sh || rc=1
fi
# With vgem or vivid loaded (the matrix's VMs: mk/dmabuf.mk), the dma-buf tests too.
if [ -e /dev/dri ] || ls /dev/video* >/dev/null 2>&1; then
	echo "# running dmabuf.sh"
	sh /dmabuf.sh || rc=1
fi
exit $rc
