#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static checks of the kernel code, as TAP on stdout:
#   - checkpatch.pl --strict (from Debian's linux-source-6.1) on every .c/.h
#     under drivers/virt/coco/tsm-rtmr/ and include/linux/, one result each;
#   - sparse over the whole module build (C=2: every file, built or not),
#     one result: no sparse (or compiler) warning in a project file.
# Exits non-zero if any check fails.
#
# Environment: KDIR (kernel build tree; default as in the top Makefile).

set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"

# checkpatch checks switched off, each because it cannot hold out of tree:
#   LINUX_VERSION_CODE  the spec requires version guards, since these
#                       modules build against 6.1 and newer kernels; the
#                       check assumes code merged into one kernel version.
CHECKPATCH_IGNORE=LINUX_VERSION_CODE

n=0 failed=0
result() {	# result OK|FAIL DESCRIPTION [DETAIL FILE]
	n=$((n + 1))
	if [ "$1" = OK ]; then
		echo "ok $n - $2"
	else
		failed=$((failed + 1))
		echo "not ok $n - $2"
		[ -n "${3:-}" ] && sed 's/^/# /' "$3"
	fi
	return 0
}

echo "TAP version 13"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! tools/testing/ksrc.sh > "$tmp/ksrc" 2>&1; then
	result FAIL "ksrc.sh: cannot extract checkpatch.pl" "$tmp/ksrc"
else
	checkpatch=build/ksrc/scripts/checkpatch.pl
	# Generated files (*.mod.c from modpost) are not ours to lint.
	while read -r f; do
		if perl "$checkpatch" --no-tree --strict --terse \
			--ignore "$CHECKPATCH_IGNORE" --file "$f" \
			> "$tmp/cp" 2>&1; then
			result OK "checkpatch $f"
		else
			result FAIL "checkpatch $f" "$tmp/cp"
		fi
	done < <(find drivers/virt/coco/tsm-rtmr include/linux \
			-name '*.[ch]' ! -name '*.mod.c' 2>/dev/null | sort)
fi

# sparse, through kbuild so it sees the kernel's own flags and headers.
if [ -z "${KDIR:-}" ]; then
	KDIR=/lib/modules/$(uname -r)/build
	[ -d "$KDIR" ] ||
		KDIR=$(find /usr/src -maxdepth 1 -name 'linux-headers-6.1.*-amd64' |
			sort -V | tail -n1)
fi
kconfig=$(grep -o 'CONFIG_TSM_RTMR[A-Z0-9_]*=m' Makefile | sort -u | tr '\n' ' ')
if [ -z "$KDIR" ] || [ ! -d "$KDIR" ]; then
	echo "no kernel build tree (KDIR)" > "$tmp/sparse"
	result FAIL "sparse: no kernel headers" "$tmp/sparse"
elif ! command -v sparse >/dev/null; then
	echo "sparse is not installed (tools/testing/install-deps.sh)" > "$tmp/sparse"
	result FAIL "sparse: not installed" "$tmp/sparse"
else
	# shellcheck disable=SC2086 # $kconfig is a list of make variables
	if ! make -C "$KDIR" M="$top" C=2 CHECK=sparse $kconfig modules \
		> "$tmp/sparse" 2>&1; then
		result FAIL "sparse: module build failed" "$tmp/sparse"
	else
		# Warnings located in project files, whichever way kbuild
		# spells the path (absolute under $top, or relative).
		grep -E "^($top/)?(drivers/virt/coco/tsm-rtmr|include/linux)/[^:]*:[0-9]+(:[0-9]+)?: (warning|error):" \
			"$tmp/sparse" > "$tmp/sparse-warn" || true
		if [ -s "$tmp/sparse-warn" ]; then
			result FAIL "sparse: $(wc -l < "$tmp/sparse-warn") warning(s) in project files" "$tmp/sparse-warn"
		else
			result OK "sparse"
		fi
		# Warnings in the kernel's own headers are not ours, but show them.
		grep -E ': (warning|error):' "$tmp/sparse" |
			grep -v -F -f "$tmp/sparse-warn" | sed 's/^/# kernel: /' || true
	fi
fi

echo "1..$n"
[ "$failed" = 0 ]
