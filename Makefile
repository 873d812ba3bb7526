# SPDX-License-Identifier: GPL-2.0
#
# tsm-rtmr top-level Makefile.
#
#   make [modules]   build the kernel modules against KDIR
#   make tools       build the CLI, library and tests
#   make lint        checkpatch --strict and sparse
#   make check       everything: set-up, build, lint, host tests, VM tests
#   make demo        the end-to-end demonstration in a VM with swtpm
#   make bench       benchmarks in the VM (bench-smoke: a short run)
#   make fuzz        the log parser fuzzer, long run
#   make fuzz-kernel the configfs/securityfs ABI fuzzer on the debug kernel
#   make debug-kernel build (once, cached) the KASAN/lockdep/KUnit kernel

TOP := $(CURDIR)

# KDIR, the kernel build tree: default the running kernel's, else Debian's
# 6.1 headers. "check", "demo" and "bench" run "deps" first, which may
# install those headers, and then a new make: that make must look for them
# itself. So the default is never exported (an exported empty KDIR used to
# reach it and stop it looking), and an empty KDIR counts as none. A KDIR
# given on the command line or in the environment is passed on as it is.
ifeq ($(strip $(KDIR)),)
override KDIR = $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
		$(lastword $(sort $(wildcard /usr/src/linux-headers-6.1.*-amd64))))
unexport KDIR
endif

MODDIR := drivers/virt/coco/tsm-rtmr
KCONFIG := CONFIG_TSM_RTMR=m CONFIG_TSM_RTMR_SIM=m CONFIG_TSM_RTMR_TPM=m \
	   CONFIG_TSM_RTMR_SNP_VTPM=m CONFIG_TSM_RTMR_TDX=m

.PHONY: all modules tools deps lint check demo clean modules_install \
	bench bench-smoke fuzz fuzz-kernel debug-kernel

all: modules

modules:
	@test -n "$(KDIR)" || { echo "No kernel headers: set KDIR or run 'make deps'" >&2; exit 2; }
	$(MAKE) -C $(KDIR) M=$(TOP) W=1 $(KCONFIG) modules

modules_install:
	$(MAKE) -C $(KDIR) M=$(TOP) $(KCONFIG) modules_install

tools:
	$(MAKE) -C tools

deps:
	tools/testing/install-deps.sh

lint: modules
	tools/testing/lint.sh

check: deps
	$(MAKE) modules tools
	tools/testing/check.sh

demo: deps
	$(MAKE) modules tools
	tools/testing/demo.sh

bench: deps
	$(MAKE) modules tools
	tools/testing/bench/run.sh

bench-smoke:
	tools/testing/bench/run.sh --smoke

fuzz:
	$(MAKE) -C tools/testing/fuzz fuzz

# The debug kernel (KASAN, lockdep, kmemleak, KUnit), built once and cached.
debug-kernel: deps
	tools/testing/debug-kernel/build.sh

fuzz-kernel: debug-kernel
	tools/testing/abi-fuzz/run.sh --debug-kernel --long

clean:
	-$(MAKE) -C $(KDIR) M=$(TOP) clean
	-$(MAKE) -C tools clean
	-$(MAKE) -C tools/testing/stress clean
	-$(MAKE) -C tools/testing/abi-fuzz clean
	rm -rf build
