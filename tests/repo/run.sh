#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-repo, make check-repo-upgrade: the signed repositories of make repo (mk/repo.mk) tried
# with apt and dnf themselves, as a fleet's machines use them (docs/fleet.md).
# A throw-away key signs; the repositories are served over HTTP from
# 127.0.0.1 (python3 -m http.server, a static web server); apt runs in
# throw-away roots under $CACHE/repo made from check-packages' cached bases
# (tests/lib/roots), dnf and rpm on the host with a root and a database of
# their own. The host's apt, dnf and rpm configuration and databases are
# never touched. TAP as check-packages prints it.
#
#   make-repo        make repo from the git work tree: refuses without
#                    GPG_KEY, with an unknown, an expired or an ambiguous
#                    key, saying what to set, before building anything;
#                    the layout, the snippets, both signatures verify with
#                    mapper.asc; a second run changes nothing
#   apt-verify       clean bookworm root with mapper.asc and mapper.sources
#                    as docs/fleet.md installs them: a tampered InRelease and
#                    Release (bad signature), a tampered Packages (hash), a
#                    repository signed with another key (no public key) each
#                    make apt-get update fail, and then nothing of mapper
#                    can be installed; a tampered .deb is refused at install;
#                    with both keys in mapper.asc (make repo REPO_KEYS=, key
#                    rotation) the other key's repository verifies; the
#                    real repository updates without a warning
#   dnf              dnf with mapper.repo as shipped (the key in
#                    /etc/pki/rpm-gpg, seen in a private mount namespace
#                    only) and with --repofrompath: repoquery lists the
#                    packages, their requires and provides; rpm -K verifies
#                    every package (and does not without the key); dnf
#                    installs mapper-devel with gpgcheck; a tampered
#                    repomd.xml, a missing repomd.xml.asc, a tampered
#                    package and a package signed with another key are
#                    rejected and nothing is installed
#   arm64-deb        a .deb in build/deb-arm64 is published for arm64 (a
#                    relabelled copy of mapper-utils: publishing only)
#   apt-install      bookworm: apt-get install mapper-dkms mapper-utils by
#                    name; DKMS built, installed and signed the modules
#   trixie-install   the same in a clean trixie root (after apt-get update
#                    verifies there), with a fleet's module signing key put
#                    in /var/lib/dkms first: DKMS signs with it
#   second-version   make repo of a newer version (a copy of the tree, no
#                    git, as a release tarball; the version raised in the
#                    copy only) into the same repositories: both versions
#                    are in both, signed
#   apt-upgrade      bookworm: apt upgrade brings the newer version; DKMS
#                    rebuilt it; dkms status shows it alone
#   trixie-upgrade   the same in the trixie root
#   dnf-upgrade      dnf lists both versions and upgrades mapper-devel
#
# Not tested, and why: dnf cannot install mapper-dkms or mapper-utils here:
# they need dkms, gcc, kernel-devel and glibc from Fedora, whose
# repositories are not reachable (only Debian's archive is), and Debian's
# dkms is no rpm; so DKMS under dnf, and dnf upgrade of the module, are not
# tried (check-packages installs the .rpms with rpm --nodeps beside
# Debian's dkms). The repositories' HTTPS is the web server's: served here
# over plain HTTP, as the signatures, not the transport, are what apt and
# dnf check. arm64: here only the publishing of a .deb is tried (arm64-deb,
# a relabelled copy, so that this step needs no cross build); the real
# cross-built packages with an arm64 client are make check-packages-arm64's
# (tests/packages/arm64.sh).
#
# make check-repo runs all but the four of DKMS in the roots (apt-install,
# trixie-install, apt-upgrade, trixie-upgrade: 4-7 minutes more on 2
# cores); make check-repo-upgrade (REPO_UPGRADE=1) runs every test.
#
# Environment: TOP, OUT, CACHE, MAKE (set by mk/repo.mk); REPO_KEEP=1 keeps
# the roots; REPO_ONLY="NAME..." runs only these tests (and skips the others).
set -u

TOP=${TOP:-$(cd "$(dirname "$0")/../.." && pwd)}
OUT=${OUT:-$TOP/build}
CACHE=${CACHE:-$HOME/.cache/mapper}
MAKE=${MAKE:-make}
WORK=$CACHE/repo
# This run's files: the builds, the served tree, the keys, dnf's root.
W=$OUT/repo-test
LOGS=$W/logs
WWW=$W/www
REPO=$WWW/repo
VERSION=$(sed -n 's/^#define MAPPER_VERSION "\(.*\)"/\1/p' "$TOP/src/version.h")
NEXT=$VERSION+test1
BOOKWORM_ROOT=$WORK/root-bookworm
TRIXIE_ROOT=$WORK/root-trixie
ROOT=$BOOKWORM_ROOT
export GIT_CEILING_DIRECTORIES=$W

for d in "$W"/gnupg*; do [ ! -d "$d" ] || gpgconf --homedir "$d" --kill gpg-agent 2>/dev/null; done
rm -rf "$W"
mkdir -p "$WWW"
# mapper's own packages are never taken from apt's cache of an earlier run
# (a tampered .deb must be downloaded to be refused).
rm -f "$WORK"/apt-archives/mapper-*.deb
ONLY=${REPO_ONLY:-} ONLY_VAR=REPO_ONLY
# shellcheck source=tests/lib/roots
. "$TOP/tests/lib/roots"

# --- the web server and the keys ---------------------------------------------
HTTP_PID=
cleanup() {
	[ -z "$HTTP_PID" ] || kill "$HTTP_PID" 2>/dev/null
	# gpg-agents of the throw-away keys and of dnf's key rings.
	find "$W" -maxdepth 8 -type d \( -name 'gnupg*' -o -name pubring \) -print0 2>/dev/null |
		while IFS= read -r -d '' d; do gpgconf --homedir "$d" --kill gpg-agent 2>/dev/null; done
	[ "${REPO_KEEP:-}" = 1 ] || rm -rf "$BOOKWORM_ROOT" "$TRIXIE_ROOT"
}
trap cleanup EXIT
trap 'echo "Bail out! interrupted"; exit 130' INT TERM HUP

python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$WWW" >"$LOGS/http.log" 2>&1 &
HTTP_PID=$!
PORT=
for _ in $(seq 50); do
	PORT=$(sed -n 's/^Serving HTTP on 127\.0\.0\.1 port \([0-9]*\) .*/\1/p' "$LOGS/http.log")
	[ -n "$PORT" ] && break
	sleep 0.2
done
[ -n "$PORT" ] || { echo "Bail out! python3 -m http.server did not start: $(cat "$LOGS/http.log")"; exit 1; }
URL=http://127.0.0.1:$PORT
echo "# serving $WWW at $URL"

export GNUPGHOME=$W/gnupg
FPR=$("$TOP/tests/repo/testkey" "$GNUPGHOME") || { echo "Bail out! no throw-away key"; exit 1; }
OTHER_HOME=$W/gnupg-other
OTHER=$("$TOP/tests/repo/testkey" "$OTHER_HOME" "someone else") || { echo "Bail out! no second key"; exit 1; }

# make_repo [MAKE-ARGS...]: make repo of the work tree into $REPO.
make_repo() {
	$MAKE -C "$TOP" --no-print-directory repo GPG_KEY="$FPR" OUT="$W/out" REPO_DIR="$REPO" \
		REPO_URL="$URL/repo" "$@"
}

# debs_in DIR: "name version arch" of every stanza of the apt repository DIR.
debs_in() {
	local p
	for p in "$1"/dists/stable/main/binary-*/Packages; do
		awk '/^Package:/ { p = $2 } /^Version:/ { v = $2 } /^Architecture:/ { a = $2 }
			/^$/ { if (p) print p, v, a; p = "" } END { if (p) print p, v, a }' "$p"
	done | sort -u
}
# rpms_in DIR: "name version-release arch" of every package of the dnf repository DIR.
rpms_in() {
	zcat "$1"/repodata/*-primary.xml.gz | perl -ne '
		$n = $1 if m{<name>(.*?)</name>}; $a = $1 if m{<arch>(.*?)</arch>};
		$v = "$1-$2" if /<version epoch="\d+" ver="([^"]*)" rel="([^"]*)"/;
		print "$n $v $a\n" if m{</package>}' | sort
}
# keyring FILE.asc: a binary key ring of it for gpgv, on stdout.
keyring() { gpg --batch --dearmor <"$1"; }

# --- make repo -------------------------------------------------------------------
t_make_repo() {
	local out f
	say "make repo without GPG_KEY"
	out=$($MAKE -C "$TOP" --no-print-directory repo OUT="$W/out" REPO_DIR="$REPO" 2>&1) &&
		die "make repo without GPG_KEY succeeded"
	echo "$out"
	[[ $out == *"set GPG_KEY to"* ]] || die "make repo without GPG_KEY does not say to set GPG_KEY"
	[ ! -e "$W/out/deb" ] || die "make repo without GPG_KEY built the packages first"
	say "make repo GPG_KEY=no-such-key"
	out=$(make_repo GPG_KEY=no-such-key 2>&1) && die "make repo with an unknown key succeeded"
	echo "$out"
	[[ $out == *"no such secret key in GNUPGHOME ($GNUPGHOME)"* ]] || die "make repo does not say the key is not in GNUPGHOME"
	[ ! -e "$REPO/apt" ] || die "a failed make repo left a repository"
	say "make repo with an expired key, and with a name two keys share"
	mkdir -m 0700 "$W/gnupg-expired"
	GNUPGHOME=$W/gnupg-expired gpg --batch --quiet --passphrase '' \
		--quick-gen-key 'expired <repo-test@invalid>' rsa2048 sign seconds=1 2>/dev/null || die "gpg --quick-gen-key"
	GNUPGHOME=$W/gnupg-expired gpg --batch --quiet --passphrase '' \
		--quick-gen-key 'one <two@invalid>' rsa2048 sign 1d 2>/dev/null || die "gpg --quick-gen-key"
	GNUPGHOME=$W/gnupg-expired gpg --batch --quiet --passphrase '' \
		--quick-gen-key 'other <two@invalid>' rsa2048 sign 1d 2>/dev/null || die "gpg --quick-gen-key"
	sleep 2
	out=$(GNUPGHOME=$W/gnupg-expired make_repo GPG_KEY=expired 2>&1) && die "make repo with an expired key succeeded"
	echo "$out"
	[[ $out == *"is expired or revoked: extend it"* ]] || die "make repo does not say the key has expired"
	out=$(GNUPGHOME=$W/gnupg-expired make_repo GPG_KEY=two@invalid 2>&1) && die "make repo with an ambiguous key succeeded"
	echo "$out"
	[[ $out == *"names 2 secret keys: give the fingerprint of one"* ]] || die "make repo does not say the name is ambiguous"
	[ ! -e "$W/out/deb" ] || die "a make repo with a bad key built the packages first"

	say "make repo GPG_KEY=$FPR (git work tree)"
	make_repo || die "make repo"
	for f in apt/dists/stable/InRelease apt/dists/stable/Release apt/dists/stable/Release.gpg \
		apt/mapper.sources apt/mapper.asc rpm/repodata/repomd.xml rpm/repodata/repomd.xml.asc \
		rpm/mapper.repo rpm/mapper.asc; do
		[ -s "$REPO/$f" ] || die "no $f in $REPO"
	done
	debs_in "$REPO/apt" | tee "$W/debs-1"
	printf '%s\n' "mapper-dev $VERSION all" "mapper-dkms $VERSION all" "mapper-utils $VERSION amd64" |
		diff -u - "$W/debs-1" || die "the apt repository does not hold exactly the three packages of $VERSION"
	rpms_in "$REPO/rpm" | tee "$W/rpms-1"
	printf '%s\n' "mapper-devel $VERSION-1 noarch" "mapper-dkms $VERSION-1 noarch" "mapper-utils $VERSION-1 x86_64" |
		diff -u - "$W/rpms-1" || die "the dnf repository does not hold exactly the three packages of $VERSION"
	grep -qx 'Architectures: amd64' "$REPO/apt/dists/stable/Release" || die "Release: not Architectures: amd64"
	say "signatures, verified with the clients' mapper.asc"
	keyring "$REPO/apt/mapper.asc" >"$W/keyring.gpg"
	gpgv --keyring "$W/keyring.gpg" "$REPO/apt/dists/stable/InRelease" || die "InRelease does not verify"
	gpgv --keyring "$W/keyring.gpg" "$REPO/apt/dists/stable/Release.gpg" "$REPO/apt/dists/stable/Release" ||
		die "Release.gpg does not verify"
	gpgv --keyring "$W/keyring.gpg" "$REPO/rpm/repodata/repomd.xml.asc" "$REPO/rpm/repodata/repomd.xml" ||
		die "repomd.xml.asc does not verify"
	cmp "$REPO/apt/mapper.asc" "$REPO/rpm/mapper.asc" || die "apt/ and rpm/ have other keys"
	gpg --batch --show-keys --with-colons "$REPO/apt/mapper.asc" | grep -q "^fpr:*$FPR:" ||
		die "mapper.asc is not the key $FPR"
	say "the snippets"
	cat "$REPO/apt/mapper.sources" "$REPO/rpm/mapper.repo"
	grep -qx "URIs: $URL/repo/apt" "$REPO/apt/mapper.sources" || die "mapper.sources: not URIs: $URL/repo/apt"
	grep -qx "Signed-By: /etc/apt/keyrings/mapper.asc" "$REPO/apt/mapper.sources" || die "mapper.sources: no Signed-By"
	for f in "baseurl=$URL/repo/rpm" gpgcheck=1 repo_gpgcheck=1 \
		gpgkey=file:///etc/pki/rpm-gpg/RPM-GPG-KEY-mapper; do
		grep -qx "$f" "$REPO/rpm/mapper.repo" || die "mapper.repo: no $f"
	done

	say "make repo again, the same packages (REPO_BUILD=): nothing changes"
	cp "$W/keyring.gpg" "$W/keyring-1.gpg"
	out=$(make_repo REPO_BUILD= 2>&1) || { echo "$out"; die "make repo, second run"; }
	echo "$out"
	[[ $out == *"mapper-dkms_${VERSION}_all.deb: published already (the same file)"* ]] ||
		die "the second run does not say mapper-dkms is published already"
	debs_in "$REPO/apt" | diff -u "$W/debs-1" - || die "the second run changed the apt repository"
	rpms_in "$REPO/rpm" | diff -u "$W/rpms-1" - || die "the second run changed the dnf repository"
	gpgv --keyring "$W/keyring.gpg" "$REPO/apt/dists/stable/InRelease" || die "InRelease does not verify after the second run"
	note "repository of $VERSION signed by $FPR; $(du -sh "$REPO" | cut -f1)"
}

# --- another architecture ----------------------------------------------------------
# make repo publishes what is in build/deb-arm64 for arm64, with no other
# change: tried with a copy of mapper-utils relabelled arm64 (dpkg-deb: its
# control file says arm64, its files are amd64's; only the publishing is
# tried, no client installs it).
t_arm64_deb() {
	local d=$W/relabel f
	f=$(ls "$W"/out/deb/mapper-utils_"$VERSION"_amd64.deb) || die "no mapper-utils .deb"
	rm -rf "$d" && mkdir -p "$W/out/deb-arm64" && dpkg-deb -R "$f" "$d" || die "dpkg-deb -R"
	sed -i 's/^Architecture: amd64$/Architecture: arm64/' "$d/DEBIAN/control"
	dpkg-deb -b "$d" "$W/out/deb-arm64/mapper-utils_${VERSION}_arm64.deb" >/dev/null || die "dpkg-deb -b"
	say "make repo REPO_BUILD= with build/deb-arm64/mapper-utils_${VERSION}_arm64.deb"
	$MAKE -C "$TOP" --no-print-directory repo REPO_BUILD= GPG_KEY="$FPR" OUT="$W/out" \
		REPO_DIR="$WWW/arm64" REPO_URL="$URL/arm64" || die "make repo"
	rm -rf "$d" "$W/out/deb-arm64"
	grep -qx 'Architectures: amd64 arm64' "$WWW/arm64/apt/dists/stable/Release" ||
		die "Release: not Architectures: amd64 arm64"
	debs_in "$WWW/arm64/apt" | tee "$W/debs-arm64"
	printf '%s\n' "mapper-dev $VERSION all" "mapper-dkms $VERSION all" "mapper-utils $VERSION amd64" \
		"mapper-utils $VERSION arm64" | diff -u - "$W/debs-arm64" || die "not the packages of both architectures"
	f=$WWW/arm64/apt/dists/stable/main/binary-arm64/Packages
	awk '/^Package:/ { p = $2 } /^Architecture:/ { print p, $2 }' "$f" | sort | tee "$W/arm64-index" |
		diff -u <(printf '%s\n' "mapper-dev all" "mapper-dkms all" "mapper-utils arm64") - ||
		die "binary-arm64/Packages: not mapper-utils arm64 and the arch-all packages"
	gpgv --keyring "$W/keyring.gpg" "$WWW/arm64/apt/dists/stable/InRelease" || die "InRelease does not verify"
}

# --- apt clients -------------------------------------------------------------------
# client_root BASE: $ROOT afresh from BASE, set up as docs/fleet.md says:
# the key as /etc/apt/keyrings/mapper.asc, mapper.sources in sources.list.d.
client_root() {
	rm -rf "$ROOT" && mkdir -p "$ROOT"
	tar -C "$ROOT" --zstd -xf "$1" || die "extract $1"
	install -d -m 0755 "$ROOT/etc/apt/keyrings"
	install -m 0644 "$REPO/apt/mapper.asc" "$ROOT/etc/apt/keyrings/mapper.asc"
	install -m 0644 "$REPO/apt/mapper.sources" "$ROOT/etc/apt/sources.list.d/mapper.sources"
}

# sources_at URL: the root's mapper.sources pointing at another copy.
sources_at() {
	sed "s|^URIs: .*|URIs: $1|" "$REPO/apt/mapper.sources" >"$ROOT/etc/apt/sources.list.d/mapper.sources"
	rm -f "$ROOT"/var/lib/apt/lists/127.0.0.1_*
}

# nothing_from_mapper: apt knows no mapper package, and none is installed.
nothing_from_mapper() {
	local p
	for p in mapper-dkms mapper-utils mapper-dev; do
		inroot apt-cache policy "$p" | grep -q "Candidate: [0-9]" && die "apt has a candidate for $p"
		apt_in install --no-download "$p" >/dev/null 2>&1 && die "apt-get installed $p"
	done
	! inroot dpkg -l 'mapper*' 2>/dev/null | grep -q '^[hi]i' || die "a mapper package is installed"
	echo "nothing of mapper can be installed"
}

# update_fails WHAT PATTERN: apt-get update must fail on the mapper source
# with an error matching PATTERN (extended regex), and nothing installs.
update_fails() {
	local out
	say "apt-get update, $1"
	out=$(apt_in update 2>&1) && { echo "$out"; die "apt-get update succeeded with $1"; }
	echo "$out"
	echo "$out" | grep -Eq "$2" || die "apt-get update failed with $1, but not as expected ($2)"
	nothing_from_mapper
	note "$1: apt-get update fails: $(echo "$out" | grep -Eo "$2" | head -n 1)"
}

# tampered NAME: a copy of the apt repository in $WWW/NAME/apt (on stdout its URL).
tampered() {
	rm -rf "${WWW:?}/$1" && mkdir -p "$WWW/$1" && cp -a "$REPO/apt" "$WWW/$1/" && echo "$URL/$1/apt"
}

t_apt_verify() {
	local u p f
	make_base "$BASE" bookworm "$BASE_PKGS"
	client_root "$BASE"

	# Release: a field changed in InRelease and Release, signatures as they were.
	u=$(tampered bad-release)
	sed -i 's/^Label: mapper$/Label: mallory/' "$WWW/bad-release/apt/dists/stable/InRelease" \
		"$WWW/bad-release/apt/dists/stable/Release"
	grep -q '^Label: mallory' "$WWW/bad-release/apt/dists/stable/InRelease" || die "could not tamper InRelease"
	sources_at "$u"
	update_fails "a tampered InRelease and Release" 'BADSIG [0-9A-F]+|signatures were invalid'

	# Packages: mapper-dkms's version raised (same length), every compression
	# made anew; the signed Release still has the old sizes and hashes.
	u=$(tampered bad-packages)
	p=$WWW/bad-packages/apt/dists/stable/main/binary-amd64
	sed -i "/^Package: mapper-dkms$/,/^$/ s/^Version: $VERSION$/Version: 9${VERSION#?}/" "$p/Packages"
	grep -q "^Version: 9${VERSION#?}$" "$p/Packages" || die "could not tamper Packages"
	for f in "$p"/Packages.*; do
		case $f in
		*.gz) gzip -9nc "$p/Packages" >"$f" ;;
		*.bz2) bzip2 -9c "$p/Packages" >"$f" ;;
		*.xz) xz -c "$p/Packages" >"$f" ;;
		esac
	done
	sources_at "$u"
	update_fails "a tampered Packages" 'unexpected size|Hash Sum mismatch'
	# The same with Packages alone (its size unchanged): the hash decides.
	rm "$p"/Packages.*
	rm -f "$ROOT"/var/lib/apt/lists/127.0.0.1_*
	update_fails "a tampered Packages of the same size" 'Hash Sum mismatch'

	# The same packages, signed by a key the client does not have.
	say "a repository signed with another key ($OTHER)"
	mkdir -p "$WWW/other-key"
	GNUPGHOME=$OTHER_HOME REPO_DIR=$WWW/other-key GPG_KEY=$OTHER REPO_URL=$URL/other-key \
		"$TOP/tests/repo/publish" "$W"/out/deb/*.deb "$W"/out/rpm/*.rpm || die "publish with the other key"
	sources_at "$URL/other-key/apt"
	update_fails "a repository signed with another key" 'NO_PUBKEY [0-9A-F]+'

	# Key rotation (docs/fleet.md): a key file with the next key too (make
	# repo REPO_KEYS=) lets the client verify the repository signed with it.
	say "key rotation: mapper.asc of make repo REPO_KEYS=$OTHER"
	GNUPGHOME=$OTHER_HOME gpg --batch --armor --export "$OTHER" | gpg --batch --import ||
		die "gpg --import of the next key"
	mkdir -p "$WWW/rotate"
	REPO_DIR=$WWW/rotate GPG_KEY=$FPR REPO_KEYS=$OTHER REPO_URL=$URL/rotate \
		"$TOP/tests/repo/publish" "$W"/out/deb/*.deb "$W"/out/rpm/*.rpm || die "publish with REPO_KEYS"
	[ "$(gpg --batch --show-keys --with-colons "$WWW/rotate/apt/mapper.asc" | grep -c '^pub:')" = 2 ] ||
		die "mapper.asc of make repo REPO_KEYS= does not hold two keys"
	install -m 0644 "$WWW/rotate/apt/mapper.asc" "$ROOT/etc/apt/keyrings/mapper.asc"
	rm -f "$ROOT"/var/lib/apt/lists/127.0.0.1_*
	apt_in update || die "apt-get update of the repository signed with the next key, both keys in mapper.asc"
	inroot apt-cache policy mapper-dkms | grep -q "Candidate: $VERSION$" || die "no candidate from the next key's repository"
	note "key rotation: with both keys in mapper.asc, apt-get update verifies the next key's repository"
	install -m 0644 "$REPO/apt/mapper.asc" "$ROOT/etc/apt/keyrings/mapper.asc"
	sources_at "$URL/repo/apt"

	# The real repository: verified, no warning.
	say "apt-get update, the real repository"
	sources_at "$URL/repo/apt"
	apt_in update 2>&1 | tee "$W/update.out"
	[ "${PIPESTATUS[0]}" = 0 ] || die "apt-get update of the real repository failed"
	! grep -E '^(W|E):' "$W/update.out" || die "apt-get update warned"
	inroot apt-cache policy mapper-dkms mapper-utils | tee "$W/policy.out"
	grep -q "Candidate: $VERSION$" "$W/policy.out" || die "apt-cache policy: no candidate $VERSION"
	grep -q "$URL/repo/apt stable/main" "$W/policy.out" || die "apt-cache policy: not from $URL/repo/apt"

	# A .deb changed in the pool (its index signed and intact): apt refuses it.
	u=$(tampered bad-deb)
	f=$(find "$WWW/bad-deb/apt/pool" -name "mapper-dev_${VERSION}_all.deb")
	printf 'X' | dd of="$f" bs=1 seek=$(($(stat -c %s "$f") - 1)) conv=notrunc status=none
	cmp -s "$f" "$(find "$REPO/apt/pool" -name "${f##*/}")" && die "could not tamper the .deb"
	sources_at "$u"
	apt_in update >/dev/null 2>&1 || die "apt-get update of the copy with a tampered .deb"
	say "apt-get install mapper-dev, its .deb tampered"
	out=$(apt_in install mapper-dev 2>&1) && { echo "$out"; die "apt-get installed a tampered .deb"; }
	echo "$out"
	echo "$out" | grep -Eq 'Hash Sum mismatch|unexpected size' || die "apt-get refused the .deb, but not for its hash"
	! inroot dpkg -l 'mapper*' 2>/dev/null | grep -q '^[hi]i' || die "a mapper package is installed"
	note "a tampered .deb: apt-get install refuses it (hash)"
	sources_at "$URL/repo/apt"
	apt_in update >/dev/null || die "apt-get update"
}

# kver: the one kernel of $ROOT.
kver() { ls "$ROOT/lib/modules"; }

# install_by_name: the README's apt install, by name, from the repository.
install_by_name() {
	say "apt-get install mapper-dkms mapper-utils ($(kver))"
	if ! apt_in install mapper-dkms mapper-utils; then
		cat "$ROOT"/var/lib/dkms/mapper/*/build/make.log 2>/dev/null
		die "apt-get install"
	fi
	installed "$(kver)"
	signed "$(kver)"
}

t_apt_install() {
	ROOT=$BOOKWORM_ROOT
	install_by_name
}

t_trixie_install() {
	ROOT=$TRIXIE_ROOT
	make_base "$TRIXIE_BASE" trixie "$TRIXIE_PKGS"
	client_root "$TRIXIE_BASE"
	say "apt-get update (trixie)"
	apt_in update 2>&1 | tee "$W/update-trixie.out"
	[ "${PIPESTATUS[0]}" = 0 ] || die "apt-get update failed"
	! grep -E '^(W|E):' "$W/update-trixie.out" || die "apt-get update warned"
	# A fleet's own module signing key where DKMS looks, before its first
	# build (docs/fleet.md, Secure Boot): DKMS signs with it, makes none.
	openssl req -new -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=mapper fleet test key/" \
		-outform DER -keyout "$W/mok.key" -out "$W/mok.pub" 2>/dev/null || die "openssl req"
	install -d -m 0755 "$ROOT/var/lib/dkms"
	install -m 0600 "$W/mok.key" "$ROOT/var/lib/dkms/mok.key"
	install -m 0644 "$W/mok.pub" "$ROOT/var/lib/dkms/mok.pub"
	install_by_name
	for m in mapper mapper_sample mapper_edu; do
		[ "$(inroot modinfo -k "$(kver)" -F signer "$m")" = "mapper fleet test key" ] ||
			die "$m is not signed with the fleet's key"
	done
	cmp "$W/mok.pub" "$ROOT/var/lib/dkms/mok.pub" || die "DKMS replaced the fleet's key"
	note "DKMS signed with the fleet's key put in /var/lib/dkms beforehand"
}

# --- dnf and rpm -----------------------------------------------------------------
# dnf_in ROOT ARGS...: dnf as a client with mapper.repo in /etc/yum.repos.d
# and its key in /etc/pki/rpm-gpg, as docs/fleet.md installs them: both are
# in an overlay over /etc in a private mount namespace, so that the host's
# /etc stays as it is. ROOT: dnf's --installroot (its cache, rpm database
# and imported keys). DNF_REPO: another mapper.repo.
dnf_in() {
	local root=$1 etc=$W/dnf/etc-$RANDOM
	shift
	mkdir -p "$root" "$etc/upper/pki/rpm-gpg" "$etc/upper/yum.repos.d" "$etc/work"
	install -m 0644 "$REPO/rpm/mapper.asc" "$etc/upper/pki/rpm-gpg/RPM-GPG-KEY-mapper"
	install -m 0644 "${DNF_REPO:-$REPO/rpm/mapper.repo}" "$etc/upper/yum.repos.d/mapper.repo"
	printf '[main]\nreposdir=/etc/yum.repos.d\ngpgcheck=1\n' >"$etc/dnf.conf"
	unshare --mount --propagation private sh -c '
		etc=$1 root=$2; shift 2
		mount -t overlay client -o "lowerdir=/etc,upperdir=$etc/upper,workdir=$etc/work" /etc || exit 1
		exec dnf -y --installroot="$root" --releasever=1 --config="$etc/dnf.conf" "$@"' \
		sh "$etc" "$root" "$@"
}

# rpm_k FILE...: rpm -K with a database that holds mapper.asc (or KEYLESS=1: none).
rpm_k() {
	local db=$W/rpmdb-${KEYLESS:-key}
	if [ ! -d "$db" ]; then
		mkdir -p "$db"
		[ "${KEYLESS:-}" = 1 ] || rpm --dbpath "$db" --import "$REPO/rpm/mapper.asc" || die "rpm --import"
	fi
	rpm --dbpath "$db" -K "$@"
}

# dnf_fails WHAT PATTERN DNF-ARGS...: dnf must fail with an error matching
# PATTERN, in a root of its own, and leave mapper-devel uninstalled.
dnf_fails() {
	local what=$1 pat=$2 root out
	shift 2
	root=$W/dnf/root-$RANDOM
	say "dnf $*, $what"
	out=$(dnf_in "$root" "$@" 2>&1) && { echo "$out"; die "dnf succeeded with $what"; }
	echo "$out"
	echo "$out" | grep -Eq "$pat" || die "dnf failed with $what, but not as expected ($pat)"
	rpm --root "$root" -q mapper-devel 2>/dev/null && die "mapper-devel was installed from $what"
	note "$what: dnf refuses: $(echo "$out" | grep -Eo "$pat" | head -n 1)"
}

# rpm_copy NAME: a copy of the dnf repository in $WWW/NAME/rpm, and a
# mapper.repo for it (its path in DNF_REPO).
rpm_copy() {
	rm -rf "${WWW:?}/$1" && mkdir -p "$WWW/$1" && cp -a "$REPO/rpm" "$WWW/$1/"
	sed "s|^baseurl=.*|baseurl=$URL/$1/rpm|" "$REPO/rpm/mapper.repo" >"$WWW/$1/mapper.repo"
	DNF_REPO=$WWW/$1/mapper.repo
}

t_dnf() {
	local root=$W/dnf/root f out
	say "dnf repoquery with mapper.repo"
	dnf_in "$root" repoquery --qf '%{name} %{version}-%{release} %{arch}' 2>&1 | tee "$W/dnf-list.out"
	[ "${PIPESTATUS[0]}" = 0 ] || die "dnf repoquery failed"
	grep -q "Importing GPG key 0x${FPR: -8}" "$W/dnf-list.out" || die "dnf did not import the key from /etc/pki/rpm-gpg"
	grep -E '^mapper-(dkms|utils|devel) ' "$W/dnf-list.out" | sort | diff -u "$W/rpms-1" - || die "dnf does not list the three packages"
	dnf_in "$root" repoquery --requires mapper-utils | tee "$W/requires.out"
	grep -q '^libjson-c.so.5()(64bit)$' "$W/requires.out" || die "repoquery --requires mapper-utils: no libjson-c"
	dnf_in "$root" repoquery --requires mapper-dkms | tee "$W/requires-dkms.out"
	for f in dkms gcc make openssl; do
		grep -qx "$f" "$W/requires-dkms.out" || die "repoquery --requires mapper-dkms: no $f"
	done
	dnf_in "$root" repoquery --provides mapper-dkms | tee "$W/provides.out"
	grep -qx "mapper-dkms = $VERSION-1" "$W/provides.out" || die "repoquery --provides mapper-dkms"

	say "dnf --repofrompath with gpgcheck=1 and repo_gpgcheck=1"
	out=$(DNF_REPO=/dev/null dnf_in "$W/dnf/root-path" --repofrompath="mapper-path,$URL/repo/rpm" \
		--repo=mapper-path --setopt=mapper-path.gpgcheck=1 --setopt=mapper-path.repo_gpgcheck=1 \
		--setopt="mapper-path.gpgkey=$URL/repo/rpm/mapper.asc" \
		repoquery --qf '%{name} %{version}-%{release} %{arch}' 2>&1) || { echo "$out"; die "dnf --repofrompath"; }
	echo "$out"
	echo "$out" | grep -E '^mapper-(dkms|utils|devel) ' | sort | diff -u "$W/rpms-1" - || die "dnf --repofrompath does not list the three packages"

	say "rpm -K of every package"
	rpm_k "$REPO"/rpm/Packages/*.rpm | tee "$W/rpm-k.out"
	[ "$(grep -c ': digests signatures OK$' "$W/rpm-k.out")" = 3 ] || die "rpm -K: not every package verifies"
	out=$(KEYLESS=1 rpm_k "$REPO"/rpm/Packages/*.rpm 2>&1) && die "rpm -K verified without the key: $out"
	echo "$out" | grep -q 'SIGNATURES NOT OK' || die "rpm -K without the key: $out"
	echo "without the key: $out"

	say "dnf install mapper-devel (gpgcheck=1)"
	dnf_in "$root" install mapper-devel || die "dnf install mapper-devel"
	rpm --root "$root" -q mapper-devel | grep -qx "mapper-devel-$VERSION-1.noarch" || die "mapper-devel not installed"
	[ -s "$root/usr/include/mapper.h" ] || die "no /usr/include/mapper.h in dnf's root"

	# repomd.xml changed, its signature as it was.
	rpm_copy bad-repomd
	sed -i 's|<revision>\([0-9]*\)</revision>|<revision>1\1</revision>|' "$WWW/bad-repomd/rpm/repodata/repomd.xml"
	cmp -s "$WWW/bad-repomd/rpm/repodata/repomd.xml" "$REPO/rpm/repodata/repomd.xml" && die "could not tamper repomd.xml"
	dnf_fails "a tampered repomd.xml" 'repomd.xml GPG signature verification error: Bad GPG signature' install mapper-devel

	rpm_copy no-signature
	rm "$WWW/no-signature/rpm/repodata/repomd.xml.asc"
	dnf_fails "no repomd.xml.asc" 'GPG verification is enabled, but GPG signature is not available' install mapper-devel

	# A byte of mapper-devel's payload changed.
	rpm_copy bad-rpm
	f=$(ls "$WWW"/bad-rpm/rpm/Packages/mapper-devel-*.rpm)
	printf 'X' | dd of="$f" bs=1 seek=$(($(stat -c %s "$f") - 100)) conv=notrunc status=none
	out=$(rpm_k "$f" 2>&1) && die "rpm -K verified a tampered package: $out"
	echo "rpm -K, a tampered package: $out"
	echo "$out" | grep -q 'NOT OK' || die "rpm -K: $out"
	dnf_fails "a tampered package" "checksum doesn't match" install mapper-devel

	# mapper-devel signed by another key, the metadata made anew and signed
	# with the right one: only gpgcheck can catch it.
	rpm_copy other-rpm-key
	f=$(ls "$WWW"/other-rpm-key/rpm/Packages/mapper-devel-*.rpm)
	rpmsign --addsign --define "_gpg_name $OTHER" --define "__gpg $(command -v gpg)" --define "_gpg_path $OTHER_HOME" \
		"$f" </dev/null || die "rpmsign with the other key"
	rpm --dbpath "$W/rpmdb-key" -qpi "$f" 2>/dev/null | grep -qi "Key ID ${OTHER: -16}" || die "could not sign with the other key"
	createrepo_c --quiet "$WWW/other-rpm-key/rpm" || die createrepo_c
	rm -f "$WWW/other-rpm-key/rpm/repodata/repomd.xml.asc"
	gpg --batch --local-user "$FPR" --armor --detach-sign "$WWW/other-rpm-key/rpm/repodata/repomd.xml" || die "sign repomd.xml"
	dnf_fails "a package signed with another key" 'Public key for mapper-devel-[^ ]* is not installed' install mapper-devel
	unset DNF_REPO
}

# --- a newer version ---------------------------------------------------------------
# A copy of the tree as make deb stages it (no git: as a release tarball),
# its version raised to $NEXT there only: src/version.h and an entry on top
# of debian/changelog (the spec takes make rpm's version).
t_second_version() {
	local src=$W/next/mapper-$NEXT
	$MAKE -C "$TOP" --no-print-directory packages-stage OUT="$W/stage" >/dev/null || die "make packages-stage"
	mkdir -p "$W/next" && mv "$W/stage/packages/stage/mapper-$VERSION" "$src" && rm -rf "$W/stage"
	[ ! -e "$src/.git" ] || die "the copy has .git"
	sed -i "s/^#define MAPPER_VERSION \".*\"/#define MAPPER_VERSION \"$NEXT\"/" "$src/src/version.h"
	{
		printf 'mapper (%s) unstable; urgency=medium\n\n  * A newer version for the test of apt upgrade (tests/repo/run.sh).\n\n' "$NEXT"
		printf ' -- mapper tests <repo-test@invalid>  %s\n\n' "$(date -R)"
		cat "$TOP/debian/changelog"
	} >"$src/debian/changelog"
	grep -q "\"$NEXT\"" "$src/src/version.h" || die "could not raise the version"
	say "make repo of $NEXT from $src (no git), into the same repositories"
	$MAKE -C "$src" --no-print-directory repo GPG_KEY="$FPR" OUT="$W/out-next" REPO_DIR="$REPO" \
		REPO_URL="$URL/repo" || die "make repo of $NEXT"
	debs_in "$REPO/apt" | tee "$W/debs-2"
	for v in "$VERSION" "$NEXT"; do
		printf '%s\n' "mapper-dev $v all" "mapper-dkms $v all" "mapper-utils $v amd64"
	done | sort | diff -u - "$W/debs-2" || die "the apt repository does not hold both versions"
	rpms_in "$REPO/rpm" | tee "$W/rpms-2"
	for v in "$VERSION" "$NEXT"; do
		printf '%s\n' "mapper-devel $v-1 noarch" "mapper-dkms $v-1 noarch" "mapper-utils $v-1 x86_64"
	done | sort | diff -u - "$W/rpms-2" || die "the dnf repository does not hold both versions"
	gpgv --keyring "$W/keyring.gpg" "$REPO/apt/dists/stable/InRelease" || die "InRelease does not verify"
	gpgv --keyring "$W/keyring.gpg" "$REPO/rpm/repodata/repomd.xml.asc" "$REPO/rpm/repodata/repomd.xml" ||
		die "repomd.xml.asc does not verify"
	rpm_k "$REPO"/rpm/Packages/*.rpm | tee "$W/rpm-k-2.out"
	[ "$(grep -c ': digests signatures OK$' "$W/rpm-k-2.out")" = 6 ] || die "rpm -K: not every package verifies"
}

# upgrade: apt upgrade to $NEXT; DKMS rebuilt it and keeps nothing of $VERSION.
upgrade() {
	local k
	k=$(kver)
	apt_in update || die "apt-get update"
	inroot apt-cache madison mapper-dkms | tee "$W/madison.out"
	awk -F' *[|] *' '{ print $2 }' "$W/madison.out" | sort | diff -u <(printf '%s\n' "$VERSION" "$NEXT" | sort) - ||
		die "apt-cache madison mapper-dkms: not the two versions"
	say "apt upgrade"
	if ! inroot apt -y -q -o Dpkg::Use-Pty=0 upgrade; then
		cat "$ROOT/var/lib/dkms/mapper/$NEXT/build/make.log" 2>/dev/null
		die "apt upgrade"
	fi
	inroot dpkg-query -W mapper-dkms mapper-utils | tee "$W/versions.out"
	[ "$(grep -c "	$NEXT$" "$W/versions.out")" = 2 ] || die "apt upgrade did not bring $NEXT"
	installed "$k" "$NEXT"
	signed "$k"
	inroot dkms status -m mapper | tee "$W/dkms.out"
	[ "$(grep -c . "$W/dkms.out")" = 1 ] || die "dkms status: not one line for mapper"
	grep -q "^mapper/$NEXT, $k, .*: installed" "$W/dkms.out" || die "dkms status: not $NEXT alone"
	[ ! -e "$ROOT/usr/src/mapper-$VERSION" ] || die "/usr/src/mapper-$VERSION is still there"
	[ ! -e "$ROOT/var/lib/dkms/mapper/$VERSION" ] || die "DKMS still has $VERSION"
	note "$(cat "$W/dkms.out")"
}

t_apt_upgrade() { ROOT=$BOOKWORM_ROOT; upgrade; }
t_trixie_upgrade() { ROOT=$TRIXIE_ROOT; upgrade; }

t_dnf_upgrade() {
	local root=$W/dnf/root out
	dnf_in "$root" --refresh repoquery --showduplicates --qf '%{name} %{version}-%{release} %{arch}' mapper-devel 2>&1 |
		tee "$W/dnf-dup.out"
	grep -qx "mapper-devel $VERSION-1 noarch" "$W/dnf-dup.out" && grep -qx "mapper-devel $NEXT-1 noarch" "$W/dnf-dup.out" ||
		die "dnf does not list both versions"
	say "dnf upgrade mapper-devel"
	dnf_in "$root" upgrade mapper-devel || die "dnf upgrade"
	out=$(rpm --root "$root" -q mapper-devel)
	echo "$out"
	[ "$out" = "mapper-devel-$NEXT-1.noarch" ] || die "dnf upgrade did not bring $NEXT"
}

# long NAME FUNCTION [needs...]: a test of DKMS in the roots, run by
# make check-repo-upgrade (REPO_UPGRADE=1) only.
long() {
	if [ "${REPO_UPGRADE:-}" = 1 ]; then
		run "$@"
	else
		echo "ok - $1 # SKIP make check-repo-upgrade runs it (DKMS builds in two roots: minutes)"
		skip=$((skip + 1))
	fi
}

T0=$(date +%s)
run make-repo t_make_repo
run apt-verify t_apt_verify make-repo
run dnf t_dnf make-repo
run arm64-deb t_arm64_deb make-repo
long apt-install t_apt_install apt-verify
long trixie-install t_trixie_install make-repo
run second-version t_second_version make-repo
long apt-upgrade t_apt_upgrade apt-install second-version
long trixie-upgrade t_trixie_upgrade trixie-install second-version
run dnf-upgrade t_dnf_upgrade dnf second-version
echo "# check-repo took $(($(date +%s) - T0)) s; logs in $LOGS"
echo "# repo: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
