// SPDX-License-Identifier: GPL-2.0
/*
 * kp_alloc.c - the reference's malloc family for plugins.
 *
 * GFP_KERNEL where sleeping is allowed, GFP_ATOMIC in the DPC (softirq)
 * or under a KP_SPINLOCK; at hard-IRQ level (KP_IntAtIrql*) the reference
 * forbids allocation: NULL and a one-time warning.
 *
 * The runtime counts the objects plugins hold (/sys/class/kp/
 * plugin_allocations), so a plugin that leaks, or a runtime that forgets
 * KP_Close/KP_IntDisable, shows as a count that does not return to its
 * value before an open/close cycle.
 */
#include <linux/bug.h>
#include <linux/preempt.h>
#include <linux/slab.h>

#include "kp_internal.h"

static atomic_long_t kp_plugin_allocs = ATOMIC_LONG_INIT(0);

long kp_plugin_allocations(void)
{
	return atomic_long_read(&kp_plugin_allocs);
}

static void *kp_counted(void *p)
{
	if (p)
		atomic_long_inc(&kp_plugin_allocs);
	return p;
}

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
	return kp_counted(kmalloc(size, gfp));
}
EXPORT_SYMBOL_GPL(kp_malloc);

void *kp_calloc(size_t nmemb, size_t size)
{
	gfp_t gfp;

	if (!kp_alloc_gfp(&gfp))
		return NULL;
	return kp_counted(kcalloc(nmemb, size, gfp));
}
EXPORT_SYMBOL_GPL(kp_calloc);

void *kp_realloc(void *ptr, size_t size)
{
	void *p;
	gfp_t gfp;

	if (!kp_alloc_gfp(&gfp))
		return NULL;
	if (!size) {
		kp_free(ptr);
		return NULL;
	}
	p = krealloc(ptr, size, gfp);
	/* a new object only when there was none before */
	return ptr ? p : kp_counted(p);
}
EXPORT_SYMBOL_GPL(kp_realloc);

void kp_free(void *ptr)
{
	if (ptr)
		atomic_long_dec(&kp_plugin_allocs);
	kfree(ptr);
}
EXPORT_SYMBOL_GPL(kp_free);
