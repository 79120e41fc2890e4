#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# "make bench-dmabuf" inside the VM (mk/dmabuf.mk): vivid loaded by
# tests/lib/vm (one video capture node), mapper with one load-time buffer
# of BENCH_SIZE, then vivid_bench against it: vivid's MMAP capture against
# capture into mapper dma-bufs. Parameters (tests/lib/vm --param):
# BENCH_SIZE, BENCH_ARGS. Figures never fail it; errors and frames that
# differ do.
size=${BENCH_SIZE:-2M}
args=${BENCH_ARGS:-}
echo "bench-dmabuf: $(uname -r), $(grep -c ^processor /proc/cpuinfo) CPU," \
	"$(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB, vivid $(cat /sys/module/vivid/parameters/n_devs 2>/dev/null) device(s)"
if ! insmod /lib/modules/mapper.ko size="$size"; then
	echo "not ok - bench-dmabuf: insmod mapper.ko size=$size"
	dmesg | tail -n 5
	exit 1
fi
rc=0
# shellcheck disable=SC2086
if vivid_bench --device /dev/mapper0 $args; then
	echo "ok - bench-dmabuf: vivid_bench ran, every dma-buf frame byte-equal to vivid's MMAP frame"
else
	echo "not ok - bench-dmabuf: vivid_bench (exit status $?)"
	rc=1
fi
if [ "$(cat /sys/class/mapper/mapper0/exports)" = 0 ] && rmmod mapper; then
	echo "ok - bench-dmabuf: no export left, mapper unloads"
else
	echo "not ok - bench-dmabuf: no export left ($(cat /sys/class/mapper/mapper0/exports)), mapper unloads"
	rc=1
fi
exit $rc
