// SPDX-License-Identifier: GPL-2.0
/* TAP runner: every case of every suite is one test point. */
#include <stdio.h>
#include <string.h>

#include "fakes.h"
#include "ut.h"
#include "../lib/tap.h"

static int ut_case_failed;

void ut_fail(const char *file, int line, const char *what)
{
	printf("# %s:%d: expected %s\n", file, line, what);
	ut_case_failed = 1;
}

void ut_expect_str(const char *file, int line, const char *what,
		   const char *got, const char *want)
{
	if (got && !strcmp(got, want))
		return;
	printf("# %s:%d: expected %s == \"%s\", got \"%s\"\n", file, line,
	       what, want, got ? got : "(null)");
	ut_case_failed = 1;
}

int main(void)
{
	const struct ut_suite *suites[] = { &tdx_suite, &tpm_suite, &snp_suite };
	size_t i, j, total = 0;

	/* line by line: a sanitizer report exits without flushing stdio */
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		total += suites[i]->nr_cases;
	tap_plan((int)total);

	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		for (j = 0; j < suites[i]->nr_cases; j++) {
			const struct ut_case *c = &suites[i]->cases[j];

			fakes_reset();
			ut_case_failed = 0;
			c->fn();
			/* every case must leave no page and no device ref behind */
			if (fake_pages_live)
				ut_fail(__FILE__, __LINE__, "no live pages");
			tap(!ut_case_failed, "%s: %s", suites[i]->name,
			    c->name);
		}
	}
	return tap_done();
}
