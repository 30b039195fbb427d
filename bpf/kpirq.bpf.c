// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Interrupt counts and hard-IRQ time from kp:kp_irq_entry / kp:kp_irq_exit. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "kp_tp.h"
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

SEC("tracepoint/kp/kp_irq_entry")
int kpirq_entry(struct kp_irq_entry_rec *ctx)
{
	struct kpirq_start *st;
	struct kpirq_val *v;
	struct kpirq_key key = {};
	__u32 zero = 0;

	if (filter_dev && ctx->dev != targ_dev)
		return 0;
	key.dev = ctx->dev;
	key.vector = ctx->vector;
	key.irq = ctx->irq;
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

SEC("tracepoint/kp/kp_irq_exit")
int kpirq_exit(struct kp_irq_exit_rec *ctx)
{
	struct kpirq_start *st;
	struct kpirq_val *v;
	struct kpirq_key key = {};
	__u32 zero = 0;
	__u64 ts = bpf_ktime_get_ns();

	if (filter_dev && ctx->dev != targ_dev)
		return 0;
	key.dev = ctx->dev;
	key.vector = ctx->vector;
	key.irq = ctx->irq;
	v = kps_lookup_init(&kpirq_stats, &key, &zero_val);
	if (!v)
		return 0;
	if (ctx->handled)
		v->handled++;
	if (ctx->dpc)
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
