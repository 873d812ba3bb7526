#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once, cached) a tsm-rtmr debug kernel from Debian's linux-source of
# a series of tools/testing/lib/kernels.sh (6.1, 6.12): "make tinyconfig" +
# debug.config (+ debug-<series>.config where there is one; 6.12's: EFI, the
# TDX and SEV-SNP guest drivers, configfs-tsm) (KASAN, lockdep, kmemleak,
# KUnit, INTEL_TDX_GUEST), then build the project's modules against it, with
# the KUnit suites, in build/debug-modules/ (6.1) or build/debug-modules-6.12/
# (never in the source tree: the main build's .ko files stay untouched).
#
#   build.sh [--kernel SERIES] [--kernel-only] [--print-env]   (default 6.1)
#
# Cache: ${TSM_RTMR_CACHE:-/var/cache/tsm-rtmr}/debug-kernel/<key>/ (6.1) or
# .../debug-kernel-<series>/<key>/, where key = sha256 of the config fragments,
# the source package version and build_kernel() below; the newest two of
# each kernel are kept. It holds src/ (the build tree, usable as KDIR for M= builds),
# mod/ (the modules_install tree: modules.dep, modules.builtin) and env
# (shell variables KVER VMLINUZ KDIR MODDIR BUILD_SECONDS). A fresh clone on
# the same machine reuses it.
#
# --print-env prints those variables (and DEBUG_KO, the module directory),
# for the runners to eval. Exit status: 0 built or cached, 1 build or
# config verification failed, 2 usage or missing prerequisites.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
# shellcheck source=tools/testing/lib/kernels.sh
. "$here/../lib/kernels.sh"
jobs=${JOBS:-$(nproc)}
kernel=$(default_series) kernel_only=0 print_env=0

while [ $# -gt 0 ]; do
	case $1 in
	--kernel) kernel=${2:-}; shift ;;
	--kernel-only) kernel_only=1 ;;
	--print-env) print_env=1 ;;
	-h|--help) sed -n '3,24s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "build.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done
kernel_known "$kernel" ||
	{ echo "build.sh: --kernel $(kernel_series | paste -sd'|'), not '$kernel'" >&2; exit 2; }
suffix=$(debug_suffix "$kernel")
fragments=("$here/debug.config")
[ -f "$here/debug-$kernel.config" ] && fragments+=("$here/debug-$kernel.config")
tarball=${KSRC_TARBALL:-$(ls /usr/src/linux-source-"$kernel".tar.* 2>/dev/null | head -n1)}

log() { echo "debug-kernel: $*" >&2; }
die() { log "$*"; exit "${2:-1}"; }

[ -n "$tarball" ] && [ -r "$tarball" ] ||
	die "linux-source-$kernel is not installed (apt-get install linux-source-$kernel)" 2
srcver=$(dpkg-query -W -f '${Version}' "linux-source-$kernel" 2>/dev/null ||
	stat -c '%s %Y' "$tarball")

build_kernel() {
	local t0=$SECONDS tmp missing=0 line opt want have
	tmp=$dir.tmp.$$
	rm -rf "$tmp"
	mkdir -p "$tmp"
	log "building in $tmp (key $key, linux-source $srcver)"
	tar -xf "$tarball" -C "$tmp"
	mv "$tmp/linux-source-$kernel" "$tmp/src"
	cd "$tmp/src"
	make -s tinyconfig >/dev/null
	scripts/kconfig/merge_config.sh -m .config "${fragments[@]}" >/dev/null
	make -s olddefconfig >/dev/null
	# Every fragment line must have survived.
	while read -r line; do
		case $line in ''|'#'*) continue ;; esac
		opt=${line%%=*} want=${line#*=}
		if [ "$want" = n ]; then
			have=$(grep -E "^$opt=" .config || true)
			[ -z "$have" ] && continue
		else
			have=$(grep -E "^$opt=" .config || echo "$opt unset")
			[ "$have" = "$line" ] && continue
		fi
		log "config: wanted '$line', got '$have'"
		missing=1
	done < <(cat "${fragments[@]}")
	[ $missing = 0 ] || die "the config fragments did not survive olddefconfig (see above)"
	log "config verified; compiling with $jobs jobs"
	make -s -j"$jobs" all > "$tmp/build.log" 2>&1 ||
		{ tail -n 40 "$tmp/build.log" >&2; die "kernel build failed"; }
	make -s modules_install INSTALL_MOD_PATH="$tmp/mod" >> "$tmp/build.log" 2>&1
	local kver
	kver=$(make -s kernelrelease)
	# Only the build tree is needed from here on: drop the sources of the
	# objects (the M= builds need headers, scripts, Module.symvers).
	{
		echo "KVER=$kver"
		echo "VMLINUZ=$dir/src/arch/x86/boot/bzImage"
		echo "KDIR=$dir/src"
		echo "MODDIR=$dir/mod/lib/modules/$kver"
		echo "BUILD_SECONDS=$((SECONDS - t0))"
	} > "$tmp/env"
	cd /
	mv "$tmp" "$dir"
	log "kernel $kver built in $((SECONDS - t0)) s: $dir"
}

# The key: what the kernel is made of (the fragments, the source package)
# and how (build_kernel's own text: the rest of this script can change
# without rebuilding the kernels).
key=$({ cat "${fragments[@]}"; echo "$srcver $(basename "$tarball")"
	declare -f build_kernel; } | sha256sum | cut -c1-16)
cache=${TSM_RTMR_CACHE:-/var/cache/tsm-rtmr}/debug-kernel$suffix
dir=$cache/$key
mkdir -p "$cache"

# One builder at a time; the others wait and reuse its result.
exec 9> "$cache/.lock"
flock 9
if [ ! -f "$dir/env" ]; then
	build_kernel
	# Keep only the newest two cached kernels.
	# shellcheck disable=SC2012
	ls -dt "$cache"/*/ 2>/dev/null | tail -n +3 | xargs -r rm -rf
else
	log "cached: $dir"
fi
flock -u 9
# shellcheck disable=SC1091
. "$dir/env"

ko=$top/build/debug-modules$suffix
if [ $kernel_only = 0 ]; then
	# A copy of the module sources, so the main build's objects are never
	# touched; Kbuild sees the files the lead's Makefile expects.
	rm -rf "$ko.tmp"
	mkdir -p "$ko.tmp/drivers/virt/coco" "$ko.tmp/include"
	cp -a "$top/drivers/virt/coco/tsm-rtmr" "$ko.tmp/drivers/virt/coco/"
	cp -a "$top/include/." "$ko.tmp/include/"
	[ -f "$top/Kbuild" ] && cp "$top/Kbuild" "$ko.tmp/"
	find "$ko.tmp" \( -name '*.o' -o -name '*.ko' -o -name '*.mod' \
		-o -name '*.mod.c' -o -name '.*.cmd' -o -name '*.order' \
		-o -name '*.symvers' -o -name '*.d' \) -delete
	# The modules the top Makefile builds (its KCONFIG), the KUnit
	# ones, and the test-only TDX emulator, so that test_tdx_emu drives
	# tdx.c's error paths under KASAN and lockdep too. This tree is a
	# test build that nothing installs, so the emulator may be in its
	# modules.order (the reason the main build leaves it out).
	# W=1: the debug build is also the strict build.
	kconfig=$(grep -o 'CONFIG_TSM_RTMR[A-Z0-9_]*=m' "$top/Makefile" | sort -u)
	# shellcheck disable=SC2086 # one word per option
	if ! make -C "$KDIR" M="$ko.tmp" -j"$jobs" $kconfig \
		CONFIG_TSM_RTMR_TDX_EMU=m CONFIG_TSM_RTMR_KUNIT_TEST=y \
		W=1 KCFLAGS="${DEBUG_KCFLAGS:-}" modules > "$ko.tmp.log" 2>&1; then
		cat "$ko.tmp.log" >&2
		die "module build against the debug kernel failed"
	fi
	if grep -E 'warning:' "$ko.tmp.log" >&2; then
		die "module build against the debug kernel has warnings"
	fi
	rm -rf "$ko"
	mv "$ko.tmp" "$ko"
	mv "$ko.tmp.log" "$ko.log"
	log "modules: $(cd "$ko" && find . -name '*.ko' | sort | tr '\n' ' ')"
fi

if [ $print_env = 1 ]; then
	cat "$dir/env"
	echo "DEBUG_KO=$ko/drivers/virt/coco/tsm-rtmr"
fi
