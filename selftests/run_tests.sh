#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run_tests.sh - build and run shadowslab's selftests as one TAP 13 stream,
# in the manner of the kernel's run_kselftest.sh and kselftest/runner.sh.
#
# It is the one way the selftests are run, on a test box as root and in the
# VM (scripts/vm-run -- selftests/run_tests.sh), so it owns what the tests
# must not do themselves: building them, giving each a timeout, and loading
# and unloading the module around them.
#
# The module and the system's state
# ---------------------------------
# tests.list says for each test whether shadowslab must be loaded or
# unloaded before it; the driver loads it from --module PATH when needed.
# At the end it leaves the module as it found it:
#  - shadowslab not loaded before the run: it is unloaded at the end;
#  - shadowslab already loaded: someone else loaded it, perhaps another
#    build, perhaps in use, so by default the driver does not touch it: the
#    tests that need it loaded use it as it is, those that need it unloaded
#    are skipped, and it stays loaded.  With --reload the driver unloads it
#    first, runs every test with PATH's build, and leaves PATH's build
#    loaded at the end: loaded, as found, and the original binary is not
#    the driver's to know.
# A kernel that cannot load modules at all (no CONFIG_MODULES, or
# modules_disabled set) skips the tests that need the module; a module that
# is missing, built for another kernel or that fails to load fails them.

selftests=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$selftests")
output=${OUTPUT:-$top/build/selftests}
module=$top/kmod/shadowslab.ko
default_timeout=300
sysmod=/sys/module/shadowslab

usage() {
	cat <<EOF
Usage: $0 [--module PATH.ko] [--reload] [--scale X] [--list] [TEST...]

Run the shadowslab selftests listed in selftests/tests.list, or only the
TESTs named, as root, and print one TAP 13 stream.

  --module PATH.ko  the module to load for the tests that need it
                    (default: kmod/shadowslab.ko of this checkout)
  --reload          if shadowslab is already loaded, replace it with PATH.ko
                    for the run and leave PATH.ko loaded at the end (by
                    default a loaded module is used as it is, and the tests
                    that need to load it themselves are skipped)
  --scale X         the workload tests' cycle counts times X (default 1),
                    for slow kernels: the debug-kernel lane uses 0.1; it
                    reaches the tests as SHADOWSLAB_TEST_SCALE
  --list            print the tests' names and exit
  -h, --help        show this help

Environment: OUTPUT  where the C tests are built (default build/selftests)
             CC      the compiler for them

On a debug kernel (lockdep or kmemleak present) every timeout is 10 times
the one in tests.list, since everything runs tens of times slower there.

Exit status: 0 if no test failed, 1 if one did, 2 on a usage error,
4 (KSFT_SKIP) without running anything when not run as root.
EOF
}

usage_error() {
	echo "run_tests.sh: $*" >&2
	echo "Try '$0 --help'." >&2
	exit 2
}

# --------------------------------------------------------------- tests.list

names=()
needs=()
timeouts=()
while read -r name need timeout extra; do
	if [[ -z $name || $name == \#* ]]; then
		continue
	fi
	if [[ $need != loaded && $need != unloaded ]]; then
		usage_error "tests.list: $name: MODULE must be loaded or unloaded, not '$need'"
	fi
	if [[ -n $extra || ! ${timeout:-$default_timeout} =~ ^[1-9][0-9]*$ ]]; then
		usage_error "tests.list: $name: expected NAME MODULE [TIMEOUT], got '$name $need $timeout $extra'"
	fi
	names+=("$name")
	needs+=("$need")
	timeouts+=("${timeout:-$default_timeout}")
done <"$selftests/tests.list"

# ---------------------------------------------------------------- arguments

reload=0
list_only=0
requested=()
while (($#)); do
	case $1 in
	--module)
		(($# >= 2)) || usage_error "--module needs a path"
		module=$2
		shift 2
		;;
	--module=*)
		module=${1#--module=}
		shift
		;;
	--reload)
		reload=1
		shift
		;;
	--scale)
		(($# >= 2)) || usage_error "--scale needs a number"
		export SHADOWSLAB_TEST_SCALE=$2
		shift 2
		;;
	--scale=*)
		export SHADOWSLAB_TEST_SCALE=${1#--scale=}
		shift
		;;
	--list)
		list_only=1
		shift
		;;
	-h | --help)
		usage
		exit 0
		;;
	--)
		shift
		requested+=("$@")
		break
		;;
	-*)
		usage_error "unknown option '$1'"
		;;
	*)
		requested+=("$1")
		shift
		;;
	esac
done
module=$(realpath -m -- "$module")
if [[ -n ${SHADOWSLAB_TEST_SCALE:-} ]] &&
	! awk -v s="$SHADOWSLAB_TEST_SCALE" 'BEGIN { exit !(s ~ /^[0-9]*\.?[0-9]+$/ && s > 0) }'; then
	usage_error "--scale must be a positive number, not '$SHADOWSLAB_TEST_SCALE'"
fi

# Debug kernels run everything tens of times slower (see --help).
if [[ -e /proc/lockdep || -e /sys/kernel/debug/kmemleak ]]; then
	for i in "${!timeouts[@]}"; do
		timeouts[i]=$((timeouts[i] * 10))
	done
fi

if ((list_only)); then
	printf '%s\n' "${names[@]}"
	exit 0
fi

# Indices into names[] of the tests to run, in the order asked for.
run=()
if ((${#requested[@]} == 0)); then
	run=("${!names[@]}")
fi
for want in "${requested[@]}"; do
	for i in "${!names[@]}"; do
		if [[ ${names[i]} == "$want" ]]; then
			run+=("$i")
			continue 2
		fi
	done
	usage_error "no test '$want' in tests.list (--list shows them)"
done

if ((EUID != 0)); then
	echo "run_tests.sh: must be run as root: the tests load and unload shadowslab.ko and open /dev/shadowslab (mode 0600, CAP_SYS_ADMIN)" >&2
	echo "TAP version 13"
	echo "1..0 # SKIP must be run as root"
	exit 4
fi

# ------------------------------------------------------------------ helpers

is_loaded() {
	[[ -e $sysmod ]]
}

# A TAP diagnostic: every line of "$*" as a "# " comment.
diag() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

# Build the C tests, or say why the ones already built are used.
build() {
	local cc=${CC:-cc} out

	if ! command -v make >/dev/null || ! command -v "${cc%% *}" >/dev/null; then
		echo "# no make or $cc here: running the tests already built in $output"
		return
	fi
	if ! out=$(make -s --no-print-directory -C "$selftests" OUTPUT="$output" 2>&1); then
		echo "# building the tests failed:"
	fi
	if [[ -n $out ]]; then
		diag "$out"
	fi
}

# Why the module cannot be loaded: module_skip if this kernel loads no
# modules at all, module_fail if the module at $module will not do.
module_skip=
module_fail=
check_module() {
	local vermagic release

	release=$(uname -r)
	if [[ ! -e /proc/modules ]]; then
		module_skip="this kernel cannot load modules (no /proc/modules)"
	elif [[ $(cat /proc/sys/kernel/modules_disabled 2>/dev/null) == 1 ]]; then
		module_skip="module loading is disabled (/proc/sys/kernel/modules_disabled is 1)"
	elif [[ ! -f $module ]]; then
		module_fail="no module at $module (build it: make -C $top kmod)"
	elif ! vermagic=$(modinfo -F vermagic "$module" 2>&1); then
		module_fail="modinfo $module: $vermagic"
	elif [[ ${vermagic%% *} != "$release" ]]; then
		module_fail="$module is built for ${vermagic%% *}, this kernel is $release (rebuild: make -C $top kmod KDIR=/lib/modules/$release/build)"
	fi
}

# Bring the module into the state a test needs.  Returns 0, or 4 (skip) or
# 1 (fail) with the reason in $reason.
prepare() {
	local out

	if [[ $1 == loaded ]] && is_loaded; then
		return 0
	fi
	if [[ $1 == unloaded ]] && is_loaded && ((was_loaded && !reload)); then
		reason="shadowslab was loaded before the run (--reload lets the driver replace it)"
		return 4
	fi
	if [[ -n $module_skip ]]; then
		reason=$module_skip
		return 4
	fi
	if [[ $1 == loaded ]]; then
		if [[ -z $module_fail ]] && ! out=$(insmod "$module" 2>&1); then
			# Once is enough: the next tests fail for the same reason.
			module_fail="insmod $module: $out"
		fi
	elif is_loaded && ! out=$(rmmod shadowslab 2>&1); then
		reason="rmmod shadowslab: $out"
		return 1
	fi
	reason=$module_fail
	[[ -z $module_fail ]]
}

# Leave the module as the run found it (see the top of this file).
restore_module() {
	local out

	if ((!was_loaded)) && is_loaded; then
		if ! out=$(rmmod shadowslab 2>&1); then
			diag "error: could not unload shadowslab: rmmod: $out"
			return 1
		fi
	elif ((was_loaded && reload)) && ! is_loaded; then
		if ! out=$(insmod "$module" 2>&1); then
			diag "error: could not load shadowslab back: insmod $module: $out"
			return 1
		fi
		echo "# left shadowslab loaded from $module, as it was loaded before the run"
	fi
	return 0
}

# The kernel log since the line $marker, if any, indented for the TAP stream.
show_kernel_log() {
	local log

	log=$(dmesg | awk -v m="$marker" 'found; index($0, m) { found = 1 }')
	if [[ -n $log ]]; then
		echo "# kernel log since the test began:"
		diag "$log"
	fi
}

# ------------------------------------------------------------------ the run

pass=0
fail=0
skip=0
total=${#run[@]}

echo "TAP version 13"
echo "1..$total"
build

was_loaded=0
if is_loaded; then
	was_loaded=1
fi
check_module
if ((was_loaded && reload)); then
	if [[ -n $module_skip$module_fail ]]; then
		diag "$module_skip$module_fail"
		echo "Bail out! --reload: will not replace the loaded shadowslab"
		exit 1
	fi
	if ! out=$(rmmod shadowslab 2>&1); then
		diag "rmmod shadowslab: $out"
		echo "Bail out! --reload: cannot unload the loaded shadowslab"
		exit 1
	fi
	echo "# shadowslab was loaded before the run: unloaded it (--reload); $module will be left loaded"
elif ((was_loaded)); then
	echo "# shadowslab was loaded before the run (version $(cat $sysmod/version 2>/dev/null), srcversion $(cat $sysmod/srcversion 2>/dev/null)):"
	echo "# the tests use it as it is, those that load it themselves are skipped, and it stays loaded; --reload replaces it with $module"
	if [[ -f $module && $(cat $sysmod/srcversion 2>/dev/null) != "$(modinfo -F srcversion "$module" 2>/dev/null)" ]]; then
		echo "# note: the loaded shadowslab is not the build at $module"
	fi
fi
trap 'restore_module; exit 130' INT
trap 'restore_module; exit 143' TERM
export SHADOWSLAB_KO=$module

num=0
for i in "${run[@]}"; do
	num=$((num + 1))
	name=${names[i]}
	hdr="selftests: shadowslab: $name"
	echo "# $hdr"

	reason=
	prepare "${needs[i]}"
	rc=$?
	if ((rc == 4)); then
		echo "ok $num $hdr # SKIP $reason"
		skip=$((skip + 1))
		continue
	elif ((rc != 0)); then
		diag "$reason"
		echo "not ok $num $hdr # not run"
		fail=$((fail + 1))
		continue
	fi

	if [[ $name == *.sh ]]; then
		path=$selftests/$name
	else
		path=$output/$name
	fi
	if [[ ! -x $path ]]; then
		echo "# Warning: file $path is missing!"
		echo "not ok $num $hdr"
		fail=$((fail + 1))
		continue
	fi

	marker="shadowslab selftests: $num/$total $name"
	echo "$marker" >/dev/kmsg
	timeout -k 10 "${timeouts[i]}" "$path" </dev/null 2>&1 | sed -u 's/^/# /'
	rc=${PIPESTATUS[0]}
	case $rc in
	0)
		echo "ok $num $hdr"
		pass=$((pass + 1))
		;;
	4)
		echo "ok $num $hdr # SKIP"
		skip=$((skip + 1))
		;;
	124)
		show_kernel_log
		echo "not ok $num $hdr # TIMEOUT ${timeouts[i]} seconds"
		fail=$((fail + 1))
		;;
	*)
		show_kernel_log
		if ((rc > 128)); then
			rc="$rc (SIG$(kill -l $((rc - 128))))"
		fi
		echo "not ok $num $hdr # exit=$rc"
		fail=$((fail + 1))
		;;
	esac
done

restore_module
restored=$?
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
((fail == 0 && restored == 0))
