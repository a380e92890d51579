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
#
# In a checkout or installed
# --------------------------
# In a checkout (selftests/Makefile is here) the driver builds the C tests
# into build/selftests, and the module is kmod/shadowslab.ko.  Installed
# ("make install", the shadowctl package: this directory is
# PREFIX/libexec/shadowslab/selftests) the tests are built already, next to
# this script, and the module is the one modprobe finds, which DKMS built
# for the running kernel; the tests find shadowctl in PREFIX/sbin, else on
# PATH, and the bpftrace scripts in PREFIX/share/shadowslab.  --module
# overrides the module either way.

selftests=$(cd "$(dirname "$0")" && pwd)
if [[ -f $selftests/Makefile ]]; then
	installed=0
	top=$(dirname "$selftests")
	output=${OUTPUT:-$top/build/selftests}
	module=$top/kmod/shadowslab.ko
else
	installed=1
	prefix=$(cd "$selftests/../../.." && pwd)
	output=${OUTPUT:-$selftests}
	module= # modprobe's: see check_module
	if [[ -z ${SHADOWCTL:-} ]]; then
		SHADOWCTL=$prefix/sbin/shadowctl
		[[ -x $SHADOWCTL ]] || SHADOWCTL=$(command -v shadowctl || echo "$SHADOWCTL")
		export SHADOWCTL
	fi
	export SHADOWSLAB_BPFTRACE_DIR=${SHADOWSLAB_BPFTRACE_DIR:-$prefix/share/shadowslab}
fi
export OUTPUT=$output
default_timeout=300

usage() {
	cat <<EOF
Usage: $0 [--module PATH.ko] [--reload] [--scale X] [--list] [TEST...]

Run the shadowslab selftests listed in selftests/tests.list, or only the
TESTs named, as root, and print one TAP 13 stream.

  --module PATH.ko  the module to load for the tests that need it
                    (default: kmod/shadowslab.ko of this checkout; when
                    installed, the one modprobe finds: DKMS's)
  --reload          if shadowslab is already loaded, replace it with PATH.ko
                    for the run and leave PATH.ko loaded at the end (by
                    default a loaded module is used as it is, and the tests
                    that need to load it themselves are skipped)
  --scale X         the workload tests' cycle counts times X (default 1),
                    for slow kernels: the debug-kernel lane uses 0.1; it
                    reaches the tests as SHADOWSLAB_TEST_SCALE
  --list            print the tests' names and exit
  -h, --help        show this help

Environment: OUTPUT  where the C tests are built (default build/selftests;
                     installed: this script's directory)
             CC      the compiler for them

On a debug kernel (lockdep or kmemleak present) every timeout is 10 times
the one in tests.list, since everything runs tens of times slower there.

Exit status: 0 if no test failed, 1 if one did, 2 on a usage error,
4 (KSFT_SKIP) without running anything when not run as root.
EOF
}

# shellcheck source=run_lib.sh source-path=SCRIPTDIR
. "$selftests/run_lib.sh"

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
driver_options SHADOWSLAB_TEST_SCALE "$@"
set -- "${driver_args[@]}"
while (($#)); do
	case $1 in
	--reload) reload=1 ;;
	--list) list_only=1 ;;
	-h | --help)
		usage
		exit 0
		;;
	--)
		shift
		requested+=("$@")
		break
		;;
	-*) usage_error "unknown option '$1'" ;;
	*) requested+=("$1") ;;
	esac
	shift
done
if [[ -n $module ]]; then
	modprobe=0
else
	# Installed, with no --module: the module modprobe would load.
	module=$(modinfo -n shadowslab 2>/dev/null)
	modprobe=1
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

skip_unless_root "the tests load and unload shadowslab.ko and open /dev/shadowslab (mode 0600, CAP_SYS_ADMIN)"

# ------------------------------------------------------------------ helpers

# Build the C tests, or say why the ones already built are used.
build() {
	local cc=${CC:-cc} out

	if ((installed)); then
		echo "# installed: running the tests built in $output"
		return
	fi
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
	elif [[ -z $module ]]; then
		module_fail="modprobe finds no shadowslab module for $release: install the shadowslab-dkms package, or 'make dkms-install' in the source tree, or pass --module PATH.ko"
	elif [[ ! -f $module ]]; then
		module_fail="no module at $module (build it: make -C ${top:-the source tree} kmod)"
	elif ! vermagic=$(modinfo -F vermagic "$module" 2>&1); then
		module_fail="modinfo $module: $vermagic"
	elif [[ ${vermagic%% *} != "$release" ]]; then
		module_fail="$module is built for ${vermagic%% *}, this kernel is $release (rebuild: make -C ${top:-the source tree} kmod KDIR=/lib/modules/$release/build)"
	fi
}

# Load the module: modprobe's when installed with no --module, else insmod.
load_module() {
	if ((modprobe)); then
		modprobe shadowslab
	else
		insmod "$module"
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
		if [[ -z $module_fail ]] && ! out=$(load_module 2>&1); then
			# Once is enough: the next tests fail for the same reason.
			module_fail="loading $module: $out"
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
		if ! out=$(load_module 2>&1); then
			diag "error: could not load shadowslab back from $module: $out"
			return 1
		fi
		echo "# left shadowslab loaded from $module, as it was loaded before the run"
	fi
	return 0
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
	echo "# shadowslab was loaded before the run (version $(cat "$sysmod"/version 2>/dev/null), srcversion $(cat "$sysmod"/srcversion 2>/dev/null)):"
	echo "# the tests use it as it is, those that load it themselves are skipped, and it stays loaded; --reload replaces it with $module"
	if [[ -f $module && $(cat "$sysmod"/srcversion 2>/dev/null) != "$(modinfo -F srcversion "$module" 2>/dev/null)" ]]; then
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

	marker="shadowslab selftests: $num/$total $name"
	run_test "$(test_program "$name" "$selftests" "$output")" "${timeouts[i]}" "$marker"
	tap_result "$num" "$hdr" $? "${timeouts[i]}" "$marker"
done

restore_module
restored=$?
echo "# Totals: pass:$pass fail:$fail xfail:0 xpass:0 skip:$skip error:0"
((fail == 0 && restored == 0))
