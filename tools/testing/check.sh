#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test spine of tsm-rtmr: one table of stages, the only one. "make
# check" runs every stage after building the modules and tools; "make
# check-quick" runs "quick". tools/testing/README.md says what each stage
# proves, on which kernel, and how long it takes.
#
#   check.sh [--full] [--seed N] [--list] [STAGE|GROUP...]
#
# Without STAGEs, every stage; --list prints the stages and their commands
# instead of running them.
#
# Stages that run once:
#   setup lint host provider-unit parser-fuzz        (first)
#   bench-smoke                                      (last)
# Stages that run per kernel series, as STAGE-<series> (vm-6.1, dbg-kunit-
# 6.12, ...), each series' list in its line of tools/testing/lib/kernels.sh:
#   vm          every kselftest (run_tests.sh) on Debian's kernel
#   vm-sim      the simulator kselftests (run_tests.sh --sim), make check-quick
#   vm-notpm    the rules that need a guest without a TPM (no_tpm.sh)
#   vm-kexec    test_import, then the log carried over a kexec (kexec_e2e.sh)
#   vm-cfstsm   configfs-tsm's load orders on Debian's own tsm.ko, and the
#               TDX emulator's TD quotes through it (test_tdx_emu)
#   vm-evidence evidence documents written in the guest (TDX emulator,
#               swtpm), verified on the host, tampered with, and checked
#               by referees that are not the project's code
#               (evidence/run.sh)
#   intree      the sources built in the debug kernel's tree (intree.sh)
#   dbg-build   the debug kernel and the modules against it (added before
#               the first dbg-* stage of its series)
#   dbg-kunit, dbg-kunit-only, dbg-stress, dbg-enomem
#               guests on the debug kernel (debug-kernel/stage.sh)
# Groups: a per-kernel STAGE without a series, on every series that lists
# it; "reliability", every intree and dbg-* stage of every series; "quick",
# lint host provider-unit vm-sim-<default series>.
#
# --full: on every series, intree dbg-kunit dbg-stress dbg-enomem (besides
# the rest of its list; instead of dbg-kunit-only) at the issue's sizes (debug-kernel/stage.sh). --seed N: the
# seed of the stress and fuzz programs (RELIABILITY_SEED; default the time).
#
# Each stage's stdout is TAP, streamed and saved to build/tap/<stage>.tap.
# A stage that fails without printing a "not ok" line gets one. Each kernel
# series' stages get a sub-total ("# kernel 6.12 (<release>): ..."); the
# last line is the tap-summary "N passed, M failed" of every stage; the exit
# status is non-zero on any failure.
#
# A VM stage boots the newest installed release of its series (run-vm.sh
# --kver 6.12), with the modules "make modules-all" built against that
# release's headers (build/modules/<release>/).

# No -e: a failing stage is recorded, and the next one still runs.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
# shellcheck source=tools/testing/lib/kernels.sh
. tools/testing/lib/kernels.sh
tapdir=build/tap

full=0 list=0 args=()
while [ $# -gt 0 ]; do
	case $1 in
	--full) full=1 ;;
	--list) list=1 ;;
	--seed) RELIABILITY_SEED=${2:?}; shift ;;
	-h|--help) sed -n '3,/^$/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) args+=("$1") ;;
	esac
	shift
done
export RELIABILITY_SEED=${RELIABILITY_SEED:-$(date +%s)}
[ $full = 0 ] || export RELIABILITY_FULL=1

FIRST_STAGES="setup lint host provider-unit parser-fuzz"
LAST_STAGES="bench-smoke"
PER_KERNEL="vm vm-sim vm-notpm vm-kexec vm-cfstsm vm-evidence intree dbg-build dbg-kunit dbg-kunit-only dbg-stress dbg-enomem"
QUICK_STAGES="lint host provider-unit vm-sim-$(default_series)"

series_stages() {	# series_stages SERIES: its stages, without the suffix
	local s
	s=$(kernel_stages "$1")
	# --full: the whole debug tier (dbg-kunit runs what dbg-kunit-only
	# does, and every kselftest).
	[ $full = 1 ] && s="${s//dbg-kunit-only/} intree dbg-kunit dbg-stress dbg-enomem"
	# Once each, in order of first appearance.
	echo "$s" | tr ' ' '\n' | awk 'NF && !seen[$0]++' | tr '\n' ' '
}

stage_kernel() {	# the series of a per-kernel stage, or nothing (status 1)
	local k=${1##*-} base
	kernel_known "$k" || return 1
	base=${1%-"$k"}
	[[ " $PER_KERNEL " == *" $base "* ]] || return 1
	echo "$k"
}

stage_cmd() {	# prints the command of a stage, or nothing to skip it
	local k base vm=tools/testing/vm/run-vm.sh
	case $1 in
	setup)	echo tools/testing/setup/fresh-setup.sh; return ;;
	lint)	echo tools/testing/lint/lint.sh; return ;;
	host|provider-unit|parser-fuzz)
		[ -f "tools/testing/$1/Makefile" ] &&
			echo make --no-print-directory -C "tools/testing/$1" check
		return 0 ;;
	bench-smoke)	echo tools/testing/bench/run.sh --smoke; return ;;
	esac
	k=$(stage_kernel "$1") || return 1
	base=${1%-"$k"}
	case $base in
	vm)	echo "$vm" --kver "$k" --timeout 1200 --log-dir "build/vm/check-$k" \
			-- /tests/tsm-rtmr/run_tests.sh ;;
	vm-sim)	echo "$vm" --kver "$k" --timeout 900 --log-dir "build/vm/check-sim-$k" \
			-- /tests/tsm-rtmr/run_tests.sh --sim ;;
	vm-notpm)
		echo "$vm" --kver "$k" --no-tpm --timeout 600 \
			--log-dir "build/vm/check-notpm-$k" -- /tests/tsm-rtmr/no_tpm.sh ;;
	vm-kexec)	# two boots: a kexec'd kernel that never runs the
		# command again fails the stage (run-vm.sh: no status)
		echo "$vm" --kver "$k" --kexec --timeout 900 \
			--log-dir "build/vm/check-kexec-$k" -- /tests/tsm-rtmr/kexec_e2e.sh ;;
	vm-cfstsm)	# and the TDX emulator's TD quotes, which need configfs-tsm
		# and are built against this kernel's headers only
		echo "$vm" --kver "$k" --timeout 600 --log-dir "build/vm/check-cfstsm-$k" \
			-- /tests/tsm-rtmr/run_tests.sh test_configfs_tsm.sh test_tdx_emu ;;
	vm-evidence)	# one boot; the host verifies what the guest wrote
		echo tools/testing/evidence/run.sh --kver "$k" ;;
	intree)	echo tools/testing/debug-kernel/intree.sh --kernel "$k" ;;
	dbg-*)	echo tools/testing/debug-kernel/stage.sh "${base#dbg-}" "$k" ;;
	*)	return 1 ;;
	esac
}

all_stages() {
	local k s
	echo "$FIRST_STAGES"
	for k in $(kernel_series); do
		for s in $(series_stages "$k"); do echo "$s-$k"; done
	done
	echo "$LAST_STAGES"
}

# The stages asked for, groups expanded.
stages=()
for a in "${args[@]:-$(all_stages | tr '\n' ' ')}"; do
	for s in $a; do
		case $s in
		quick)	read -ra q <<< "$QUICK_STAGES"; stages+=("${q[@]}") ;;
		reliability)
			for k in $(kernel_series); do
				for b in $(series_stages "$k"); do
					case $b in intree|dbg-*) stages+=("$b-$k") ;; esac
				done
			done ;;
		*)
			if [[ " $PER_KERNEL " == *" $s "* ]]; then
				n=${#stages[@]}
				for k in $(kernel_series); do
					[[ " $(series_stages "$k") " == *" $s "* ]] && stages+=("$s-$k")
				done
				[ ${#stages[@]} -gt "$n" ] || { echo "check.sh: no series lists '$s' (name one: $s-<series>)" >&2; exit 2; }
			else
				stages+=("$s")
			fi ;;
		esac
	done
done
# A debug-kernel guest needs its kernel and modules built first.
expanded=() have=' '
for s in "${stages[@]}"; do
	if [[ $s == dbg-* ]] && k=$(stage_kernel "$s") && [[ $have != *" dbg-build-$k "* ]]; then
		expanded+=("dbg-build-$k") have="$have dbg-build-$k "
	fi
	expanded+=("$s") have="$have $s "
done
stages=("${expanded[@]}")
for s in "${stages[@]}"; do
	stage_cmd "$s" > /dev/null || {
		echo "check.sh: unknown stage '$s' (stages: $(all_stages | tr '\n' ' ')and any of '$PER_KERNEL' with -<series>; groups: quick, reliability)" >&2
		exit 2
	}
done

if [ $list = 1 ]; then
	for s in "${stages[@]}"; do printf '%-22s %s\n' "$s" "$(stage_cmd "$s")"; done
	exit 0
fi

mkdir -p "$tapdir"
# Only this run's results go into the summary.
rm -f "$tapdir"/*.tap
for s in "${stages[@]}"; do
	case $s in dbg-*) echo "# debug-kernel stages: seed $RELIABILITY_SEED$([ $full = 1 ] && echo ', full sizes')"; break ;; esac
done

taps=() timings=()
total_start=$SECONDS
for s in "${stages[@]}"; do
	cmd=$(stage_cmd "$s")
	tap="$tapdir/$s.tap"
	if [ -z "$cmd" ]; then
		echo "# stage $s: skipped (tools/testing/$s does not exist)"
		timings+=("# time $s: skipped")
		continue
	fi
	echo "# stage $s: $cmd"
	start=$SECONDS
	# shellcheck disable=SC2086 # $cmd is a simple word list
	$cmd < /dev/null | tee "$tap"
	rc=${PIPESTATUS[0]}
	if [ "$rc" != 0 ] && ! grep -Eq '^[[:space:]]*not ok([^[:alnum:]_]|$)' "$tap"; then
		echo "not ok - $s exited $rc" | tee -a "$tap"
	fi
	taps+=("$tap")
	timings+=("# time $s: $((SECONDS - start)) s (exit $rc)")
	echo "${timings[-1]}"
done

echo "#"
printf '%s\n' "${timings[@]}"
echo "# time total: $((SECONDS - total_start)) s"
if [ ${#taps[@]} -eq 0 ]; then
	echo "0 passed, 0 failed"
	exit 1
fi
# Sub-totals: each kernel series' stages, then every other stage.
for k in $(kernel_series) ''; do
	sub=() names=''
	for t in "${taps[@]}"; do
		s=$(basename "$t" .tap)
		[ "$(stage_kernel "$s")" = "$k" ] || continue
		sub+=("$t") names="$names $s"
	done
	[ ${#sub[@]} -gt 0 ] || continue
	if [ -n "$k" ]; then
		rel=$(newest_release "$k")
		what="kernel $k (${rel:-not installed}):"
	else
		what="other stages:"
	fi
	echo "# $what$names: $(tools/testing/lib/tap-summary.sh "${sub[@]}")"
done
tools/testing/lib/tap-summary.sh "${taps[@]}"
