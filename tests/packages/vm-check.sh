#!/bin/sh
# Runs at boot inside the package root under QEMU (pkg-vm-check.service) and
# reports one TAP line per check on tests/lib/vm's result port (ttyS1), then
# "vm-exit: STATUS" there, and powers off. run.sh put two buffers, ring
# (4 MiB) and frames (8 MiB), into /etc/mapper.conf before the boot, and
# the shipped file beside it as /etc/mapper.conf.shipped.
exec >/dev/ttyS1 2>&1
udevadm settle
failed=0
# check NAME COMMANDS: one TAP line; COMMANDS run in a subshell (exit ends
# them), with the functions below.
check() {
	name=$1
	shift
	if out=$( (eval "$*") 2>&1); then
		echo "ok - $name"
	else
		echo "not ok - $name"
		failed=1
	fi
	printf '%s\n' "$out" | sed 's/^/#   /'
}
# setup_ran AFTER: mapper-setup.service has run to its end since the
# monotonic time AFTER (microseconds), and succeeded; waits up to 60 s for it.
setup_ran() {
	i=0
	while [ $i -lt 120 ]; do
		t=$(systemctl show -p ExecMainExitTimestampMonotonic --value mapper-setup.service)
		if [ "${t:-0}" -gt "$1" ]; then
			systemctl status --no-pager mapper-setup.service
			test "$(systemctl show -p Result --value mapper-setup.service)" = success
			return
		fi
		sleep 0.5
		i=$((i + 1))
	done
	echo "mapper-setup.service did not run (exit timestamp ${t:-none}, after $1)"
	systemctl status --no-pager mapper-setup.service
	return 1
}
# conf_buffers: ring and frames exist, 4 and 8 MiB, named, linked from
# /dev/mapper-by-name/ to their own node, root:mapper 0660.
conf_buffers() {
	for b in ring:4194304 frames:8388608; do
		name=${b%:*} size=${b#*:}
		link=/dev/mapper-by-name/$name
		ls -l "$link" || return 1
		dev=$(readlink "$link")
		case $dev in ../mapper[0-9]*) ;; *) echo "$link -> $dev, not ../mapperN"; return 1 ;; esac
		n=${dev#../}
		test "$(cat /sys/class/mapper/$n/name)" = "$name" || { echo "$n is named $(cat /sys/class/mapper/$n/name)"; return 1; }
		test "$(cat /sys/class/mapper/$n/size)" = "$size" || { echo "$n: size $(cat /sys/class/mapper/$n/size)"; return 1; }
		test "$(stat -c '%U:%G %a' /dev/$n)" = "root:mapper 660" || { stat -c '%U:%G %a' /dev/$n; return 1; }
		test "$(stat -L -c '%t:%T' "$link")" = "$(stat -c '%t:%T' /dev/$n)" || return 1
		test -d "/sys/kernel/config/mapper/$name" || { echo "no configfs directory $name"; return 1; }
	done
}
check module-loaded-at-boot 'grep "^mapper " /proc/modules'
check loaded-by-modules-load 'journalctl -b -u systemd-modules-load --no-pager | grep -i mapper; systemctl is-active systemd-modules-load'
check node-root-mapper-0660 'ls -l /dev/mapper0; test "$(stat -c "%U:%G %a" /dev/mapper0)" = "root:mapper 660"'
check sysfs 'cat /sys/class/mapper/mapper0/size'
check group-member-maps-and-writes 'id alice; runuser -u alice -- /usr/local/bin/maptest /dev/mapper0 write'
check outsider-gets-eacces 'id bob; runuser -u bob -- /usr/local/bin/maptest /dev/mapper0 eacces'
check mapper-dump-as-member 'runuser -u alice -- mapper-dump -n 64 -s 4096 /dev/mapper0 | grep -q "written through"; runuser -u alice -- mapper-dump --info /dev/mapper0'
# /etc/mapper.conf, applied at boot by mapper-setup.service (the udev rule).
check mapper-conf-applied-at-boot "setup_ran 0; journalctl -b -u mapper-setup --no-pager | grep -E 'ring: /dev/mapper[0-9]+: created' && journalctl -b -u mapper-setup --no-pager | grep -E 'frames: /dev/mapper[0-9]+: created'"
check mapper-conf-buffers-named-and-linked conf_buffers
check mapperctl-list-as-member 'runuser -u alice -- mapperctl list | tee /dev/stderr | grep -E "^ring +/dev/mapper[0-9]+ +4M +- +cached " && runuser -u alice -- mapperctl list --json | grep -q "\"name\": \"frames\""'
check member-reads-by-name 'for n in ring frames; do runuser -u alice -- mapper-dump -n 32 /dev/mapper-by-name/$n | tee /dev/stderr | head -n 1 | grep -qx "00000000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|" || exit 1; runuser -u alice -- dd if=/dev/mapper-by-name/$n of=/dev/null bs=1M count=1 status=none || exit 1; done'
check member-writes-by-name 'runuser -u alice -- sh -c "printf hello >/dev/mapper-by-name/ring" && runuser -u alice -- mapper-dump -n 5 /dev/mapper-by-name/ring | grep -q "|hello|"'
check outsider-refused-by-name '! runuser -u bob -- dd if=/dev/mapper-by-name/frames of=/dev/null count=1 status=none'
check mapper-dump-shows-names 'mapper-dump --list | tee /dev/stderr | grep -E "^/dev/mapper[0-9]+ +frames +8388608 "'
check mapperctl-apply-again-changes-nothing 'out=$(mapperctl apply) && echo "$out" && test "$(echo "$out" | grep -c "exists as configured")" = 2'
check mapperctl-remove-busy-is-refused 'sleep 30 </dev/mapper-by-name/ring & p=$!; sleep 1
	mapperctl remove ring; r=$?; kill $p; wait $p 2>/dev/null
	test $r = 1 && test -e /dev/mapper-by-name/ring'
# Every later load applies it too: remove both, reload, they are back.
check mapper-conf-applied-at-every-load '
	mapperctl remove ring && mapperctl remove frames || exit 1
	udevadm settle
	test ! -e /dev/mapper-by-name/ring || { echo "the ring link stayed"; exit 1; }
	t=$(systemctl show -p ExecMainExitTimestampMonotonic --value mapper-setup.service)
	modprobe -r mapper && modprobe mapper || exit 1
	udevadm settle
	setup_ran "$t" && conf_buffers'
# The sample producer writes records into /dev/mapper0 (see mapper(4)).
check sample-producer 'modprobe mapper_sample period_ms=10 && sleep 1 && mapper-dump -n 4096 /dev/mapper0 | grep "hello from mappe" && rmmod mapper_sample'
check man-mapper-dump 'MANWIDTH=80 man -P cat mapper-dump | head -n 12; MANWIDTH=80 man -P cat mapper-dump | grep -q NAME'
check man-4-mapper 'MANWIDTH=80 man -P cat 4 mapper | head -n 6; MANWIDTH=80 man -P cat 4 mapper | grep -q MAPPER_IOC_INFO'
check man-mapperctl-and-mapper-conf 'MANWIDTH=80 man -P cat 8 mapperctl | grep -q "mapperctl create" && MANWIDTH=80 man -P cat 5 mapper.conf | grep -q "node-fallback"'
# Last: it unloads the module. The autopkgtest that autopkgtest-virt-unshare
# cannot run (isolation-machine), as debian/tests/control runs it; the
# buffers of configfs pin the module, and a reload would make them again.
check remove-conf-buffers 'mv /etc/mapper.conf.shipped /etc/mapper.conf && mapperctl remove ring && mapperctl remove frames && mapperctl list'
check autopkgtest-module '/usr/local/bin/pkg-autopkgtest-module'
echo "vm-exit: $failed"
systemctl poweroff --no-block
