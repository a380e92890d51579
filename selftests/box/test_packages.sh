#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_packages.sh - make check's "box" part: shadowslab installed the way a
# test box gets it, then loaded in a VM of the kernel it was built for.
#
#   1. dkms: "dkms add ." in an export of this tree (what a fresh clone
#      holds), "dkms build shadowslab/VERSION -k RELEASE" against the VM
#      kernel's headers, on this machine; DKMS's own trees are private
#      (build/box/dkms), so the machine's /usr/src and /var/lib/dkms are
#      not touched.
#   2. deb: "make deb" builds shadowslab-dkms and shadowctl; lintian finds
#      no error in them (scripts/build-deb.sh).
#   3. chroot: both packages are installed with apt into a minimal Debian
#      bookworm that has only the VM kernel's headers and DKMS (made once
#      with mmdebstrap and cached in /var/cache/shadowslab).  The
#      shadowslab-dkms postinst has DKMS build and install the module
#      there, as it would on a box; apt fetches whatever else the packages
#      depend on (its downloads are kept in /var/cache/shadowslab too).
#   4. VM: one guest of that kernel loads the module DKMS built in 1, then,
#      inside the chroot, "modprobe shadowslab" finds the one the package
#      installed, and the installed shadowctl and the packaged selftests
#      (run_tests.sh, module from modprobe) run against it.
#   5. purge: removing the packages has DKMS remove the module again.
#
# The output is one TAP 13 stream; the VM's points are nested under one
# top-level point, as run_tests.sh nests each test's.
#
# Environment: VM_KERNEL  the kernel image the VM boots (the Makefile's)
#              VM_OPTS    extra scripts/vm-run options
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
self=$top/selftests/box/test_packages.sh
work=$top/build/box
cache=/var/cache/shadowslab
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
image=${VM_KERNEL:-$(printf '%s\n' /boot/vmlinuz-* | grep -v -- '-rt-' | sort -V | tail -n 1)}
kver=${image##*/vmlinuz-}
dkms_tree=$work/dkms/tree
# One chroot per checkout, so that checkouts testing at once do not meet.
root=$cache/box-root-$(echo "$top" | md5sum | cut -c1-12)

# ------------------------------------------------------------ the guest side

# Run in the VM: the modules load, and the installed tools use them.
guest() {
	local n=0 out ko=$dkms_tree/shadowslab/$version/$kver/x86_64/module/shadowslab.ko
	point() { # point STATUS DESCRIPTION
		n=$((n + 1))
		if [[ $1 == 0 ]]; then echo "ok $n $2"; else echo "not ok $n $2"; fi
	}
	echo "1..5"

	out=$(insmod "$ko" 2>&1) && [[ $(cat /sys/module/shadowslab/version) == "$version" ]]
	point $? "the module DKMS built on the host loads, version $version"
	[[ -n $out ]] && echo "$out" | sed 's/^/# /'
	rmmod shadowslab

	# The chroot is read-only here (the host's / is); what runs in it
	# writes only to these.
	local m mounts=(proc:proc sysfs:sys devtmpfs:dev tmpfs:tmp tmpfs:run
		tracefs:sys/kernel/tracing debugfs:sys/kernel/debug)
	for m in "${mounts[@]}"; do
		mount -t "${m%%:*}" "${m%%:*}" "$root/${m#*:}" ||
			{ echo "Bail out! cannot mount ${m%%:*} on $root/${m#*:}"; return 1; }
	done

	out=$(chroot "$root" modprobe shadowslab 2>&1) &&
		[[ $(cat /sys/module/shadowslab/version) == "$version" ]]
	point $? "in the chroot, modprobe loads the module the package's DKMS installed"
	[[ -n $out ]] && echo "$out" | sed 's/^/# /'
	out=$(chroot "$root" modinfo -n shadowslab 2>&1)
	echo "# modinfo -n shadowslab: $out"

	out=$(chroot "$root" shadowctl info 2>&1)
	point $? "the packaged shadowctl talks to it (shadowctl info)"
	echo "$out" | sed 's/^/# /'

	chroot "$root" rmmod shadowslab
	# run_tests.sh finds the module by modprobe and shadowctl in its prefix.
	chroot "$root" /usr/libexec/shadowslab/selftests/run_tests.sh \
		test_info test_execbench.sh >"$work/guest-selftests.log" 2>&1
	point $? "the packaged selftests pass: run_tests.sh test_info test_execbench.sh"
	sed 's/^/# /' "$work/guest-selftests.log"

	[[ ! -e /sys/module/shadowslab ]]
	point $? "run_tests.sh left the module unloaded, as it found it"
	for ((m = ${#mounts[@]} - 1; m >= 0; m--)); do
		umount "$root/${mounts[m]#*:}"
	done
}

if [[ ${1:-} == --guest ]]; then
	kver=$(uname -r)
	guest | tee "$work/guest.tap"
	# All five points passed: none failed, and none was skipped by a bail-out.
	(($(grep -c '^ok ' "$work/guest.tap") == 5))
	exit
fi

# ------------------------------------------------------------ the host side

num=0 step_start=$SECONDS
# ok/not_ok DESCRIPTION: a point, with the seconds since the last one.
ok() { num=$((num + 1)); echo "ok $num $* ($((SECONDS - step_start)) s)"; step_start=$SECONDS; }
not_ok() { num=$((num + 1)); echo "not ok $num $* ($((SECONDS - step_start)) s)"; step_start=$SECONDS; }
# show LOG: its last lines, as TAP comments
show() { tail -n "${2:-25}" "$1" | sed 's/^/# /'; }

rm -rf "$work"
mkdir -p "$work"
echo "TAP version 13"
echo "1..7"

# 1. DKMS on this machine, from an export of the tree.
dkms_run() {
	dkms --dkmstree "$dkms_tree" --sourcetree "$work/dkms/src" \
		--installtree "$work/dkms/modules" "$@"
}
mkdir -p "$work/export" "$dkms_tree" "$work/dkms/src" "$work/dkms/modules"
(cd "$top" && git ls-files -z --cached --others --exclude-standard |
	xargs -0 cp --parents -t "$work/export")
if (cd "$work/export" && dkms_run add .) >"$work/dkms.log" 2>&1 &&
	dkms_run build "shadowslab/$version" -k "$kver" >>"$work/dkms.log" 2>&1; then
	ko=$dkms_tree/shadowslab/$version/$kver/x86_64/module/shadowslab.ko
	vermagic=$(modinfo -F vermagic "$ko")
	if [[ $(modinfo -F version "$ko") == "$version" && ${vermagic%% *} == "$kver" ]]; then
		ok "dkms add . and dkms build shadowslab/$version -k $kver"
	else
		not_ok "dkms build: $ko is version $(modinfo -F version "$ko"), for ${vermagic%% *}"
	fi
else
	show "$work/dkms.log"
	not_ok "dkms add . and dkms build shadowslab/$version -k $kver"
fi

# 2. The packages.
if make -s -C "$top" deb >"$work/deb.log" 2>&1; then
	grep -E '^[EWI]: ' "$work/deb.log" | sed 's/^/# lintian: /'
	ok "make deb: $(cd "$top/build/deb" && echo *.deb), lintian finds no error"
else
	show "$work/deb.log" 40
	not_ok "make deb, lintian finds no error"
fi

# 3. The chroot: a cached minimal bookworm with the VM kernel's headers
# and DKMS, unpacked afresh; apt's downloads are kept across runs.
base_args=(--variant=apt --include="dkms,linux-headers-$kver"
	--skip=cleanup/apt/lists bookworm)
base=$cache/box-bookworm-$kver-$(echo "${base_args[*]}" | md5sum | cut -c1-12).tar
archives=$cache/box-apt-archives
make_base() {
	[[ -f $base ]] && return
	echo "# making $base with mmdebstrap (once per machine and kernel)"
	mkdir -p "$cache"
	rm -f "$cache"/box-bookworm-"$kver"-*.tar
	# The packages this machine has downloaded already are offered to
	# it, as hard links, so that mostly only what is missing is fetched.
	mmdebstrap --skip=download/empty --skip=essential/unlink \
		--setup-hook='mkdir -p "$1/var/cache/apt/archives"' \
		--setup-hook='cp -l /var/cache/apt/archives/*.deb "$1/var/cache/apt/archives/" 2>/dev/null || true' \
		--format=tar "${base_args[@]}" "$base.$$.tmp" &&
		mv "$base.$$.tmp" "$base" || {
		rm -f "$base.$$.tmp"
		return 1
	}
}
in_root() {
	chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive "$@"
}
unmount_root() {
	local m
	for m in var/cache/apt/archives tmp/debs dev/pts dev sys proc; do
		mountpoint -q "$root/$m" && umount "$root/$m"
	done
}
trap unmount_root EXIT
installed=0
if make_base >"$work/chroot.log" 2>&1; then
	unmount_root
	rm -rf "$root"
	mkdir -p "$root" "$archives"
	tar -C "$root" -xf "$base"
	mkdir -p "$root/tmp/debs"
	cp -L /etc/resolv.conf "$root/etc/resolv.conf"
	mount -t proc proc "$root/proc" && mount -t sysfs sysfs "$root/sys" &&
		mount --bind /dev "$root/dev" && mount --bind /dev/pts "$root/dev/pts" &&
		mount --bind "$archives" "$root/var/cache/apt/archives" &&
		mount --bind "$top/build/deb" "$root/tmp/debs"
	# The lists in the cached chroot may be older than the archive.
	if in_root apt-get update -qq >>"$work/chroot.log" 2>&1 &&
		in_root apt-get install -y --no-install-recommends \
		"/tmp/debs/shadowslab-dkms_${version}_all.deb" \
		"/tmp/debs/shadowctl_${version}_$(dpkg --print-architecture).deb" \
		>>"$work/chroot.log" 2>&1 &&
		[[ -f $root/lib/modules/$kver/updates/dkms/shadowslab.ko ]]; then
		installed=1
		grep -E 'Building for|Building initial|Installing|depmod' "$work/chroot.log" | sed 's/^/# /'
		ok "apt installs both packages into a bookworm chroot; DKMS built and installed the module for $kver"
	else
		show "$work/chroot.log" 40
		not_ok "apt installs both packages into a bookworm chroot; DKMS built and installed the module for $kver"
	fi
else
	show "$work/chroot.log"
	not_ok "a bookworm chroot with linux-headers-$kver and dkms (mmdebstrap)"
fi

if ((installed)) && out=$(in_root shadowctl --version 2>&1) &&
	[[ $out == "shadowctl $version "* ]]; then
	ok "the installed shadowctl --version says $version"
else
	echo "# ${out:-}"
	not_ok "the installed shadowctl --version says $version"
fi
page=$root/usr/share/man/man8/shadowctl.8.gz
if ((installed)) && out=$(MANWIDTH=80 man --warnings -l -P cat "$page" 2>&1 >/dev/null) &&
	[[ -f $page && -z $out ]]; then
	ok "man -l renders the installed page, usr/share/man/man8/shadowctl.8.gz, without a warning"
else
	echo "${out:-}" | sed 's/^/# /'
	not_ok "man -l renders the installed page, usr/share/man/man8/shadowctl.8.gz, without a warning"
fi

# 4. The VM.
unmount_root
if ((installed)); then
	# shellcheck disable=SC2086 # VM_OPTS is a list of options
	"$top/scripts/vm-run" --quiet --kernel "$image" --cpus 2 --mem 1G \
		--timeout 900 ${VM_OPTS:-} -- "$self" --guest 2>&1 |
		sed 's/^/# /'
	if ((PIPESTATUS[0] == 0)); then
		ok "in a VM of $kver: the DKMS-built modules load, the installed tools and selftests run"
	else
		not_ok "in a VM of $kver: the DKMS-built modules load, the installed tools and selftests run"
	fi
else
	not_ok "in a VM of $kver: # not run, nothing was installed"
fi

# 5. Purge: DKMS removes the module with the package.
if ((installed)); then
	mount -t proc proc "$root/proc" && mount --bind /dev "$root/dev"
fi
if ((installed)) && in_root apt-get purge -y shadowslab-dkms shadowctl >"$work/purge.log" 2>&1 &&
	[[ ! -e $root/lib/modules/$kver/updates/dkms/shadowslab.ko && ! -e $root/usr/src/shadowslab-$version &&
		! -e $root/usr/sbin/shadowctl ]]; then
	ok "apt purge removes both packages, and DKMS the module"
else
	[[ -f $work/purge.log ]] && show "$work/purge.log"
	not_ok "apt purge removes both packages, and DKMS the module"
fi
unmount_root
