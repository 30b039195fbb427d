// SPDX-License-Identifier: GPL-2.0
/*
 * kp_trace.c - the kp_irq_batch event: one per batch of hard IRQs of a
 * vector, so that a tracer (kpstat) runs one program per interrupt at
 * most, and one per coalesced DPC.
 *
 * While the event is enabled the hard-IRQ handler adds each interrupt to
 * its vector's batch; the batch is emitted by whoever ends it: the DPC
 * (tasklet) that covers it, or the handler itself when the DPC ran inline
 * or none was requested.  The batch is state of the vector's handler and
 * its DPC; the tasklet closes it with interrupts off, as the handler of
 * its CPU may add to it meanwhile.  (A handler on another CPU can race;
 * the batch is a statistic, the exact counts are kp_stats.)
 */
#include <linux/idr.h>
#include <linux/log2.h>
#include <linux/moduleparam.h>

#include "kp_internal.h"
#include "kp_trace.h"

static DEFINE_IDA(kp_trace_slots);

/* One batch in trace_sample fires; a power of two, 1 = every batch. */
static unsigned int trace_sample = 1;

static int kp_trace_sample_set(const char *val, const struct kernel_param *kp)
{
	unsigned int n;
	int ret = kstrtouint(val, 0, &n);

	if (ret)
		return ret;
	if (!n || !is_power_of_2(n))
		return -EINVAL;
	WRITE_ONCE(trace_sample, n);
	return 0;
}

static const struct kernel_param_ops kp_trace_sample_ops = {
	.set = kp_trace_sample_set,
	.get = param_get_uint,
};
module_param_cb(trace_sample, &kp_trace_sample_ops, &trace_sample, 0644);
MODULE_PARM_DESC(trace_sample,
		 "kp_irq_batch fires for one batch in N (a power of two)");

/* The last slot is shared by vectors beyond KP_TRACE_SLOTS - 1. */
int kp_trace_slot_get(void)
{
	int slot = ida_alloc_max(&kp_trace_slots, KP_TRACE_SLOTS - 2,
				 GFP_KERNEL);

	return slot < 0 ? KP_TRACE_SLOTS - 1 : slot;
}

void kp_trace_slot_put(u32 slot)
{
	if (slot < KP_TRACE_SLOTS - 1)
		ida_free(&kp_trace_slots, slot);
}

/* Ends the vector's batch: its counts go to @b, the next one starts empty. */
static void kp_batch_take(struct kp_vector *vec, struct kp_batch *b)
{
	*b = vec->batch;
	memset(&vec->batch, 0, sizeof(vec->batch));
}

static void kp_trace_emit(struct kp_vector *vec, const struct kp_batch *b,
			  u32 count, u32 ret, u64 lat_ns, u64 run_ns)
{
	u32 mask = READ_ONCE(trace_sample) - 1;

	if (++vec->tick & mask)
		return;
	trace_kp_irq_batch(vec->slot, vec->ki->kdev->minor, vec->index,
			   vec->irq, b->irqs, b->handled, count, ret, b->irq_ns,
			   lat_ns, run_ns);
}

/*
 * At hard-IRQ exit, event enabled.  @t0 is the handler's entry;
 * @dpc_pending: a tasklet DPC will close the batch; otherwise the DPC ran
 * inline from @dpc_t0 (@count 1, @ret its notifications) or there was
 * none (@count 0).
 */
void kp_trace_irq(struct kp_vector *vec, bool handled, bool dpc_pending,
		  u64 t0, u32 count, u32 ret, u64 dpc_t0)
{
	u64 now = kp_trace_clock();
	struct kp_batch b;

	vec->batch.irqs++;
	vec->batch.handled += handled;
	if (dpc_pending) {
		vec->batch.irq_ns += now - t0;
		if (!vec->batch.req_ts)
			vec->batch.req_ts = t0;
		return;
	}
	vec->batch.irq_ns += (count ? dpc_t0 : now) - t0;
	kp_batch_take(vec, &b);
	kp_trace_emit(vec, &b, count, ret, 0, count ? now - dpc_t0 : 0);
}

/*
 * At the start of a tasklet DPC, event enabled: the batch it covers ends
 * here, before the DPC's notifications wake user mode.  Ending it after
 * them let the next interrupt, which user mode raises as soon as it
 * wakes, land in this batch when its handler ran on another CPU (seen on
 * PREEMPT_RT, whose handlers are threads): one batch of 2, one of 0.
 */
void kp_trace_dpc_begin(struct kp_vector *vec, struct kp_batch *b)
{
	unsigned long flags;

	local_irq_save(flags);
	kp_batch_take(vec, b);
	local_irq_restore(flags);
}

/* At the end of a tasklet DPC that started at @t0, covering batch @b. */
void kp_trace_dpc(struct kp_vector *vec, const struct kp_batch *b, u32 count,
		  u32 ret, u64 t0)
{
	u64 now = kp_trace_clock();
	unsigned long flags;
	u64 lat;

	lat = b->req_ts && t0 > b->req_ts ? t0 - b->req_ts : 0;
	local_irq_save(flags);	/* vec->tick is the handler's too */
	kp_trace_emit(vec, b, count, ret, lat, now - t0);
	local_irq_restore(flags);
}
