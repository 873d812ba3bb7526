// SPDX-License-Identifier: GPL-2.0
/*
 * Host unit tests for libtsm-rtmr's evidence functions, TAP output. Placeholder
 * until the tests land: it fails, so it cannot pass unnoticed.
 */
#include "tsm-rtmr.h"
#include "../lib/tap.h"

int main(void)
{
	tap(0, "test_evidence: no tests yet");
	return tap_done();
}
