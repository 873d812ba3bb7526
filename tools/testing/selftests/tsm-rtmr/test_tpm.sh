#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# In-VM test of the TPM provider (tsm_rtmr_tpm) against swtpm, with
# tpm2-tools as the independent referee: the default extendable set, the
# allowed= override and its warning, commits, tpm2_eventlog, the quote's
# coverage rule after a PCR reset, and the refusal of the SEV-SNP vTPM and
# TDX providers to load off their hardware. Busybox sh; TAP.
#
# It reloads tsm_rtmr_tpm (default set, then allowed=), which only works
# while the tpm log is empty: run_tests.sh runs it first. It leaves entries
# in the tpm log, which pins tsm_rtmr_tpm and tsm_rtmr for the rest of the
# boot (that is what it tests), with PCR 16 and 23 allowed and equal to the
# replay of their log.
#
#   test_tpm.sh            the tests above
#   test_tpm.sh --unbind   unbind the TPM driver under the provider and check
#                          the failure outcome (test_tpm_unbind.sh; the TPM
#                          is gone afterwards: run_tests.sh runs it last)

. "$(dirname "$0")/cfs_root.sh"
# shellcheck source=tools/testing/selftests/tsm-rtmr/tpm2_pcrs.sh
. "$(dirname "$0")/tpm2_pcrs.sh"
# The handle directory, by the lookup rule (run_tests.sh loaded tsm_rtmr).
modprobe tsm_rtmr 2>/dev/null
CFS=$(cfs_root) || echo "# no tsm-rtmr handle directory: is tsm_rtmr loaded?"
SFS=/sys/kernel/security/tsm-rtmr/tpm
H=$CFS/test_tpm.$$
TMP=$(mktemp -d) || exit 1
TSM_RTMR=${TSM_RTMR:-$(command -v tsm-rtmr || echo /usr/bin/tsm-rtmr)}
export TPM2TOOLS_TCTI="${TPM2TOOLS_TCTI:-device:/dev/tpmrm0}"
# PCR 16 and 23 are extendable only when allowed= names them (spec 3).
DEFAULT_SET=8-9,11-15
ALLOWED=8-9,11-16,23
WARNING="tsm_rtmr_tpm: allowed= makes PCR 16 and 23 extendable: anyone with access to the TPM can reset them"
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $*"; }
nok() { n=$((n + 1)); echo "not ok $n - $*"; failed=$((failed + 1)); }
skip() { n=$((n + 1)); echo "ok $n - $* # SKIP"; }
diag() { sed 's/^/# /'; }
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else nok "$desc"; fi
}
finish() {
	[ -d "$H" ] && rmdir "$H"
	rm -rf "$TMP"
	echo "1..$n"
	[ "$failed" = 0 ]
	exit $?
}

# Write $2 to attribute $1 of the handle; print the error text on failure
# (busybox's echo reports the write error with strerror; its printf does not).
attr_write() {
	( echo "$2" > "$H/$1" ) 2>"$TMP/err" && return 0
	cat "$TMP/err"
	return 1
}

# The write of $2 to attribute $1 must fail with the strerror text $3.
expect_err() {
	if attr_write "$1" "$2" > "$TMP/out"; then
		echo "# write of $2 to $1 succeeded"
		return 1
	fi
	grep -q "$3" "$TMP/out" && return 0
	diag < "$TMP/out"
	return 1
}

# A TCG_PCClientTaggedEvent: u32 id, u32 size, data (printf format).
tagged() { printf "\\$(printf %03o "$1")\\000\\000\\000\\$(printf %03o ${#2})\\000\\000\\000%s" "$2"; }

# Digests of the event in $TMP/ev, in the syntax of the digest attribute.
digests() {
	printf 'sha256:%s sha384:%s\n' \
		"$(sha256sum < "$TMP/ev" | cut -d' ' -f1)" \
		"$(sha384sum < "$TMP/ev" | cut -d' ' -f1)"
}

# Replay record for the shell replay: "pcr bank digest" lines.
REPLAY=$TMP/replay

# commit PCR ID TEXT: one entry with a tagged event, digests of the event.
commit() {
	tagged "$2" "$3" > "$TMP/ev"
	attr_write index "$1" || return 1
	cat "$TMP/ev" > "$H/event" || return 1
	d=$(digests)
	attr_write digest "$d" || return 1
	for t in $d; do
		echo "$1 ${t%%:*} ${t#*:}" >> "$REPLAY"
	done
}


pcrread() { tpm2_pcrread "sha256:16,23+sha384:16,23" 2>"$TMP/err" | norm_pcrs 0; }

# The value attribute ("alg:hex" per bank) for the handle's current index.
value_lines() { sed "s/^\([a-z0-9_]*\):/\1:$1:/" "$H/value" | sort; }

# replay_bank BANK PCR: extend the value read before our commits (other
# tests may have extended these PCRs through tsm-rtmr earlier in the boot)
# with each digest we committed, in order.
replay_bank() {
	case $1 in
	sha256) sum=sha256sum ;;
	sha384) sum=sha384sum ;;
	esac
	v=$(sed -n "s/^$1:$2://p" "$TMP/before")
	while read -r pcr bank d; do
		[ "$pcr" = "$2" ] && [ "$bank" = "$1" ] || continue
		v=$(printf '%s%s' "$v" "$d" | xxd -r -p | $sum | cut -d' ' -f1)
	done < "$REPLAY"
	echo "$1:$2:$v"
}

shell_replay() {
	for b in sha256 sha384; do
		for p in 16 23; do replay_bank $b $p; done
	done | sort
}

dmesg_has() { dmesg | grep -q "$1"; }

# How many times the kernel has logged the resettable-PCR warning.
warnings() { dmesg | grep -c "$WARNING"; }

# Load tsm_rtmr_tpm afresh with its defaults; fails when it is loaded and
# cannot be unloaded (its log has entries).
reload_tpm() {
	if [ -d /sys/module/tsm_rtmr_tpm ]; then
		rmmod tsm_rtmr_tpm 2>/dev/null || return 1
	fi
	modprobe tsm_rtmr_tpm
}

run() {
	"$@" > "$TMP/out" 2> "$TMP/err"
	rc=$?
}

# tpm2_pcrextend the digests of tpm log entries RECNUM..., as the kernel did.
pcrextend_recs() {
	for r in "$@"; do
		spec=$(awk -v r="$r" '$1 == r {
			s = ""
			for (i = 4; i < NF; i++) { d = $i; sub(/:/, "=", d); s = s (s ? "," : "") d }
			print $2 ":" s
		}' "$SFS/ascii_event_log")
		tpm2_pcrextend "$spec" > /dev/null 2>"$TMP/err" || { diag < "$TMP/err"; return 1; }
	done
}

# PCR 16 back to the replay of its whole log.
restore16() {
	tpm2_pcrreset 16 > /dev/null || return 1
	# shellcheck disable=SC2046 # a list of recnums
	pcrextend_recs $(recs_of 16)
}

# Recnums of the tpm log's entries on PCR $1.
recs_of() { awk -v p="$1" '$2 == p && $3 != "0x00000003" { print $1 }' "$SFS/ascii_event_log"; }

# Last: the TPM goes away under the provider. Its driver is unbound, so
# the provider finds the chip gone (tpm_is_tpm2() < 0) and returns ENODEV
# before it sends anything (6.1's tpm_pcr_extend() would say EIO): the register
# is unchanged, so the commit fails with that error and logs nothing (spec
# 4), never a silent success, nor an uncertain entry for a command never
# sent. PCR 14 is extendable in the default set and in $ALLOWED.
unbind_test() {
	check "modprobe tsm_rtmr_tpm (loaded already, or default)" modprobe tsm_rtmr_tpm
	check "mkdir a configfs handle" mkdir "$H"
	check "bind the handle to provider tpm" attr_write provider tpm
	dev=$(readlink -f /sys/class/tpm/tpm0/device)
	if [ ! -e "$dev/driver/unbind" ]; then
		skip "TPM driver cannot be unbound"
		return
	fi
	count=$(cat "$SFS/count")
	state=$(cat "$SFS/state")
	echo "${dev##*/}" > "$dev/driver/unbind"
	tagged 9 "after the TPM left" > "$TMP/ev"
	attr_write index 14 > /dev/null
	cat "$TMP/ev" > "$H/event"
	check "commit with the TPM gone fails with ENODEV" \
		expect_err digest "$(digests)" "No such device"
	check "nothing is logged" [ "$(cat "$SFS/count")" = "$count" ]
	check "state is unchanged ($state)" [ "$(cat "$SFS/state")" = "$state" ]
}

# modprobe $1 must fail with ENODEV and log $2.
refuses() {
	if modprobe "$1" 2>"$TMP/err"; then
		echo "# modprobe $1 succeeded"
		modprobe -r "$1"
		return 1
	fi
	grep -q "No such device" "$TMP/err" || { diag < "$TMP/err"; return 1; }
	dmesg_has "$2" || { dmesg | tail -n 5 | diag; return 1; }
}

# ---------------------------------------------------------------------------

if [ ! -e /sys/class/tpm/tpm0 ]; then
	echo "1..0 # SKIP no TPM in this guest"
	exit 4
fi

if [ "$1" = --unbind ]; then
	unbind_test
	finish
fi

# The default extendable set: 8, 9, 11-15, no warning.
warn0=$(warnings)
if reload_tpm; then
	ok "modprobe tsm_rtmr_tpm (default extendable set)"
	fresh=1
elif [ -d /sys/module/tsm_rtmr_tpm ]; then
	echo "# tsm_rtmr_tpm is pinned by entries an earlier test left: cannot reload it"
	skip "modprobe tsm_rtmr_tpm afresh"
	fresh=0
else
	nok "modprobe tsm_rtmr_tpm (default extendable set)"
	finish
fi
if [ ! -d "$SFS" ]; then
	nok "securityfs directory $SFS exists"
	finish
fi
ok "securityfs directory $SFS exists"

check "mkdir a configfs handle" mkdir "$H"
check "bind the handle to provider tpm" attr_write provider tpm
check "algs lists the TPM's banks in bank order" \
	[ "$(cat "$H/algs")" = "sha256 sha384" ]

check "PCR 0 (firmware) refused with EPERM" \
	expect_err index 0 "Operation not permitted"
check "PCR 10 (IMA) refused with EPERM" \
	expect_err index 10 "Operation not permitted"
check "PCR 17 (locality-reset) refused with EPERM" \
	expect_err index 17 "Operation not permitted"
check "PCR 24 refused with ERANGE" \
	expect_err index 24 "out of range"

if [ "$fresh" = 1 ]; then
	check "allowed defaults to $DEFAULT_SET" \
		[ "$(cat /sys/module/tsm_rtmr_tpm/parameters/allowed)" = "$DEFAULT_SET" ]
	check "by default PCR 16 (resettable from locality 0) refused with EPERM" \
		expect_err index 16 "Operation not permitted"
	check "by default PCR 23 (resettable from locality 0) refused with EPERM" \
		expect_err index 23 "Operation not permitted"
	check "by default PCR 8, 9, 11 and 15 are accepted as index" \
		sh -c "for i in 8 9 11 15; do echo \$i > $H/index || exit 1; done"
	check "the default set logs no warning" [ "$(warnings)" = "$warn0" ]

	# allowed= names 16 and 23: they commit, and the kernel says once
	# that anyone with access to the TPM can reset them.
	rmdir "$H"
	check "rmmod tsm_rtmr_tpm while its log is empty" rmmod tsm_rtmr_tpm
	check "modprobe tsm_rtmr_tpm allowed=$ALLOWED" \
		modprobe tsm_rtmr_tpm allowed=$ALLOWED
	check "the warning naming PCR 16 and 23 is in dmesg exactly once" \
		[ "$(warnings)" = $((warn0 + 1)) ]
	dmesg | grep "$WARNING" | tail -n 1 | diag
	check "mkdir a configfs handle" mkdir "$H"
	check "bind the handle to provider tpm" attr_write provider tpm
else
	skip "allowed defaults to $DEFAULT_SET"
	skip "by default PCR 16 and 23 refused with EPERM"
	skip "allowed=$ALLOWED: one warning, PCR 16 and 23 commit"
fi

base=$(cat "$SFS/count")
base16=$(awk '$2 == 16' "$SFS/ascii_event_log" | wc -l)
have_tools=0
if command -v tpm2_pcrread > /dev/null && command -v tpm2_eventlog > /dev/null; then
	have_tools=1
	pcrread > "$TMP/before"
fi

check "commit 1 to PCR 16" commit 16 1 "first entry"
check "commit 2 to PCR 23" commit 23 2 "second entry"
check "commit 3 to PCR 16" commit 16 3 "third entry"
check "commit 4 to PCR 23" commit 23 4 ""
check "commit 5 to PCR 16" commit 16 5 "fifth entry, a little longer"
check "count grew by 5" [ "$(cat "$SFS/count")" = $((base + 5)) ]
check "state is ok" [ "$(cat "$SFS/state")" = ok ]
check "log_index of PCR 16 is 16" [ "$(cat "$H/log_index")" = 16 ]
check "ascii_event_log has 3 more entries for PCR 16" \
	[ "$(awk '$2 == 16' "$SFS/ascii_event_log" | wc -l)" = $((base16 + 3)) ]

if [ "$have_tools" = 1 ]; then
	pcrread > "$TMP/tpm"
	check "tpm2_pcrread reads PCR 16 and 23 in both banks" \
		[ "$(wc -l < "$TMP/tpm")" = 4 ]
	value_lines 16 > "$TMP/value"
	check "value of PCR 16 equals tpm2_pcrread" \
		[ "$(cat "$TMP/value")" = "$(grep ':16:' "$TMP/tpm")" ]
	shell_replay > "$TMP/replay.sh"
	check "earlier value extended with our digests equals tpm2_pcrread" \
		cmp -s "$TMP/replay.sh" "$TMP/tpm"
	if tpm2_eventlog "$SFS/binary_event_log" > "$TMP/yaml" 2>"$TMP/err"; then
		ok "tpm2_eventlog parses the unmodified binary_event_log"
	else
		nok "tpm2_eventlog parses the unmodified binary_event_log"
		diag < "$TMP/err"
	fi
	norm_pcrs 1 < "$TMP/yaml" > "$TMP/eventlog"
	if cmp -s "$TMP/eventlog" "$TMP/tpm"; then
		ok "tpm2_eventlog's replayed PCRs equal tpm2_pcrread"
	else
		nok "tpm2_eventlog's replayed PCRs equal tpm2_pcrread"
		{ echo "tpm2_eventlog:"; cat "$TMP/eventlog";
		  echo "tpm2_pcrread:"; cat "$TMP/tpm"; } | diag
	fi
	check "tpm2_eventlog sees the Spec ID header with sha256, sha384" \
		grep -q "algorithmId: sha384" "$TMP/yaml"
else
	skip "tpm2-tools (tpm2_pcrread, tpm2_eventlog) not in the guest"
fi

# Spec 7: the quote must cover every entry logged before it was requested.
if [ "$have_tools" = 1 ] && [ -x "$TSM_RTMR" ] && command -v tpm2_pcrreset > /dev/null; then
	nonce=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	recs16=$(recs_of 16)
	n16=$(echo "$recs16" | wc -l)
	old=$(echo "$recs16" | head -n $((n16 - 2)))
	lost=$(echo "$recs16" | tail -n 2 | tr '\n' ' ')
	lost=${lost% }
	# PCR 16 reset, then extended with all but its last 2 entries: the
	# quote matches an old prefix of the log, which must not do.
	check "tpm2_pcrreset 16" sh -c 'tpm2_pcrreset 16 > /dev/null'
	# shellcheck disable=SC2086 # a list of recnums
	check "tpm2_pcrextend PCR 16 with all but its last 2 entries" pcrextend_recs $old
	run "$TSM_RTMR" quote --pcrs 16 --nonce "$nonce"
	diag < "$TMP/err"
	check "quote of a reset and re-extended PCR 16: exit 1 naming recnums $lost" \
		sh -c "[ $rc -eq 1 ] && grep -q 'not covered.*: recnums $lost\$' '$TMP/err'"
	check "PCR 16 reset and extended with its whole log again" restore16
	run "$TSM_RTMR" quote --pcrs 16,23 --nonce "$nonce"
	check "then the quote of PCR 16 and 23 verifies (exit $rc)" [ $rc -eq 0 ]

	# A genuine quote of PCRs nobody reset passes while another process
	# commits to them in a loop.
	c0=$(cat "$SFS/count")
	(
		i=0
		while [ ! -e "$TMP/stop" ]; do
			"$TSM_RTMR" extend -p tpm -i 23 -s "bg23 $i" > /dev/null 2>&1
			"$TSM_RTMR" extend -p tpm -i 14 -s "bg14 $i" > /dev/null 2>&1
			i=$((i + 1))
		done
	) &
	writer=$!
	st=0
	k=0
	while [ $k -lt 3 ]; do
		run "$TSM_RTMR" quote --pcrs 14,23 --nonce "$nonce"
		[ $rc -eq 0 ] || { st=1; diag < "$TMP/err"; }
		grep "^prefix:" "$TMP/out" | diag
		k=$((k + 1))
	done
	touch "$TMP/stop"
	wait $writer
	c1=$(cat "$SFS/count")
	check "3 quotes of PCR 14, 23 while they are committed to: exit 0" [ $st -eq 0 ]
	check "entries were committed during the quotes ($((c1 - c0)))" [ "$c1" -gt "$c0" ]
	run "$TSM_RTMR" replay -p tpm
	check "replay -p tpm exits 0: every PCR equals the replay of its log" [ $rc -eq 0 ]
else
	skip "quote coverage: tsm-rtmr or tpm2-tools (tpm2_pcrreset) not in the guest"
fi

if [ "$fresh" = 1 ]; then
	check "the resettable-PCR warning is still in dmesg once" \
		[ "$(warnings)" = $((warn0 + 1)) ]
fi

check "rmmod tsm_rtmr_tpm refused while its log has entries" \
	sh -c '! rmmod tsm_rtmr_tpm 2>/dev/null && [ -d /sys/module/tsm_rtmr_tpm ]'
check "rmmod tsm_rtmr refused while a log has entries" \
	sh -c '! rmmod tsm_rtmr 2>/dev/null && [ -d /sys/module/tsm_rtmr ]'

check "tsm_rtmr_snp_vtpm refuses to load: ENODEV, not an SEV-SNP guest" \
	refuses tsm_rtmr_snp_vtpm "tsm_rtmr_snp_vtpm: not an SEV-SNP guest"
check "tsm_rtmr_tdx refuses to load: ENODEV, not a TDX guest" \
	refuses tsm_rtmr_tdx "tsm_rtmr_tdx: not a TDX guest"

finish
