#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The TPM goes away under tsm_rtmr_tpm: a commit must fail with ENODEV and
# log nothing (test_tpm.sh --unbind). The TPM is gone for the rest of the
# boot, so run_tests.sh runs this last.

exec "$(dirname "$0")/test_tpm.sh" --unbind
