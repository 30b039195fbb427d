// SPDX-License-Identifier: GPL-2.0
/*
 * kp_sync.c - Kernel PlugIn synchronization (reference B.6.13):
 * KP_SPINLOCK and the KP_INTERLOCKED counters.
 *
 * KP_SPINLOCK is a raw spinlock taken with interrupts off, so one lock
 * works in every context a plugin runs in - process, the DPC and the
 * hard-IRQ handler, which stays in hard IRQ on PREEMPT_RT too
 * (IRQF_NO_THREAD) where a spinlock_t would sleep.  The flags of the
 * interrupt state live in the lock: kp_spinlock_wait/release take no
 * flags argument, and the holder is the only one to touch them.
 *
 * Every acquisition is traced: a trylock first; if that fails
 * kp_lock_contended fires, the lock is taken and kp_lock_acquired
 * reports the wait in ns.  Locks are named in traces by a sequence
 * number, not their address (no kernel pointers reach user mode).
 */
#include <linux/atomic.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>

#include "kp_internal.h"
#include "kp_trace.h"

struct _KP_SPINLOCK {
	raw_spinlock_t	lock;
	unsigned long	flags;		/* of the holder */
	u64		id;		/* the name in traces */
};

static atomic64_t kp_lock_ids = ATOMIC64_INIT(0);

KP_SPINLOCK *kp_spinlock_init_caller(struct module *owner, unsigned long ip)
{
	KP_SPINLOCK *sl;

	sl = kp_malloc(sizeof(*sl));
	if (!sl)
		return NULL;
	raw_spin_lock_init(&sl->lock);
	sl->id = atomic64_inc_return(&kp_lock_ids);
	trace_kp_lock_init(sl->id, ip, owner ? owner->name : "kernel");
	return sl;
}
EXPORT_SYMBOL_GPL(kp_spinlock_init_caller);

void kp_spinlock_wait(KP_SPINLOCK *spinlock)
{
	unsigned long flags;
	u64 start;

	if (raw_spin_trylock_irqsave(&spinlock->lock, flags)) {
		spinlock->flags = flags;
		trace_kp_lock_acquired(spinlock->id, _RET_IP_, 0, 0);
		return;
	}

	trace_kp_lock_contended(spinlock->id, _RET_IP_);
	start = kp_trace_clock();
	raw_spin_lock_irqsave(&spinlock->lock, flags);
	spinlock->flags = flags;
	trace_kp_lock_acquired(spinlock->id, _RET_IP_,
			       kp_trace_clock() - start, 1);
}
EXPORT_SYMBOL_GPL(kp_spinlock_wait);

void kp_spinlock_release(KP_SPINLOCK *spinlock)
{
	raw_spin_unlock_irqrestore(&spinlock->lock, spinlock->flags);
}
EXPORT_SYMBOL_GPL(kp_spinlock_release);

void kp_spinlock_uninit(KP_SPINLOCK *spinlock)
{
	if (!spinlock)
		return;
	trace_kp_lock_uninit(spinlock->id);
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
