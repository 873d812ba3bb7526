#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# tap-summary.sh FILE...
#
# Count TAP results ("ok ..." / "not ok ...", at any nesting depth) across
# FILEs and print "N passed, M failed" as the last line. "# " comment lines,
# including kselftest's "#  RUN"/"#  OK" chatter, are not results.
# Exit 1 if anything failed or nothing ran at all.
set -eu

[ $# -gt 0 ] || { echo "usage: tap-summary.sh FILE..." >&2; exit 2; }

# A missing file counts as "nothing there", not as an error in the summary
# itself: the stage that should have written it reports its own failure.
for f in "$@"; do
	[ -r "$f" ] || echo "tap-summary: $f: not readable" >&2
done

cat -- "$@" 2>/dev/null | tr -d '\r' | awk '
	/^[ \t]*not ok([^A-Za-z0-9_]|$)/ { failed++; next }
	/^[ \t]*ok([^A-Za-z0-9_]|$)/     { passed++; next }
	END {
		printf "%d passed, %d failed\n", passed, failed
		exit (failed > 0 || passed + failed == 0) ? 1 : 0
	}'
