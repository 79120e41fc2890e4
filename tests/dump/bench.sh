#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh MAPPER_DUMP CACHE_DIR: time mapper-dump, hexdump -C and xxd on one
# generated 24 MiB file of mixed content (random, zeros, text), output to
# /dev/null, and print medians and ratios.  Absolute speeds swing from run to
# run on a shared machine: the ratios within one run are what to compare.
set -euo pipefail
export LC_ALL=C
dump=$1 dir=$2
runs=${RUNS:-5}
file=$dir/mixed-24M.bin
mkdir -p "$dir"

if [ ! -s "$file" ]; then
	# 1 MiB blocks in turn: random, zeros, text; 24 MiB in all.
	tmp=$file.tmp
	: > "$tmp"
	for i in $(seq 0 7); do
		head -c 1M /dev/urandom >> "$tmp"
		head -c 1M /dev/zero >> "$tmp"
		(set +o pipefail
		 seq -f "mapper text line %g: the quick brown fox jumps over the lazy dog" \
			$((i * 20000)) $((i * 20000 + 19999)) | head -c 1M >> "$tmp")
	done
	mv "$tmp" "$file"
fi
size=$(stat -c %s "$file")

# "wall cpu": median wall-clock seconds of $runs runs of "$@" > /dev/null, and
# median CPU seconds (user + sys); the machine is shared, CPU time is steadier.
cpu_tmp=$(mktemp)
trap 'rm -f "$cpu_tmp"' EXIT
# children's user + sys milliseconds so far; "times" must run in this shell
cpu_ms() {
	local u s
	times > "$cpu_tmp"
	{ read -r _ _; read -r u s; } < "$cpu_tmp"
	ms() { local m=${1%%m*} x=${1#*m}; x=${x%s}; awk -v m="$m" -v x="$x" 'BEGIN {printf "%d", m * 60000 + x * 1000}'; }
	cpu=$(( $(ms "$u") + $(ms "$s") ))
}
median() {
	local w=() c=() s e c0 c1
	for _ in $(seq "$runs"); do
		cpu_ms; c0=$cpu
		s=$EPOCHREALTIME
		"$@" < /dev/null > /dev/null
		e=$EPOCHREALTIME
		cpu_ms; c1=$cpu
		w+=("$(awk -v s="$s" -v e="$e" 'BEGIN {printf "%.6f", e - s}')")
		c+=("$(awk -v a="$c0" -v b="$c1" 'BEGIN {printf "%.3f", (b - a) / 1000}')")
	done
	echo "$(printf '%s\n' "${w[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" \
	     "$(printf '%s\n' "${c[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')"
}
mbs() { awk -v s="$size" -v t="$1" 'BEGIN {if (t > 0) printf "%8.1f", s / t / 1e6; else printf "%8s", "-"}'; }

echo "input: $file ($size bytes: random, zeros, text), $runs runs each, medians"
echo "$($dump --version); SIMD path unless MAPPER_DUMP_SIMD=0; wall and CPU medians"
fast=$((runs < 9 ? 9 : runs))
read -r w_md c_md < <(runs=$fast median "$dump" "$file")
read -r w_md0 c_md0 < <(runs=$fast median env MAPPER_DUMP_SIMD=0 "$dump" "$file")
read -r w_mdx c_mdx < <(runs=$fast median "$dump" -X "$file")
read -r w_pipe c_pipe < <(runs=$fast median sh -c '"$0" "$1" | cat' "$dump" "$file")
read -r w_hd c_hd < <(median hexdump -C "$file")
read -r w_xxd c_xxd < <(median xxd "$file")

printf '%-34s %9s %9s %9s %9s\n' command wall-s 'MB/s' cpu-s 'MB/s'
row() { printf '%-34s %9.4f %9s %9.3f %9s\n' "$1" "$2" "$(mbs "$2")" "$3" "$(mbs "$3")"; }
row "mapper-dump (canonical)" "$w_md" "$c_md"
row "mapper-dump (canonical, scalar)" "$w_md0" "$c_md0"
row "mapper-dump | cat (1 MiB pipe)" "$w_pipe" "$c_pipe"
row "mapper-dump -X" "$w_mdx" "$c_mdx"
row "hexdump -C" "$w_hd" "$c_hd"
row "xxd" "$w_xxd" "$c_xxd"
ratio() { awk -v a="$2" -v b="$3" -v c="$4" -v d="$5" -v l="$1" 'BEGIN {printf "%-34s %7.1fx wall %7.1fx cpu\n", l, a / b, (d > 0 ? c / d : 0)}'; }
ratio "mapper-dump vs hexdump -C (>=200x)" "$w_hd" "$w_md" "$c_hd" "$c_md"
ratio "mapper-dump vs xxd (>=30x)" "$w_xxd" "$w_md" "$c_xxd" "$c_md"
ratio "scalar path vs hexdump -C" "$w_hd" "$w_md0" "$c_hd" "$c_md0"
ratio "mapper-dump -X vs xxd" "$w_xxd" "$w_mdx" "$c_xxd" "$c_mdx"
