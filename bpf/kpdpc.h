/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* kpdpc: DPC latency, DPC run time and coalescing per kp device and vector. */
#ifndef KPDPC_H
#define KPDPC_H

#include "kps_hist.h"

/* dwCount distribution: slot n counts DPCs run with dwCount == n, the last
 * slot those with dwCount >= KPDPC_COAL_SLOTS - 1. */
#define KPDPC_COAL_SLOTS 32

struct kpdpc_key {
	__u32 dev;
	__u32 vector;
};

/* Per-CPU value of kpdpc_stats (attributed to the CPU the DPC ran on). */
struct kpdpc_val {
	__u64 dpcs;		/* kp_dpc_entry with count > 0 */
	__u64 dw_count_sum;	/* sum of dwCount: DPC requests served */
	__u64 ret_sum;		/* sum of IntAtDpc return values */
	struct kps_hist latency;	/* first pending request -> DPC entry */
	struct kps_hist run;		/* kp_dpc_entry -> kp_dpc_exit */
	__u64 coal[KPDPC_COAL_SLOTS];	/* dwCount distribution */
};


#endif /* KPDPC_H */
