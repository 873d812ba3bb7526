// SPDX-License-Identifier: GPL-2.0
/* Fakes of printk and the page allocator. */
#include <stdarg.h>
#include <stdlib.h>

#include "fakes.h"

char fake_log[512];
int fake_warns;
int fake_pages_live;
bool fake_page_fail;

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
