#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The set-up order of the README's two commands on a fresh machine, as TAP:
# "make demo" and "make check" must install the kernel headers ("deps")
# before anything looks for them, and then build against them, the first
# time.
#
# A fresh machine is simulated in a private mount namespace (unshare -m):
# an empty directory is mounted over /usr/src and /lib/modules, so that no
# kernel headers exist when make starts, and the top-level Makefile runs in
# a scratch copy of the tree whose tools/testing/setup/install-deps.sh is a fake
# that "installs" the headers by unmounting those two. Real: the Makefile
# under test, its KDIR lookup, and the module build against the headers
# that appear. Stubs: the steps after the build (make tools, demo.sh,
# check.sh), which only record which modules they found.
#
#   fresh-setup.sh [--makefile FILE]   (default: the repository's Makefile)
#
# Needs root (mount namespaces). Exit non-zero on failure.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../../.." && pwd)
makefile=$top/Makefile
# shellcheck source=tools/testing/lib/tap.sh
. "$top/tools/testing/lib/tap.sh"

finish() { tap_plan; exit $((tap_failed > 0)); }

# --in-namespace SCRATCH TARGET: run by this script inside the namespace.
if [ "${1:-}" = --in-namespace ]; then
	scratch=$2 target=$3
	mount --bind "$scratch/empty" /usr/src &&
		mount --bind "$scratch/empty" /lib/modules || exit 3
	# The simulation itself: nothing make could find.
	if compgen -G '/usr/src/linux-headers-*' > /dev/null ||
		compgen -G '/lib/modules/*/build' > /dev/null; then
		echo "# kernel headers still visible in the namespace"
		exit 3
	fi
	touch "$scratch/hidden"
	# A user's fresh shell: nothing inherited from a calling make.
	env -u KDIR -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES \
		make -C "$scratch/tree" "$target" > "$scratch/make.log" 2>&1
	exit
fi

while [ $# -gt 0 ]; do
	case $1 in
	--makefile) makefile=$(realpath "${2:?}"); shift ;;
	-h|--help) sed -n '3,20s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "fresh-setup.sh: unknown argument '$1'" >&2; exit 2 ;;
	esac
	shift
done

echo "TAP version 13"
echo "# Makefile under test: $makefile"
if [ "$(id -u)" != 0 ] || ! unshare -m true 2> /dev/null; then
	not_ok "a private mount namespace (needs root and unshare -m)"
	finish
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# scratch DIR: the tree the Makefile needs, with fakes after the set-up.
scratch() {
	local d=$1 stub
	mkdir -p "$d/empty" "$d/tree/drivers/virt/coco/tsm-rtmr" \
		"$d/tree/include/linux" "$d/tree/tools/testing/bench" \
		"$d/tree/tools/testing/setup" "$d/tree/tools/testing/demo" \
		"$d/tree/tools/testing/lib"
	cp "$makefile" "$d/tree/Makefile"
	# The kernel list the Makefile reads (VM_KERNELS, newest_headers).
	cp "$top/tools/testing/lib/kernels.sh" "$d/tree/tools/testing/lib/"
	cp "$top/Kbuild" "$d/tree/"
	(cd "$top/drivers/virt/coco/tsm-rtmr" &&
		cp Kconfig Makefile ./*.[ch] "$d/tree/drivers/virt/coco/tsm-rtmr/")
	rm -f "$d"/tree/drivers/virt/coco/tsm-rtmr/*.mod.c
	cp "$top"/include/linux/*.h "$d/tree/include/linux/"

	# "Installs" the headers: the set-up step this test is about.
	cat > "$d/tree/tools/testing/setup/install-deps.sh" <<-EOF
	#!/bin/sh
	[ -e "$d/deps-ran" ] && exit 0
	umount /usr/src /lib/modules && touch "$d/deps-ran"
	EOF
	# What runs after the build: which modules are there, for what kernel.
	# shellcheck disable=SC2016 # expanded by the stub, not here
	# (each kernel's modules are in build/modules/<release>/)
	stub='#!/bin/sh
set -- build/modules/*/drivers/virt/coco/tsm-rtmr/tsm_rtmr.ko
[ -f "$1" ] || { echo "$0: no tsm_rtmr.ko in build/modules/" >&2; exit 1; }
for ko; do modinfo -F vermagic "$ko" | cut -d" " -f1; done |
	paste -sd" " > tools/testing/ran'
	printf '%s\n' "$stub" > "$d/tree/tools/testing/demo/demo.sh"
	printf '%s\n' "$stub" > "$d/tree/tools/testing/check.sh"
	printf '%s\n' "$stub" > "$d/tree/tools/testing/bench/run.sh"
	chmod +x "$d"/tree/tools/testing/*.sh "$d"/tree/tools/testing/*/*.sh
	printf 'all:\nclean:\n' > "$d/tree/tools/Makefile"
}

for target in demo check; do
	d=$work/$target
	scratch "$d"
	t0=$SECONDS
	unshare -m --propagation private "$0" --in-namespace "$d" "$target"
	rc=$?
	what="make $target on a fresh machine"
	if [ ! -e "$d/hidden" ]; then
		not_ok "$what: could not hide the kernel headers (exit $rc)"
	elif [ $rc != 0 ] || [ ! -e "$d/deps-ran" ] ||
		[ ! -s "$d/tree/tools/testing/ran" ]; then
		not_ok "$what: exit $rc, deps ran: $([ -e "$d/deps-ran" ] && echo yes || echo no)"
		tail -n 15 "$d/make.log" | sed 's/^/# /'
	else
		ok "$what: deps, then modules built against $(cat "$d/tree/tools/testing/ran"), then the $target steps ($((SECONDS - t0)) s)"
	fi
done
finish
