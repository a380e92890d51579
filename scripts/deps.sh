#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# deps.sh - install the Debian packages that a shadowslab job needs, and
# no more.  Each make target asks for its own group; "make demo" never
# installs the PREEMPT_RT kernel or the debug kernel's source and build
# tools.  Idempotent: it asks dpkg what is already installed and runs
# apt-get only for what is missing, so the make targets call it every time
# at the cost of one dpkg-query.
#
# Usage: scripts/deps.sh [--list] [GROUP...]
#   GROUP    one or more of the groups below (default: all)
#   --list   print the groups' packages, one a line, and exit
#
# Groups, and who asks for them:
#   demo    make demo: the VM (stock kernel, QEMU), the module and the
#           tools built without their tests, gnuplot for the plot
#   bench   make bench: demo, and jq and column for its tables
#   check   make check: demo, GoogleTest, what the selftests run (jq,
#           and the tracers they cross-check against), the PREEMPT_RT
#           kernel (its "rt" part), and DKMS, the packaging tools and
#           mmdebstrap (its "box" part builds the module with DKMS, and
#           builds the .debs and installs them into a chroot; its "newest"
#           part builds the module in a trixie build root); also "make
#           matrix" and "make kernels"
#   rt      make check-rt: the VM, the tools, what the selftests run, and
#           the PREEMPT_RT kernel
#   debug   make check-debug, make debug-kernel: the VM, the tools, what
#           the selftests run, and linux-source-6.1 with what building it
#           takes
#   kernel-build  only linux-source-6.1 and what building it takes: .ci/run
#           installs it first, so that the debug kernel's build (the
#           longest thing CI does) starts while the rest installs
#   deb     make deb, make install: the tools, help2man, debhelper,
#           dh-dkms, lintian
#   box     a test box: DKMS and the running kernel's headers, to build
#           the module for it and for every later kernel, and what the
#           tools and the selftests use (bpftrace, perf, jq, gnuplot); add
#           "deb" to build the tools there too
#   all     every group
set -euo pipefail

# The pieces the groups are made of.
vm=(
	# the kernel the VM boots, and the headers the module builds against
	linux-image-amd64 linux-headers-amd64
	# the VM: QEMU, and a busybox initramfs that mounts the host over 9p
	# (xz: vm-run unpacks the kernel image and modules with it; python3:
	# its watchdog asks a wedged guest's QEMU where the vCPUs are)
	qemu-system-x86 busybox-static cpio kmod xz-utils python3
)
tools=(
	# the module and the C++ tools
	build-essential cmake pkg-config
	libcli11-dev libfmt-dev nlohmann-json3-dev
	# the BPF tracer: clang for BPF objects, libbpf, bpftool for skeletons
	clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev
)
# the tools' GoogleTest suite ("make unit"), and the JSON Schemas of
# shadowctl's documents that ctest checks them against
tools_tests=(libgtest-dev python3-jsonschema)
# plots for "shadowctl compare --plot"
plot=(gnuplot-nox)
# what the selftests run besides shadowctl: bpftrace and perf, their
# independent cross-checks of the tracer (and bpftrace for its scripts),
# and jq for the JSON they check
selftest_tools=(bpftrace linux-perf jq)
# "make bench": its JSON merging and column tables
bench_tools=(jq bsdextrautils)
# checkpatch.pl for "make checkpatch"
checkpatch=(perl)
# "make check-rt": Debian's PREEMPT_RT kernel and its headers
rt_kernel=(linux-image-rt-amd64 linux-headers-rt-amd64)
# the debug kernel (scripts/build-debug-kernel.sh): its source, its
# Kconfig and host tools, pahole for BTF, xz for the source tarball
debug_kernel=(linux-source-6.1 flex bison bc libssl-dev dwarves xz-utils)
# "make deb": the man page, the packages and their check
packaging=(help2man man-db debhelper dh-dkms fakeroot lintian)
# make check's "box" part: DKMS builds the module on this machine, and
# mmdebstrap makes the chroot that the packages are installed into (and
# the "newest" lane's trixie build root: scripts/fetch-kernel.sh)
box_check=(dkms mmdebstrap)
# building the module on a test box, for its kernel and every later one
dkms=(dkms build-essential kmod)

# The headers of the running kernel, by Debian's name for them, unless its
# build tree is already there.
running_headers() {
	local release
	release=$(uname -r)
	[[ -e /lib/modules/$release/build/Makefile ]] || echo "linux-headers-$release"
}

group() {
	case $1 in
	demo) echo "${vm[@]}" "${tools[@]}" "${plot[@]}" ;;
	bench) group demo; echo "${bench_tools[@]}" ;;
	check)
		group demo
		echo "${tools_tests[@]}" "${selftest_tools[@]}" "${checkpatch[@]}" \
			"${rt_kernel[@]}" "${packaging[@]}" "${box_check[@]}"
		;;
	rt) echo "${vm[@]}" "${tools[@]}" "${tools_tests[@]}" "${selftest_tools[@]}" "${rt_kernel[@]}" ;;
	debug)
		echo "${vm[@]}" "${tools[@]}" "${tools_tests[@]}" "${selftest_tools[@]}" \
			"${debug_kernel[@]}"
		;;
	kernel-build) echo build-essential libelf-dev "${debug_kernel[@]}" ;;
	deb) echo "${tools[@]}" "${tools_tests[@]}" "${packaging[@]}" ;;
	box) echo "${dkms[@]}" "${selftest_tools[@]}" "${plot[@]}"; running_headers ;;
	all) for g in demo bench check rt debug deb box; do group "$g"; done ;;
	*) return 1 ;;
	esac
}

list=0
groups=()
for arg; do
	case $arg in
	--list) list=1 ;;
	-h | --help)
		sed -n '/^# deps.sh/,/^set -euo/{/^set/d;s/^# \{0,1\}//;p}' "$0"
		exit 0
		;;
	*) groups+=("$arg") ;;
	esac
done
((${#groups[@]})) || groups=(all)

packages=()
for g in "${groups[@]}"; do
	if ! words=$(group "$g"); then
		echo "deps: unknown group '$g' (demo bench check rt debug kernel-build deb box all)" >&2
		exit 2
	fi
	# shellcheck disable=SC2206 # $words is a list of package names
	packages+=($words)
done
# Each once, in the order first asked for.
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | awk '!seen[$0]++')

if ((list)); then
	printf '%s\n' "${packages[@]}"
	exit 0
fi

missing=()
for pkg in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
	[[ "$status" == "installed" ]] || missing+=("$pkg")
done

if ((${#missing[@]} == 0)); then
	echo "deps: all ${#packages[@]} packages of '${groups[*]}' present"
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
apt-get -o DPkg::Lock::Timeout=900 install -y -qq --no-install-recommends "${missing[@]}"
