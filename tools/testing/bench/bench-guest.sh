#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the VM (run-vm.sh --share DIR): DIR holds bin/ (the benchmark
# programs), lib/ (their shared libraries) and out/ (results, written here).
#
#   bench-guest.sh [--smoke]
#
# Sections, in this order: import (tsm_rtmr_tpm: a log can only be imported
# into an empty log, so before anything commits to the TPM), tpm
# (tsm_rtmr_tpm, whose log then holds the imported records), log+memory (a
# fresh tsm_rtmr_sim, algs=sha384), core (the simulator reloaded with
# instances=4: one lock per provider, to tell the lock apart from the VM).
# BENCH_BOOT=N (run.sh's extra boots for more import samples): the import
# files are tagged import-bootN, the guest facts go to guest-info-bootN.txt.

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
	IMPORT="--reps 3 --import-n 1000"
	TPM="--reps 3 --tpm-n 5"
	LOG="--reps 3 --log-sizes 1000,10000 --rand-reads 200"
	CORE="--reps 3 --core-n 400 --writers 1,2,4,8"
else
	IMPORT="--reps ${BENCH_REPS:-11} --import-reps ${BENCH_IMPORT_REPS:-5}"
	IMPORT="$IMPORT --import-n ${BENCH_IMPORT_N:-100000}"
	TPM="--reps ${BENCH_REPS:-11} --tpm-n ${BENCH_TPM_N:-200}"
	LOG="--reps ${BENCH_REPS:-11} --log-sizes ${BENCH_LOG_SIZES:-10000,100000,1000000}"
	CORE="--reps ${BENCH_REPS:-11} --core-n ${BENCH_CORE_N:-20000}"
fi

boot=${BENCH_BOOT:-}
info=$out/guest-info${boot:+-boot$boot}.txt
{
	echo "mode=$mode"
	echo "guest_kernel=$(uname -r)"
	echo "guest_cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
	echo "guest_cpus=$(grep -c ^processor /proc/cpuinfo)"
	echo "guest_mem_kb=$(awk '/MemTotal/ {print $2}' /proc/meminfo)"
	echo "clocksource=$(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
	echo "guest_cpu_flags=$(grep -m1 '^flags' /proc/cpuinfo | grep -o -w -E 'ssse3|avx|avx2|sha_ni' | tr '\n' ' ')"
} > "$info"

fail=0
sections=${BENCH_SECTIONS:-import tpm log core}
section() {	# name, then the command
	name=$1; shift
	case " $sections replay " in *" $name "*) ;; *) return 0 ;; esac
	echo "# bench: section $name: $*"
	t0=$(date +%s)
	if "$@" 2>&1; then
		echo "section_$name=ok $(( $(date +%s) - t0 ))" >> "$info"
	else
		echo "# bench: section $name FAILED"
		echo "section_$name=fail $(( $(date +%s) - t0 ))" >> "$info"
		fail=1
	fi
}

# Experiments (run.sh --core-ko): a patched core, loaded before its users.
if [ -f "$host/mods/tsm_rtmr.ko" ]; then
	modprobe configfs
	insmod "$host/mods/tsm_rtmr.ko" || { echo "# bench: insmod of the patched core failed"; exit 1; }
	echo "core_ko=patched" >> "$info"
fi
modprobe tsm_rtmr_tpm || { echo "# bench: modprobe tsm_rtmr_tpm failed"; fail=1; }
# The driver crypto_alloc_shash(NAME) gets: the highest priority; with a
# second argument "priority", "DRIVER (priority N)". Nothing if none.
driver() {
	awk -F '[[:space:]]*:[[:space:]]*' -v want="$1" -v prio="${2:-}" '
		/^name/ { n = $2 } /^driver/ { d = $2 }
		/^priority/ { if (n == want && (drv == "" || $2 + 0 > best + 0)) { best = $2; drv = d } }
		END { if (drv != "") print drv (prio != "" ? " (priority " best ")" : "") }' /proc/crypto
}
# The kernel's hash drivers, which the import's replay uses.
for a in sha256 sha384; do
	d=$(driver "$a" priority)
	[ -z "$d" ] || echo "crypto_$a=$d"
done >> "$info"
if [ -d /sys/kernel/security/tsm-rtmr/tpm ] && [ -e /dev/tpmrm0 ]; then
	# First: the tpm log must be empty.
	# shellcheck disable=SC2086
	section import $bench_esys --out "$out" --tag "import${boot:+-boot$boot}" $IMPORT import
	# shellcheck disable=SC2086
	section tpm $bench_esys --out "$out" --tag tpm $TPM tpm
	# tsm-rtmr really extended the TPM: its log replays to PCR 15.
	if command -v tsm-rtmr >/dev/null; then
		section replay tsm-rtmr replay -p tpm
	fi
fi

# Experiment (BENCH_SECTIONS=import-sim): where an import's time goes, on
# the simulator (tsm-rtmr-bench.c, import-sim): one bank or two, with the
# generic hash drivers and then, if VM_EXTRA_KMODS brought them
# ("sha256_ssse3 sha512_ssse3", and tcrypt for each driver's own speed),
# the x86 SIMD ones. BENCH_IMPORT_SIM_ALGS: the simulator's banks, one
# algs= per word ("sha256 sha384 sha256,sha384"). Leaves no simulator
# loaded.
# shellcheck disable=SC2317 # called through section()
import_sim() {
	for kind in generic simd; do
		if [ "$kind" = simd ]; then
			if ! modprobe sha256_ssse3 || ! modprobe sha512_ssse3; then
				echo "# bench: no SIMD hash drivers (VM_EXTRA_KMODS)"
				break
			fi
		fi
		for algs in ${BENCH_IMPORT_SIM_ALGS:-sha256 sha384 sha256,sha384}; do
			rmmod tsm_rtmr_sim 2>/dev/null
			modprobe tsm_rtmr_sim algs="$algs" nr_registers=7 || return 1
			label=
			for a in $(echo "$algs" | tr , ' '); do
				label="$label${label:++}$(driver "$a")"
			done
			# shellcheck disable=SC2086
			$bench --out "$out" --tag "import-sim-$kind-$(echo "$algs" | tr , +)" \
				$IMPORT_SIM --label "$label" import-sim || return 1
		done
		rmmod tsm_rtmr_sim
		# each driver's own speed on 64-byte inputs (one update)
		if [ -n "$(find "/lib/modules/$(uname -r)" -name 'tcrypt.ko*')" ]; then
			for a in sha256 sha384; do
				d=$(driver "$a")
				modprobe tcrypt mode=300 alg="$d" sec=1 2>/dev/null
				# the figures may follow on a line of their own
				dmesg | awk -v d="$d" '
					/test +2 \( +64 byte blocks/ { l = $0; want = !/opers/; next }
					want { l = l " " $0; want = 0 }
					END { print "# tcrypt " d ": " l }'
				rmmod tcrypt 2>/dev/null
			done
		fi
	done
}
case " $sections " in
*" import-sim "*)
	if [ $mode = smoke ]; then IMPORT_SIM="--reps 3 --import-n 1000"
	else IMPORT_SIM="--reps ${BENCH_REPS:-11} --import-n ${BENCH_IMPORT_N:-100000}"; fi
	section import-sim import_sim ;;
esac

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
