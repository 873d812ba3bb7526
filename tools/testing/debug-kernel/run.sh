#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run a command in a QEMU guest booted with the tsm-rtmr debug kernel
# (build.sh; built once, cached) and the project's modules built against it,
# through tools/testing/vm/run-vm.sh, whose console scan fails the run on
# any KASAN, lockdep, BUG/WARNING or kmemleak report.
#
#   run.sh [--debug-kernel SERIES] [run-vm.sh options] -- GUEST_COMMAND...
#
# --debug-kernel (default: $DEBUG_KERNEL, else the default series of
# tools/testing/lib/kernels.sh, 6.1) picks the debug kernel, built from
# Debian's linux-source of that series (build.sh --kernel).
#
# The debug modules replace the main build's in the guest's
# /lib/modules/<debug kver>/extra/ (an overlay, then depmod in the guest),
# so modprobe/rmmod work as in the main VM. configfs, sha512 and the TPM
# driver are built into the debug kernel. --kmemleak is always on.
#
# On 6.12, configfs-tsm (tsm.ko) and the TDX and SEV-SNP guest drivers are
# modules of the debug kernel, in the guest's /lib/modules too (run-vm.sh
# adds them wherever the module tree has them: OPTIONAL_KMODS).
#
# Environment: DEBUG_KERNEL_SKIP_BUILD=1 uses build/debug-modules[-6.12]
# as it is.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
# shellcheck source=tools/testing/lib/kernels.sh
. "$here/../lib/kernels.sh"
release=${DEBUG_KERNEL:-$(default_series)}
if [ "${1:-}" = --debug-kernel ]; then
	release=${2:?}
	shift 2
fi

if [ "${DEBUG_KERNEL_SKIP_BUILD:-0}" = 1 ]; then
	env=$("$here/build.sh" --kernel "$release" --kernel-only --print-env)
else
	env=$("$here/build.sh" --kernel "$release" --print-env)
fi
eval "$env"

opts=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
	opts+=("$1")
	shift
done
[ "${1:-}" = -- ] && shift
[ $# -gt 0 ] || { echo "usage: run.sh [--debug-kernel SERIES] [run-vm.sh options] -- COMMAND..." >&2; exit 2; }

copies=()
for ko in "$DEBUG_KO"/*.ko; do
	copies+=(--copy "$ko:/lib/modules/$KVER/extra/$(basename "$ko")")
done

# The guest's preamble: index the overlaid modules; mount what the base
# init could not (busybox modprobe of a built-in module fails there).
pre="/sbin/depmod -a $KVER || exit 2
grep -qs ' /sys/kernel/config ' /proc/mounts || mount -t configfs configfs /sys/kernel/config
grep -qs ' /sys/kernel/debug ' /proc/mounts || mount -t debugfs debugfs /sys/kernel/debug
"
exec "$top/tools/testing/vm/run-vm.sh" --kernel "$VMLINUZ" --kver "$KVER" \
	--moddir "$MODDIR" --kmemleak --quiet "${copies[@]}" "${opts[@]}" \
	-- "$pre$*"
