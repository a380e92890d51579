#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# checkpatch.sh - run the kernel's checkpatch.pl over shadowslab's kernel C
# (kmod/, uapi/ and the selftests' test modules) in --file mode.  It uses
# the checkpatch.pl of Debian's linux-source-6.1, or CHECKPATCH=path.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)

checkpatch=${CHECKPATCH:-}
if [[ -z "$checkpatch" ]]; then
	checkpatch=$(ls -1d /usr/src/linux-source-*/scripts/checkpatch.pl 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [[ -z "$checkpatch" || ! -x "$checkpatch" ]]; then
	src=$(ls -1 /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1 || true)
	if [[ -n "$src" ]]; then
		tar -C /usr/src -xf "$src"
		checkpatch=$(ls -1d /usr/src/linux-source-*/scripts/checkpatch.pl | sort -V | tail -n 1)
	else
		echo "checkpatch: install linux-source-6.1 or set CHECKPATCH=" >&2
		exit 1
	fi
fi

cd "$top"
mapfile -t files < <(git ls-files -co --exclude-standard -- \
	'kmod/*.[ch]' 'uapi/*.h' 'selftests/*.c' 'selftests/**/*.c' | grep -v '\.mod\.c$')
common=(--no-tree --file --terse --show-types --ignore FILE_PATH_CHANGES)
status=0
# compat.h exists to compare kernel versions, which checkpatch discourages
# in-tree (and its constant-side rule misreads KERNEL_VERSION()).
"$checkpatch" "${common[@]}" --ignore LINUX_VERSION_CODE,CONSTANT_COMPARISON \
	kmod/compat.h || status=1
mapfile -t files < <(printf '%s\n' "${files[@]}" | grep -vx kmod/compat.h)
"$checkpatch" "${common[@]}" "${files[@]}" || status=1
exit $status
