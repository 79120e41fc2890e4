#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# The story "make demo" tells, run inside the VM. Any step that fails ends
# it with that status (make demo then fails).
set -e
say() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }
run() { say "$*"; "$@"; }

run insmod /lib/modules/mapper.ko devices=2 size=1M
run ls -l /dev/mapper0 /dev/mapper1
run cat /sys/class/mapper/mapper0/size
say 'mapper-demo hold "hello from process A" &'
mapper-demo hold "hello from process A" &
holder=$!
sleep 1
run mapper-demo show
say 'dd if=/dev/mapper0 bs=20 count=1   # read() sees the same bytes'
dd if=/dev/mapper0 bs=20 count=1 2>/dev/null; echo
run mapper-demo private "PRIVATE SCRIBBLE"
run mapper-demo show
if command -v mapper-dump >/dev/null; then
	run mapper-dump -n 64 /dev/mapper0
fi
run cat /sys/class/mapper/mapper0/maps
say "rmmod mapper   # refused: process A still maps the buffer"
rmmod mapper || echo "(refused, as it must be)"
say "kill $holder   # process A exits, its mapping goes away"
kill $holder; wait $holder 2>/dev/null || true
run rmmod mapper
say "ls /sys/class/mapper"
ls /sys/class/mapper 2>/dev/null || echo "(gone: the module is unloaded and its memory given back)"
say "dmesg | grep mapper"
dmesg | grep mapper
