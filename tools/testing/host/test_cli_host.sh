#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# test_cli_host.sh TSM_RTMR MKLOG: tests of the tsm-rtmr CLI that need no
# kernel module: formats, replay of files, --ccel, exit codes, and (when
# swtpm and tpm2-tools are installed) quote against a private swtpm.
# Expected digests come from sha256sum/sha384sum, not from the tool.
# TAP output.

TSM=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
MKLOG=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
HERE=$(cd "$(dirname "$0")" && pwd)
VALIDATE="sh $HERE/../selftests/tsm-rtmr/test_cli.sh --validate-json"
T=$(mktemp -d)
n=0
failed=0
swtpm_pid=

cleanup() {
	[ -n "$swtpm_pid" ] && kill "$swtpm_pid" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

tap() {
	n=$((n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else
		echo "not ok $n - $2"; failed=$((failed + 1)); fi
}

skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }

sanitizer_reports=0
run() {
	"$@" > "$T/out" 2> "$T/err"
	rc=$?
	if grep -qE "Sanitizer|runtime error:" "$T/err"; then
		sanitizer_reports=$((sanitizer_reports + 1))
		sed 's/^/# /' "$T/err"
	fi
	return 0
}

# As run, with stdout on /dev/full: every write to it fails with ENOSPC.
run_full() {
	"$@" > /dev/full 2> "$T/err"
	rc=$?
	if grep -qE "Sanitizer|runtime error:" "$T/err"; then
		sanitizer_reports=$((sanitizer_reports + 1))
		sed 's/^/# /' "$T/err"
	fi
	return 0
}

# The last run_full: exit 2 and exactly one stderr line naming the cause.
full_refused() {
	[ $rc -eq 2 ] && [ "$(wc -l < "$T/err")" -eq 1 ] &&
		grep -q "writing output: No space left on device" "$T/err" && return 0
	echo "# exit $rc, stderr:"
	sed 's/^/#   /' "$T/err"
	return 1
}

hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
sha() { printf '%s' "$2" | "$1"sum | cut -d' ' -f1; }
# extend HASH OLD_HEX DIGEST_HEX
extend() { printf '%s%s' "$2" "$3" | xxd -r -p | "$1"sum | cut -d' ' -f1; }
zeros() { printf "%0${1}d" 0; }

test_usage() {
	st=0
	for c in "" extend log replay quote import evidence verify; do
		$TSM $c --help > "$T/out" 2>&1 && grep -q '^usage:' "$T/out" || st=1
	done
	tap $st "--help on every command exits 0 with usage"
	run $TSM; [ $rc -eq 2 ] && [ -s "$T/err" ]
	tap $? "no command: exit 2"
	run $TSM log --bogus; [ $rc -eq 2 ]
	tap $? "unknown option: exit 2"
	run $TSM log -f xml "$T/none"; [ $rc -eq 2 ] && grep -q "unknown format 'xml'" "$T/err"
	tap $? "unknown format: exit 2 naming it"
	run $TSM log "$T/none"; [ $rc -eq 2 ] && grep -q "$T/none: No such file" "$T/err" &&
		[ "$(wc -l < "$T/err")" -eq 1 ]
	tap $? "missing file: exit 2, one line naming it"
	run $TSM quote --nonce 00; [ $rc -eq 2 ] && grep -q -- "--pcrs" "$T/err"
	tap $? "quote without --pcrs: exit 2"
	run $TSM quote --pcrs 24 --nonce 00; [ $rc -eq 2 ]
	tap $? "quote --pcrs 24: exit 2"
	run $TSM extend -s x; [ $rc -eq 2 ] && grep -q -- "-i INDEX is required" "$T/err"
	tap $? "extend without -i: exit 2"
	run $TSM extend -i 1 -d sha384:00; [ $rc -eq 2 ]
	tap $? "extend -d with a short digest: exit 2 before touching configfs"
	TSM_RTMR_CONFIGFS=$T/no/such/dir run $TSM extend -i 1 -s x
	[ $rc -eq 2 ] && grep -q "cannot create a configfs handle" "$T/err"
	tap $? "extend without configfs: exit 2, one line"
	TSM_RTMR_SECURITYFS=$T/none run $TSM log
	[ $rc -eq 2 ] && grep -q "no provider under" "$T/err"
	tap $? "log without a provider: exit 2"
}

test_formats() {
	$MKLOG "$T/sim.log" sha384 1:abc 2/0xd:hello 1:
	d1=$(sha sha384 abc); d2=$(sha sha384 hello); d3=$(sha sha384 "")
	cat > "$T/want" <<-EOT
	0 1 0x00000006 sha384:$d1 $(hex abc)
	1 2 0x0000000d sha384:$d2 $(hex hello)
	2 1 0x00000006 sha384:$d3 -
	EOT
	run $TSM log "$T/sim.log"
	cmp -s "$T/out" "$T/want"
	tap $? "log (text) of a hand-made log matches sha384sum digests"

	run $TSM log --format cel-json "$T/sim.log"
	cp "$T/out" "$T/cel"
	[ $rc -eq 0 ] && $VALIDATE < "$T/cel" &&
		[ "$(grep -c '"content_type":"pcclient_std"' "$T/cel")" -eq 3 ] &&
		grep -q "{\"recnum\":1,\"pcr\":2,\"digests\":\[{\"hashAlg\":\"sha384\",\"digest\":\"$d2\"}\],\"content_type\":\"pcclient_std\",\"content\":{\"event_type\":13,\"event_data\":\"$(hex hello)\"}}" "$T/cel"
	tap $? "log --format cel-json: valid JSON with the CEL record shape"

	run $TSM log --format cel-json-seq "$T/sim.log"
	st=$rc
	[ "$(tr -cd '\036' < "$T/out" | wc -c)" -eq 3 ] || st=1
	tr -d '\036' < "$T/out" | while read -r line; do
		printf '%s\n' "$line" | $VALIDATE || exit 1
	done || st=1
	tap $st "log --format cel-json-seq: RS before each of 3 JSON records"

	run $TSM log --format json "$T/sim.log"
	[ $rc -eq 0 ] && $VALIDATE < "$T/out" && grep -q '"event_size":5,"event":"68656c6c6f"' "$T/out"
	tap $? "log --format json: valid JSON"

	run $TSM log --format binary "$T/sim.log"
	cmp -s "$T/out" "$T/sim.log"
	tap $? "log --format binary reproduces the file"

	printf 'x' | $VALIDATE > /dev/null 2>&1
	[ $? -ne 0 ]
	tap $? "the JSON validator rejects garbage"
}

test_replay() {
	$MKLOG "$T/tpm.log" sha256,sha384 16:a 23:b 16:c 17:d 10/3:noaction
	v256=$(zeros 64); v384=$(zeros 96)
	for e in a c; do
		v256=$(extend sha256 "$v256" "$(sha sha256 $e)")
		v384=$(extend sha384 "$v384" "$(sha sha384 $e)")
	done
	f256=$(printf 'f%.0s' $(seq 64)); f384=$(printf 'f%.0s' $(seq 96))
	f256=$(extend sha256 "$f256" "$(sha sha256 d)")
	f384=$(extend sha384 "$f384" "$(sha sha384 d)")
	run $TSM replay --tpm "$T/tpm.log"
	[ $rc -eq 0 ] && grep -qx "16 sha256:$v256" "$T/out" &&
		grep -qx "16 sha384:$v384" "$T/out" && grep -qx "17 sha256:$f256" "$T/out" &&
		grep -qx "17 sha384:$f384" "$T/out" && ! grep -q "^10 " "$T/out" &&
		[ "$(wc -l < "$T/out")" -eq 6 ]
	tap $? "replay --tpm FILE: KAT for PCRs 16, 17 (0xFF start), EV_NO_ACTION skipped"

	head -c 200 "$T/tpm.log" > "$T/trunc.log"
	run $TSM replay "$T/trunc.log"
	[ $rc -eq 2 ] && grep -q "record 1 at offset 170: truncated in digest at offset 184" "$T/err"
	tap $? "replay of a truncated log: exit 2 with the record and offset"

	if command -v tpm2_eventlog > /dev/null; then
		tpm2_eventlog "$T/tpm.log" > "$T/ev" 2>&1
		st=$?
		grep -qi "16 *: 0x$v256" "$T/ev" || st=1
		tap $st "tpm2_eventlog parses our log and replays PCR 16 alike"
	else
		skip "tpm2_eventlog cross-check" "tpm2-tools not installed"
	fi
}

# Output that cannot be written is a system error (exit 2, one line), never
# a success with nothing printed: an agent would believe it has the values.
test_stdout_full() {
	$MKLOG "$T/full.log" sha256,sha384 16:a 23:b
	st=0
	for c in "" extend log replay quote import evidence verify; do
		run_full $TSM $c --help
		full_refused || { echo "# ($c --help)"; st=1; }
	done
	tap $st "--help of every command > /dev/full: exit 2, one line"
	for f in text json cel-json cel-json-seq binary; do
		run_full $TSM log --format $f "$T/full.log"
		full_refused
		tap $? "log --format $f > /dev/full: exit 2, one line"
	done
	run_full $TSM replay --no-live "$T/full.log"
	full_refused
	tap $? "replay --no-live FILE > /dev/full: exit 2, one line"
	run_full $TSM replay --tpm "$T/full.log"
	full_refused
	tap $? "replay --tpm FILE > /dev/full: exit 2, one line"
	# a failure that prints nothing keeps its own status and message
	run_full $TSM replay "$T/none"
	[ $rc -eq 2 ] && [ "$(wc -l < "$T/err")" -eq 1 ] && grep -q "No such file" "$T/err"
	tap $? "replay of a missing FILE > /dev/full: its own one-line error"
	run $TSM replay --no-live "$T/full.log" >&-
	[ $rc -eq 0 ] && [ "$(wc -l < "$T/out")" -eq 4 ]
	tap $? "replay --no-live FILE still prints 4 lines and exits 0"
}

test_fixtures() {
	for f in "$HERE"/fixtures/*.bin; do
		[ -e "$f" ] || { skip "kernel fixtures" "none"; return; }
		name=${f%.bin}
		tpm=; case ${name##*/} in tpm*|snp*) tpm=--tpm ;; esac
		if [ -e "$name.ascii" ]; then
			run $TSM log "$f"
			cmp -s "$T/out" "$name.ascii"
			tap $? "fixture ${name##*/}: log equals the kernel's ascii_event_log"
		fi
		if [ -e "$name.replay" ]; then
			run $TSM replay $tpm "$f"
			cmp -s "$T/out" "$name.replay"
			tap $? "fixture ${name##*/}: replay equals the live registers saved with it"
		fi
		if command -v tpm2_eventlog > /dev/null; then
			tpm2_eventlog "$f" > /dev/null 2>&1
			tap $? "fixture ${name##*/}: tpm2_eventlog parses it"
		fi
	done
}

test_ccel() {
	$MKLOG -f 300 "$T/ccel" sha384 1:fw-a 2:fw-b 3/0x80000001:fw-c
	$MKLOG "$T/rt.log" sha384 4:rt-a 4:rt-b
	fwlen=$(( $(wc -c < "$T/ccel") - 300 ))
	{ head -c $fwlen "$T/ccel"; tail -c +66 "$T/rt.log"; } > "$T/want"
	TSM_RTMR_CCEL=$T/ccel run $TSM log --ccel "$T/rt.log"
	cmp -s "$T/out" "$T/want"
	tap $? "log --ccel: CCEL trimmed at its 0xFF filling, then the runtime records"
	TSM_RTMR_CCEL=$T/ccel run $TSM log --ccel --format text "$T/rt.log"
	[ $rc -eq 0 ] && [ "$(wc -l < "$T/out")" -eq 5 ] &&
		grep -q "^4 4 0x00000006 sha384:$(sha sha384 rt-b) " "$T/out"
	tap $? "log --ccel --format text: 5 records numbered across both"
	$MKLOG "$T/rt256.log" sha256 4:x
	TSM_RTMR_CCEL=$T/ccel run $TSM log --ccel "$T/rt256.log"
	[ $rc -eq 2 ] && grep -q "different algorithms" "$T/err"
	tap $? "log --ccel refuses logs with different algorithms"
}

# One line on stderr, exit $1, matching $2 (grep -E); says what it got.
refused() {
	[ $rc -eq "$1" ] && [ "$(wc -l < "$T/err")" -eq 1 ] && grep -qE -- "$2" "$T/err" &&
		return 0
	echo "# exit $rc (want $1), stderr:"
	sed 's/^/#   /' "$T/err"
	return 1
}

# verify reads nothing but its FILE and --ak-pub: every refusal of a
# document that cannot be checked is exit 2 with one line, never a crash.
test_verify_usage() {
	run $TSM verify "$T/none"
	refused 2 "--nonce is required"
	tap $? "verify without --nonce: exit 2, one line"
	run $TSM verify --nonce xyz "$T/none"
	refused 2 "--nonce: want 1-64 bytes"
	tap $? "verify --nonce xyz: exit 2, one line"
	run $TSM verify --nonce 00
	refused 2 "expected one FILE"
	tap $? "verify without FILE: exit 2, one line"
	run $TSM verify --nonce 00 "$T/none"
	refused 2 "$T/none: No such file"
	tap $? "verify of a missing file: exit 2, one line naming it"
	run $TSM verify --nonce 00 --ak-pub "$T/no-pem" "$T/none"
	refused 2 "$T/no-pem: No such file"
	tap $? "verify with a missing --ak-pub file: exit 2, one line naming it"
	printf 'this is not JSON\n' > "$T/garbage.json"
	run $TSM verify --nonce 00 "$T/garbage.json"
	refused 2 "garbage.json: "
	tap $? "verify of a file that is not JSON: exit 2, one line"
	: > "$T/empty.json"
	run $TSM verify --nonce 00 "$T/empty.json"
	refused 2 "empty.json: "
	tap $? "verify of an empty file: exit 2, one line"
	printf '{"version":1,"provider":"sim","nonce":"00","count":0,"log":"AAA*"}\n' > "$T/b64.json"
	run $TSM verify --nonce 00 "$T/b64.json"
	refused 2 "b64.json: .*log"
	tap $? "verify of base64 garbage in log: exit 2, one line naming log"
	printf '[1,2,3]' > "$T/array.json"
	run $TSM verify --nonce 00 "$T/array.json"
	refused 2 "array.json: "
	tap $? "verify of a JSON array: exit 2, one line"
}

# A fake securityfs for evidence: PROVIDER's log and count.
fake_provider() {
	mkdir -p "$T/esfs/$1"
	cp "$2" "$T/esfs/$1/binary_event_log"
	echo "$3" > "$T/esfs/$1/count"
}

# FIELD of evidence document FILE: base64 fields decoded into OUT.
doc_field() {
	python3 - "$@" <<-'EOP'
	import base64, json, sys
	doc = json.load(open(sys.argv[1]))
	path = sys.argv[2].split(".")
	v = doc
	for p in path:
	    v = v[p]
	out = open(sys.argv[3], "wb")
	if path[-1] in ("log", "message", "signature", "td_quote", "ccel"):
	    out.write(base64.b64decode(v, validate=True))
	else:
	    out.write(str(v).encode())
	EOP
}

test_evidence_usage() {
	run $TSM evidence -p tpm --nonce 00
	refused 2 "-o FILE are required"
	tap $? "evidence without -o: exit 2, one line"
	run $TSM evidence -p sev --nonce 00 -o "$T/ev.json"
	refused 2 "provider 'sev'"
	tap $? "evidence -p sev: exit 2 naming it"
	run $TSM evidence -p tdx --nonce 00 --pcrs 16 -o "$T/ev.json"
	refused 2 "for the TPM providers"
	tap $? "evidence -p tdx --pcrs: exit 2"
	run $TSM evidence -p tpm --nonce 00 --ccel x -o "$T/ev.json"
	refused 2 "--ccel is for -p tdx"
	tap $? "evidence -p tpm --ccel: exit 2"
	run $TSM evidence -p tpm --nonce 00 --ak 0x80000001 -o "$T/ev.json"
	refused 2 "--ak '0x80000001': want a persistent handle"
	tap $? "evidence --ak of a transient handle: exit 2"
	run $TSM quote --pcrs 16 --nonce 00 --ak 81010002zz
	refused 2 "--ak '81010002zz'"
	tap $? "quote --ak garbage: exit 2"
	run $TSM quote -p tdx --pcrs 16 --nonce 00
	refused 2 "-p tdx takes no --pcrs"
	tap $? "quote -p tdx --pcrs: exit 2"
	run $TSM quote -p tdx
	refused 2 "--nonce is required"
	tap $? "quote -p tdx without --nonce: exit 2"
	# No configfs-tsm on the host: the count is read, then the report fails.
	$MKLOG "$T/tdx.log" sha384 4:rt
	fake_provider tdx "$T/tdx.log" 1
	TSM_RTMR_SECURITYFS=$T/esfs TSM_RTMR_TSM_REPORT=$T/no/report \
		run $TSM quote -p tdx --nonce 00
	refused 2 "configfs-tsm report|no configfs-tsm" && [ ! -s "$T/out" ]
	tap $? "quote -p tdx without configfs-tsm: exit 2, one line"
	TSM_RTMR_SECURITYFS=$T/esfs TSM_RTMR_TSM_REPORT=$T/no/report \
		run $TSM evidence -p tdx --nonce 00 -o "$T/tdx.json"
	refused 2 "configfs-tsm report|no configfs-tsm" && [ ! -e "$T/tdx.json" ]
	tap $? "evidence -p tdx without configfs-tsm: exit 2, one line, no file"
	TSM_RTMR_SECURITYFS=$T/esfs run $TSM evidence -p sim --nonce 00 -o "$T/sim.json"
	refused 2 "sim/count: No such file" && [ ! -e "$T/sim.json" ]
	tap $? "evidence -p sim without the provider: exit 2, one line, no file"
}

# sim: no quote; the document carries nonce, count and the log as read.
test_evidence_sim() {
	$MKLOG "$T/esim.log" sha256,sha384 1:a 2:b 1:c
	fake_provider sim "$T/esim.log" 2
	TSM_RTMR_SECURITYFS=$T/esfs run $TSM evidence -p sim --nonce 0a0b0c -o "$T/sim.json"
	st=$rc
	[ $st -eq 0 ] && grep -q "^sim: evidence with no quote, count 2" "$T/out" || st=1
	doc_field "$T/sim.json" log "$T/sim.log.out" && cmp -s "$T/sim.log.out" "$T/esim.log" || st=1
	doc_field "$T/sim.json" nonce "$T/f" && [ "$(cat "$T/f")" = 0a0b0c ] || st=1
	doc_field "$T/sim.json" count "$T/f" && [ "$(cat "$T/f")" = 2 ] || st=1
	doc_field "$T/sim.json" provider "$T/f" && [ "$(cat "$T/f")" = sim ] || st=1
	doc_field "$T/sim.json" version "$T/f" && [ "$(cat "$T/f")" = 1 ] || st=1
	tap $st "evidence -p sim: version, provider, nonce, count and the log's bytes (python3 json+base64)"
	TSM_RTMR_SECURITYFS=$T/esfs run $TSM evidence -p sim --nonce 0a0b0c -o -
	[ $rc -eq 0 ] && cmp -s "$T/out" "$T/sim.json" && grep -q "^sim: evidence" "$T/err"
	tap $? "evidence -o -: the same document on stdout, the summary on stderr"
	TSM_RTMR_SECURITYFS=$T/esfs run_full $TSM evidence -p sim --nonce 0a0b0c -o -
	full_refused
	tap $? "evidence -o - > /dev/full: exit 2, one line"
	run $TSM verify --nonce 0a0b0c "$T/sim.json"
	refused 1 "registers: no quote" && grep -q "^FAIL registers: " "$T/out"
	tap $? "verify of a sim document: exit 1, FAIL registers (no quote)"
	run $TSM verify --nonce 0a0b0c - < "$T/sim.json"
	refused 1 "registers: no quote" && grep -q "^ok   log: " "$T/out"
	tap $? "verify - reads the document from stdin"
}

# Records appended to a log from mklog: TCG_PCR_EVENT2 built here, with
# hashlib, from the layout (the referee of these bytes is this test).
# add_record LOG ALG[,ALG] INDEX TYPE EVENT_HEX
add_record() {
	python3 - "$@" <<-'EOP'
	import hashlib, struct, sys
	log, algs, index, etype, event = sys.argv[1], sys.argv[2].split(","), \
	    int(sys.argv[3]), int(sys.argv[4], 0), bytes.fromhex(sys.argv[5])
	ids = {"sha256": 0xb, "sha384": 0xc}
	rec = struct.pack("<III", index, etype, len(algs))
	for a in algs:
	    rec += struct.pack("<H", ids[a]) + hashlib.new(a, event).digest()
	rec += struct.pack("<I", len(event)) + event
	open(log, "ab").write(rec)
	EOP
}

# The attestation agent's event: u32 'AAEL' tag (LE), u32 length, text.
aael_hex() {
	python3 -c 'import struct, sys; t = sys.argv[1].encode(); print((struct.pack("<II", 0x4141454c, len(t)) + t).hex())' "$1"
}

test_log_aael() {
	$MKLOG "$T/aael.log" sha256,sha384 4:not-aael
	add_record "$T/aael.log" sha256,sha384 4 6 "$(aael_hex 'github.com/confidential-containers init_data sha384:abcd')"
	add_record "$T/aael.log" sha256,sha384 4 5 "$(aael_hex 'wrong type not-tagged')"
	add_record "$T/aael.log" sha256,sha384 4 6 "4c45414104000000$(hex 'abc')"	# size 4, 3 bytes follow
	add_record "$T/aael.log" sha256,sha384 4 6 "41414141$(aael_hex 'x y z' | cut -c9-)"	# another tag
	add_record "$T/aael.log" sha256,sha384 4 6 "$(aael_hex "$(printf 'kata exec a\\b\nc\td')")"
	printf '%s\n' 'github.com/confidential-containers init_data sha384:abcd' \
		'kata exec a\\b\nc\td' > "$T/want"
	run $TSM log --format aael "$T/aael.log"
	[ $rc -eq 0 ] && cmp -s "$T/out" "$T/want"
	st=$?
	[ $st -eq 0 ] || { echo "# got:"; sed 's/^/#   /' "$T/out" "$T/err"; }
	tap $st "log --format aael: the two AAEL entries' texts, newline/tab/backslash escaped; other records left out"
	run $TSM log --format text "$T/aael.log"
	[ $rc -eq 0 ] && [ "$(wc -l < "$T/out")" -eq 6 ]
	tap $? "the hand-built AAEL log parses strictly (6 records)"
	run_full $TSM log --format aael "$T/aael.log"
	full_refused
	tap $? "log --format aael > /dev/full: exit 2, one line"
}

# --aael makes event, type and digests itself; the text is checked before
# configfs is touched (none here).
test_extend_aael() {
	for o in "-t 6" "-s x" "-e /dev/null" "-d sha384:$(zeros 96)" "--tag 1"; do
		TSM_RTMR_CONFIGFS=$T/no/such/dir run $TSM extend --aael 'a b c' $o
		refused 2 "--aael makes the event"
		tap $? "extend --aael with $o: exit 2, one line"
	done
	for t in "onlyone" "two fields" "a  b c" "" "a b "; do
		TSM_RTMR_CONFIGFS=$T/no/such/dir run $TSM extend --aael "$t"
		refused 2 "--aael: "
		tap $? "extend --aael '$t': exit 2, one line naming --aael, configfs untouched"
	done
	TSM_RTMR_CONFIGFS=$T/no/such/dir run $TSM extend --aael 'domain op content'
	refused 2 "cannot create a configfs handle"
	tap $? "extend --aael 'domain op content' gets as far as configfs (none here): exit 2"
}

start_swtpm() {
	command -v swtpm > /dev/null && command -v swtpm_setup > /dev/null &&
		command -v tpm2_pcrextend > /dev/null || return 1
	mkdir -p "$T/tpm"
	XDG_CONFIG_HOME=$T HOME=$T swtpm_setup --tpm2 --tpmstate "$T/tpm" \
		--pcr-banks sha256,sha384 > "$T/swtpm_setup.log" 2>&1 || return 1
	port=$(( 20000 + $$ % 20000 ))
	swtpm socket --tpm2 --tpmstate dir="$T/tpm" --flags not-need-init,startup-clear \
		--server type=tcp,port=$port --ctrl type=tcp,port=$((port + 1)) \
		> "$T/swtpm.log" 2>&1 &
	swtpm_pid=$!
	TCTI=swtpm:host=127.0.0.1,port=$port
	export TPM2TOOLS_TCTI=$TCTI
	for i in 1 2 3 4 5 6 7 8 9 10; do
		tpm2_pcrread sha256:16 > /dev/null 2>&1 && return 0
		sleep 0.3
	done
	return 1
}

# Extend the TPM with the records of a log, as the kernel would have.
replay_into_tpm() {
	$TSM log "$1" | while read -r rec idx type d1 d2 ev; do
		tpm2_pcrextend "$idx:$(echo "$d1" | sed 's/:/=/'),$(echo "$d2" | sed 's/:/=/')" || exit 1
	done
}

# Extend the TPM with records RECNUM... of log FILE (digests from the log).
extend_records() {
	f=$1
	shift
	for r in "$@"; do
		$TSM log "$f" | awk -v r="$r" '$1 == r {
			s = ""
			for (i = 4; i < NF; i++) { d = $i; sub(/:/, "=", d); s = s (s ? "," : "") d }
			print $2 ":" s
		}' | while read -r spec; do
			tpm2_pcrextend "$spec" > /dev/null || exit 1
		done
	done
}

test_quote() {
	if ! start_swtpm; then
		for t in quote quote-file-uncovered quote-count-newer \
			 quote-count-uncovered quote-full quote-pcr0 quote-reset \
			 quote-restored quote-bad-log quote-tcti; do
			skip "$t" "swtpm or tpm2-tools not installed"
		done
		return
	fi
	$MKLOG "$T/q.log" sha256,sha384 16:one 23:two 16:three
	$MKLOG "$T/q4.log" sha256,sha384 16:one 23:two 16:three 16:four-not-yet
	replay_into_tpm "$T/q.log"
	nonce=0123456789abcdef0123456789abcdef
	run $TSM quote --tcti "$TCTI" --pcrs 16,23 --nonce $nonce "$T/q.log"
	[ $rc -eq 0 ] && grep -q "^prefix: 3 of 3 records" "$T/out" &&
		grep -q "^quote: signature ok, nonce ok" "$T/out"
	tap $? "quote (swtpm): signature, nonce and the whole log verify"
	# Every record of a FILE was logged before the quote was requested.
	run $TSM quote --tcti "$TCTI" --pcrs 16,23 --nonce $nonce "$T/q4.log"
	[ $rc -eq 1 ] && grep -q "first 3 records.*not covered.*: recnum 3$" "$T/err"
	tap $? "quote FILE: a record the quote does not cover fails, exit 1 naming recnum 3"
	# A provider's log: only the entries counted before the quote must be
	# covered; later ones may be newer than the quote.
	mkdir -p "$T/sfs/tpm"
	cp "$T/q4.log" "$T/sfs/tpm/binary_event_log"
	echo 3 > "$T/sfs/tpm/count"
	TSM_RTMR_SECURITYFS=$T/sfs run $TSM quote --tcti "$TCTI" --pcrs 16,23 --nonce $nonce
	[ $rc -eq 0 ] && grep -q "^prefix: 3 of 4 records" "$T/out"
	tap $? "quote -p tpm: count 3 before the quote, 4 records after: the 3-record prefix verifies"
	echo 4 > "$T/sfs/tpm/count"
	TSM_RTMR_SECURITYFS=$T/sfs run $TSM quote --tcti "$TCTI" --pcrs 16,23 --nonce $nonce
	[ $rc -eq 1 ] && grep -q "not covered.*: recnum 3$" "$T/err" && [ ! -s "$T/out" ]
	tap $? "quote -p tpm: count 4 before the quote, 3 covered: exit 1 naming recnum 3"
	run_full $TSM quote --tcti "$TCTI" --pcrs 16,23 --nonce $nonce "$T/q.log"
	full_refused
	tap $? "quote > /dev/full: exit 2, one line"
	run $TSM quote --tcti "$TCTI" --pcrs 0-1,16 --nonce 00 "$T/q.log"
	[ $rc -eq 0 ] && grep -q "^0 sha256:.*(not in the log)" "$T/out"
	tap $? "quote: PCRs the log does not touch are read and included"
	# Reset PCR 16 and extend it again with an old prefix of its entries:
	# the quote matches the first 2 records, but record 2 was logged too.
	tpm2_pcrreset 16 > /dev/null && extend_records "$T/q.log" 0
	run $TSM quote --tcti "$TCTI" --pcrs 16,23 --nonce $nonce "$T/q.log"
	[ $rc -eq 1 ] && grep -q "first 2 records.*not covered.*: recnum 2$" "$T/err"
	tap $? "quote: after tpm2_pcrreset 16 and a re-extended prefix, exit 1 naming recnum 2"
	extend_records "$T/q.log" 2
	run $TSM quote --tcti "$TCTI" --pcrs 16,23 --nonce $nonce "$T/q.log"
	[ $rc -eq 0 ] && grep -q "^prefix: 3 of 3 records" "$T/out"
	tap $? "quote: PCR 16 extended with the rest of its entries verifies again"
	tpm2_pcrextend 23:sha384=$(zeros 96) > /dev/null
	run $TSM quote --tcti "$TCTI" --pcrs 16,23 --nonce $nonce "$T/q.log"
	[ $rc -eq 1 ] && grep -q "no prefix of the log's 3 records" "$T/err"
	tap $? "quote: after a foreign extend of PCR 23, exit 1"
	run $TSM quote --tcti "swtpm:host=127.0.0.1,port=1" --pcrs 16 --nonce 00 "$T/q.log"
	[ $rc -eq 2 ] && [ "$(wc -l < "$T/err")" -eq 1 ]
	tap $? "quote: unreachable TPM: exit 2"
}

# A TDX evidence document made here, not by the CLI: a TD quote version 4
# (TD 1.0 body) laid out from Intel's format, signed ECDSA P-256 with
# python3-cryptography, RTMR 0-3 replayed by this script from the CCEL and
# the runtime log (CC index n + 1 = RTMR n). MUTATION changes one thing
# after the quote is made.
# mk_td_doc OUT NONCE_HEX COUNT CCEL RTLOG [MUTATION]
mk_td_doc() {
	python3 - "$@" <<-'EOP'
	import base64, hashlib, json, struct, sys
	from cryptography.hazmat.primitives import hashes
	from cryptography.hazmat.primitives.asymmetric import ec
	from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
	out, nonce, count, ccel_path, rt_path = sys.argv[1:6]
	mutation = sys.argv[6] if len(sys.argv) > 6 else ""
	sizes = {0x4: 20, 0xb: 32, 0xc: 48, 0xd: 64}

	def records(log):
	    """(offset, index, digests {alg: (off, bytes)}, event_off, size) per record."""
	    o = 32 + struct.unpack("<I", log[28:32])[0]     # Spec ID header record
	    while o + 12 <= len(log) and log[o:o + 8] not in (b"\xff" * 8, b"\0" * 8):
	        start = o
	        index, etype, n = struct.unpack("<III", log[o:o + 12]); o += 12
	        digests = {}
	        for _ in range(n):
	            alg = struct.unpack("<H", log[o:o + 2])[0]; o += 2
	            digests[alg] = (o, log[o:o + sizes[alg]]); o += sizes[alg]
	        size = struct.unpack("<I", log[o:o + 4])[0]; o += 4
	        yield start, index, etype, digests, o, size
	        o += size

	ccel = bytearray(open(ccel_path, "rb").read())
	rt = bytearray(open(rt_path, "rb").read())
	rtmr = [bytes(48)] * 4
	for log in (ccel, rt):
	    for _, index, etype, digests, _, _ in records(bytes(log)):
	        if etype != 3:
	            rtmr[index - 1] = hashlib.sha384(rtmr[index - 1] + digests[0xc][1]).digest()
	header = struct.pack("<HHIHH", 4, 2, 0x81, 0, 0) + bytes(16) + bytes(20)
	body = bytearray(584)
	body[184:232] = hashlib.sha384(b"mrtd").digest()            # MRTD
	for i in range(4):
	    body[328 + 48 * i:376 + 48 * i] = rtmr[i]
	body[520:584] = bytes.fromhex(nonce).ljust(64, b"\0")
	key = ec.generate_private_key(ec.SECP256R1())
	der = key.sign(header + bytes(body), ec.ECDSA(hashes.SHA256()))
	r, s = decode_dss_signature(der)
	sig = bytearray(r.to_bytes(32, "big") + s.to_bytes(32, "big"))
	pub = key.public_key().public_numbers()
	cert = struct.pack("<HI", 6, 0)                             # no QE report, no chain
	if mutation == "body-bit":
	    body[184] ^= 1
	if mutation == "sig-bit":
	    sig[7] ^= 0x80
	if mutation == "version3":
	    header = struct.pack("<H", 3) + header[2:]
	if mutation in ("event-byte", "ccel-digest"):
	    log = rt if mutation == "event-byte" else ccel
	    recs = list(records(bytes(log)))
	    start, _, _, digests, event_off, size = recs[-1] if log is rt else recs[0]
	    if log is rt:
	        log[event_off + size - 1] ^= 1                      # the AAEL text's last byte
	    else:
	        log[digests[0xc][0]] ^= 1
	sigdata = bytes(sig) + pub.x.to_bytes(32, "big") + pub.y.to_bytes(32, "big") + cert
	quote = header + bytes(body) + struct.pack("<I", len(sigdata)) + sigdata
	b64 = lambda b: base64.b64encode(bytes(b)).decode()
	doc = {"version": 1, "provider": "tdx", "nonce": nonce, "count": int(count),
	       "log": b64(rt), "td_quote": b64(quote), "ccel": b64(ccel)}
	json.dump(doc, open(out, "w"))
	EOP
}

# verify of TDX documents made by mk_td_doc: the whole TDX check path of
# the CLI on the host, and each tampering named.
test_verify_tdx() {
	if ! python3 -c 'import cryptography' 2> /dev/null; then
		skip "verify of TDX documents" "python3-cryptography not installed"
		return
	fi
	$MKLOG -f 200 "$T/td-ccel" sha384 1:fw-mrtd-ish 2:fw-kernel 3/0x80000001:fw-cmdline 1/3:noaction
	$MKLOG "$T/td-rt.log" sha384 4:runtime-a
	add_record "$T/td-rt.log" sha384 4 6 "$(aael_hex 'github.com/confidential-containers init_data sha384:abcd')"
	nonce=$(hex 'a verifier nonce')
	mk_td_doc "$T/td.json" $nonce 2 "$T/td-ccel" "$T/td-rt.log"
	run $TSM verify --nonce $nonce "$T/td.json"
	[ $rc -eq 0 ] && [ ! -s "$T/err" ] && ! grep -q "^FAIL" "$T/out" &&
		grep -q "^ok   signature: " "$T/out" && grep -q "^ok   registers: " "$T/out" &&
		grep -qi "DCAP\|chain\|PCK" "$T/out"
	st=$?
	sed 's/^/# /' "$T/out" "$T/err"
	tap $st "verify of a TD quote document built by python3: exit 0, says the key's chain is unchecked"
	run $TSM verify --nonce 00$nonce "$T/td.json"
	refused 1 "nonce" && grep -q "^FAIL nonce: " "$T/out"
	tap $? "TDX: another nonce: exit 1, FAIL nonce"
	for m in body-bit:signature sig-bit:signature ccel-digest:registers event-byte:binding; do
		mk_td_doc "$T/tdm.json" $nonce 2 "$T/td-ccel" "$T/td-rt.log" ${m%%:*}
		run $TSM verify --nonce $nonce "$T/tdm.json"
		refused 1 "${m#*:}" && grep -q "^FAIL ${m#*:}: " "$T/out"
		tap $? "TDX: ${m%%:*}: exit 1, FAIL ${m#*:}"
	done
	mk_td_doc "$T/tdm.json" $nonce 3 "$T/td-ccel" "$T/td-rt.log"
	run $TSM verify --nonce $nonce "$T/tdm.json"
	refused 1 "registers" && grep -q "^FAIL registers: " "$T/out"
	tap $? "TDX: count 3 above the log's 2 records: exit 1, FAIL registers"
	# Entries after the quote are the prefix rule's business: accepted.
	cp "$T/td-rt.log" "$T/td-rt3.log"
	mk_td_doc "$T/tdm.json" $nonce 2 "$T/td-ccel" "$T/td-rt.log"
	python3 - "$T/tdm.json" "$T/td-rt3.log" <<-'EOP'
	import base64, hashlib, json, struct, sys
	doc = json.load(open(sys.argv[1]))
	ev = b"after the quote"
	rec = struct.pack("<III", 4, 6, 1) + struct.pack("<H", 0xc) + hashlib.sha384(ev).digest()
	doc["log"] = base64.b64encode(base64.b64decode(doc["log"]) + rec + struct.pack("<I", len(ev)) + ev).decode()
	json.dump(doc, open(sys.argv[1], "w"))
	EOP
	run $TSM verify --nonce $nonce "$T/tdm.json"
	[ $rc -eq 0 ] && grep -q "^ok   registers: " "$T/out"
	tap $? "TDX: an entry logged after the quote: exit 0 (the prefix rule)"
	mk_td_doc "$T/tdm.json" $nonce 2 "$T/td-ccel" "$T/td-rt.log" version3
	run $TSM verify --nonce $nonce "$T/tdm.json"
	refused 2 "version"
	tap $? "TDX: a version 3 quote: exit 2, one line naming the version"
}

# The quote of an evidence document checked by tpm2_checkquote (signature
# with the pinned key, nonce) and python3 (the PCR values hash to the
# pcrDigest of TPMS_ATTEST, parsed from its layout here).
referee_tpm() {
	doc=$1 pem=$2 nonce=$3
	doc_field "$doc" tpm_quote.message "$T/msg" &&
		doc_field "$doc" tpm_quote.signature "$T/sig" || return 1
	tpm2_checkquote -u "$pem" -m "$T/msg" -s "$T/sig" -q "$nonce" > "$T/cq" 2>&1 ||
		{ sed 's/^/# checkquote: /' "$T/cq"; return 1; }
	python3 - "$doc" "$T/msg" <<-'EOP'
	import hashlib, json, struct, sys
	doc = json.load(open(sys.argv[1]))
	m = open(sys.argv[2], "rb").read()
	o = 6                                   # magic, type
	for _ in range(2):                      # qualifiedSigner, extraData
	    o += 2 + struct.unpack(">H", m[o:o + 2])[0]
	o += 17 + 8                             # clockInfo, firmwareVersion
	names = {0xb: "sha256", 0xc: "sha384", 0xd: "sha512", 0x4: "sha1"}
	vals = b""
	count = struct.unpack(">I", m[o:o + 4])[0]; o += 4
	for _ in range(count):
	    alg, n = struct.unpack(">HB", m[o:o + 3]); o += 3
	    bits = int.from_bytes(m[o:o + n], "little"); o += n
	    bank = doc["tpm_quote"]["pcrs"][names[alg]]
	    pcrs = [p for p in range(8 * n) if bits >> p & 1]
	    assert sorted(int(k) for k in bank) == pcrs, (bank.keys(), pcrs)
	    vals += b"".join(bytes.fromhex(bank[str(p)]) for p in pcrs)
	size = struct.unpack(">H", m[o:o + 2])[0]
	digest = m[o + 2:o + 2 + size]
	h = {32: hashlib.sha256, 48: hashlib.sha384}[size]
	assert h(vals).digest() == digest, "pcrDigest"
	assert o + 2 + size == len(m)
	EOP
}

# A TPM evidence round trip on the swtpm of test_quote: persistent AKs made
# with tpm2-tools, a fake securityfs for the provider's log and count.
test_evidence_tpm() {
	if [ -z "$swtpm_pid" ] || ! command -v tpm2_createak > /dev/null ||
	   ! command -v tpm2_checkquote > /dev/null; then
		skip "evidence -p tpm round trip" "swtpm or tpm2-tools not installed"
		return
	fi
	tpm2_pcrreset 16 > /dev/null && tpm2_pcrreset 23 > /dev/null
	$MKLOG "$T/et.log" sha256,sha384 16:one 23:two 10/3:noaction 16:three
	extend_records "$T/et.log" 0 1 3
	fake_provider tpm "$T/et.log" 4
	# No resource manager in front of the swtpm: flush what each tool leaves.
	(cd "$T" && set -e
	 flush() { tpm2_flushcontext -t; tpm2_flushcontext -s; }
	 flush
	 tpm2_createek -c ek.ctx -G rsa -u ek.pub; flush
	 tpm2_createak -C ek.ctx -c ak.ctx -u ak.pub -n ak.name; flush
	 tpm2_evictcontrol -C o -c ak.ctx 0x81010002; flush
	 tpm2_readpublic -c 0x81010002 -f pem -o ak.pem
	 tpm2_createak -C ek.ctx -c akecc.ctx -G ecc -g sha256 -s ecdsa \
		-u akecc.pub -n akecc.name; flush
	 tpm2_evictcontrol -C o -c akecc.ctx 0x81010003; flush
	 tpm2_readpublic -c 0x81010003 -f pem -o akecc.pem) > "$T/ak.log" 2>&1
	st=$?
	[ $st -eq 0 ] || sed 's/^/# /' "$T/ak.log"
	tap $st "tpm2_createek/createak/evictcontrol: persistent RSA AK 0x81010002, ECC AK 0x81010003"
	nonce=00112233445566778899aabbccddeeff
	export TSM_RTMR_SECURITYFS=$T/esfs
	run $TSM evidence -p tpm --tcti "$TCTI" --ak 0x81010002 --nonce $nonce -o "$T/et.json"
	[ $rc -eq 0 ] && grep -q "^tpm: evidence with a TPM quote of 4 PCR values, count 4" "$T/out"
	tap $? "evidence -p tpm --ak 0x81010002: PCRs 16 and 23 in both banks, exit 0"
	referee_tpm "$T/et.json" "$T/ak.pem" $nonce
	tap $? "the document's quote: tpm2_checkquote (signature, nonce) and pcrDigest (python3)"
	doc_field "$T/et.json" log "$T/f" && cmp -s "$T/f" "$T/et.log"
	tap $? "the document's log is the provider's, byte for byte"
	run $TSM verify --nonce $nonce --ak-pub "$T/ak.pem" "$T/et.json"
	[ $rc -eq 0 ] && [ ! -s "$T/err" ] && grep -q "^ok   signature: " "$T/out" &&
		! grep -q "^FAIL" "$T/out"
	st=$?
	sed 's/^/# /' "$T/out" "$T/err"
	tap $st "verify --ak-pub ak.pem: exit 0, every check ok"
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2> /dev/null |
		openssl pkey -pubout -out "$T/other.pem"
	run $TSM verify --nonce $nonce --ak-pub "$T/other.pem" "$T/et.json"
	refused 1 "signature" && grep -q "^FAIL signature: " "$T/out"
	tap $? "verify with the wrong pinned AK (another RSA key): exit 1, FAIL signature"
	run $TSM verify --nonce $nonce "$T/et.json"
	refused 2 "--ak-pub"
	tap $? "verify of a TPM document without --ak-pub: exit 2, one line"
	run $TSM verify --nonce 00112233 --ak-pub "$T/ak.pem" "$T/et.json"
	refused 1 "nonce" && grep -q "^FAIL nonce: " "$T/out"
	tap $? "verify with another nonce: exit 1, FAIL nonce"
	run $TSM evidence -p tpm --tcti "$TCTI" --ak 0x81010003 --nonce $nonce -o "$T/ec.json"
	[ $rc -eq 0 ] && referee_tpm "$T/ec.json" "$T/akecc.pem" $nonce &&
		run $TSM verify --nonce $nonce --ak-pub "$T/akecc.pem" "$T/ec.json" && [ $rc -eq 0 ]
	tap $? "evidence --ak 0x81010003 (ECC, ECDSA/SHA-256): checkquote and verify pass"
	run $TSM evidence -p tpm --tcti "$TCTI" --nonce $nonce --pcrs 16 -o "$T/fresh.json"
	[ $rc -eq 0 ] && python3 -c 'import json,sys; open(sys.argv[2],"w").write(json.load(open(sys.argv[1]))["tpm_quote"]["ak_public"])' \
		"$T/fresh.json" "$T/fresh.pem" && referee_tpm "$T/fresh.json" "$T/fresh.pem" $nonce
	tap $? "evidence with a fresh AK --pcrs 16: its ak_public checks the quote (tpm2_checkquote)"
	run $TSM quote --tcti "$TCTI" --ak 0x81010002 --pcrs 16,23 --nonce $nonce
	[ $rc -eq 0 ] && grep -q "^prefix: 4 of 4 records" "$T/out"
	tap $? "quote --ak 0x81010002 (RSA): signature, nonce and prefix verify"
	run $TSM evidence -p tpm --tcti "$TCTI" --ak 0x81010009 --nonce $nonce -o "$T/none.json"
	refused 2 "--ak 0x81010009" && [ ! -e "$T/none.json" ]
	tap $? "evidence --ak of an empty handle: exit 2, one line, no file"
	$MKLOG "$T/empty.log" sha256,sha384
	fake_provider tpm "$T/empty.log" 0
	run $TSM evidence -p tpm --tcti "$TCTI" --nonce $nonce -o "$T/e.json"
	refused 2 "extends no PCR yet: name the PCRs to quote with --pcrs"
	tap $? "evidence of an empty log without --pcrs: exit 2, one line"
	# PCR 23 extended behind the log: the document is written, verify fails.
	fake_provider tpm "$T/et.log" 4
	tpm2_pcrextend 23:sha256=$(zeros 64),sha384=$(zeros 96) > /dev/null
	run $TSM evidence -p tpm --tcti "$TCTI" --ak 0x81010002 --nonce $nonce -o "$T/bad.json"
	[ $rc -eq 0 ] && run $TSM verify --nonce $nonce --ak-pub "$T/ak.pem" "$T/bad.json" &&
		refused 1 "registers" && grep -q "^FAIL registers: " "$T/out"
	tap $? "PCR 23 extended behind the log: verify exit 1, FAIL registers"
	unset TSM_RTMR_SECURITYFS
}

# replay -p tpm reads the PCRs from the TPM itself (here the swtpm of
# test_quote, through --tcti), with the provider's count and log in a fake
# securityfs: an extend behind the log shows, and every entry counted
# before the read must be in the prefix its PCR matches.
test_replay_tpm() {
	if [ -z "$swtpm_pid" ]; then
		for t in replay-tpm replay-tpm-newer replay-tpm-uncovered \
			 replay-tpm-file replay-tpm-foreign replay-tpm-reset \
			 replay-tpm-restored replay-tpm-bank replay-tpm-tcti \
			 replay-sim-tcti; do
			skip "$t" "swtpm or tpm2-tools not installed"
		done
		return
	fi
	tpm2_pcrreset 16 > /dev/null && tpm2_pcrreset 23 > /dev/null
	$MKLOG "$T/r.log" sha256,sha384 16:one 23:two 10/3:noaction 16:three
	$MKLOG "$T/r5.log" sha256,sha384 16:one 23:two 10/3:noaction 16:three 23:four-not-yet
	extend_records "$T/r.log" 0 1 3
	mkdir -p "$T/rsfs/tpm"
	cp "$T/r.log" "$T/rsfs/tpm/binary_event_log"
	echo 4 > "$T/rsfs/tpm/count"
	TSM_RTMR_SECURITYFS=$T/rsfs run $TSM replay -p tpm --tcti "$TCTI"
	[ $rc -eq 0 ] && [ ! -s "$T/err" ] && [ "$(wc -l < "$T/out")" -eq 4 ]
	tap $? "replay -p tpm: PCRs 16 and 23 read from the TPM equal the replay, exit 0"
	# An entry logged after count was read may be newer than the PCRs.
	cp "$T/r5.log" "$T/rsfs/tpm/binary_event_log"
	TSM_RTMR_SECURITYFS=$T/rsfs run $TSM replay -p tpm --tcti "$TCTI"
	[ $rc -eq 0 ] && grep -q "shorter prefix of the log's 5 records" "$T/err"
	sed "s|^|# |" "$T/err"
	tap $? "replay -p tpm: count 4, a 5th entry not yet in PCR 23: exit 0"
	echo 5 > "$T/rsfs/tpm/count"
	TSM_RTMR_SECURITYFS=$T/rsfs run $TSM replay -p tpm --tcti "$TCTI"
	[ $rc -eq 1 ] && [ "$(wc -l < "$T/err")" -eq 1 ] &&
		grep -q "register 23 (log index 23) is the replay of only the first 4 records, but 1 entry .* not covered .*: recnum 4$" "$T/err"
	sed "s|^|# |" "$T/err"
	tap $? "replay -p tpm: count 5, PCR 23 without entry 4: exit 1 naming recnum 4"
	run $TSM replay -p tpm --tcti "$TCTI" "$T/r5.log"
	[ $rc -eq 1 ] && grep -q "not covered .*: recnum 4$" "$T/err"
	tap $? "replay -p tpm FILE: every record of FILE counts: exit 1 naming recnum 4"
	# PCR 16 reset and extended again with its first entry only.
	tpm2_pcrreset 16 > /dev/null && extend_records "$T/r.log" 0
	run $TSM replay -p tpm --tcti "$TCTI" "$T/r.log"
	[ $rc -eq 1 ] && [ "$(wc -l < "$T/err")" -eq 1 ] &&
		grep -q "register 16 (log index 16) is the replay of only the first 3 records, but 1 entry .*(a reset or an extend behind the log): recnum 3$" "$T/err"
	sed "s|^|# |" "$T/err"
	tap $? "replay -p tpm: PCR 16 reset and re-extended with an old prefix: exit 1 naming recnum 3"
	extend_records "$T/r.log" 3
	run $TSM replay -p tpm --tcti "$TCTI" "$T/r.log"
	[ $rc -eq 0 ]
	tap $? "replay -p tpm: PCR 16 extended with the rest of its entries: exit 0 again"
	tpm2_pcrextend 16:sha256=$(zeros 64) > /dev/null
	run $TSM replay -p tpm --tcti "$TCTI" "$T/r.log"
	[ $rc -eq 1 ] && [ "$(wc -l < "$T/err")" -eq 1 ] &&
		grep -q "^tsm-rtmr: replay: register 16 (log index 16) sha256: live value is not the replay of any prefix" "$T/err"
	sed "s|^|# |" "$T/err"
	tap $? "replay -p tpm: after a foreign extend of PCR 16 (sha256 only), exit 1 naming register 16 sha256"
	$MKLOG "$T/r512.log" sha256,sha512 16:x
	run $TSM replay -p tpm --tcti "$TCTI" "$T/r512.log"
	[ $rc -eq 2 ] && [ "$(wc -l < "$T/err")" -eq 1 ] && grep -q "no bank 0x000d (sha512)" "$T/err"
	sed "s|^|# |" "$T/err"
	tap $? "replay -p tpm: a bank the TPM lacks: exit 2, one line naming it"
	run $TSM replay -p tpm --tcti "swtpm:host=127.0.0.1,port=1" "$T/r.log"
	[ $rc -eq 2 ] && [ "$(wc -l < "$T/err")" -eq 1 ]
	sed "s|^|# |" "$T/err"
	tap $? "replay -p tpm: unreachable TPM: exit 2, one line"
	run $TSM replay -p sim --tcti "$TCTI" "$T/r.log"
	[ $rc -eq 2 ] && grep -q "provider sim is not a TPM" "$T/err"
	tap $? "replay -p sim --tcti: exit 2 (sim's live values are the kernel's)"
}

# import against a fake securityfs: the kernel's refusals (EINVAL, EBUSY)
# need the kernel (test_cli.sh, the kexec stage); here what the CLI does
# itself: one whole write of a well-formed file, a malformed file never
# written, the errors it reports.
test_import() {
	$MKLOG "$T/imp.log" sha256,sha384 14:a 15:b 14:c
	mkdir -p "$T/isfs/tpm"
	: > "$T/isfs/tpm/import"
	cp "$T/imp.log" "$T/isfs/tpm/binary_event_log"
	echo 3 > "$T/isfs/tpm/count"
	TSM_RTMR_SECURITYFS=$T/isfs run $TSM import -p tpm "$T/imp.log"
	[ $rc -eq 0 ] && cmp -s "$T/isfs/tpm/import" "$T/imp.log" &&
		grep -q "^tpm: imported 3 entries from " "$T/out"
	tap $? "import: the whole file in one write to tpm/import, exit 0, the count said"
	: > "$T/isfs/tpm/import"
	head -c -1 "$T/imp.log" > "$T/imp-cut.log"
	TSM_RTMR_SECURITYFS=$T/isfs run $TSM import -p tpm "$T/imp-cut.log"
	[ $rc -eq 2 ] && [ "$(wc -l < "$T/err")" -eq 1 ] &&
		grep -q "not a binary event log" "$T/err" && [ ! -s "$T/isfs/tpm/import" ]
	tap $? "import: a truncated file is not written, exit 2, one line"
	TSM_RTMR_SECURITYFS=$T/isfs run $TSM import -p tdx "$T/imp.log"
	[ $rc -eq 2 ] && [ "$(wc -l < "$T/err")" -eq 1 ] && grep -q "tdx/import: No such file" "$T/err"
	tap $? "import: no such provider: exit 2, one line"
	ln -sf /dev/full "$T/isfs/tpm/import"
	TSM_RTMR_SECURITYFS=$T/isfs run $TSM import -p tpm "$T/imp.log"
	[ $rc -eq 2 ] && [ "$(wc -l < "$T/err")" -eq 1 ] && grep -q "max_log_bytes" "$T/err"
	tap $? "import: ENOSPC from the kernel: exit 2, one line naming max_log_bytes"
	run $TSM import -p tpm
	[ $rc -eq 2 ] && grep -q "expected one FILE" "$T/err"
	tap $? "import without FILE: exit 2"
	run $TSM import -p tpm "$T/nonexistent"
	[ $rc -eq 2 ] && [ "$(wc -l < "$T/err")" -eq 1 ]
	tap $? "import of a missing file: exit 2, one line"
}

test_usage
test_import
test_formats
test_replay
test_stdout_full
test_fixtures
test_ccel
test_verify_usage
test_evidence_usage
test_evidence_sim
test_log_aael
test_extend_aael
test_verify_tdx
test_quote
test_replay_tpm
test_evidence_tpm
[ $sanitizer_reports -eq 0 ]
tap $? "no sanitizer reports from the CLI ($sanitizer_reports)"
echo "1..$n"
[ $failed -eq 0 ]
