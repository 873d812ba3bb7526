/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The few kernel interfaces the provider logic uses, for a host build.
 * Each definition mirrors the kernel's documented behaviour; allocation and
 * logging go to fakes (fake_kernel.c) that the tests can inspect.
 */
#ifndef KSHIM_H
#define KSHIM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;
typedef unsigned int gfp_t;

#define __init
#define __exit
#define __packed		__attribute__((packed))
#define __maybe_unused		__attribute__((unused))

#define BITS_PER_LONG		(8 * sizeof(long))
#define BITS_TO_LONGS(n)	(((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define DECLARE_BITMAP(name, bits) unsigned long name[BITS_TO_LONGS(bits)]

static inline bool test_bit(unsigned long nr, const unsigned long *addr)
{
	return (addr[nr / BITS_PER_LONG] >> (nr % BITS_PER_LONG)) & 1;
}

static inline void bitmap_set(unsigned long *map, unsigned int start,
			      unsigned int n)
{
	for (; n; n--, start++)
		map[start / BITS_PER_LONG] |= 1UL << (start % BITS_PER_LONG);
}

#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
/* As include/linux/build_bug.h: the message is optional */
#define static_assert(expr, ...) __static_assert(expr, ##__VA_ARGS__, #expr)
#define __static_assert(expr, msg, ...) _Static_assert(expr, msg)

/*
 * Modules: the test calls init/exit functions itself. Each object file has
 * a THIS_MODULE of its own, as each module has in the kernel, so a test
 * can tell a personality's from the library's (tpm-provider.o).
 */
struct module {
	char unused;
};
static struct module kshim_this_module __maybe_unused;
#define THIS_MODULE		(&kshim_this_module)
#define EXPORT_SYMBOL_GPL(sym)
#define module_param(name, type, perm)
#define MODULE_PARM_DESC(name, desc)
#define MODULE_DESCRIPTION(desc)
#define MODULE_LICENSE(lic)
#define module_init(fn)	\
	static int (*const __maybe_unused kshim_init)(void) = fn
#define module_exit(fn)	\
	static void (*const __maybe_unused kshim_exit)(void) = fn

/* printk: the last message is kept for the tests (fake_kernel.c) */
#ifndef pr_fmt
#define pr_fmt(fmt) fmt
#endif
void kshim_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define pr_err(fmt, ...)	kshim_log(pr_fmt(fmt), ##__VA_ARGS__)
#define pr_info(fmt, ...)	kshim_log(pr_fmt(fmt), ##__VA_ARGS__)
/* warnings are also counted (fake_warns), to tell "once" from "twice" */
void kshim_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define pr_warn(fmt, ...)	kshim_warn(pr_fmt(fmt), ##__VA_ARGS__)

/* Pages: page-aligned like the kernel's, counted, failure injectable */
#define PAGE_SIZE		4096UL
#define GFP_KERNEL		0U
unsigned long get_zeroed_page(gfp_t gfp);
void free_page(unsigned long addr);

#endif /* KSHIM_H */
