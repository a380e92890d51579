#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# test_install.sh - what a test box gets, checked on the host, with no VM
# (make check's static part runs it):
#
#   deps     "make demo" installs the demo group, and that group, with
#            everything apt would pull in for it, holds none of the
#            PREEMPT_RT or debug-kernel packages
#   version  one version number: PACKAGE_VERSION in dkms.conf is the
#            module's MODULE_VERSION and shadowctl's --version, and no
#            other file in the tree spells it
#   man      the installed shadowctl(8) is what scripts/gen-man.sh makes
#            from the shadowctl built now; it has a section for every subcommand
#            --help lists, holding every option that subcommand's --help
#            lists; its EXAMPLES use only options that exist; and man
#            renders it without a warning
#   install  "make install DESTDIR=... PREFIX=/usr" installs what the
#            README says, and its manifest lists exactly the files
#            installed; the installed shadowctl and run_tests.sh work from
#            there and name nothing of the source tree; "make uninstall"
#            then leaves DESTDIR empty, and without a manifest refuses
#
# The module must be built (make vm-kmod) and the tools (make tools); the
# install builds the man page and the selftests itself.  TAP 13; exit 0
# if every point passed.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
shadowctl=$top/build/tools/shadowctl/shadowctl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 failed=0

# point CONDITION DESCRIPTION: a TAP point for the exit status CONDITION.
point() {
	n=$((n + 1))
	if (($1 == 0)); then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=$((failed + 1))
	fi
}
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }

echo "TAP version 13"
echo "1..13"

# ------------------------------------------------------------------- deps

heavy=(linux-image-rt-amd64 linux-headers-rt-amd64 linux-source-6.1 flex bison libssl-dev)
# The list above must be what the RT and debug groups install, or this
# test checks nothing.
"$top/scripts/deps.sh" --list rt debug >"$tmp/rt-debug"
missing=$(printf '%s\n' "${heavy[@]}" | grep -vxF -f "$tmp/rt-debug")
# apt's whole dependency closure of the demo group, not just its names.
mapfile -t demo < <("$top/scripts/deps.sh" --list demo)
apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
	--no-breaks --no-replaces --no-enhances "${demo[@]}" 2>/dev/null |
	grep -v '^ ' | sort -u >"$tmp/demo-closure"
found=$(printf '%s\n' "${heavy[@]}" | grep -xF -f "$tmp/demo-closure")
[[ -z $missing && -z $found && $(wc -l <"$tmp/demo-closure") -gt ${#demo[@]} ]]
point $? "deps.sh demo: ${#demo[@]} packages, $(wc -l <"$tmp/demo-closure") with their dependencies, none of ${heavy[*]}"
[[ -n $missing ]] && diag "not in the rt/debug groups any more: $missing"
[[ -n $found ]] && diag "pulled in by the demo group: $found"

demo_deps=$(make -n -s -C "$top" demo 2>/dev/null | grep -o 'scripts/deps.sh.*' | sort -u)
[[ $demo_deps == "scripts/deps.sh demo" ]]
point $? "make demo asks deps.sh for the demo group only"
[[ $demo_deps == "scripts/deps.sh demo" ]] || diag "make -n demo: ${demo_deps:-no deps.sh}"

# ---------------------------------------------------------------- version

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
tool_version=$("$shadowctl" --version)
ko_version=$(modinfo -F version "$top/kmod/shadowslab.ko" 2>&1)
[[ -n $version && $tool_version == "shadowctl $version "* && $ko_version == "$version" &&
	$(make -s -C "$top" version) == "$version" ]]
point $? "one version, $version: dkms.conf, MODULE_VERSION ($ko_version), shadowctl --version ($tool_version)"

# Every other place reads it; a copy would drift.  (The docs may quote it,
# and the JSON examples captured from a run record what it reported.)
copies=$(cd "$top" && git grep -n -w -F "$version" -- ':!dkms.conf' ':!*.md' ':!docs/schema/examples' 2>/dev/null)
[[ -z $copies ]]
point $? "no file but dkms.conf spells the version"
[[ -n $copies ]] && diag "$copies"

# ---------------------------------------------------------------- install

dest=$tmp/dest
make -s -C "$top" install DESTDIR="$dest" PREFIX=/usr >"$tmp/install.log" 2>&1
rc=$?
expected=(usr/sbin/shadowctl usr/libexec/shadowslab/execbench-loop
	usr/share/man/man8/shadowctl.8 usr/libexec/shadowslab/selftests/run_tests.sh
	usr/libexec/shadowslab/selftests/tests.list usr/libexec/shadowslab/selftests/ksft.sh
	usr/libexec/shadowslab/selftests/run_lib.sh)
for f in "$top"/scripts/bpftrace/*.bt; do
	expected+=("usr/share/shadowslab/${f##*/}")
done
while read -r name _; do
	[[ -z $name || $name == \#* ]] || expected+=("usr/libexec/shadowslab/selftests/$name")
done <"$top/selftests/tests.list"
absent=()
for f in "${expected[@]}"; do
	[[ -f $dest/$f ]] || absent+=("$f")
done
manifest=$dest/usr/share/shadowslab/install-manifest
(cd "$dest" && find . -type f | sed 's/^\.//' | sort) >"$tmp/files"
sed -n 's/^file //p' "$manifest" 2>/dev/null | sort >"$tmp/listed"
((rc == 0 && ${#absent[@]} == 0)) && cmp -s "$tmp/files" "$tmp/listed"
point $? "make install DESTDIR PREFIX=/usr: the ${#expected[@]} files the README names, and a manifest of exactly the $(wc -l <"$tmp/files") files installed"
((rc)) && diag "$(tail -n 20 "$tmp/install.log")"
((${#absent[@]})) && diag "missing: ${absent[*]}"
diff "$tmp/listed" "$tmp/files" | grep '^[<>]' | sed 's/^</# only in the manifest:/; s/^>/# not in the manifest:/'

# -------------------------------------------------------------------- man

# The installed page; its date (.TH) is the last commit's, which may be
# newer than the page's build.
page=$dest/usr/share/man/man8/shadowctl.8
"$top/scripts/gen-man.sh" "$shadowctl" "$tmp/fresh.8" 2>"$tmp/gen.err"
cmp -s <(grep -v '^\.TH ' "$tmp/fresh.8") <(grep -v '^\.TH ' "$page")
point $? "the installed shadowctl.8 is what gen-man.sh makes from this shadowctl's --help"
[[ -s $tmp/gen.err ]] && diag "$(cat "$tmp/gen.err")"

# The options of "shadowctl WORDS...": every --long in its --help's
# OPTIONS: section.
options_of() {
	"$shadowctl" "$@" --help | awk '/^[^ ]/ { on = (tolower($0) == "options:"); next } on' |
		grep -oE -- '--[a-z][a-z0-9-]*' | sort -u
}
subcommands_of() {
	"$shadowctl" "$@" --help | awk '/^[^ ]/ { on = (tolower($0) == "subcommands:"); next }
		on && /^  [a-z]/ { print $1 }'
}
# The text of the page's section .SH "shadowctl WORDS...", roff unescaped.
section_of() {
	awk -v h=".SH \"shadowctl $*\"" '$0 == h { on = 1; next } /^\.SH / { on = 0 } on' "$page" |
		sed 's/\\-/-/g; s/\\f[A-Z]//g; s/\\,//g; s/\\\///g'
}
problems=()
check_command() {
	local sub opt body
	body=$(section_of "$@")
	if [[ -z $body ]]; then
		problems+=("no section \"shadowctl $*\"")
		return
	fi
	for opt in $(options_of "$@"); do
		grep -qF -- "$opt" <<<"$body" || problems+=("shadowctl $*: $opt is not in its section")
	done
	for sub in $(subcommands_of "$@"); do
		check_command "$@" "$sub"
	done
}
mapfile -t top_subcommands < <(subcommands_of)
for sub in "${top_subcommands[@]}"; do
	check_command "$sub"
done
sections=$(grep -c '^\.SH "shadowctl ' "$page")
((${#top_subcommands[@]} > 0 && ${#problems[@]} == 0))
point $? "a section for each of the ${#top_subcommands[@]} subcommands and their subcommands ($sections in all), with every option --help lists"
((${#problems[@]})) && diag "${problems[@]}"

# EXAMPLES, EXIT STATUS, FILES; and the examples use only real options.
problems=()
for s in '"EXIT STATUS"' FILES EXAMPLES; do
	grep -qx "\.SH $s" "$page" || problems+=("no section $s")
done
while read -r -a words; do
	((${#words[@]} >= 2)) || continue
	sub=${words[1]}
	known=$(options_of "$sub" 2>/dev/null) || { problems+=("example: no subcommand '$sub'"); continue; }
	for w in "${words[@]:2}"; do
		[[ $w == -- ]] && break # what follows is the traced command's
		[[ $w == --* ]] || continue
		grep -qxF -- "$w" <<<"$known" || problems+=("example: shadowctl $sub has no $w")
	done
done < <(awk '/^\.SH EXAMPLES/ { on = 1; next } /^\.SH / { on = 0 } on' "$page" |
	sed 's/\\-/-/g' | grep '^shadowctl ')
((${#problems[@]} == 0))
point $? "EXIT STATUS, FILES and EXAMPLES are there, and the examples use only options --help lists"
((${#problems[@]})) && diag "${problems[@]}"

warnings=$(MANWIDTH=80 man --warnings -l -P cat "$page" 2>&1 >/dev/null)
[[ -z $warnings ]]
point $? "man -l renders the page without a warning"
[[ -n $warnings ]] && diag "$warnings"

out=$("$dest/usr/sbin/shadowctl" --help 2>&1) && [[ $out == *"Usage: shadowctl"* ]] &&
	list=$("$dest/usr/libexec/shadowslab/selftests/run_tests.sh" --list 2>&1) &&
	[[ $list == "$(awk '!/^#/ && NF { print $1 }' "$top/selftests/tests.list")" ]]
point $? "the installed shadowctl --help and run_tests.sh --list run"
[[ -n ${list:-} ]] || diag "$out"

# What a box runs must not need this tree: no installed script names it.
refs=$(grep -rlF -- "$top" "$dest" 2>/dev/null | while read -r f; do
	[[ $(head -c 4 "$f") == $'\x7fELF' ]] || echo "${f#"$dest"}"
done)
[[ -z $refs ]]
point $? "no installed script or page names the source tree"
[[ -n $refs ]] && diag "$refs"

make -s -C "$top" uninstall DESTDIR="$dest" PREFIX=/usr >"$tmp/uninstall.log" 2>&1 &&
	[[ -z $(find "$dest" -mindepth 1 -print -quit) ]]
point $? "make uninstall removes exactly what was installed: DESTDIR is empty again"
find "$dest" -mindepth 1 | sed "s|^$dest|# left: |"

mkdir -p "$dest"
! out=$(make -s -C "$top" uninstall DESTDIR="$dest" PREFIX=/usr 2>&1) && [[ $out == *"nothing to uninstall: no $dest/usr/share/shadowslab/install-manifest"* ]]
point $? "make uninstall with nothing installed says so and fails"

exit $((failed != 0))
