#!/bin/sh
# check-version.sh TOP: every place that states the release version agrees
# with src/version.h (the one place it is written). The built module
# (modinfo) and mapper-dump --version are checked where they are installed,
# by tests/packages/run.sh.
set -u
top=${1:-.}
v=$(sed -n 's/^#define MAPPER_VERSION "\(.*\)"/\1/p' "$top/src/version.h")
[ -n "$v" ] || { echo "src/version.h: no MAPPER_VERSION"; exit 1; }
echo "src/version.h: $v"
bad=0
agree() { # WHAT VALUE
	if [ "$2" = "$v" ]; then
		echo "$1: $2"
	else
		echo "MISMATCH $1: '$2' (src/version.h: '$v')"
		bad=1
	fi
}
agree dkms.conf "$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$top/dkms.conf")"
# Native package: the whole Debian version is the release.
agree debian/changelog "$(cd "$top" && dpkg-parsechangelog -S Version)"
agree rpm/mapper.spec "$(sed -n 's/^Version:[[:space:]]*//p' "$top/rpm/mapper.spec")"
# The spec's newest %changelog entry: "* DATE NAME <MAIL> - VERSION-RELEASE".
agree "rpm/mapper.spec %changelog" \
	"$(sed -n '/^%changelog/,$s/^\* .* - \([^-]*\)-[^-]*$/\1/p' "$top/rpm/mapper.spec" | head -n 1)"
# CHANGELOG: the first "## " heading names the newest release, e.g. "## 0.1.0 - 2026-11-21".
if [ -f "$top/CHANGELOG" ]; then
	agree CHANGELOG "$(grep -m1 '^## ' "$top/CHANGELOG" | grep -o '[0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*' | head -n 1)"
else
	echo "MISMATCH CHANGELOG: missing"
	bad=1
fi
# The manual pages' footers: .TH NAME SECTION DATE "mapper VERSION" ...
for m in "$top"/man/*.[1-9]; do
	agree "man/${m##*/}" "$(sed -n 's/^\.TH .*"mapper \([^"]*\)".*/\1/p' "$m")"
done
exit $bad
