#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-test of run-vm.sh (not part of "make check": seven VM boots, ~1.5
# min). Checks that the guest's exit status comes back, that the TPM and
# the tools are there, that a hung guest is killed at the timeout and that
# a kernel warning, a "kernel BUG at" line, an "invalid opcode" line or a
# panic fails the run. Prints TAP.

set -uo pipefail

vm=$(cd "$(dirname "$0")" && pwd)/run-vm.sh
n=0 failed=0
check() {	# check DESCRIPTION EXPECTED_RC ACTUAL_RC OUTPUT_FILE REGEX
	n=$((n + 1))
	if [ "$3" = "$2" ] && grep -Eq -- "$5" "$4"; then
		echo "ok $n - $1"
	else
		failed=$((failed + 1))
		echo "not ok $n - $1 (exit $3, expected $2)"
		sed 's/^/# /' "$4"
	fi
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT

"$vm" --quiet -- 'uname -r; ls /dev/tpm0 /dev/tpmrm0; modprobe configfs &&
	grep -q configfs /proc/mounts && tpm2_pcrread sha256:16; exit 3' > "$out" 2>&1
check "exit status and TPM" 3 $? "$out" '16: 0x0{64}'

"$vm" --quiet --timeout 20 -- 'sleep 1000' > "$out" 2>&1
check "timeout" 124 $? "$out" '^not ok - vm: timeout after 20 s'

"$vm" --quiet --no-tpm -- 'echo "WARNING: harness self-test" > /dev/kmsg' > "$out" 2>&1
check "console warning fails the run" 1 $? "$out" '^not ok - vm: kernel console: .*WARNING: harness self-test'

# A BUG_ON() prints these two lines, neither with "BUG:" in it.
"$vm" --quiet --no-tpm -- 'echo "kernel BUG at harness-self-test.c:1!" > /dev/kmsg' > "$out" 2>&1
check "console 'kernel BUG at' fails the run" 1 $? "$out" '^not ok - vm: kernel console: .*kernel BUG at harness-self-test'

"$vm" --quiet --no-tpm -- 'echo "invalid opcode: 0000 [#1] harness self-test" > /dev/kmsg' > "$out" 2>&1
check "console 'invalid opcode' fails the run" 1 $? "$out" '^not ok - vm: kernel console: .*invalid opcode: 0000 \[#1\] harness self-test'

"$vm" --quiet --no-tpm -- 'echo c > /proc/sysrq-trigger' > "$out" 2>&1
check "panic fails the run" 125 $? "$out" '^not ok - vm: kernel console: .*(Kernel panic|Oops|BUG:)'

shared=$(mktemp -d)
echo from-host > "$shared/in"
"$vm" --quiet --no-tpm --share "$shared" -- 'cat /host/in && echo from-guest > /host/out' > "$out" 2>&1
rc=$?
grep -q from-guest "$shared/out" 2>/dev/null || rc=99
rm -rf "$shared"
check "--share" 0 "$rc" "$out" 'from-host'

echo "1..$n"
[ "$failed" = 0 ]
