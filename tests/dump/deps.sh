#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What mapper-dump's tests and benchmark need: install it when missing (as root
# with apt-get), or say which packages to install.
set -e
# The compiler the build uses: make passes its $(CC).
cc=${CC:-cc}
need=""
command -v hexdump >/dev/null 2>&1 || need="$need bsdextrautils"
command -v xxd >/dev/null 2>&1 || need="$need xxd"
command -v prove >/dev/null 2>&1 || need="$need perl"
command -v man >/dev/null 2>&1 || need="$need man-db"
command -v groff >/dev/null 2>&1 || need="$need groff-base"
command -v "${cc%% *}" >/dev/null 2>&1 || need="$need gcc"
[ -f /usr/include/json-c/json.h ] || need="$need libjson-c-dev"
# On x86-64 the tests also build mapper-dump for 32 bits, with ASan.
if [ "$(uname -m)" = x86_64 ] && ! echo 'int main(void) { return 0; }' |
	$cc -m32 -fsanitize=address,undefined -x c -o /dev/null - 2>/dev/null; then
	need="$need gcc-multilib"
fi
[ -n "$need" ] || exit 0
if [ "$(id -u)" != 0 ]; then
	echo "mapper-dump tests need:$need; install them with: sudo apt-get install$need" >&2
	exit 1
fi
echo "installing:$need"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q $need >/dev/null 2>&1 ||
	{ apt-get update -q >/dev/null && apt-get install -y -q $need >/dev/null; }
