#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kmod-copy.sh - build the module for another kernel than the one
# kmod/shadowslab.ko is built for, without touching kmod/: kmod/ and uapi/
# are mirrored into OUTDIR (with their mtimes, so rebuilds are
# incremental; files gone from the source are dropped) and built there.
# Kbuild before 6.13 writes its output next to the sources, hence the copy.
#
# Usage: scripts/build-kmod-copy.sh KDIR OUTDIR LOG [MAKE-VARIABLES...]
#   e.g. scripts/build-kmod-copy.sh /usr/src/linux-headers-6.1.0-56-rt-amd64 \
#            build/kmod-rt build/check-rt/module-build.log W=1
# The module is OUTDIR/kmod/shadowslab.ko.  The build's output goes to LOG;
# on failure its tail is printed.  Exit status: make's.
set -uo pipefail

(($# >= 3)) || {
	sed -n '/^# Usage:/,/^# The module/s/^# \{0,1\}//p' "$0" >&2
	exit 2
}
top=$(cd "$(dirname "$0")/.." && pwd)
kdir=$1 out=$2 log=$3
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
if ! make -C "$kdir" M="$out/kmod" CONFIG_SHADOWSLAB=m "$@" modules \
	>"$log" 2>&1; then
	echo "the module did not build against $kdir:" >&2
	tail -n 30 "$log" >&2
	exit 1
fi
