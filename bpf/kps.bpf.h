/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Helpers shared by the kpstat BPF programs.  Nothing here divides or
 * takes a locked (atomic) instruction: every value a program writes is
 * per-CPU, and BPF does not nest a program inside itself on one CPU.
 */
#ifndef KPS_BPF_H
#define KPS_BPF_H

#include "kps_hist.h"

/* Per CPU (masked), so counting needs no atomic; read by collector.c. */
#define KPS_ERR_CPUS 1024

/* Set by kpstat at every report: lets kps_hist keep a per-interval max. */
__u64 kps_epoch;
/* Events lost because a map was full (an insert failed), per CPU. */
__u64 kps_errors[KPS_ERR_CPUS];

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

static __always_inline void kps_error(void)
{
	kps_errors[kps_idx(bpf_get_smp_processor_id(), KPS_ERR_CPUS)]++;
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
 * The histogram slot of @ns in the report unit, without a divide: in ns
 * floor(log2(ns)); in us floor(log2(floor(ns / 1000))), which is the
 * largest i with 1000 * 2^i <= ns.  With L = floor(log2(ns)) that is L-10
 * (1000 * 2^(L-10) < 2^L <= ns) or L-9 (when ns >= 1000 * 2^(L-9)), never
 * L-8 (1000 * 2^(L-8) > 2^(L+1) > ns).
 */
static __always_inline __u32 kps_slot(__u64 ns, bool in_us)
{
	__u32 l = kps_log2(ns), s;

	if (!in_us)
		s = l;
	else if (l < 10)
		s = 0;			/* ns < 1024: 0 or 1 us */
	else
		s = l - 10 + (ns >= (1000ULL << (l - 9)));
	return s < KPS_SLOTS ? s : KPS_SLOTS - 1;
}

/*
 * Adds @n values to a per-CPU histogram, all in the slot of @ns, summing
 * to @sum_ns (a batch of @n interrupts at their mean time; @n 1: one
 * value).  Per-CPU entries are never written concurrently.
 */
static __always_inline void kps_hist_add_n(struct kps_hist *h, __u64 ns,
					   __u64 sum_ns, __u32 n, bool in_us,
					   __u64 epoch)
{
	h->slots[kps_idx(kps_slot(ns, in_us), KPS_SLOTS)] += n;
	h->count += n;
	h->sum_ns += sum_ns;
	if (ns > h->max_ns)
		h->max_ns = ns;
	if (h->epoch != epoch) {
		h->epoch = epoch;
		h->imax_ns = ns;
	} else if (ns > h->imax_ns) {
		h->imax_ns = ns;
	}
}

static __always_inline void kps_hist_add(struct kps_hist *h, __u64 ns,
					 bool in_us, __u64 epoch)
{
	kps_hist_add_n(h, ns, ns, 1, in_us, epoch);
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
		kps_error();
	return v;
}

#endif /* KPS_BPF_H */
