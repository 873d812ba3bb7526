#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Where the handles live next to configfs-tsm, in both load orders, and that
# neither module blocks the other's load or unload; the CLI commits and
# replays with no path given (no TSM_RTMR_CONFIGFS: the lookup rule of
# Documentation/ABI/testing/configfs-tsm-rtmr). Busybox sh, as root in the
# test guest; TAP.
#
# On a kernel with configfs-tsm as a module ("tsm", CONFIG_TSM_REPORTS=m,
# 6.7+: Debian's 6.12), which owns configfs "tsm" whenever it is loaded:
#   A. tsm, then tsm_rtmr: the handles are in tsm-rtmr/rtmrs, tsm/ stays
#      configfs-tsm's; the CLI finds them; tsm unloads and loads again under
#      a loaded tsm_rtmr with a log entry; tsm_rtmr unloads under tsm;
#   B. tsm_rtmr, then tsm: the same place (tsm_rtmr decides at build time,
#      not by what is loaded), tsm is not blocked; a handle stays usable
#      while tsm unloads; tsm_rtmr unloads first, then tsm.
# (tdx_guest, which loads tsm on a TDX guest, is loaded too where it can
# be; off TDX it refuses with ENODEV, and tsm alone stands for it.)
# On a kernel without configfs-tsm (Debian's 6.1): the handles are in
# tsm/rtmrs, tsm-rtmr/ does not exist, the CLI finds them, and tsm_rtmr
# unloads and loads again.
#
# It unloads tsm_rtmr, so it needs no provider log with entries (which pins
# the core): run_tests.sh runs it before test_tpm.sh and test_cli.sh. It
# leaves tsm_rtmr loaded, and tsm where the kernel has it, as on a TDX or
# SEV-SNP guest, so the tests after it run next to configfs-tsm.

. "$(dirname "$0")/cfs_root.sh"

# kmod's modprobe: Debian's 6.12 modules are xz-compressed, which the
# busybox applet cannot load.
MODPROBE=/sbin/modprobe
TSM_RTMR=${TSM_RTMR:-$(command -v tsm-rtmr || echo /usr/bin/tsm-rtmr)}
CFG=/sys/kernel/config
TSM=$CFG/tsm
TSM_RTMRS=$CFG/tsm/rtmrs
OWN_RTMRS=$CFG/tsm-rtmr/rtmrs
SFS=/sys/kernel/security/tsm-rtmr
SAYS_WHERE='tsm_rtmr: configfs "tsm" is configfs-tsm'"'"'s (CONFIG_TSM_REPORTS): using /sys/kernel/config/tsm-rtmr/rtmrs'
TMP=$(mktemp -d) || exit 1
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); echo "not ok $n - $*"; failed=$((failed + 1)); }
diag() { sed 's/^/# /'; }
check() {
	desc=$1
	shift
	if "$@" > "$TMP/out" 2>&1; then
		ok "$desc"
	else
		nok "$desc"
		diag < "$TMP/out"
	fi
}
finish() {
	rm -rf "$TMP"
	echo "1..$n"
	[ "$failed" = 0 ]
	exit $?
}

loaded() { [ -d "/sys/module/$1" ]; }
# Only a module with a reference count is a loadable module (not built in).
is_module() { [ -e "/sys/module/$1/refcnt" ]; }

# Every handle gone, every module of ours and configfs-tsm's unloaded.
unload_all() {
	for d in "$TSM_RTMRS" "$OWN_RTMRS"; do
		for h in "$d"/*; do
			[ -d "$h" ] && rmdir "$h"
		done
	done
	for m in tsm_rtmr_sim tsm_rtmr_tpm tsm_rtmr_snp_vtpm \
		tsm_rtmr_tpm_provider tsm_rtmr_tdx tsm_rtmr tdx_guest sev_guest \
		tsm; do
		loaded "$m" && is_module "$m" && $MODPROBE -r "$m"
	done
	for m in tsm_rtmr tsm; do
		if loaded "$m"; then
			echo "$m is still loaded"
			return 1
		fi
	done
}

# modprobe -r that must leave the module gone.
unload() { $MODPROBE -r "$1" && ! loaded "$1"; }

# How many times the kernel has said where the handles are.
says_where() { dmesg | grep -cF "$SAYS_WHERE"; }

# The CLI, told nothing: one entry on simulator register 0, then a replay
# of the whole log compared with the live registers. $1 names the entry.
cli_commit_replay() {
	c0=$(cat "$SFS/sim/count") || return 1
	env -u TSM_RTMR_CONFIGFS "$TSM_RTMR" extend -p sim -i 0 -s "$1" &&
		env -u TSM_RTMR_CONFIGFS "$TSM_RTMR" replay -p sim &&
		[ "$(cat "$SFS/sim/count")" = $((c0 + 1)) ]
}

# The handle directory is $1 and only $1; configfs-tsm's tsm/ is as $2
# says (present, absent).
handles_in() {
	[ -d "$1" ] || { echo "no $1"; return 1; }
	[ "$(cfs_root)" = "$1" ] || { echo "the lookup rule finds '$(cfs_root)'"; return 1; }
	case $1 in
	"$OWN_RTMRS") [ ! -e "$TSM_RTMRS" ] || { echo "$TSM_RTMRS exists too"; return 1; } ;;
	"$TSM_RTMRS") [ ! -e "$CFG/tsm-rtmr" ] || { echo "$CFG/tsm-rtmr exists too"; return 1; } ;;
	esac
	case $2 in
	present) [ -d "$TSM/report" ] || { echo "no $TSM/report (configfs-tsm's)"; return 1; } ;;
	absent) [ ! -e "$TSM" ] || { echo "$TSM exists"; return 1; } ;;
	esac
}

tsm_rtmr_load() {
	$MODPROBE tsm_rtmr && loaded tsm_rtmr
}

sim_load() {
	$MODPROBE tsm_rtmr_sim && [ -e "$SFS/sim/count" ]
}

# configfs-tsm and, where it loads, the guest driver that loads it at boot.
others_load() {
	$MODPROBE tsm && loaded tsm || return 1
	[ "$tdx" = 1 ] || return 0
	$MODPROBE tdx_guest && loaded tdx_guest
}

others_unload() {
	if [ "$tdx" = 1 ]; then
		unload tdx_guest || return 1
	fi
	unload tsm && [ ! -e "$TSM" ]
}

echo "TAP version 13"
[ -x "$TSM_RTMR" ] || echo "# $TSM_RTMR is not built (make tools): the CLI checks fail"
check "tsm_rtmr, its providers and configfs-tsm unloaded" unload_all

if ! /sbin/modinfo tsm > /dev/null 2>&1; then
	# -------------------------------------------------------------------
	echo "# $(uname -r): no configfs-tsm (module tsm); tsm_rtmr owns configfs \"tsm\""
	check "tsm_rtmr loads" tsm_rtmr_load
	check "handles in $TSM_RTMRS, no $CFG/tsm-rtmr; the lookup rule finds them" \
		handles_in "$TSM_RTMRS" -
	check "simulator loads" sim_load
	check "CLI with no path given: extend, then replay matches the registers" \
		cli_commit_replay "no configfs-tsm"
	check "simulator unloads" unload tsm_rtmr_sim
	check "tsm_rtmr unloads (modprobe -r), its configfs tree goes" \
		eval 'unload tsm_rtmr && [ ! -e "$TSM" ]'
	check "tsm_rtmr loads again, handles in $TSM_RTMRS" \
		eval 'tsm_rtmr_load && handles_in "$TSM_RTMRS" -'
	finish
fi

if ! is_module tsm && loaded tsm; then
	nok "configfs-tsm is built in: this test knows it only as a module"
	finish
fi

# tdx_guest loads tsm on a TDX guest; elsewhere it refuses.
tdx=0
if $MODPROBE tdx_guest 2> "$TMP/tdx"; then
	tdx=1
	echo "# tdx_guest loads (a TDX guest): it stands with tsm in both orders"
	unload tdx_guest
else
	echo "# tdx_guest does not load here ($(cat "$TMP/tdx")): a non-TDX guest, tsm alone"
fi
check "tdx_guest and tsm unloaded again" eval '! loaded tdx_guest && unload_all'

# ---------------------------------------------------------------------------
echo "# A: configfs-tsm first, then tsm_rtmr"
check "tsm loads first: $TSM is configfs-tsm's" \
	eval 'others_load && [ -d "$TSM/report" ]'
w0=$(says_where)
check "tsm_rtmr loads after tsm" tsm_rtmr_load
check "handles in $OWN_RTMRS, no $TSM_RTMRS; the lookup rule finds them" \
	handles_in "$OWN_RTMRS" present
check "tsm_rtmr says in the kernel log where the handles are, and why" \
	[ "$(says_where)" = $((w0 + 1)) ]
check "simulator loads" sim_load
check "CLI with no path given: extend, then replay matches the registers" \
	cli_commit_replay "A: tsm loaded first"
check "tsm unloads under tsm_rtmr with a log entry (modprobe -r)" others_unload
check "the handles stay in $OWN_RTMRS" handles_in "$OWN_RTMRS" absent
check "CLI: extend and replay after tsm left" \
	cli_commit_replay "A: after tsm unloaded"
check "tsm loads again next to tsm_rtmr" \
	eval 'others_load && handles_in "$OWN_RTMRS" present'
check "simulator unloads, its log with it" unload tsm_rtmr_sim
check "tsm_rtmr unloads under tsm (modprobe -r); $TSM stays configfs-tsm's" \
	eval 'unload tsm_rtmr && [ ! -e "$CFG/tsm-rtmr" ] && [ -d "$TSM/report" ]'
check "tsm unloads last" others_unload

# ---------------------------------------------------------------------------
echo "# B: tsm_rtmr first, then configfs-tsm"
w0=$(says_where)
check "tsm_rtmr loads first" tsm_rtmr_load
check "handles in $OWN_RTMRS although tsm is not loaded; no $TSM" \
	handles_in "$OWN_RTMRS" absent
check "tsm_rtmr says in the kernel log where the handles are, and why" \
	[ "$(says_where)" = $((w0 + 1)) ]
check "tsm loads after tsm_rtmr: configfs \"tsm\" is free for it" \
	eval 'others_load && [ -d "$TSM/report" ]'
check "handles in $OWN_RTMRS, no $TSM_RTMRS; the lookup rule finds them" \
	handles_in "$OWN_RTMRS" present
check "simulator loads" sim_load
check "CLI with no path given: extend, then replay matches the registers" \
	cli_commit_replay "B: tsm_rtmr loaded first"
check "a handle made next to tsm stays usable while tsm unloads" \
	eval 'mkdir "$OWN_RTMRS/held" && echo sim > "$OWN_RTMRS/held/provider" &&
		others_unload && echo 1 > "$OWN_RTMRS/held/index" &&
		[ "$(cat "$OWN_RTMRS/held/provider")" = sim ] &&
		rmdir "$OWN_RTMRS/held"'
check "tsm loads again" others_load
check "simulator unloads, its log with it" unload tsm_rtmr_sim
check "tsm_rtmr unloads first (modprobe -r); $TSM stays" \
	eval 'unload tsm_rtmr && [ ! -e "$CFG/tsm-rtmr" ] && [ -d "$TSM/report" ]'
check "tsm unloads last" others_unload

# As a TDX or SEV-SNP guest boots: configfs-tsm, then tsm_rtmr.
check "tsm, then tsm_rtmr, loaded for the tests after this one" \
	eval 'others_load && tsm_rtmr_load && handles_in "$OWN_RTMRS" present'
finish
