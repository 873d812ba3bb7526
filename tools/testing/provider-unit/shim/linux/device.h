/* SPDX-License-Identifier: GPL-2.0 */
/* Fake struct device: a name, a parent and a reference count. */
#ifndef KSHIM_DEVICE_H
#define KSHIM_DEVICE_H

#include "../kshim.h"

struct device {
	const char *name;
	struct device *parent;
	int refs;
};

static inline const char *dev_name(const struct device *dev)
{
	return dev->name;
}

void put_device(struct device *dev);

#endif
