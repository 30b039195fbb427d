/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * kpbatch: interrupts, hard-IRQ time, DPC latency, run time and coalescing
 * per kp device and vector, from the one kp:kp_irq_batch event.
 */
#ifndef KPBATCH_H
#define KPBATCH_H

#include "kps_hist.h"

/* dwCount distribution: slot n counts DPCs run with dwCount == n, the last
 * slot those with dwCount >= KPB_COAL_SLOTS - 1. */
#define KPB_COAL_SLOTS 32
/* kpb_spill entries: vectors moved out of a slot, and those of the shared
 * last slot (more than KP_TRACE_SLOTS - 1 vectors enabled at once) */
#define KPB_SPILL 1024

/* A vector: what a row of the report is about. */
struct kpb_key {
	__u32 dev;		/* minor of /dev/kp/<name> */
	__u32 vector;		/* MSI/MSI-X vector index, 0 for INTx */
	__u32 irq;		/* Linux IRQ number */
};

/*
 * Per-CPU value of kpb_slots (indexed by the event's slot) and kpb_spill
 * (keyed by the vector).  A slot holds the vector it was last used by;
 * when the runtime gives the slot to another vector, the program adds the
 * old vector's values into kpb_spill first, so nothing counted is lost.
 */
struct kpb_val {
	struct kpb_key key;	/* kpb_slots: the vector counted here */
	__u32 used;		/* kpb_slots: key is valid */
	__u64 batches;		/* kp_irq_batch events */
	__u64 irqs;		/* hard IRQs (sum of irqs) */
	__u64 handled;		/* of them claimed by the plugin */
	__u64 dpcs;		/* batches with a DPC (count > 0) */
	__u64 dw_count_sum;	/* sum of dwCount: DPC requests served */
	__u64 ret_sum;		/* sum of the DPCs' return values */
	struct kps_hist irq_time;	/* hard-IRQ time, irqs values a batch */
	struct kps_hist latency;	/* first request -> DPC start */
	struct kps_hist run;		/* DPC run time */
	__u64 coal[KPB_COAL_SLOTS];	/* dwCount distribution */
};

/* Adds @src into @dst (one CPU's values of one vector). */
static __always_inline void kpb_merge(struct kpb_val *dst,
				      const struct kpb_val *src)
{
	dst->batches += src->batches;
	dst->irqs += src->irqs;
	dst->handled += src->handled;
	dst->dpcs += src->dpcs;
	dst->dw_count_sum += src->dw_count_sum;
	dst->ret_sum += src->ret_sum;
	kps_hist_merge(&dst->irq_time, &src->irq_time);
	kps_hist_merge(&dst->latency, &src->latency);
	kps_hist_merge(&dst->run, &src->run);
	for (int i = 0; i < KPB_COAL_SLOTS; i++)
		dst->coal[i] += src->coal[i];
}

#endif /* KPBATCH_H */
