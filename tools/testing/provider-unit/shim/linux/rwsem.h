/* SPDX-License-Identifier: GPL-2.0 */
/* Fake rw_semaphore: counts its readers, so tests can see it released. */
#ifndef KSHIM_RWSEM_H
#define KSHIM_RWSEM_H

#include "../kshim.h"

struct rw_semaphore {
	int readers;
	int max_readers;	/* most readers at once */
};

static inline void down_read(struct rw_semaphore *sem)
{
	if (++sem->readers > sem->max_readers)
		sem->max_readers = sem->readers;
}

static inline void up_read(struct rw_semaphore *sem)
{
	sem->readers--;
}

#endif
