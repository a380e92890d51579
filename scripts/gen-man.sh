#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# gen-man.sh - shadowctl(8), generated from shadowctl's own --help by
# help2man, so that the page says what the binary it ships with does.
#
#   NAME, SYNOPSIS, DESCRIPTION   shadowctl --help
#   one section per subcommand    shadowctl SUB --help (and SUB SUBSUB
#                                 --help for the nested ones, "cache
#                                 create" and the others), in the order
#                                 --help lists them
#   EXIT STATUS, FILES, EXAMPLES, SEE ALSO
#                                 docs/man/shadowctl.h2m, the part --help
#                                 does not print
#
# Each subcommand's section is help2man's page for it (run through a
# wrapper that prefixes the subcommand) with its headings folded in:
# SYNOPSIS and DESCRIPTION become paragraphs, and its option lists
# subsections.  The subcommands are the names under "Subcommands:" in
# --help; selftests/box/test_install.sh checks that the page and --help
# agree.  The EXAMPLES of docs/man/shadowctl.h2m follow those of --help.
# The page's date is the last commit's, so that a rebuild of the same
# commit gives the same page.
#
# Usage: scripts/gen-man.sh SHADOWCTL OUTPUT.8
set -euo pipefail

(($# == 2)) || {
	echo "Usage: $0 SHADOWCTL OUTPUT.8" >&2
	exit 2
}
top=$(cd "$(dirname "$0")/.." && pwd)
shadowctl=$(realpath -- "$1")
out=$2
command -v help2man >/dev/null || {
	echo "gen-man: help2man is needed (apt-get install help2man, or scripts/deps.sh deb)" >&2
	exit 1
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# "shadowctl VERSION (ABI N)", the page's footer
version=$("$shadowctl" --version)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct 2>/dev/null || date +%s)}

# The subcommands of "shadowctl WORDS...": the first word of each line of
# the SUBCOMMANDS: section of its --help.
subcommands() {
	"$shadowctl" "$@" --help | awk '
		/^[^ ]/ { on = (tolower($0) == "subcommands:"); next }
		on && /^  [a-z]/ { print $1 }'
}

# help2man's page for "shadowctl WORDS...", from ".SH SYNOPSIS" on.
page_body() {
	local wrapper=$tmp/shadowctl-${*// /-}
	printf '#!/bin/sh\nexec "%s" %s "$@"\n' "$shadowctl" "$*" >"$wrapper"
	chmod +x "$wrapper"
	help2man --no-info --no-discard-stderr --version-string="$version" \
		--name="shadowctl $*" "$wrapper" | sed -n '/^\.SH SYNOPSIS/,$p'
}

# The section of "shadowctl WORDS...", then those of its subcommands.
section() {
	local sub
	echo ".SH \"shadowctl $*\""
	page_body "$@" | awk '
		/^\.SH SYNOPSIS/ { next }
		/^\.SH DESCRIPTION/ { print ".PP"; next }
		/^\.S[HS] / {
			# .SH OPTIONS, .SS "Positionals:" -> .SS Options, .SS Positionals
			name = substr($0, 5)
			gsub(/^"|:?"$|:$/, "", name)
			print ".SS " toupper(substr(name, 1, 1)) tolower(substr(name, 2))
			next
		}
		{ print }'
	for sub in $(subcommands "$@"); do
		section "$@" "$sub"
	done
}

for sub in $(subcommands); do
	section "$sub"
done >"$tmp/commands.man"
[[ -s $tmp/commands.man ]] || {
	echo "gen-man: '$shadowctl --help' lists no SUBCOMMANDS:" >&2
	exit 1
}

help2man --no-info --no-discard-stderr --section=8 --version-string="$version" \
	--manual="System Administration Utilities" \
	--include="$top/docs/man/shadowctl.h2m" "$shadowctl" >"$tmp/main.8"

# The subcommands' sections go after the main DESCRIPTION, before the
# first section of the include file.
awk -v commands="$tmp/commands.man" '
	!done && /^\.SH "?EXIT STATUS"?$/ {
		while ((getline line < commands) > 0)
			print line
		done = 1
	}
	{ print }
	END { if (!done) exit 1 }' "$tmp/main.8" >"$tmp/whole.8" || {
	echo "gen-man: no EXIT STATUS section to put the subcommands before" >&2
	exit 1
}

# help2man fills what --help lays out by hand: an indented block (the
# examples) becomes .IP and the rows of a table in an option's text (its
# columns apart by two spaces or more) are run together.  Keep both as
# --help has them: the block unfilled, each row on its own line.
mkdir -p "$(dirname -- "$out")"
awk '
	block && /^\./ { print ".fi"; block = 0 }
	/^\.IP$/ { print; print ".nf"; block = 1; next }
	!block && !/^\./ && /[^ ]  +[^ ]/ { print ".br" }
	{ print }
	END { if (block) print ".fi" }' "$tmp/whole.8" >"$out.tmp"
mv "$out.tmp" "$out"
