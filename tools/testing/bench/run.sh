#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tsm-rtmr benchmarks: build the benchmark programs, boot the test VM
# (Debian's 6.1 kernel, swtpm TPM 2.0 with sha256+sha384 banks), run every
# section side by side in that one VM, then turn the figures into a Markdown
# table, CSV/JSON and a gnuplot PNG.
#
#   run.sh [--smoke] [--kvm] [--timeout SEC] [--out DIR]
#
#   --smoke     short run (well under 2 minutes with the VM boot) for
#               "make check": prints TAP lines "ok N - bench-smoke: ...";
#               targets are printed as comments, not judged
#   --kvm       pass --kvm to run-vm.sh (numbers are then not comparable
#               with the TCG ones; the table says which it was)
#   --timeout   VM wall-time limit (full 2400 s, smoke 110 s)
#   --out DIR   results directory (default build/bench/<UTC time>[-smoke])
#   --core-ko KO  experiment: load this tsm_rtmr.ko (a patched core built
#               against the same kernel) instead of the project's; results
#               stay under build/bench/, Documentation/bench/ is not touched
#
# Full runs also copy results.md and results.png to Documentation/bench/.
# Environment for full runs: BENCH_REPS (11), BENCH_TPM_N (200 commits per
# variant and round), BENCH_CORE_N (20000), BENCH_LOG_SIZES
# (10000,100000,1000000), BENCH_IMPORT_N (100000 records imported),
# BENCH_IMPORT_REPS (5 refused imports of each kind per boot),
# BENCH_IMPORT_BOOTS (3: a log is imported once per boot, so the import
# section runs again in BENCH_IMPORT_BOOTS - 1 boots of its own after the
# main one, ~2.5 min each, and its figures are merged), BENCH_MEM (guest
# MB, 2048). Experiments: BENCH_SECTIONS (a subset of "import tpm log
# core", or import-sim: where an import's time goes, on the simulator,
# with BENCH_IMPORT_SIM_ALGS and VM_EXTRA_KMODS, see bench-guest.sh; an
# experiment leaves Documentation/bench/ alone), BENCH_VM_ARGS (more
# run-vm.sh arguments, e.g. "--append idle=poll").

set -euo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
here=$top/tools/testing/bench
smoke=0 kvm=0 timeout='' out='' core_ko=''
while [ $# -gt 0 ]; do
	case $1 in
	--smoke) smoke=1; shift ;;
	--kvm) kvm=1; shift ;;
	--timeout) timeout=${2:?}; shift 2 ;;
	--out) out=${2:?}; shift 2 ;;
	--core-ko) core_ko=${2:?}; shift 2 ;;
	-h|--help) sed -n '/^#   run.sh/,/^# idle=poll/s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	esac
done

tapn=0
tap() {	# ok|not-ok, description
	tapn=$((tapn + 1))
	if [ "$1" = ok ]; then echo "ok $tapn - bench-smoke: $2"; else echo "not ok $tapn - bench-smoke: $2"; fi
}
fail() {
	if [ "$smoke" = 1 ]; then tap not-ok "$*"; else echo "run.sh: $*" >&2; fi
	exit 1
}

stamp=$(date -u +%Y%m%dT%H%M%SZ)
if [ -z "$out" ]; then
	out=$top/build/bench/$stamp
	[ "$smoke" = 1 ] && out=$out-smoke
	[ -n "$core_ko" ] && out=$out-core-ko
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
share=$out/share
rm -rf "$share"
mkdir -p "$share/bin" "$share/lib" "$share/out"

# --- build -----------------------------------------------------------------
if ! make -s -C "$here" OUT="$share/bin" > "$out/build.log" 2>&1; then
	cat "$out/build.log" >&2
	fail "building the benchmark programs"
fi
# The modules for Debian's 6.1 (build/modules/<release>/; a no-op when
# they are up to date), the kernel the VM boots.
make -s -C "$top" modules KERNEL=6.1 >> "$out/build.log" 2>&1 || fail "building the modules"
cp "$here/bench-guest.sh" "$share/"
if [ -n "$core_ko" ]; then
	mkdir -p "$share/mods"
	cp "$core_ko" "$share/mods/tsm_rtmr.ko" || fail "--core-ko: cannot copy $core_ko"
fi
# The ESYS build is dynamic: bring its libraries along (TSS2, libcrypto).
ldd "$share/bin/tsm-rtmr-bench-esys" | awk '/=> \// { print $3 }' |
	while read -r lib; do cp -L "$lib" "$share/lib/"; done

# --- run -------------------------------------------------------------------
vmargs=(--kver 6.1 --share "$share" --log-dir "$out/vm" --mem "${BENCH_MEM:-2048}")
if [ "$smoke" = 1 ]; then
	vmargs+=(--timeout "${timeout:-110}" --quiet)
	guest="sh /host/bench-guest.sh --smoke"
else
	vmargs+=(--timeout "${timeout:-2400}")
	guest="BENCH_REPS=${BENCH_REPS:-11} BENCH_TPM_N=${BENCH_TPM_N:-200}"
	guest="$guest BENCH_CORE_N=${BENCH_CORE_N:-20000}"
	guest="$guest BENCH_LOG_SIZES=${BENCH_LOG_SIZES:-10000,100000,1000000}"
	guest="$guest BENCH_IMPORT_N=${BENCH_IMPORT_N:-100000}"
	guest="$guest BENCH_IMPORT_REPS=${BENCH_IMPORT_REPS:-5}"
	guest="$guest sh /host/bench-guest.sh"
fi
[ "$kvm" = 1 ] && vmargs+=(--kvm)
# shellcheck disable=SC2206 # experiments: extra run-vm.sh words, e.g. --append idle=poll
[ -n "${BENCH_VM_ARGS:-}" ] && vmargs+=($BENCH_VM_ARGS)
[ -n "${BENCH_SECTIONS:-}" ] && guest="BENCH_SECTIONS='$BENCH_SECTIONS' $guest"
[ -n "${BENCH_IMPORT_SIM_ALGS:-}" ] && guest="BENCH_IMPORT_SIM_ALGS='$BENCH_IMPORT_SIM_ALGS' $guest"

t0=$SECONDS
set +e
if [ "$smoke" = 1 ]; then
	"$top/tools/testing/vm/run-vm.sh" "${vmargs[@]}" -- "$guest" > "$out/guest.log" 2>&1
	vmrc=$?
	sed 's/^/# /' "$out/guest.log"
else
	"$top/tools/testing/vm/run-vm.sh" "${vmargs[@]}" -- "$guest" 2>&1 | tee "$out/guest.log"
	vmrc=${PIPESTATUS[0]}
fi
# More import samples: a log is imported once per boot and provider, so
# the import section boots again on its own (a fresh swtpm each time).
import_raw=$share/out/import-raw.csv
if [ "$smoke" = 0 ] && [ "$vmrc" = 0 ] && [ -s "$import_raw" ]; then
	b=2
	while [ "$b" -le "${BENCH_IMPORT_BOOTS:-3}" ]; do
		vmb=() prev=''
		for a in "${vmargs[@]}"; do
			[ "$prev" = --log-dir ] && a=$out/vm-boot$b
			vmb+=("$a") prev=$a
		done
		"$top/tools/testing/vm/run-vm.sh" "${vmb[@]}" -- \
			"BENCH_SECTIONS=import BENCH_BOOT=$b BENCH_REPS=${BENCH_REPS:-11} BENCH_IMPORT_N=${BENCH_IMPORT_N:-100000} BENCH_IMPORT_REPS=${BENCH_IMPORT_REPS:-5} sh /host/bench-guest.sh" 2>&1 |
			tee "$out/guest-boot$b.log"
		vmrc=${PIPESTATUS[0]}
		[ "$vmrc" = 0 ] || break
		import_raw=$import_raw,$share/out/import-boot$b-raw.csv
		b=$((b + 1))
	done
	if [ "$vmrc" = 0 ] && [ "$b" -gt 2 ]; then
		"$share/bin/tsm-rtmr-bench" --out "$share/out" --tag import-all \
			--merge "$import_raw" import > "$out/import-merge.log" 2>&1 || vmrc=1
		cat "$out/import-merge.log"
	fi
fi
set -e
vm_secs=$((SECONDS - t0))
if [ "$smoke" = 1 ]; then
	if [ "$vmrc" = 0 ]; then tap ok "VM run, all sections ($vm_secs s)"
	else tap not-ok "VM run exited $vmrc ($vm_secs s; see $out/guest.log)"; fi
fi

# --- collect ---------------------------------------------------------------
res=$share/out
merge() {	# kind: concatenate <section>-<kind>.csv with one header
	local first=1 f
	local imp=import
	[ -s "$res/import-all-$1.csv" ] && imp=import-all
	for f in "$res/$imp-$1.csv" "$res"/import-sim-*-"$1".csv "$res"/tpm-"$1".csv "$res"/log-"$1".csv "$res"/core-"$1".csv; do
		[ -s "$f" ] || continue
		if [ $first = 1 ]; then cat "$f"; first=0; else tail -n +2 "$f"; fi
	done
}
merge summary > "$out/summary.csv"
merge ratios > "$out/ratios.csv"
merge raw > "$out/raw.csv"
cp "$res/guest-info.txt" "$out/" 2>/dev/null || true

info() { sed -n "s/^$1=//p" "$out/guest-info.txt" 2>/dev/null | head -n1; }
host_cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
accel=TCG
[ "$kvm" = 1 ] && accel=KVM
mode=full
[ "$smoke" = 1 ] && mode=smoke

for s in import tpm log core; do
	n=$(grep -c "^$s," "$out/summary.csv" 2>/dev/null || true)
	[ "$s" = log ] && n=$(grep -c -E '^(log|mem),' "$out/summary.csv" 2>/dev/null || true)
	if [ "$smoke" = 1 ]; then
		if [ "${n:-0}" -gt 0 ] && [ "$(info "section_$s" | cut -d' ' -f1)" = ok ]; then
			tap ok "section $s: $n figures"
		else
			tap not-ok "section $s: no figures (see $out/guest.log)"
		fi
	fi
done

# JSON: {"info": {...}, "summary": [...], "ratios": [...]}
{
	echo "{"
	echo "  \"info\": {"
	printf '    "date": "%s",\n    "mode": "%s",\n    "accel": "%s",\n    "host_cpu": "%s"' \
		"$stamp" "$mode" "$accel" "$host_cpu"
	[ -f "$out/guest-info.txt" ] && sed -E 's/"/\\"/g; s/^([^=]*)=(.*)$/,\n    "\1": "\2"/' "$out/guest-info.txt" | tr -d '\n' | sed 's/$/\n/' || echo
	echo "  },"
	echo "  \"summary\": ["
	awk -F, 'NR > 1 { printf "%s    {\"section\": \"%s\", \"metric\": \"%s\", \"param\": \"%s\", \"unit\": \"%s\", \"median\": %s, \"min\": %s, \"max\": %s, \"n\": %s}", sep, $1, $2, $3, $4, $5, $6, $7, $8; sep = ",\n" } END { print "" }' "$out/summary.csv"
	echo "  ],"
	echo "  \"ratios\": ["
	awk -F, 'NR > 1 { printf "%s    {\"name\": \"%s\", \"median\": %s, \"min\": %s, \"max\": %s, \"op\": \"%s\", \"target\": %s, \"verdict\": \"%s\"}", sep, $1, $2, $3, $4, $5, $6, $7; sep = ",\n" } END { print "" }' "$out/ratios.csv"
	echo "  ]"
	echo "}"
} > "$out/results.json"

# --- Markdown table --------------------------------------------------------
{
	echo "# tsm-rtmr benchmark results"
	echo
	echo "- date: $stamp ($mode run)"
	echo "- guest: Linux $(info guest_kernel), $(info guest_cpus) vCPUs ($(info guest_cpu)), $(( $(info guest_mem_kb || echo 0) / 1024 )) MiB, QEMU $accel, swtpm TPM 2.0 (sha256+sha384) on tpm-tis"
	echo "- host: $host_cpu, $(nproc) CPUs"
	[ -n "$core_ko" ] && echo "- EXPERIMENT: core module $(basename "$core_ko") from $(dirname "$core_ko") (not the project's)"
	if [ -s "$res/import-all-summary.csv" ]; then
		echo "- import: the accepted import once in each of $(grep -c '^import,accepted-import,' "$res/import-all-raw.csv") boots (the first is the main one), merged"
	fi
	echo "- every figure: median of the repetitions (n), with min and max; alternatives"
	echo "  compared run interleaved in each repetition, ratios are taken per repetition."
	echo "  Under TCG only ratios within one run mean anything."
	echo
	echo "## Ratios and targets"
	echo
	echo "| ratio | median | min | max | target | verdict |"
	echo "|---|---:|---:|---:|---|---|"
	awk -F, 'NR > 1 {
		t = ($5 == "info") ? "-" : $5 " " $6
		printf "| %s | %.3f | %.3f | %.3f | %s | %s |\n", $1, $2, $3, $4, t, $7 }' "$out/ratios.csv"
	echo
	echo "## Absolute figures"
	echo
	echo "| section | metric | param | median | min | max | unit | n |"
	echo "|---|---|---|---:|---:|---:|---|---:|"
	awk -F, 'NR > 1 { printf "| %s | %s | %s | %.4g | %.4g | %.4g | %s | %s |\n", $1, $2, $3, $5, $6, $7, $4, $8 }' "$out/summary.csv"
	echo
	echo "Definitions: tpm = entries/s committed on the TPM: tsm-rtmr-evN is a configfs"
	echo "commit with N bytes of event data through libtsm-rtmr's commit API (event and"
	echo "digest each a pwrite at offset 0 on a file kept open), raw-esys is"
	echo "Esys_PCR_Extend of the same digests through /dev/tpmrm0 (raw-esys-tpm0: through /dev/tpm0), peer-evN is the"
	echo "userspace flock log (open, flock, Esys_PCR_Extend, append record, fsync,"
	echo "unlock, close, on tmpfs). core = the simulator (sha384), W writer processes"
	echo "each with its own handle; us-per-commit is wall time / commits; -hashed: the"
	echo "writer hashes 64 bytes for its digests per commit (-event64-hashed: and logs"
	echo "them as the event data). log = reading"
	echo "binary_event_log whole (64 KiB reads) and 4 KiB preads at random offsets vs a"
	echo "tmpfs copy of the same bytes. mem = /proc/meminfo deltas per entry over fill"
	echo "segments of a tenth of the largest log. import = a crafted log (the tpm"
	echo "provider's header, N records of two banks and no event data, spread over PCRs"
	echo "8, 9, 11-15 and extended there directly with Esys_PCR_Extend first) written"
	echo "to tpm/import in one write(2), which is timed; accepted once per boot (a log"
	echo "is imported only into an empty one); refused imports of the same bytes with"
	echo "the last record's digest flipped (replayed whole, refused by the live PCR"
	echo "check) or the first record's digest count zeroed (copied in, refused at the"
	echo "first record); read = whole reads of the adopted binary_event_log as in log."
} > "$out/results.md"

# --- plot ------------------------------------------------------------------
plot_ok=0
if command -v gnuplot >/dev/null; then
	awk -F, '$1 == "tpm" { printf "\"%s\" %s %s %s\n", $2, $5, $6, $7 }' "$out/summary.csv" > "$out/tpm.dat"
	awk -F, '$1 == "core" && $2 == "us-per-commit" { print $3, $5, $6, $7 }' "$out/summary.csv" > "$out/core.dat"
	awk -F, '$1 == "core" && ($2 == "us-per-commit-own-provider" || ($2 == "us-per-commit" && $3 == 1)) { print $3, $5, $6, $7 }' "$out/summary.csv" > "$out/core-own.dat"
	awk -F, '$1 == "core" && $2 == "us-per-store-floor" { print $3, $5, $6, $7 }' "$out/summary.csv" > "$out/core-floor.dat"
	awk -F, '$1 == "log" && $2 == "read-whole-tsm-rtmr" { a[$3] = $5 " " $6 " " $7 }
		 $1 == "log" && $2 == "read-whole-tmpfs" { b[$3] = $5 " " $6 " " $7 }
		 END { for (k in a) print k, a[k], b[k] }' "$out/summary.csv" | sort -n > "$out/log.dat"
	awk -F, '$1 == "mem" && $2 ~ /per-entry$/ && $2 != "overhead-per-entry" { printf "\"%s\" %s %s %s\n", $2, $5, $6, $7 }
		 $1 == "mem" && $2 == "record-size" { printf "\"record\" %s %s %s\n", $5, $6, $7 }' \
		"$out/summary.csv" > "$out/mem.dat"
	if gnuplot -e "dir='$out'; title='tsm-rtmr $mode run $stamp, Linux $(info guest_kernel), QEMU $accel'" \
		"$here/plot.gp" > "$out/gnuplot.log" 2>&1; then
		plot_ok=1
	else
		cat "$out/gnuplot.log" >&2
	fi
else
	echo "run.sh: gnuplot not installed (apt-get install gnuplot-nox): no plot" >&2
fi

if [ "$smoke" = 1 ]; then
	if [ -s "$out/results.md" ] && [ "$plot_ok" = 1 ]; then
		tap ok "table, JSON and plot in $out"
	elif [ -s "$out/results.md" ] && ! command -v gnuplot >/dev/null; then
		tap ok "table and JSON in $out # SKIP plot: gnuplot not installed"
	else
		tap not-ok "table or plot missing in $out"
	fi
	sed -n '/^| ratio/,/^$/p' "$out/results.md" | sed 's/^/# /'
	# build/bench/smoke-latest: only for a run there (not --out elsewhere)
	[ "$(dirname "$out")" != "$top/build/bench" ] ||
		ln -sfn "$(basename "$out")" "$top/build/bench/smoke-latest"
	echo "1..$tapn"
	[ "$vmrc" = 0 ] || exit 1
	exit 0
fi

cat "$out/results.md"
if [ -n "$core_ko" ] || [ -n "${BENCH_SECTIONS:-}" ]; then
	echo "run.sh: an experiment (${core_ko:+--core-ko $core_ko}${BENCH_SECTIONS:+ BENCH_SECTIONS=$BENCH_SECTIONS}): results in $out (Documentation/bench/ left alone)" >&2
	[ "$vmrc" = 0 ] || exit 1
	exit 0
fi
[ "$(dirname "$out")" != "$top/build/bench" ] ||
	ln -sfn "$(basename "$out")" "$top/build/bench/latest"
if [ "$vmrc" = 0 ] && [ "$plot_ok" = 1 ]; then
	mkdir -p "$top/Documentation/bench"
	cp "$out/results.md" "$top/Documentation/bench/results.md"
	cp "$out/results.png" "$top/Documentation/bench/results.png"
	echo "run.sh: results in $out; copied results.md and results.png to Documentation/bench/" >&2
else
	echo "run.sh: VM exit $vmrc, plot $plot_ok: Documentation/bench/ left as it was; results in $out" >&2
	exit 1
fi
