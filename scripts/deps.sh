#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh - install the Debian packages that shadowslab's build, VM and
# tests need.  Idempotent: it asks dpkg what is already installed and runs
# apt-get only for what is missing, so "make check" and "make demo" call it
# every time at the cost of one dpkg-query.
#
# Usage: scripts/deps.sh [--list]
#   --list   print the package list and exit
set -euo pipefail

packages=(
	# the kernel the VM boots, and the headers the module builds against
	linux-image-amd64 linux-headers-amd64
	# "make check-rt": Debian's PREEMPT_RT kernel and its headers
	linux-image-rt-amd64 linux-headers-rt-amd64
	# the VM: QEMU, and a busybox initramfs that mounts the host over 9p
	qemu-system-x86 busybox-static cpio kmod
	# the module and the C++ tools
	build-essential cmake pkg-config
	libgtest-dev libcli11-dev libfmt-dev nlohmann-json3-dev
	# the BPF tracer: clang for BPF objects, libbpf, bpftool for skeletons
	clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
	# tracing tools used by the selftests as independent cross-checks
	bpftrace linux-perf
	# plots for "shadowctl compare --plot", and make bench's JSON merging
	gnuplot-nox jq bsdextrautils
	# checkpatch.pl for "make checkpatch", and the debug kernel's source
	perl linux-source-6.1
	# building that debug kernel (scripts/build-debug-kernel.sh): its
	# Kconfig and host tools, pahole for BTF, xz for the source tarball
	flex bison bc libssl-dev dwarves xz-utils
)

if [[ "${1:-}" == "--list" ]]; then
	printf '%s\n' "${packages[@]}"
	exit 0
fi

missing=()
for pkg in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	[[ "$status" == "installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
	echo "deps: all ${#packages[@]} packages present"
	exit 0
fi

if ((EUID != 0)); then
	echo "deps: missing packages: ${missing[*]}" >&2
	echo "deps: run as root (or install them) to continue" >&2
	exit 1
fi

echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
