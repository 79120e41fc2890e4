#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# "make check-big" inside the VM: one 1 GiB buffer (in a 2 GiB VM), the
# suite's whole-buffer test on it, then a clean unload.
size=${BIG_SIZE:-1G}
echo "big: $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB of RAM, size=$size"
if ! insmod /lib/modules/mapper.ko devices=1 size="$size"; then
	echo "not ok - insmod mapper.ko devices=1 size=$size"
	dmesg | tail -n 3
	exit 1
fi
echo "ok - insmod mapper.ko devices=1 size=$size"
MAPPER_TEST_ONLY=whole_buffer_maps_and_keeps_its_data /bin/mapper_test
rc=$?
if rmmod mapper; then echo "ok - rmmod mapper"; else echo "not ok - rmmod mapper"; rc=1; fi
exit $rc
