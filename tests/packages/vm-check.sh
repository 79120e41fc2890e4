#!/bin/sh
# Runs at boot inside the package root under QEMU (pkg-vm-check.service) and
# reports one TAP line per check on tests/lib/vm's result port (ttyS1), then
# "vm-exit: STATUS" there, and powers off.
exec >/dev/ttyS1 2>&1
udevadm settle
failed=0
check() {
	name=$1
	shift
	if out=$(sh -c "$*" 2>&1); then
		echo "ok - $name"
	else
		echo "not ok - $name"
		failed=1
	fi
	printf '%s\n' "$out" | sed 's/^/#   /'
}
check module-loaded-at-boot 'grep "^mapper " /proc/modules'
check loaded-by-modules-load 'journalctl -b -u systemd-modules-load --no-pager | grep -i mapper; systemctl is-active systemd-modules-load'
check node-root-mapper-0660 'ls -l /dev/mapper0; test "$(stat -c "%U:%G %a" /dev/mapper0)" = "root:mapper 660"'
check sysfs 'cat /sys/class/mapper/mapper0/size'
check group-member-maps-and-writes 'id alice; runuser -u alice -- /usr/local/bin/maptest /dev/mapper0 write'
check outsider-gets-eacces 'id bob; runuser -u bob -- /usr/local/bin/maptest /dev/mapper0 eacces'
check mapper-dump-as-member 'runuser -u alice -- mapper-dump -n 64 -s 4096 /dev/mapper0 | grep -q "written through"; runuser -u alice -- mapper-dump --info /dev/mapper0'
# The sample producer writes records into /dev/mapper0 (see mapper(4)).
check sample-producer 'modprobe mapper_sample period_ms=10 && sleep 1 && mapper-dump -n 4096 /dev/mapper0 | grep "hello from mappe" && rmmod mapper_sample'
check man-mapper-dump 'MANWIDTH=80 man -P cat mapper-dump | head -n 12; MANWIDTH=80 man -P cat mapper-dump | grep -q NAME'
check man-4-mapper 'MANWIDTH=80 man -P cat 4 mapper | head -n 6; MANWIDTH=80 man -P cat 4 mapper | grep -q MAPPER_IOC_INFO'
# Last: it unloads the module. The autopkgtest that autopkgtest-virt-unshare
# cannot run (isolation-machine), as debian/tests/control runs it.
check autopkgtest-module '/usr/local/bin/pkg-autopkgtest-module'
echo "vm-exit: $failed"
systemctl poweroff --no-block
