#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run every test stage of tsm-rtmr; "make check" calls this after building
# the modules and tools.
#
#   check.sh [STAGE...]     (default: all stages, in this order)
#
#   setup          "make demo" and "make check" on a simulated fresh machine:
#                  no kernel headers until the set-up step installs them
#                  (tools/testing/fresh-setup.sh)
#   lint           checkpatch --strict; W=1 and sparse against Debian's 6.1
#                  and 6.12 headers                     (tools/testing/lint.sh)
#   host           host unit tests         (make -C tools/testing/host check)
#   provider-unit  provider unit tests     (make -C tools/testing/provider-unit check)
#   fuzz           fuzzers, short runs     (make -C tools/testing/fuzz check)
#   intree-6.12    the sources dropped into the 6.12 debug kernel's tree
#                  (linux-source-6.12) next to configfs-tsm, built modular
#                  and built-in, linked into its vmlinux (builds that
#                  kernel first unless cached; debug-kernel/intree.sh
#                  --kernel 6.12)
#   vm-6.1         kselftests (the TPM suite against swtpm, the CLI tests,
#                  configfs-tsm load orders) in one QEMU+swtpm guest booted
#                  with Debian's 6.1 kernel        (tools/testing/vm/run-vm.sh)
#   vm-notpm-6.1   the rules that need a guest without a TPM (no provider at
#                  mkdir: ENODEV; tsm_rtmr_tpm refuses to load), on 6.1
#   vm-kexec-6.1   the log carried over a kexec (issue 13), in a boot of
#                  its own: test_import first (it needs an empty TPM log),
#                  then commit, save, kexec into the same kernel, import,
#                  replay and quote (selftests/tsm-rtmr/kexec_e2e.sh,
#                  run-vm.sh --kexec), on 6.1
#   vm-6.12, vm-notpm-6.12, vm-kexec-6.12
#                  the same three on bookworm's 6.12 kernel
#                  (vm, vm-notpm and vm-kexec name a stage on both kernels)
#   bench-smoke    a short benchmark run, so the benchmark cannot rot
#   reliability    the debug kernels (KASAN, lockdep, kmemleak; built once
#                  and cached) from linux-source-6.12: KUnit, the
#                  kselftests, stress, ABI fuzz, limits, ENOMEM; and from
#                  linux-source-6.1: KUnit, ENOMEM, the in-tree build
#                  (tools/testing/reliability.sh; debug-kernel/README.md)
#
# Each stage's stdout is TAP, streamed and saved to build/tap/<stage>.tap.
# A stage that fails without printing a "not ok" line gets one. Each VM
# kernel's stages get a sub-total ("# kernel 6.12 (<release>): ..."); the
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
tapdir=build/tap
# The kernel series the VM stages boot (the Makefile's VM_KERNELS).
VM_KERNELS="6.1 6.12"
ALL_STAGES="setup lint host provider-unit fuzz intree-6.12"
for k in $VM_KERNELS; do ALL_STAGES="$ALL_STAGES vm-$k vm-notpm-$k vm-kexec-$k"; done
ALL_STAGES="$ALL_STAGES bench-smoke reliability"

stage_cmd() {	# prints the command of a stage, or nothing to skip it
	case $1 in
	setup)	echo tools/testing/fresh-setup.sh ;;
	lint)	echo tools/testing/lint.sh ;;
	host|provider-unit|fuzz)
		[ -f "tools/testing/$1/Makefile" ] &&
			echo make --no-print-directory -C "tools/testing/$1" check
		;;
	intree-6.12)
		echo tools/testing/debug-kernel/intree.sh --kernel 6.12 ;;
	vm-notpm-*)
		vm_kernel "$1" > /dev/null || return 1
		echo tools/testing/vm/run-vm.sh --kver "${1#vm-notpm-}" --no-tpm \
			--timeout 600 --log-dir "build/vm/check-notpm-${1#vm-notpm-}" \
			-- /tests/tsm-rtmr/no_tpm.sh ;;
	vm-kexec-*)	# two boots: a kexec'd kernel that never runs the
		# command again fails the stage (run-vm.sh: no status)
		vm_kernel "$1" > /dev/null || return 1
		echo tools/testing/vm/run-vm.sh --kver "${1#vm-kexec-}" --kexec \
			--timeout 900 --log-dir "build/vm/check-kexec-${1#vm-kexec-}" \
			-- /tests/tsm-rtmr/kexec_e2e.sh ;;
	vm-*)	vm_kernel "$1" > /dev/null || return 1
		echo tools/testing/vm/run-vm.sh --kver "${1#vm-}" --timeout 1200 \
			--log-dir "build/vm/check-${1#vm-}" -- /tests/tsm-rtmr/run_tests.sh ;;
	bench-smoke)	echo tools/testing/bench/run.sh --smoke ;;
	reliability)	echo tools/testing/reliability.sh ;;
	*)	return 1 ;;
	esac
	return 0
}

vm_kernel() {	# the kernel series of a VM stage, or nothing (status 1)
	local k
	case $1 in
	vm-notpm-*) k=${1#vm-notpm-} ;;
	vm-kexec-*) k=${1#vm-kexec-} ;;
	vm-*) k=${1#vm-} ;;
	*) return 1 ;;
	esac
	[[ " $VM_KERNELS " == *" $k "* ]] || return 1
	echo "$k"
}

stages=
for s in ${*:-$ALL_STAGES}; do
	case $s in	# vm, vm-notpm, vm-kexec: that stage on every VM kernel
	vm|vm-notpm|vm-kexec) for k in $VM_KERNELS; do stages="$stages $s-$k"; done ;;
	*) stages="$stages $s" ;;
	esac
done
for s in $stages; do
	stage_cmd "$s" > /dev/null || { echo "check.sh: unknown stage '$s' (stages: $ALL_STAGES; vm, vm-notpm and vm-kexec: on every kernel)" >&2; exit 2; }
done

mkdir -p "$tapdir"
# Only this run's results go into the summary.
rm -f "$tapdir"/*.tap

taps=() timings=()
total_start=$SECONDS
for s in $stages; do
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
# Sub-totals: each VM kernel's stages, then every other stage.
for k in $VM_KERNELS ''; do
	sub=() names=''
	for t in "${taps[@]}"; do
		s=$(basename "$t" .tap)
		[ "$(vm_kernel "$s")" = "$k" ] || continue
		sub+=("$t") names="$names $s"
	done
	[ ${#sub[@]} -gt 0 ] || continue
	if [ -n "$k" ]; then
		rel=$(find /boot -maxdepth 1 -name "vmlinuz-$k.*" | sed 's,.*/vmlinuz-,,' |
			sort -V | tail -n1)
		what="kernel $k (${rel:-not installed}):"
	else
		what="other stages:"
	fi
	echo "# $what$names: $(tools/testing/tap-summary.sh "${sub[@]}")"
done
tools/testing/tap-summary.sh "${taps[@]}"
