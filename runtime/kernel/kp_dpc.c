// SPDX-License-Identifier: GPL-2.0
/*
 * kp_dpc.c - the DPC: one tasklet per vector (softirq context, the
 * reference's DISPATCH level) and the notifications it hands to
 * KP_INT_WAIT / poll().
 *
 * The hard-IRQ handler increments vec->pending and schedules the tasklet.
 * The DPC takes all requests at once with atomic_xchg(); a request racing
 * with the xchg schedules the tasklet again, so none is lost and the sum
 * of dwCount over all DPC calls equals the number of TRUE returns.
 */
#include <linux/interrupt.h>
#include <linux/wait.h>

#include "kp_internal.h"
#include "kp_trace.h"

/* Queues @n notifications of @vector, dropping what exceeds max_backlog. */
static void kp_notify(struct kp_session *sess, struct kp_device *kdev,
		      u32 vector, u32 n)
{
	u64 accepted = n, total;

	spin_lock(&sess->lock);
	if (sess->max_backlog && sess->int_queued + n > sess->max_backlog)
		accepted = sess->max_backlog > sess->int_queued ?
			   sess->max_backlog - sess->int_queued : 0;
	sess->int_queued += accepted;
	sess->int_lost += n - accepted;
	sess->last_vector = vector;
	spin_unlock(&sess->lock);

	total = atomic64_add_return(n, &kdev->stats.notifications);
	if (n - accepted)
		kp_stat_add(&kdev->stats.lost, n - accepted);
	trace_kp_notify(kdev->minor, n, total);
	wake_up_all(&sess->wq);
}

void kp_dpc_fn(struct tasklet_struct *t)
{
	struct kp_vector *vec = from_tasklet(vec, t, dpc);
	struct kp_irq *ki = vec->ki;
	struct kp_device *kdev = ki->kdev;
	u32 count, ret;

	count = atomic_xchg(&vec->pending, 0);
	if (!count)
		return;

	trace_kp_dpc_entry(kdev->minor, vec->index, count);
	if (ki->mode == KP_INT_MODE_INTX)
		ret = ki->at_dpc ? ki->at_dpc(ki->int_ctx, count) : count;
	else
		ret = ki->at_dpc_msi ?
		      ki->at_dpc_msi(ki->int_ctx, count, vec->index, 0) :
		      count;
	kp_stat_inc(&kdev->stats.dpcs);
	kp_stat_add(&kdev->stats.dpc_count_sum, count);
	trace_kp_dpc_exit(kdev->minor, vec->index, count, ret);

	if (ret)
		kp_notify(ki->owner, kdev, vec->index, ret);
}

/* Marks @sess's interrupts stopped and wakes every waiter. */
void kp_notify_stop(struct kp_session *sess)
{
	spin_lock_bh(&sess->lock);
	sess->int_state = KP_INT_STOPPED;
	spin_unlock_bh(&sess->lock);
	wake_up_all(&sess->wq);
}
