#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian (bookworm) package tsm-rtmr needs to build, lint and
# test: kernel headers and image to build against and boot, linux-source for
# checkpatch and the kselftest harness, QEMU + swtpm for the VM tests,
# tpm2-tools/tss2 for the CLI and verification, clang/valgrind for the host
# tests and fuzzers, kexec-tools for the guest of the kexec test (it is put
# into the VM; the host's own reboots are left alone: load_kexec false).
#
# The kernels: every series in tools/testing/lib/kernels.sh, its image and
# headers meta-packages (which pull the newest release apt offers) and its
# linux-source (the debug kernel's and the in-tree build's tree).
#
# Idempotent and fast when everything is present: one dpkg-query, no apt.
set -eu

# shellcheck source=tools/testing/lib/kernels.sh
. "$(dirname "$0")/../lib/kernels.sh"

PACKAGES="
	qemu-system-x86
	$(kernel_packages)
	busybox-static
	swtpm
	swtpm-tools
	tpm2-tools
	libtss2-dev
	libssl-dev
	libjson-c-dev
	sparse
	cpio
	kmod
	xz-utils
	clang
	libclang-rt-14-dev
	llvm
	gcc
	make
	bc
	flex
	bison
	libelf-dev
	python3
	python3-cryptography
	strace
	valgrind
	gnuplot-nox
	kexec-tools
"

missing=
for pkg in $PACKAGES; do
	# "install ok installed" is the only state in which the files are there;
	# half-installed or config-files-only packages count as missing.
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing="$missing $pkg"
done

if [ -z "$missing" ]; then
	echo "install-deps: all packages present"
	exit 0
fi

echo "install-deps: installing:$missing"

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || {
		echo "install-deps: not root and no sudo; install:$missing" >&2
		exit 2
	}
	SUDO=sudo
fi

export DEBIAN_FRONTEND=noninteractive
# Only refresh the package lists when something must be installed: a stale
# or absent list is the usual cause of "Unable to locate package".
# shellcheck disable=SC2086 # word splitting of the package list is wanted
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
# kexec-tools asks whether it should handle the host's reboots: no.
case " $missing " in *" kexec-tools "*)
	echo 'kexec-tools kexec-tools/load_kexec boolean false' |
		$SUDO debconf-set-selections ;;
esac
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive \
	apt-get install -y -q --no-install-recommends $missing
