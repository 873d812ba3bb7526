# SPDX-License-Identifier: GPL-2.0
#
# libtsm-rtmr for the static test binaries (kselftests, stress, abi-fuzz),
# built as selftests/bpf builds libbpf: each user gets its own objects in
# build/libtsm-rtmr/$(LIBNAME)/, so a parallel "make tools" does not race
# the CLI's copy or another user's. Include it after the "all" rule, with
# TOP (the tree) and LIBNAME set; link $(LIBTSM), compile with $(LIBINC).
LIBSRC := $(TOP)/tools/lib/tsm-rtmr
LIBOUT := $(TOP)/build/libtsm-rtmr/$(LIBNAME)
LIBTSM := $(LIBOUT)/libtsm-rtmr.a
LIBINC := -I$(LIBSRC)

# Rebuilt through the library's own Makefile when one of its files changes.
$(LIBTSM): $(wildcard $(LIBSRC)/*.[ch] $(LIBSRC)/Makefile)
	$(MAKE) -C $(LIBSRC) O=$(LIBOUT)
