#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The fuzz mode (make check-fuzz, make fuzz, make soak; mk/fuzz.mk): Debian's trinity,
# the kernel's system call fuzzer, against mapper's files on the debug
# kernel, run by an unprivileged member of group mapper and then by a user
# outside it. busybox sh, TAP.
#
# The guest has /bin/trinity with its ELF interpreter and libc (tests/lib/vm
# --file). mapper is loaded with two buffers (the second write-combining)
# and a third is made through configfs (contiguous); every node is
# root:mapper 0660, as the packaged udev rule makes it. trinity opens a
# victim file (-V: one path, walked without leaving its file system) only if
# lstat() shows one it may open, judging by owner, primary group and others:
# so the member's primary group is mapper, and its victims are a directory of
# device nodes (FUZZ_LINKS more nodes of each buffer, made with mknod, so that
# almost all of its file descriptors are mapper's); the outsider's are
# mapper's sysfs class directory, all it may open (its open() of a node is
# checked to be EACCES first). Its file descriptors come from those files and
# from pipes only (--enable-fds=pseudo,pipes), and its system calls are
# those that reach a device's file or mapping (FUZZ_CALLS).
#
# A dma-buf file descriptor cannot be a victim: trinity takes its
# descriptors from its own providers only (never inherited ones), and a
# dma-buf cannot be opened by path (/proc/PID/fd/N of one is ENXIO: its inode
# has no open method; checked here). make soak runs the stress tool, which
# exports and maps dma-bufs, alongside trinity instead.
#
# Each run is FUZZ_OPS system calls (trinity -N; the outsider's
# FUZZ_OUTSIDER_OPS) from FUZZ_CHILDREN children with seed FUZZ_SEED (then
# FUZZ_SEED+1, ... for each further round while FUZZ_SECONDS, if set, have
# not passed: make fuzz). trinity's children interleave differently each
# time, so a seed repeats each child's sequence, not the whole run. Passing:
# every run ends normally; the member's had mapper's files open while it
# ran (sysfs opens, sampled twice a second; the most mappings seen too, as a
# note), the outsider's none; every buffer's opens, maps, holders, exports and DMA mappings are 0
# after each run; the configfs buffer is removed, mapper unloads, kmemleak
# finds nothing of mapper's and the kernel log has no report (here and on
# the host's console: tests/lib/vm).
#
# The soak (FUZZ_SOAK=1, make soak): the stress tool (mapper_stress, no
# unloads, one creator; oom_score_adj -1000) on two load-time buffers and
# hogs mapping them until the OOM killer kills them (hog_loop, debug-lib.sh)
# run for FUZZ_SECONDS beside trinity, which runs as the member only, against
# two buffers made through configfs (never the stress tool's, whose pages it
# checks); then the stress tool's checks, at least one OOM kill and some
# reclaim, every count 0, and the checks above.
#
# Parameters (tests/lib/vm --param): FUZZ_OPS (default 20000),
# FUZZ_OUTSIDER_OPS (default a quarter), FUZZ_SEED (default 1),
# FUZZ_CHILDREN (default 2), FUZZ_SECONDS (default: one round), FUZZ_WHO
# ("member outsider", the default; or one of them), FUZZ_CALLS (default
# below), FUZZ_ARCH (64: the debug kernel has no 32-bit system calls; empty
# for both), FUZZ_LINKS (nodes of each buffer, default 16).
. /debug-lib.sh
debug_setup

soak=${FUZZ_SOAK:-0}
ops=${FUZZ_OPS:-20000}
outsider_ops=${FUZZ_OUTSIDER_OPS:-$((ops / 4))}
seed=${FUZZ_SEED:-1}
children=${FUZZ_CHILDREN:-2}
who=${FUZZ_WHO:-member outsider}
[ "$soak" = 1 ] && who=member
links=${FUZZ_LINKS:-16}
arch=${FUZZ_ARCH-64}
calls=${FUZZ_CALLS:-open openat close dup fcntl lseek read write pread64 pwrite64 \
readv writev preadv pwritev preadv2 pwritev2 ioctl poll ppoll select \
mmap munmap mremap mprotect madvise msync mlock munlock mincore remap_file_pages \
fsync fdatasync splice vmsplice tee sendfile process_vm_readv process_vm_writev}

trinity=/bin/trinity
if [ ! -x $trinity ]; then
	nok "trinity is in the guest"
	debug_summary fuzz
	exit 1
fi
echo "# trinity: ${ops} calls a run (the outsider's: ${outsider_ops}), ${children} children, seed ${seed}, users: ${who}"

# The users: a member (primary group mapper) and an outsider.
cat >/etc/passwd <<EOF
root:x:0:0:root:/:/bin/sh
fuzz:x:1000:1000:member of mapper:/tmp:/bin/sh
outsider:x:1001:1001:not a member:/tmp:/bin/sh
nobody:x:65534:65534:nobody:/:/bin/false
EOF
cat >/etc/group <<EOF
root:x:0:
mapper:x:1000:fuzz
outsider:x:1001:
nogroup:x:65534:
EOF

# Nodes as the udev rule makes them.
nodes() {
	for d in /dev/mapper[0-9]*; do
		[ -c "$d" ] || continue
		chgrp 1000 "$d" && chmod 0660 "$d"
	done
}

# The buffers' counters that must be 0 when nobody uses them (of $1, or all).
counts_zero() {
	bad=0
	for b in ${1:-/sys/class/mapper/mapper*}; do
		for a in opens maps holders exports dma_maps; do
			[ -r "$b/$a" ] || continue
			v=$(cat "$b/$a")
			if [ "$v" != 0 ]; then
				echo "#   ${b##*/}/$a = $v"
				bad=1
			fi
		done
	done
	[ $bad = 0 ]
}

# make_item NAME SIZE ATTR=VALUE...: a buffer made through configfs.
make_item() {
	_i=/sys/kernel/config/mapper/$1 _s=$2
	shift 2
	mkdir $_i && echo "$_s" >$_i/size || return 1
	for _a; do echo "${_a#*=}" >"$_i/${_a%%=*}" || return 1; done
	echo 1 >$_i/enable
}

base=$(mem_snapshot)
if [ "$soak" = 1 ]; then
	# The stress tool's two buffers (mapper0, mapper1) and trinity's two
	# (mapper2, mapper3): it must never write into the stress tool's pages,
	# and the stress tool's creator must find no configfs item of others.
	params="devices=4 size=8M,8M,1M,2M cache=cached,cached,cached,wc"
	items=
else
	params="devices=2 size=1M,2M cache=cached,wc"
	items="fuzz:1M:contiguous=1"
fi
# shellcheck disable=SC2086
if insmod /lib/modules/mapper.ko $params; then
	ok "insmod mapper.ko $params"
else
	nok "insmod mapper.ko $params"
	debug_summary fuzz
	exit 1
fi
targets=$(echo /sys/class/mapper/mapper*)
[ "$soak" = 1 ] && targets="/sys/class/mapper/mapper2 /sys/class/mapper/mapper3"
for it in $items; do
	# shellcheck disable=SC2046
	if make_item $(echo "$it" | tr ':' ' '); then
		x=$(cat /sys/kernel/config/mapper/${it%%:*}/index)
		ok "a buffer made through configfs (${it%%:*}, mapper$x: $it)"
		targets="$targets /sys/class/mapper/mapper$x"
	else
		nok "a buffer made through configfs ($it)"
	fi
done
nodes

# The victims. trinity opens a victim only if lstat() shows a file it may
# open (so not a symlink), and walks its one victim path without leaving its
# file system: the member's is a directory in devtmpfs with $links more
# nodes of each buffer (mknod: the same device numbers, root:mapper 0660);
# the outsider's is mapper's sysfs class directory (what it may open: the
# nodes are not for it).
victims=/dev/fuzz-victims
mkdir -p $victims
for b in $targets; do
	dev=$(cat "$b/dev")
	i=0
	while [ $i -lt "$links" ]; do
		mknod "$victims/${b##*/}.$i" c "${dev%:*}" "${dev#*:}"
		chgrp 1000 "$victims/${b##*/}.$i" && chmod 0660 "$victims/${b##*/}.$i"
		i=$((i + 1))
	done
done
chmod 0755 $victims

# A dma-buf cannot be reopened by path (why trinity cannot have one).
if /bin/fuzz_util dmabuf-reopen /dev/mapper0 >/tmp/reopen.out 2>&1; then
	ok "a dma-buf cannot be opened by path: $(cat /tmp/reopen.out)"
elif grep -q 'no dma-buf' /tmp/reopen.out; then
	skipped=$((skipped + 1))
	n=$((n + 1))
	echo "ok $n - a dma-buf cannot be opened by path # SKIP $(cat /tmp/reopen.out)"
else
	nok "a dma-buf cannot be opened by path"
	note </tmp/reopen.out
fi

# The outsider: EACCES on a node, before any fuzzing.
if su -s /bin/sh outsider -c 'exec 3</dev/mapper0' 2>/tmp/eacces.out; then
	nok "the outsider cannot open /dev/mapper0"
elif grep -qi 'denied' /tmp/eacces.out; then
	ok "the outsider cannot open /dev/mapper0 (EACCES)"
else
	nok "the outsider cannot open /dev/mapper0 (EACCES)"
	note </tmp/eacces.out
fi

cargs=
for c in $calls; do cargs="$cargs -c $c"; done

# watch FILE: the highest opens and maps of any buffer, until FILE goes.
watch() {
	mo=0 mm=0
	while [ -e "$1" ]; do
		for b in $targets; do
			o=$(cat "$b/opens" 2>/dev/null || echo 0)
			m=$(cat "$b/maps" 2>/dev/null || echo 0)
			[ "$o" -gt $mo ] && mo=$o
			[ "$m" -gt $mm ] && mm=$m
		done
		echo "$mo $mm" >"$1.max"
		sleep 0.5
	done
}

# fuzz_run USER SEED: one trinity run; its summary as notes.
total_ops=0
runs=0
fuzz_run() {
	user=$1 s=$2
	dir=/tmp/trinity-$user
	rm -rf "$dir"
	mkdir -p "$dir"
	chown "$user" "$dir"
	: >"$dir/.running"
	watch "$dir/.running" &
	wpid=$!
	t0=$(cut -d. -f1 /proc/uptime)
	# shellcheck disable=SC2086
	case $user in
	fuzz) v=$victims o=$ops ;;
	*) v=/sys/class/mapper o=$outsider_ops ;;
	esac
	su -s /bin/sh "$user" -c "cd $dir && exec $trinity -q -q -l off --stats \
		${arch:+-a $arch} -V $v --enable-fds=pseudo,pipes -C $children \
		-N $o -s $s $cargs" >"$dir/out" 2>&1
	rc=$?
	t1=$(cut -d. -f1 /proc/uptime)
	rm -f "$dir/.running"
	wait $wpid
	# What trinity left running (a child it lost), then the mappings are gone.
	for p in $(pidof trinity); do kill -9 "$p"; done 2>/dev/null
	sleep 1
	read -r mo mm <"$dir/.running.max" || { mo=0; mm=0; }
	ran=$(sed -n 's/.*Ran \([0-9]*\) syscalls.*/\1/p' "$dir/out" | tail -n 1)
	runs=$((runs + 1))
	total_ops=$((total_ops + ${ran:-0}))
	echo "# $user seed $s: $(grep -m1 'Ran ' "$dir/out") in $((t1 - t0)) s;" \
		"most files open on one buffer $mo, most mappings $mm"
	if [ $rc = 0 ] && [ "${ran:-0}" -ge "$o" ]; then
		ok "trinity as $user, seed $s: $ran calls, exits normally"
	else
		nok "trinity as $user, seed $s: $o calls, exits normally (exit $rc, ${ran:-no} calls)"
		tail -n 40 "$dir/out" | note
	fi
	# What trinity found to open, and per call: tried, succeeded, errnos.
	grep -E 'Added [0-9]+ filenames|fd providers|Couldn|rror' "$dir/out" | head -n 20 | note
	awk '/^[a-z_0-9]+: \(attempted:/ {
			if (line) print line
			gsub(/[(.:]/, " "); line = sprintf("%-18s %6d tried %6d ok:", $1, $3, $5); next }
		/^    [A-Za-z].*: [0-9]+$/ && line {
			c = $NF; sub(/^    /, ""); sub(/: [0-9]+$/, ""); line = line " " $0 " " c }
		END { if (line) print line }' "$dir/out" | note
	case $user in
	fuzz)
		# Its mappings are few and short-lived (random offsets and
		# lengths mostly miss the buffer): a note, not a condition.
		if [ "$mo" -gt 0 ]; then
			ok "trinity as $user, seed $s, had mapper's files open ($mo; mappings seen: $mm)"
		else
			nok "trinity as $user, seed $s, had mapper's files open (opens $mo, maps $mm)"
			grep -v 'Marking syscall\|AVOID' "$dir/out" | head -n 60 | note
		fi ;;
	*)
		if [ "$mo" = 0 ]; then
			ok "trinity as $user, seed $s, opened no node of mapper"
		else
			nok "trinity as $user, seed $s, opened no node of mapper ($mo open)"
		fi ;;
	esac
	if counts_zero "$targets"; then
		ok "every buffer's opens, maps, holders, exports and DMA mappings are 0 after $user's run"
	else
		nok "every buffer's opens, maps, holders, exports and DMA mappings are 0 after $user's run"
	fi
}

start=$(cut -d. -f1 /proc/uptime)
if [ "$soak" = 1 ]; then
	# The soak: the stress tool (its processes safe from the OOM killer)
	# and the hogs (mapping the stress tool's buffers) beside trinity.
	(echo -1000 >/proc/self/oom_score_adj && exec /bin/mapper_stress --seconds "$FUZZ_SECONDS" \
		--seed "$seed" --no-reload --creators 1) >/tmp/stress.out 2>&1 &
	stress=$!
	[ -b /dev/ram0 ] && exec 7</dev/ram0
	scan0=$(awk '/^pgscan_(kswapd|direct) / { s += $2 } END { print s + 0 }' /proc/vmstat)
	hog_loop $((start + FUZZ_SECONDS - 10)) /dev/mapper0 /dev/mapper1 &
	hogger=$!
fi
s=$seed
while :; do
	for w in $who; do
		case $w in
		member) fuzz_run fuzz $s ;;
		outsider) fuzz_run outsider $s ;;
		*) nok "FUZZ_WHO: member or outsider, not $w" ;;
		esac
	done
	now=$(cut -d. -f1 /proc/uptime)
	[ -n "${FUZZ_SECONDS:-}" ] && [ $((now - start)) -lt "$FUZZ_SECONDS" ] || break
	s=$((s + 1))
done
echo "# fuzz: $runs trinity runs, $total_ops system calls, seeds $seed to $s, $(($(cut -d. -f1 /proc/uptime) - start)) s"
if [ "$soak" = 1 ]; then
	wait $hogger
	wait $stress
	src=$?
	grep -E '^(not )?ok - stress|^stress:' /tmp/stress.out
	grep -vE '^(not )?ok - stress|^stress:' /tmp/stress.out | head -n 40 | note
	[ $src = 0 ] && ok "mapper_stress beside trinity and the hogs (seed $seed)" ||
		nok "mapper_stress beside trinity and the hogs (seed $seed)"
	hogs=0 held=0 killed=0
	[ -f /tmp/hog.sum ] && eval "$(cat /tmp/hog.sum)"
	scan1=$(awk '/^pgscan_(kswapd|direct) / { s += $2 } END { print s + 0 }' /proc/vmstat)
	echo "# soak: $hogs hogs holding $held mappings; OOM kills $killed; pages scanned by reclaim $scan0 -> $scan1 (0: a kernel without VM event counters)"
	if [ "$killed" -ge 1 ]; then
		ok "the hogs drove the VM into the OOM killer ($killed kills of $hogs hogs)"
	else
		nok "the hogs drove the VM into the OOM killer ($killed kills of $hogs hogs)"
	fi
	if counts_zero; then
		ok "every buffer's opens, maps, holders, exports and DMA mappings are 0 after the soak"
	else
		nok "every buffer's opens, maps, holders, exports and DMA mappings are 0 after the soak"
	fi
fi

for it in $items; do
	i=/sys/kernel/config/mapper/${it%%:*}
	[ -d $i ] || continue
	if echo 0 >$i/enable && rmdir $i; then
		ok "the configfs buffer ${it%%:*} is removed after the fuzzing"
	else
		nok "the configfs buffer ${it%%:*} is removed after the fuzzing"
	fi
done
check "rmmod mapper after the fuzzing" rmmod mapper
check "nothing of mapper is left registered" mapper_gone
kmemleak_check "after the fuzzing"
# As in the faults mode, KASAN's stack depot keeps every new stack trace
# (trinity's runs leave 1-2 MiB there); a page lost per call would be
# many MiB.
mem_check "after the fuzzing and rmmod" "$base" "$(mem_snapshot)" 3072
splat_check
debug_summary fuzz
