// SPDX-License-Identifier: GPL-2.0
/*
 * kp_sync.c - Kernel PlugIn synchronization (reference B.6.13):
 * KP_SPINLOCK and the KP_INTERLOCKED counters.
 *
 * KP_SPINLOCK is a spinlock_t taken with spin_lock_bh(), so process
 * context and the DPC (a tasklet) can share it.  Every acquisition is
 * traced: a trylock first; if that fails kp_lock_contended fires, the
 * lock is taken and kp_lock_acquired reports the wait in ns.
 */
#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "kp_internal.h"
#include "kp_trace.h"

struct _KP_SPINLOCK {
	spinlock_t	lock;
};

KP_SPINLOCK *kp_spinlock_init_caller(struct module *owner, unsigned long ip)
{
	KP_SPINLOCK *sl;

	sl = kp_malloc(sizeof(*sl));
	if (!sl)
		return NULL;
	spin_lock_init(&sl->lock);
	trace_kp_lock_init((unsigned long)sl, ip,
			   owner ? owner->name : "kernel");
	return sl;
}
EXPORT_SYMBOL_GPL(kp_spinlock_init_caller);

void kp_spinlock_wait(KP_SPINLOCK *spinlock)
{
	u64 start;

	if (WARN_ON_ONCE(in_hardirq()))
		return;

	if (spin_trylock_bh(&spinlock->lock)) {
		trace_kp_lock_acquired((unsigned long)spinlock, _RET_IP_, 0, 0);
		return;
	}

	trace_kp_lock_contended((unsigned long)spinlock, _RET_IP_);
	start = ktime_get_ns();
	spin_lock_bh(&spinlock->lock);
	trace_kp_lock_acquired((unsigned long)spinlock, _RET_IP_,
			       ktime_get_ns() - start, 1);
}
EXPORT_SYMBOL_GPL(kp_spinlock_wait);

void kp_spinlock_release(KP_SPINLOCK *spinlock)
{
	if (WARN_ON_ONCE(in_hardirq()))
		return;
	spin_unlock_bh(&spinlock->lock);
}
EXPORT_SYMBOL_GPL(kp_spinlock_release);

void kp_spinlock_uninit(KP_SPINLOCK *spinlock)
{
	if (!spinlock)
		return;
	trace_kp_lock_uninit((unsigned long)spinlock);
	kp_free(spinlock);
}
EXPORT_SYMBOL_GPL(kp_spinlock_uninit);

/*
 * KP_INTERLOCKED is the reference's "volatile int"; it has the size and
 * alignment of atomic_t's counter, so the atomic API works on it.
 */
static inline atomic_t *kp_atomic(KP_INTERLOCKED *target)
{
	BUILD_BUG_ON(sizeof(atomic_t) != sizeof(KP_INTERLOCKED));
	return (atomic_t *)target;
}

void kp_interlocked_init(KP_INTERLOCKED *target)
{
	atomic_set(kp_atomic(target), 0);
}
EXPORT_SYMBOL_GPL(kp_interlocked_init);

void kp_interlocked_uninit(KP_INTERLOCKED *target)
{
}
EXPORT_SYMBOL_GPL(kp_interlocked_uninit);

int kp_interlocked_increment(KP_INTERLOCKED *target)
{
	return atomic_inc_return(kp_atomic(target));
}
EXPORT_SYMBOL_GPL(kp_interlocked_increment);

int kp_interlocked_decrement(KP_INTERLOCKED *target)
{
	return atomic_dec_return(kp_atomic(target));
}
EXPORT_SYMBOL_GPL(kp_interlocked_decrement);

int kp_interlocked_add(KP_INTERLOCKED *target, int val)
{
	return atomic_add_return(val, kp_atomic(target));
}
EXPORT_SYMBOL_GPL(kp_interlocked_add);

int kp_interlocked_read(KP_INTERLOCKED *target)
{
	return atomic_read(kp_atomic(target));
}
EXPORT_SYMBOL_GPL(kp_interlocked_read);

void kp_interlocked_set(KP_INTERLOCKED *target, int val)
{
	atomic_set(kp_atomic(target), val);
}
EXPORT_SYMBOL_GPL(kp_interlocked_set);

int kp_interlocked_exchange(KP_INTERLOCKED *target, int val)
{
	return atomic_xchg(kp_atomic(target), val);
}
EXPORT_SYMBOL_GPL(kp_interlocked_exchange);
