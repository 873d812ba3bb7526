#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# End-to-end test of the tsm-rtmr CLI against the kernel modules, run as
# root in the VM (busybox sh, tpm2-tools; no python, no jq). TAP output.
#
# Uses the TPM provider when tsm_rtmr_tpm loads, else the simulator (and
# skips the TPM-only tests), with PCR 16 and 23, which are extendable only
# when allowed= names them: it loads tsm_rtmr_tpm with allowed=8-9,11-16,23
# unless it is loaded so already. The behind-the-back tests extend PCR 16
# with tpm2_pcrextend, or reset it and re-extend an old prefix of its log,
# then reset PCR 16 and re-extend it from the whole log, so later tests
# still find PCR 16 equal to the replay of its log.
#
#   test_cli.sh                  run the tests
#   test_cli.sh --validate-json  check that stdin is one JSON text (awk)

. "$(dirname "$0")/cfs_root.sh"
TSM_RTMR=${TSM_RTMR:-$(command -v tsm-rtmr || echo /usr/bin/tsm-rtmr)}
SECFS=/sys/kernel/security/tsm-rtmr
export TPM2TOOLS_TCTI=${TPM2TOOLS_TCTI:-device:/dev/tpmrm0}
TMP=${TMPDIR:-/tmp}/test_cli.$$
n=0
failed=0

# A JSON validator (RFC 8259 grammar) in POSIX awk: exits 1 naming the
# byte offset of the first error.
validate_json() {
	awk '
	function fail(msg) { printf "invalid JSON at offset %d: %s\n", p - 1, msg; bad = 1; exit 1 }
	function ch() { return substr(s, p, 1) }
	function ws() { while (p <= n && index(" \t\r\n", ch())) p++ }
	function lit(word) {
		if (substr(s, p, length(word)) != word) fail("bad literal")
		p += length(word)
	}
	function str(   c) {
		p++
		for (;;) {
			if (p > n) fail("unterminated string")
			c = ch()
			if (c == "\"") { p++; return }
			if (c == "\n") fail("newline in string")
			if (c == "\\") {
				c = substr(s, p + 1, 1)
				if (c == "u") {
					if (substr(s, p + 2, 4) !~ /^[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]$/) fail("bad \\u escape")
					p += 6
				} else if (index("\"\\/bfnrt", c) && c != "") {
					p += 2
				} else fail("bad escape")
			} else p++
		}
	}
	function num(   t) {
		t = substr(s, p, 64)
		if (!match(t, /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/)) fail("bad number")
		p += RLENGTH
		if (index("0123456789.eE+-", ch()) && p <= n) fail("bad number")
	}
	function arr() {
		p++; ws()
		if (ch() == "]") { p++; return }
		for (;;) {
			val(); ws()
			if (ch() == ",") { p++; continue }
			if (ch() == "]") { p++; return }
			fail("expected , or ]")
		}
	}
	function obj() {
		p++; ws()
		if (ch() == "}") { p++; return }
		for (;;) {
			ws(); if (ch() != "\"") fail("expected a key")
			str(); ws()
			if (ch() != ":") fail("expected :")
			p++; val(); ws()
			if (ch() == ",") { p++; continue }
			if (ch() == "}") { p++; return }
			fail("expected , or }")
		}
	}
	function val(   c) {
		ws(); c = ch()
		if (c == "{") obj()
		else if (c == "[") arr()
		else if (c == "\"") str()
		else if (c == "t") lit("true")
		else if (c == "f") lit("false")
		else if (c == "n") lit("null")
		else if (c ~ /[-0-9]/) num()
		else fail("unexpected character")
	}
	{ s = s $0 "\n" }
	END {
		if (bad) exit 1
		n = length(s); p = 1
		val(); ws()
		if (p <= n) fail("trailing data")
	}'
}

[ "$1" = "--validate-json" ] && { validate_json; exit $?; }

tap() {	# tap STATUS NAME
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $n - $2"
	else
		echo "not ok $n - $2"
		failed=$((failed + 1))
	fi
}

skip() {
	n=$((n + 1))
	echo "ok $n - $1 # SKIP $2"
}

# Run a command; keep its stdout, stderr and exit status for the checks.
run() {
	"$@" > "$TMP/out" 2> "$TMP/err"
	rc=$?
	[ -s "$TMP/err" ] && sed 's/^/# stderr: /' "$TMP/err"
	return 0
}

# "recnum log_index alg:hex ..." from text lines and from CEL-JSON records.
digests_of_text() {
	awk '{ printf "%s %s", $1, $2; for (i = 4; i < NF; i++) printf " %s", $i; print "" }'
}

digests_of_cel() {
	awk '/"recnum"/ {
		line = $0
		match(line, /"recnum":[0-9]+/); rec = substr(line, RSTART + 9, RLENGTH - 9)
		match(line, /"pcr":[0-9]+/); pcr = substr(line, RSTART + 6, RLENGTH - 6)
		out = rec " " pcr
		while (match(line, /"hashAlg":"[a-z0-9_]+","digest":"[0-9a-f]+"/)) {
			d = substr(line, RSTART, RLENGTH)
			line = substr(line, RSTART + RLENGTH)
			sub(/^"hashAlg":"/, "", d); sub(/","digest":"/, ":", d); sub(/"$/, "", d)
			out = out " " d
		}
		print out
	}'
}

# tsm_rtmr_tpm with PCR 16 and 23 extendable; fails when it is loaded with
# another set and pinned by its log's entries.
TPM_ALLOWED=8-9,11-16,23
load_tpm() {
	a=$(cat /sys/module/tsm_rtmr_tpm/parameters/allowed 2>/dev/null)
	[ "$a" = "$TPM_ALLOWED" ] && return 0
	if [ -n "$a" ] && ! rmmod tsm_rtmr_tpm 2>/dev/null; then
		echo "# tsm_rtmr_tpm is pinned with allowed=$a, not $TPM_ALLOWED"
		return 1
	fi
	modprobe tsm_rtmr_tpm allowed=$TPM_ALLOWED 2>/dev/null
}

setup() {
	mkdir -p "$TMP" || exit 1
	modprobe tsm_rtmr 2>/dev/null
	if load_tpm && [ -d "$SECFS/tpm" ]; then
		P=tpm
	fi
	if [ -z "$P" ]; then
		echo "# tsm_rtmr_tpm not available: using the simulator"
		modprobe tsm_rtmr_sim 2>/dev/null
		[ -d "$SECFS/sim" ] && P=sim
	fi
	if [ -z "$P" ]; then
		echo "1..0 # SKIP no tsm-rtmr provider (modules tsm_rtmr_tpm, tsm_rtmr_sim)"
		exit 4
	fi
	if [ "$P" = tpm ]; then
		REG=16; REG2=23; LOG_INDEX=16; FORBIDDEN=0; WHY="not extendable"
	else
		REG=0; REG2=1; LOG_INDEX=1; FORBIDDEN=32; WHY="beyond"
	fi
	echo "# provider $P, registers $REG and $REG2, tool $TSM_RTMR"
}

test_help() {
	st=0
	for c in "" extend log replay quote import; do
		$TSM_RTMR $c --help > "$TMP/out" 2>&1 && grep -q usage "$TMP/out" || st=1
	done
	run $TSM_RTMR frobnicate
	[ $rc -eq 2 ] && [ -s "$TMP/err" ] || st=1
	tap $st "--help on every command, exit 2 on an unknown command"
}

test_extend() {
	run $TSM_RTMR extend -p $P -i $REG -s "test_cli $$ first"
	[ $rc -eq 0 ] && grep -qx '[0-9][0-9]*' "$TMP/out"
	tap $? "extend -i $REG -s prints the new record number"
	first=$(cat "$TMP/out")

	echo "event file $$" > "$TMP/event"
	run $TSM_RTMR extend -p $P -i $REG2 -e "$TMP/event" --tag 0x1234
	st=$rc
	rec=$(cat "$TMP/out")
	# TCG_PCClientTaggedEvent: id 0x1234, size (that of the file), the data
	sz=$(printf '%02x000000' "$(wc -c < "$TMP/event")")
	$TSM_RTMR log -p $P | awk -v r="$rec" '$1 == r { print $3, $NF }' > "$TMP/tagged"
	grep -q "^0x00000006 34120000${sz}6576656e742066696c6520" "$TMP/tagged" || st=1
	tap $st "extend --tag wraps the event as a TCG_PCClientTaggedEvent"

	# -d: the digests of the first entry, logged with other data
	digests=$($TSM_RTMR log -p $P | awk -v r="$first" '$1 == r { for (i = 4; i < NF; i++) printf "-d %s ", $i }')
	run $TSM_RTMR extend -p $P -i $REG -t 0xd -s "explicit digests" $digests
	st=$rc
	rec=$(cat "$TMP/out")
	a=$($TSM_RTMR log -p $P | awk -v r="$first" '$1 == r { $1 = ""; $3 = ""; $NF = ""; print }')
	b=$($TSM_RTMR log -p $P | awk -v r="$rec" '$1 == r { $1 = ""; $3 = ""; $NF = ""; print }')
	[ -n "$a" ] && [ "$a" = "$b" ] || st=1
	tap $st "extend -d logs the given digests and type (got: $rc)"

	run $TSM_RTMR extend -p $P -i $FORBIDDEN -s nope
	[ $rc -eq 2 ] && grep -q "index $FORBIDDEN: .*$WHY" "$TMP/err"
	tap $? "extend of register $FORBIDDEN fails with exit 2 naming the cause"

	run $TSM_RTMR extend -p $P -i $REG -s nope -d sha1:$(printf '%040d' 0)
	[ $rc -eq 2 ] && grep -q "no sha[0-9]* digest" "$TMP/err"
	tap $? "extend -d without a required algorithm: exit 2 naming it"

	run $TSM_RTMR extend -p $P -i $REG -t 0x3 -s nope
	[ $rc -eq 2 ] && grep -q "event type" "$TMP/err"
	tap $? "extend with EV_NO_ACTION is refused"

	# An entry committed although its record number cannot be printed:
	# exit 2, and the one-line message says it is committed.
	count=$(cat "$SECFS/$P/count")
	$TSM_RTMR extend -p $P -i $REG -s "stdout full" > /dev/full 2> "$TMP/err"
	rc=$?
	sed 's/^/# stderr: /' "$TMP/err"
	[ $rc -eq 2 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
		grep -q "writing output: No space left on device (the entry is committed, record $count)" "$TMP/err" &&
		[ "$(cat "$SECFS/$P/count")" -eq $((count + 1)) ]
	tap $? "extend > /dev/full: exit 2, one line naming the committed record $count"

	[ "$(cli_handles_left)" -eq 0 ]
	tap $? "extend leaves no configfs handle behind"
}

# How many handles the CLI left under the configfs root (cli-PID-RANDOM).
cli_handles_left() {
	set -- "$(cfs_root)"/cli-*
	if [ -e "$1" ]; then echo $#; else echo 0; fi
}

# The event field and the ALG digest of entry RECNUM in the kernel's
# ascii_event_log: the referee for what extend logged.
ascii_event_of() {
	awk -v r="$1" '$1 == r { print $NF }' "$SECFS/$P/ascii_event_log"
}
ascii_digest_of() {	# RECNUM ALG
	awk -v r="$1" -v a="$2:" '$1 == r {
		for (i = 4; i < NF; i++) if (index($i, a) == 1) print substr($i, length(a) + 1) }' \
		"$SECFS/$P/ascii_event_log"
}

# Event data through both doors (spec section 4): up to 4094 bytes through
# event, more through event_blob, logged byte for byte, NULs included,
# with digests that sha256sum and sha384sum agree with; more than
# max_event_bytes is refused with EFBIG (from the commit, for event_blob):
# exit 2, one line naming it, nothing logged.
test_event_doors() {
	for size in 4094 4095; do
		door=event
		[ $size -gt 4094 ] && door=event_blob
		{ printf '\000a\000'; head -c $((size - 3)) /dev/urandom; } > "$TMP/ev"
		run $TSM_RTMR extend -p $P -i $REG -e "$TMP/ev"
		st=$rc
		rec=$(cat "$TMP/out")
		[ "$(ascii_event_of "$rec")" = "$(od -An -v -tx1 "$TMP/ev" | tr -d ' \n')" ] || st=1
		for alg in sha256 sha384; do
			d=$(ascii_digest_of "$rec" $alg)
			[ -z "$d" ] || [ "$d" = "$("${alg}sum" < "$TMP/ev" | cut -d' ' -f1)" ] || st=1
		done
		tap $st "extend of a $size-byte event ($door) logs it byte for byte, NULs too"
	done

	max=/sys/module/tsm_rtmr/parameters/max_event_bytes
	old=$(cat $max)
	[ "$old" = 65536 ] || echo 65536 > $max
	head -c 70000 /dev/urandom > "$TMP/ev"
	count=$(cat "$SECFS/$P/count")
	run $TSM_RTMR extend -p $P -i $REG -e "$TMP/ev"
	[ $rc -eq 2 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
		grep -q "index $REG: File too large (EFBIG from event_blob: 70000 bytes of event data.*max_event_bytes is 65536)" "$TMP/err" &&
		[ "$(cat "$SECFS/$P/count")" = "$count" ]
	tap $? "extend of a 70000-byte event: EFBIG from event_blob at max_event_bytes 65536, exit 2, nothing logged"
	[ "$old" = 65536 ] || echo "$old" > $max

	[ "$(cli_handles_left)" -eq 0 ]
	tap $? "extend leaves no configfs handle behind after EFBIG"
}

test_replay() {
	run $TSM_RTMR replay -p $P
	[ $rc -eq 0 ] && grep -q "^$LOG_INDEX [a-z0-9_]*:[0-9a-f]*$" "$TMP/out"
	tap $? "replay -p $P exits 0 after extends, printing log index $LOG_INDEX"

	$TSM_RTMR replay -p $P > /dev/full 2> "$TMP/err"
	rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
		grep -q "writing output: No space left on device" "$TMP/err"
	tap $? "replay -p $P > /dev/full: exit 2, one line (got $rc)"
}

# Writers committing to two registers while replay runs: every replay must
# still find each register equal to the replay of a prefix of the log.
test_concurrent_replay() {
	(
		i=0
		while [ $i -lt 12 ]; do
			$TSM_RTMR extend -p $P -i $REG -s "bg $i" > /dev/null 2>&1
			$TSM_RTMR extend -p $P -i $REG2 -s "bg2 $i" > /dev/null 2>&1
			i=$((i + 1))
		done
	) &
	writer=$!
	st=0
	k=0
	while [ $k -lt 6 ]; do
		run $TSM_RTMR replay -p $P
		[ $rc -eq 0 ] || st=1
		k=$((k + 1))
	done
	wait $writer
	run $TSM_RTMR replay -p $P
	[ $rc -eq 0 ] || st=1
	tap $st "replay exits 0 while another process extends registers $REG and $REG2"
}

test_log_formats() {
	run $TSM_RTMR log -p $P --format text
	cp "$TMP/out" "$TMP/text"
	[ $rc -eq 0 ] && cmp -s "$TMP/text" "$SECFS/$P/ascii_event_log"
	tap $? "log --format text equals the kernel's ascii_event_log"

	count=$(cat "$SECFS/$P/count")
	[ "$(wc -l < "$TMP/text")" -eq "$count" ]
	tap $? "log has as many records as securityfs count ($count)"

	run $TSM_RTMR log -p $P --format cel-json
	cp "$TMP/out" "$TMP/cel"
	[ $rc -eq 0 ] && validate_json < "$TMP/cel"
	tap $? "log --format cel-json is valid JSON"

	digests_of_text < "$TMP/text" > "$TMP/d-text"
	digests_of_cel < "$TMP/cel" > "$TMP/d-cel"
	[ -s "$TMP/d-text" ] && cmp -s "$TMP/d-text" "$TMP/d-cel" &&
		grep -q '"content_type":"pcclient_std"' "$TMP/cel"
	tap $? "cel-json records, indexes and digests match the binary log"

	run $TSM_RTMR log -p $P --format json
	[ $rc -eq 0 ] && validate_json < "$TMP/out"
	tap $? "log --format json is valid JSON"

	cp "$SECFS/$P/binary_event_log" "$TMP/bin"
	run $TSM_RTMR log --format text "$TMP/bin"
	[ $rc -eq 0 ] && cmp -s "$TMP/out" "$TMP/text"
	tap $? "log FILE reads a saved binary_event_log"
}

test_tpm() {
	if [ "$P" != tpm ]; then
		for t in "quote" "behind-the-back replay" "behind-the-back quote" \
			 "PCR 16 restored" "replay after a commit" \
			 "replay of a reset PCR" "PCR 16 restored again"; do
			skip "$t" "no TPM provider"
		done
		return
	fi
	nonce=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	run $TSM_RTMR quote --pcrs 16,23 --nonce "$nonce"
	[ $rc -eq 0 ] && grep -q "^prefix: " "$TMP/out"
	tap $? "quote --pcrs 16,23 verifies against the TPM"
	sed 's/^/# /' "$TMP/out"

	tpm2_pcrextend 16:sha256=$(printf '%064d' 1) > /dev/null 2>&1
	run $TSM_RTMR replay -p tpm
	[ $rc -eq 1 ] && grep -q "register 16 .*sha256" "$TMP/err"
	tap $? "after tpm2_pcrextend behind the log's back, replay exits 1 naming register 16"

	run $TSM_RTMR quote --pcrs 16 --nonce "$nonce"
	[ $rc -eq 1 ]
	tap $? "and quote --pcrs 16 exits 1"

	restore_pcr16
	run $TSM_RTMR replay -p tpm
	[ $rc -eq 0 ]
	tap $? "PCR 16 reset and re-extended from its log: replay exits 0 again"

	run $TSM_RTMR extend -p tpm -i 16 -s "test_cli $$ after the restore"
	st=$rc
	last=$(cat "$TMP/out")
	run $TSM_RTMR replay -p tpm
	[ $st -eq 0 ] && [ $rc -eq 0 ]
	tap $? "after a genuine commit to PCR 16 (record $last), replay exits 0"

	# PCR 16 reset and re-extended with all of its entries but the last:
	# an old prefix of the log matches, but count (read before the PCRs)
	# holds record $last, which it leaves out.
	restore_pcr16 "$last"
	run $TSM_RTMR replay -p tpm
	[ $rc -eq 1 ] && [ "$(wc -l < "$TMP/err")" -eq 1 ] &&
		grep -q "register 16 (log index 16) is the replay of only the first $last records, but 1 entry .* not covered .*: recnum $last\$" "$TMP/err"
	tap $? "PCR 16 reset and re-extended without record $last: replay exits 1 naming recnum $last"

	restore_pcr16
	run $TSM_RTMR replay -p tpm
	[ $rc -eq 0 ]
	tap $? "PCR 16 reset and re-extended from its whole log: replay exits 0"
}

# Later tests replay PCR 16 from its log: undo the foreign extend by
# resetting the (debug, locality-0 resettable) PCR and extending it again
# with every logged digest, in log order; with BEFORE, only those of the
# records before record number BEFORE.
restore_pcr16() {	# [BEFORE]
	tpm2_pcrreset 16 > /dev/null 2>&1 || echo "# tpm2_pcrreset 16 failed"
	$TSM_RTMR log -p tpm | awk -v before="${1:-}" '$2 == 16 && $3 != "0x00000003" &&
	    (before == "" || $1 < before + 0) {
		s = ""
		for (i = 4; i < NF; i++) { d = $i; sub(/:/, "=", d); s = s (s ? "," : "") d }
		print "16:" s
	}' | while read -r spec; do
		tpm2_pcrextend "$spec" > /dev/null 2>&1 || echo "# tpm2_pcrextend $spec failed"
	done
}

# import with a fresh simulator (the TPM's import is test_import's and the
# kexec stage's): a header alone is taken, a saved log with entries is
# refused as not matching (exit 1: the simulator's registers died with
# it), and any import into a log with entries is EBUSY (exit 2).
test_import() {
	if ! { rmmod tsm_rtmr_sim 2>/dev/null; modprobe tsm_rtmr_sim; } ||
	   [ ! -d "$SECFS/sim" ]; then
		skip "import" "tsm_rtmr_sim cannot be reloaded"
		return
	fi
	$TSM_RTMR log -p sim -f binary > "$TMP/hdr.log"
	run $TSM_RTMR import -p sim "$TMP/hdr.log"
	[ $rc -eq 0 ] && grep -q "^sim: imported 0 entries" "$TMP/out" &&
		[ "$(cat "$SECFS/sim/count")" = 0 ]
	tap $? "import -p sim of a header alone: exit 0, 0 entries"
	$TSM_RTMR extend -p sim -i 0 -s "import a" > /dev/null &&
		$TSM_RTMR extend -p sim -i 1 -s "import b" > /dev/null &&
		$TSM_RTMR log -p sim -f binary > "$TMP/sim.log"
	run $TSM_RTMR import -p sim "$TMP/sim.log"
	[ $rc -eq 2 ] && grep -q "already holds entries" "$TMP/err" &&
		[ "$(wc -l < "$TMP/err")" -eq 1 ]
	tap $? "import into a log with entries: exit 2 (EBUSY), one line"
	rmmod tsm_rtmr_sim && modprobe tsm_rtmr_sim
	run $TSM_RTMR import -p sim "$TMP/sim.log"
	[ $rc -eq 1 ] && grep -q "refused" "$TMP/err" &&
		[ "$(cat "$SECFS/sim/count")" = 0 ]
	tap $? "import -p sim of a log with entries after a reload: refused, exit 1, log empty"
}

setup
test_help
test_extend
test_event_doors
test_replay
test_concurrent_replay
test_log_formats
test_tpm
test_import
rm -rf "$TMP"
echo "1..$n"
[ $failed -eq 0 ]
