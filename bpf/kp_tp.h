/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Records of the kp:* tracepoints (runtime/kernel/kp_trace.h, table in
 * docs/design.md): the common 8-byte trace_entry header, then the fields in
 * order with natural alignment.  kp_runtime.ko has no BTF, so the layouts
 * are declared here, and kpstat checks every offset against
 * /sys/kernel/tracing/events/kp/<event>/format before loading (tpfmt.c).
 *
 * The BPF programs are raw tracepoints: they read the TP_PROTO arguments,
 * not these records.  kp_trace.h keeps every record's fields identical to
 * its TP_PROTO arguments (same names, types and order, assigned 1:1), so
 * the format check also pins the argument lists the programs read; and the
 * kernel refuses to attach a program that reads more arguments than the
 * tracepoint has.  User space only (include after <linux/types.h>).
 */
#ifndef KP_TP_H
#define KP_TP_H

struct kp_tp_head {
	unsigned short	common_type;
	unsigned char	common_flags;
	unsigned char	common_preempt_count;
	int		common_pid;
};

struct kp_irq_entry_rec {
	struct kp_tp_head h;
	__u32 dev;
	__u32 vector;
	__u32 irq;
};

struct kp_irq_exit_rec {
	struct kp_tp_head h;
	__u32 dev;
	__u32 vector;
	__u32 irq;
	__u32 handled;
	__u32 dpc;
};

struct kp_dpc_schedule_rec {
	struct kp_tp_head h;
	__u32 dev;
	__u32 vector;
	__u32 pending;
};

struct kp_dpc_entry_rec {
	struct kp_tp_head h;
	__u32 dev;
	__u32 vector;
	__u32 count;
};

struct kp_dpc_exit_rec {
	struct kp_tp_head h;
	__u32 dev;
	__u32 vector;
	__u32 count;
	__u32 ret;
};

#define KP_OWNER_LEN 56

struct kp_lock_init_rec {
	struct kp_tp_head h;
	__u64 lock;
	__u64 caller;
	char  owner[KP_OWNER_LEN];
};

struct kp_lock_acquired_rec {
	struct kp_tp_head h;
	__u64 lock;
	__u64 caller;
	__u64 wait_ns;
	__u32 contended;
};

struct kp_lock_uninit_rec {
	struct kp_tp_head h;
	__u64 lock;
};

#endif /* KP_TP_H */
