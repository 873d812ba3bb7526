#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run the tsm-rtmr kselftests in this directory, inside the test guest, as
# root (busybox sh is enough). Each executable test_* (binary or script)
# runs and prints TAP. A test that exits non-zero without printing a
# "not ok" line gets one here. Exit status 4 (KSFT_SKIP) is a skip, not a
# failure. Exits non-zero if anything failed.
#
#   run_tests.sh [--sim] [TEST...]
#
# Without TESTs, every test_*; --sim, only the simulator's (every test but
# those of TPM_OR_MODULES below: make check-quick); TESTs, only those, in
# the order below.
#
# The order. A provider's log that holds an entry pins tsm_rtmr (and the
# TPM provider) until the next boot, by design: the log must live as long
# as the registers, so no test can tear a TPM log down. Hence:
FIRST="test_configfs_tsm.sh test_at_load test_tpm.sh"
#   first, in this order, the tests that unload tsm_rtmr or reload
#   tsm_rtmr_tpm (with and without allowed=), which a TPM log with entries
#   forbids: test_configfs_tsm.sh also leaves configfs-tsm loaded where the
#   kernel has it, so every later test runs next to it; test_tpm.sh is the
#   first to commit to the TPM;
LAST="test_tpm_unbind.sh"
#   last, test_tpm_unbind.sh: it unbinds the TPM driver;
ELSEWHERE="test_import"
#   never here, test_import: it needs an empty TPM log, so it runs first in
#   a boot of its own (kexec_e2e.sh, make check's vm-kexec-<kernel>).
# Every other test sets up and tears down its own state, and runs in name
# order.
TPM_OR_MODULES="test_configfs_tsm.sh test_tpm.sh test_cli.sh test_tpm_unbind.sh"
#   what --sim leaves out: the TPM provider's, the CLI's (on the TPM) and
#   configfs-tsm's load orders.

dir=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d 2>/dev/null || mktemp -d -p "$dir" 2>/dev/null) || tmp=
fail=0
ran=0

if ! modprobe tsm_rtmr; then
	echo "not ok - modprobe tsm_rtmr failed"
	exit 1
fi

sim=0
if [ "${1:-}" = --sim ]; then
	sim=1
	shift
fi
only=" $* "

in_list() {	# in_list NAME LIST
	case " $2 " in *" $1 "*) return 0 ;; esac
	return 1
}

# The tests to run, in order: FIRST, the rest by name, LAST.
ordered() {
	{
		for name in $FIRST; do echo "$dir/$name"; done
		for t in "$dir"/test_*; do
			name=${t##*/}
			in_list "$name" "$FIRST $LAST $ELSEWHERE" || echo "$t"
		done
		for name in $LAST; do echo "$dir/$name"; done
	} | while read -r t; do
		name=${t##*/}
		[ -e "$t" ] || continue
		[ "$sim" = 1 ] && in_list "$name" "$TPM_OR_MODULES" && continue
		[ "$only" = "  " ] || in_list "$name" "$only" || continue
		echo "$t"
	done
}

for t in $(ordered); do
	name=${t##*/}
	case $name in
	*.c | *.h | *.o | *.d) continue ;;
	esac
	[ -f "$t" ] && [ -x "$t" ] || continue
	ran=$((ran + 1))
	echo "# === $name"
	if [ -n "$tmp" ]; then
		{ (cd "$dir" && "./$name") 2>&1; echo $? >"$tmp/rc"; } |
			tee "$tmp/out"
		rc=$(cat "$tmp/rc")
		grep -q '^not ok' "$tmp/out" && printed=1 || printed=0
	else
		(cd "$dir" && "./$name") 2>&1
		rc=$?
		printed=0
	fi
	case $rc in
	0) ;;
	4) echo "# $name: skipped" ;;
	*)
		fail=1
		[ "$printed" = 1 ] || echo "not ok - $name exited $rc"
		dmesg 2>/dev/null | tail -n 40 | sed 's/^/# dmesg: /'
		;;
	esac
done

[ -n "$tmp" ] && rm -rf "$tmp"
if [ "$ran" = 0 ]; then
	echo "not ok - no test_* executables in $dir"
	exit 1
fi
[ "$fail" = 0 ] && echo "# tsm-rtmr selftests: all passed" ||
	echo "# tsm-rtmr selftests: FAILED"
exit $fail
