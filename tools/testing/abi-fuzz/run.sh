#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the tsm-rtmr ABI fuzzer in a guest.
#
#   run.sh [--debug-kernel] [--long] [--seconds N] [--procs N] [--threads N]
#          [--seed N]
#
# --debug-kernel  boot the debug kernel (KASAN, lockdep, kmemleak) through
#                 tools/testing/debug-kernel/run.sh; default: Debian's
#                 kernel through tools/testing/vm/run-vm.sh
# --long          1800 s (make abi-fuzz); default 60 s
# --threads N     threads per process sharing one set of open files (the
#                 fuzzer's -T); default 3, 0 turns the mode off
# The seed is printed first; a failure prints it again. Exit non-zero on
# any failed invariant or kernel console report.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
debug=0 secs=60 procs=4 threads=3 seed=$(date +%s)
while [ $# -gt 0 ]; do
	case $1 in
	--debug-kernel) debug=1 ;;
	--long) secs=1800 ;;
	--seconds) secs=${2:?}; shift ;;
	--procs) procs=${2:?}; shift ;;
	--threads) threads=${2:?}; shift ;;
	--seed) seed=${2:?}; shift ;;
	*) echo "run.sh: unknown option '$1'" >&2; exit 2 ;;
	esac
	shift
done

make -s -C "$here"
runner=("$top/tools/testing/vm/run-vm.sh")
[ $debug = 1 ] && runner=("$top/tools/testing/debug-kernel/run.sh")
mkdir -p "$top/build/vm"
echo "# abi-fuzz: seed $seed, $secs s, $procs processes x $threads threads on shared fds, $([ $debug = 1 ] && echo debug || echo Debian) kernel"
exec "${runner[@]}" --timeout $((secs + 900)) --log-dir "$top/build/vm/abi-fuzz" \
	--copy "$here/abi-fuzz:/opt/rel/abi-fuzz" -- "
/sbin/modprobe tsm_rtmr && /sbin/modprobe tsm_rtmr_sim algs=sha256,sha384 instances=2 || echo 'not ok - loading the modules'
/sbin/modprobe tsm_rtmr_tpm || echo '# no TPM provider'
/opt/rel/abi-fuzz -t $secs -j $procs -T $threads -R -s $seed"
