/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * kp_msix_msgs.h - KP_Call messages of the kp_msix test plugin, shared by
 * the plugin (kp_msix.c) and the guest test program
 * (tests/target/progs/kp_msixapp.c).  Fixed-size types only.
 *
 * QEMU's e1000e (8086:10d3, an 82574L) has 5 MSI-X vectors and one MSI
 * vector, and software can raise its interrupt causes through ICS.  In
 * MSI-X mode IVAR routes the causes RXQ0, RXQ1, TXQ0, TXQ1 and OTHER to
 * vectors; IMS enables causes; ICR is write-1-to-clear (a read does not
 * clear it while IMS is non-zero).  A cause that is still set in ICR does
 * not signal again, so each vector's handler acks its causes in ICR.
 */
#ifndef _KP_MSIX_MSGS_H
#define _KP_MSIX_MSGS_H

#include <linux/types.h>

#define KPM_DRIVER_NAME		"kp_msix"	/* /dev/kp/kp_msix<n> */
#define KPM_VENDOR		0x8086
#define KPM_DEVICE		0x10d3

/* BAR0 registers (32-bit) */
#define KPM_REG_CTRL_EXT	0x0018
#define KPM_REG_ICR		0x00c0
#define KPM_REG_ITR		0x00c4
#define KPM_REG_ICS		0x00c8
#define KPM_REG_IMS		0x00d0
#define KPM_REG_IMC		0x00d8
#define KPM_REG_EIAC		0x00dc
#define KPM_REG_IVAR		0x00e4
#define KPM_REG_EITR(n)		(0x00e8 + 4 * (n))

/* The causes IVAR can route, in IVAR order (4 bits each from bit 0) */
#define KPM_NCAUSES		5
#define KPM_CAUSE_RXQ0		(1u << 20)
#define KPM_CAUSE_RXQ1		(1u << 21)
#define KPM_CAUSE_TXQ0		(1u << 22)
#define KPM_CAUSE_TXQ1		(1u << 23)
#define KPM_CAUSE_OTHER		(1u << 24)
#define KPM_CAUSE(i)		(1u << (20 + (i)))	/* i < KPM_NCAUSES */
#define KPM_CAUSES_ALL		(0x1fu << 20)
/* IVAR entry of cause @i: vector @v (0..4), valid */
#define KPM_IVAR(i, v)		((0x8u | (v)) << (4 * (i)))

#define KPM_MAX_VEC		8	/* counters kept per dwLastMessage */

/* Messages (dwMessage) */
#define KPM_MSG_SETUP		1	/* struct kpm_setup, in/out */
#define KPM_MSG_COUNTS		2	/* struct kpm_counts, out */
#define KPM_MSG_DISARM		3	/* no data */

/* Results (dwResult) */
#define KPM_RES_OK		0
#define KPM_RES_NO_IMPL		1	/* unknown message */
#define KPM_RES_BAD_SIZE	2	/* pData too small (or missing) */

/*
 * SETUP: masks every cause (IMC), turns auto-clear (EIAC) off, clears
 * ICR, writes @ivar, records @ack[v] - the ICR bits the handler of vector
 * v writes back to clear - and finally enables @ims.  Out: what the
 * registers read back afterwards.
 *
 * Throttling (ITR, EITR0-4) is left as reset made it: off (0).  QEMU 7.2
 * stores any value written there as at least 500 (128 us) while reading
 * back what was written, and once it has postponed one interrupt of a
 * vector it re-sends that vector every time its throttling timer expires
 * - extra interrupts nobody raised.  So nothing here writes them, and
 * @itr_rb / @eitr_rb only show what the guest wrote before.
 */
struct kpm_setup {
	__u32	ivar;			/* in */
	__u32	ims;			/* in */
	__u32	ack[KPM_MAX_VEC];	/* in: per dwLastMessage */
	__u32	ivar_rb;		/* out */
	__u32	ims_rb;			/* out */
	__u32	icr_rb;			/* out */
	__u32	itr_rb;			/* out */
	__u32	eitr_rb;		/* out: EITR0 | ... | EITR4 */
};

/*
 * COUNTS: what the handlers saw since KP_IntEnable.  irqs[v]: calls of
 * KP_IntAtIrqlMSI with dwLastMessage v; dpcs[v] / dpc_count[v]: calls of
 * KP_IntAtDpcMSI with dwLastMessage v and the sum of their dwCount.
 */
struct kpm_counts {
	__u32	irqs[KPM_MAX_VEC];
	__u32	dpcs[KPM_MAX_VEC];
	__u32	dpc_count[KPM_MAX_VEC];
	__u32	bad_message;		/* dwLastMessage >= KPM_MAX_VEC */
	__u32	last_message;		/* of the latest KP_IntAtIrqlMSI */
	__u32	int_enables;		/* KP_IntEnable calls of this open */
	__u32	icr;			/* ICR now */
};

#endif /* _KP_MSIX_MSGS_H */
