#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Extract the few files of Debian's linux-source-6.1 that the project uses
# at build time (checkpatch, the kselftest harness) into build/ksrc/.
# Kernel source is never copied into the repository.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
out=${KSRC_OUT:-$top/build/ksrc}
tarball=${KSRC_TARBALL:-$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n1)}
stamp=$out/.stamp

[ -n "$tarball" ] || { echo "ksrc.sh: linux-source-6.1 is not installed" >&2; exit 2; }
[ -f "$stamp" ] && [ "$(cat "$stamp")" = "$tarball" ] && exit 0

rm -rf "$out"
mkdir -p "$out"
tar -xf "$tarball" -C "$out" --strip-components=1 \
	linux-source-6.1/scripts/checkpatch.pl \
	linux-source-6.1/scripts/spelling.txt \
	linux-source-6.1/scripts/const_structs.checkpatch \
	linux-source-6.1/tools/testing/selftests/kselftest.h \
	linux-source-6.1/tools/testing/selftests/kselftest_harness.h
echo "$tarball" > "$stamp"
