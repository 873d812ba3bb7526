// SPDX-License-Identifier: LGPL-2.1-or-later
/* configfs-tsm reports. STUB */
#include <errno.h>
#include "tsm-rtmr.h"
#include "internal.h"

const char *tr_tsm_report_root(void)
{
	return "/sys/kernel/config/tsm/report";
}

int tr_tsm_report(const uint8_t *reportdata, size_t len, uint8_t **quote,
		  size_t *quote_len, char *provider, size_t provider_size)
{
	(void)reportdata; (void)len; (void)quote; (void)quote_len;
	(void)provider; (void)provider_size;
	return -ENOSYS;
}
