#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Drop drivers/virt/coco/tsm-rtmr/ and include/linux/tsm-rtmr.h into a copy
# of the debug kernel's tree (tools/testing/debug-kernel/build.sh), wire
# them into the tree's Kconfig and Makefile the way a patch series would,
# and build them there, no M=, twice:
#
#   modular    every tsm-rtmr symbol =m (the KUnit suite =y), "make
#              modules": the .ko files must come out, without warnings
#   built-in   the core, sim, tpm, tdx and KUnit =y, "make vmlinux": catches
#              what only a built-in link sees (symbol clashes between the
#              modules, init ordering, __exit use)
#
# Both times "make olddefconfig" must keep every symbol asked for, and the
# SEV-SNP provider, whose dependency (AMD_MEM_ENCRYPT) the debug kernel
# lacks, must stay off: that is Kconfig doing its job.
#
#   intree.sh [--keep]        prints TAP; exit non-zero on failure
#
# The copy lives in build/intree/ and is removed unless --keep is given.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
keep=0
[ "${1:-}" = --keep ] && keep=1
jobs=${JOBS:-$(nproc)}
work=$top/build/intree
tree=$work/linux
n=0 failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
not_ok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
# expect WHAT COMMAND...: one TAP line saying whether COMMAND succeeded
expect() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}
finish() {
	echo "1..$n"
	[ $keep = 1 ] || rm -rf "$work"
	exit $((failed > 0))
}

eval "$("$here/build.sh" --kernel-only --print-env 2>/dev/null)" || {
	not_ok "the debug kernel tree is not built (tools/testing/debug-kernel/build.sh)"
	finish
}

rm -rf "$work"
mkdir -p "$work"
t0=$SECONDS
# -a keeps the timestamps, so make rebuilds only what the new symbols touch.
cp -a "$KDIR" "$tree"
echo "# copied $KDIR in $((SECONDS - t0)) s"

# The drop-in: sources only, no objects of an M= build.
mkdir -p "$tree/drivers/virt/coco/tsm-rtmr"
(cd "$top/drivers/virt/coco/tsm-rtmr" &&
	cp -- Kconfig Makefile ./*.c ./*.h "$tree/drivers/virt/coco/tsm-rtmr/")
cp "$top/include/linux/tsm-rtmr.h" "$tree/include/linux/"
# Linux 6.7 and later have drivers/virt/coco/{Kconfig,Makefile}; 6.1 wires
# each coco driver from drivers/virt/.
if [ -f "$tree/drivers/virt/coco/Kconfig" ]; then
	echo 'source "drivers/virt/coco/tsm-rtmr/Kconfig"' >> "$tree/drivers/virt/coco/Kconfig"
	# shellcheck disable=SC2016 # a Makefile line, literally
	echo 'obj-$(CONFIG_TSM_RTMR) += tsm-rtmr/' >> "$tree/drivers/virt/coco/Makefile"
else
	sed -i 's|^source "drivers/virt/coco/sev-guest/Kconfig"|&\n\nsource "drivers/virt/coco/tsm-rtmr/Kconfig"|' \
		"$tree/drivers/virt/Kconfig"
	grep -q tsm-rtmr "$tree/drivers/virt/Kconfig" ||
		{ not_ok "could not wire drivers/virt/Kconfig"; finish; }
	# shellcheck disable=SC2016 # a Makefile line, literally
	echo 'obj-$(CONFIG_TSM_RTMR)		+= coco/tsm-rtmr/' >> "$tree/drivers/virt/Makefile"
fi

# configure SYMBOL=VALUE... : set them, olddefconfig, check they stayed.
# shellcheck disable=SC2317 # called through expect
configure() {
	# VMGENID defaults to y under VIRT_DRIVERS and random.h tests it:
	# keep it off, or the whole kernel recompiles.
	local a args=(--enable VIRT_DRIVERS --disable VMGENID
		      --module TSM_RTMR_SNP_VTPM) have bad=0
	for a in "$@"; do
		args+=(--set-val "${a%%=*}" "${a#*=}")
	done
	(cd "$tree" && scripts/config "${args[@]}" && make -s olddefconfig) ||
		return 1
	for a in "$@"; do
		have=$(grep -E "^CONFIG_${a%%=*}=" "$tree/.config" ||
			echo "CONFIG_${a%%=*} unset")
		[ "$have" = "CONFIG_$a" ] && continue
		echo "# wanted CONFIG_$a, Kconfig gave '$have'"
		bad=1
	done
	if grep -q '^CONFIG_TSM_RTMR_SNP_VTPM=' "$tree/.config"; then
		echo "# CONFIG_TSM_RTMR_SNP_VTPM set without AMD_MEM_ENCRYPT"
		bad=1
	fi
	return "$bad"
}

# build TARGET: make, no warnings about our files. (No W=1 here: it would
# change every command line and rebuild the whole tree; the M= build of
# build.sh is the W=1 one.)
build() {
	local log=$work/$1.log
	if ! make -C "$tree" -j"$jobs" "$1" > "$log" 2>&1; then
		tail -n 30 "$log" | sed 's/^/# /'
		return 1
	fi
	if grep -E '(tsm-rtmr|tsm_rtmr).*(warning|WARNING)|(warning|WARNING).*(tsm-rtmr|tsm_rtmr)' \
		"$log" > "$work/warnings"; then
		sed 's/^/# /' "$work/warnings"
		return 1
	fi
}

t0=$SECONDS
expect "modular: Kconfig keeps every symbol, SEV-SNP off without AMD_MEM_ENCRYPT" \
	configure TSM_RTMR=m TSM_RTMR_SIM=m TSM_RTMR_TPM=m TSM_RTMR_TDX=m \
	TSM_RTMR_KUNIT_TEST=y TSM_RTMR_TDX_KUNIT_TEST=m
if build modules; then
	kos=$(cd "$tree/drivers/virt/coco/tsm-rtmr" && find . -maxdepth 1 -name '*.ko' | LC_ALL=C sort | tr '\n' ' ')
	want="./tsm_rtmr.ko ./tsm_rtmr_sim.ko ./tsm_rtmr_tdx.ko ./tsm_rtmr_tdx_kunit.ko ./tsm_rtmr_tpm.ko "
	if [ "$kos" = "$want" ]; then
		ok "modular: make modules builds ${kos% } ($((SECONDS - t0)) s)"
	else
		not_ok "modular: make modules built '$kos', expected '$want'"
	fi
else
	not_ok "modular: make modules"
fi

# The first make rebuilt objtool: its dependency files name the absolute
# path the debug tree was built at. The result is the same, but newer, and
# every built-in object depends on the binary; give objtool's build back
# the original's time so that "make vmlinux" rebuilds only what the new
# symbols touch, not the whole kernel (gen_objtooldep in Makefile.build).
orig=$KDIR/tools/objtool/objtool
[ -e "$orig" ] &&
	find "$tree/tools/objtool" -newer "$orig" -exec touch -h -r "$orig" {} +

t0=$SECONDS
expect "built-in: Kconfig keeps every symbol =y" \
	configure TSM_RTMR=y TSM_RTMR_SIM=y TSM_RTMR_TPM=y TSM_RTMR_TDX=y \
	TSM_RTMR_KUNIT_TEST=y TSM_RTMR_TDX_KUNIT_TEST=y
if build vmlinux &&
	grep -q ' tsm_rtmr_register$' "$tree/System.map"; then
	ok "built-in: vmlinux links with the core and three providers ($((SECONDS - t0)) s)"
else
	not_ok "built-in: make vmlinux"
fi
finish
