# SPDX-License-Identifier: GPL-2.0
#
# Sourced by test_tpm.sh (in the guest) and tools/testing/evidence/run.sh
# (on the host). norm_pcrs GATE reads tpm2-tools' YAML on stdin and prints
# "bank:pcr:hex" lines, lower case, sorted: from tpm2_pcrread (GATE 0), or
# from the "pcrs:" section of tpm2_eventlog (GATE 1: everything before it
# is the events, not replayed values). Both print indented "bank:" headers,
# then "pcr: 0xhex" lines.

norm_pcrs() {
	awk -v gate="$1" '
		gate && !on { if ($0 ~ /^pcrs:/) on = 1; next }
		/^ +[a-z0-9_]+:$/ { bank = $1; sub(/:$/, "", bank); next }
		/^ +[0-9]+ *: *0x/ {
			line = $0; gsub(/ /, "", line); split(line, f, ":")
			v = tolower(f[2]); sub(/^0x/, "", v)
			print bank ":" f[1] ":" v
		}' | sort
}
