#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-debug-kernel.sh - build (once per machine) the debug kernel that
# shadowslab's module is proven under: Debian's linux-source-6.1 with
# allnoconfig + scripts/debug-kernel.config (lockdep, KASAN, kmemleak,
# KFENCE, debugobjects, fault injection, BTF; virtio and 9p built in so
# that "scripts/vm-run --kernel IMAGE --modules-dir none" boots it, and
# nothing else), plus one upstream Kconfig change (see patch_source).
#
# The tree lives outside the checkout, in
#   ${SHADOWSLAB_CACHE:-/var/cache/shadowslab/debug-kernel}/KEY/linux
# where KEY = the linux-source-6.1 package version + a hash of the config
# fragment (and of this script's recipe revision).  A finished build for
# the key (its "done" stamp) makes this script print the paths and exit at
# once; an interrupted one resumes where it stopped (make is incremental).
# Finished builds of other keys are removed once a new one is done.
#
# The build runs under nice (19 unless DEBUG_KERNEL_NICE says otherwise)
# with make -j$(($(nproc) + 1)); its output
# goes to KEY/build.log, and the time it took to KEY/done.
#
# Output: progress on stderr; on success the last two lines on stdout are
#   KERNEL_IMAGE=/path/to/arch/x86/boot/bzImage
#   KDIR=/path/to/tree
# (shell-quoted, for eval), usable as "make -C $KDIR M=... modules" and
# "scripts/vm-run --kernel $KERNEL_IMAGE --modules-dir none".
#
# Usage: scripts/build-debug-kernel.sh [--config-only | --print] [-h]
#   --config-only  unpack and configure (and check the config), no build
#   --print        print the paths of a finished build; exit 1 if none
#
# Environment:
#   SHADOWSLAB_CACHE        cache directory (default above)
#   SHADOWSLAB_LINUX_SRC    the source tarball
#                           (default /usr/src/linux-source-6.1.tar.xz)
#   JOBS                    make -j value (default nproc + 1)
#   DEBUG_KERNEL_NICE       its niceness (default 19)
set -euo pipefail

prog=${0##*/}
top=$(cd "$(dirname "$0")/.." && pwd)
fragment=$top/scripts/debug-kernel.config
tarball=${SHADOWSLAB_LINUX_SRC:-/usr/src/linux-source-6.1.tar.xz}
cache=${SHADOWSLAB_CACHE:-/var/cache/shadowslab/debug-kernel}
jobs=${JOBS:-$(($(nproc) + 1))}
niceness=${DEBUG_KERNEL_NICE:-19}
[[ $niceness =~ ^-?[0-9]+$ ]] || { echo "$prog: DEBUG_KERNEL_NICE must be a number, not '$niceness'" >&2; exit 2; }
# Bump when the way the tree is configured or built changes, so that
# machines rebuild; the fragment's content is hashed anyway.
recipe=4

mode=build
case ${1:-} in
"") ;;
--config-only) mode=config ;;
--print) mode=print ;;
-h | --help)
	sed -n '/^# Usage:/,/^#$/s/^# \{0,1\}//p' "$0"
	exit 0
	;;
*)
	echo "$prog: unknown argument '$1' (try --help)" >&2
	exit 2
	;;
esac

say() { echo "$prog: $*" >&2; }
die() {
	say "$*"
	exit 1
}

[[ -r $fragment ]] || die "no config fragment $fragment"
[[ -r $tarball ]] || die "no kernel source $tarball (apt install linux-source-6.1, or scripts/deps.sh)"

# ------------------------------------------------------------------ the key
# The package version names the source exactly; a tarball that does not
# come from the package is named by its checksum instead.
version=
if [[ $tarball == /usr/src/linux-source-6.1.tar.xz ]]; then
	version=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) || version=
fi
if [[ -z $version ]]; then
	version=src-$(sha256sum <"$tarball" | cut -c1-16)
fi
hash=$({
	echo "recipe $recipe"
	cat "$fragment"
} | sha256sum | cut -c1-12)
key=$version-$hash
dir=$cache/$key
tree=$dir/linux
image=$tree/arch/x86/boot/bzImage
log=$dir/build.log

print_paths() {
	printf 'KERNEL_IMAGE=%q\n' "$image"
	printf 'KDIR=%q\n' "$tree"
}

if [[ -e $dir/done ]]; then
	say "debug kernel $key already built ($(grep -h '^build_time=' "$dir/done" || true))"
	print_paths
	exit 0
fi
if [[ $mode == print ]]; then
	say "no finished debug kernel build at $dir (run $prog)"
	exit 1
fi

missing=()
for tool in make gcc flex bison bc pahole xz perl; do
	command -v "$tool" >/dev/null || missing+=("$tool")
done
[[ -e /usr/include/openssl/ssl.h ]] || missing+=(libssl-dev)
[[ -e /usr/include/libelf.h ]] || missing+=(libelf-dev)
((${#missing[@]} == 0)) || die "missing build tools: ${missing[*]} (run scripts/deps.sh)"

mkdir -p "$dir"
exec 9>"$dir/lock"
if ! flock -n 9; then
	say "another build of $key is running; waiting for it"
	flock 9
fi
# It may have finished while we waited.
if [[ -e $dir/done ]]; then
	print_paths
	exit 0
fi

# run CMD... : run a step, output to the log; on failure show its tail.
run() {
	echo "+ $*" >>"$log"
	if ! "$@" >>"$log" 2>&1; then
		say "failed: $* (last lines of $log follow)"
		tail -n 40 "$log" >&2
		exit 1
	fi
}

# ------------------------------------------------------------------- unpack
# patch_source DIR: the one change made to Debian's source.  6.1 forbids
# the fault-injection stack-trace filter on x86_64 ("depends on !X86_64",
# from 2007, when x86_64 stack traces were unreliable); upstream dropped
# that line in 6.3 ("fault-injection: allow stacktrace filter for x86-64",
# Wei Yongjun).  The lane needs the filter to aim failslab and
# fail_page_alloc at the module's own allocation sites.
patch_source() {
	local kconfig=$1/lib/Kconfig.debug
	sed -i '/^config FAULT_INJECTION_STACKTRACE_FILTER$/,/^config /{
		/^[[:space:]]*depends on !X86_64$/d
	}' "$kconfig"
	! sed -n '/^config FAULT_INJECTION_STACKTRACE_FILTER$/,/^config /p' \
		"$kconfig" | grep -q 'depends on !X86_64'
}

if [[ ! -e $dir/unpacked ]]; then
	say "unpacking $tarball into $tree"
	rm -rf "$tree" "$tree.tmp"
	mkdir -p "$tree.tmp"
	nice -n "$niceness" tar -xf "$tarball" -C "$tree.tmp" --strip-components=1
	patch_source "$tree.tmp" || die "could not lift the x86_64 restriction of FAULT_INJECTION_STACKTRACE_FILTER"
	mv "$tree.tmp" "$tree"
	touch "$dir/unpacked"
fi

# ---------------------------------------------------------------- configure
# check_config: every line of the fragment must be in the final .config as
# written; prints the check list, fails if anything is off.
check_config() {
	local line sym want got bad=0
	say "config check (fragment vs. final .config):"
	while IFS= read -r line; do
		if [[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]]; then
			sym=${BASH_REMATCH[1]} want=${BASH_REMATCH[2]}
		elif [[ $line =~ ^#\ (CONFIG_[A-Za-z0-9_]+)\ is\ not\ set$ ]]; then
			sym=${BASH_REMATCH[1]} want=n
		else
			continue
		fi
		got=$(sed -n "s/^$sym=//p" "$tree/.config")
		[[ -n $got ]] || got=n
		if [[ $got == "$want" ]]; then
			printf '  ok    %s=%s\n' "$sym" "$want" >&2
		else
			printf '  FAIL  %s=%s, but the .config has %s\n' "$sym" "$want" "$got" >&2
			bad=$((bad + 1))
		fi
	done <"$fragment"
	((bad == 0)) || die "$bad options of $fragment did not end up in $tree/.config"
}

if [[ ! -e $dir/configured ]]; then
	say "configuring: allnoconfig + ${fragment#"$top"/}"
	: >"$log"
	run make -C "$tree" allnoconfig KCONFIG_ALLCONFIG="$fragment"
	check_config
	# Anything modular would be unusable with --modules-dir none.
	if grep -q '=m$' "$tree/.config"; then
		say "note: modular options (built, but not loadable in vm-run):" \
			"$(grep '=m$' "$tree/.config" | tr '\n' ' ')"
	fi
	touch "$dir/configured"
else
	check_config
fi
if [[ $mode == config ]]; then
	say "configured $tree (--config-only: not built)"
	exit 0
fi

# -------------------------------------------------------------------- build
# bzImage is the kernel; "modules" writes Module.symvers (the exports that
# out-of-tree modules link against); modules_prepare the rest of what
# "make -C KDIR M=DIR modules" needs.
say "building in $tree with make -j$jobs under nice -n $niceness (log: $log)"
start=$SECONDS
run nice -n "$niceness" make -C "$tree" -j"$jobs" bzImage modules
run nice -n "$niceness" make -C "$tree" -j"$jobs" modules_prepare
elapsed=$((SECONDS - start))
[[ -s $image ]] || die "the build finished without $image"
build_time=$(printf '%dm%02ds' $((elapsed / 60)) $((elapsed % 60)))
release=$(cat "$tree/include/config/kernel.release")
say "built $release in $build_time"
{
	echo "key=$key"
	echo "release=$release"
	echo "build_time=$build_time"
	echo "build_seconds=$elapsed"
	echo "jobs=$jobs"
	echo "date=$(date -R)"
} >"$dir/done.tmp"
mv "$dir/done.tmp" "$dir/done"

# A machine keeps one build: drop finished builds of other keys that
# nobody is building right now.
for old in "$cache"/*/; do
	old=${old%/}
	[[ $old != "$dir" && -e $old/done ]] || continue
	if (flock -n 9 || exit 1) 9>"$old/lock"; then
		say "removing the older build $old"
		rm -rf "$old"
	fi
done

print_paths
