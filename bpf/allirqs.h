/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* allirqs: every IRQ's handler runs and time, no kp runtime needed. */
#ifndef ALLIRQS_H
#define ALLIRQS_H

#include "kps_hist.h"

#define ALLIRQS_NAME_LEN 32

struct allirq_key {
	__s32 irq;
	char  name[ALLIRQS_NAME_LEN];	/* irqaction name, as /proc/interrupts */
};

/* Per-CPU value of allirq_stats. */
struct allirq_val {
	__u64 count;		/* irq_handler_entry */
	__u64 handled;		/* irq_handler_exit returning IRQ_HANDLED */
	struct kps_hist time;	/* irq_handler_entry -> irq_handler_exit */
};


#endif /* ALLIRQS_H */
