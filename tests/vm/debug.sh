#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The debug mode of make check-debug: the whole in-VM suite (check.sh) on
# the debug kernel (KASAN, KFENCE, DEBUG_PAGEALLOC, lockdep, DEBUG_VM),
# then a kmemleak scan once mapper is unloaded, and the kernel log.
. /debug-lib.sh
debug_setup

# check.sh loads mapper, runs the suite and unloads: its own TAP lines say
# what failed, its status counts here.
start=$(cut -d. -f1 /proc/uptime)
sh /check.sh || failed=$((failed + 1))
echo "# suite took $(($(cut -d. -f1 /proc/uptime) - start)) s"
check "nothing of mapper is left registered" mapper_gone
kmemleak_check "after the suite and rmmod"
splat_check
debug_summary debug
