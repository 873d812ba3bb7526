#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# End to end: the TPM log survives a kexec through a verified import (spec
# 5 `import`, 6.8; issue 13). Runs as the guest command of
#
#   tools/testing/vm/run-vm.sh --kexec -- /tests/tsm-rtmr/kexec_e2e.sh [-c]
#
# (check.sh stage vm-kexec-<kernel>), first thing in a fresh boot: test_import
# needs a TPM provider whose log is empty. busybox sh, TAP output, one line
# per assertion, numbered across both kernels; the plan comes last.
#
# Phase 1 (the booted kernel): run /tests/tsm-rtmr/test_import when it is
# built (its TAP indented as a subtest), load tsm_rtmr and tsm_rtmr_tpm,
# commit entries on PCR 14 and 15 with "tsm-rtmr extend", save the log
# ("tsm-rtmr log -f binary") once before the last commit (a log of another
# state) and once after, record tpm2_pcrread of PCR 14 and 15, pack the
# running rootfs with the saved files into a new initramfs, and kexec into
# the same kernel image (/boot/vmlinuz, put there by run-vm.sh --kexec) with
# that initramfs and "tsm_rtmr_kexec=phase2" added to the command line:
# kexec_file_load ("kexec -s", the default) or kexec_load (-c).
#
# Phase 2 (the kexec'd kernel; its /init runs this command again, which
# sees the marker): the PCRs kept their values, the new log is empty and
# no longer explains them (its replay lacks PCR 14 and 15; "tsm-rtmr quote"
# lists them as not in the log; "tsm-rtmr replay -p tpm" has nothing to
# compare and passes: its exit is only noted), "tsm-rtmr replay -p tpm FILE"
# fails for the stale log and passes for the saved one, the stale log's
# import is refused (exit 1, nothing changed), the saved log is imported
# (exit 0), count and both logs equal the old ones byte for byte, the
# provider is pinned, "tsm-rtmr replay" and "tsm-rtmr quote" pass, a commit
# appends at recnum N, and a second import is refused with EBUSY (exit 2).
#
# If phase 1 fails before the kexec, or the kexec returns, the script exits
# 1. If the new kernel never runs it, run-vm.sh reports that the guest never
# reported a status (or a timeout): the stage fails either way.

set -u

SEC=/sys/kernel/security/tsm-rtmr/tpm
STATE=/root/kexec-e2e	# on the rootfs: packed into the phase-2 initramfs
MARK=tsm_rtmr_kexec=phase2
TESTS=$(cd "$(dirname "$0")" && pwd)
TSM_RTMR=${TSM_RTMR:-$(command -v tsm-rtmr || echo /usr/bin/tsm-rtmr)}
export TPM2TOOLS_TCTI="${TPM2TOOLS_TCTI:-device:/dev/tpmrm0}"
PCRSEL=sha256:14,15+sha384:14,15
TMPD=$(mktemp -d)
mode=-s
[ "${1:-}" = -c ] && mode=-c

n=0
failed=0
if [ -f "$STATE/n" ]; then
	read -r n < "$STATE/n"
	read -r failed < "$STATE/failed"
fi

ok() { n=$((n + 1)); echo "ok $n - $*"; }
notok() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $*"; }
check() {	# check DESC CMD...: ok when CMD succeeds
	c_desc=$1
	shift
	if "$@"; then ok "$c_desc"; else notok "$c_desc"; fi
}
# shellcheck disable=SC2317 # called through check
differ() { [ -s "$1" ] && ! cmp -s "$1" "$2"; }	# FILE FILE
# shellcheck disable=SC2317
same() { [ -s "$1" ] && cmp -s "$1" "$2"; }	# FILE FILE, not empty
# expect RC DESC CMD...: run CMD, show its output as comments, ok when it
# exits RC.
expect() {
	e_want=$1 e_desc=$2
	shift 2
	"$@" > "$TMPD/out" 2>&1
	rc=$?
	sed 's/^/#   /' "$TMPD/out"
	if [ "$rc" = "$e_want" ]; then
		ok "$e_desc"
	else
		notok "$e_desc (exit $rc, expected $e_want)"
	fi
	return "$rc"
}
finish() {
	echo "1..$n"
	rm -rf "$TMPD"
	[ "$failed" = 0 ] && echo "# kexec_e2e: all passed" ||
		echo "# kexec_e2e: $failed FAILED"
	[ "$failed" = 0 ]
	exit
}
count() { cat "$SEC/count" 2>/dev/null || echo none; }
fresh_nonce() { head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
pcrread() { tpm2_pcrread "$PCRSEL" 2>&1; }
# PCR 14 and 15 as "<pcr> <alg>:<hex>" lines: live (tpm2_pcrread) and as
# the replay of the kernel's log ("tsm-rtmr replay --no-live", which lists
# only the registers the log touches).
live_values() {
	pcrread | awk '
		/^ *sha(256|384): *$/ { alg = $1; sub(/:$/, "", alg); next }
		/^ *1[45] *: *0x/ { i = $1; sub(/:$/, "", i)
			print i, alg ":" tolower(substr($NF, 3)) }' | sort
}
replay_values() {
	"$TSM_RTMR" replay -p tpm --no-live 2>&1 | grep -E '^1[45] ' | sort
}

load() {
	expect 0 "$1: modprobe tsm_rtmr" modprobe tsm_rtmr
	expect 0 "$1: modprobe tsm_rtmr_tpm" modprobe tsm_rtmr_tpm
}

# ---------------------------------------------------------------------------
phase1() {
	echo "# kexec_e2e phase 1: $(uname -r), kexec $mode"
	if [ -e "$TESTS/test_import" ] && [ -x "$TESTS/test_import" ]; then
		echo "# Subtest: test_import"
		(cd "$TESTS" && ./test_import) > "$TMPD/ti" 2>&1
		rc=$?
		sed 's/^/    /' "$TMPD/ti"
		case $rc in
		0) ok "test_import" ;;
		4) ok "test_import # SKIP" ;;
		*) notok "test_import exited $rc" ;;
		esac
	else
		echo "# test_import not built"
	fi

	load "phase 1"
	[ -d "$SEC" ] || { notok "phase 1: $SEC exists"; finish; }
	# test_import may have left entries in the log: this test's own start
	# from there.
	base=$(count)
	for e in "pcr14 entry 1:14" "pcr15 entry 1:15" "pcr14 entry 2:14"; do
		expect 0 "phase 1: extend PCR ${e##*:} (${e%:*})" \
			"$TSM_RTMR" extend -p tpm -i "${e##*:}" -s "kexec_e2e ${e%:*}" ||
			finish
	done
	# The log of another state: one entry short of the one carried over.
	"$TSM_RTMR" log -p tpm -f binary > "$STATE/stale.log" ||
		{ notok "phase 1: save the log before the last commit"; finish; }
	expect 0 "phase 1: extend PCR 15 (pcr15 entry 2, binary event data)" \
		"$TSM_RTMR" extend -p tpm -i 15 -t 0xd -e /init || finish
	expect 0 "phase 1: tsm-rtmr replay -p tpm passes before the kexec" \
		"$TSM_RTMR" replay -p tpm

	# Save: what an agent does before "kexec -e".
	"$TSM_RTMR" log -p tpm -f binary > "$STATE/saved.log"
	check "phase 1: tsm-rtmr log -f binary saved the log" [ $? = 0 ]
	check "phase 1: the saved log is binary_event_log byte for byte" \
		same "$STATE/saved.log" "$SEC/binary_event_log"
	cat "$SEC/ascii_event_log" > "$STATE/saved.ascii"
	count > "$STATE/count"
	want=$((base + 4))
	check "phase 1: count is $want" [ "$(cat "$STATE/count")" = "$want" ]
	pcrread > "$STATE/pcrs"
	sed 's/^/#   /' "$STATE/pcrs"
	check "phase 1: tpm2_pcrread PCR 14 and 15 (both banks)" \
		[ "$(grep -c ': 0x' "$STATE/pcrs")" = 4 ]
	uname -r > "$STATE/release"
	echo "# saved: $(wc -c < "$STATE/saved.log") bytes, $(cat "$STATE/count") entries; stale: $(wc -c < "$STATE/stale.log") bytes"

	# The next kernel's initramfs: this rootfs (the harness's initramfs,
	# and now $STATE), without the mounted file systems, the selftest
	# binaries and the kernel image (phase 2 needs neither).
	# Phase 2 numbers its lines after the two that follow (pack, load).
	touch "$STATE/phase1.done"
	echo $((n + 2)) > "$STATE/n"
	echo "$failed" > "$STATE/failed"
	(cd / && find . -xdev -mindepth 1 ! -path './tests/tsm-rtmr/test_*' \
		! -path './tests/tsm-rtmr/debug_*' ! -path ./boot/vmlinuz |
		cpio -o -H newc -R 0:0) \
		> /tmp/kexec-initrd.cpio 2> "$TMPD/cpio"
	rc=$?
	sed 's/^/#   /' "$TMPD/cpio"
	check "phase 1: pack the rootfs and the saved log into an initramfs ($(($(wc -c < /tmp/kexec-initrd.cpio) >> 20)) MiB)" \
		[ "$rc" = 0 ] || finish
	expect 0 "phase 1: kexec $mode -l /boot/vmlinuz (same kernel) --initrd=<rootfs+log> --append=$MARK" \
		kexec "$mode" -l /boot/vmlinuz --initrd=/tmp/kexec-initrd.cpio \
		--command-line="$(cat /proc/cmdline) $MARK" || finish
	echo "# kexec -e"
	sync
	# Let the test channel drain: the kexec does not wait for it.
	sleep 1
	kexec -e
	notok "phase 1: kexec -e returned (exit $?)"
	finish
}

# ---------------------------------------------------------------------------
phase2() {
	echo "# kexec_e2e phase 2: booted by kexec"
	check "phase 2: the same kernel release ($(cat "$STATE/release"))" \
		[ "$(uname -r)" = "$(cat "$STATE/release")" ]
	load "phase 2"
	pcrread > "$TMPD/pcrs"
	sed 's/^/#   /' "$TMPD/pcrs"
	check "phase 2: PCR 14 and 15 kept their values across the kexec (tpm2_pcrread equals phase 1's)" \
		same "$TMPD/pcrs" "$STATE/pcrs"
	check "phase 2: the new tpm log is empty (count 0)" [ "$(count)" = 0 ]
	cat "$SEC/binary_event_log" > "$TMPD/empty.log" 2>/dev/null
	check "phase 2: state is ok" [ "$(cat "$SEC/state")" = ok ]
	# The log is behind the registers: it has no entry for PCR 14 or 15,
	# whose values are not the reset value (zero) either. A verifier that
	# replays the log for PCR 14 and 15 cannot reach the TPM's values.
	check "phase 2: before import, PCR 14 and 15 are not zero (their reset value)" \
		[ "$(awk '/: 0x/ && $NF !~ /^0x0+$/' "$TMPD/pcrs" | wc -l)" = 4 ]
	live_values > "$TMPD/live"
	replay_values > "$TMPD/replay"
	sed 's/^/#   replay: /' "$TMPD/replay"
	check "phase 2: before import, the log's replay does not give PCR 14 and 15 (the log is behind the registers)" \
		differ "$TMPD/live" "$TMPD/replay"
	# "tsm-rtmr replay -p tpm" compares only the registers the log
	# touches: on the empty log it has nothing to compare. "quote" takes
	# PCRs the log does not touch as they are, and says so.
	"$TSM_RTMR" replay -p tpm > "$TMPD/out" 2>&1
	echo "# before import, tsm-rtmr replay -p tpm exits $? (it compares only registers the log touches)"
	nonce=$(fresh_nonce)
	"$TSM_RTMR" quote --pcrs 14,15 --nonce "$nonce" > "$TMPD/out" 2>&1
	rc=$?
	sed 's/^/#   /' "$TMPD/out"
	check "phase 2: before import, tsm-rtmr quote --pcrs 14,15 shows both PCRs, both banks, as not in the log (exit $rc)" \
		[ "$(grep -c '(not in the log)$' "$TMPD/out")" = 4 ]
	expect 1 "phase 2: before import, tsm-rtmr replay -p tpm stale.log fails (the stale log is behind PCR 15)" \
		"$TSM_RTMR" replay -p tpm "$STATE/stale.log"
	expect 0 "phase 2: before import, tsm-rtmr replay -p tpm saved.log passes" \
		"$TSM_RTMR" replay -p tpm "$STATE/saved.log"

	# A well-formed log of another state: refused, nothing changed.
	expect 1 "phase 2: import of the stale log (one entry short) is refused (exit 1)" \
		"$TSM_RTMR" import -p tpm "$STATE/stale.log"
	check "phase 2: after the refusal the log is still empty (count 0)" [ "$(count)" = 0 ]
	check "phase 2: after the refusal binary_event_log is unchanged" \
		same "$TMPD/empty.log" "$SEC/binary_event_log"

	expect 0 "phase 2: tsm-rtmr import -p tpm saved.log" \
		"$TSM_RTMR" import -p tpm "$STATE/saved.log"
	want=$(cat "$STATE/count")
	check "phase 2: count is $want, as before the kexec" [ "$(count)" = "$want" ]
	check "phase 2: binary_event_log equals the saved log byte for byte" \
		same "$STATE/saved.log" "$SEC/binary_event_log"
	check "phase 2: ascii_event_log equals phase 1's byte for byte" \
		same "$STATE/saved.ascii" "$SEC/ascii_event_log"
	check "phase 2: state is ok after import" [ "$(cat "$SEC/state")" = ok ]
	expect 1 "phase 2: rmmod tsm_rtmr_tpm fails: an imported log pins the provider" \
		sh -c 'rmmod tsm_rtmr_tpm || exit 1' ||
		{ [ "$rc" = 0 ] && modprobe tsm_rtmr_tpm; }
	expect 0 "phase 2: tsm-rtmr replay -p tpm passes after import" \
		"$TSM_RTMR" replay -p tpm
	live_values > "$TMPD/live"
	replay_values > "$TMPD/replay"
	check "phase 2: after import, the log's replay of PCR 14 and 15 equals tpm2_pcrread" \
		same "$TMPD/live" "$TMPD/replay"
	nonce=$(fresh_nonce)
	expect 0 "phase 2: tsm-rtmr quote --pcrs 14,15 --nonce $nonce passes" \
		"$TSM_RTMR" quote --pcrs 14,15 --nonce "$nonce"

	# Later commits append after the imported records.
	"$TSM_RTMR" extend -p tpm -i 14 -s "kexec_e2e after import" > "$TMPD/rec" 2>&1
	rc=$?
	sed 's/^/#   /' "$TMPD/rec"
	[ "$rc" = 0 ] || echo "# extend exited $rc" > "$TMPD/rec"
	check "phase 2: a commit after import gets recnum $want" \
		[ "$(cat "$TMPD/rec")" = "$want" ]
	check "phase 2: count is $((want + 1))" [ "$(count)" = $((want + 1)) ]
	check "phase 2: the log is the saved log plus the new record" \
		cmp -s -n "$(wc -c < "$STATE/saved.log")" "$SEC/binary_event_log" "$STATE/saved.log"
	expect 0 "phase 2: tsm-rtmr replay -p tpm passes after that commit" \
		"$TSM_RTMR" replay -p tpm

	cat "$SEC/binary_event_log" > "$TMPD/before.log" 2>/dev/null
	expect 2 "phase 2: a second import is refused (EBUSY, exit 2)" \
		"$TSM_RTMR" import -p tpm "$STATE/saved.log"
	check "phase 2: the second import says the log holds entries (EBUSY)" \
		grep -q 'already holds entries' "$TMPD/out"
	check "phase 2: after it the log is unchanged" \
		same "$TMPD/before.log" "$SEC/binary_event_log"
	finish
}

if grep -qw "$MARK" /proc/cmdline; then
	[ -f "$STATE/phase1.done" ] ||
		{ notok "phase 2: no saved state in $STATE (the kexec'd initramfs lacks it)"; finish; }
	phase2
elif [ -e "$STATE/phase1.done" ]; then
	# A second run without the marker: never kexec again (no loop).
	notok "booted again without $MARK on the command line"
	finish
else
	mkdir -p "$STATE"
	phase1
fi
