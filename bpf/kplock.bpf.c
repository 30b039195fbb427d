// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * KP_SPINLOCK contention from kp:kp_lock_init, kp:kp_lock_acquired and
 * kp:kp_lock_uninit.  kp_lock_acquired fires for every acquisition with the
 * wait measured by the runtime, so no contended -> acquired pairing is
 * needed here.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "kp_tp.h"
#include "kps.bpf.h"
#include "kplock.h"

const volatile bool targ_us = true;


struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct kplock_name);
} kplock_names SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1024);
	__type(key, struct kplock_key);
	__type(value, struct kplock_val);
} kplock_stats SEC(".maps");

static struct kplock_val zero_val;

SEC("tracepoint/kp/kp_lock_init")
int kplock_init(struct kp_lock_init_rec *ctx)
{
	struct kplock_name n = {};
	__u64 lock = ctx->lock;

	bpf_probe_read_kernel_str(n.owner, sizeof(n.owner), ctx->owner);
	n.init_caller = ctx->caller;
	n.live = 1;
	bpf_map_update_elem(&kplock_names, &lock, &n, BPF_ANY);
	return 0;
}

SEC("tracepoint/kp/kp_lock_acquired")
int kplock_acquired(struct kp_lock_acquired_rec *ctx)
{
	struct kplock_key key = { .lock = ctx->lock, .caller = ctx->caller };
	struct kplock_val *v;

	v = kps_lookup_init(&kplock_stats, &key, &zero_val);
	if (!v)
		return 0;
	v->acquired++;
	if (ctx->contended) {
		v->contended++;
		kps_hist_add(&v->wait, ctx->wait_ns, targ_us, kps_epoch);
	}
	return 0;
}

SEC("tracepoint/kp/kp_lock_uninit")
int kplock_uninit(struct kp_lock_uninit_rec *ctx)
{
	__u64 lock = ctx->lock;
	struct kplock_name *n = bpf_map_lookup_elem(&kplock_names, &lock);

	/* keep the name for the report; a later kp_lock_init overwrites it */
	if (n)
		n->live = 0;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
