#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kmod-copy.sh - build the module for another kernel than the one
# kmod/shadowslab.ko is built for, without touching kmod/: kmod/ and uapi/
# are mirrored into OUTDIR (with their mtimes, so rebuilds are
# incremental; files gone from the source are dropped), with dkms.conf,
# whose version Kbuild reads, and built there.
# Kbuild before 6.13 writes its output next to the sources, hence the copy.
#
# Usage: scripts/build-kmod-copy.sh [--root DIR] KDIR OUTDIR LOG [MAKE-VARIABLES...]
#   e.g. scripts/build-kmod-copy.sh /usr/src/linux-headers-6.1.0-56-rt-amd64 \
#            build/kmod-rt build/check-rt/module-build.log W=1
# The module is OUTDIR/kmod/shadowslab.ko.  The build's output goes to LOG;
# on failure its tail is printed.  Exit status: make's.
# --root DIR: build inside that root (chroot), where KDIR is a path: a
# build root of another release's tools (scripts/fetch-kernel.sh newest).
# OUTDIR is bind-mounted into it at the same path, and /proc (objtool
# needs it), in a private mount namespace that goes away with the build.
set -uo pipefail

root=
if [[ ${1:-} == --root ]]; then
	root=$2
	shift 2
fi
(($# >= 3)) || {
	sed -n '/^# Usage:/,/^# The module/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}
top=$(cd "$(dirname "$0")/.." && pwd)
kdir=$1 out=$(realpath -m -- "$2") log=$3
shift 3

mirror() {
	local src=$1 dst=$2 f
	mkdir -p "$dst"
	for f in "$src"/*.c "$src"/*.h "$src"/Kbuild; do
		# *.mod.c is kbuild's own output, of a build for another kernel
		[[ -e $f && $f != *.mod.c ]] || continue
		cmp -s "$f" "$dst/${f##*/}" || cp -p "$f" "$dst/"
	done
	for f in "$dst"/*.c "$dst"/*.h; do
		[[ -e $f && $f != *.mod.c && ! -e $src/${f##*/} ]] || continue
		rm -f "$f"
	done
}

mkdir -p "$(dirname -- "$log")"
mirror "$top/kmod" "$out/kmod"
mirror "$top/uapi" "$out/uapi"
cmp -s "$top/dkms.conf" "$out/dkms.conf" || cp -p "$top/dkms.conf" "$out/"
build=(make -C "$kdir" M="$out/kmod" CONFIG_SHADOWSLAB=m "$@" modules)
if [[ -n $root ]]; then
	mkdir -p "$root$out" "$root/proc"
	# shellcheck disable=SC2016 # expanded by the inner shell
	build=(unshare --mount --propagation private sh -euc '
		root=$1 out=$2
		shift 2
		mount --bind "$out" "$root$out"
		mount -t proc proc "$root/proc"
		exec chroot "$root" env PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
	' sh "$root" "$out" "${build[@]}")
fi
if ! "${build[@]}" >"$log" 2>&1; then
	echo "the module did not build against $kdir:" >&2
	tail -n 30 "$log" >&2
	exit 1
fi
