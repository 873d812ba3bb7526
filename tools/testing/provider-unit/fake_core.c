// SPDX-License-Identifier: GPL-2.0
/* Fake of the tsm-rtmr core API that providers call. */
#include <stdlib.h>

#include "fakes.h"

struct tsm_rtmr_provider *fake_registered;
int fake_register_rc;
int fake_register_calls, fake_unregister_calls;
char fake_extendable_list[64];

static const struct tsm_rtmr_alg_info fake_algs[] = {
	{ TPM_ALG_SHA1, HASH_ALGO_SHA1, "sha1" },
	{ TPM_ALG_SHA256, HASH_ALGO_SHA256, "sha256" },
	{ TPM_ALG_SHA384, HASH_ALGO_SHA384, "sha384" },
	{ TPM_ALG_SHA512, HASH_ALGO_SHA512, "sha512" },
	{ TPM_ALG_SM3_256, HASH_ALGO_SM3_256, "sm3_256" },
};

const struct tsm_rtmr_alg_info *tsm_rtmr_alg_by_id(u16 alg_id)
{
	size_t i;

	for (i = 0; i < sizeof(fake_algs) / sizeof(fake_algs[0]); i++)
		if (fake_algs[i].alg_id == alg_id)
			return &fake_algs[i];
	return NULL;
}

int tsm_rtmr_register(struct tsm_rtmr_provider *p)
{
	fake_register_calls++;
	if (fake_register_rc)
		return fake_register_rc;
	fake_registered = p;
	return 0;
}

void tsm_rtmr_unregister(struct tsm_rtmr_provider *p)
{
	fake_unregister_calls++;
	if (fake_registered == p)
		fake_registered = NULL;
}

/* As the core: "a,b-c" lists, -EINVAL if malformed, -ERANGE if too big */
int tsm_rtmr_parse_extendable(struct tsm_rtmr_provider *p, const char *list)
{
	unsigned long set = 0;
	const char *s = list ? list : "";
	char *end;

	snprintf(fake_extendable_list, sizeof(fake_extendable_list), "%s", s);
	while (*s) {
		unsigned long a, b;

		a = strtoul(s, &end, 10);
		if (end == s)
			return -EINVAL;
		b = a;
		s = end;
		if (*s == '-') {
			b = strtoul(++s, &end, 10);
			if (end == s || b < a)
				return -EINVAL;
			s = end;
		}
		if (b >= p->nr_registers)
			return -ERANGE;
		for (; a <= b; a++)
			set |= 1UL << a;
		if (*s == ',')
			s++;
		else if (*s)
			return -EINVAL;
	}
	p->extendable[0] = set;
	return 0;
}
