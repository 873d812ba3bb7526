/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TAP for the C test programs that are not kselftests (those print
 * through kselftest_harness.h): the host tests, provider-unit, stress,
 * limits and the ABI fuzzer. The shell stages print through tap.sh here.
 *
 *   tap_prefix = "stress: ";	optional, before every description
 *   tap_plan(n);		optional, the plan first; else tap_done()
 *				prints it last ("1..N" trailer)
 *   tap(cond, "fmt", ...);	one test point; returns cond
 *   return tap_done();		0 when every point passed, else 1
 *
 * Every line is flushed: a sanitizer report or a crash exits without
 * flushing stdio, and the stages stream what the program printed.
 */
#ifndef TSM_RTMR_TESTING_TAP_H
#define TSM_RTMR_TESTING_TAP_H

#include <stdarg.h>
#include <stdio.h>

static int tap_n, tap_failed, tap_planned;
static const char *tap_prefix = "";

__attribute__((format(printf, 2, 3), unused))
static int tap(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%sok %d - %s", cond ? "" : "not ", ++tap_n, tap_prefix);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

__attribute__((unused))
static void tap_plan(int n)
{
	printf("1..%d\n", n);
	fflush(stdout);
	tap_planned = 1;
}

__attribute__((unused))
static int tap_done(void)
{
	if (!tap_planned)
		printf("1..%d\n", tap_n);
	fflush(stdout);
	return tap_failed ? 1 : 0;
}

#endif
