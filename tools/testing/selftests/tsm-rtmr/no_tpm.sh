#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run in a guest booted WITHOUT a TPM (run-vm.sh --no-tpm): the rules that
# need "no provider at all" or "no TPM", which the main boot cannot show
# because its TPM provider, once it has log entries, stays loaded.
dir=$(dirname "$0")
fail=0

"$dir/test_errno" || fail=1

echo "1..2"
dmesg -c > /dev/null
if modprobe tsm_rtmr_tpm 2>/dev/null; then
	echo "not ok 1 - tsm_rtmr_tpm loads without a TPM"
	fail=1
else
	echo "ok 1 - tsm_rtmr_tpm refuses to load without a TPM"
fi
if dmesg | grep -q "tsm_rtmr_tpm: no TPM chip"; then
	echo "ok 2 - tsm_rtmr_tpm says why: no TPM chip"
else
	echo "not ok 2 - tsm_rtmr_tpm refusal message missing"
	dmesg | tail -5 | sed 's/^/# /'
	fail=1
fi
exit $fail
