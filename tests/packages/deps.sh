#!/bin/sh
# Install on the build host what packaging and its tests need, when missing.
# (Build tools only: every test installs mapper into throw-away roots.)
set -eu
need="bash-completion debhelper dh-dkms libjson-c-dev dpkg-dev fakeroot lintian rpm rpmlint mmdebstrap
      qemu-system-x86 e2fsprogs zstd man-db git"
missing=
for p in $need; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "packages: installing$missing"
if [ "$(id -u)" != 0 ]; then
	echo "packages: run as root or install:$missing" >&2
	exit 1
fi
apt-get update -q
DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=600 $missing
