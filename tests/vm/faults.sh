#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The faults mode of make check-debug: allocation failures injected with
# fail-nth into every path of mapper that allocates or maps: module load
# (mapper.ko and the sample producer; and a load that another process keeps
# trying to open), open, mmap and the fault path (shared, private
# copy-on-write, VMA split, fork), read, write, ioctl/poll, and cache mode
# changes (each page's mode in the direct map checked after each), and
# buffers made at run time through configfs (writing enable, of a plain, a
# contiguous and a device's buffer; and a buffer's
# whole life: mkdir, size, node, enable, use, detach while open, rmdir;
# and one exported, detached while only its dma-buf holds it, then freed),
# after each of which nothing may be half-made. Each
# attempt must succeed or fail with an errno, never log a report nor leave a
# mapping or a registration behind (mapper_fault checks every attempt); at the
# end rmmod works, kmemleak finds nothing of mapper, and free memory and slab
# are back to where they were before the first load.
. /debug-lib.sh
debug_setup

# fail-nth goes through the failslab and fail_page_alloc attributes, whose
# defaults skip most of mapper's allocations: sleeping ones (GFP_KERNEL),
# highmem ones (the buffer is GFP_HIGHUSER) and order 0. Their own stack dump
# (verbose) is off: the injected failure itself is expected.
fi=/sys/kernel/debug
for a in failslab fail_page_alloc; do
	echo N >$fi/$a/ignore-gfp-wait
	echo 0 >$fi/$a/verbose
done
echo N >$fi/fail_page_alloc/ignore-gfp-highmem
echo 0 >$fi/fail_page_alloc/min-order
# The page allocator's warnings about the injected failures (warn_alloc:
# level 4, with a stack dump) stay in the kernel log but off the console; KASAN
# and other reports are level 3 (error) or below, or panic (panic_on_warn)
# and still show; lockdep warnings are caught in the kernel log.
echo 4 >/proc/sys/kernel/printk

base=$(mem_snapshot)
total=0
inject() {
	/bin/mapper_fault inject "$@" >/tmp/inject.out
	rc=$?
	cat /tmp/inject.out
	i=$(sed -n 's/^# injected //p' /tmp/inject.out)
	total=$((total + ${i:-0}))
	# mapper_fault printed the ok/not ok line; count it here.
	if [ $rc = 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
	n=$((n + 1))
}

inject load /lib/modules/mapper.ko
check "mapper is not loaded after the load loop" mapper_gone
inject load-open /lib/modules/mapper.ko
check "mapper is not loaded after the load-open loop" mapper_gone
if /bin/busybox insmod /lib/modules/mapper.ko devices=2 size=64K; then
	for op in open mmap private split fork read write ioctl cache enable enable-contig enable-dma create; do
		inject $op
	done
	[ -f /lib/modules/mapper_sample.ko ] && inject load-sample /lib/modules/mapper_sample.ko
	# dma-buf export where the kernel has dma-buf, and its import by vgem
	# where the kernel has that.
	if [ -d /sys/kernel/debug/dma_buf ]; then
		inject export
		ls /dev/dri/card* >/dev/null 2>&1 && inject import
		inject export-detach
	fi
	# Mapping for a device, where the VM has QEMU's edu and its sample driver.
	if [ -f /lib/modules/mapper_edu.ko ] && grep -qx 0x11e8 /sys/bus/pci/devices/*/device 2>/dev/null; then
		if /bin/busybox insmod /lib/modules/mapper_edu.ko; then
			inject dma-map
			check "rmmod mapper_edu after the injected faults" rmmod mapper_edu
		else
			nok "insmod mapper_edu.ko for the DMA mappings"
		fi
	fi
	check "rmmod mapper after the injected faults" rmmod mapper
else
	nok "insmod mapper.ko devices=2 size=64K for the file operations"
fi
check "nothing of mapper is left registered" mapper_gone
# The cache attempts' buffer, freed at rmmod: back to write-back for good.
if /bin/mapper_fault wb-check /tmp/mapper-pfns; then
	passed=$((passed + 1))
else
	failed=$((failed + 1))
fi
n=$((n + 1))
echo "# faults injected: $total"
kmemleak_check "after the injected faults"
# 1 MiB: the error paths that the injected failures open record stack
# traces never seen before, and KASAN's stack depot keeps each of them for
# good (300-450 KiB in this mode); a page leaked per attempt would be ~4 MiB.
mem_check "after the injected faults and rmmod" "$base" "$(mem_snapshot)" 1024
splat_check
debug_summary faults
