#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mapperctl export against the real module (check.sh runs it with mapper
# loaded, devices=2): COMMAND gets the dma-buf as MAPPER_DMABUF_FD, open and
# not close-on-exec, counted in sysfs exports while it runs and gone after;
# --read-only exports read-only, also from a read-only device; rmmod waits.
n=0 failed=0
check() {
	n=$((n + 1))
	d=$1
	shift
	if "$@"; then echo "ok $n - export: $d"; else echo "not ok $n - export: $d"; failed=$((failed + 1)); fi
}
T=$(mktemp -d)
x=/sys/class/mapper/mapper1/exports

# A kernel without dma-buf (CONFIG_DMA_SHARED_BUFFER) has no export: said so.
if ! mapperctl export mapper1 -- true 2>$T/probe &&
	grep -q 'cannot export dma-bufs' $T/probe; then
	echo "ok 1 - export: # SKIP this kernel has no dma-buf ($(cat $T/probe))"
	echo "1..1"
	rm -rf "$T"
	exit 0
fi

# The page size (4 KiB, or 16 KiB on arm64-16k): an export is of whole pages.
pg=$(awk '/^KernelPageSize:/ { print $2 * 1024; exit }' /proc/self/smaps)
mapperctl export mapper1 --offset "$pg" --length $((2 * pg)) -- sh -c \
	'cat /sys/class/mapper/mapper1/exports; readlink /proc/$$/fd/$MAPPER_DMABUF_FD; echo $MAPPER_DMABUF_SIZE; grep ^flags /proc/$$/fdinfo/$MAPPER_DMABUF_FD; grep exp_name /proc/$$/fdinfo/$MAPPER_DMABUF_FD' \
	>$T/out 2>&1
check "COMMAND ran and exited 0" test $? = 0
check "the dma-buf counts in exports while COMMAND runs" test "$(sed -n 1p $T/out)" = 1
check "MAPPER_DMABUF_FD is a dma-buf" grep -q '^/dmabuf:' $T/out
check "MAPPER_DMABUF_SIZE is the range's" test "$(sed -n 3p $T/out)" = $((2 * pg))
check "read-write, not close-on-exec" grep -Eq '^flags:[[:space:]]+0*2$' $T/out
check "exporter mapper" grep -Eq '^exp_name:[[:space:]]+mapper$' $T/out
check "gone once COMMAND exits" test "$(cat $x)" = 0

mapperctl export -r mapper1 -- sh -c 'grep ^flags /proc/$$/fdinfo/$MAPPER_DMABUF_FD' >$T/ro 2>&1
check "--read-only exports O_RDONLY" grep -Eq '^flags:[[:space:]]+0*0$' $T/ro

mapperctl export mapper1 -- sh -c 'rmmod mapper 2>/dev/null && echo unloaded; exit 3' >$T/rm 2>&1
check "COMMAND's exit status comes back" test $? = 3
check "rmmod is refused while the dma-buf lives" test ! -s $T/rm
check "mapper is still loaded" test -e /sys/module/mapper

mapperctl export mapper1 --offset 1 -- true >$T/bad 2>&1
check "an unaligned offset is a usage error (exit 2)" test $? = 2
check "nothing is left exported" test "$(cat $x)" = 0

rm -rf "$T"
echo "1..$n"
exit $failed
