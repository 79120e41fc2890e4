#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mvmode=stress: mapper_stress against /dev/mapper0 and /dev/mapper1 while it
# unloads and reloads the module (busybox sh, inside the test VM).
#
#   mvstress=SECONDS   how long (default 120)
#   mvseed=N           the seed (default: from /dev/urandom, printed)
#   mvparams=A,B       module parameters, commas for spaces (default devices=2),
#                      e.g. mvparams=devices=2,size=4M for huge mappings
#
# Prints "mapper-vm: PASS" or "mapper-vm: FAIL"; /init adds "mapper-vm: DONE".
seconds=120
seed=
params=devices=2
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	mvstress=*) seconds=${arg#mvstress=} ;;
	mvseed=*) seed=${arg#mvseed=} ;;
	mvparams=*) params=$(echo "${arg#mvparams=}" | tr , ' ') ;;
	esac
done
if [ -z "$seed" ]; then
	seed=$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')
fi
echo "mapper-vm: stress for ${seconds}s, seed $seed, mapper $params"

failed=0
if [ ! -e /sys/module/mapper ]; then
	# shellcheck disable=SC2086
	insmod /lib/modules/mapper.ko $params || { echo "mapper-vm: insmod failed"; failed=1; }
fi
if [ "$failed" = 0 ]; then
	start=$(date +%s)
	/bin/mapper_stress --seconds "$seconds" --seed "$seed" --params "$params" || failed=1
	echo "mapper-vm: mapper_stress ran $(($(date +%s) - start))s"
fi
if [ -e /sys/module/mapper ] && ! rmmod mapper; then
	echo "mapper-vm: the final rmmod failed"
	failed=1
fi
if [ -e /sys/module/mapper ]; then
	echo "mapper-vm: mapper is still loaded"
	failed=1
fi
# The patterns of /init's splats(), so that both always agree.
splat_re=$(sed -n "/^splats()/,/^}/s/.*grep -E '\([^']*\)'.*/\1/p" /init)
[ -n "$splat_re" ] || splat_re='WARNING:|BUG[: ]|Oops|Call Trace|general protection|Kernel panic'
if dmesg | grep -E "$splat_re"; then
	echo "mapper-vm: the kernel log has a splat"
	failed=1
fi
if [ "$failed" = 0 ]; then
	echo "mapper-vm: PASS (seed $seed)"
else
	echo "mapper-vm: FAIL (seed $seed; rerun with SEED=$seed)"
fi
