# SPDX-License-Identifier: GPL-2.0
#
# TAP for the host-side test scripts (POSIX sh; sourced): numbered results,
# the plan last.
#
#   ok DESCRIPTION         "ok N - DESCRIPTION"
#   not_ok DESCRIPTION     "not ok N - DESCRIPTION", counted as a failure
#   expect DESCRIPTION COMMAND...   ok when COMMAND succeeds, else not_ok
#   tap_plan               "1..N"
#   tap_passed             status 0 when nothing failed
#
# tap_n and tap_failed hold the counts.
tap_n=0
tap_failed=0

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $*"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $*"
}

expect() {
	_tap_what=$1
	shift
	if "$@"; then ok "$_tap_what"; else not_ok "$_tap_what"; fi
}

tap_plan() {
	echo "1..$tap_n"
}

tap_passed() {
	[ "$tap_failed" = 0 ]
}
