#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-deb.sh - "make deb": the two Debian packages, with Debian's own
# tools (dpkg-buildpackage, debhelper, dh_dkms), into build/deb/:
#
#   shadowslab-dkms_VERSION_all.deb   the module's source and dkms.conf in
#                                     /usr/src/shadowslab-VERSION; its
#                                     postinst has DKMS build and install
#                                     the module for the installed kernels
#   shadowctl_VERSION_ARCH.deb        shadowctl, execbench-loop, the man
#                                     page, the bpftrace scripts, the
#                                     selftests ("make install PREFIX=/usr")
#
# The Makefile has built the tools, the man page and the selftests.  The
# packaging (packaging/debian/) is copied into build/deb/shadowslab-VERSION/
# with a changelog for VERSION, PACKAGE_VERSION in dkms.conf, the project's
# one version number; dpkg-buildpackage runs there, and its debian/rules
# installs from this checkout.  Then lintian checks both packages and fails
# the build on any error.
#
# Environment: BUILD  the build directory (default: build/ of this tree)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/build}
out=$build/deb
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
[[ -n $version ]] || {
	echo "deb: no PACKAGE_VERSION in $top/dkms.conf" >&2
	exit 1
}
stage=$out/shadowslab-$version

rm -rf "$out"
mkdir -p "$stage"
cp -r "$top/packaging/debian" "$stage/"

# The changelog's date: the last commit's, so that a rebuild of the same
# commit gives the same packages; the build's when there is no git.
date=$(git -C "$top" log -1 --format=%aD 2>/dev/null || date -R)
commit=$(git -C "$top" describe --always --dirty 2>/dev/null || echo "no git")
cat >"$stage/debian/changelog" <<EOF
shadowslab ($version) unstable; urgency=medium

  * Built by "make deb" from the shadowslab tree at $commit.

 -- shadowslab developers <shadowslab-devel@example.org>  $date
EOF

(cd "$stage" && SHADOWSLAB_TOP=$top dpkg-buildpackage -b -us -uc) \
	>"$out/build.log" 2>&1 || {
	echo "deb: dpkg-buildpackage failed; the end of $out/build.log:" >&2
	tail -n 40 "$out/build.log" >&2
	exit 1
}

mapfile -t debs < <(find "$out" -maxdepth 1 -name '*.deb' | sort)
if ((${#debs[@]} != 2)); then
	echo "deb: expected 2 packages in $out, got ${#debs[@]}" >&2
	exit 1
fi
printf 'deb: %s\n' "${debs[@]}"
echo "deb: lintian"
lintian --fail-on error "${debs[@]}"
