#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# "make bench" inside the VM: one 1 GiB buffer, mapper_bench against it.
# The host (tests/bench/report) turns the "growth:" lines into a plot.
# Parameters (tests/lib/vm --param): BENCH_SIZE, BENCH_ARGS.
size=${BENCH_SIZE:-1G}
args=${BENCH_ARGS:-}
# fault_around_bytes, which mapper_bench reports, is in debugfs.
mount -t debugfs none /sys/kernel/debug 2>/dev/null
echo "bench: $(uname -m), $(grep -c ^processor /proc/cpuinfo) CPU, $(awk '/MemTotal/ { print int($2 / 1024) }' /proc/meminfo) MiB," \
	"THP $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null)"
if ! insmod /lib/modules/mapper.ko size="$size"; then
	echo "bench: insmod mapper.ko size=$size failed"
	dmesg | tail -n 5
	exit 1
fi
# shellcheck disable=SC2086
mapper_bench --growth-data /tmp/growth.dat $args
sed 's/^/growth: /' /tmp/growth.dat
grep -E 'FilePmdMapped|AnonHugePages' /proc/meminfo
rmmod mapper || echo "bench: rmmod mapper failed"
