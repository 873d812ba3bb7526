#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Drop drivers/virt/coco/tsm-rtmr/ and include/linux/tsm-rtmr.h into a copy
# of a kernel tree, wire them into the tree's Kconfig and Makefile the way a
# patch series would, and build them there, no M=, twice:
#
#   modular    every tsm-rtmr symbol =m (the KUnit suite =y), "make
#              modules": the .ko files must come out, without warnings
#   built-in   the core, the providers and KUnit =y: catches what only a
#              built-in link sees (symbol clashes between the modules, init
#              ordering, __exit use)
#
#   intree.sh [--kernel SERIES] [--keep]   prints TAP; exit non-zero on failure
#
# The tree is the debug kernel's of that series (build.sh --kernel K,
# built first unless cached; default: the default series of
# tools/testing/lib/kernels.sh), fully built, so built-in is "make vmlinux":
#
#   6.1   (before 6.7) tsm-rtmr wired from drivers/virt/. Its config lacks
#         AMD_MEM_ENCRYPT, so the SEV-SNP provider must stay off: that is
#         Kconfig doing its job.
#   6.12  (6.7 and later) tsm-rtmr wired in next to configfs-tsm (after TSM_REPORTS in
#         drivers/virt/coco/Kconfig, after tsm.o in its Makefile); the tree
#         has the TDX and SEV-SNP guests, their drivers and configfs-tsm
#         (debug-6.12.config), so all four providers are built, and
#         built-in links configfs-tsm, tdx-guest and sev-guest =y into the
#         same vmlinux. W=1 as well: "make modules W=1", and
#         "make drivers/virt/coco/ W=1" before the vmlinux link (W=1 on
#         the whole of vmlinux would recompile the kernel).
#
# Both times "make olddefconfig" must keep every symbol asked for.
# The copy lives in build/intree-<kernel>/ and is removed unless --keep is
# given.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
# shellcheck source=tools/testing/lib/kernels.sh
. "$here/../lib/kernels.sh"
# shellcheck source=tools/testing/lib/tap.sh
. "$here/../lib/tap.sh"
keep=0 kernel=$(default_series)
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1 ;;
	--kernel) kernel=${2:-}; shift ;;
	*) echo "intree.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
kernel_known "$kernel" ||
	{ echo "intree.sh: --kernel $(kernel_series | paste -sd'|'), not '$kernel'" >&2; exit 2; }
jobs=${JOBS:-$(nproc)}
work=$top/build/intree-$kernel
tree=$work/linux

# ok, not_ok, expect: lib/tap.sh.
finish() {
	tap_plan
	[ $keep = 1 ] || rm -rf "$work"
	exit $((tap_failed > 0))
}

t0=$SECONDS
mkdir -p "$top/build"
if env=$("$here/build.sh" --kernel "$kernel" --kernel-only --print-env \
	2> "$top/build/debug-kernel-$kernel.log"); then
	eval "$env"
	echo "# debug kernel $kernel tree $KDIR ($((SECONDS - t0)) s)"
else
	sed 's/^/# /' "$top/build/debug-kernel-$kernel.log" | tail -n 20
	not_ok "the $kernel debug kernel tree (tools/testing/debug-kernel/build.sh --kernel $kernel)"
	finish
fi

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
rm -f "$tree"/drivers/virt/coco/tsm-rtmr/*.mod.c
cp "$top/include/linux/tsm-rtmr.h" "$tree/include/linux/"
# Linux 6.7 and later have drivers/virt/coco/{Kconfig,Makefile}, with
# configfs-tsm (TSM_REPORTS, tsm.o) in them: tsm-rtmr goes right after it.
# 6.1 wires each coco driver from drivers/virt/.
if [ -f "$tree/drivers/virt/coco/Kconfig" ]; then
	sed -i '/^config TSM_REPORTS$/,/^$/{/^$/a\
source "drivers/virt/coco/tsm-rtmr/Kconfig"\

}' "$tree/drivers/virt/coco/Kconfig"
	# shellcheck disable=SC2016 # a Makefile line, literally
	sed -i 's|^obj-$(CONFIG_TSM_REPORTS)[[:space:]]*+= tsm\.o$|&\nobj-$(CONFIG_TSM_RTMR)\t\t+= tsm-rtmr/|' \
		"$tree/drivers/virt/coco/Makefile"
	if ! grep -q tsm-rtmr "$tree/drivers/virt/coco/Kconfig" ||
		! grep -q tsm-rtmr "$tree/drivers/virt/coco/Makefile"; then
		not_ok "could not wire drivers/virt/coco/{Kconfig,Makefile} after TSM_REPORTS"
		finish
	fi
else
	sed -i 's|^source "drivers/virt/coco/sev-guest/Kconfig"|&\n\nsource "drivers/virt/coco/tsm-rtmr/Kconfig"|' \
		"$tree/drivers/virt/Kconfig"
	grep -q tsm-rtmr "$tree/drivers/virt/Kconfig" ||
		{ not_ok "could not wire drivers/virt/Kconfig"; finish; }
	# shellcheck disable=SC2016 # a Makefile line, literally
	echo 'obj-$(CONFIG_TSM_RTMR)		+= coco/tsm-rtmr/' >> "$tree/drivers/virt/Makefile"
fi

# Without AMD_MEM_ENCRYPT (the 6.1 debug kernel) Kconfig must keep the
# SEV-SNP provider off; with it (the 6.12 tree), it is asked for like the
# others.
snp=0
grep -q '^CONFIG_AMD_MEM_ENCRYPT=y' "$tree/.config" && snp=1

# configure SYMBOL=VALUE... : set them, olddefconfig, check they stayed.
# shellcheck disable=SC2317 # called through expect
configure() {
	# VMGENID defaults to y under VIRT_DRIVERS and random.h tests it:
	# keep it off, or the whole kernel recompiles.
	local a args=(--enable VIRT_DRIVERS --disable VMGENID) have bad=0
	[ "$snp" = 1 ] || args+=(--module TSM_RTMR_SNP_VTPM)
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
	if [ "$snp" = 0 ] && grep -q '^CONFIG_TSM_RTMR_SNP_VTPM=' "$tree/.config"; then
		echo "# CONFIG_TSM_RTMR_SNP_VTPM set without AMD_MEM_ENCRYPT"
		bad=1
	fi
	return "$bad"
}

# build TARGET [MAKE ARGS]: make, no warnings about our files. (No W=1 for
# vmlinux: it would change every command line and recompile the whole
# kernel; build.sh's M= build and the W=1 builds below are the strict ones.)
build() {
	local log=$work/${1//\//_}${2:-}.log
	if ! make -C "$tree" -j"$jobs" "$@" > "$log" 2>&1; then
		tail -n 30 "$log" | sed 's/^/# /'
		return 1
	fi
	if grep -E '(tsm-rtmr|tsm_rtmr).*(warning|WARNING)|(warning|WARNING).*(tsm-rtmr|tsm_rtmr)' \
		"$log" > "$work/warnings"; then
		sed 's/^/# /' "$work/warnings"
		return 1
	fi
}

extra=()
want="./tsm_rtmr.ko ./tsm_rtmr_sim.ko ./tsm_rtmr_tdx.ko ./tsm_rtmr_tpm.ko ./tsm_rtmr_tpm_provider.ko "
# TSM_RTMR_TPM_PROVIDER has no prompt: asked for, it checks that the
# providers select it, modular or built in.
modular=(TSM_RTMR=m TSM_RTMR_SIM=m TSM_RTMR_TPM=m TSM_RTMR_TPM_PROVIDER=m
	 TSM_RTMR_TDX=m TSM_RTMR_KUNIT_TEST=y)
builtin=(TSM_RTMR=y TSM_RTMR_SIM=y TSM_RTMR_TPM=y TSM_RTMR_TPM_PROVIDER=y
	 TSM_RTMR_TDX=y TSM_RTMR_KUNIT_TEST=y)
providers="the core and three providers"
if has_configfs_tsm "$kernel"; then
	extra=(W=1)
	want="./tsm_rtmr.ko ./tsm_rtmr_sim.ko ./tsm_rtmr_snp_vtpm.ko ./tsm_rtmr_tdx.ko ./tsm_rtmr_tpm.ko ./tsm_rtmr_tpm_provider.ko "
	modular+=(TSM_RTMR_SNP_VTPM=m TDX_GUEST_DRIVER=m SEV_GUEST=m TSM_REPORTS=m)
	builtin+=(TSM_RTMR_SNP_VTPM=y TDX_GUEST_DRIVER=y SEV_GUEST=y TSM_REPORTS=y)
	providers="the core, four providers, configfs-tsm, tdx-guest and sev-guest"
fi
w1=${extra[*]:+ ${extra[*]}}

t0=$SECONDS
expect "$kernel modular: Kconfig keeps every symbol$([ "$snp" = 0 ] && echo ', SEV-SNP off without AMD_MEM_ENCRYPT')" \
	configure "${modular[@]}"
if build modules "${extra[@]}"; then
	kos=$(cd "$tree/drivers/virt/coco/tsm-rtmr" && find . -maxdepth 1 -name '*.ko' | LC_ALL=C sort | tr '\n' ' ')
	if [ "$kos" = "$want" ]; then
		ok "$kernel modular: make modules${w1} builds ${kos% } ($((SECONDS - t0)) s)"
	else
		not_ok "$kernel modular: make modules built '$kos', expected '$want'"
	fi
else
	not_ok "$kernel modular: make modules${w1}"
fi

# The first make rebuilt objtool: its dependency files name the absolute
# path the debug tree was built at. The result is the same, but newer, and
# every built-in object depends on the binary; give objtool's build back the
# original's time so that "make vmlinux" rebuilds only what the new symbols
# touch, not the whole kernel (gen_objtooldep in Makefile.build).
orig=$KDIR/tools/objtool/objtool
[ -e "$orig" ] &&
	find "$tree/tools/objtool" -newer "$orig" -exec touch -h -r "$orig" {} +

t0=$SECONDS
expect "$kernel built-in: Kconfig keeps every symbol =y" configure "${builtin[@]}"
if has_configfs_tsm "$kernel"; then
	# W=1 over what is built in here, before vmlinux recompiles it
	# without.
	if build drivers/virt/coco/ "${extra[@]}"; then
		ok "$kernel built-in: drivers/virt/coco/${w1} compiles with configfs-tsm, tdx-guest, sev-guest ($((SECONDS - t0)) s)"
	else
		not_ok "$kernel built-in: make drivers/virt/coco/${w1}"
	fi
	t0=$SECONDS
fi
# modpost's section-mismatch check runs over vmlinux.o here; build()
# fails on any warning that names our files.
if build vmlinux &&
	grep -q ' tsm_rtmr_register$' "$tree/System.map"; then
	ok "$kernel built-in: vmlinux links with $providers ($((SECONDS - t0)) s)"
else
	not_ok "$kernel built-in: make vmlinux"
fi
finish
