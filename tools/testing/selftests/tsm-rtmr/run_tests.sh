#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run every tsm-rtmr kselftest in this directory, inside the test guest, as
# root (busybox sh is enough). Each executable test_* (binary or script) runs
# and prints TAP, in name order except for three: test_configfs_tsm.sh runs
# first (it unloads tsm_rtmr, and leaves configfs-tsm loaded where the
# kernel has it, so every later test runs next to it), test_tpm.sh runs just
# before test_cli.sh, the first other test to commit to the TPM (it reloads
# tsm_rtmr_tpm with and without allowed=, which only an empty tpm log
# allows), test_tpm_unbind.sh last (it unbinds the TPM driver), and
# test_import not at all: it needs the TPM log empty, so it runs first in a
# boot of its own (tools/testing/vm, the kexec stage of make check). Other tests
# that need tsm_rtmr unloadable sort before test_cli.sh (test_at_load). A test
# that exits non-zero without printing a "not ok" line gets one here. Exit
# status 4 (KSFT_SKIP) is a skip, not a failure. Exits non-zero if anything
# failed.

dir=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d 2>/dev/null || mktemp -d -p "$dir" 2>/dev/null) || tmp=
fail=0
ran=0

if ! modprobe tsm_rtmr; then
	echo "not ok - modprobe tsm_rtmr failed"
	exit 1
fi

ordered() {
	if [ -e "$dir/test_configfs_tsm.sh" ]; then
		echo "$dir/test_configfs_tsm.sh"
	fi
	for t in "$dir"/test_*; do
		case ${t##*/} in
		test_configfs_tsm.sh) ;;
		test_cli.sh)
			[ -e "$dir/test_tpm.sh" ] && echo "$dir/test_tpm.sh"
			echo "$t"
			;;
		test_tpm.sh) [ -e "$dir/test_cli.sh" ] || echo "$t" ;;
		test_tpm_unbind.sh | test_import) ;;
		*) echo "$t" ;;
		esac
	done
	if [ -e "$dir/test_tpm_unbind.sh" ]; then
		echo "$dir/test_tpm_unbind.sh"
	fi
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
