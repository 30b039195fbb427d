/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * kp_hostile_msgs.h - messages of kp_hostile.ko, the plugin the hardening
 * tests use to misbehave on purpose (tests/target/test_hardening*.py).
 * Shared with user mode: fixed-size types only.
 *
 * It binds QEMU's edu device (1234:11e8) unless the module parameters
 * vendor=/device= say otherwise, as /dev/kp/<name>0 (name= parameter,
 * default "hostile").  Counters that must survive the device and the fd
 * are module parameters: /sys/module/kp_hostile/parameters/<name>.
 */
#ifndef _KP_HOSTILE_MSGS_H
#define _KP_HOSTILE_MSGS_H

#include <linux/types.h>

/* edu registers the plugin uses (QEMU docs/specs/edu.rst) */
#define HOSTILE_EDU_IRQ_STATUS	0x24
#define HOSTILE_EDU_IRQ_RAISE	0x60
#define HOSTILE_EDU_IRQ_ACK	0x64

/* How the interrupt callbacks behave (KP_IntEnable data, MSG_SET_MODE) */
#define HOSTILE_MODE_ACK	0	/* read status, ack it, claim, DPC */
#define HOSTILE_MODE_CLAIM_NOACK 1	/* claim every INTx, ack nothing */
#define HOSTILE_MODE_NEVER_MINE	2	/* never claim, ack nothing */
#define HOSTILE_MODE_LOCK	3	/* ACK, plus a KP_SPINLOCK in IRQ+DPC */

/* KP_Call messages (dwMessage); pData is struct hostile_msg */
#define HOSTILE_MSG_SET_MODE	1	/* in: arg = HOSTILE_MODE_* */
#define HOSTILE_MSG_COUNTS	2	/* out: the counters below */
#define HOSTILE_MSG_WAIT_GONE	3	/* in: arg = ms; out: gone, ms */
#define HOSTILE_MSG_IGNORE_GONE	4	/* in: arg = ms: sleeps, ignoring removal */
#define HOSTILE_MSG_SLEEP	5	/* in: arg = ms: a KP_Call that lasts */
#define HOSTILE_MSG_DMA_ALLOC	6	/* in: arg = bytes: coherent memory */
#define HOSTILE_MSG_READ_LOOP	7	/* in: arg = ms: polls irq_status */
#define HOSTILE_MSG_SLOW_CLOSE	8	/* in: arg = ms KP_Close will sleep */

/* dwResult */
#define HOSTILE_RES_OK		0
#define HOSTILE_RES_UNKNOWN	1
#define HOSTILE_RES_BAD_SIZE	2
#define HOSTILE_RES_GONE	3	/* the device went away meanwhile */
#define HOSTILE_RES_TIMEOUT	4
#define HOSTILE_RES_NOMEM	5

struct hostile_msg {
	__u32	arg;			/* in */
	__u32	gone;			/* out: kp_device_gone() at the end */
	__u32	elapsed_ms;		/* out */
	__u32	last_read;		/* out: READ_LOOP's last value */
	/* HOSTILE_MSG_COUNTS */
	__u64	irql;			/* KP_IntAtIrql* calls */
	__u64	claimed;		/* of them: TRUE / mine */
	__u64	dpcs;			/* KP_IntAtDpc* calls */
	__u64	dpc_count_sum;		/* sum of dwCount */
	__u64	locked;			/* increments under the KP_SPINLOCK */
	__u64	dma_bytes;		/* coherent memory held now */
};

/* KP_IntEnable data */
struct hostile_int_enable {
	__u32	mode;			/* HOSTILE_MODE_* */
	__u32	__pad;
};

#endif /* _KP_HOSTILE_MSGS_H */
