/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal TAP unit-test runner for the provider host tests. */
#ifndef UT_H
#define UT_H

#include <stdbool.h>
#include <stddef.h>

struct ut_case {
	const char *name;
	void (*fn)(void);
};

struct ut_suite {
	const char *name;
	const struct ut_case *cases;
	size_t nr_cases;
};

void ut_fail(const char *file, int line, const char *what);

#define UT_EXPECT(cond)							\
	do {								\
		if (!(cond))						\
			ut_fail(__FILE__, __LINE__, #cond);		\
	} while (0)

#define UT_EXPECT_EQ(a, b)						\
	do {								\
		long long _a = (long long)(a), _b = (long long)(b);	\
		if (_a != _b) {						\
			char _m[256];					\
			snprintf(_m, sizeof(_m), "%s == %s (%lld != %lld)", \
				 #a, #b, _a, _b);			\
			ut_fail(__FILE__, __LINE__, _m);		\
		}							\
	} while (0)

void ut_expect_str(const char *file, int line, const char *what,
		   const char *got, const char *want);
#define UT_EXPECT_STR(a, b)	ut_expect_str(__FILE__, __LINE__, #a, (a), (b))

#define UT_SUITE(sym, name, cases_array)				\
	const struct ut_suite sym = {					\
		name, cases_array,					\
		sizeof(cases_array) / sizeof((cases_array)[0])		\
	}

extern const struct ut_suite tdx_suite, tpm_suite, snp_suite;

#endif
