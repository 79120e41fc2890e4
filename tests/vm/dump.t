#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# mapper-dump on a real /dev/mapper0 (run inside the test VM, busybox sh,
# module loaded with devices=2): a known write, dumped in each format; --info,
# --info --json, --list; --watch seeing a write; errors on this system.
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); failed=1; echo "not ok $n - $1"; }
check() { # check NAME COMMAND...: ok if the command succeeds
	name=$1
	shift
	if "$@"; then ok "$name"; else nok "$name"; fi
}
same() { # same NAME FILE-GOT FILE-EXPECTED
	if cmp -s "$2" "$3"; then ok "$1"; else nok "$1"; echo "# got:"; sed 's/^/#   /' "$2"; echo "# expected:"; sed 's/^/#   /' "$3"; fi
}

dev=/dev/mapper0
size=$(cat /sys/class/mapper/mapper0/size)
T=/tmp/dump.t
mkdir -p $T

# A known pattern: "Hello, mapper!\n" at 0, 01 02 03 at 0x1000, zeros around.
dd if=/dev/zero of=$dev bs=4096 count=2 conv=notrunc 2>/dev/null
printf 'Hello, mapper!\n' | dd of=$dev conv=notrunc 2>/dev/null
printf '\001\002\003' | dd of=$dev bs=1 seek=4096 conv=notrunc 2>/dev/null

z='00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|'
cat > $T/canon.exp <<EXP
00000000  48 65 6c 6c 6f 2c 20 6d  61 70 70 65 72 21 0a 00  |Hello, mapper!..|
00000010  $z
*
00001000  01 02 03 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|
00001010  $z
*
00002000
EXP
mapper-dump -n 8K $dev > $T/canon.out
same "canonical dump of a known write" $T/canon.out $T/canon.exp
mapper-dump -n 0x2000 > $T/default.out
same "no argument dumps /dev/mapper0" $T/default.out $T/canon.exp

mapper-dump > $T/all.out
check "whole buffer: ends at the sysfs size" \
	test "$(tail -n 1 $T/all.out)" = "$(printf '%08x' "$size")"

printf '00000000: 4865 6c6c 6f2c 206d 6170 7065 7221 0a00  Hello, mapper!..\n' > $T/xxd.exp
mapper-dump -X -n 16 $dev > $T/xxd.out
same "xxd format" $T/xxd.out $T/xxd.exp

printf '010203\n' > $T/plain.exp
mapper-dump -p -s 4K -n 3 $dev > $T/plain.out
same "plain format with -s 4K" $T/plain.out $T/plain.exp

printf 'Hello, mapper!\n' > $T/raw.exp
mapper-dump -R -n 15 $dev > $T/raw.out
same "raw bytes" $T/raw.out $T/raw.exp

mapper-dump -s 2M $dev > $T/err.out 2>&1
check "range past the end: exit 2" test $? = 2
check "range past the end: message" \
	grep -q "is past the end: the buffer is $size bytes" $T/err.out

# --info, --info --json, --list
mapper-dump --info $dev > $T/info.out
check "--info: device" grep -qx "device:     $dev" $T/info.out
check "--info: size" grep -q "^size:       $size (" $T/info.out
check "--info: no mappings" grep -qx "mappings:   0" $T/info.out
mapper-dump --info --json /dev/mapper1 > $T/info.json
check "--info --json" grep -q "^{ \"device\": \"/dev/mapper1\", \"index\": 1, \"size\": $size, " $T/info.json
mapper-dump --list > $T/list.out
check "--list: both devices, named, with node, opens, holders, DMA columns and exports" \
	test "$(grep -c "^/dev/mapper\\([01]\\)  *mapper\\1  *$size  *-  *0  *0  *0  *no  *-  *0  *0\$" $T/list.out)" = 2
mapper-dump --list --json > $T/list.json
check "--list --json" grep -q "\"device\": \"/dev/mapper1\", \"index\": 1, \"size\": $size, \"maps\": 0, \"name\": \"mapper1\", \"node\": -1, \"opens\": 0, \"holders\": 0, \"contiguous\": false, \"dma_device\": \"\", \"dma_maps\": 0, \"exports\": 0 }" $T/list.json

# --watch: holds a mapping, sees a write, prints just that line.
# 5 s between rounds: the write below lands before the second even on
# the debug kernel under TCG with the machine busy (2 s did not, once)
mapper-dump --watch=5 --count 2 --color=never -n 8K $dev > $T/watch.out 2>&1 &
pid=$!
i=0
while ! grep -q '^00002000$' $T/watch.out && [ $i -lt 100 ]; do usleep 100000; i=$((i + 1)); done
check "--watch: first round is the dump" cmp -s $T/watch.out $T/canon.exp
mapper-dump --info > $T/info2.out
check "--info counts the watcher's mapping" grep -qx "mappings:   1" $T/info2.out
printf 'Z' | dd of=$dev bs=1 seek=4101 conv=notrunc 2>/dev/null
wait $pid
check "--watch: exit 0 after --count rounds" test $? = 0
check "--watch: only the changed line" test "$(tail -n +8 $T/watch.out)" = \
	"00001000  01 02 03 00 00 5a 00 00  00 00 00 00 00 00 00 00  |.....Z..........|"

# Errors on this system.
mapper-dump --info /dev/null > $T/e1 2>&1
check "--info on /dev/null: not a mapper device" grep -q "not a mapper device" $T/e1
mapper-dump /dev/mapper7 > $T/e2 2>&1
check "a missing device, module loaded" grep -q "no such device, though the mapper module is loaded" $T/e2

echo "1..$n"
exit $failed
