#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.sh - run the kernel's checkpatch.pl over shadowslab's kernel C
# (kmod/, uapi/ and the selftests) in --file mode.  checkpatch.pl comes from
# CHECKPATCH=path, else from an unpacked /usr/src/linux-source-*, else it is
# unpacked once from Debian's linux-source tarball into build/checkpatch.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

# The newest of the versioned names, hence ls | sort -V.
# shellcheck disable=SC2012
find_checkpatch() {
	local tarball dir
	if [[ -n "${CHECKPATCH:-}" ]]; then
		echo "$CHECKPATCH"
		return
	fi
	ls -1d /usr/src/linux-source-*/scripts/checkpatch.pl 2>/dev/null |
		sort -V | tail -n 1 | grep . && return
	tarball=$(ls -1 /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
	if [[ -z "$tarball" ]]; then
		echo "checkpatch: install linux-source-6.1 (scripts/deps.sh) or set CHECKPATCH=" >&2
		exit 1
	fi
	dir=$(basename "$tarball" .tar.xz)
	if [[ ! -x "$top/build/checkpatch/$dir/scripts/checkpatch.pl" ]]; then
		mkdir -p "$top/build/checkpatch"
		tar -C "$top/build/checkpatch" -xf "$tarball" \
			"$dir/scripts/checkpatch.pl" "$dir/scripts/spelling.txt" \
			"$dir/scripts/const_structs.checkpatch"
	fi
	echo "$top/build/checkpatch/$dir/scripts/checkpatch.pl"
}

checkpatch=$(find_checkpatch)
cd "$top"
mapfile -t files < <(git ls-files -co --exclude-standard -- \
	'kmod/*.[ch]' 'uapi/*.h' 'selftests/*.c' 'selftests/**/*.c' |
	grep -v -e '\.mod\.c$' -e '^kmod/compat\.h$' -e '^selftests/kselftest\.h$')

common=(--no-tree --file --terse --show-types --ignore FILE_PATH_CHANGES)
status=0
# compat.h exists to compare kernel versions, which checkpatch discourages
# in-tree (and its constant-side rule misreads KERNEL_VERSION()).
"$checkpatch" "${common[@]}" --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON \
	kmod/compat.h || status=1
"$checkpatch" "${common[@]}" "${files[@]}" || status=1
exit $status
