/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* kplock: KP_SPINLOCK acquisitions and contention per lock and call site. */
#ifndef KPLOCK_H
#define KPLOCK_H

#include "kps_hist.h"
#include "kp_tp.h"

/* kplock_names: lock id -> who created it (kp:kp_lock_init) */
struct kplock_name {
	char  owner[KP_OWNER_LEN];	/* plugin module name */
	__u64 init_caller;		/* call site of kp_spinlock_init */
	__u32 live;			/* 0 after kp:kp_lock_uninit */
	__u32 pad;
};

struct kplock_key {
	__u64 lock;		/* the runtime's lock id (a sequence number) */
	__u64 caller;		/* return address of the kp_spinlock_* call */
};

/* Per-CPU value of kplock_stats. */
struct kplock_val {
	__u64 acquired;		/* every acquisition */
	__u64 contended;	/* acquisitions that had to wait */
	struct kps_hist wait;	/* wait of contended acquisitions */
};

#endif /* KPLOCK_H */
