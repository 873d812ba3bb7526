#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of the evidence stage (run.sh, make check's
# vm-evidence-6.12): commits to the `tdx` provider over the TDX emulator and
# to the `tpm` provider over swtpm, then evidence documents written with the
# verifier's nonces into /host, the host directory run.sh shares, where the
# host (no configfs, no TPM) verifies them. Busybox sh; TAP.
#
# /host/params (from run.sh) sets NONCE_TDX, NONCE_TPM, NONCE_BEHIND,
# NONCE_RESET and AAEL_TEXT. Writes into /host:
#   tdx.json          evidence of the tdx provider (CCEL from debugfs)
#   tdx-behind.json   the same after RTMR 3 was extended behind the log
#   tdx-log.bin, ccel.bin   the securityfs log and the debugfs CCEL as read
#   ak.pem, ak-ecc.pem      the persistent AKs (RSA 0x81010002, ECC 0x81010003)
#   tpm.json, tpm-ecc.json  evidence of the tpm provider signed by each AK
#   tpm-reset.json    the same after PCR 16 was reset behind the log
#   tpm-log.bin       the tpm provider's binary_event_log as read
#   *.out             what the CLI printed, for the host's TAP comments

OUT=/host
# shellcheck disable=SC1091
. "$OUT/params" || exit 2
TSM_RTMR=${TSM_RTMR:-/usr/bin/tsm-rtmr}
QGS=/tests/tsm-rtmr/tdx-emu/tsm-rtmr-qgs-emu
EMU=tsm_rtmr_tdx_emu
DBG=/sys/kernel/debug/$EMU
SFS=/sys/kernel/security/tsm-rtmr
AK_RSA=0x81010002
AK_ECC=0x81010003
export TPM2TOOLS_TCTI=device:/dev/tpmrm0
TMP=$(mktemp -d) || exit 2
n=0
failed=0
qgs_pid=

ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); echo "not ok $n - $*"; failed=$((failed + 1)); }
diag() { sed 's/^/# /' "$@"; }

# run DESCRIPTION COMMAND...: ok when COMMAND exits 0; its output is kept
# in $TMP/out and shown as comments when it fails.
run() {
	desc=$1
	shift
	if "$@" > "$TMP/out" 2>&1; then
		ok "$desc"
	else
		nok "$desc (exit $?)"
		diag "$TMP/out"
		return 1
	fi
}

# expect_exit1 DESCRIPTION COMMAND...: a failed verification, exit 1
expect_exit1() {
	desc=$1
	shift
	"$@" > "$TMP/out" 2>&1
	rc=$?
	if [ "$rc" = 1 ]; then ok "$desc"; else nok "$desc (exit $rc)"; fi
	diag "$TMP/out"
}

finish() {
	[ -n "$qgs_pid" ] && kill "$qgs_pid" 2>/dev/null && wait "$qgs_pid" 2>/dev/null
	rm -rf "$TMP"
	sync
	echo "1..$n"
	[ "$failed" = 0 ]
	exit $?
}

# ---- modules and the quoting service -------------------------------------

run "modprobe tsm (configfs-tsm)" /sbin/modprobe tsm
run "modprobe tsm_rtmr" /sbin/modprobe tsm_rtmr
# PCR 16 is extendable only when allowed= names it (spec 3), and
# tsm_rtmr_tpm may have been loaded with its defaults: its log is empty, so
# it can be reloaded.
[ -d /sys/module/tsm_rtmr_tpm ] && /sbin/rmmod tsm_rtmr_tpm
run "modprobe tsm_rtmr_tpm allowed=8-9,11-16" /sbin/modprobe tsm_rtmr_tpm allowed=8-9,11-16
run "modprobe $EMU: provider tdx" sh -c "/sbin/modprobe $EMU && test -d $SFS/tdx"
[ -d "$SFS/tdx" ] || finish

"$QGS" > "$TMP/qgs" 2>&1 &
qgs_pid=$!
i=0
while ! grep -q 'ready' "$TMP/qgs" 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if grep -q 'ready' "$TMP/qgs"; then ok "tsm-rtmr-qgs-emu ready"; else nok "tsm-rtmr-qgs-emu ready"; diag "$TMP/qgs"; fi

# ---- TDX -------------------------------------------------------------------

run "extend -p tdx -i 2 (EV_IPL)" "$TSM_RTMR" extend -p tdx -i 2 -t 0xd -s 'evidence: RTMR 2'
run "extend -p tdx -i 3 (EV_IPL)" "$TSM_RTMR" extend -p tdx -i 3 -t 0xd -s 'evidence: RTMR 3'
run "extend -p tdx -i 3 --tag 0x1234 (EV_EVENT_TAG)" "$TSM_RTMR" extend -p tdx -i 3 --tag 0x1234 -s 'evidence: tagged on RTMR 3'
run "extend --aael '$AAEL_TEXT'" "$TSM_RTMR" extend --aael "$AAEL_TEXT"
cp "$SFS/tdx/binary_event_log" "$OUT/tdx-log.bin"
cp "$DBG/ccel" "$OUT/ccel.bin"
if "$TSM_RTMR" log -p tdx --format aael > "$TMP/aael" 2>&1 &&
	[ "$(cat "$TMP/aael")" = "$AAEL_TEXT" ]; then
	ok "log --format aael prints the AAEL entry's text"
else
	nok "log --format aael prints the AAEL entry's text"
	diag "$TMP/aael"
fi
if "$TSM_RTMR" quote -p tdx --nonce "$NONCE_TDX" --ccel "$DBG/ccel" > "$OUT/quote-tdx.out" 2>&1; then
	ok "quote -p tdx --ccel debugfs ccel passes in the guest"
else
	nok "quote -p tdx --ccel debugfs ccel passes in the guest (exit $?)"
fi
diag "$OUT/quote-tdx.out"
run "evidence -p tdx -o /host/tdx.json" \
	"$TSM_RTMR" evidence -p tdx --nonce "$NONCE_TDX" --ccel "$DBG/ccel" -o "$OUT/tdx.json"

# RTMR 3 extended behind tsm-rtmr's back (tsm-mr's sysfs file on 6.16)
run "debugfs extend: RTMR 3 behind the log" \
	sh -c "echo '3 $(printf '%096d' 7)' > $DBG/extend"
run "evidence -p tdx -o /host/tdx-behind.json (written; verify must refuse it)" \
	"$TSM_RTMR" evidence -p tdx --nonce "$NONCE_BEHIND" --ccel "$DBG/ccel" -o "$OUT/tdx-behind.json"
expect_exit1 "quote -p tdx notices RTMR 3 behind the log: exit 1" \
	"$TSM_RTMR" quote -p tdx --nonce "$NONCE_BEHIND" --ccel "$DBG/ccel"

# ---- TPM: persistent AKs made with the standard tools ---------------------

run "tpm2_createek (RSA)" tpm2_createek -c "$TMP/ek.ctx" -G rsa -u "$TMP/ek.pub"
run "tpm2_createak (RSA, its default) and tpm2_evictcontrol $AK_RSA" sh -c "
	tpm2_createak -C $TMP/ek.ctx -c $TMP/ak.ctx -G rsa -u $TMP/ak.pub -n $TMP/ak.name &&
	tpm2_evictcontrol -C o -c $TMP/ak.ctx $AK_RSA &&
	tpm2_readpublic -c $AK_RSA -f pem -o $OUT/ak.pem"
run "tpm2_createak (ECC P-256) and tpm2_evictcontrol $AK_ECC" sh -c "
	tpm2_createak -C $TMP/ek.ctx -c $TMP/akecc.ctx -G ecc -u $TMP/akecc.pub -n $TMP/akecc.name &&
	tpm2_evictcontrol -C o -c $TMP/akecc.ctx $AK_ECC &&
	tpm2_readpublic -c $AK_ECC -f pem -o $OUT/ak-ecc.pem"

run "extend -p tpm -i 14 (EV_IPL)" "$TSM_RTMR" extend -p tpm -i 14 -t 0xd -s 'evidence: PCR 14'
run "extend -p tpm -i 16 (EV_IPL)" "$TSM_RTMR" extend -p tpm -i 16 -t 0xd -s 'evidence: PCR 16'
run "extend -p tpm -i 14 --tag 0x1234 (EV_EVENT_TAG)" "$TSM_RTMR" extend -p tpm -i 14 --tag 0x1234 -s 'evidence: tagged on PCR 14'
# EV_IPL whose digests are not of its data: reported, never a failure
run "extend -p tpm -i 16 (EV_IPL, digests not of its data)" "$TSM_RTMR" extend -p tpm -i 16 -t 0xd -s 'evidence: unbound' \
	-d sha256:"$(printf '%064d' 1)" -d sha384:"$(printf '%096d' 2)"
run "evidence -p tpm --ak $AK_RSA -o /host/tpm.json" \
	"$TSM_RTMR" evidence -p tpm --ak "$AK_RSA" --nonce "$NONCE_TPM" -o "$OUT/tpm.json"
run "evidence -p tpm --ak $AK_ECC -o /host/tpm-ecc.json" \
	"$TSM_RTMR" evidence -p tpm --ak "$AK_ECC" --nonce "$NONCE_TPM" -o "$OUT/tpm-ecc.json"
cp "$SFS/tpm/binary_event_log" "$OUT/tpm-log.bin"
run "quote --pcrs 14,16 --ak $AK_RSA passes in the guest" \
	"$TSM_RTMR" quote --pcrs 14,16 --ak "$AK_RSA" --nonce "$NONCE_TPM"

# PCR 16 reset behind the log (allowed= made it extendable: spec 3)
run "tpm2_pcrreset 16 behind the log" tpm2_pcrreset 16
run "evidence -p tpm -o /host/tpm-reset.json (written; verify must refuse it)" \
	"$TSM_RTMR" evidence -p tpm --ak "$AK_RSA" --nonce "$NONCE_RESET" -o "$OUT/tpm-reset.json"
expect_exit1 "quote --pcrs 14,16 --ak $AK_RSA notices the reset: exit 1" \
	"$TSM_RTMR" quote --pcrs 14,16 --ak "$AK_RSA" --nonce "$NONCE_RESET"

finish
