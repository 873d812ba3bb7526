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
#   intree.sh [--kernel 6.1|6.12] [--keep]     prints TAP; exit non-zero on failure
#
# --kernel 6.1 (default): the debug kernel's tree (build.sh), fully built;
#   built-in is "make vmlinux". Its config lacks AMD_MEM_ENCRYPT, so the
#   SEV-SNP provider must stay off: that is Kconfig doing its job.
#
# --kernel 6.12: Debian's linux-source-6.12, configured from tinyconfig and
#   intree-6.12.config (TDX and SEV-SNP guests, configfs-tsm, TPM, KUnit)
#   and prepared ("make modules_prepare") once, cached in
#   ${TSM_RTMR_CACHE:-/var/cache/tsm-rtmr}/intree/. tsm-rtmr is wired in
#   next to configfs-tsm (after TSM_REPORTS in drivers/virt/coco/Kconfig,
#   after tsm.o in its Makefile). That tree has no vmlinux, so, with W=1:
#     modular   "make modules" with KBUILD_MODPOST_WARN=1: without
#               vmlinux.o modpost cannot resolve the kernel's own symbols
#               (lint.sh's builds against Debian's 6.12 headers, with their
#               Module.symvers, do check those)
#     built-in  "make drivers/virt/coco/", configfs-tsm and the TDX and
#               SEV-SNP guest drivers =y too; every object there linked
#               into one relocatable object (no symbol clash), and modpost's
#               section-mismatch check over it. Linking a 6.12 vmlinux is
#               for a 6.12 debug kernel's tree.
#
# Both times "make olddefconfig" must keep every symbol asked for.
# The copy lives in build/intree-<kernel>/ and is removed unless --keep is
# given.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
keep=0 kernel=6.1
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1 ;;
	--kernel) kernel=${2:-}; shift ;;
	*) echo "intree.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
case $kernel in
6.1|6.12) ;;
*) echo "intree.sh: --kernel 6.1 or 6.12, not '$kernel'" >&2; exit 2 ;;
esac
jobs=${JOBS:-$(nproc)}
work=$top/build/intree-$kernel
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

# prepare_612: print the path of the prepared linux-source-6.12 tree,
# preparing it first unless it is cached. Diagnostics on stderr.
prepare_612() {
	local fragment=$here/intree-6.12.config tarball srcver key cache dir tmp
	local line opt want have bad=0
	tarball=$(find /usr/src -maxdepth 1 -name 'linux-source-6.12.tar.*' | head -n1)
	[ -n "$tarball" ] ||
		{ echo "linux-source-6.12 is not installed (make deps)" >&2; return 1; }
	srcver=$(dpkg-query -W -f '${Version}' linux-source-6.12 2>/dev/null ||
		stat -c '%s %Y' "$tarball")
	# The key: what the tree is made of, and how (prepare version 1).
	key=$({ cat "$fragment"; echo "$srcver $(basename "$tarball") prepare-1"; } |
		sha256sum | cut -c1-16)
	cache=${TSM_RTMR_CACHE:-/var/cache/tsm-rtmr}/intree
	dir=$cache/$key
	mkdir -p "$cache" || return 1
	exec 9> "$cache/.lock"
	flock 9
	if [ ! -f "$dir/ready" ]; then
		tmp=$dir.tmp.$$
		rm -rf "$tmp"
		mkdir -p "$tmp"
		echo "intree: preparing linux-source $srcver in $tmp" >&2
		if ! { tar -xf "$tarball" -C "$tmp" &&
			mv "$tmp"/linux-source-6.12 "$tmp/src" &&
			(cd "$tmp/src" && make -s tinyconfig > /dev/null &&
			 scripts/kconfig/merge_config.sh -m .config "$fragment" > /dev/null &&
			 make -s olddefconfig); }; then
			rm -rf "$tmp"
			return 1
		fi
		while read -r line; do
			case $line in ''|'#'*) continue ;; esac
			opt=${line%%=*} want=${line#*=}
			if [ "$want" = n ]; then
				have=$(grep -E "^$opt=" "$tmp/src/.config" || true)
				[ -z "$have" ] && continue
			else
				have=$(grep -E "^$opt=" "$tmp/src/.config" || echo "$opt unset")
				[ "$have" = "$line" ] && continue
			fi
			echo "intree: config: wanted '$line', got '$have'" >&2
			bad=1
		done < "$fragment"
		if [ $bad = 1 ] || ! make -C "$tmp/src" -s -j"$jobs" modules_prepare \
			> "$tmp/prepare.log" 2>&1; then
			tail -n 20 "$tmp/prepare.log" >&2 2>/dev/null
			rm -rf "$tmp"
			return 1
		fi
		touch "$tmp/ready"
		mv "$tmp" "$dir"
		# Keep only the newest two prepared trees.
		# shellcheck disable=SC2012
		ls -dt "$cache"/*/ 2>/dev/null | tail -n +3 | xargs -r rm -rf
	fi
	flock -u 9
	echo "$dir/src"
}

if [ "$kernel" = 6.1 ]; then
	eval "$("$here/build.sh" --kernel-only --print-env 2>/dev/null)" || {
		not_ok "the debug kernel tree is not built (tools/testing/debug-kernel/build.sh)"
		finish
	}
else
	t0=$SECONDS
	KDIR=$(prepare_612) || {
		not_ok "could not prepare a linux-source-6.12 tree"
		finish
	}
	echo "# prepared tree $KDIR ($((SECONDS - t0)) s)"
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

# build TARGET [MAKE ARGS]: make, no warnings about our files. (No W=1 in
# the built debug tree: it would change every command line and rebuild the
# whole kernel; the M= build of build.sh is the strict one there. The
# prepared 6.12 tree has nothing built to lose: W=1.)
build() {
	local log=$work/${1//\//_}.log
	if ! make -C "$tree" -j"$jobs" "$@" > "$log" 2>&1; then
		tail -n 30 "$log" | sed 's/^/# /'
		return 1
	fi
	# Without vmlinux.o (6.12), modpost lists every kernel symbol a
	# module uses as undefined: not a warning about our code.
	if grep -E '(tsm-rtmr|tsm_rtmr).*(warning|WARNING)|(warning|WARNING).*(tsm-rtmr|tsm_rtmr)' "$log" |
		grep -Ev '^WARNING: modpost: "[^"]*" \[[^]]*\] undefined!$' > "$work/warnings"; then
		sed 's/^/# /' "$work/warnings"
		return 1
	fi
}

extra=()
want="./tsm_rtmr.ko ./tsm_rtmr_sim.ko ./tsm_rtmr_tdx.ko ./tsm_rtmr_tdx_kunit.ko ./tsm_rtmr_tpm.ko "
modular=(TSM_RTMR=m TSM_RTMR_SIM=m TSM_RTMR_TPM=m TSM_RTMR_TDX=m
	 TSM_RTMR_KUNIT_TEST=y TSM_RTMR_TDX_KUNIT_TEST=m)
builtin=(TSM_RTMR=y TSM_RTMR_SIM=y TSM_RTMR_TPM=y TSM_RTMR_TDX=y
	 TSM_RTMR_KUNIT_TEST=y TSM_RTMR_TDX_KUNIT_TEST=y)
if [ "$kernel" = 6.12 ]; then
	extra=(W=1)
	want="./tsm_rtmr.ko ./tsm_rtmr_sim.ko ./tsm_rtmr_snp_vtpm.ko ./tsm_rtmr_tdx.ko ./tsm_rtmr_tdx_kunit.ko ./tsm_rtmr_tpm.ko "
	modular+=(TSM_RTMR_SNP_VTPM=m TDX_GUEST_DRIVER=m SEV_GUEST=m TSM_REPORTS=m)
	builtin+=(TSM_RTMR_SNP_VTPM=y TDX_GUEST_DRIVER=y SEV_GUEST=y TSM_REPORTS=y)
fi

t0=$SECONDS
expect "$kernel modular: Kconfig keeps every symbol$([ "$snp" = 0 ] && echo ', SEV-SNP off without AMD_MEM_ENCRYPT')" \
	configure "${modular[@]}"
if [ "$kernel" = 6.12 ]; then
	build modules "${extra[@]}" KBUILD_MODPOST_WARN=1
else
	build modules
fi
# shellcheck disable=SC2181 # the if above is one command either way
if [ $? = 0 ]; then
	kos=$(cd "$tree/drivers/virt/coco/tsm-rtmr" && find . -maxdepth 1 -name '*.ko' | LC_ALL=C sort | tr '\n' ' ')
	if [ "$kos" = "$want" ]; then
		ok "$kernel modular: make modules builds ${kos% } ($((SECONDS - t0)) s)"
	else
		not_ok "$kernel modular: make modules built '$kos', expected '$want'"
	fi
else
	not_ok "$kernel modular: make modules"
fi

if [ "$kernel" = 6.1 ]; then
	# The first make rebuilt objtool: its dependency files name the
	# absolute path the debug tree was built at. The result is the same,
	# but newer, and every built-in object depends on the binary; give
	# objtool's build back the original's time so that "make vmlinux"
	# rebuilds only what the new symbols touch, not the whole kernel
	# (gen_objtooldep in Makefile.build).
	orig=$KDIR/tools/objtool/objtool
	[ -e "$orig" ] &&
		find "$tree/tools/objtool" -newer "$orig" -exec touch -h -r "$orig" {} +
fi

t0=$SECONDS
expect "$kernel built-in: Kconfig keeps every symbol =y" configure "${builtin[@]}"
if [ "$kernel" = 6.1 ]; then
	if build vmlinux &&
		grep -q ' tsm_rtmr_register$' "$tree/System.map"; then
		ok "6.1 built-in: vmlinux links with the core and three providers ($((SECONDS - t0)) s)"
	else
		not_ok "6.1 built-in: make vmlinux"
	fi
	finish
fi

# 6.12: compile drivers/virt/coco/ built in, then link what it holds.
if build drivers/virt/coco/ "${extra[@]}"; then
	ok "6.12 built-in: drivers/virt/coco/ compiles with configfs-tsm, tdx-guest, sev-guest ($((SECONDS - t0)) s)"
else
	not_ok "6.12 built-in: make drivers/virt/coco/"
	finish
fi
mkdir -p "$work/link"
if ld -m elf_x86_64 -r -o "$work/link/vmlinux.o" --whole-archive \
	"$tree/drivers/virt/coco/built-in.a" > "$work/link.log" 2>&1 &&
	nm "$work/link/vmlinux.o" | grep -q ' T tsm_rtmr_register$'; then
	ok "6.12 built-in: drivers/virt/coco/ links into one object, no symbol clash"
else
	sed 's/^/# /' "$work/link.log"
	not_ok "6.12 built-in: drivers/virt/coco/ links into one object"
fi
# modpost treats a file named vmlinux.o as the kernel: section mismatches.
if (cd "$work/link" && "$tree/scripts/mod/modpost" -M -o modpost.symvers vmlinux.o) \
	> "$work/modpost.log" 2>&1 && ! grep -q 'section mismatch' "$work/modpost.log"; then
	ok "6.12 built-in: no section mismatch"
else
	sed 's/^/# /' "$work/modpost.log"
	not_ok "6.12 built-in: modpost section-mismatch check"
fi
finish
