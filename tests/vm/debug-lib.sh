#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Shared by the debug-kernel modes of the test VM (debug.sh, faults.sh,
# cycles.sh; `make check-debug`), sourced with ". /debug-lib.sh". busybox sh.
# Not a mode itself: run as one, it only says so.
#
# Output is TAP: "ok N - what" / "not ok N - what", "# " for notes; the
# mode ends with debug_summary, whose status is the mode's.

[ "${0##*/}" = debug-lib.sh ] && { echo "debug-lib.sh is sourced by the debug modes"; exit 0; }

n=0
passed=0
failed=0
skipped=0
ok() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() { # check NAME COMMAND...: ok if the command succeeds
	_name=$1
	shift
	if "$@"; then ok "$_name"; else nok "$_name"; fi
}
note() { sed 's/^/#   /'; }

# What a kernel report starts with: the one pattern file of the harness
# (tests/lib/splats), which tests/lib/vm puts in /etc and also applies to the
# whole console on the host.
SPLATS=/etc/splats

debug_setup() {
	echo "# kernel up for $(cut -d' ' -f1 /proc/uptime) s (boot to this mode)"
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	# Nothing was run yet: whatever kmemleak reports now is the kernel's
	# own boot (a false positive at most), so it is set aside with "clear"
	# and only objects that leak from here on count.
	# (Console notices of that scan: see kmemleak_check.)
	if [ -w /sys/kernel/debug/kmemleak ]; then
		printk=$(cut -f1 /proc/sys/kernel/printk)
		echo 4 >/proc/sys/kernel/printk
		echo scan >/sys/kernel/debug/kmemleak
		echo clear >/sys/kernel/debug/kmemleak
		echo "$printk" >/proc/sys/kernel/printk
	fi
	# The kernel log so far (boot) is not this run's; splat_check reads
	# only what comes after this mark.
	dmesg -c >/dev/null
	[ "$failed" = 0 ]
}

# Fails on any report in the kernel log since debug_setup, and shows it.
splat_check() {
	if dmesg | grep -qEf $SPLATS; then
		nok "kernel log is free of WARNING/BUG/KASAN/KFENCE/lockdep reports"
		dmesg | grep -B2 -A25 -m3 -Ef $SPLATS | head -n 120 | note
	else
		ok "kernel log is free of WARNING/BUG/KASAN/KFENCE/lockdep reports"
	fi
}

# kmemleak reports only objects older than 5 s that no scan found a pointer
# to; two scans with a pause let short-lived references go. Each report is
# sorted into one of three kinds:
# - mapper's: it names mapper, or its backtrace has an address in module
#   space that no longer resolves to a symbol (a module unloaded since the
#   allocation: mapper or its sample). These fail the check.
# - known kernel leaks: 6.1's __class_register() frees its subsys_private
#   without the kobject's name when kset_register() fails, which only an
#   injected allocation failure inside class_create() makes happen (8 bytes,
#   the string "mapper"). mapper cannot avoid it: its own error path is right.
#   Only that one small object matches: a class that mapper itself forgot to
#   destroy leaks the whole subsys_private too, which counts as mapper's.
# - anything else: the kernel's own, shown as a note.
kmemleak_check() { # kmemleak_check WHEN
	kml=/sys/kernel/debug/kmemleak
	if [ ! -w $kml ]; then
		nok "kmemleak finds no leak $1 (no $kml: kernel without kmemleak?)"
		return
	fi
	# A scan that finds anything says so on the console ("N new suspected
	# memory leaks"), which the host counts as a failure: this check
	# decides here instead, so the notice stays in the kernel log only.
	printk=$(cut -f1 /proc/sys/kernel/printk)
	echo 4 >/proc/sys/kernel/printk
	sleep 6
	echo scan >$kml
	sleep 2
	echo scan >$kml
	echo "$printk" >/proc/sys/kernel/printk
	cat $kml >/tmp/kmemleak.txt
	rm -f /tmp/kml.mapper /tmp/kml.known /tmp/kml.other
	counts=$(awk '
		function done_one() {
			if (!rec) return
			if (cls && name && small) { k++; printf "%s", rec >"/tmp/kml.known" }
			else if (mod) { m++; printf "%s", rec >"/tmp/kml.mapper" }
			else { o++; printf "%s", rec >"/tmp/kml.other" }
			rec = ""; mod = cls = name = small = 0
		}
		/^unreferenced object/ { done_one(); small = /\(size [0-9]\):$/ }
		{ rec = rec $0 "\n" }
		/mapper/ || /\] 0xffffffff[a-f][0-9a-f]*$/ { mod = 1 }
		/__class_register/ { cls = 1 }
		/kobject_set_name/ { name = 1 }
		END { done_one(); print m + 0, k + 0, o + 0 }' /tmp/kmemleak.txt)
	set -- "$1" $counts
	if [ "$2" != 0 ]; then
		nok "kmemleak finds no leak $1 ($2 of mapper's, $3 known kernel, $4 other)"
		head -n 150 /tmp/kml.mapper | note
	else
		ok "kmemleak finds no leak $1 ($2 of mapper's, $3 known kernel, $4 other)"
	fi
	[ "$3" = 0 ] || { echo "# known 6.1 kernel leak (__class_register error path), not mapper's:"; head -n 20 /tmp/kml.known | note; }
	[ "$4" = 0 ] || { echo "# the kernel's own, not mapper's:"; head -n 60 /tmp/kml.other | note; }
	echo "# kmemleak-objects mapper=$2 known-kernel=$3 other=$4"
	# Reported once is enough: the next check sees only new ones.
	echo clear >$kml
}

# Free pages and slab pages (KiB) after giving back what caches hold: page
# cache, and each slab cache's free objects (shrinking a cache also empties
# KASAN's quarantine of it, which otherwise keeps freed objects for a while).
# Free pages include those on the per-CPU free lists (/proc/zoneinfo's
# "count:"), which nr_free_pages leaves out: a freed buffer often goes there
# first, so without them free memory swings by megabytes between snapshots.
mem_snapshot() {
	sync
	echo 3 >/proc/sys/vm/drop_caches
	for s in /sys/kernel/slab/*/shrink; do echo 1 >"$s"; done 2>/dev/null
	{ cat /proc/vmstat; cat /proc/zoneinfo; } |
		awk '/^nr_free_pages /{f+=$2} /^ +count: /{f+=$2}
			/^nr_slab_(un)?reclaimable /{s+=$2} END {print f * 4, s * 4}'
}

# mem_check WHAT BASE NOW TOLERANCE_KIB: free memory and slab back to BASE
# within the tolerance ("BASE" and "NOW" are mem_snapshot outputs).
mem_check() {
	set -- "$1" $2 $3 "$4"
	# $2 $3: base free, base slab; $4 $5: now free, now slab; $6: tolerance
	lost=$(($2 - $4))
	grown=$(($5 - $3))
	if [ "$lost" -le "$6" ] && [ "$grown" -le "$6" ]; then
		ok "$1: memory back to baseline within $6 KiB (free ${lost} KiB lower, slab ${grown} KiB higher)"
	else
		nok "$1: memory back to baseline within $6 KiB (free ${lost} KiB lower, slab ${grown} KiB higher)"
		grep -E '^(MemFree|Slab|SUnreclaim|VmallocUsed|PageTables):' /proc/meminfo | note
	fi
}

# Nothing of mapper left: module, class, device nodes, device numbers.
mapper_gone() {
	[ ! -e /sys/module/mapper ] && [ ! -e /sys/class/mapper ] &&
		! ls /dev/mapper[0-9]* >/dev/null 2>&1 &&
		! grep -q ' mapper$' /proc/devices
}

debug_summary() { # debug_summary MODE: the mode's exit status
	echo "# debug-$1: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" = 0 ]
}

# fill_cache: clean page cache that reclaim can take back, where the VM has
# a RAM disk (brd): its unwritten sectors read as zeros into the page cache.
# The caller keeps /dev/ram0 open meanwhile (exec 7</dev/ram0): the last
# close of a block device drops its page cache.
fill_cache() {
	[ -b /dev/ram0 ] && dd if=/dev/ram0 of=/dev/null bs=1M 2>/dev/null
	:
}

# hog_loop UNTIL DEVICE...: until uptime UNTIL (s), one hog after another
# (fuzz_util hog, oom_score_adj 1000: the OOM killer's first choice) maps the
# DEVICEs and fills memory until the OOM killer kills it, the page cache
# filled again before each (fill_cache), so that reclaim has work; then
# "hogs=N held=M killed=K" (hogs started, mappings they held, hogs the OOM
# killer killed: dead of SIGKILL before UNTIL, which nothing else sends a
# root process here, or its victims still exiting at UNTIL) in
# /tmp/hog.sum. Counted hog by hog, it survives an hour of log wrapping
# dmesg's ring buffer, which a count of its lines at the end does not.
# pressure.sh and the soak (fuzz.sh) run it; the processes that must
# survive set oom_score_adj -1000.
hog_loop() {
	_until=$1
	shift
	_hogs=0 _held=0 _killed=0
	while [ "$(cut -d. -f1 /proc/uptime)" -lt "$_until" ]; do
		fill_cache
		(echo 1000 >/proc/self/oom_score_adj && exec /bin/fuzz_util hog "$@") \
			>/tmp/hog.out 2>&1 &
		_hog=$!
		while kill -0 $_hog 2>/dev/null && [ "$(cut -d. -f1 /proc/uptime)" -lt "$_until" ]; do
			sleep 1
		done
		# Stopped here at UNTIL, or dead already: of what, its status says.
		# An OOM victim may still be exiting at UNTIL and take this kill
		# too; then the kernel's line for it, logged just now, decides.
		_stopped=0
		kill -9 $_hog 2>/dev/null && _stopped=1
		wait $_hog 2>/dev/null
		if [ $? = 137 ] && { [ $_stopped = 0 ] ||
			dmesg | tail -n 400 | grep -q "Killed process $_hog (fuzz_util)"; }; then
			_killed=$((_killed + 1))
		fi
		_hogs=$((_hogs + 1))
		_h=$(sed -n 's/^hog: holding \([0-9]*\) mappings/\1/p' /tmp/hog.out)
		_held=$((_held + ${_h:-0}))
		echo "hogs=$_hogs held=$_held killed=$_killed" >/tmp/hog.sum
	done
}
