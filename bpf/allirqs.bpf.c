// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Generic mode: hard-IRQ handler runs and time for every IRQ, from the
 * irq:irq_handler_entry/exit raw tracepoints (no kp runtime, no kprobes, no
 * fentry).  Raw tracepoints only skip a program nested in itself, so other
 * tracing programs running on the CPU cannot make us miss an interrupt.
 * The irqaction is read with CO-RE, so the object loads on any kernel with
 * BTF (built against 6.18, runs on Debian's 6.1).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "kps.bpf.h"
#include "allirqs.h"

const volatile bool targ_us = true;
const volatile bool filter_irq = false;
const volatile __s32 targ_irq = 0;


/* The handler running on this CPU (hard IRQ handlers don't nest). */
struct allirq_start {
	__u64 ts;
	struct allirq_key key;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct allirq_start);
} allirq_start SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 512);
	__type(key, struct allirq_key);
	__type(value, struct allirq_val);
} allirq_stats SEC(".maps");

static const struct allirq_val zero_val;

SEC("raw_tp/irq_handler_entry")
int BPF_PROG(allirq_entry, int irq, struct irqaction *action)
{
	struct allirq_start *st;
	struct allirq_val *v;
	__u32 zero = 0;

	if (filter_irq && irq != targ_irq)
		return 0;
	st = bpf_map_lookup_elem(&allirq_start, &zero);
	if (!st)
		return 0;
	__builtin_memset(&st->key, 0, sizeof(st->key));
	st->key.irq = irq;
	bpf_probe_read_kernel_str(st->key.name, sizeof(st->key.name),
				  BPF_CORE_READ(action, name));
	v = kps_lookup_init(&allirq_stats, &st->key, &zero_val);
	if (v)
		v->count++;
	st->ts = bpf_ktime_get_ns();
	return 0;
}

SEC("raw_tp/irq_handler_exit")
int BPF_PROG(allirq_exit, int irq, struct irqaction *action, int ret)
{
	struct allirq_start *st;
	struct allirq_val *v;
	__u64 ts = bpf_ktime_get_ns();
	__u32 zero = 0;

	if (filter_irq && irq != targ_irq)
		return 0;
	st = bpf_map_lookup_elem(&allirq_start, &zero);
	if (!st || !st->ts || st->key.irq != irq)
		return 0;
	v = bpf_map_lookup_elem(&allirq_stats, &st->key);
	if (v) {
		if (ret)
			v->handled++;
		kps_hist_add(&v->time, ts - st->ts, targ_us, kps_epoch);
	}
	st->ts = 0;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
