#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mvmode=debug (make check-debug): the whole in-VM suite, as check mode runs
# it, on the debug kernel (KASAN, KFENCE, DEBUG_PAGEALLOC, lockdep, DEBUG_VM),
# then a kmemleak scan once mapper is unloaded, and the kernel log.
. /debug-lib.sh
debug_setup

# The suite's TAP lines count one by one in this mode's summary.
suite() {
	rc=0
	/bin/mapper_test || rc=1
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
	{ suite; echo $? >/tmp/suite.rc; } 2>&1 | tee /tmp/suite.out
	rc=$(cat /tmp/suite.rc)
	skipped=$(grep -cE '^ok .*# SKIP' /tmp/suite.out)
	passed=$((passed + $(grep -cE '^ok ' /tmp/suite.out) - skipped))
	failed=$((failed + $(grep -cE '^not ok ' /tmp/suite.out)))
	[ $rc = 0 ] || grep -qE '^not ok ' /tmp/suite.out ||
		nok "the in-VM suite exited with status $rc and no failed test"
	echo "# suite took $(($(cut -d. -f1 /proc/uptime) - start)) s"
	check "rmmod mapper after the suite" rmmod mapper
	check "nothing of mapper is left registered" mapper_gone
else
	nok "insmod mapper.ko devices=2"
fi
kmemleak_check "after the suite and rmmod"
splat_check
debug_summary debug
