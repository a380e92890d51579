#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# install.sh - "make install" and "make uninstall": shadowslab's userspace
# on a test box, with no need for the source tree afterwards.
#
#   PREFIX/sbin/shadowctl
#   PREFIX/libexec/shadowslab/execbench-loop     (shadowctl execbench runs it)
#   PREFIX/libexec/shadowslab/selftests/         run_tests.sh, its library,
#                                                tests.list and every test,
#                                                the C ones built
#   PREFIX/share/shadowslab/*.bt                 the bpftrace scripts
#   PREFIX/share/man/man8/shadowctl.8
#   PREFIX/share/shadowslab/install-manifest     what was installed
#
# shadowctl and execbench-loop go through CMake's own install rules
# (tools/), everything else through install(1).  The manifest lists every
# file and every directory the install created, so "uninstall" removes
# exactly those: files first, then the directories, deepest first, if
# empty.  It lives in the installed tree, so uninstalling needs neither the
# build directory nor the same checkout.  Installing over an earlier
# install uninstalls that first, so nothing of it is left behind.
#
# The module is not installed with the tools: DKMS builds it for each
# kernel.  "dkms-source" installs its source as DKMS wants it, into
# DESTDIR/usr/src/shadowslab-VERSION: dkms.conf, kmod/ and uapi/ (for
# "make dkms-install" and the shadowslab-dkms package).
#
# Usage: scripts/install.sh install|uninstall|dkms-source
# Environment: PREFIX   (default /usr/local)
#              DESTDIR  a staging root, as packagers use (default: none)
#              BUILD    the build directory (default: build/ of this tree)
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
prefix=${PREFIX:-/usr/local}
destdir=${DESTDIR:-}
build=${BUILD:-$top/build}
manifest_path=$prefix/share/shadowslab/install-manifest

die() {
	echo "install: $*" >&2
	exit 1
}

[[ $prefix == /* ]] || die "PREFIX must be an absolute path, not '$prefix'"
if [[ -n $destdir ]]; then
	destdir=$(realpath -m -- "$destdir")
fi

# -------------------------------------------------------------- uninstall

uninstall() {
	local manifest=$destdir$manifest_path line missing=0
	local -a files=() dirs=()

	[[ -f $manifest ]] || die "nothing to uninstall: no $manifest"
	while IFS= read -r line; do
		case $line in
		dir\ /*) dirs+=("${line#dir }") ;;
		file\ /*) files+=("${line#file }") ;;
		\#* | '') ;;
		*) die "$manifest: not a manifest line: '$line'" ;;
		esac
	done <"$manifest"
	for line in "${files[@]}"; do
		if [[ -e $destdir$line || -L $destdir$line ]]; then
			rm -f -- "$destdir$line"
		else
			echo "uninstall: $destdir$line was already gone" >&2
			missing=$((missing + 1))
		fi
	done
	for ((i = ${#dirs[@]} - 1; i >= 0; i--)); do
		rmdir -- "$destdir${dirs[i]}" 2>/dev/null ||
			echo "uninstall: kept $destdir${dirs[i]}: not empty or gone" >&2
	done
	echo "uninstall: removed ${#files[@]} files$( ((missing)) && echo " ($missing already gone)")"
}

# ---------------------------------------------------------------- install

manifest=()

# Note the directories that installing into DIR creates, outermost first,
# and create them.
note_new_dirs() {
	local dir=$1 new=()
	while [[ $dir != / && ! -d $destdir$dir ]]; do
		new=("$dir" "${new[@]}")
		dir=$(dirname -- "$dir")
	done
	for dir in "${new[@]}"; do
		manifest+=("dir $dir")
	done
	mkdir -p -- "$destdir$1"
}

# put MODE SOURCE DIR: install SOURCE into DIR (an install path).
put() {
	local mode=$1 src=$2 dir=$3
	[[ -f $src ]] || die "$src is missing: run 'make install' (it builds first)"
	note_new_dirs "$dir"
	install -D -m "$mode" -- "$src" "$destdir$dir/${src##*/}"
	manifest+=("file $dir/${src##*/}")
}

install_all() {
	local cmake_manifest=$build/tools/install_manifest.txt f name
	local selftests=$prefix/libexec/shadowslab/selftests

	# DESTDIR itself is the packager's, not part of the install.
	[[ -z $destdir ]] || mkdir -p -- "$destdir"
	# CMake's rules: shadowctl and execbench-loop.  Their directories are
	# noted first, since CMake creates them.
	note_new_dirs "$prefix/sbin"
	note_new_dirs "$prefix/libexec/shadowslab"
	DESTDIR=$destdir cmake --install "$build/tools" --prefix "$prefix" >/dev/null
	# (CMake ends its manifest without a newline.)
	while IFS= read -r f || [[ -n $f ]]; do
		manifest+=("file ${f#"$destdir"}")
	done <"$cmake_manifest"

	for f in "$top"/scripts/bpftrace/*.bt; do
		put 0755 "$f" "$prefix/share/shadowslab"
	done
	put 0644 "$build/man/shadowctl.8" "$prefix/share/man/man8"

	put 0755 "$top/selftests/run_tests.sh" "$selftests"
	put 0644 "$top/selftests/tests.list" "$selftests"
	put 0644 "$top/selftests/ksft.sh" "$selftests"
	put 0644 "$top/selftests/run_lib.sh" "$selftests"
	put 0644 "$top/selftests/profile-match.jq" "$selftests"
	while read -r name _; do
		[[ -z $name || $name == \#* ]] && continue
		if [[ $name == *.sh ]]; then
			put 0755 "$top/selftests/$name" "$selftests"
		else
			put 0755 "$build/selftests/$name" "$selftests"
		fi
	done <"$top/selftests/tests.list"

	note_new_dirs "$(dirname -- "$manifest_path")"
	manifest+=("file $manifest_path")
	{
		echo "# shadowslab $(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf"): installed by 'make install PREFIX=$prefix'"
		echo "# 'make uninstall PREFIX=$prefix' removes these files, then these directories if empty"
		printf '%s\n' "${manifest[@]}"
	} >"$destdir$manifest_path"
	echo "install: $(grep -c '^file ' "$destdir$manifest_path") files into $destdir$prefix (manifest: $destdir$manifest_path)"
}

# --------------------------------------------------------------- dkms-source

dkms_source() {
	local version dir f
	version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
	dir=$destdir/usr/src/shadowslab-$version
	rm -rf -- "$dir"
	install -D -m 0644 -t "$dir" "$top/dkms.conf"
	install -D -m 0644 -t "$dir/uapi" "$top/uapi/shadowslab.h"
	for f in "$top"/kmod/Kbuild "$top"/kmod/Makefile "$top"/kmod/*.[ch]; do
		# *.mod.c is kbuild's output, not source
		[[ $f == *.mod.c ]] || install -D -m 0644 -t "$dir/kmod" "$f"
	done
	echo "dkms-source: $dir"
}

case ${1:-} in
dkms-source) dkms_source ;;
install)
	if [[ -f $destdir$manifest_path ]]; then
		uninstall
	fi
	install_all
	;;
uninstall) uninstall ;;
*)
	echo "Usage: $0 install|uninstall|dkms-source   (PREFIX, DESTDIR, BUILD from the environment)" >&2
	exit 2
	;;
esac
