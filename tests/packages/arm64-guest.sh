#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of make check-packages-arm64 (tests/packages/arm64.sh):
# run at boot by the arm64 image's mapper-guest.service from the disk
# labelled mapper-guest (mounted read-only at /mnt/guest), as root, on a
# booted Debian 13 arm64 system. /mnt/guest/phase says which boot this is:
#
#   install  the repository of make repo (/mnt/guest/repo/apt, signed with a
#            throw-away key) set up as docs/fleet.md says; apt-get install
#            mapper-dkms mapper-utils mapper-dev by name: DKMS builds the
#            modules here, natively, for the running kernel; users alice (in
#            group mapper) and bob (not) are made; then power off
#   check    the next boot: the module was loaded at boot, udev made
#            /dev/mapper0 root:mapper 0660, alice maps, writes and reads it,
#            mapper-dump works for her, bob is refused
#
# One TAP line per check on the result port (/dev/hvc0), then
# "vm-exit: STATUS"; the kernel's log is checked for splats by tests/lib/vm
# (the console) and here (dmesg, with tests/lib/splats' patterns).
# hvc0 is virtio_console's (built into Debian's 6.12 arm64 kernel, a module
# elsewhere): waited for, 30 s at most; without it the reason goes to the
# kernel's console (a redirection would make a plain file /dev/hvc0).
modprobe virtio_console 2>/dev/null
i=0
while [ ! -c /dev/hvc0 ] && [ $i -lt 60 ]; do
	sleep 0.5
	i=$((i + 1))
done
if [ ! -c /dev/hvc0 ]; then
	echo "mapper-guest: no result port /dev/hvc0 (virtio_console)" >/dev/console
	exit 1
fi
# The lines go to a file in the root first (the host reads it with debugfs
# when none arrive: in the first run here, the install went on but nothing
# reached the host through hvc0), then all at once to hvc0.
log=/var/log/mapper-guest-$(cat /mnt/guest/phase).tap
exec >"$log" 2>&1
G=/mnt/guest
failed=0
check() {
	name=$1
	shift
	if out=$( (eval "$*") 2>&1); then
		echo "ok - $name"
	else
		echo "not ok - $name"
		failed=1
	fi
	printf '%s\n' "$out" | tail -n 40 | sed 's/^/#   /'
}
k=$(uname -r)
v=$(cat $G/version)
echo "# $(cat $G/phase) boot: kernel $k ($(uname -m)), up $(cut -d' ' -f1 /proc/uptime) s"

install_repo() {
	install -d -m 0755 /etc/apt/keyrings &&
		install -m 0644 $G/repo/apt/mapper.asc /etc/apt/keyrings/mapper.asc &&
		install -m 0644 $G/repo/apt/mapper.sources /etc/apt/sources.list.d/mapper.sources &&
		cat /etc/apt/sources.list.d/mapper.sources &&
		# The guest has no network: Debian's archive is not reachable, and
		# everything mapper needs is in the image.
		# (mmdebstrap keeps its own as sources.list.d/0000sources.list).
		find /etc/apt/sources.list /etc/apt/sources.list.d -type f ! -name mapper.sources -print -delete &&
		apt-get update 2>&1 | tee /tmp/update.out &&
		! grep -E '^(W|E):' /tmp/update.out
}
apt_install() {
	t0=$(cut -d. -f1 /proc/uptime)
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o Dpkg::Use-Pty=0 \
		mapper-dkms mapper-utils mapper-dev >/tmp/install.out 2>&1
	rc=$?
	grep -E -i 'dkms|mapper|error|warn' /tmp/install.out | tail -n 30
	echo "apt-get install: exit $rc, $(($(cut -d. -f1 /proc/uptime) - t0)) s"
	[ $rc = 0 ] || { tail -n 30 /var/lib/dkms/mapper/*/build/make.log 2>/dev/null; exit 1; }
	dpkg -l 'mapper-*' | grep '^ii'
	test "$(dpkg-query -W -f='${Architecture}' mapper-utils)" = arm64
}
# DKMS built it here, for this kernel, with this machine's compiler: the
# module is an aarch64 ELF file, its vermagic this kernel's, and the build
# log names the native gcc, not a cross compiler.
dkms_native() {
	dkms status
	dkms status -m mapper -v "$v" -k "$k" | grep -q ': installed' || { echo "not installed for $k"; exit 1; }
	f=$(modinfo -n -k "$k" mapper) && echo "$f"
	modinfo -F vermagic -k "$k" mapper | tee /dev/stderr | grep -q "^$k " || exit 1
	case $f in
	*.xz) xz -dc "$f" ;; *.zst) zstd -dc "$f" ;; *.gz) gzip -dc "$f" ;; *) cat "$f" ;;
	esac | od -An -tx1 -j18 -N2 | tee /dev/stderr | grep -q 'b7 00' || { echo "not an aarch64 module (e_machine)"; exit 1; }
	test "$(modinfo -F version -k "$k" mapper)" = "$v" || exit 1
	log=$(ls /var/lib/dkms/mapper/"$v"/*/*/log/make.log /var/lib/dkms/mapper/"$v"/build/make.log 2>/dev/null | head -n 1)
	echo "$log"; head -n 3 "$log"
	grep -q "for kernel $k (aarch64)" "$log" || { echo "not DKMS's aarch64 build"; exit 1; }
	# Native: the compiler is this arm64 system's own (Debian names it
	# aarch64-linux-gnu-gcc-N natively too, so its name proves nothing).
	cc=$(readlink -f "$(command -v gcc)") && echo "$cc ($(dpkg -S "$cc" | head -n 1))"
	od -An -tx1 -j18 -N2 "$cc" | grep -q 'b7 00' || { echo "$cc is not an aarch64 program"; exit 1; }
}
splats() {
	if dmesg | grep -E -f /mnt/guest/splats; then
		echo "the kernel log has a report"
		exit 1
	fi
	echo "no report in dmesg ($(dmesg | wc -l) lines)"
}

case $(cat $G/phase) in
install)
	check repo-set-up install_repo
	check apt-install-by-name apt_install
	check dkms-built-natively dkms_native
	check modules-of-samples 'modinfo -k "$k" -F version mapper_sample && modinfo -k "$k" -F alias mapper_edu | grep -q 1234'
	check group-mapper 'getent group mapper'
	check users 'useradd -m -G mapper alice && useradd -m bob && id alice && id bob'
	check maptest-builds-against-mapper-dev 'gcc -O2 -Wall -Werror -o /usr/local/bin/maptest $G/maptest.c && file_machine=$(od -An -tx1 -j18 -N2 /usr/local/bin/maptest) && echo "e_machine $file_machine"'
	check no-splat-while-installing splats
	;;
check)
	check module-loaded-at-boot 'grep "^mapper " /proc/modules'
	check loaded-by-modules-load 'systemctl is-active systemd-modules-load && journalctl -b -u systemd-modules-load --no-pager | tail -n 5'
	check node-root-mapper-0660 'udevadm settle; ls -l /dev/mapper0; test "$(stat -c "%U:%G %a" /dev/mapper0)" = "root:mapper 660"'
	check sysfs-size 'cat /sys/class/mapper/mapper0/size && test "$(cat /sys/class/mapper/mapper0/size)" -gt 0'
	check group-member-maps-and-writes 'id alice; runuser -u alice -- /usr/local/bin/maptest /dev/mapper0 write'
	check mapper-dump-as-member 'runuser -u alice -- mapper-dump -n 64 -s 4096 /dev/mapper0 | tee /dev/stderr | grep -q "written through" && runuser -u alice -- mapper-dump --info /dev/mapper0'
	check member-writes-read-back 'runuser -u alice -- sh -c "printf arm64-hello >/dev/mapper0" && runuser -u alice -- mapper-dump -n 11 /dev/mapper0 | tee /dev/stderr | grep -q "|arm64-hello|"'
	check outsider-gets-eacces 'id bob; runuser -u bob -- /usr/local/bin/maptest /dev/mapper0 eacces'
	check mapperctl-list-as-member 'runuser -u alice -- mapperctl list'
	check no-splat splats
	;;
*) echo "not ok - phase: '$(cat $G/phase)'"; failed=1 ;;
esac
echo "vm-exit: $failed"
sync
cat "$log" >/dev/hvc0
systemctl poweroff --no-block
