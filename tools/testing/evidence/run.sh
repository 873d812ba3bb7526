#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check's vm-evidence-<series> (6.12): evidence written in a guest,
# verified on the host, a different machine in every sense that matters (no
# configfs, no TPM). TAP on stdout.
#
#   run.sh [--kver SERIES] [--docs DIR] [--cli PATH]
#
# The guest (guest.sh, one boot of Debian's kernel with swtpm, TCG, the TDX
# emulator next to configfs-tsm) commits to the `tdx` and `tpm` providers
# and writes evidence documents with this script's nonces into a fresh
# build/evidence/<run>/, shared at /host. Then, here:
#   - `tsm-rtmr verify` of the good documents exits 0 (its output is
#     printed as comments), with an environment pointing every configfs,
#     securityfs and TPM path at nothing, under strace to show it opens
#     none of them;
#   - independent referees pass them: referee.py (its own log, TD quote
#     and TPMS_ATTEST parsers; hashlib, python3-cryptography),
#     tpm2_checkquote (signature, nonce, PCR digest from the document's
#     values), tpm2_eventlog (the log), the AAEL golden record;
#   - tampered documents: verify exits 1 naming the failing check, and the
#     referee refuses them too (entries appended after the quote: both
#     accept, the prefix rule);
#   - malformed documents: verify exits 2 with one line on stderr, never a
#     crash (exit >= 128, a sanitizer report); so does the referee.
# --docs DIR: skip the guest, check the documents of an earlier run's DIR.
# --cli PATH: verify with another build of tsm-rtmr (with --docs: to see
# every check fail against a stub or a verify that accepts everything).
set -uo pipefail
shopt -s extglob

top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 2
. tools/testing/lib/tap.sh
# norm_pcrs, shared with the guest's test_tpm.sh
. tools/testing/selftests/tsm-rtmr/tpm2_pcrs.sh
here=tools/testing/evidence
referee=$here/referee.py
cli=$top/tools/tsm-rtmr/tsm-rtmr
series=6.12 docs='' other_cli=0
while [ $# -gt 0 ]; do
	case $1 in
	--kver) series=${2:?}; shift ;;
	--docs) docs=${2:?}; shift ;;
	--cli) cli=$(realpath "${2:?}") other_cli=1; shift ;;
	*) echo "usage: run.sh [--kver SERIES] [--docs DIR] [--cli PATH]" >&2; exit 2 ;;
	esac
	shift
done

echo "TAP version 13"
comment() { sed 's/^/# /' "$@"; }

if [ ! -x "$cli" ]; then
	not_ok "tools/tsm-rtmr/tsm-rtmr is built (make tools)"
	tap_plan
	exit 1
fi

# The CLI as built now (the guest's copy is taken at the same time), kept:
# a rebuild during the run must not change it under the checks.
snap=$(mktemp -d) || exit 2
trap 'rm -rf "$snap"' EXIT
cp "$cli" "$snap/tsm-rtmr" && cli=$snap/tsm-rtmr

hex() { od -An -tx1 -N"$1" /dev/urandom | tr -d ' \n'; }

# ---- the guest -------------------------------------------------------------

if [ -z "$docs" ]; then
	d=build/evidence/$(date +%Y%m%d-%H%M%S)-$$
	mkdir -p "$d" || exit 2
	# the last ten runs are kept
	find build/evidence -mindepth 1 -maxdepth 1 -type d -name '20*-*' |
		sort | head -n -10 | xargs -r rm -rf
	d=$(cd "$d" && pwd)
	cat > "$d/params" <<-EOF
	NONCE_TDX=$(hex 32)
	NONCE_TPM=$(hex 20)
	NONCE_BEHIND=$(hex 32)
	NONCE_RESET=$(hex 20)
	AAEL_TEXT='domain op content with spaces'
	EOF
	echo "# documents in $d"
	start=$SECONDS
	tools/testing/vm/run-vm.sh --kver "$series" --timeout 480 --share "$d" \
		--copy "$here/guest.sh:/tests/evidence/guest.sh" \
		--log-dir "build/vm/check-evidence-$series" \
		-- /tests/evidence/guest.sh > "$d/guest.tap" 2> "$d/vm.err"
	rc=$?
	echo "# guest: run-vm.sh exited $rc after $((SECONDS - start)) s"
	# The guest's results, numbered in this stream.
	while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		"ok "*)	ok "guest: ${line#ok*([0-9 ]) - }" ;;
		"not ok "*)	not_ok "guest: ${line#not ok*([0-9 ]) - }" ;;
		"#"*)	echo "$line" ;;
		1..*)	;;
		*)	echo "# guest: $line" ;;
		esac
	done < "$d/guest.tap"
	if [ "$rc" != 0 ] && [ "$tap_failed" = 0 ]; then
		not_ok "guest: run-vm.sh exited $rc"
		comment < "$d/vm.err"
	fi
else
	d=$(cd "$docs" && pwd) || exit 2
	echo "# documents of an earlier run: $d"
fi
# shellcheck disable=SC1091
. "$d/params"

# ---- verify on the host ----------------------------------------------------

# The host is the remote verifier: every path the CLI could reach the
# kernel or a TPM through points at nothing.
hostenv=(env -i PATH=/usr/bin:/bin LC_ALL=C HOME=/nonexistent
	TSM_RTMR_CONFIGFS=/nonexistent/configfs
	TSM_RTMR_SECURITYFS=/nonexistent/securityfs
	TSM_RTMR_TSM_REPORT=/nonexistent/report
	TSM_RTMR_CCEL=/nonexistent/ccel
	TPM2TOOLS_TCTI=device:/nonexistent/tpm TSS2_TCTI=device:/nonexistent/tpm)
out=$d/out
mkdir -p "$out"

# verify DOC ARGS...: the CLI's verify; rc, stdout, stderr in $vrc,
# $out/v.out, $out/v.err
verify() {
	local doc=$1
	shift
	"${hostenv[@]}" "$cli" verify "$@" "$doc" > "$out/v.out" 2> "$out/v.err"
	vrc=$?
}

crashed() {
	[ "$vrc" -ge 128 ] || grep -Eq 'AddressSanitizer|runtime error:|LeakSanitizer' "$out/v.err"
}

# expect_verify DESC RC CHECKS DOC ARGS...: verify exits RC; for 1, a
# "FAIL CHECK" line names one of CHECKS (ERE alternation); for 2, one line
# on stderr naming the cause (CHECKS: an ERE it matches, case-insensitive);
# never a crash.
expect_verify() {
	local desc=$1 want=$2 checks=$3 doc=$4 why=''
	shift 4
	if [ ! -s "$doc" ]; then
		not_ok "$desc: no document $(basename "$doc")"
		return
	fi
	verify "$doc" "$@"
	if crashed; then
		why="crashed (exit $vrc)"
	elif [ "$vrc" != "$want" ]; then
		why="exit $vrc, want $want"
	elif [ "$want" = 1 ] && ! grep -Eq "^FAIL ($checks)\b" "$out/v.out"; then
		why="no FAIL line naming $checks"
	elif [ "$want" = 2 ] && [ "$(grep -c . "$out/v.err")" != 1 ]; then
		why="stderr has $(grep -c . "$out/v.err") lines, want 1"
	elif [ "$want" = 2 ] && { grep -q 'not implemented' "$out/v.err" ||
		! sed "s|$doc|FILE|g" "$out/v.err" | grep -Eiq "$checks"; }; then
		why="stderr does not name the cause ($checks)"
	fi
	if [ -z "$why" ]; then
		ok "$desc"
	else
		not_ok "$desc: $why"
	fi
	{ cat "$out/v.out"; sed 's/^/stderr: /' "$out/v.err"; } | comment
}

# expect_referee DESC RC DOC [--checks ERE] ARGS...: referee.py check
# exits RC, and for 1 names one of the checks of ERE failing
expect_referee() {
	local desc=$1 want=$2 doc=$3 checks='' rrc
	shift 3
	if [ "${1:-}" = --checks ]; then
		checks=$2
		shift 2
	fi
	python3 "$referee" check "$doc" "$@" > "$out/r.out" 2>&1
	rrc=$?
	if [ "$rrc" != "$want" ]; then
		not_ok "$desc: referee exit $rrc, want $want"
	elif [ "$want" = 1 ] && ! grep -Eq "^FAIL ($checks)\b" "$out/r.out"; then
		not_ok "$desc: no FAIL line naming $checks"
	else
		ok "$desc"
	fi
	comment "$out/r.out"
}

tdx=$d/tdx.json tpm=$d/tpm.json tpmecc=$d/tpm-ecc.json
ak=$d/ak.pem akecc=$d/ak-ecc.pem
wrong_nonce=$(hex 32)

if [ -e /sys/kernel/config/tsm ] || ls /dev/tpm* > /dev/null 2>&1; then
	echo "# note: this host has configfs-tsm or a TPM device; verify's environment points away from them"
fi

# The good documents, with their output in the TAP (the issue's note
# quotes it).
echo "# tsm-rtmr verify --nonce $NONCE_TDX tdx.json"
expect_verify "verify tdx.json on the host: exit 0" 0 '' "$tdx" --nonce "$NONCE_TDX"
echo "# tsm-rtmr verify --nonce $NONCE_TPM --ak-pub ak.pem tpm.json (RSA AK)"
expect_verify "verify tpm.json (RSA AK pinned) on the host: exit 0" 0 '' "$tpm" --nonce "$NONCE_TPM" --ak-pub "$ak"
expect_verify "verify tpm-ecc.json (ECC P-256 AK pinned) on the host: exit 0" 0 '' "$tpmecc" --nonce "$NONCE_TPM" --ak-pub "$akecc"

# It needs no configfs, securityfs or TPM: it opens none.
if command -v strace > /dev/null && [ -s "$tdx" ] && [ -s "$tpm" ]; then
	i=0
	for args in "--nonce $NONCE_TDX $tdx" "--nonce $NONCE_TPM --ak-pub $ak $tpm"; do
		i=$((i + 1))
		# shellcheck disable=SC2086
		"${hostenv[@]}" strace -f -qq -e trace=open,openat,openat2,stat,newfstatat,access \
			-o "$out/strace.$i" "$cli" verify $args > /dev/null 2>&1
	done
	if cat "$out"/strace.[12] |
		grep -E '/sys/kernel/(config|security)|/dev/tpm|nonexistent' > "$out/touched"; then
		not_ok "verify touches no configfs, securityfs or TPM path"
		comment "$out/touched"
	else
		ok "verify touches no configfs, securityfs or TPM path (strace)"
	fi
else
	ok "verify touches no configfs, securityfs or TPM path # SKIP strace is not installed"
fi
python3 -c 'import cryptography' 2>/dev/null ||
	not_ok "python3-cryptography is installed on the host (referee.py needs it)"

# ---- referees that are not the project's code -----------------------------

expect_referee "referee.py: tdx.json (REPORTDATA, ECDSA P-256, RTMR 0-3 = CCEL + log prefix >= count, binding)" \
	0 "$tdx" --nonce "$NONCE_TDX"
expect_referee "referee.py: tpm.json (extraData, RSA signature, pcrDigest, PCR replay, binding)" \
	0 "$tpm" --nonce "$NONCE_TPM" --ak-pub "$ak"
expect_referee "referee.py: tpm-ecc.json (ECDSA signature)" \
	0 "$tpmecc" --nonce "$NONCE_TPM" --ak-pub "$akecc"
# guest.sh's commits: RTMR 2, RTMR 3, a tagged event and the AAEL entry
# on RTMR 3
if python3 "$referee" indices "$tdx" 3,4,4,4 > "$out/r.out" 2>&1; then
	ok "referee.py: CCEL records at CC index 1-3, the runtime log's at RTMR + 1 (3,4,4,4)"
else
	not_ok "referee.py: CCEL records at CC index 1-3, the runtime log's at RTMR + 1 (3,4,4,4)"
fi
comment "$out/r.out"
if python3 "$referee" aael "$tdx" "$AAEL_TEXT" > "$out/r.out" 2>&1; then
	ok "AAEL golden record (CC index 4, EV_EVENT_TAG, SHA-384 of 'LEAA' len text) is in tdx.json's log byte for byte"
else
	not_ok "AAEL golden record (CC index 4, EV_EVENT_TAG, SHA-384 of 'LEAA' len text) is in tdx.json's log byte for byte"
fi
comment "$out/r.out"
if python3 "$referee" aael "$tdx" "${AAEL_TEXT}x" > "$out/r.out" 2>&1; then
	not_ok "the golden record of another text is not in the log (the check can fail)"
else
	ok "the golden record of another text is not in the log (the check can fail)"
fi

# The documents carry what the guest's kernel had.
same_b64() {	# same_b64 DOC FIELD FILE: the field decodes to FILE's bytes
	python3 - "$@" <<-'EOF'
	import base64, json, sys
	doc = json.load(open(sys.argv[1]))
	sys.exit(base64.b64decode(doc[sys.argv[2]]) != open(sys.argv[3], 'rb').read())
	EOF
}
expect "tdx.json's log is the guest's securityfs binary_event_log" same_b64 "$tdx" log "$d/tdx-log.bin"
expect "tdx.json's ccel is the emulator's debugfs ccel" same_b64 "$tdx" ccel "$d/ccel.bin"
expect "tpm.json's log is the guest's securityfs binary_event_log" same_b64 "$tpm" log "$d/tpm-log.bin"

# tpm2_checkquote and tpm2_eventlog on the document's parts.
checkquote() {	# checkquote DIR PEM NONCE: the parts in DIR
	tpm2_checkquote -u "$2" -m "$1/message" -s "$1/signature" -q "$3" -g sha256 \
		-f "$1/pcrs.values" -l "$(cat "$1/sel")" > "$1/cq.out" 2>&1
}
tpm_parts() {	# tpm_parts DOC DIR
	mkdir -p "$2" && python3 "$referee" tpm-parts "$1" "$2" > "$2/sel"
}
if command -v tpm2_checkquote > /dev/null && command -v tpm2_eventlog > /dev/null; then
	for c in "tpm RSA $tpm $ak" "tpm-ecc ECC $tpmecc $akecc"; do
		read -r name kind doc key <<< "$c"
		p=$out/$name-parts
		if tpm_parts "$doc" "$p" && checkquote "$p" "$key" "$NONCE_TPM"; then
			ok "tpm2_checkquote: $name.json's signature ($kind AK), nonce and pcrDigest of its PCR values ($(cat "$p/sel"))"
		else
			not_ok "tpm2_checkquote: $name.json's signature ($kind AK), nonce and pcrDigest of its PCR values"
		fi
		comment "$p/cq.out"
		# and it can fail: the wrong nonce, a changed PCR value
		if [ -s "$p/message" ] && ! checkquote "$p" "$key" "$wrong_nonce" &&
			cp "$p/pcrs.values" "$p/pcrs.good" &&
			printf '\001' | dd of="$p/pcrs.values" bs=1 seek=3 conv=notrunc 2>/dev/null &&
			! checkquote "$p" "$key" "$NONCE_TPM"; then
			ok "tpm2_checkquote refuses $name.json's quote with another nonce, and with a changed PCR value"
		else
			not_ok "tpm2_checkquote refuses $name.json's quote with another nonce, and with a changed PCR value"
		fi
		[ -f "$p/pcrs.good" ] && mv "$p/pcrs.good" "$p/pcrs.values"
	done
	p=$out/tpm-parts
	if tpm2_eventlog "$p/log.bin" > "$p/eventlog.yaml" 2> "$p/eventlog.err"; then
		ok "tpm2_eventlog parses tpm.json's log"
	else
		not_ok "tpm2_eventlog parses tpm.json's log"
		comment "$p/eventlog.err"
	fi
	norm_pcrs 1 < "$p/eventlog.yaml" > "$p/eventlog.pcrs"
	sort "$p/pcrs.txt" > "$p/doc.pcrs"
	if [ -s "$p/doc.pcrs" ] && [ -s "$p/eventlog.pcrs" ] &&
		join -t: -j1 <(awk -F: '{print $1"."$2":"$3}' "$p/eventlog.pcrs" | sort) \
			<(awk -F: '{print $1"."$2":"$3}' "$p/doc.pcrs" | sort) |
		awk -F: '$2 != $3 { bad = 1 } END { exit bad || NR == 0 }' &&
		[ "$(wc -l < "$p/eventlog.pcrs")" = "$(wc -l < "$p/doc.pcrs")" ]; then
		ok "tpm2_eventlog's replay of tpm.json's log equals its quoted PCRs"
	else
		not_ok "tpm2_eventlog's replay of tpm.json's log equals its quoted PCRs"
		{ echo "tpm2_eventlog:"; cat "$p/eventlog.pcrs"; echo "document:"; cat "$p/doc.pcrs"; } | comment
	fi
	# TDX: the CCEL and the runtime log as one log, replayed by
	# tpm2_eventlog, against the quote's RTMRs (CC index n + 1 = RTMR n)
	rtmrs_replay() {	# rtmrs_replay DOC DIR
		mkdir -p "$2" && python3 "$referee" tdx-parts "$1" "$2" 2> "$2/err" &&
			tpm2_eventlog "$2/combined.bin" > "$2/eventlog.yaml" 2>> "$2/err" &&
			norm_pcrs 1 < "$2/eventlog.yaml" > "$2/eventlog.pcrs" &&
			[ -s "$2/rtmrs.txt" ] &&
			diff <(sort "$2/rtmrs.txt") "$2/eventlog.pcrs" > "$2/diff" 2>&1
	}
	if rtmrs_replay "$tdx" "$out/tdx-parts"; then
		ok "tpm2_eventlog's replay of the CCEL followed by tdx.json's runtime log equals the TD quote's RTMR 0-3"
	else
		not_ok "tpm2_eventlog's replay of the CCEL followed by tdx.json's runtime log equals the TD quote's RTMR 0-3"
		cat "$out/tdx-parts/err" "$out/tdx-parts/diff" 2>/dev/null | comment
	fi
	if ! rtmrs_replay "$d/tdx-behind.json" "$out/behind-parts" &&
		grep -q '^< sha384:4:' "$out/behind-parts/diff"; then
		ok "and it differs from tdx-behind.json's RTMR 3 (the comparison can fail)"
	else
		not_ok "and it differs from tdx-behind.json's RTMR 3 (the comparison can fail)"
	fi
else
	not_ok "tpm2_checkquote and tpm2_eventlog on the host (tpm2-tools)"
fi

# ---- tampered documents: exit 1, the failing check named -------------------

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 2>/dev/null |
	openssl pkey -pubout -out "$out/other-rsa.pem" 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 2>/dev/null |
	openssl pkey -pubout -out "$out/other-ec.pem" 2>/dev/null

# tampered KIND DOC: the tampered copy's path (made once)
tampered() {
	local t
	t=$out/$(basename "$2" .json)-$1.json
	[ -s "$t" ] || python3 "$referee" tamper "$1" "$2" "$t" 2> "$out/tamper.err" ||
		comment "$out/tamper.err"
	echo "$t"
}

# bad DESC RC CHECKS DOC ARGS...: verify and the referee both refuse
bad() {
	local desc=$1 want=$2 checks=$3 doc=$4
	shift 4
	if [ "$want" = 2 ]; then
		expect_verify "verify $desc: exit 2, the cause on stderr" 2 "$checks" "$doc" "$@"
		expect_referee "referee.py $desc: exit 2" 2 "$doc" "$@"
		asan_verify "$desc" "$doc" "$@"
	else
		expect_verify "verify $desc: exit $want${checks:+, FAIL $checks}" "$want" "$checks" "$doc" "$@"
		expect_referee "referee.py $desc: exit $want${checks:+, FAIL $checks}" "$want" "$doc" --checks "$checks" "$@"
	fi
}

# The CLI under ASan+UBSan (the host stage's build), on malformed input:
# exit 2, no report.
asan_cli=$top/tools/testing/host/build/tsm-rtmr-asan
if [ "$other_cli" = 1 ]; then
	asan_cli=''
elif [ ! -x "$asan_cli" ] || [ "$asan_cli" -ot "$top/tools/tsm-rtmr/tsm-rtmr" ]; then
	echo "# no current ASan+UBSan CLI ($asan_cli: make -C tools/testing/host): malformed documents run on the plain build only"
	asan_cli=''
else
	cp "$asan_cli" "$snap/tsm-rtmr-asan" && asan_cli=$snap/tsm-rtmr-asan
fi
asan_verify() {
	local desc=$1 doc=$2 arc
	shift 2
	[ -n "$asan_cli" ] || return 0
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"${hostenv[@]}" "$asan_cli" verify "$@" "$doc" > /dev/null 2> "$out/a.err"
	arc=$?
	if [ "$arc" = 2 ] && ! grep -Eq 'Sanitizer|runtime error:' "$out/a.err"; then
		ok "verify (ASan+UBSan) $desc: exit 2, no report"
	else
		not_ok "verify (ASan+UBSan) $desc: exit $arc"
		head -n 30 "$out/a.err" | comment
	fi
}

TDX=(--nonce "$NONCE_TDX")
TPM=(--nonce "$NONCE_TPM" --ak-pub "$ak")
for name in tdx tpm; do
	doc=$d/$name.json
	if [ "$name" = tdx ]; then
		nonce=$NONCE_TDX key=()
	else
		nonce=$NONCE_TPM key=(--ak-pub "$ak")
	fi
	args=(--nonce "$nonce" "${key[@]}")
	bad "$name: a digest byte changed in the log" 1 'registers' "$(tampered log-digest "$doc")" "${args[@]}"
	bad "$name: the first entry removed" 1 'registers|log' "$(tampered log-remove "$doc")" "${args[@]}"
	bad "$name: an entry appended after the quote (the prefix rule accepts it)" 0 '' "$(tampered log-append "$doc")" "${args[@]}"
	bad "$name: count above the records the log holds" 1 'registers|log' "$(tampered count-up "$doc")" "${args[@]}"
	bad "$name: an entry appended and counted: count above the matching prefix" 1 'registers' "$(tampered append-count "$doc")" "${args[@]}"
	bad "$name: another nonce than the verifier's" 1 'nonce' "$doc" --nonce "$wrong_nonce" "${key[@]}"
	t=$(tampered tag-event "$doc")
	bad "$name: an EV_EVENT_TAG entry's event byte changed" 1 'binding' "$t" "${args[@]}"
	verify "$t" "${args[@]}"
	if grep -q '^ok   registers' "$out/v.out"; then
		ok "verify $name: with the event byte changed the registers still replay (only binding catches it)"
	else
		not_ok "verify $name: with the event byte changed the registers still replay (only binding catches it)"
	fi
done
bad "tdx: a bit flipped in the TD quote body" 1 'signature' "$(tampered tdq-body "$tdx")" "${TDX[@]}"
bad "tdx: a bit flipped in the TD quote signature" 1 'signature' "$(tampered tdq-sig "$tdx")" "${TDX[@]}"
bad "tdx: a CCEL record changed" 1 'registers' "$(tampered ccel-record "$tdx")" "${TDX[@]}"
bad "tdx-behind.json: RTMR 3 extended behind the log" 1 'registers' "$d/tdx-behind.json" --nonce "$NONCE_BEHIND"
bad "tpm: a bit flipped in the TPM message" 1 'signature' "$(tampered tpm-msg "$tpm")" "${TPM[@]}"
bad "tpm: a bit flipped in the TPM signature" 1 'signature' "$(tampered tpm-sig "$tpm")" "${TPM[@]}"
bad "tpm: a quoted PCR value changed" 1 'pcrs' "$(tampered pcr-value "$tpm")" "${TPM[@]}"
bad "tpm: the wrong pinned AK" 1 'signature' "$tpm" --nonce "$NONCE_TPM" --ak-pub "$out/other-rsa.pem"
bad "tpm-ecc: the wrong pinned AK (another P-256 key)" 1 'signature' "$tpmecc" --nonce "$NONCE_TPM" --ak-pub "$out/other-ec.pem"
bad "tpm-ecc: a bit flipped in the ECDSA signature" 1 'signature' "$(tampered tpm-sig "$tpmecc")" --nonce "$NONCE_TPM" --ak-pub "$akecc"
bad "tpm-reset.json: PCR 16 reset behind the log" 1 'registers' "$d/tpm-reset.json" --nonce "$NONCE_RESET" --ak-pub "$ak"

# ---- malformed: exit 2, one line on stderr, no crash -----------------------

# kind, then what the stderr line must name (ERE, case-insensitive)
while read -r k cause; do
	bad "tdx: malformed ($k)" 2 "$cause" "$(tampered "$k" "$tdx")" "${TDX[@]}"
done <<'EOF'
truncated	json|parse|truncated|end
version-2	version
log-b64	log|base64
tdq-b64	td_quote|base64
tdq-v3	version
tdq-siglen	signature|length|size|truncated
log-evsize	event|size|truncated|record
log-evsize-1	event|size|truncated|record
EOF
while read -r k cause; do
	bad "tpm: malformed ($k)" 2 "$cause" "$(tampered "$k" "$tpm")" "${TPM[@]}"
done <<'EOF'
truncated	json|parse|truncated|end
log-evsize	event|size|truncated|record
EOF
bad "tpm: no --ak-pub (nothing vouches for the document's own key)" 2 'ak-pub|AK|key' "$tpm" --nonce "$NONCE_TPM"

tap_plan
tap_passed
