#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# run-tap.sh NAME CMD...: run a TAP producer, pass its output through,
# fail when it exits non-zero or prints "not ok".
name=$1; shift
echo "# $name"
out=$("$@" 2>&1); rc=$?
printf '%s\n' "$out"
if [ $rc -ne 0 ] || printf '%s\n' "$out" | grep -q '^not ok'; then
	echo "# FAILED: $name (exit $rc)"
	exit 1
fi
echo "# passed: $name"
