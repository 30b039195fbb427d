/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel's allocations, for leak checks: objects in every kmalloc
 * cache and the /proc/vmallocinfo areas of kp_ modules.
 */
#ifndef KPT_KMEM_H
#define KPT_KMEM_H

#define KPT_MAX_CACHES	128

struct kpt_kmem {
	int		n;
	char		name[KPT_MAX_CACHES][64];
	long long	objects[KPT_MAX_CACHES];
	long long	vmalloc_kp;
};

/*
 * Snapshot: every kmalloc cache is shrunk (cpu slabs flushed, so its
 * "objects" count is exact) and its allocated objects read from
 * /sys/kernel/slab/<cache>/objects (merged aliases counted once, sorted
 * by name); plus the /proc/vmallocinfo areas whose caller is in a kp_
 * module.  Waits 200 ms first for RCU-deferred frees.
 */
void kpt_kmem_snapshot(struct kpt_kmem *s);
/* The largest per-cache growth from @a to @b; its cache in *@name. */
long long kpt_kmem_max_delta(const struct kpt_kmem *a,
			     const struct kpt_kmem *b, const char **name);

#endif
