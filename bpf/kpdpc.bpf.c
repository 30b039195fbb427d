// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * DPC latency, run time and coalescing from kp:kp_dpc_schedule,
 * kp:kp_dpc_entry and kp:kp_dpc_exit, attached as raw tracepoints (the
 * arguments are the TP_PROTO of runtime/kernel/kp_trace.h).
 *
 * Latency runs from the FIRST request still pending to the DPC that serves
 * it: several IntAtIrql requests before one DPC coalesce into one dwCount,
 * and the oldest of them waited longest.  kpdpc_pending holds that first
 * timestamp per device+vector (0 = none): set by a request when unset (or
 * when the tracepoint says it is the first pending one, pending == 1), taken
 * and cleared atomically by the DPC entry.  If the runtime lacks
 * kp_dpc_schedule, kpstat loads kpdpc_irq_exit instead, which uses
 * kp_irq_exit with dpc != 0.
 *
 * Raw tracepoints only skip a program nested in itself, so kpdpc_sched (hard
 * IRQ) may now run inside kpdpc_entry (softirq) on one CPU: they share only
 * kpdpc_pending, whose slot is written with atomics.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "kps.bpf.h"
#include "kpdpc.h"

const volatile bool targ_us = true;
const volatile bool filter_dev = false;
const volatile __u32 targ_dev = 0;


struct kpdpc_start {
	__u64 ts;
	struct kpdpc_key key;
};

/* device+vector -> time of the first pending request (shared by all CPUs) */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, struct kpdpc_key);
	__type(value, __u64);
} kpdpc_pending SEC(".maps");

/* DPC running on this CPU (tasklets don't nest) */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kpdpc_start);
} kpdpc_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 256);
	__type(key, struct kpdpc_key);
	__type(value, struct kpdpc_val);
} kpdpc_stats SEC(".maps");

static struct kpdpc_val zero_val;

static __u64 zero_ts;

static __always_inline void mark_pending(__u32 dev, __u32 vector, bool first)
{
	struct kpdpc_key key = { .dev = dev, .vector = vector };
	__u64 ts = bpf_ktime_get_ns(), *p;

	p = kps_lookup_init(&kpdpc_pending, &key, &zero_ts);
	if (!p)
		return;
	/*
	 * Keep the oldest timestamp: only an unset (0) slot takes a new one.
	 * pending == 1 means the counter was empty, so anything stored is
	 * stale (a DPC on another CPU took the request before its tracepoint
	 * fired): overwrite it.
	 */
	if (first)
		__sync_lock_test_and_set(p, ts);
	else
		__sync_val_compare_and_swap(p, 0, ts);
}

SEC("raw_tp/kp_dpc_schedule")
int BPF_PROG(kpdpc_sched, __u32 dev, __u32 vector, __u32 pending)
{
	if (filter_dev && dev != targ_dev)
		return 0;
	mark_pending(dev, vector, pending == 1);
	return 0;
}

SEC("raw_tp/kp_irq_exit")
int BPF_PROG(kpdpc_irq_exit, __u32 dev, __u32 vector, __u32 irq,
	     __u32 handled, __u32 dpc)
{
	if (!dpc || (filter_dev && dev != targ_dev))
		return 0;
	mark_pending(dev, vector, false);
	return 0;
}

SEC("raw_tp/kp_dpc_entry")
int BPF_PROG(kpdpc_entry, __u32 dev, __u32 vector, __u32 count)
{
	struct kpdpc_key key = {};
	struct kpdpc_start *st;
	struct kpdpc_val *v;
	__u64 ts = bpf_ktime_get_ns(), first, *p;
	__u32 zero = 0, slot;

	/* count == 0: the requests were taken by a run on another CPU */
	if (!count || (filter_dev && dev != targ_dev))
		return 0;
	key.dev = dev;
	key.vector = vector;
	v = kps_lookup_init(&kpdpc_stats, &key, &zero_val);
	if (!v)
		return 0;
	v->dpcs++;
	v->dw_count_sum += count;
	slot = count;
	if (slot >= KPDPC_COAL_SLOTS)
		slot = KPDPC_COAL_SLOTS - 1;
	v->coal[kps_idx(slot, KPDPC_COAL_SLOTS)]++;

	/* take the first-request timestamp and clear it in one step */
	p = bpf_map_lookup_elem(&kpdpc_pending, &key);
	first = p ? __sync_lock_test_and_set(p, 0) : 0;
	if (first && ts > first)
		kps_hist_add(&v->latency, ts - first, targ_us, kps_epoch);

	st = bpf_map_lookup_elem(&kpdpc_start, &zero);
	if (st) {
		st->key = key;
		st->ts = ts;
	}
	return 0;
}

SEC("raw_tp/kp_dpc_exit")
int BPF_PROG(kpdpc_exit, __u32 dev, __u32 vector, __u32 count, __u32 ret)
{
	struct kpdpc_start *st;
	struct kpdpc_val *v;
	__u64 ts = bpf_ktime_get_ns();
	__u32 zero = 0;

	if (!count || (filter_dev && dev != targ_dev))
		return 0;
	st = bpf_map_lookup_elem(&kpdpc_start, &zero);
	if (!st || !st->ts || st->key.dev != dev ||
	    st->key.vector != vector)
		return 0;
	v = bpf_map_lookup_elem(&kpdpc_stats, &st->key);
	if (v) {
		v->ret_sum += ret;
		kps_hist_add(&v->run, ts - st->ts, targ_us, kps_epoch);
	}
	st->ts = 0;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
