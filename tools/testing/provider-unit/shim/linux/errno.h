/* SPDX-License-Identifier: GPL-2.0 */
/* glibc reaches the errno values through <linux/errno.h>: pass it on. */
#include_next <linux/errno.h>
#include "../kshim.h"
