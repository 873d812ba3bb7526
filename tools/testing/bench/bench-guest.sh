#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the VM (run-vm.sh --share DIR): DIR holds bin/ (the benchmark
# programs), lib/ (their shared libraries) and out/ (results, written here).
#
#   bench-guest.sh [--smoke]
#
# Sections, in this order: tpm (tsm_rtmr_tpm), log+memory (a fresh
# tsm_rtmr_sim, algs=sha384), core (the simulator reloaded with instances=4:
# one lock per provider, to tell the lock apart from the VM).

set -u
host=/host
out=$host/out
mode=full
[ "${1:-}" = --smoke ] && mode=smoke
mkdir -p "$out" /tmp/bench
cp -a "$host/bin" "$host/lib" /tmp/bench/ || exit 2
export LD_LIBRARY_PATH="/tmp/bench/lib:${LD_LIBRARY_PATH:-}"
bench=/tmp/bench/bin/tsm-rtmr-bench
bench_esys=/tmp/bench/bin/tsm-rtmr-bench-esys

if [ $mode = smoke ]; then
	TPM="--reps 3 --tpm-n 5"
	LOG="--reps 3 --log-sizes 1000,10000 --rand-reads 200"
	CORE="--reps 3 --core-n 400 --writers 1,2,4,8"
else
	TPM="--reps ${BENCH_REPS:-11} --tpm-n ${BENCH_TPM_N:-200}"
	LOG="--reps ${BENCH_REPS:-11} --log-sizes ${BENCH_LOG_SIZES:-10000,100000,1000000}"
	CORE="--reps ${BENCH_REPS:-11} --core-n ${BENCH_CORE_N:-20000}"
fi

{
	echo "mode=$mode"
	echo "guest_kernel=$(uname -r)"
	echo "guest_cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
	echo "guest_cpus=$(grep -c ^processor /proc/cpuinfo)"
	echo "guest_mem_kb=$(awk '/MemTotal/ {print $2}' /proc/meminfo)"
	echo "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
} > "$out/guest-info.txt"

fail=0
sections=${BENCH_SECTIONS:-tpm log core}
section() {	# name, then the command
	name=$1; shift
	case " $sections replay " in *" $name "*) ;; *) return 0 ;; esac
	echo "# bench: section $name: $*"
	t0=$(date +%s)
	if "$@" 2>&1; then
		echo "section_$name=ok $(( $(date +%s) - t0 ))" >> "$out/guest-info.txt"
	else
		echo "# bench: section $name FAILED"
		echo "section_$name=fail $(( $(date +%s) - t0 ))" >> "$out/guest-info.txt"
		fail=1
	fi
}

# Experiments (run.sh --core-ko): a patched core, loaded before its users.
if [ -f "$host/mods/tsm_rtmr.ko" ]; then
	modprobe configfs
	insmod "$host/mods/tsm_rtmr.ko" || { echo "# bench: insmod of the patched core failed"; exit 1; }
	echo "core_ko=patched" >> "$out/guest-info.txt"
fi
modprobe tsm_rtmr_tpm || { echo "# bench: modprobe tsm_rtmr_tpm failed"; fail=1; }
if [ -d /sys/kernel/security/tsm-rtmr/tpm ] && [ -e /dev/tpmrm0 ]; then
	# shellcheck disable=SC2086
	section tpm $bench_esys --out "$out" --tag tpm $TPM tpm
	# tsm-rtmr really extended the TPM: its log replays to PCR 15.
	if command -v tsm-rtmr >/dev/null; then
		section replay tsm-rtmr replay -p tpm
	fi
fi

modprobe tsm_rtmr_sim algs=sha384 || { echo "# bench: modprobe tsm_rtmr_sim failed"; exit 1; }
# shellcheck disable=SC2086
section log $bench --out "$out" --tag log $LOG log

# A fresh simulator (its log goes with it) for the concurrency figures.
if ! { rmmod tsm_rtmr_sim && modprobe tsm_rtmr_sim algs=sha384 instances=4; }; then
	echo "# bench: reloading tsm_rtmr_sim failed"
	exit 1
fi
# shellcheck disable=SC2086
section core $bench --out "$out" --tag core $CORE core

sync
exit $fail
