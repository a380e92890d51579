#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# fetch-kernel.sh - one of Debian's kernels, by lane, ready to boot with
# "scripts/vm-run --kernel IMAGE --modules-dir DIR" and to build the module
# against, without touching the host's apt sources, /boot or /lib/modules.
#
# Lanes:
#   stable  today's bookworm 6.1: the stock kernel scripts/deps.sh installs
#           (linux-image-amd64, linux-headers-amd64); nothing is fetched
#   lts     the newest 6.12 from bookworm-backports; its headers work with
#           bookworm's own compiler and kbuild
#   newest  the newest kernel in trixie-backports (7.x): linux-binary-*,
#           linux-modules-* (modules as .ko.xz) and linux-base-*
#           (modules.builtin); its linux-kbuild needs trixie's libc
#           (>= 2.38), so the module is built in a trixie build root made
#           by mmdebstrap (--variant=buildd --include=linux-headers-...),
#           the compiler family the kernel was built with
#
# How: a private apt state per lane under the cache (its own sources.list,
# lists, archives and an empty dpkg status, so the host's installed
# packages play no part), "apt-get update", the lane's linux-image-amd64
# metapackage names the release, "apt-get download" the packages,
# "dpkg-deb -x" them into one root, "depmod -b" it.  lts's headers go into
# the same root (the -amd64 headers' Makefile includes the -common ones by
# absolute path: that line is pointed into the root).
#
# The cache, outside the checkout:
#   ${SHADOWSLAB_CACHE:-/var/cache/shadowslab/kernels}/
#     apt/LANE/            the private apt state
#     LANE/RELEASE/root/   the extracted packages
#     LANE/RELEASE/buildroot/  newest: the trixie build root
#     LANE/RELEASE/done    the stamp: the variables printed below
# A lane is resolved again (apt-get update) when its lists are older than
# SHADOWSLAB_KERNEL_MAX_AGE seconds (default 1 day), so "newest" moves on;
# if the archive cannot be reached, the last release fetched is used, with
# a warning.  Each lane is locked (flock) while it is resolved and fetched,
# so concurrent users wait for one another and then share the result.
#
# Output: progress on stderr; on stdout, for eval, shell-quoted:
#   LANE RELEASE KERNEL_IMAGE MODULES_DIR KDIR BUILD_ROOT PACKAGES
# BUILD_ROOT is empty unless the module must be built inside that root
# (newest), where KDIR is a path inside it.  PACKAGES lists NAME=VERSION of
# every package used.
#
# Usage: scripts/fetch-kernel.sh [--refresh] [--print] LANE
#   --refresh  resolve the lane again now, whatever the age of its lists
#   --print    print what is cached for the lane; exit 1 if nothing is
#
# Environment:
#   SHADOWSLAB_CACHE           the cache directory (default above)
#   SHADOWSLAB_KERNEL_MAX_AGE  see above
#   SHADOWSLAB_DEBIAN_MIRROR   default http://deb.debian.org/debian
set -euo pipefail

prog=${0##*/}
cache=${SHADOWSLAB_CACHE:-/var/cache/shadowslab/kernels}
max_age=${SHADOWSLAB_KERNEL_MAX_AGE:-86400}
mirror=${SHADOWSLAB_DEBIAN_MIRROR:-http://deb.debian.org/debian}
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

say() { echo "$prog: $*" >&2; }
die() {
	say "$*"
	exit 1
}
usage() { sed -n '/^# Usage:/,/^#$/s/^# \{0,1\}//p' "$0"; }

refresh=0 mode=fetch lane=
while (($#)); do
	case $1 in
	--refresh) refresh=1 ;;
	--print) mode=print ;;
	-h | --help)
		usage
		exit 0
		;;
	-*) die "unknown option '$1' (try --help)" ;;
	*)
		[[ -z $lane ]] || die "one lane at a time"
		lane=$1
		;;
	esac
	shift
done
case $lane in
stable | lts | newest) ;;
"") die "which lane? stable, lts or newest (try --help)" ;;
*) die "unknown lane '$lane': stable, lts or newest" ;;
esac

# emit VAR=VALUE lines, shell-quoted
emit() {
	printf 'LANE=%q\nRELEASE=%q\nKERNEL_IMAGE=%q\nMODULES_DIR=%q\nKDIR=%q\nBUILD_ROOT=%q\nPACKAGES=%q\n' \
		"$lane" "$release" "$image" "$moddir" "$kdir" "$build_root" "$packages"
}

# ------------------------------------------------------------------ stable
# The host's stock kernel, as scripts/deps.sh installs it from bookworm.
if [[ $lane == stable ]]; then
	image=$(printf '%s\n' /boot/vmlinuz-* | grep -v -- '-rt-' | sort -V | tail -n 1)
	[[ -e $image ]] || die "no stock kernel in /boot: run scripts/deps.sh"
	release=${image##*/vmlinuz-}
	moddir=/lib/modules/$release
	kdir=/usr/src/linux-headers-$release
	build_root=
	[[ -e $kdir/Makefile ]] || die "no headers at $kdir: run scripts/deps.sh"
	packages=$(dpkg-query -W -f='${Package}=${Version} ' \
		"linux-image-$release" "linux-headers-$release" 2>/dev/null) ||
		die "dpkg knows no linux-image-$release"
	packages=${packages% }
	emit
	exit 0
fi

# -------------------------------------------------------- private apt state
case $lane in
lts) suites=(bookworm-backports) ;;
newest) suites=(trixie-backports) ;;
esac
apt_dir=$cache/apt/$lane
lane_dir=$cache/$lane
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial" "$lane_dir"
for suite in "${suites[@]}"; do
	echo "deb [signed-by=$keyring] $mirror $suite main"
done >"$apt_dir/sources.list"
: >"$apt_dir/status"
apt_opts=(
	-o "Dir::Etc::sourcelist=$apt_dir/sources.list"
	-o Dir::Etc::sourceparts=-
	-o "Dir::State::Lists=$apt_dir/lists"
	-o "Dir::State::status=$apt_dir/status"
	-o "Dir::Cache::archives=$apt_dir/archives"
	-o Debug::NoLocking=1
	-o APT::Sandbox::User=root
)

# The finished fetch the lane last resolved to, if any.
print_current() {
	local done=$lane_dir/current/done
	[[ -e $done ]] || return 1
	cat "$done"
}

if [[ $mode == print ]]; then
	print_current || die "nothing fetched for $lane in $cache (run $prog $lane)"
	exit 0
fi

exec 9>"$lane_dir/lock"
if ! flock -n 9; then
	say "another fetch of $lane is running; waiting for it"
	flock 9
fi

lists_age() {
	local stamp=$apt_dir/updated
	[[ -e $stamp ]] || {
		echo 999999999
		return
	}
	echo $(($(date +%s) - $(stat -c %Y "$stamp")))
}

if ((refresh)) || (($(lists_age) > max_age)) || [[ ! -e $lane_dir/current/done ]]; then
	say "apt-get update (${suites[*]}, private state in $apt_dir)"
	if apt-get "${apt_opts[@]}" -qq update >"$apt_dir/update.log" 2>&1 &&
		! grep -q '^[WE]:' "$apt_dir/update.log"; then
		touch "$apt_dir/updated"
	elif [[ -e $lane_dir/current/done ]]; then
		say "warning: apt-get update failed (see $apt_dir/update.log); using the last $lane kernel fetched"
		print_current
		exit 0
	else
		cat "$apt_dir/update.log" >&2
		die "apt-get update failed for ${suites[*]} from $mirror"
	fi
fi

# pkg_field PACKAGE FIELD: the field of the candidate version
pkg_field() {
	apt-cache "${apt_opts[@]}" show --no-all-versions "$1" 2>/dev/null |
		sed -n "s/^$2: //p" | head -n 1
}
have_pkg() {
	[[ -n $(pkg_field "$1" Version) ]]
}

# The release the lane's metapackage points to: "linux-image-7.3.4+deb13-amd64"
release=$(pkg_field linux-image-amd64 Depends | tr ',' '\n' |
	sed -n -E 's/^ *linux-image-([0-9][^ ]*-amd64)( .*)?$/\1/p' | head -n 1)
[[ -n $release ]] || die "cannot tell which kernel linux-image-amd64 of ${suites[*]} depends on"
dir=$lane_dir/$release
root=$dir/root

if [[ -e $dir/done ]]; then
	ln -sfn "$release" "$lane_dir/current"
	say "$lane: $release already fetched"
	cat "$dir/done"
	exit 0
fi

# ------------------------------------------------------------------ packages
# The image: split in 7.x (binary, modules, base), one package before.
if have_pkg "linux-binary-$release"; then
	image_pkgs=("linux-binary-$release" "linux-modules-$release" "linux-base-$release")
elif have_pkg "linux-image-$release-unsigned"; then
	image_pkgs=("linux-image-$release-unsigned")
else
	image_pkgs=("linux-image-$release")
fi
# The headers: the -amd64 package, and the -common and kbuild it depends on.
header_pkgs=("linux-headers-$release")
while read -r dep; do
	header_pkgs+=("$dep")
done < <(pkg_field "linux-headers-$release" Depends | tr ',' '\n' |
	sed -n -E 's/^ *(linux-(headers-[^ ]*-common|kbuild-[^ ]*))( .*)?$/\1/p')
((${#header_pkgs[@]} == 3)) || die "linux-headers-$release: expected a -common and a kbuild dependency, got: ${header_pkgs[*]}"

packages=
for pkg in "${image_pkgs[@]}" "${header_pkgs[@]}"; do
	packages+="$pkg=$(pkg_field "$pkg" Version) "
done
packages=${packages% }

rm -rf "$dir"
mkdir -p "$root"
download=("${image_pkgs[@]}")
# lts builds with the host's tools: its headers go into the root as well.
[[ $lane == newest ]] || download+=("${header_pkgs[@]}")
say "downloading ${download[*]}"
start=$SECONDS
(cd "$apt_dir/archives" && apt-get "${apt_opts[@]}" -qq download "${download[@]}") ||
	die "apt-get download failed"
for pkg in "${download[@]}"; do
	deb=$(printf '%s\n' "$apt_dir/archives/${pkg}_"*.deb | sort -V | tail -n 1)
	[[ -e $deb ]] || die "no .deb for $pkg in $apt_dir/archives"
	dpkg-deb -x "$deb" "$root"
done
# Only the newest downloads are worth keeping.
find "$apt_dir/archives" -name '*.deb' -mmin +1440 -delete

# 7.x puts the image beside its modules, in usr/lib/modules/RELEASE/vmlinuz.
image=
for f in "$root/boot/vmlinuz-$release" "$root"{,/usr}/lib/modules/"$release"/vmlinuz; do
	[[ -e $f ]] && image=$f && break
done
[[ -n $image ]] || die "no vmlinuz for $release in ${image_pkgs[*]}"
for d in "$root/lib/modules/$release" "$root/usr/lib/modules/$release"; do
	[[ -d $d ]] && moddir=$d && break
done
[[ -n ${moddir:-} ]] || die "no modules directory for $release in ${image_pkgs[*]}"
# depmod -b wants BASE/lib/modules/RELEASE.
if [[ $moddir == "$root/usr/lib/modules/$release" && ! -e $root/lib ]]; then
	ln -s usr/lib "$root/lib"
fi
depmod -b "$root" "$release" || die "depmod -b $root $release failed"
moddir=$root/lib/modules/$release

# ------------------------------------------------------------------- headers
build_root=
if [[ $lane == newest ]]; then
	command -v mmdebstrap >/dev/null || die "mmdebstrap is missing: run scripts/deps.sh"
	build_root=$dir/buildroot
	say "making a trixie build root with linux-headers-$release (mmdebstrap, $build_root)"
	mmdebstrap --quiet --mode=root --variant=buildd \
		--include="linux-headers-$release" trixie "$build_root" \
		"deb [signed-by=$keyring] $mirror trixie main" \
		"deb [signed-by=$keyring] $mirror trixie-backports main" \
		>"$dir/mmdebstrap.log" 2>&1 ||
		{
			tail -n 30 "$dir/mmdebstrap.log" >&2
			die "mmdebstrap failed (log: $dir/mmdebstrap.log)"
		}
	kdir=/usr/src/linux-headers-$release
	[[ -e $build_root$kdir/Makefile ]] || die "no $kdir in the build root"
	# shellcheck disable=SC2016 # a dpkg-query format
	packages+=" gcc=$(chroot "$build_root" dpkg-query -W -f='${Version}' gcc)"
else
	kdir=$root/usr/src/linux-headers-$release
	common=$(sed -n -E 's|^include /usr/src/(linux-headers-[^/]*-common)/Makefile$|\1|p' "$kdir/Makefile")
	[[ -n $common && -d $root/usr/src/$common ]] || die "$kdir/Makefile does not include a -common tree in the root"
	sed -i "s|^include /usr/src/|include $root/usr/src/|" "$kdir/Makefile"
fi
say "fetched $release in $((SECONDS - start)) s"

emit >"$dir/done.tmp"
mv "$dir/done.tmp" "$dir/done"
ln -sfn "$release" "$lane_dir/current"

# A lane keeps one release: drop the older ones.
for old in "$lane_dir"/*/; do
	old=${old%/}
	[[ $old != "$dir" && ! -L $old && -e $old/done ]] || continue
	say "removing the older $lane kernel $old"
	rm -rf "$old"
done
cat "$dir/done"
