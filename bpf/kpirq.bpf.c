// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Interrupt counts and hard-IRQ time from kp:kp_irq_entry / kp:kp_irq_exit,
 * attached as raw tracepoints: the arguments are the TP_PROTO of
 * runtime/kernel/kp_trace.h (ctx->args[], unpacked by BPF_PROG).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "kps.bpf.h"
#include "kpirq.h"

const volatile bool targ_us = true;
const volatile bool filter_dev = false;
const volatile __u32 targ_dev = 0;


/* What the handler running on this CPU started with (hard IRQs don't nest). */
struct kpirq_start {
	__u64 ts;
	struct kpirq_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kpirq_start);
} kpirq_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 256);
	__type(key, struct kpirq_key);
	__type(value, struct kpirq_val);
} kpirq_stats SEC(".maps");

static struct kpirq_val zero_val;

SEC("raw_tp/kp_irq_entry")
int BPF_PROG(kpirq_entry, __u32 dev, __u32 vector, __u32 irq)
{
	struct kpirq_start *st;
	struct kpirq_val *v;
	struct kpirq_key key = {};
	__u32 zero = 0;

	if (filter_dev && dev != targ_dev)
		return 0;
	key.dev = dev;
	key.vector = vector;
	key.irq = irq;
	v = kps_lookup_init(&kpirq_stats, &key, &zero_val);
	if (v)
		v->count++;
	st = bpf_map_lookup_elem(&kpirq_start, &zero);
	if (st) {
		st->key = key;
		st->ts = bpf_ktime_get_ns();
	}
	return 0;
}

SEC("raw_tp/kp_irq_exit")
int BPF_PROG(kpirq_exit, __u32 dev, __u32 vector, __u32 irq, __u32 handled,
	     __u32 dpc)
{
	struct kpirq_start *st;
	struct kpirq_val *v;
	struct kpirq_key key = {};
	__u32 zero = 0;
	__u64 ts = bpf_ktime_get_ns();

	if (filter_dev && dev != targ_dev)
		return 0;
	key.dev = dev;
	key.vector = vector;
	key.irq = irq;
	v = kps_lookup_init(&kpirq_stats, &key, &zero_val);
	if (!v)
		return 0;
	if (handled)
		v->handled++;
	if (dpc)
		v->dpc++;
	st = bpf_map_lookup_elem(&kpirq_start, &zero);
	if (!st || !st->ts || st->key.dev != key.dev ||
	    st->key.vector != key.vector || st->key.irq != key.irq)
		return 0;
	kps_hist_add(&v->time, ts - st->ts, targ_us, kps_epoch);
	st->ts = 0;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
