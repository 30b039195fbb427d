// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Everything kpstat reports about kp interrupts and DPCs, from one raw
 * tracepoint: kp:kp_irq_batch fires once per batch of hard IRQs of a
 * vector (when the DPC covering them has run, or at hard-IRQ exit when
 * it ran inline or none was requested) and carries the counts and the
 * times the runtime took (runtime/kernel/kp_trace.h).  So this is the
 * only program that runs on the interrupt path: one run per interrupt at
 * most, one per coalesced DPC; no clock read, no divide, no atomic, one
 * per-CPU array lookup by the event's dense slot.
 *
 * A batch of n interrupts adds n values to the hard-IRQ histogram, all in
 * the slot of its mean time, computed as irq_ns >> floor(log2 n): exact
 * for n = 1 and n a power of two, otherwise at most 2x the mean, so at
 * most one log2 slot high.  The sum (hence the average) stays exact.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "kps.bpf.h"
#include "kp_tp.h"
#include "kpbatch.h"

const volatile bool targ_us = true;
const volatile bool filter_dev = false;
const volatile __u32 targ_dev = 0;

/* slot -> the values of the vector that last used it, on this CPU */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KP_TRACE_SLOTS);
	__type(key, __u32);
	__type(value, struct kpb_val);
} kpb_slots SEC(".maps");

/* vector -> values moved out of kpb_slots, and the shared last slot's */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, KPB_SPILL);
	__type(key, struct kpb_key);
	__type(value, struct kpb_val);
} kpb_spill SEC(".maps");

static const struct kpb_val zero_val;

/* The slot now counts @key: move the previous vector's values aside. */
static __always_inline void take_slot(struct kpb_val *v, __u32 *slot,
				      const struct kpb_key *key)
{
	struct kpb_val *s;

	if (v->used) {
		s = kps_lookup_init(&kpb_spill, &v->key, &zero_val);
		if (s)
			kpb_merge(s, v);
	}
	/* from a program this writes the current CPU's copy only */
	bpf_map_update_elem(&kpb_slots, slot, &zero_val, BPF_ANY);
	v->key = *key;
	v->used = 1;
}

SEC("raw_tp/kp_irq_batch")
int BPF_PROG(kpbatch, __u32 slot, __u32 dev, __u32 vector, __u32 irq,
	     __u32 irqs, __u32 handled, __u32 count, __u32 ret, __u64 irq_ns,
	     __u64 lat_ns, __u64 run_ns)
{
	struct kpb_key key = { .dev = dev, .vector = vector, .irq = irq };
	__u64 epoch = kps_epoch;
	struct kpb_val *v = NULL;

	if (filter_dev && dev != targ_dev)
		return 0;
	/* the last slot is shared by every vector beyond it: hash those */
	if (slot < KP_TRACE_SLOTS - 1)
		v = bpf_map_lookup_elem(&kpb_slots, &slot);
	if (v) {
		if (!v->used || v->key.dev != dev || v->key.vector != vector ||
		    v->key.irq != irq)
			take_slot(v, &slot, &key);
	} else {
		v = kps_lookup_init(&kpb_spill, &key, &zero_val);
		if (!v)
			return 0;
	}

	v->batches++;
	if (irqs) {
		v->irqs += irqs;
		v->handled += handled;
		kps_hist_add_n(&v->irq_time, irq_ns >> kps_log2(irqs), irq_ns,
			       irqs, targ_us, epoch);
	}
	if (count) {
		v->dpcs++;
		v->dw_count_sum += count;
		v->ret_sum += ret;
		v->coal[kps_idx(count < KPB_COAL_SLOTS ? count :
				KPB_COAL_SLOTS - 1, KPB_COAL_SLOTS)]++;
		kps_hist_add(&v->latency, lat_ns, targ_us, epoch);
		kps_hist_add(&v->run, run_ns, targ_us, epoch);
	}
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
