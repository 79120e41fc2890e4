#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The pressure mode (make check-pressure, make soak; mk/fuzz.mk): mapper
# while the VM runs out of memory. busybox sh, TAP.
#
# 1. What cannot fit fails with ENOMEM and never calls the OOM killer: with
#    clean page cache to reclaim (a RAM disk read, where the VM has brd:
#    fill_cache) and a process holding half of MemAvailable, an insmod whose size= is
#    more than MemAvailable, and a buffer made through configfs of that size,
#    are ENOMEM; ones of nearly all of MemAvailable load or are ENOMEM (the
#    pages are taken with __GFP_RETRY_MAYFAIL: reclaim of the page cache,
#    but no OOM kill).
#    Across all of it /proc/vmstat's oom_kill stays the same and the kernel
#    log has no "invoked oom-killer".
# 2. Under pressure: the stress tool (mapper_stress, without unloads; its
#    creator makes and removes buffers through configfs) runs for
#    PRESSURE_SECONDS while hogs, one after another, map both load-time
#    buffers (shared with every page touched, private with every page copied
#    on write, and a dma-buf of each, mapped) and then take anonymous memory
#    until the OOM killer kills them (oom_score_adj 1000, the page cache
#    filled again before each; the stress tool's
#    processes have -1000, so the hogs are the ones killed). The VM goes
#    through reclaim (pgscan in /proc/vmstat grows) and at least one OOM kill
#    per hog; the stress tool's own data and errno checks must hold.
# 3. Afterwards: every buffer's opens, maps, holders, exports and DMA
#    mappings are 0, rmmod works, free memory and slab are back to their
#    level before the first load (PRESSURE_TOLERANCE KiB, default 2048),
#    kmemleak (where the kernel has it) finds nothing of mapper's and the
#    kernel log has no report.
#
# Parameters (tests/lib/vm --param): PRESSURE_SECONDS (default 60),
# PRESSURE_SEED (the stress tool's seed, default 1), PRESSURE_PARAMS
# (module parameters, default "devices=2 size=8M"), PRESSURE_TOLERANCE,
# PRESSURE_HOLD (1 to hold the buffers of step 2 but not fill memory: the
# comparison run that shows what the OOM kills change; default 0).
. /debug-lib.sh
debug_setup

seconds=${PRESSURE_SECONDS:-60}
seed=${PRESSURE_SEED:-1}
params=${PRESSURE_PARAMS:-devices=2 size=8M}
tolerance=${PRESSURE_TOLERANCE:-2048}
util=/bin/fuzz_util
cfs=/sys/kernel/config/mapper

vmstat() { awk -v k="$1" '$1 == k { print $2; f = 1 } END { if (!f) print 0 }' /proc/vmstat; }
scanned() { awk '/^pgscan_(kswapd|direct|khugepaged) / { s += $2 } END { print s + 0 }' /proc/vmstat; }
avail_mib() { awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo; }
oom_lines() { dmesg | grep -c 'invoked oom-killer'; }

counts_zero() {
	bad=0
	for b in /sys/class/mapper/mapper*; do
		for a in opens maps holders exports dma_maps; do
			[ -r "$b/$a" ] || continue
			v=$(cat "$b/$a")
			[ "$v" = 0 ] || { echo "#   ${b##*/}/$a = $v"; bad=1; }
		done
	done
	[ $bad = 0 ]
}

base=$(mem_snapshot)
echo "# memory before the first load (free, slab KiB): $base; MemAvailable $(avail_mib) MiB"

# --- 1. too big: ENOMEM, no OOM kill
[ -b /dev/ram0 ] && exec 7</dev/ram0
fill_cache
echo "# page cache after reading the RAM disk: $(awk '/^(Buffers|Cached):/ { c += $2 } END { print int(c / 1024) }' /proc/meminfo) MiB"
oom0=$(vmstat oom_kill)
lines0=$(oom_lines)
half=$(($(avail_mib) / 2))
$util hold $half >/tmp/hold.out 2>&1 &
holder=$!
i=0
while ! grep -q held /tmp/hold.out && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
avail=$(avail_mib)
echo "# a process holds $half MiB; MemAvailable now $avail MiB"

# busybox insmod prints strerror of the failure.
big=$((avail + avail / 2))
if insmod /lib/modules/mapper.ko size=${big}M >/tmp/insmod.out 2>&1; then
	nok "insmod size=${big}M (MemAvailable $avail MiB) is ENOMEM (it loaded)"
	rmmod mapper
elif grep -q 'Cannot allocate memory' /tmp/insmod.out; then
	ok "insmod size=${big}M (MemAvailable $avail MiB) is ENOMEM"
else
	nok "insmod size=${big}M (MemAvailable $avail MiB) is ENOMEM"
	note </tmp/insmod.out
fi
dmesg | grep 'mapper:.*available' | tail -n 1 | note
near=$((avail - avail / 8))
if insmod /lib/modules/mapper.ko size=${near}M >/tmp/insmod.out 2>&1; then
	ok "insmod size=${near}M (MemAvailable $avail MiB) loads or is ENOMEM: loaded"
	rmmod mapper || nok "rmmod after the load of ${near}M"
elif grep -q 'Cannot allocate memory' /tmp/insmod.out; then
	ok "insmod size=${near}M (MemAvailable $avail MiB) loads or is ENOMEM: ENOMEM"
else
	nok "insmod size=${near}M (MemAvailable $avail MiB) loads or is ENOMEM"
	note </tmp/insmod.out
fi

# shellcheck disable=SC2086
if ! insmod /lib/modules/mapper.ko $params; then
	nok "insmod mapper.ko $params"
	kill $holder
	debug_summary pressure
	exit 1
fi
ok "insmod mapper.ko $params"
# cfs_enable SIZE: make a buffer of SIZE; its errno (text) in $err, 0 if made.
cfs_enable() {
	mkdir $cfs/big && echo "$1" >$cfs/big/size || { err=setup; return; }
	if (echo 1 >$cfs/big/enable) 2>/tmp/enable.out; then
		err=0
		echo 0 >$cfs/big/enable
	elif grep -q 'Cannot allocate memory' /tmp/enable.out; then
		err=ENOMEM
	else
		err=$(cat /tmp/enable.out)
	fi
	rmdir $cfs/big
}
avail=$(avail_mib)
big=$((avail + avail / 2))
cfs_enable ${big}M
if [ "$err" = ENOMEM ]; then
	ok "a ${big}M buffer made through configfs (MemAvailable $avail MiB) is ENOMEM"
else
	nok "a ${big}M buffer made through configfs (MemAvailable $avail MiB) is ENOMEM ($err)"
fi
near=$((avail - avail / 8))
cfs_enable ${near}M
case $err in
0 | ENOMEM) ok "a ${near}M buffer made through configfs (MemAvailable $avail MiB) is made or ENOMEM: $err" ;;
*) nok "a ${near}M buffer made through configfs (MemAvailable $avail MiB) is made or ENOMEM ($err)" ;;
esac
kill $holder
wait $holder 2>/dev/null
oom1=$(vmstat oom_kill)
lines1=$(oom_lines)
if [ "$oom1" = "$oom0" ] && [ "$lines1" = "$lines0" ]; then
	ok "no OOM kill for the loads and creations that did not fit (oom_kill $oom0 -> $oom1)"
else
	nok "no OOM kill for the loads and creations that did not fit (oom_kill $oom0 -> $oom1, $((lines1 - lines0)) 'invoked oom-killer')"
	dmesg | grep -A3 'invoked oom-killer' | head -n 20 | note
fi

# --- 2. stress under hogs until the OOM killer
scan0=$(scanned)
oom0=$(vmstat oom_kill)
(echo -1000 >/proc/self/oom_score_adj && exec /bin/mapper_stress --seconds "$seconds" \
	--seed "$seed" --params "$params" --no-reload --creators 1 --pressure) >/tmp/stress.out 2>&1 &
stress=$!
hog_end=$(($(cut -d. -f1 /proc/uptime) + seconds - 10))
if [ "${PRESSURE_HOLD:-0}" = 1 ]; then
	sleep $((seconds - 10))
else
	hog_loop $hog_end /dev/mapper0 /dev/mapper1
fi
hogs=0 held=0 killed=0
[ -f /tmp/hog.sum ] && eval "$(cat /tmp/hog.sum)"
wait $stress
src=$?
# The stress tool's TAP lines pass through (the host counts them).
grep -E '^(not )?ok - stress|^stress:|total|unloads' /tmp/stress.out
grep -vE '^(not )?ok - stress|^stress:' /tmp/stress.out | head -n 40 | note
[ $src = 0 ] && ok "mapper_stress under memory pressure ($seconds s, seed $seed)" ||
	nok "mapper_stress under memory pressure ($seconds s, seed $seed: rerun with PRESSURE_SEED=$seed)"
scan1=$(scanned)
oom1=$(vmstat oom_kill)
echo "# $hogs hogs holding $held mappings in all; oom_kill $oom0 -> $oom1, pages scanned by reclaim $scan0 -> $scan1"
if [ "${PRESSURE_HOLD:-0}" = 1 ]; then
	echo "# PRESSURE_HOLD=1: no hogs"
elif [ $((oom1 - oom0)) -ge 1 ] && [ $((oom1 - oom0)) -ge $((hogs - 1)) ] && [ "$scan1" -gt "$scan0" ]; then
	ok "the hogs drove the VM into reclaim and the OOM killer ($((oom1 - oom0)) kills of $hogs hogs, $((scan1 - scan0)) pages scanned)"
else
	nok "the hogs drove the VM into reclaim and the OOM killer ($((oom1 - oom0)) kills of $hogs hogs, $((scan1 - scan0)) pages scanned)"
fi
# The soak (fuzz.sh) counts OOM kills as hog_loop's SIGKILLed hogs, on a
# kernel without oom_kill: here both counts exist and must agree.
if [ "${PRESSURE_HOLD:-0}" != 1 ]; then
	if [ "$killed" = $((oom1 - oom0)) ]; then
		ok "hog_loop counted the OOM kills as /proc/vmstat did ($killed)"
	else
		nok "hog_loop counted the OOM kills as /proc/vmstat did ($killed, oom_kill $((oom1 - oom0)))"
	fi
fi
dmesg | grep -E 'Out of memory|oom-kill:' | tail -n 4 | note
{ grep -E '^(pgscan|pgsteal|allocstall|oom_kill)' /proc/vmstat | tr '\n' ' '; echo; } | note

# --- 3. afterwards
if counts_zero; then
	ok "every buffer's opens, maps, holders, exports and DMA mappings are 0 after the OOM kills"
else
	nok "every buffer's opens, maps, holders, exports and DMA mappings are 0 after the OOM kills"
fi
left=$(ls $cfs 2>/dev/null | wc -l)
[ "$left" = 0 ] && ok "no configfs buffer left" || nok "no configfs buffer left ($left)"
check "rmmod mapper after the pressure" rmmod mapper
check "nothing of mapper is left registered" mapper_gone
[ -w /sys/kernel/debug/kmemleak ] && kmemleak_check "after the pressure"
mem_check "after the pressure and rmmod" "$base" "$(mem_snapshot)" "$tolerance"
splat_check
debug_summary pressure
