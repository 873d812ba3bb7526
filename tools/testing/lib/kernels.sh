# SPDX-License-Identifier: GPL-2.0
#
# The kernels tsm-rtmr is built and tested against: one line per kernel
# series, the only place that lists them. Sourced (POSIX sh: dash, bash,
# busybox) by tools/testing/check.sh and the scripts it runs, by the
# top-level Makefile (VM_KERNELS, newest_headers) and by the set-up.
#
# Fields of a line:
#   series   the kernel series (major.minor); the first line is the
#            default kernel (make demo, make modules without KERNEL)
#   image    Debian package that pulls the newest image of the series
#   headers  Debian package that pulls its headers (linux-source-<series>
#            is installed too: the debug kernel's and the in-tree build's
#            tree)
#   stages   make check's stages on this series, comma separated, each run
#            as STAGE-<series> (tools/testing/check.sh; tools/testing/
#            README.md says what each one proves)
#
# Adding a series is adding a line; a debug-<series>.config fragment in
# tools/testing/debug-kernel/ is optional.
TSM_RTMR_KERNELS='
6.1   linux-image-amd64       linux-headers-amd64       vm,vm-notpm,vm-kexec,intree,dbg-kunit-only,dbg-enomem
6.12  linux-image-6.12-amd64  linux-headers-6.12-amd64  vm-notpm,vm-kexec,vm-cfstsm,vm-evidence,intree,dbg-kunit,dbg-stress,dbg-enomem
'

# Every series, in table order, one per line.
kernel_series() {
	echo "$TSM_RTMR_KERNELS" | awk 'NF { print $1 }'
}

# The default series: the first line's.
default_series() {
	kernel_series | head -n1
}

# kernel_known SERIES: status 0 when SERIES has a line.
kernel_known() {
	kernel_series | grep -qxF -- "$1"
}

# kernel_field SERIES N: field N (1-based) of SERIES's line.
kernel_field() {
	echo "$TSM_RTMR_KERNELS" | awk -v s="$1" -v n="$2" '$1 == s { print $n }'
}

# kernel_stages SERIES: make check's stages on SERIES, space separated,
# without the -<series> suffix.
kernel_stages() {
	kernel_field "$1" 4 | tr ',' ' '
}

# The Debian packages of every series: image, headers, linux-source.
kernel_packages() {
	echo "$TSM_RTMR_KERNELS" | awk 'NF { print $2; print $3; print "linux-source-" $1 }'
}

# newest_release SERIES: the newest release of SERIES with an image in
# /boot (sort -V: 6.1.0-57 after 6.1.0-9), or nothing.
newest_release() {
	find /boot -maxdepth 1 -name "vmlinuz-$1.*" | sed 's,.*/vmlinuz-,,' |
		sort -V | tail -n1
}

# newest_headers SERIES: the newest /usr/src/linux-headers-SERIES.*-amd64
# (the build tree of Debian's kernel of that series), or nothing.
newest_headers() {
	find /usr/src -maxdepth 1 -name "linux-headers-$1.*-amd64" | sort -V | tail -n1
}

# debug_suffix SERIES: the suffix of the debug kernel's cache directory
# (/var/cache/tsm-rtmr/debug-kernel<suffix>) and of its modules'
# (build/debug-modules<suffix>): -SERIES, none for 6.1, whose debug kernel
# came first (its cache keeps its name).
debug_suffix() {
	[ "$1" = 6.1 ] || echo "-$1"
}

# has_configfs_tsm SERIES: status 0 when the series has configfs-tsm
# (TSM_REPORTS, drivers/virt/coco/{Kconfig,Makefile}): 6.7 and later.
has_configfs_tsm() {
	[ "${1%%.*}" -gt 6 ] || { [ "${1%%.*}" -eq 6 ] && [ "${1#*.}" -ge 7 ]; }
}
