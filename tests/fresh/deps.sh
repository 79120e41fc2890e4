#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What make check-fresh needs on the host, installed when missing (root):
# mmdebstrap and zstd for the cached root, git to copy the work tree, prove to
# read the TAP, util-linux for unshare and the overlay and bind mounts.
set -eu
need="mmdebstrap zstd git perl util-linux tar coreutils"
missing=
for p in $need; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "fresh: run as root (chroot, mounts) or install:$missing" >&2
	exit 1
fi
echo "fresh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=600 update -q >&2
apt-get -o DPkg::Lock::Timeout=600 install -y -q --no-install-recommends $missing >&2
