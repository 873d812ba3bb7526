# SPDX-License-Identifier: GPL-2.0
#
# tsm-rtmr top-level Makefile.
#
#   make [modules]   build the kernel modules against KDIR (or KERNEL=6.12)
#                    in build/modules/<release>/
#   make modules-all the modules for every kernel the VM tests boot
#   make kernelrelease  print the release "make modules" builds for
#   make tools       build the CLI, library and tests
#   make lint        checkpatch --strict and sparse
#   make check       everything: set-up, build, lint, host tests, VM tests,
#                    debug kernels (tools/testing/README.md: the stages)
#   make check-quick lint, host tests, provider unit tests and one VM boot
#                    of the simulator kselftests on the default kernel
#   make demo        the end-to-end demonstration in a VM with swtpm
#                    (Debian's 6.1 kernel; KERNEL=6.12 for bookworm's 6.12)
#   make bench       benchmarks in the VM (bench-smoke: a short run)
#   make parser-fuzz the userspace log parser's libFuzzer, long run
#   make abi-fuzz    the in-VM configfs/securityfs ABI fuzzer on the debug
#                    kernel, long run
#   make debug-kernel build (once, cached) the KASAN/lockdep/KUnit kernels

TOP := $(CURDIR)

# The kernels the VM tests boot (make check), each the newest release of
# its series whose headers are installed: the series of
# tools/testing/lib/kernels.sh (Debian's 6.1 and bookworm's 6.12), the
# first of them the default.
KERNELS_SH := $(TOP)/tools/testing/lib/kernels.sh
VM_KERNELS := $(shell . $(KERNELS_SH) && kernel_series)
DEFAULT_KERNEL := $(firstword $(VM_KERNELS))

# The newest /usr/src/linux-headers-<series>.*-amd64 (sort -V: 6.1.0-57
# after 6.1.0-9).
newest_headers = $(shell . $(KERNELS_SH) && newest_headers $(1))

# KDIR, the kernel build tree: default KERNEL's headers when KERNEL (a
# series: 6.1, 6.12) is given, else the running kernel's, else the default
# kernel's headers. "check", "demo" and "bench" run "deps" first, which may
# install those headers, and then a new make: that make must look for them
# itself. So the default is never exported (an exported empty KDIR used to
# reach it and stop it looking), and an empty KDIR counts as none. A KDIR
# given on the command line or in the environment is passed on as it is.
ifeq ($(strip $(KDIR)),)
ifneq ($(strip $(KERNEL)),)
override KDIR = $(call newest_headers,$(strip $(KERNEL)))
else
override KDIR = $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
		$(call newest_headers,$(DEFAULT_KERNEL)))
endif
unexport KDIR
endif

# The modules of a kernel release are built in build/modules/<release>/,
# from a copy of the sources, never in the source tree: one directory per
# release, so that modules of two kernels are never mixed, and the VM
# harness takes a kernel's image, module tree and project modules as one
# set (tools/testing/vm/run-vm.sh). The release is the headers' own.
KREL = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' \
	 $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
KOUT = build/modules/$(KREL)

MODDIR := drivers/virt/coco/tsm-rtmr
# Out of tree nothing evaluates Kconfig's select: the TPM provider library
# that tsm_rtmr_tpm and tsm_rtmr_snp_vtpm need is named here.
KCONFIG := CONFIG_TSM_RTMR=m CONFIG_TSM_RTMR_SIM=m CONFIG_TSM_RTMR_TPM=m \
	   CONFIG_TSM_RTMR_SNP_VTPM=m CONFIG_TSM_RTMR_TDX=m \
	   CONFIG_TSM_RTMR_TPM_PROVIDER=m
# What the module build reads (generated *.mod.c are not sources).
MODSRC = Kbuild $(MODDIR)/Kconfig $(MODDIR)/Makefile \
	 $(filter-out %.mod.c,$(wildcard $(MODDIR)/*.[ch])) \
	 $(wildcard include/linux/*.h)

.PHONY: all modules modules-all kernelrelease modules-src tools deps lint \
	check check-quick demo clean modules_install bench bench-smoke \
	parser-fuzz abi-fuzz debug-kernel

all: modules

check_kdir = @test -n "$(KREL)" || { echo "No kernel headers$(if $(KERNEL), for $(KERNEL))$(if $(KDIR), in $(KDIR)): set KDIR or run 'make deps'" >&2; exit 2; }

kernelrelease:
	$(check_kdir)
	@echo $(KREL)

# The copy: a file is copied only when it differs, so an unchanged source
# keeps its object; a source gone from the tree goes from the copy.
modules-src:
	$(check_kdir)
	@mkdir -p $(KOUT)/$(MODDIR) $(KOUT)/include/linux
	@for f in $(MODSRC); do \
		cmp -s $$f $(KOUT)/$$f || cp $$f $(KOUT)/$$f || exit 1; \
	done
	@cd $(KOUT) && for f in $(MODDIR)/*.[ch] include/linux/*.h; do \
		case $$f in *.mod.c) continue ;; esac; \
		[ -e "$(TOP)/$$f" ] || rm -f "$$f"; \
	done

modules: modules-src
	$(MAKE) -C $(KDIR) M=$(TOP)/$(KOUT) W=1 $(KCONFIG) modules

modules-all:
	@for k in $(VM_KERNELS); do \
		$(MAKE) --no-print-directory modules KERNEL=$$k KDIR= || exit; \
	done

modules_install:
	$(check_kdir)
	$(MAKE) -C $(KDIR) M=$(TOP)/$(KOUT) $(KCONFIG) modules_install

tools:
	$(MAKE) -C tools

deps:
	tools/testing/setup/install-deps.sh

lint: modules
	tools/testing/lint/lint.sh

check: deps
	$(MAKE) modules-all tools
	tools/testing/check.sh

# The stages a developer runs before a commit (tools/testing/check.sh quick).
check-quick: deps
	$(MAKE) modules tools KERNEL=$(DEFAULT_KERNEL)
	tools/testing/check.sh quick

# The demo's kernel: the default one (Debian's 6.1) unless KERNEL (or KDIR)
# says otherwise.
DEMO_KERNEL = $(or $(strip $(KERNEL)),$(DEFAULT_KERNEL))

demo: deps
	$(MAKE) modules tools KERNEL=$(DEMO_KERNEL)
	tools/testing/demo/demo.sh --kver "$$($(MAKE) -s --no-print-directory kernelrelease KERNEL=$(DEMO_KERNEL))"

# tools/testing/bench/run.sh boots Debian's 6.1.
bench: deps
	$(MAKE) modules tools KERNEL=6.1
	tools/testing/bench/run.sh

bench-smoke:
	tools/testing/bench/run.sh --smoke

parser-fuzz:
	$(MAKE) -C tools/testing/parser-fuzz fuzz

# The debug kernels (KASAN, lockdep, kmemleak, KUnit) from the linux-source
# of every kernel series, built once and cached. make abi-fuzz boots the
# default series' (6.1), DEBUG_KERNEL=6.12 6.12's (debug-kernel/run.sh
# builds the one it boots).
debug-kernel: deps
	@for k in $(VM_KERNELS); do \
		tools/testing/debug-kernel/build.sh --kernel $$k || exit; \
	done

abi-fuzz: deps
	tools/testing/abi-fuzz/run.sh --debug-kernel --long

clean:
	-$(if $(KDIR),$(MAKE) -C $(KDIR) M=$(TOP) clean)
	-$(MAKE) -C tools clean
	-$(MAKE) -C tools/testing/stress clean
	-$(MAKE) -C tools/testing/abi-fuzz clean
	rm -rf build
