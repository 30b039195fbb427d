/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Log2 histogram with summary, shared by the BPF programs and kpstat.
 *
 * Values live in per-CPU map entries, so the BPF side updates them without
 * atomics.  slots[] counts values in the report unit (ns or us): slot 0 holds
 * 0..1, slot i holds 2^i .. 2^(i+1)-1.  sum_ns/max_ns are exact nanoseconds.
 * imax_ns is the maximum seen while the object's epoch was `epoch`; kpstat
 * bumps the epoch at every report, which gives a per-interval maximum.
 */
#ifndef KPS_HIST_H
#define KPS_HIST_H

#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

#define KPS_SLOTS 32

struct kps_hist {
	__u64 count;
	__u64 sum_ns;
	__u64 max_ns;
	__u64 imax_ns;
	__u64 epoch;
	__u64 slots[KPS_SLOTS];
};

/*
 * Adds @src into @dst, two histograms of one CPU (a BPF program moving a
 * slot's values aside, kpstat summing a vector's map entries): counts add,
 * the maximum is the larger one, the interval maximum that of the newer
 * epoch.
 */
static __always_inline void kps_hist_merge(struct kps_hist *dst,
					   const struct kps_hist *src)
{
	dst->count += src->count;
	dst->sum_ns += src->sum_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
	if (src->epoch > dst->epoch) {
		dst->epoch = src->epoch;
		dst->imax_ns = src->imax_ns;
	} else if (src->epoch == dst->epoch && src->imax_ns > dst->imax_ns) {
		dst->imax_ns = src->imax_ns;
	}
	for (int i = 0; i < KPS_SLOTS; i++)
		dst->slots[i] += src->slots[i];
}

#endif /* KPS_HIST_H */
