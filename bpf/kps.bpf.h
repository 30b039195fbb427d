/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Helpers shared by the kpstat BPF programs. */
#ifndef KPS_BPF_H
#define KPS_BPF_H

#include "kps_hist.h"

/* Set by kpstat at every report: lets kps_hist keep a per-interval max. */
__u64 kps_epoch;
/* Events lost because a map was full (or an insert failed). */
__u64 kps_errors;

/*
 * Bounds an array index for the verifier: the empty asm keeps the compiler
 * from dropping the mask, and a 64-bit AND is understood by every verifier
 * (6.1's loses 32-bit compare bounds here).  @n must be a power of 2.
 */
static __always_inline __u64 kps_idx(__u64 i, __u64 n)
{
	asm volatile("" : "+r"(i));
	return i & (n - 1);
}

/* floor(log2(v)), 0 for v <= 1; branch-free halving search. */
static __always_inline __u32 kps_log2(__u64 v)
{
	__u32 r = 0, s;

	s = (v > 0xffffffffULL) << 5; v >>= s; r |= s;
	s = (v > 0xffffULL) << 4;     v >>= s; r |= s;
	s = (v > 0xffULL) << 3;       v >>= s; r |= s;
	s = (v > 0xfULL) << 2;        v >>= s; r |= s;
	s = (v > 0x3ULL) << 1;        v >>= s; r |= s;
	r |= (__u32)(v >> 1);
	return r;
}

/*
 * Adds one value (nanoseconds) to a per-CPU histogram.  Per-CPU entries are
 * never written concurrently: these programs run with preemption disabled
 * and BPF does not nest a program inside itself on one CPU.
 */
static __always_inline void kps_hist_add(struct kps_hist *h, __u64 ns,
					 bool in_us, __u64 epoch)
{
	__u64 v = in_us ? ns / 1000 : ns;
	__u32 slot = kps_log2(v);

	if (slot >= KPS_SLOTS)
		slot = KPS_SLOTS - 1;
	h->slots[kps_idx(slot, KPS_SLOTS)]++;
	h->count++;
	h->sum_ns += ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	if (h->epoch != epoch) {
		h->epoch = epoch;
		h->imax_ns = ns;
	} else if (ns > h->imax_ns) {
		h->imax_ns = ns;
	}
}

/* Looks @key up in @map, inserting a zeroed value first if it is missing. */
static __always_inline void *kps_lookup_init(void *map, const void *key,
					     const void *zero)
{
	void *v = bpf_map_lookup_elem(map, key);

	if (v)
		return v;
	/* -EEXIST from a racing insert on another CPU is fine. */
	bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	v = bpf_map_lookup_elem(map, key);
	if (!v)
		__sync_fetch_and_add(&kps_errors, 1);
	return v;
}

#endif /* KPS_BPF_H */
