/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* kpirq: interrupts and hard-IRQ handler time per kp device and vector. */
#ifndef KPIRQ_H
#define KPIRQ_H

#include "kps_hist.h"

struct kpirq_key {
	__u32 dev;		/* minor of /dev/kp/<name> */
	__u32 vector;		/* MSI/MSI-X vector index, 0 for INTx */
	__u32 irq;		/* Linux IRQ number */
};

/* Per-CPU value of kpirq_stats. */
struct kpirq_val {
	__u64 count;		/* kp_irq_entry: interrupts */
	__u64 handled;		/* kp_irq_exit with handled != 0 */
	__u64 dpc;		/* kp_irq_exit with dpc != 0 (DPC requested) */
	struct kps_hist time;	/* kp_irq_entry -> kp_irq_exit on the same CPU */
};


#endif /* KPIRQ_H */
