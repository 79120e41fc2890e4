#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The dma mode (make check-dma, mk/dma.mk; also run by check.sh where the VM
# has QEMU's edu device, as the matrix's VMs have): dma_test with
# samples/mapper_edu.ko bound to the edu device, mapper loaded as devices=0,
# configfs and debugfs mounted; then no DMA fault or DMA-API report in the
# kernel log, and a final unload. DMA_MODE (soft or iommu) says which VM
# this is (mk/dma.mk). TAP.
rc=0
edu=
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/vendor"):$(cat "$d/device")" = 0x1234:0x11e8 ] && edu=${d##*/}
done
if [ -n "$edu" ]; then
	echo "ok - dma: QEMU's edu device is there ($edu, DMA_MODE=${DMA_MODE:-unset})"
else
	echo "not ok - dma: QEMU's edu device is there (boot with -device edu)"
	exit 1
fi
mount -t debugfs none /sys/kernel/debug 2>/dev/null
dmesg | grep -E 'software IO TLB: mapped|DMAR: IOMMU enabled' | sed 's/^/# /'
# What the kernel logged before is not this run's.
mark=$(dmesg | wc -l)
if [ -e /sys/module/mapper ] || insmod /lib/modules/mapper.ko devices=0; then
	echo "ok - dma: mapper loaded"
else
	echo "not ok - dma: insmod mapper.ko devices=0"
	exit 1
fi
/bin/dma_test || rc=1

# A device that reached memory it was not given: the IOMMU's fault lines
# (Intel's DMAR, arm64's SMMUv3 events); a driver breaking the DMA API's
# rules: DMA-API reports (CONFIG_DMA_API_DEBUG).
faults=$(dmesg | tail -n +$((mark + 1)) | grep -E 'DMAR: \[DMA (Read|Write)|DMAR: DRHD: handling fault|arm-smmu-v3 .*: event 0x|DMA-API: |swiotlb buffer is full|overflow .*mask')
if [ -z "$faults" ]; then
	echo "ok - dma: no DMA fault and no DMA-API report in the kernel log"
else
	echo "not ok - dma: no DMA fault and no DMA-API report in the kernel log"
	echo "$faults" | head -n 20 | sed 's/^/#   /'
	rc=1
fi
if rmmod mapper_edu && rmmod mapper && [ ! -e /sys/module/mapper ]; then
	echo "ok - dma: final rmmod of mapper_edu and mapper"
else
	echo "not ok - dma: final rmmod of mapper_edu and mapper"
	rc=1
fi
exit $rc
