#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The numa mode (make check-numa, mk/numa.mk): numa_test in a VM with NUMA
# nodes 0 and 1 with memory and 2 without, mapper loaded as devices=2,
# configfs mounted by the guest's /init; then a final unload. TAP.
echo "# nodes online $(cat /sys/devices/system/node/online)," \
	"with memory $(cat /sys/devices/system/node/has_memory)," \
	"with CPUs $(cat /sys/devices/system/node/has_cpu)"
if insmod /lib/modules/mapper.ko devices=2; then
	echo "ok - insmod mapper.ko devices=2"
else
	echo "not ok - insmod mapper.ko devices=2"
	exit 1
fi
rc=0
/bin/numa_test || rc=1
if rmmod mapper && [ ! -e /sys/module/mapper ]; then
	echo "ok - final rmmod gives everything back"
else
	echo "not ok - final rmmod gives everything back"
	rc=1
fi
exit $rc
