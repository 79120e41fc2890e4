#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The debug mode of make check-debug: the whole in-VM suite, as check mode runs
# it, on the debug kernel (KASAN, KFENCE, DEBUG_PAGEALLOC, lockdep, DEBUG_VM),
# then a kmemleak scan once mapper is unloaded, and the kernel log.
. /debug-lib.sh
debug_setup

if /bin/busybox insmod /lib/modules/mapper.ko devices=2; then
	ok "insmod mapper.ko devices=2"
	start=$(cut -d. -f1 /proc/uptime)
	rc=0
	/bin/mapper_test || rc=1
	for t in /tests/*.t; do
		[ -x "$t" ] || continue
		echo "# running ${t#/tests/}"
		"$t" || rc=1
	done
	# The suite's own "not ok" lines say what failed; its status counts here.
	[ $rc = 0 ] || failed=$((failed + 1))
	echo "# suite took $(($(cut -d. -f1 /proc/uptime) - start)) s"
	check "rmmod mapper after the suite" rmmod mapper
	check "nothing of mapper is left registered" mapper_gone
else
	nok "insmod mapper.ko devices=2"
fi
kmemleak_check "after the suite and rmmod"
splat_check
debug_summary debug
