/* SPDX-License-Identifier: GPL-2.0 */
/* enum hash_algo: the host's copy of this uapi header (linux-libc-dev) */
#include <linux/hash_info.h>
