// SPDX-License-Identifier: GPL-2.0
/* Fakes of printk, the page allocator and hash_info. */
#include <stdarg.h>
#include <stdlib.h>

#include "fakes.h"

char fake_log[512];
int fake_warns;
int fake_pages_live;
bool fake_page_fail;

/* As crypto/hash_info.c, for the algorithms tsm-rtmr knows */
const char *const hash_algo_name[HASH_ALGO__LAST] = {
	[HASH_ALGO_SHA1]	= "sha1",
	[HASH_ALGO_SHA256]	= "sha256",
	[HASH_ALGO_SHA384]	= "sha384",
	[HASH_ALGO_SHA512]	= "sha512",
	[HASH_ALGO_SM3_256]	= "sm3",
};

const int hash_digest_size[HASH_ALGO__LAST] = {
	[HASH_ALGO_SHA1]	= 20,
	[HASH_ALGO_SHA256]	= 32,
	[HASH_ALGO_SHA384]	= 48,
	[HASH_ALGO_SHA512]	= 64,
	[HASH_ALGO_SM3_256]	= 32,
};

void kshim_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fake_log, sizeof(fake_log), fmt, ap);
	va_end(ap);
}

void kshim_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fake_log, sizeof(fake_log), fmt, ap);
	va_end(ap);
	fake_warns++;
}

unsigned long get_zeroed_page(gfp_t gfp)
{
	void *p;

	(void)gfp;
	if (fake_page_fail) {
		fake_page_fail = false;
		return 0;
	}
	p = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
	if (!p)
		return 0;
	memset(p, 0, PAGE_SIZE);
	fake_pages_live++;
	return (unsigned long)p;
}

void free_page(unsigned long addr)
{
	if (!addr)
		return;
	fake_pages_live--;
	free((void *)addr);
}
