#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The cycles mode of make check-debug: insmod/rmmod of mapper, over and over,
# with valid parameters of every shape (devices 1 to 300, sizes in bytes, hex,
# K/M suffixes, unaligned, per-buffer lists) and invalid ones, which must be refused with EINVAL
# and leave nothing registered. After every unload /sys/class/mapper and
# /dev/mapper* must be gone; at the end free memory and slab must be back at
# the baseline taken after the first round (the first loads warm caches up).
# The parameter CYCLES (tests/lib/vm --param) sets the number of rounds (default 6:
# 6 x 27 = 162 cycles).
. /debug-lib.sh
debug_setup

rounds=${CYCLES:-6}

# params | devices | bytes per buffer, or "EINVAL"
cases='devices=1|1|1048576
size=1|1|4096
size=4097|1|8192
devices=2 size=4K|2|4096
devices=4 size=64K|4|65536
size=0x10000|1|65536
devices=3 size=3M|3|3145728
size=1m|1|1048576
devices=8 size=12k|8|12288
devices=16 size=256K|16|262144
devices=256 size=4K|256|4096
devices=300 size=4K|300|4096
size=4K,8K|2|8192
devices=3 size=4K,12K|3|12288
name=a,b size=4K,16K|2|16384
size=16M|1|16777216
devices=2 size=1000|2|4096
devices=1048577|EINVAL
devices=1 size=4K,8K|EINVAL
name=a,a|EINVAL
size=0|EINVAL
size=abc|EINVAL
size=1K2|EINVAL
size=-1|EINVAL
size=99999999999G|EINVAL
size=18446744073709551616|EINVAL
devices=256 size=64M|EINVAL'

cycles=0
bad=0
one_cycle() { # one_cycle PARAMS DEVICES|EINVAL [BYTES]
	cycles=$((cycles + 1))
	got=$(/bin/mapper_fault insmod /lib/modules/mapper.ko "$1")
	if [ "$2" = EINVAL ]; then
		if [ "$got" != EINVAL ]; then
			echo "# cycle $cycles: insmod mapper $1: $got, not EINVAL"
			[ "$got" = ok ] && rmmod mapper
			return 1
		fi
		mapper_gone || { echo "# cycle $cycles: '$1' refused but mapper left registered"; return 1; }
		return 0
	fi
	[ "$got" = ok ] || { echo "# cycle $cycles: insmod mapper $1: $got"; return 1; }
	last=$(($2 - 1))
	have=$(ls -d /sys/class/mapper/mapper* | wc -l)
	size=$(cat /sys/class/mapper/mapper$last/size)
	if [ "$have" != "$2" ] || [ "$size" != "$3" ] || [ ! -c /dev/mapper$last ]; then
		echo "# cycle $cycles: '$1': $have devices of $size bytes, want $2 of $3"
		rmmod mapper
		return 1
	fi
	# One write and read back through the last device, so that its
	# buffer is used and not only allocated.
	printf 'cycle%d' $cycles >/dev/mapper$last
	[ "$(head -c 7 /dev/mapper$last)" = "$(printf 'cycle%d' $cycles | head -c 7)" ] ||
		{ echo "# cycle $cycles: /dev/mapper$last does not read back"; rmmod mapper; return 1; }
	rmmod mapper || { echo "# cycle $cycles: rmmod mapper failed"; return 1; }
	mapper_gone || { echo "# cycle $cycles: '$1' unloaded but something is left"; return 1; }
}

round() {
	echo "$cases" | while IFS='|' read -r params devs bytes; do
		one_cycle "$params" "$devs" "$bytes" || echo "# BAD"
	done >/tmp/round.out
	cat /tmp/round.out
	! grep -q '^# BAD' /tmp/round.out
}

per_round=$(echo "$cases" | wc -l)
start=$(cut -d. -f1 /proc/uptime)
check "round 1 of $per_round load/unload cycles (warm-up)" round
base=$(mem_snapshot)
echo "# baseline after round 1 (free KiB, slab KiB): $base"
r=2
while [ $r -le $rounds ]; do
	check "round $r of $per_round load/unload cycles" round
	echo "# after round $r (free KiB, slab KiB): $(mem_snapshot)"
	r=$((r + 1))
done
echo "# load/unload cycles: $((rounds * per_round)) in $(($(cut -d. -f1 /proc/uptime) - start)) s"
check "nothing of mapper is left registered" mapper_gone
# 512 KiB: above the drift seen between snapshots of an idle VM (~200 KiB),
# far below one leaked buffer per cycle (a round creates 604 buffers, 33 MiB)
# and below one leaked page per buffer (604 pages, 2.4 MiB a round). Smaller
# leaks, a structure per load say, are kmemleak's to find.
mem_check "after $(((rounds - 1) * per_round)) more cycles" "$base" "$(mem_snapshot)" 512
kmemleak_check "after the load/unload cycles"
splat_check
debug_summary cycles
