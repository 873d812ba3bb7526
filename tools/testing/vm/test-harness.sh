#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-test of run-vm.sh (not part of "make check": eight VM boots, ~2
# min). Checks that the guest's exit status comes back, that the TPM and
# the tools are there, that a hung guest is killed at the timeout and that
# a kernel warning, a "kernel BUG at" line, an "invalid opcode" line or a
# panic fails the run; that a 6.12 guest gets its own release's project
# modules and that --copy into /lib/modules keeps that release's module
# tree; and that mixing releases (image, --kver, project modules, --copy'd
# modules) is a harness error before anything boots. Builds the modules
# for every series of tools/testing/lib/kernels.sh first (make modules
# KERNEL=...); "6.1" below is the default series, "6.12" the second one.
# Prints TAP.

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

top=$(cd "$(dirname "$0")/../../.." && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# The kernels and their modules, as "make check" has them.
# shellcheck source=tools/testing/lib/kernels.sh
. "$top/tools/testing/lib/kernels.sh"
s61=$(kernel_series | sed -n 1p) s612=$(kernel_series | sed -n 2p)
k61=$(newest_release "$s61") k612=$(newest_release "$s612")
for k in $(kernel_series); do
	make -s -C "$top" modules KERNEL=$k > /dev/null 2>&1 ||
		echo "# make modules KERNEL=$k failed"
done
mods61=$top/build/modules/$k61/drivers/virt/coco/tsm-rtmr

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

# 6.12: its own modules load; a file --copy'd under /lib/modules lands in
# the release's module tree instead of replacing /lib.
echo copied > "$out.copy"
"$vm" --quiet --no-tpm --kver "$s612" --copy "$out.copy:/lib/modules/$k612/extra/copied.txt" -- \
	'uname -r; cat /lib/modules/$(uname -r)/extra/copied.txt &&
	[ -f /lib/modules/$(uname -r)/modules.dep ] && [ -L /lib ] &&
	/sbin/modprobe tsm_rtmr_sim && ls /sys/kernel/config/tsm-rtmr/rtmrs > /dev/null &&
	echo "loaded: $(cat /sys/module/tsm_rtmr/srcversion)"; exit 5' > "$out" 2>&1
rc=$?
rm -f "$out.copy"
check "$s612 guest: its modules load, --copy keeps /lib" 5 "$rc" "$out" '^loaded: '

# Mixing releases: exit 2 before any boot, saying so.
"$vm" --quiet --kernel "/boot/vmlinuz-$k612" --kver "$k61" -- true > "$out" 2>&1
check "image of another release than --kver" 2 $? "$out" 'releases must not be mixed'
"$vm" --quiet --kver "$s612" --modules "$mods61" -- true > "$out" 2>&1
check "project modules of another release" 2 $? "$out" 'tsm_rtmr.*is built for .*releases must not be mixed'
"$vm" --quiet --kver "$s612" --copy "$mods61/tsm_rtmr.ko:/lib/modules/$k612/extra/tsm_rtmr.ko" -- true > "$out" 2>&1
check "--copy of a module of another release" 2 $? "$out" 'releases must not be mixed'
"$vm" --quiet --kver "$s612" --moddir "/lib/modules/$k61" -- true > "$out" 2>&1
check "module tree of another release" 2 $? "$out" 'releases must not be mixed'

echo "1..$n"
[ "$failed" = 0 ]
