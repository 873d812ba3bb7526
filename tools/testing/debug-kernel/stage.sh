#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One stage of the debug-kernel tier on one kernel series, as TAP: make
# check's rows dbg-<stage>-<series> (tools/testing/check.sh; what each
# proves and how long it takes: tools/testing/README.md).
#
#   stage.sh build|kunit|kunit-only|stress|enomem SERIES
#
#   build        the guest programs (the CLI and kselftests, stress, limits,
#                the ABI fuzzer), the debug kernel (build.sh; cached) and
#                the modules built against it, with the KUnit suites
#   kunit        the KUnit suites (KTAP from the console, one TAP line per
#                case) and every kselftest (/tests/tsm-rtmr/run_tests.sh)
#   kunit-only   the KUnit suites alone (a short boot)
#   stress       the stress and fault campaign, the ABI fuzzer (also with
#                threads sharing fds) and the resource limits
#                (tools/testing/{stress,abi-fuzz})
#   enomem       ENOMEM injected while staging an event and while committing
#                (failslab + fail_page_alloc with a task filter:
#                selftests/tsm-rtmr/debug_enomem, which only a debug kernel
#                can run)
#
# The guest stages boot what "build" built (check.sh runs dbg-build-SERIES
# before the first of them). Every guest's console is scanned by run-vm.sh:
# a KASAN, lockdep, BUG/WARNING or kmemleak report fails the stage.
#
# Environment: RELIABILITY_SEED (default: the time), RELIABILITY_FULL=1 (the
# issue's sizes: 16 writers x 5000 commits, 300 s fuzz, 100 000 cycles;
# check.sh --full), else RELIABILITY_COMMITS (2000), RELIABILITY_FUZZ_SECS
# (60), RELIABILITY_CYCLES (5000). Exit non-zero on failure.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
cd "$top" || exit 2
# shellcheck source=tools/testing/lib/kernels.sh
. tools/testing/lib/kernels.sh

stage=${1:-} k=${2:-}
case $stage in
build|kunit|kunit-only|stress|enomem) ;;
*) echo "stage.sh: build, kunit, kunit-only, stress or enomem, not '$stage'" >&2; exit 2 ;;
esac
kernel_known "$k" ||
	{ echo "stage.sh: a series of tools/testing/lib/kernels.sh, not '$k'" >&2; exit 2; }

seed=${RELIABILITY_SEED:-$(date +%s)}
if [ "${RELIABILITY_FULL:-0}" = 1 ]; then
	W=16 N=5000 FUZZ=300 CYCLES=100000 TMO=14400
else
	W=16 N=${RELIABILITY_COMMITS:-2000} FUZZ=${RELIABILITY_FUZZ_SECS:-60}
	CYCLES=${RELIABILITY_CYCLES:-5000} TMO=1500
fi
KUNIT_SUITES="tsm_rtmr_digest tsm_rtmr_record tsm_rtmr_log tsm_rtmr_commit tsm_rtmr_import"
mkdir -p build/vm
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# guest NAME -- COMMAND: a guest on debug kernel $k with the guest
# programs; a guest that fails without saying so gets a "not ok" line.
guest() {
	local name=$1 rc
	shift 2
	DEBUG_KERNEL_SKIP_BUILD=1 tools/testing/debug-kernel/run.sh \
		--debug-kernel "$k" --timeout "$TMO" --log-dir "build/vm/debug-$k-$name" \
		--copy tools/testing/stress/stress:/opt/rel/stress \
		--copy tools/testing/stress/limits:/opt/rel/limits \
		--copy tools/testing/abi-fuzz/abi-fuzz:/opt/rel/abi-fuzz \
		-- "$@" < /dev/null | tee "$out"
	rc=${PIPESTATUS[0]}
	if [ "$rc" != 0 ] && ! grep -q '^[[:space:]]*not ok' "$out"; then
		echo "not ok - debug kernel $k $name: guest exited $rc"
	fi
	return "$rc"
}

case $stage in
build)
	t0=$SECONDS
	if ! { make -s tools && make -s -C tools/testing/stress &&
		make -s -C tools/testing/abi-fuzz; } \
		> build/debug-guest-make.log 2>&1; then
		echo "not ok - building the CLI, selftests, stress and fuzz programs"
		sed 's/^/# /' build/debug-guest-make.log
		exit 1
	fi
	klog=build/debug-kernel-$k.log
	if tools/testing/debug-kernel/build.sh --kernel "$k" > "$klog" 2>&1; then
		echo "ok - debug kernel $k and modules built ($((SECONDS - t0)) s)"
	else
		echo "not ok - debug kernel $k build ($klog):"
		tail -n 20 "$klog" | sed 's/^/# /'
		exit 1
	fi
	;;
kunit|kunit-only)
	tests=true
	[ "$stage" = kunit ] && tests=/tests/tsm-rtmr/run_tests.sh
	guest kunit -- '
/sbin/modprobe tsm_rtmr || echo "not ok - modprobe tsm_rtmr (KUnit)"
'"$tests"
	rc=$?
	# shellcheck disable=SC2086 # a list of suite names
	tools/testing/debug-kernel/ktap2tap.sh "build/vm/debug-$k-kunit/console.log" \
		$KUNIT_SUITES || rc=1
	exit "$rc"
	;;
stress)
	echo "# debug kernel $k stress: seed $seed, ${W}x$N commits, fuzz ${FUZZ}s, $CYCLES cycles"
	guest stress -- "
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
	guest enomem -- '
/sbin/modprobe tsm_rtmr || echo "not ok - modprobe tsm_rtmr (enomem)"
/tests/tsm-rtmr/debug_enomem'
	;;
esac
