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

/* Messages (dwMessage) */
#define KP_EDU_MSG_VERSION	1	/* struct kp_edu_version, out */
#define KP_EDU_MSG_LIVENESS	2	/* __u32: in value, out ~value */
#define KP_EDU_MSG_FACTORIAL	3	/* struct kp_edu_factorial */
#define KP_EDU_MSG_LOCK_HAMMER	4	/* struct kp_edu_lock_hammer, in */
#define KP_EDU_MSG_NOTIFY_EVERY	5	/* struct kp_edu_notify_every, in */
#define KP_EDU_MSG_EVENT_NOTIFY	6	/* struct kp_edu_event_notify, in */
#define KP_EDU_MSG_EVENT_COUNTS	7	/* struct kp_edu_event_counts, out */

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

#endif /* _KP_EDU_MSGS_H */
