#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mvmode=debug (make check-debug): the whole in-VM suite, as check mode runs
# it, on the debug kernel (KASAN, KFENCE, DEBUG_PAGEALLOC, lockdep, DEBUG_VM),
# then a kmemleak scan once mapper is unloaded, and the kernel log.
. /debug-lib.sh
debug_setup

suite() {
	/bin/mapper_test || return 1
	rc=0
	for t in /tests/*.t; do
		[ -x "$t" ] || continue
		echo "# running ${t#/tests/}"
		"$t" || rc=1
	done
	return $rc
}

if /bin/busybox insmod /lib/modules/mapper.ko devices=2; then
	ok "insmod mapper.ko devices=2"
	start=$(cut -d. -f1 /proc/uptime)
	# The suite's own lines are TAP too; this line sums it up.
	check "the in-VM suite passes on the debug kernel" suite
	echo "# suite took $(($(cut -d. -f1 /proc/uptime) - start)) s"
	check "rmmod mapper after the suite" rmmod mapper
	check "nothing of mapper is left registered" mapper_gone
else
	nok "insmod mapper.ko devices=2"
fi
kmemleak_check "after the suite and rmmod"
splat_check
debug_summary debug
