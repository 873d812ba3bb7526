#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# "make demo": boot Debian's kernel in QEMU with a fresh swtpm TPM 2.0
# (sha256 and sha384 banks), load tsm-rtmr with its TPM provider, extend
# PCR 14 and 15 through configfs, print the kernel's event log, and verify
# it with tpm2-tools against the PCRs and a TPM quote. The guest side is
# tools/testing/demo/demo-guest.sh. The last line is the verdict,
# "DEMO: PASS ..." or "DEMO: FAIL ..."; the exit status follows it.
#
#   demo.sh [--kver RELEASE|SERIES] [run-vm.sh options, e.g. --kvm or --timeout SEC]
#
# --kver: the kernel to boot, a release or a series (default: the default
# series of tools/testing/lib/kernels.sh, Debian's 6.1; "make demo
# KERNEL=6.12" passes bookworm's 6.12 release). Its modules must
# be built (make modules KERNEL=<series>, into build/modules/<release>/).

# No -e: a failed VM run must still reach the verdict below.
set -uo pipefail

top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 2
# shellcheck source=tools/testing/lib/kernels.sh
. tools/testing/lib/kernels.sh

kver=$(default_series)
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--kver) kver=${2:?}; shift 2 ;;
	*) args+=("$1"); shift ;;
	esac
done
# A series: its newest release in /boot, as run-vm.sh picks it.
if [[ $kver =~ ^[0-9]+\.[0-9]+$ ]]; then
	series=$kver
	kver=$(newest_release "$series")
	[ -n "$kver" ] || { echo "DEMO: FAIL — no $series kernel in /boot (make deps)"; exit 2; }
fi

mods=build/modules/$kver/drivers/virt/coco/tsm-rtmr
for ko in tsm_rtmr tsm_rtmr_tpm; do
	if [ ! -f "$mods/$ko.ko" ]; then
		echo "DEMO: FAIL — $ko.ko is not built for $kver (run 'make modules KERNEL=$(echo "$kver" | cut -d. -f1-2)')"
		exit 2
	fi
done

echo "tsm-rtmr demo: Linux $kver in QEMU (TCG unless --kvm) with a fresh swtpm TPM 2.0"

logs=build/vm/demo
echo "logs: $logs/test.log (guest output), $logs/console.log (kernel console)"

out=$(mktemp)
trap 'rm -f "$out"' EXIT
tools/testing/vm/run-vm.sh --kver "$kver" --timeout 600 --quiet --log-dir "$logs" "${args[@]}" \
	--copy tools/testing/demo/demo-guest.sh:/usr/libexec/tsm-rtmr/demo-guest.sh \
	-- sh /usr/libexec/tsm-rtmr/demo-guest.sh | tee "$out"
rc=${PIPESTATUS[0]}

# The guest printed its verdict; the harness may still fail the run after
# it (timeout, kernel warnings): then say so last.
if [ "$rc" != 0 ]; then
	if grep -q '^not ok - vm:' "$out"; then
		reason=$(grep '^not ok - vm:' "$out" | head -n1)
		echo "DEMO: FAIL — ${reason#not ok - }"
	elif ! grep -q '^DEMO: FAIL' "$out"; then
		echo "DEMO: FAIL — the guest exited $rc"
	fi
	exit 1
fi
grep -q '^DEMO: PASS' "$out" || { echo "DEMO: FAIL — no verdict from the guest"; exit 1; }
exit 0
