#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest half of "make demo" (tools/testing/demo/demo.sh runs it in the VM):
# load tsm-rtmr with the TPM provider, extend PCR 14 and 15 (in its default
# extendable set, 8, 9, 11-15) three times each through configfs, print the
# kernel's log, parse it with tpm2_eventlog,
# check that its replay equals the TPM's PCRs and a signed TPM quote of
# them, and end with one verdict line.

set -u

SEC=/sys/kernel/security/tsm-rtmr/tpm
PCRS="14 15"
work=$(mktemp -d)

fail() {
	echo
	echo "DEMO: FAIL — $*"
	exit 1
}

step() {
	echo
	echo "=== $*"
}

# Run a command, showing it first, as a user would type it.
show() {
	echo "# $*"
	"$@"
}

# Normalise the PCR listings of tpm2_pcrread, tpm2_eventlog ("pcrs:"
# section) and tpm2_checkquote into "alg index hex" lines.
pcr_values() {	# pcr_values FILE [START_REGEX]
	awk -v start="${2:-}" '
		start != "" && !on { if ($0 ~ start) on = 1; next }
		/^ +(sha1|sha256|sha384|sha512|sm3_256): *$/ {
			alg = $1; sub(/:$/, "", alg); next
		}
		alg != "" && /^ +[0-9]+ *: *0x[0-9A-Fa-f]+ *$/ {
			line = $0; gsub(/[ :]+/, " ", line)
			split(line, f, " ")
			print alg, f[1], tolower(substr(f[2], 3))
		}' "$1"
}

step "Load tsm-rtmr and its TPM provider"
# From 6.7, configfs-tsm ("tsm": attestation reports) owns
# /sys/kernel/config/tsm, and a TDX or SEV-SNP guest loads it at boot. Where
# the kernel has it, load it first, as such a guest would.
if /sbin/modinfo tsm > /dev/null 2>&1; then
	show /sbin/modprobe tsm || fail "modprobe tsm"
fi
show modprobe tsm_rtmr || fail "modprobe tsm_rtmr"
show modprobe tsm_rtmr_tpm || fail "modprobe tsm_rtmr_tpm"
lsmod | grep tsm

# The handle directory, as an agent finds it on any kernel: tsm/rtmrs,
# else tsm-rtmr/rtmrs (where configfs-tsm owns "tsm").
CFG=/sys/kernel/config/tsm/rtmrs
[ -d "$CFG" ] || CFG=/sys/kernel/config/tsm-rtmr/rtmrs
echo "handles: $CFG"

step "Create a writer handle in configfs"
h=$CFG/demo
show mkdir "$h" || fail "mkdir $h"
echo tpm > "$h/provider" || fail "cannot bind the handle to the tpm provider"
echo "provider: $(cat "$h/provider")"
algs=$(cat "$h/algs")
echo "algs:     $algs"

# One entry: index, event data, then the digests, whose write commits.
commit() {	# commit PCR DATA
	echo "$1" > "$h/index" || fail "echo $1 > index"
	printf '%s' "$2" > "$h/event" || fail "event data"
	digests=
	for alg in $algs; do
		command -v "${alg}sum" > /dev/null ||
			fail "no ${alg}sum in the guest to hash the event"
		d=$(printf '%s' "$2" | "${alg}sum" | cut -d' ' -f1)
		digests="$digests${digests:+ }$alg:$d"
	done
	echo "$digests" > "$h/digest" || fail "commit to PCR $1 failed"
	printf 'PCR %-2s log_index %-2s recnum %-2s "%s"\n' "$1" \
		"$(cat "$h/log_index")" "$(cat "$h/last_recnum")" "$2"
}

step "Extend PCR 14 and 15, three entries each"
echo "# per entry: echo N > index; printf DATA > event; echo \"sha256:.. sha384:..\" > digest"
for i in 1 2 3; do
	for pcr in $PCRS; do
		commit "$pcr" "tsm-rtmr demo: PCR $pcr entry $i"
	done
done
echo "value of PCR $(cat "$h/index") as the handle sees it:"
cat "$h/value"
if [ -x /usr/bin/tsm-rtmr ]; then
	echo "# and one more through the CLI, which hashes the event itself:"
	show tsm-rtmr extend -p tpm -i 15 -s "tsm-rtmr demo: CLI entry" ||
		fail "tsm-rtmr extend"
fi

step "The kernel's log"
echo "count: $(cat "$SEC/count")   state: $(cat "$SEC/state")"
show cat "$SEC/ascii_event_log"

step "tpm2_eventlog parses the binary log (crypto-agile TCG format)"
show tpm2_eventlog "$SEC/binary_event_log" > "$work/eventlog.yaml" 2>&1 ||
	{ cat "$work/eventlog.yaml"; fail "tpm2_eventlog cannot parse binary_event_log"; }
cat "$work/eventlog.yaml"

step "The TPM's PCRs"
sel=
for alg in $algs; do
	sel="$sel${sel:+.}$alg:$(echo "$PCRS" | tr ' ' ',')"
done
sel=$(echo "$sel" | tr . +)
show tpm2_pcrread "$sel" > "$work/pcrread.yaml" 2>&1 ||
	{ cat "$work/pcrread.yaml"; fail "tpm2_pcrread"; }
cat "$work/pcrread.yaml"

step "Replay of the log (tpm2_eventlog) against the PCRs (tpm2_pcrread)"
pcr_values "$work/eventlog.yaml" '^pcrs:' > "$work/replay"
pcr_values "$work/pcrread.yaml" > "$work/live"
for alg in $algs; do
	for pcr in $PCRS; do
		r=$(awk -v a="$alg" -v p="$pcr" '$1 == a && $2 == p { print $3 }' "$work/replay")
		l=$(awk -v a="$alg" -v p="$pcr" '$1 == a && $2 == p { print $3 }' "$work/live")
		[ -n "$r" ] || fail "the log has no $alg entry for PCR $pcr"
		[ -n "$l" ] || fail "tpm2_pcrread gave no $alg value for PCR $pcr"
		if [ "$r" = "$l" ]; then
			echo "$alg PCR $pcr: replay == TPM  $l"
		else
			echo "$alg PCR $pcr: replay $r"
			echo "$alg PCR $pcr: TPM    $l"
			fail "$alg PCR $pcr: the log does not replay to the TPM"
		fi
	done
done

step "A TPM quote of the PCRs, signed by a fresh attestation key"
nonce=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
echo "nonce: $nonce"
(
	cd "$work" &&
	tpm2_createek -c ek.ctx -G ecc -u ek.pub > /dev/null &&
	tpm2_createak -C ek.ctx -c ak.ctx -G ecc -g sha256 -s ecdsa \
		-u ak.pub -f pem -n ak.name > /dev/null &&
	show tpm2_quote -c ak.ctx -l "$sel" -q "$nonce" -g sha256 \
		-m quote.msg -s quote.sig -o quote.pcrs > quote.yaml &&
	show tpm2_checkquote -u ak.pub -m quote.msg -s quote.sig \
		-f quote.pcrs -g sha256 -q "$nonce" > checkquote.yaml
) 2>&1 || fail "TPM quote or its verification failed"
echo "signature, nonce and PCR digest verified (tpm2_checkquote)"
pcr_values "$work/checkquote.yaml" > "$work/quoted"
[ -s "$work/quoted" ] || pcr_values "$work/quote.yaml" > "$work/quoted"
for alg in $algs; do
	for pcr in $PCRS; do
		r=$(awk -v a="$alg" -v p="$pcr" '$1 == a && $2 == p { print $3 }' "$work/replay")
		q=$(awk -v a="$alg" -v p="$pcr" '$1 == a && $2 == p { print $3 }' "$work/quoted")
		[ "$r" = "$q" ] ||
			fail "$alg PCR $pcr: quoted $q, log replays to $r"
		echo "$alg PCR $pcr: replay == quote"
	done
done

if [ -x /usr/bin/tsm-rtmr ]; then
	step "The same with the tsm-rtmr CLI"
	show tsm-rtmr replay -p tpm || fail "tsm-rtmr replay -p tpm"
	show tsm-rtmr quote --pcrs "$(echo "$PCRS" | tr ' ' ',')" --nonce "$nonce" ||
		fail "tsm-rtmr quote"
fi

rm -rf "$work"
echo
echo "DEMO: PASS — log replays to TPM PCRs $(echo "$PCRS" | tr ' ' ',')"
