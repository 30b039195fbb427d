// SPDX-License-Identifier: GPL-2.0
/*
 * kp_notify.c - the session's notification queue: the DPC that feeds it,
 * KP_INT_WAIT and poll() that drain it, and the two pages that let user
 * mode drain it without a syscall.
 *
 * The queue is two counters.  state->produced (kernel-written, mapped
 * read-only) counts every notification a DPC made that max_backlog let
 * through; ack->consumed (mapped read-write) counts those taken.  Taking
 * one is a compare-and-swap of consumed from c to c + 1 when c < produced,
 * done the same way by KP_INT_WAIT and by libkp in user space, so several
 * threads may drain one fd and nothing is taken twice.  The kernel reads
 * consumed but never trusts it: a user that scribbles on its page only
 * confuses its own accounting.
 *
 * The DPC: one tasklet per vector (softirq context, the reference's
 * DISPATCH level).  The hard-IRQ handler increments vec->pending and
 * schedules it; the DPC takes all requests at once with atomic_xchg(); a
 * request racing with the xchg schedules the tasklet again, so none is
 * lost and the sum of dwCount over all DPC calls equals the number of
 * TRUE returns.  When the plugin has no DPC callback, or declares it
 * IRQ-safe (KP_OPT_DPC_AT_IRQL), the handler runs kp_dpc_run() itself
 * with dwCount 1 (not on PREEMPT_RT, where waking a waiter from hard IRQ
 * is not allowed).  Tasklets rather than BH workqueues: the target kernel
 * (6.1) has none.
 */
#include <linux/interrupt.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

#include "kp_compat.h"
#include "kp_internal.h"
#include "kp_trace.h"

/* wait_event_interruptible_timeout(), as an exclusive waiter */
#define kp_wait_exclusive_timeout(wq, cond, timeout)			\
({									\
	long __ret = timeout;						\
	if (!___wait_cond_timeout(cond))				\
		__ret = ___wait_event(wq, ___wait_cond_timeout(cond),	\
				      TASK_INTERRUPTIBLE, 1, timeout,	\
				      __ret = schedule_timeout(__ret));	\
	__ret;								\
})

int kp_notify_init(struct kp_notify *n)
{
	n->state = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	n->ack = (void *)get_zeroed_page(GFP_KERNEL_ACCOUNT);
	if (!n->state || !n->ack) {
		kp_notify_free(n);
		return -ENOMEM;
	}
	n->state->reason = KP_STOP_IDLE;
	init_waitqueue_head(&n->wq);
	return 0;
}

void kp_notify_free(struct kp_notify *n)
{
	free_page((unsigned long)n->state);
	free_page((unsigned long)n->ack);
}

static atomic64_t *kp_produced(struct kp_notify *n)
{
	BUILD_BUG_ON(sizeof(atomic64_t) != sizeof(n->state->produced));
	return (atomic64_t *)&n->state->produced;
}

static atomic64_t *kp_consumed(struct kp_notify *n)
{
	return (atomic64_t *)&n->ack->consumed;
}

/*
 * A new KP_INT_ENABLE: what is still queued from an earlier one is
 * dropped.  No DPC of this session runs (the old interrupts are gone, the
 * new ones not yet requested).
 */
void kp_notify_reset(struct kp_notify *n, u64 max_backlog)
{
	struct kp_notify_state *st = n->state;
	u64 produced = atomic64_read(kp_produced(n));

	n->max_backlog = max_backlog;
	atomic64_set(kp_consumed(n), produced);
	st->base = produced;
	st->lost = 0;
	st->last_vector = 0;
	st->reason = KP_STOP_NONE;
	st->generation++;
	/* readers of the state (acquire) see the fields above */
	smp_store_release(&st->state, KP_NOTIFY_ENABLED);
}

/* Notifications queued and not taken, as far as the kernel can tell. */
static u64 kp_notify_backlog(struct kp_notify *n, u64 produced)
{
	u64 consumed = atomic64_read(kp_consumed(n));

	return consumed < produced ? produced - consumed : 0;
}

/*
 * Queues @count notifications of @vector, dropping what exceeds
 * max_backlog; returns how many were dropped.  DPC context (softirq or
 * the hard IRQ on the inline path); DPCs of different vectors may run at
 * once, hence the atomics.
 */
u32 kp_notify_push(struct kp_notify *n, u32 vector, u32 count)
{
	struct kp_notify_state *st = n->state;
	u64 produced = atomic64_read(kp_produced(n));
	u32 accepted = count;

	if (n->max_backlog) {
		u64 backlog = kp_notify_backlog(n, produced);
		u64 room = backlog < n->max_backlog ?
			   n->max_backlog - backlog : 0;

		accepted = min_t(u64, count, room);
	}
	WRITE_ONCE(st->last_vector, vector);
	if (accepted < count)
		WRITE_ONCE(st->lost, st->lost + count - accepted);
	if (accepted) {
		/* release: what the DPC did is visible with the count */
		smp_mb__before_atomic();
		atomic64_add(accepted, kp_produced(n));
		/* pairs with the barrier in prepare_to_wait() */
		if (wq_has_sleeper(&n->wq))
			wake_up_nr(&n->wq, accepted);
	}
	return count - accepted;
}

/* Interrupts stopped (@reason): what is queued can still be taken. */
void kp_notify_stop(struct kp_notify *n, u32 reason)
{
	struct kp_notify_state *st = n->state;

	if (READ_ONCE(st->state) != KP_NOTIFY_ENABLED)
		return;
	WRITE_ONCE(st->reason, reason);
	/* every DPC is done: produced is final once this is seen */
	smp_store_release(&st->state, KP_NOTIFY_STOPPED);
	wake_up_all(&n->wq);
}

/* The owner's close(): waiters sleeping now return with KP_STOP_CLOSED. */
void kp_notify_flush(struct kp_notify *n)
{
	WRITE_ONCE(n->flush_gen, n->flush_gen + 1);
	wake_up_all(&n->wq);
}

__poll_t kp_notify_poll(struct kp_notify *n, struct file *file,
			poll_table *wait)
{
	struct kp_notify_state *st = n->state;
	__poll_t mask = 0;
	u32 state;
	u64 produced;

	poll_wait(file, &n->wq, wait);
	/* the state before produced, see kp_notify_stop() */
	state = smp_load_acquire(&st->state);
	produced = atomic64_read(kp_produced(n));
	if (kp_notify_backlog(n, produced))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (state == KP_NOTIFY_STOPPED)
		mask |= EPOLLHUP;
	return mask;
}

/* ---- taking notifications (KP_INT_WAIT) ----------------------------- */

/*
 * Takes one notification (all with @all); returns how many were taken
 * and sets *@last to the ordinal of the last one.
 */
static u64 kp_notify_take(struct kp_notify *n, bool all, u64 *last)
{
	u64 produced = atomic64_read(kp_produced(n));
	s64 c = atomic64_read(kp_consumed(n));

	for (;;) {
		u64 to;

		if ((u64)c >= produced)
			return 0;
		to = all ? produced : (u64)c + 1;
		if (atomic64_try_cmpxchg(kp_consumed(n), &c, to)) {
			*last = to;
			return to - (u64)c;
		}
	}
}

/* Why a wait ends without a notification, or 0 to go on waiting */
static u32 kp_notify_stopped(struct kp_notify *n, u32 gen)
{
	/* pairs with the release in kp_notify_stop() */
	u32 state = smp_load_acquire(&n->state->state);

	if (state == KP_NOTIFY_IDLE)
		return KP_STOP_IDLE;
	if (state == KP_NOTIFY_STOPPED)
		return READ_ONCE(n->state->reason);
	if (READ_ONCE(n->flush_gen) != gen)
		return KP_STOP_CLOSED;
	return KP_STOP_NONE;
}

static bool kp_notify_ready(struct kp_notify *n, u32 gen)
{
	return kp_notify_stopped(n, gen) ||
	       kp_notify_backlog(n, atomic64_read(kp_produced(n)));
}

long kp_ioctl_int_wait(struct kp_session *sess, void __user *uarg)
{
	unsigned long minsz = offsetofend(struct kp_int_wait, reason);
	unsigned long v2sz = offsetofend(struct kp_int_wait, taken);
	struct kp_notify *n = &sess->notify;
	struct kp_notify_state *st = n->state;
	u32 known = KP_WAIT_NONBLOCK | KP_WAIT_ALL;
	struct kp_int_wait iw;
	long timeout = MAX_SCHEDULE_TIMEOUT;
	u64 taken, last = 0;
	u32 gen, reason;
	size_t outsz;

	if (copy_from_user(&iw, uarg, minsz))
		return -EFAULT;
	if (iw.argsz < minsz)
		return -EINVAL;
	outsz = minsz;
	if (iw.argsz >= v2sz) {
		if (copy_from_user(&iw.timeout_ns, &((struct kp_int_wait
			__user *)uarg)->timeout_ns, v2sz - minsz))
			return -EFAULT;
		known |= KP_WAIT_TIMEOUT;
		outsz = v2sz;
		if (iw.flags & KP_WAIT_TIMEOUT)
			timeout = nsecs_to_jiffies(iw.timeout_ns);
	}
	if (iw.flags & ~known)
		return -EINVAL;

	gen = READ_ONCE(n->flush_gen);
	for (;;) {
		/* the state first: once stopped, produced is final */
		reason = kp_notify_stopped(n, gen);
		taken = kp_notify_take(n, iw.flags & KP_WAIT_ALL, &last);
		if (taken || reason)
			break;
		if (iw.flags & KP_WAIT_NONBLOCK)
			return -EAGAIN;
		timeout = kp_wait_exclusive_timeout(n->wq,
						    kp_notify_ready(n, gen),
						    timeout);
		if (timeout < 0)
			return -EINTR;
		if (!timeout && !kp_notify_ready(n, gen))
			return -ETIMEDOUT;
		if (!timeout)
			timeout = 1;
	}

	iw.flags &= known;
	if (!taken) {
		iw.flags |= KP_WAIT_STOPPED;
		iw.reason = reason;
		last = atomic64_read(kp_consumed(n));
	} else {
		iw.reason = KP_STOP_NONE;
		/* a notification we did not take goes to the next waiter */
		if (kp_notify_backlog(n, atomic64_read(kp_produced(n))))
			wake_up(&n->wq);
	}
	iw.counter = last > st->base ? last - st->base : 0;
	iw.pending = kp_notify_backlog(n, atomic64_read(kp_produced(n)));
	iw.lost = READ_ONCE(st->lost);
	iw.last_vector = READ_ONCE(st->last_vector);
	iw.taken = taken;

	return copy_to_user(uarg, &iw, outsz) ? -EFAULT : 0;
}

/* ---- the mapped pages ----------------------------------------------- */

static vm_fault_t kp_notify_fault(struct vm_fault *vmf)
{
	struct page *page = vmf->vma->vm_private_data;

	/* the mapping is one page (VM_DONTEXPAND): this is it */
	get_page(page);
	vmf->page = page;
	return 0;
}

static const struct vm_operations_struct kp_notify_vm_ops = {
	.fault = kp_notify_fault,
};

/*
 * Maps the state page (read-only) or the ack page (read-write): exactly
 * one page, shared.
 */
int kp_notify_mmap(struct kp_notify *n, struct vm_area_struct *vma,
		   bool ack_page)
{
	void *page = ack_page ? (void *)n->ack : (void *)n->state;

	if (!(vma->vm_flags & VM_MAYSHARE) || vma_pages(vma) != 1)
		return -EINVAL;
	if (!ack_page) {
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		kp_vm_flags_clear(vma, VM_MAYWRITE);
	}
	vma->vm_private_data = virt_to_page(page);
	vma->vm_ops = &kp_notify_vm_ops;
	kp_vm_flags_set(vma, VM_DONTEXPAND | VM_DONTDUMP);
	return 0;
}

/* ---- the DPC -------------------------------------------------------- */

/*
 * Runs the plugin's DPC for @count requests of @vec and notifies user
 * mode; returns the DPC's return value.  Softirq (tasklet) or, on the
 * inline path, hard-IRQ context.
 */
u32 kp_dpc_run(struct kp_vector *vec, u32 count)
{
	struct kp_irq *ki = vec->ki;
	struct kp_device *kdev = ki->kdev;
	u32 ret, lost;

	trace_kp_dpc_entry(kdev->minor, vec->index, count);
	if (ki->mode == KP_INT_MODE_INTX)
		ret = ki->at_dpc ? ki->at_dpc(ki->int_ctx, count) : count;
	else
		ret = ki->at_dpc_msi ?
		      ki->at_dpc_msi(ki->int_ctx, count, vec->index, 0) :
		      count;
	kp_stat_inc(kdev, dpcs);
	kp_stat_add(kdev, dpc_count_sum, count);
	trace_kp_dpc_exit(kdev->minor, vec->index, count, ret);

	if (ret) {
		lost = kp_notify_push(&ki->owner->notify, vec->index, ret);
		kp_stat_add(kdev, notifications, ret);
		if (lost)
			kp_stat_add(kdev, lost, lost);
		trace_kp_notify(kdev->minor, ret,
				atomic64_read(kp_produced(&ki->owner->notify)));
	}
	return ret;
}

void kp_dpc_fn(struct tasklet_struct *t)
{
	struct kp_vector *vec = from_tasklet(vec, t, dpc);
	struct kp_batch batch;
	bool traced;
	u32 count, ret;
	u64 t0 = 0;

	count = atomic_xchg(&vec->pending, 0);
	if (!count)
		return;
	traced = trace_kp_irq_batch_enabled();
	if (traced) {
		kp_trace_dpc_begin(vec, &batch);
		t0 = kp_trace_clock();
	}
	ret = kp_dpc_run(vec, count);
	if (traced)
		kp_trace_dpc(vec, &batch, count, ret, t0);
}
