/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Records of the kp:* tracepoints kpstat attaches to
 * (runtime/kernel/kp_trace.h, table in docs/design.md): each record's
 * own fields, in order, without the common trace_entry header (8 bytes on
 * standard kernels, 12 on PREEMPT_RT, whose header adds the lazy-preempt
 * and migrate-disable counts).  kp_runtime.ko has no BTF, so the fields
 * are declared here, and before loading kpstat checks their names, sizes
 * and order against /sys/kernel/tracing/events/kp/<event>/format
 * (tpfmt.c).  Offsets are not compared: they move with the header.
 *
 * The BPF programs are raw tracepoints: they read the TP_PROTO arguments,
 * not these records.  kp_trace.h keeps every record's fields identical to
 * its TP_PROTO arguments (same names, types and order, assigned 1:1), so
 * the format check also pins the argument lists the programs read; and the
 * kernel refuses to attach a program that reads more arguments than the
 * tracepoint has.  Included by BPF programs (after vmlinux.h) and by user
 * space (after <linux/types.h>).
 */
#ifndef KP_TP_H
#define KP_TP_H

/* kp_lock_init's owner[]: the kernel's MODULE_NAME_LEN on 64-bit */
#define KP_OWNER_LEN 56
/* kp_irq_batch's slot is below this (the runtime's KP_TRACE_SLOTS) */
#define KP_TRACE_SLOTS 256

struct kp_irq_batch_rec {
	__u32 slot;
	__u32 dev;
	__u32 vector;
	__u32 irq;
	__u32 irqs;
	__u32 handled;
	__u32 count;
	__u32 ret;
	__u64 irq_ns;
	__u64 lat_ns;
	__u64 run_ns;
};

struct kp_lock_init_rec {
	__u64 lock;
	__u64 caller;
	char  owner[KP_OWNER_LEN];
};

struct kp_lock_acquired_rec {
	__u64 lock;
	__u64 caller;
	__u64 wait_ns;
	__u32 contended;
};

struct kp_lock_uninit_rec {
	__u64 lock;
};

#endif /* KP_TP_H */
