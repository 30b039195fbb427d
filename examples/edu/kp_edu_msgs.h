/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * kp_edu_msgs.h - KP_Call messages of the kp_edu Kernel PlugIn, shared by
 * the plugin (kernel/kp_edu.c) and user mode.  Fixed-size types only.
 *
 * Each message's pData is the struct named below (in/out); pass exactly
 * its size.  dwResult (kp_plugin_call.result) is one of KP_EDU_RES_*.
 */
#ifndef _KP_EDU_MSGS_H
#define _KP_EDU_MSGS_H

#include <linux/types.h>

#define KP_EDU_DRIVER_NAME	"kp_edu"	/* /dev/kp/kp_edu<n> */
#define KP_EDU_VENDOR		0x1234
#define KP_EDU_DEVICE		0x11e8
#define KP_EDU_VERSION		0x000100	/* 0xMMmmpp */

/* BAR0 registers of QEMU's edu device */
#define KP_EDU_REG_ID		0x00
#define KP_EDU_REG_LIVENESS	0x04
#define KP_EDU_REG_FACTORIAL	0x08
#define KP_EDU_REG_STATUS	0x20
#define KP_EDU_STATUS_BUSY	0x01
#define KP_EDU_STATUS_IRQ_FACT	0x80
#define KP_EDU_REG_IRQ_STATUS	0x24
#define KP_EDU_REG_IRQ_RAISE	0x60
#define KP_EDU_REG_IRQ_ACK	0x64
#define KP_EDU_IRQ_FACT		0x01	/* irq_status bit of "factorial done" */
#define KP_EDU_IRQ_DMA		0x100	/* irq_status bit of "DMA done" */
#define KP_EDU_REG_DMA_SRC	0x80	/* 64-bit */
#define KP_EDU_REG_DMA_DST	0x88
#define KP_EDU_REG_DMA_CNT	0x90
#define KP_EDU_REG_DMA_CMD	0x98
#define KP_EDU_DMA_RUN		0x1
#define KP_EDU_DMA_TO_RAM	0x2	/* edu -> RAM; clear: RAM -> edu */
#define KP_EDU_DMA_IRQ		0x4
#define KP_EDU_DMA_WINDOW	0x40000	/* edu's buffer, device side */
#define KP_EDU_DMA_SIZE		4096
#define KP_EDU_DMA_USABLE	4095	/* QEMU 7.2: see struct kp_edu_dma */
#define KP_EDU_DMA_MASK_BITS	28	/* what edu can address */

/* Messages (dwMessage) */
#define KP_EDU_MSG_VERSION	1	/* struct kp_edu_version, out */
#define KP_EDU_MSG_LIVENESS	2	/* __u32: in value, out ~value */
#define KP_EDU_MSG_FACTORIAL	3	/* struct kp_edu_factorial */
#define KP_EDU_MSG_LOCK_HAMMER	4	/* struct kp_edu_lock_hammer, in */
#define KP_EDU_MSG_NOTIFY_EVERY	5	/* struct kp_edu_notify_every, in */
#define KP_EDU_MSG_EVENT_NOTIFY	6	/* struct kp_edu_event_notify, in */
#define KP_EDU_MSG_EVENT_COUNTS	7	/* struct kp_edu_event_counts, out */
#define KP_EDU_MSG_DMA		8	/* struct kp_edu_dma */

/* Results (dwResult) */
/*
 * kpCall->dwMessage values for KP_IntEnable: who acknowledges interrupts.
 * With transfer commands (READ 0x24 masked, WRITE it to 0x64) the runtime
 * has acked and proven ownership before KP_IntAtIrql runs, so the plugin
 * must not test irq_status again: it reads 0 by then.
 */
#define KP_EDU_INTEN_PLUGIN_ACK	0
#define KP_EDU_INTEN_TRANS_ACK	1

#define KP_EDU_RES_OK		0
#define KP_EDU_RES_NO_IMPL	1	/* unknown message */
#define KP_EDU_RES_BAD_SIZE	2	/* pData too small (or missing) */
#define KP_EDU_RES_INVALID	3	/* an argument is out of range */
#define KP_EDU_RES_TIMEOUT	4	/* the device stayed busy */
#define KP_EDU_RES_NO_DEVICE	5	/* BAR0 not mapped */

struct kp_edu_version {
	__u32	version;	/* out: KP_EDU_VERSION */
	__u32	device_id;	/* out: the id register (0xRRrr00ed) */
	char	text[56];	/* out: NUL-terminated */
};

/*
 * FACTORIAL: @value is n in and n! (32 bits, wraps) out.  The first four
 * bytes alone are a valid pData (a bare __u32).  With KP_EDU_FACT_IRQ in
 * @flags the device also raises its "factorial done" interrupt
 * (irq_status 0x1) when it finishes.
 */
struct kp_edu_factorial {
	__u32	value;		/* in: n <= KP_EDU_FACT_MAX; out: n! */
	__u32	flags;
#define KP_EDU_FACT_IRQ		(1 << 0)
};
#define KP_EDU_FACT_MAX		100000	/* the device loops n times */

/*
 * LOCK_HAMMER: takes and releases a KP_SPINLOCK @iterations times,
 * holding it ~1.5 us each time.  Lock 0 ("contended") is shared by every
 * open of every kp_edu device, lock 1 ("private") belongs to this open.
 */
struct kp_edu_lock_hammer {
	__u32	lock_id;
#define KP_EDU_LOCK_CONTENDED	0
#define KP_EDU_LOCK_PRIVATE	1
	__u32	iterations;	/* 1 .. KP_EDU_HAMMER_MAX */
#define KP_EDU_HAMMER_MAX	1000000
};

/*
 * NOTIFY_EVERY: the DPC notifies user mode only on every @k-th interrupt
 * (counted across DPC calls); 1 (the default) notifies on each.  k >= 1.
 */
struct kp_edu_notify_every {
	__u32	k;
};

/*
 * EVENT_NOTIFY: what this open's KP_Event returns from now on: @notify 1
 * (the default) queues each event for KP_EVENT_WAIT, 0 swallows it.
 */
struct kp_edu_event_notify {
	__u32	notify;		/* 0 or 1 */
};

/*
 * EVENT_COUNTS: KP_Event calls of this open so far, per dwAction, and the
 * latest call's dwAction and hEvent.  @notified counts the TRUE returns.
 */
struct kp_edu_event_counts {
	__u32	calls;
	__u32	remove;		/* WD_REMOVE */
	__u32	power_d0;	/* WD_POWER_CHANGED_D0 */
	__u32	power_d3;	/* WD_POWER_CHANGED_D3 */
	__u32	other;
	__u32	notified;
	__u32	last_action;
	__u32	last_hevent;
};

/*
 * DMA: one transfer by edu's engine between its 4 KiB buffer (at
 * @edu_offset; a transfer must end before its last byte, which QEMU 7.2's
 * edu cannot reach: it aborts) and @len bytes of DMA buffer @handle (at
 * @buf_offset),
 * RAM -> edu or edu -> RAM (KP_EDU_DMA_F_TO_RAM).  The plugin checks both
 * ranges (edu aborts QEMU on one outside its window; a locked buffer's
 * range must lie in one segment), syncs, starts the engine with the
 * completion interrupt when interrupts are enabled on this open (else it
 * polls), and waits up to a second.  KP_EDU_DMA_F_RAW uses @bus_addr as
 * it is instead of a buffer (tests: an address the IOMMU has not
 * mapped).  @bus_addr is out: what edu was given.
 */
struct kp_edu_dma {
	__u32	handle;
	__u32	flags;
#define KP_EDU_DMA_F_TO_RAM	(1 << 0)
#define KP_EDU_DMA_F_RAW	(1 << 1)
	__u64	buf_offset;
	__u64	bus_addr;
	__u32	edu_offset;
	__u32	len;
	__u32	irq;		/* out: 1 if the completion interrupt came */
	__u32	__pad;
};

#endif /* _KP_EDU_MSGS_H */
