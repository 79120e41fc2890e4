#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The stress mode: mapper_stress against /dev/mapper0 and /dev/mapper1 while
# it unloads and reloads the module, and against buffers its creators make
# and remove through configfs meanwhile (busybox sh, inside the test VM).
# Parameters (tests/lib/vm --param):
#   STRESS_SECONDS   how long (default 120)
#   STRESS_SEED      the seed (default: from /dev/urandom, printed)
#   STRESS_PARAMS    module parameters (default "devices=2"),
#                    e.g. "devices=2 size=4M" for huge mappings
#   STRESS_CREATORS  processes making and removing buffers through configfs
#                    (default 1; 0 for none)
seconds=${STRESS_SECONDS:-120}
seed=${STRESS_SEED:-$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')}
params=${STRESS_PARAMS:-devices=2}
creators=${STRESS_CREATORS:-1}
echo "# stress for ${seconds}s, seed $seed (rerun with SEED=$seed), mapper $params," \
	"$creators creator(s) on $(grep -c ' /sys/kernel/config configfs ' /proc/mounts) configfs mount"

# shellcheck disable=SC2086
if insmod /lib/modules/mapper.ko $params; then
	echo "ok - insmod mapper.ko $params"
else
	echo "not ok - insmod mapper.ko $params"
	exit 1
fi
rc=0
/bin/mapper_stress --seconds "$seconds" --seed "$seed" --params "$params" \
	--creators "$creators" || rc=1
if [ -e /sys/module/mapper ] && ! rmmod mapper; then
	echo "not ok - the final rmmod"
	rc=1
elif [ -e /sys/module/mapper ]; then
	echo "not ok - mapper is unloaded at the end"
	rc=1
else
	echo "ok - mapper is unloaded at the end"
fi
[ $rc = 0 ] || echo "# failed with seed $seed: rerun with SEED=$seed"
exit $rc
