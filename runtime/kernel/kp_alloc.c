// SPDX-License-Identifier: GPL-2.0
/*
 * kp_alloc.c - the reference's malloc family for plugins.
 *
 * GFP_KERNEL where sleeping is allowed, GFP_ATOMIC in the DPC (softirq)
 * or under a KP_SPINLOCK; at hard-IRQ level (KP_IntAtIrql*) the reference
 * forbids allocation: NULL and a one-time warning.
 */
#include <linux/bug.h>
#include <linux/preempt.h>
#include <linux/slab.h>

#include "kp_internal.h"

/* false: no allocation possible in this context */
static bool kp_alloc_gfp(gfp_t *gfp)
{
	if (in_hardirq() || in_nmi()) {
		WARN_ONCE(1, "kp: malloc() at hard-IRQ level\n");
		return false;
	}
	*gfp = preemptible() ? GFP_KERNEL : GFP_ATOMIC;
	return true;
}

void *kp_malloc(size_t size)
{
	gfp_t gfp;

	if (!kp_alloc_gfp(&gfp))
		return NULL;
	return kmalloc(size, gfp);
}
EXPORT_SYMBOL_GPL(kp_malloc);

void *kp_calloc(size_t nmemb, size_t size)
{
	gfp_t gfp;

	if (!kp_alloc_gfp(&gfp))
		return NULL;
	return kcalloc(nmemb, size, gfp);
}
EXPORT_SYMBOL_GPL(kp_calloc);

void *kp_realloc(void *ptr, size_t size)
{
	gfp_t gfp;

	if (!kp_alloc_gfp(&gfp))
		return NULL;
	if (!size) {
		kfree(ptr);
		return NULL;
	}
	return krealloc(ptr, size, gfp);
}
EXPORT_SYMBOL_GPL(kp_realloc);

void kp_free(void *ptr)
{
	kfree(ptr);
}
EXPORT_SYMBOL_GPL(kp_free);
