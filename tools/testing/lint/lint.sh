#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static checks of the kernel code, as TAP on stdout:
#   - checkpatch.pl --strict (from Debian's linux-source-6.1) on every .c/.h
#     under drivers/virt/coco/tsm-rtmr/ and include/linux/, one result each;
#   - version comparisons (LINUX_VERSION_CODE, KERNEL_VERSION) appear in
#     compat.h only, one result;
#   - for each target kernel (the newest Debian headers of each series in
#     tools/testing/lib/kernels.sh), a W=1 build
#     of every module with sparse over it (C=2: every file, built or not),
#     in a copy of the sources in a temporary directory, so that neither
#     the main build's objects nor a concurrent run are touched; two
#     results per kernel: the build (every module), and no sparse or
#     compiler warning in a project file.
# Exits non-zero if any check fails.
#
# Environment: LINT_KDIRS, the kernel build trees to check against (space
# separated; default: the newest Debian linux-headers-<series>.*-amd64 of
# every series in tools/testing/lib/kernels.sh, and KDIR when it is set and
# another one).

set -euo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top"
# shellcheck source=tools/testing/lib/kernels.sh
. tools/testing/lib/kernels.sh

# checkpatch checks switched off, each because it cannot hold out of tree,
# and only where it cannot:
#   LINUX_VERSION_CODE  in compat.h only: the spec requires version guards,
#                       since these modules build against 6.1 and newer
#                       kernels, and compat.h is the one place that holds
#                       them; the check assumes code merged into one kernel
#                       version.
COMPAT_H=drivers/virt/coco/tsm-rtmr/compat.h
checkpatch_ignore() {	# FILE
	if [ "$1" = "$COMPAT_H" ]; then echo LINUX_VERSION_CODE; fi
}

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
			--ignore "$(checkpatch_ignore "$f")" --file "$f" \
			> "$tmp/cp" 2>&1; then
			result OK "checkpatch $f"
		else
			result FAIL "checkpatch $f" "$tmp/cp"
		fi
	done < <(find drivers/virt/coco/tsm-rtmr include/linux \
			-name '*.[ch]' ! -name '*.mod.c' 2>/dev/null | sort)
fi

# Version differences belong behind compat.h's named helpers, nowhere else.
if grep -rlE 'LINUX_VERSION_CODE|KERNEL_VERSION\(' drivers/virt/coco/tsm-rtmr \
	include/linux --include='*.[ch]' 2>/dev/null |
	grep -vxF "$COMPAT_H" | grep -v '\.mod\.c$' > "$tmp/versions"; then
	result FAIL "version comparisons outside $COMPAT_H" "$tmp/versions"
else
	result OK "version comparisons only in $COMPAT_H"
fi

# The target kernels' build trees, newest Debian package of each series.
if [ -n "${LINT_KDIRS:-}" ]; then
	read -r -a kdirs <<< "$LINT_KDIRS"
else
	kdirs=()
	for series in $(kernel_series); do
		d=$(newest_headers "$series")
		if [ -z "$d" ]; then
			echo "no /usr/src/linux-headers-$series.*-amd64 (make deps)" > "$tmp/nokdir"
			result FAIL "kernel $series: no headers" "$tmp/nokdir"
			continue
		fi
		kdirs+=("$d")
	done
	# An explicit KDIR is checked too, unless it is one of those.
	if [ -n "${KDIR:-}" ] && [ -d "$KDIR" ]; then
		for d in "${kdirs[@]}"; do
			[ "$(realpath "$d")" = "$(realpath "$KDIR")" ] && continue 2
		done
		kdirs+=("$KDIR")
	fi
fi

kconfig=$(grep -o 'CONFIG_TSM_RTMR[A-Z0-9_]*=m' Makefile | sort -u | tr '\n' ' ')
# The test-only TDX emulator is not in the Makefile's list (that list is
# what modules_install installs, and the emulator must never be), but it is
# linted like every module.
kconfig="$kconfig CONFIG_TSM_RTMR_TDX_EMU=m"
# The .ko files that kconfig asks for, by the Makefile's obj- lines.
want_kos=$(for c in $kconfig; do
	sed -n "s/^obj-\$(${c%=m})[[:space:]]*+= *\([a-z_0-9]*\)\.o.*/\1.ko/p" \
		drivers/virt/coco/tsm-rtmr/Makefile
done | sort | tr '\n' ' ')

# sparse_build KDIR: TAP results of a W=1 + sparse build against KDIR.
sparse_build() {
	local kdir=$1 rel out log kos
	# The release modules built there carry (Debian's include/config/
	# kernel.release says 6.1.192 where the package is 6.1.0-57-amd64).
	rel=$(sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
		"$kdir/include/generated/utsrelease.h" 2>/dev/null)
	rel=${rel:-$(basename "$kdir")}
	out=$tmp/build-$rel
	log=$out.log
	# A copy of the sources the module build reads: never the main
	# build's objects, and no stale object of another kernel.
	mkdir -p "$out/drivers/virt/coco/tsm-rtmr" "$out/include/linux"
	cp Kbuild "$out/"
	cp drivers/virt/coco/tsm-rtmr/Kconfig drivers/virt/coco/tsm-rtmr/Makefile \
		drivers/virt/coco/tsm-rtmr/*.[ch] "$out/drivers/virt/coco/tsm-rtmr/"
	rm -f "$out"/drivers/virt/coco/tsm-rtmr/*.mod.c
	cp include/linux/*.h "$out/include/linux/"
	# shellcheck disable=SC2086 # $kconfig is a list of make variables
	if ! make -C "$kdir" M="$out" W=1 C=2 CHECK=sparse -j"$(nproc)" \
		$kconfig modules > "$log" 2>&1; then
		result FAIL "$rel: W=1 + sparse module build failed" "$log"
		return
	fi
	kos=$(cd "$out/drivers/virt/coco/tsm-rtmr" &&
		find . -maxdepth 1 -name '*.ko' -printf '%f\n' | sort | tr '\n' ' ')
	if [ "$kos" = "$want_kos" ]; then
		result OK "$rel: W=1 build of ${kos% }"
	else
		echo "built '$kos', expected '$want_kos'" > "$tmp/kos"
		result FAIL "$rel: W=1 build of every module" "$tmp/kos"
	fi
	# Warnings located in project files, whichever way kbuild spells
	# the path (absolute under the copy, or relative). The copy's path
	# is stripped as a string: a release such as 6.12.117+deb12-amd64
	# is no regular expression.
	awk -v p="$out/" 'index($0, p) == 1 { $0 = substr($0, length(p) + 1) } 1' "$log" |
		grep -E "^(drivers/virt/coco/tsm-rtmr|include/linux)/[^:]*:[0-9]+(:[0-9]+)?: (warning|error):" \
		> "$tmp/sparse-warn" || true
	if [ -s "$tmp/sparse-warn" ]; then
		result FAIL "$rel: $(wc -l < "$tmp/sparse-warn") sparse or W=1 warning(s) in project files" "$tmp/sparse-warn"
	else
		result OK "$rel: no sparse or W=1 warning"
	fi
	# Warnings in the kernel's own headers are not ours, but show them.
	grep -E ': (warning|error):' "$log" |
		grep -v -F -f "$tmp/sparse-warn" | sed 's/^/# kernel: /' || true
}

if ! command -v sparse >/dev/null; then
	echo "sparse is not installed (tools/testing/setup/install-deps.sh)" > "$tmp/sparse"
	result FAIL "sparse: not installed" "$tmp/sparse"
else
	for d in "${kdirs[@]}"; do
		sparse_build "$d"
	done
fi

echo "1..$n"
[ "$failed" = 0 ]
