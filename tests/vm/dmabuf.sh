#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The dmabuf mode (make check-dmabuf, mk/dmabuf.mk; also run by check.sh
# where the VM has vgem or vivid, as the matrix's VMs have): dmabuf_test with
# Debian's vgem and vivid loaded by tests/lib/vm (vivid with DMABUF_VIVID,
# one video capture node), mapper loaded as devices=0, configfs and debugfs
# mounted; then no kernel report in the log since the start, no buffer left
# with an export, a DMA mapping or a mapping, and mapper unloads, and so do
# vivid and vgem where they are modules (they hold nothing of mapper's).
# DMABUF_IMPORTERS names the importers the VM must have (mk/dmabuf.mk);
# the tests of one it has not say SKIP. TAP.
rc=0
for m in ${DMABUF_IMPORTERS:-}; do
	if [ -e /sys/module/$m ]; then
		echo "ok - dmabuf: Debian's $m is loaded"
	else
		echo "not ok - dmabuf: Debian's $m is loaded (tests/lib/vm --module $m)"
		rc=1
	fi
done
[ $rc = 0 ] || exit 1
mount -t debugfs none /sys/kernel/debug 2>/dev/null
# What the kernel logged before is not this run's.
mark=$(dmesg | wc -l)
if [ -e /sys/module/mapper ] || insmod /lib/modules/mapper.ko devices=0; then
	echo "ok - dmabuf: mapper loaded"
else
	echo "not ok - dmabuf: insmod mapper.ko devices=0"
	exit 1
fi
/bin/dmabuf_test || rc=1

splats=$(dmesg | tail -n +$((mark + 1)) | grep -Ef /etc/splats)
if [ -z "$splats" ]; then
	echo "ok - dmabuf: no kernel report in the log"
else
	echo "not ok - dmabuf: no kernel report in the log"
	echo "$splats" | head -n 20 | sed 's/^/#   /'
	rc=1
fi
left=
for d in /sys/class/mapper/mapper*; do
	[ -d "$d" ] || continue
	for a in exports dma_maps maps; do
		[ "$(cat "$d/$a")" = 0 ] || left="$left ${d##*/}/$a=$(cat "$d/$a")"
	done
done
if [ -z "$left" ]; then
	echo "ok - dmabuf: no buffer left exported, mapped for a device or mapped"
else
	echo "not ok - dmabuf: no buffer left exported, mapped for a device or mapped:$left"
	rc=1
fi
if rmmod mapper && [ ! -e /sys/module/mapper ]; then
	echo "ok - dmabuf: final rmmod of mapper"
else
	echo "not ok - dmabuf: final rmmod of mapper"
	rc=1
fi
for m in vivid vgem; do
	[ -e /sys/module/$m/refcnt ] || continue
	if rmmod $m && [ ! -e /sys/module/$m ]; then
		echo "ok - dmabuf: $m unloads"
	else
		echo "not ok - dmabuf: $m unloads"
		rc=1
	fi
done
exit $rc
