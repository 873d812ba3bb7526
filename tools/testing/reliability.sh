#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The reliability tier: a debug kernel (KASAN, lockdep, kmemleak, KUnit;
# built once per kernel and cached, tools/testing/debug-kernel/build.sh)
# from Debian's linux-source-6.12 and one from linux-source-6.1, guests on
# them, each with swtpm and the console scanned by run-vm.sh, and in-tree
# builds in their trees. The stages, on each kernel:
#
#   kunit              the KUnit suites (KTAP from the console, one TAP line
#                      per case) and every kselftest (/tests/tsm-rtmr)
#   kunit-only         the KUnit suites alone (a short boot)
#   stress             the stress and fault campaign, the ABI fuzzer and
#                      the resource limits (tools/testing/{stress,abi-fuzz})
#   enomem             ENOMEM injected while staging an event and while
#                      committing (failslab + fail_page_alloc with a task
#                      filter: selftests/tsm-rtmr/debug_enomem, which only
#                      a debug kernel can run)
#   intree             the sources dropped into a copy of the debug kernel's
#                      tree and built there, modular and built-in
#                      (debug-kernel/intree.sh --kernel K)
#
#   reliability.sh [--kernel 6.1|6.12]... [--full] [--seed N] [STAGE...]
#
# Without --kernel, both kernels; without STAGEs, each kernel's default
# stages, which fit "make check" in CI's time (debug-kernel/README.md has
# the timings behind them):
#
#   6.12   kunit stress enomem      (its intree build is make check's
#                                   stage intree-6.12)
#   6.1    kunit-only enomem intree
#
# Default sizes fit "make check" (see the figures printed as "# time");
# --full runs the issue's sizes: 16 writers x 5000 commits, a 30-minute
# fuzz run is "make fuzz-kernel" (abi-fuzz/run.sh --long), 100 000 cycles,
# and, without STAGEs, kunit stress enomem intree on each kernel.
# Prints TAP, a "# reliability K: N passed, M failed" line per kernel; the
# last line is the tap-summary; exit non-zero on failure.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
full=0 seed=${RELIABILITY_SEED:-$(date +%s)} stages=() kernels=()
while [ $# -gt 0 ]; do
	case $1 in
	--full) full=1 ;;
	--seed) seed=${2:?}; shift ;;
	--kernel)
		case ${2:-} in
		6.1|6.12) kernels+=("$2") ;;
		*) echo "reliability.sh: --kernel 6.1 or 6.12, not '${2:-}'" >&2; exit 2 ;;
		esac
		shift ;;
	kunit|kunit-only|stress|enomem|intree) stages+=("$1") ;;
	*) echo "reliability.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done
[ ${#kernels[@]} -gt 0 ] || kernels=(6.12 6.1)
default_stages() {	# default_stages KERNEL: what make check runs there
	[ $full = 1 ] && { echo kunit stress enomem intree; return; }
	case $1 in
	6.12) echo kunit stress enomem ;;
	6.1) echo kunit-only enomem intree ;;
	esac
}

if [ $full = 1 ]; then
	W=16 N=5000 FUZZ=300 CYCLES=100000 TMO=14400
else
	W=16 N=${RELIABILITY_COMMITS:-2000} FUZZ=${RELIABILITY_FUZZ_SECS:-60}
	CYCLES=${RELIABILITY_CYCLES:-5000} TMO=1500
fi
tapdir=build/tap
mkdir -p "$tapdir"
KUNIT_SUITES="tsm_rtmr_digest tsm_rtmr_record tsm_rtmr_log tsm_rtmr_commit tsm_rtmr_import tsm_rtmr_tdx"
taps=()
t_all=$SECONDS

echo "# reliability: seed $seed, ${W}x$N commits, fuzz ${FUZZ}s, $CYCLES cycles"

# Guest binaries: the CLI and the kselftests (run by the kunit stage), the
# stress and fuzz programs (static); the same for both kernels.
if ! { make -s tools && make -s -C tools/testing/stress &&
	make -s -C tools/testing/abi-fuzz; } \
	> build/reliability-make.log 2>&1; then
	echo "not ok - building the CLI, selftests, stress and fuzz programs"
	sed 's/^/# /' build/reliability-make.log
	echo "0 passed, 1 failed"
	exit 1
fi

collect() {	# collect NAME WHAT RC: keep a stage's TAP for the summary
	local tap=$tapdir/reliability-$k-$1.tap
	# A stage that failed without saying so gets a "not ok" line.
	if [ "$3" != 0 ] && ! grep -q '^[[:space:]]*not ok' "$tap"; then
		echo "not ok - reliability $k $1: $2 exited $3" | tee -a "$tap"
	fi
	ktaps+=("$tap")
}

run() {	# run NAME LOGDIR -- command: a guest on kernel $k
	local name=$1 logdir=$2
	shift 3
	DEBUG_KERNEL_SKIP_BUILD=1 tools/testing/debug-kernel/run.sh \
		--debug-kernel "$k" --timeout "$TMO" --log-dir "$logdir" \
		--copy tools/testing/stress/stress:/opt/rel/stress \
		--copy tools/testing/stress/limits:/opt/rel/limits \
		--copy tools/testing/abi-fuzz/abi-fuzz:/opt/rel/abi-fuzz \
		-- "$@" < /dev/null | tee "$tapdir/reliability-$k-$name.tap"
	collect "$name" guest "${PIPESTATUS[0]}"
}

for k in "${kernels[@]}"; do
	kstages=("${stages[@]}")
	[ ${#kstages[@]} -gt 0 ] || read -ra kstages <<< "$(default_stages "$k")"
	echo "# reliability $k: ${kstages[*]}"

	# The debug kernel and the modules built against it.
	t0=$SECONDS
	klog=build/debug-kernel-$k.log
	if tools/testing/debug-kernel/build.sh --kernel "$k" > "$klog" 2>&1; then
		echo "ok - debug kernel $k and modules built ($((SECONDS - t0)) s)" |
			tee "$tapdir/reliability-$k-build.tap"
	else
		{
			echo "not ok - debug kernel $k build ($klog):"
			tail -n 20 "$klog" | sed 's/^/# /'
		} | tee "$tapdir/reliability-$k-build.tap"
		kstages=()
	fi
	ktaps=("$tapdir/reliability-$k-build.tap")
	echo "# time $k debug-kernel: $((SECONDS - t0)) s"

	for s in "${kstages[@]}"; do
		t0=$SECONDS
		case $s in
		kunit|kunit-only)
			if [ "$s" = kunit ]; then
				tests=/tests/tsm-rtmr/run_tests.sh
			else
				tests=true
			fi
			run kselftests "build/vm/debug-$k-kunit" -- '
/sbin/modprobe tsm_rtmr || echo "not ok - modprobe tsm_rtmr (KUnit)"
/sbin/modprobe tsm_rtmr_tdx_kunit || echo "not ok - modprobe tsm_rtmr_tdx_kunit"
/sbin/rmmod tsm_rtmr_tdx_kunit
'"$tests"
			# shellcheck disable=SC2086 # a list of suite names
			tools/testing/debug-kernel/ktap2tap.sh "build/vm/debug-$k-kunit"/console.log \
				$KUNIT_SUITES > "$tapdir/reliability-$k-kunit.tap"
			cat "$tapdir/reliability-$k-kunit.tap"
			ktaps+=("$tapdir/reliability-$k-kunit.tap")
			;;
		stress)
			run stress "build/vm/debug-$k-stress" -- "
/sbin/modprobe tsm_rtmr && /sbin/modprobe tsm_rtmr_sim nr_registers=8 algs=sha256,sha384 instances=2 || echo 'not ok - loading the modules'
/sbin/modprobe tsm_rtmr_tpm || echo '# no TPM provider'
rc=0
t0=\$(date +%s); /opt/rel/stress -w $W -n $N -s $seed || rc=1
echo \"# time stress: \$((\$(date +%s) - t0)) s\"
t0=\$(date +%s); /opt/rel/stress -w $W -n $((N / 2)) -F -p sim -p sim1 -s $((seed + 1)) || rc=1
echo \"# time fault campaign: \$((\$(date +%s) - t0)) s\"
t0=\$(date +%s); /opt/rel/abi-fuzz -t $FUZZ -j 4 -T 3 -R -s $seed || rc=1
echo \"# time abi-fuzz: \$((\$(date +%s) - t0)) s\"
t0=\$(date +%s); /opt/rel/limits -c $CYCLES || rc=1
echo \"# time limits: \$((\$(date +%s) - t0)) s\"
exit \$rc"
			;;
		enomem)
			# Not a test_*: run_tests.sh (the Debian kernel too) leaves it out.
			run enomem "build/vm/debug-$k-enomem" -- '
/sbin/modprobe tsm_rtmr || echo "not ok - modprobe tsm_rtmr (enomem)"
/tests/tsm-rtmr/debug_enomem'
			;;
		intree)
			tools/testing/debug-kernel/intree.sh --kernel "$k" |
				tee "$tapdir/reliability-$k-intree.tap"
			collect intree intree.sh "${PIPESTATUS[0]}"
			;;
		esac
		echo "# time $k $s: $((SECONDS - t0)) s"
	done
	echo "# reliability $k: $(tools/testing/tap-summary.sh "${ktaps[@]}")"
	taps+=("${ktaps[@]}")
done
echo "# time reliability total: $((SECONDS - t_all)) s"
tools/testing/tap-summary.sh "${taps[@]}"
