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

#define KPS_SLOTS 32

struct kps_hist {
	__u64 count;
	__u64 sum_ns;
	__u64 max_ns;
	__u64 imax_ns;
	__u64 epoch;
	__u64 slots[KPS_SLOTS];
};

#endif /* KPS_HIST_H */
