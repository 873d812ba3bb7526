#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# ktap2tap.sh CONSOLE_LOG SUITE...
#
# Turn the KUnit KTAP output in a kernel console log into one flat TAP line
# per test case ("ok - kunit: SUITE.CASE"), plus a failure for every
# expected SUITE that never reported a result (a crash mid-suite, a module
# that did not load). Exit 1 on any failure.
set -eu

log=$1
shift
tr -d '\r' < "$log" | sed -E 's/^\[ *[0-9]+\.[0-9]+\] //' | awk -v want="$*" '
	BEGIN { n = split(want, w, " "); for (i = 1; i <= n; i++) need[w[i]] = 1 }
	# A module loaded again runs its suites again: count the first run.
	/^    # Subtest: / { suite = $3; again = (suite in done); next }
	again { if ($0 ~ /^(not )?ok [0-9]+ /) again = 0; next }
	/^    (not )?ok [0-9]+ / {
		res = ($1 == "not") ? "not ok" : "ok"
		name = ($1 == "not") ? $4 : $3
		skip = ($0 ~ /# SKIP/) ? " # SKIP" : ""
		printf "%s - kunit: %s.%s%s\n", res, suite, name, skip
		if (res == "not ok") bad = 1
		next
	}
	/^(not )?ok [0-9]+ / {
		name = ($1 == "not") ? $4 : $3
		done[name] = 1
		if ($1 == "not") bad = 1
		next
	}
	END {
		for (s in need) if (!(s in done)) {
			printf "not ok - kunit: suite %s reported no result\n", s
			bad = 1
		}
		exit bad
	}'
