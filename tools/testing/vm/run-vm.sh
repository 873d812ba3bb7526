#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot Debian's kernel in QEMU (TCG by default) with a fresh swtpm TPM 2.0,
# the project's modules and tools in a busybox initramfs, run one shell
# command in the guest and exit with that command's exit status.
#
#   run-vm.sh [options] -- GUEST_SHELL_COMMAND...
#
#   --timeout SEC     kill the VM after SEC seconds of wall time (600)
#   --kver KVER       kernel release, or a series (6.1, 6.12: its newest
#                     release in /boot). Default: the release of --kernel,
#                     else the default series (tools/testing/lib/
#                     kernels.sh: 6.1), else the newest /boot/vmlinuz-*
#   --kernel VMLINUZ  kernel image (default /boot/vmlinuz-$KVER)
#   --moddir DIR      module tree of that kernel (default /lib/modules/$KVER)
#   --modules DIR     the project's modules built for that kernel (default
#                     build/modules/$KVER/drivers/virt/coco/tsm-rtmr, where
#                     "make modules KERNEL=<series>" puts them)
#   --kvm             use KVM instead of TCG (opt-in: KVM is not assumed)
#   --no-tpm          no swtpm, no TPM device in the guest
#   --share HOSTDIR   mount HOSTDIR read-write over 9p at /host in the guest
#   --copy SRC:DST    put host file SRC at guest path DST (repeatable)
#   --mem MB          guest memory (2048)
#   --smp N           guest CPUs (2)
#   --append ARGS     extra kernel command line arguments
#   --allow REGEX     console lines matching REGEX (ERE) are not failures
#   --kmemleak        before power-off, run a kmemleak scan (debug kernels)
#   --kexec           the guest also gets kexec (kexec-tools) and the
#                     booted kernel image at /boot/vmlinuz, so the command
#                     can kexec into the same kernel; see "kexec" below
#   --log-dir DIR     write console.log and test.log to DIR (default: a new
#                     build/vm/runs/<time>-<pid>/, linked from build/vm/*.log)
#   --quiet           no informational messages on stderr
#
# One kernel release, one set: the image (its release is read from the
# bzImage header), the module tree (named after the release) and every
# project module (vermagic), including --copy'd ones under /lib/modules,
# must all be KVER's; any mismatch is a harness error (exit 2).
#
# Output: the command's stdout and stderr are streamed to our stdout (guest
# ttyS1) and saved; the kernel console (guest ttyS0) is saved to a file.
# Both paths are printed on stderr. The run fails, with a TAP "not ok - vm:"
# line on stdout, on a timeout (exit 124), when the guest never reports a
# status (exit 125), or when the kernel console shows a bug, warning or
# lockdep/sanitizer report (exit 1 unless the command already failed).
# Harness errors exit 2.
#
# kexec: the kexec'd kernel runs the /init of the initramfs it was given,
# and so the command again, on the same test channel (ttyS1). The command
# tells its runs apart (e.g. by a word it adds to the kernel command line,
# tools/testing/selftests/tsm-rtmr/kexec_e2e.sh) and the status reported is
# that of the run that returns; a run that never returns reports nothing
# (exit 125 or 124). The new initramfs is the command's business: packing
# the running rootfs (find / -xdev | cpio -o -H newc) carries /init and
# /etc/vm. kexec-tools and its libraries go in the per-run archive, not in
# the cached image.
#
# Environment: VM_EXTRA_KMODS adds Debian kernel modules to the initramfs;
# QEMU overrides the qemu binary; VM_QEMU_ARGS adds QEMU arguments.

set -euo pipefail

# Kernel console lines that fail a run, as extended regular expressions.
# "kmemleak" alone would match the debug kernel's boot banner, so only its
# leak reports count. A BUG_ON() prints "kernel BUG at file:line!" and then
# "invalid opcode" (the ud2 it traps on), neither of which has "BUG:".
CONSOLE_FAIL_PATTERNS=(
	'BUG:'
	'kernel BUG at'
	'invalid opcode'
	'WARNING:'
	'Oops'
	'general protection fault'
	'KASAN'
	'UBSAN'
	'possible circular locking'
	'possible recursive locking'
	'inconsistent lock state'
	'kmemleak: [0-9]+ new suspected memory leaks'
	'unreferenced object 0x'
	'Kernel panic'
	'Call Trace'
)

# Debian kernel modules the guest always gets (with their dependencies):
# configfs hosts the ABI, sha512_generic provides sha384, 9p for --share.
BASE_KMODS="configfs sha512_generic 9p 9pnet_virtio virtio_pci"
# And where the kernel has them (6.7+): configfs-tsm ("tsm", which owns
# /sys/kernel/config/tsm) and the guest drivers that load it on a TDX or
# SEV-SNP guest, so tests can load them in either order with tsm_rtmr.
OPTIONAL_KMODS="tsm tdx_guest sev_guest"

# The last line the guest prints on the test channel.
MARKER='@@tsm-rtmr-vm-exit@@'

# How many per-run log directories and cached initramfs images to keep.
KEEP_RUNS=20
KEEP_CACHE=4

top=$(cd "$(dirname "$0")/../../.." && pwd)
self="$top/tools/testing/vm/run-vm.sh"
tests_src="$top/tools/testing/selftests/tsm-rtmr"
cli_src="$top/tools/tsm-rtmr/tsm-rtmr"
vmdir="$top/build/vm"

die() { echo "run-vm: $*" >&2; exit 2; }
note() { [ "$quiet" = 1 ] || echo "run-vm: $*" >&2; }

usage() {
	sed -n '/^#   run-vm.sh/,/^# QEMU overrides/s/^# \{0,1\}//p' "$self" >&2
	exit 2
}

timeout=600 kernel='' kver='' kmoddir='' projmods='' kvm=0 tpm=1 share='' mem=2048 smp=2
append_extra='' allow='' kmemleak=0 kexec=0 logdir='' quiet=0
copies=()
while [ $# -gt 0 ]; do
	case $1 in
	--timeout) timeout=${2:?}; shift 2 ;;
	--kernel) kernel=${2:?}; shift 2 ;;
	--kver) kver=${2:?}; shift 2 ;;
	--moddir) kmoddir=${2:?}; shift 2 ;;
	--modules) projmods=${2:?}; shift 2 ;;
	--kvm) kvm=1; shift ;;
	--no-tpm) tpm=0; shift ;;
	--share) share=${2:?}; shift 2 ;;
	--copy) copies+=("${2:?}"); shift 2 ;;
	--mem) mem=${2:?}; shift 2 ;;
	--smp) smp=${2:?}; shift 2 ;;
	--append) append_extra=${2:?}; shift 2 ;;
	--allow) allow=${2:?}; shift 2 ;;
	--kmemleak) kmemleak=1; shift ;;
	--kexec) kexec=1; shift ;;
	--log-dir) logdir=${2:?}; shift 2 ;;
	--quiet) quiet=1; shift ;;
	--) shift; break ;;
	-h|--help) usage ;;
	*) echo "run-vm: unknown option '$1'" >&2; usage ;;
	esac
done
[ $# -gt 0 ] || usage
guest_cmd="$*"
case $timeout in ''|*[!0-9]*) die "--timeout takes seconds" ;; esac
if [ -n "$share" ]; then
	[ -d "$share" ] || die "--share: '$share' is not a directory"
	share=$(cd "$share" && pwd)
fi

qemu=${QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null || die "$qemu not found (run tools/testing/setup/install-deps.sh)"
command -v cpio >/dev/null || die "cpio not found"
command -v depmod >/dev/null || PATH=$PATH:/sbin:/usr/sbin

# ---------------------------------------------------------------------------
# Which kernel: one release for the image, the module tree and the
# project's modules (built against that release's headers).

# The release string of a bzImage (its setup header's kernel_version), or
# nothing when FILE is not a bzImage.
image_release() {
	local off s
	[ "$(dd if="$1" bs=1 skip=$((0x202)) count=4 2>/dev/null)" = HdrS ] || return 0
	off=$(od -An -tu2 -j $((0x20e)) -N2 "$1" | tr -d ' ')
	[ -n "$off" ] && [ "$off" -gt 0 ] || return 0
	s=$(dd if="$1" bs=1 skip=$((off + 0x200)) count=256 2>/dev/null | tr '\0' '\n')
	s=${s%%$'\n'*}
	echo "${s%% *}"
}

# The series, newest_release (the newest release of a series with an
# image in /boot).
# shellcheck source=tools/testing/lib/kernels.sh
. "$top/tools/testing/lib/kernels.sh"

if [[ $kver =~ ^[0-9]+\.[0-9]+$ ]]; then
	series=$kver
	kver=$(newest_release "$series")
	[ -n "$kver" ] || die "no /boot/vmlinuz-$series.* (apt-get install $(kernel_field "$series" 2 | grep . || echo "linux-image-$series-amd64")?)"
elif [ -z "$kver" ]; then
	if [ -n "$kernel" ]; then
		[ -r "$kernel" ] || die "kernel image $kernel not readable"
		kver=$(image_release "$kernel")
		[ -n "$kver" ] || die "cannot read the kernel release of $kernel (not a bzImage?): give --kver"
	else
		kver=$(newest_release "$(default_series)")
		[ -n "$kver" ] || kver=$(find /boot -maxdepth 1 -name 'vmlinuz-*' |
			sed 's,.*/vmlinuz-,,' | sort -V | tail -n1)
	fi
fi
[ -n "$kver" ] || die "cannot tell the kernel release: no --kver, no --kernel, no /boot/vmlinuz-*"
kernel=${kernel:-/boot/vmlinuz-$kver}
kmoddir=${kmoddir:-/lib/modules/$kver}
[ -r "$kernel" ] || die "kernel image $kernel not readable (apt-get install linux-image-amd64?)"
[ -f "$kmoddir/modules.dep" ] || die "$kmoddir/modules.dep missing: modules of $kver not installed (--moddir?)"

img_kver=$(image_release "$kernel")
[ -n "$img_kver" ] || die "cannot read the kernel release of $kernel (not a bzImage?)"
[ "$img_kver" = "$kver" ] ||
	die "kernel image $kernel is $img_kver, not $kver: releases must not be mixed"
[ "$(basename "$kmoddir")" = "$kver" ] ||
	die "module tree $kmoddir is not named $kver: releases must not be mixed"

# A .ko must be built for $kver, or the set is mixed.
ko_check() {	# KO WHAT
	local v
	v=$(modinfo -F vermagic "$1" 2>/dev/null | awk '{print $1}')
	[ "$v" = "$kver" ] ||
		die "$2 $1 is built for ${v:-an unknown release}, not $kver: releases must not be mixed"
}

projmods=${projmods:-$top/build/modules/$kver/drivers/virt/coco/tsm-rtmr}
shopt -s nullglob
project_kos=("$projmods"/*.ko)
shopt -u nullglob
if [ ${#project_kos[@]} -eq 0 ]; then
	note "no project modules in $projmods (make modules KERNEL=<series>)"
fi
for ko in "${project_kos[@]}"; do
	ko_check "$ko" "project module"
done
for c in "${copies[@]}"; do
	case ${c#*:} in
	/lib/modules/*|/usr/lib/modules/*)
		d=${c#*:}; d=${d#/usr}; d=${d#/lib/modules/}
		[ "${d%%/*}" = "$kver" ] ||
			die "--copy $c: not under /lib/modules/$kver: releases must not be mixed"
		case $c in *.ko) ko_check "${c%%:*}" "--copy" ;; esac
		;;
	esac
done

# ---------------------------------------------------------------------------
# Initramfs contents, as a manifest of "file SRC DST" / "link TARGET DST" /
# "dir DST" lines. The cached image is keyed by the manifest plus the content
# of every source file, so any rebuilt module, test or tool makes a new one.

manifest=$(mktemp)
run=
cleanup_files=("$manifest")

add() { printf '%s %s %s\n' "$@" >> "$manifest"; }

# Add an ELF file (or script) and every shared library it needs, at the
# paths the dynamic loader will look for them.
add_bin() {
	local src=$1 dst=$2 line lib path
	add file "$src" "$dst"
	# Static binaries and scripts: ldd fails, nothing else to add.
	ldd "$src" >/dev/null 2>&1 || return 0
	while read -r line; do
		case $line in
		*"=> not found"*)
			lib=${line%% *}
			# Libraries built by the project (tools/lib): use them.
			path=$(find "$top/tools" -name "$lib" -print -quit)
			[ -n "$path" ] || die "$src needs $lib, which is not found"
			add file "$path" "/usr/lib/x86_64-linux-gnu/$lib"
			;;
		*"=> /"*)
			path=${line#*=> }; path=${path%% (*}
			add file "$path" "$path"
			;;
		/*)	# the loader itself
			path=${line%% (*}
			add file "$path" "$path"
			;;
		esac
	done < <(ldd "$src" 2>/dev/null)
}

# busybox provides the base system (the equivalent of "busybox --install -s",
# done here so no chroot is needed). kmod's links replace busybox's module
# utilities in /sbin: the kernel's request_module() runs /sbin/modprobe, and
# absolute paths get Debian's behaviour. A bare "modprobe" typed in busybox
# sh still runs the busybox applet, as that sh prefers its own applets.
# Paths in the manifest must not contain spaces.
add file "$(command -v busybox)" /usr/bin/busybox
while read -r applet; do
	# It lists itself as bin/busybox: that link would point at itself.
	[ "${applet##*/}" = busybox ] || add link /usr/bin/busybox "/$applet"
done < <(busybox --list-full)
add_bin "$(command -v kmod)" /usr/bin/kmod
for t in modprobe insmod rmmod lsmod modinfo depmod; do
	add link /usr/bin/kmod "/usr/sbin/$t"
	add link /usr/bin/kmod "/sbin/$t"
done

# tpm2-tools: the multicall binary and its tpm2_* links.
if tpm2bin=$(command -v tpm2); then
	add_bin "$tpm2bin" /usr/bin/tpm2
	for l in /usr/bin/tpm2_*; do
		[ -L "$l" ] && add link tpm2 "$l"
	done
	# TSS2 loads TCTIs with dlopen, which ldd cannot see.
	tssdir=$(dirname "$(ldd "$tpm2bin" | awk '/libtss2-tctildr/ {print $3}')")
	for lib in "$tssdir"/libtss2-tcti-*.so*; do
		if [ -L "$lib" ]; then
			add link "$(readlink "$lib")" "$lib"
		else
			add_bin "$lib" "$lib"
		fi
	done
else
	note "tpm2-tools not installed: the guest has no tpm2_* tools"
fi

# coreutils' sha384sum: busybox has sha256sum and sha512sum but no sha384.
add_bin "$(command -v sha384sum)" /usr/bin/sha384sum

# The project's CLI and tests.
[ -x "$cli_src" ] && add_bin "$cli_src" /usr/bin/tsm-rtmr
if [ -d "$tests_src" ]; then
	while read -r f; do
		rel=${f#"$tests_src"/}
		case $rel in
		*.c|*.h|*.o|*.d|*.a|*.cmd|Makefile|*/Makefile|*.mk|.*|*/.*) continue ;;
		esac
		if [ -x "$f" ]; then
			add_bin "$f" "/tests/tsm-rtmr/$rel"
		else
			add file "$f" "/tests/tsm-rtmr/$rel"
		fi
	done < <(find "$tests_src" -type f | sort)
	# A selftest whose source is here but whose binary is not was never
	# built: put a test in its place that fails, so a run without it
	# says so instead of passing.
	for c in "$tests_src"/test_*.c; do
		[ -e "$c" ] || continue
		name=$(basename "$c" .c)
		[ -x "$tests_src/$name" ] && continue
		stub=$(mktemp)
		cleanup_files+=("$stub")
		printf '#!/bin/sh\necho "not ok 1 - %s was not built (make tools)"\nexit 1\n' \
			"$name" > "$stub"
		chmod 755 "$stub"
		add file "$stub" "/tests/tsm-rtmr/$name"
	done
fi

# Kernel modules: the project's, then the Debian ones they and the harness
# need, resolved through the kernel's modules.dep (which lists transitive
# dependencies).
kmod_dst=/lib/modules/$kver
project_names=" "
want="$BASE_KMODS ${VM_EXTRA_KMODS:-}"
optional=" $OPTIONAL_KMODS "
for ko in "${project_kos[@]}"; do
	add file "$ko" "$kmod_dst/extra/$(basename "$ko")"
	name=$(basename "$ko" .ko); project_names="$project_names${name//-/_} "
	want="$want $(modinfo -F depends "$ko" | tr ',' ' ')"
done
for name in $want $OPTIONAL_KMODS; do
	name=${name//-/_}
	[[ $project_names == *" $name "* ]] && continue
	deps=$(awk -v want="$name" -F: '
		{ n = $1; sub(/.*\//, "", n); sub(/\.ko(\.[a-z]+)?$/, "", n)
		  gsub(/-/, "_", n)
		  if (n == want) { print $1 $2; found = 1; exit } }
		END { exit !found }' "$kmoddir/modules.dep") || {
		n=$(awk -v want="$name" '
			{ n = $0; sub(/.*\//, "", n); sub(/\.ko$/, "", n)
			  gsub(/-/, "_", n); if (n == want) { print; exit } }' \
			"$kmoddir/modules.builtin" 2>/dev/null)
		[ -n "$n" ] || [[ $optional == *" $name "* ]] ||
			note "kernel module $name not found for $kver"
		continue
	}
	for rel in $deps; do
		add file "$kmoddir/$rel" "$kmod_dst/$rel"
	done
done
for f in modules.builtin modules.builtin.modinfo modules.order; do
	[ -f "$kmoddir/$f" ] && add file "$kmoddir/$f" "$kmod_dst/$f"
done

sort -u -o "$manifest" "$manifest"

# ---------------------------------------------------------------------------
# The guest's /init.

init_script() {
	sed "s/@MARKER@/$MARKER/" <<'EOF'
#!/bin/sh
# Generated by tools/testing/vm/run-vm.sh.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb
export TPM2TOOLS_TCTI=device:/dev/tpmrm0
export LD_LIBRARY_PATH=/usr/lib/x86_64-linux-gnu

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t debugfs debugfs /sys/kernel/debug
mount -t securityfs securityfs /sys/kernel/security
# The kernel's request_module (crypto-sha384 etc.) must find modprobe.
# kmod's, not busybox's: Debian's 6.12 modules are xz-compressed.
echo /sbin/modprobe > /proc/sys/kernel/modprobe
/sbin/modprobe configfs && mount -t configfs configfs /sys/kernel/config

# The test channel: raw, so "\n" is not turned into "\r\n".
out=/dev/ttyS1
stty -F $out raw -echo 2>/dev/null

. /etc/vm/config
if [ -n "$VM_SHARE" ]; then
	mkdir -p /host
	/sbin/modprobe virtio_pci && /sbin/modprobe 9pnet_virtio && /sbin/modprobe 9p &&
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 host /host ||
		echo "# vm: mounting the shared directory failed" > $out
fi

echo "vm: running the test command" > /dev/kmsg
cd /
sh /etc/vm/cmd.sh < /dev/null > $out 2>&1
rc=$?
echo "vm: test command exited $rc" > /dev/kmsg

if [ "$VM_KMEMLEAK" = 1 ] && [ -e /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak
	sleep 6
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak > /dev/ttyS0
fi

[ -n "$VM_SHARE" ] && umount /host
sync
# Closing the tty waits for the output to drain, so the marker is last.
echo "@MARKER@ $rc" > $out
poweroff -f
EOF
}

# ---------------------------------------------------------------------------
# Build (or reuse) the cached base image.

mkdir -p "$vmdir/cache" "$vmdir/runs"
key=$(
	{
		cat "$manifest"
		init_script
		sha256sum "$self"
		awk '$1 == "file" { print $2 }' "$manifest" | xargs -r sha256sum
	} | sha256sum | cut -c1-16
)
image="$vmdir/cache/initramfs-$key.cpio"

build_image() {
	local root kind src dst
	root=$(mktemp -d "$vmdir/cache/root.XXXXXX")
	# Merged /usr like Debian, so the loader and library paths of the
	# host are valid in the guest.
	mkdir -p "$root"/usr/{bin,sbin,lib,lib64} "$root"/{etc,proc,sys,dev,tmp,run,root,host,tests/tsm-rtmr,etc/vm}
	ln -s usr/bin "$root/bin"; ln -s usr/sbin "$root/sbin"
	ln -s usr/lib "$root/lib"; ln -s usr/lib64 "$root/lib64"
	while read -r kind src dst; do
		case $kind in
		file)	mkdir -p "$root/$(dirname "$dst")"
			cp -L --preserve=mode "$src" "$root$dst" ;;
		link)	mkdir -p "$root/$(dirname "$dst")"
			# kmod's links win over busybox's.
			ln -sfn "$src" "$root$dst" ;;
		esac
	done < "$manifest"
	init_script > "$root/init"
	chmod 755 "$root/init"
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
	printf '/usr/lib/x86_64-linux-gnu\n/usr/local/lib\n' > "$root/etc/ld.so.conf"
	# A loader cache makes dlopen() of sonames work without LD_LIBRARY_PATH;
	# it needs chroot (root), LD_LIBRARY_PATH in /init covers the rest.
	ldconfig -r "$root" 2>/dev/null || true
	depmod -b "$root" "$kver"
	(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
		cpio --quiet -o -H newc -R 0:0) > "$root.cpio"
	mv -f "$root.cpio" "$image"
	rm -rf "$root"
}

if [ ! -s "$image" ]; then
	t0=$SECONDS
	build_image
	note "built initramfs $image in $((SECONDS - t0)) s"
	# Keep the newest few images.
	# shellcheck disable=SC2012
	ls -t "$vmdir"/cache/initramfs-*.cpio | tail -n +$((KEEP_CACHE + 1)) |
		xargs -r rm -f
else
	touch "$image"
fi

# ---------------------------------------------------------------------------
# Per-run state: temp dir for sockets (short absolute paths), log dir.

run=$(mktemp -d "${TMPDIR:-/tmp}/tsm-rtmr-vm.XXXXXX")
if [ -n "$logdir" ]; then
	mkdir -p "$logdir"
	logdir=$(cd "$logdir" && pwd)
else
	logdir="$vmdir/runs/$(date -u +%Y%m%dT%H%M%SZ)-$$"
	mkdir -p "$logdir"
	ln -sfn "runs/$(basename "$logdir")/console.log" "$vmdir/console.log"
	ln -sfn "runs/$(basename "$logdir")/test.log" "$vmdir/test.log"
	# shellcheck disable=SC2012
	ls -dt "$vmdir"/runs/*/ | tail -n +$((KEEP_RUNS + 1)) | xargs -r rm -rf
fi
console_log="$logdir/console.log"
test_log="$logdir/test.log"
: > "$console_log"

qemu_pid='' swtpm_pid='' reader_pid=''
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM PIPE
	# TERM, then reap, so no "Killed" job notices and no zombies.
	local p
	for p in $qemu_pid $swtpm_pid; do
		kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	[ -n "$reader_pid" ] && wait "$reader_pid" 2>/dev/null
	[ -n "$run" ] && rm -rf "$run"
	rm -f "${cleanup_files[@]}"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 141' PIPE

# Per-run overlay: the command, settings and --copy files, appended to the
# cached image (the kernel unpacks concatenated newc archives in order).
ov="$run/overlay"
mkdir -p "$ov/etc/vm"
printf '%s\n' "$guest_cmd" > "$ov/etc/vm/cmd.sh"
{
	printf 'VM_SHARE=%s\n' "${share:+1}"
	printf 'VM_KMEMLEAK=%s\n' "$kmemleak"
} > "$ov/etc/vm/config"
if [ "$kexec" = 1 ]; then	# kexec, its libraries, the image: see "kexec"
	kexec_bin=$(PATH=$PATH:/sbin:/usr/sbin command -v kexec) ||
		die "kexec not found (run tools/testing/setup/install-deps.sh)"
	copies+=("$kexec_bin:/usr/sbin/kexec" "$kernel:/boot/vmlinuz")
	while read -r lib; do
		copies+=("$lib:$lib")
	done < <(ldd "$kexec_bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }')
fi
for c in "${copies[@]}"; do
	src=${c%%:*} dst=${c#*:}
	[ -f "$src" ] || die "--copy: $src is not a file"
	[[ $dst == /* ]] || die "--copy: $dst is not an absolute guest path"
	# /lib, /lib64, /bin and /sbin are links into /usr in the base image;
	# a directory of that name in this archive would replace the link
	# (the kernel's unpacker removes an entry of another type first).
	case $dst in /lib/*|/lib64/*|/bin/*|/sbin/*) dst=/usr$dst ;; esac
	mkdir -p "$ov$(dirname "$dst")"
	cp -L --preserve=mode "$src" "$ov$dst"
done
(cd "$ov" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0) > "$run/overlay.cpio"
cat "$image" "$run/overlay.cpio" > "$run/initrd.cpio"

# ---------------------------------------------------------------------------
# swtpm: a fresh TPM 2.0 with sha256 and sha384 banks for every run.

tpm_args=()
if [ "$tpm" = 1 ]; then
	command -v swtpm >/dev/null || die "swtpm not found (run tools/testing/setup/install-deps.sh)"
	mkdir -p "$run/tpm"
	# swtpm_setup reads its config from $HOME/.config or /etc; keep
	# whatever it writes out of the user's home.
	if ! HOME=$run XDG_CONFIG_HOME=$run swtpm_setup --tpm2 \
		--pcr-banks sha256,sha384 --tpmstate "$run/tpm" \
		--createek --overwrite --display \
		> "$run/swtpm_setup.log" 2>&1; then
		cat "$run/swtpm_setup.log" >&2
		die "swtpm_setup failed"
	fi
	# Absolute paths (swtpm may change directory). Run in the background
	# rather than with -d: we are its parent, so we can kill and reap it.
	# --terminate: it also exits when QEMU closes the control channel.
	swtpm socket --tpm2 --tpmstate dir="$run/tpm" \
		--ctrl type=unixio,path="$run/swtpm-ctrl" \
		--pid file="$run/swtpm.pid" \
		--log file="$run/swtpm.log",level=1 \
		--terminate > "$run/swtpm.out" 2>&1 < /dev/null &
	swtpm_pid=$!
	for _ in $(seq 100); do
		[ -S "$run/swtpm-ctrl" ] && break
		kill -0 "$swtpm_pid" 2>/dev/null ||
			{ cat "$run/swtpm.out" >&2; die "swtpm failed to start"; }
		sleep 0.05
	done
	[ -S "$run/swtpm-ctrl" ] || die "swtpm did not create $run/swtpm-ctrl"
	# shellcheck disable=SC2054 # commas belong to QEMU's option syntax
	tpm_args=(-chardev "socket,id=chrtpm,path=$run/swtpm-ctrl"
		-tpmdev emulator,id=tpm0,chardev=chrtpm
		-device tpm-tis,tpmdev=tpm0)
fi

share_args=()
if [ -n "$share" ]; then
	share_args=(-virtfs "local,path=$share,mount_tag=host,security_model=none,id=host9p")
fi

accel=tcg
[ "$kvm" = 1 ] && accel=kvm

# loglevel=7: module messages reach the console log; panic=-1 with
# -no-reboot turns a panic into a prompt QEMU exit instead of a hang.
cmdline="console=ttyS0,115200 loglevel=7 panic=-1 printk.devkmsg=on"
cmdline="$cmdline rdinit=/init ${append_extra}"

fifo="$run/test.fifo"
mkfifo "$fifo"
# The test channel: saved raw, streamed to stdout without the marker.
# The marker ends a line of its own, or one the command left unterminated.
{ tee "$test_log" < "$fifo" |
	sed -u -E -e 's/\r$//' -e "/^$MARKER [0-9]+\$/d" -e "s/$MARKER [0-9]+\$//"; } &
reader_pid=$!

note "kernel $kernel ($kver), accel $accel, timeout ${timeout}s"
note "console log: $console_log"
note "test output: $test_log"

start=$SECONDS
# shellcheck disable=SC2086 # VM_QEMU_ARGS is a list of words
"$qemu" -accel "$accel" -cpu max -m "$mem" -smp "$smp" \
	-nodefaults -nographic -no-reboot -monitor none \
	-kernel "$kernel" -initrd "$run/initrd.cpio" -append "$cmdline" \
	-chardev "file,id=con,path=$console_log" -serial chardev:con \
	-chardev stdio,id=tst,signal=off -serial chardev:tst \
	"${tpm_args[@]}" "${share_args[@]}" ${VM_QEMU_ARGS:-} \
	< /dev/null > "$fifo" &
qemu_pid=$!

# Poll rather than "wait": a trapped signal interrupts the loop promptly,
# and the timeout needs no helper process that could outlive us.
timed_out=0
while kill -0 "$qemu_pid" 2>/dev/null; do
	if [ $((SECONDS - start)) -ge "$timeout" ]; then
		timed_out=1
		kill -TERM "$qemu_pid" 2>/dev/null || true
		for _ in $(seq 50); do
			kill -0 "$qemu_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$qemu_pid" 2>/dev/null || true
		break
	fi
	sleep 0.2
done
qemu_rc=0
wait "$qemu_pid" 2>/dev/null || qemu_rc=$?
qemu_pid=
wait "$reader_pid" || true
reader_pid=
elapsed=$((SECONDS - start))
note "VM ran ${elapsed} s (qemu exit $qemu_rc)"

# ---------------------------------------------------------------------------
# Verdict.

status=
marker_line=$(tr -d '\r' < "$test_log" | grep -a -o -E "$MARKER [0-9]+\$" | tail -n1 || true)
if [ "$timed_out" = 1 ]; then
	echo "not ok - vm: timeout after $timeout s"
	echo "# vm: console log $console_log"
	tail -n 20 "$console_log" | tr -d '\r' | sed 's/^/# console: /'
	status=124
elif [ -z "$marker_line" ]; then
	echo "not ok - vm: guest exited without reporting a status (qemu exit $qemu_rc)"
	echo "# vm: console log $console_log"
	tail -n 40 "$console_log" | tr -d '\r' | sed 's/^/# console: /'
	status=125
else
	status=${marker_line#"$MARKER "}
	case $status in ''|*[!0-9]*) status=125 ;; esac
fi

# Kernel console scan, on every outcome.
pattern=$(IFS='|'; echo "${CONSOLE_FAIL_PATTERNS[*]}")
hit=$(tr -d '\r' < "$console_log" | grep -a -n -E "$pattern" |
	{ if [ -n "$allow" ]; then grep -a -v -E "$allow"; else cat; fi; } |
	head -n1 || true)
if [ -n "$hit" ]; then
	lineno=${hit%%:*} text=${hit#*:}
	echo "not ok - vm: kernel console: $text"
	echo "# vm: console log $console_log, line $lineno:"
	tr -d '\r' < "$console_log" |
		sed -n "$((lineno > 10 ? lineno - 10 : 1)),$((lineno + 40))p" |
		sed 's/^/# console: /'
	[ "$status" = 0 ] && status=1
fi

exit "$status"
