// SPDX-License-Identifier: GPL-2.0
/*
 * kp_alloc.c - the reference's malloc family for plugins.
 *
 * GFP_KERNEL where sleeping is allowed, GFP_ATOMIC in the DPC (softirq)
 * or under a KP_SPINLOCK; at hard-IRQ level (KP_IntAtIrql*) the reference
 * forbids allocation: NULL and a one-time warning.  On PREEMPT_RT even
 * GFP_ATOMIC may sleep, so under a KP_SPINLOCK (a raw lock, not
 * preemptible) there is no allocation either.
 *
 * The runtime counts the objects plugins hold (/sys/class/kp/
 * plugin_allocations), so a plugin that leaks, or a runtime that forgets
 * KP_Close/KP_IntDisable, shows as a count that does not return to its
 * value before an open/close cycle.  The count is per CPU (a free on
 * another CPU than the allocation makes one negative); the sum is exact.
 */
#include <linux/bug.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/slab.h>

#include "kp_internal.h"

static DEFINE_PER_CPU(long, kp_plugin_allocs);

long kp_plugin_allocations(void)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(kp_plugin_allocs, cpu);
	return sum;
}

static void *kp_counted(void *p)
{
	if (p)
		this_cpu_inc(kp_plugin_allocs);
	return p;
}

/* false: no allocation possible in this context */
static bool kp_alloc_gfp(gfp_t *gfp)
{
	if (in_hardirq() || in_nmi()) {
		WARN_ONCE(1, "kp: malloc() at hard-IRQ level\n");
		return false;
	}
	if (preemptible() && !in_softirq()) {
		*gfp = GFP_KERNEL;
		return true;
	}
	if (IS_ENABLED(CONFIG_PREEMPT_RT) && !preemptible()) {
		WARN_ONCE(1, "kp: malloc() under a KP_SPINLOCK on PREEMPT_RT\n");
		return false;
	}
	*gfp = GFP_ATOMIC;
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
		this_cpu_dec(kp_plugin_allocs);
	kfree(ptr);
}
EXPORT_SYMBOL_GPL(kp_free);
