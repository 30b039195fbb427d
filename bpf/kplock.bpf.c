// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * KP_SPINLOCK contention from kp:kp_lock_init, kp:kp_lock_acquired and
 * kp:kp_lock_uninit (raw tracepoints; arguments = TP_PROTO of
 * runtime/kernel/kp_trace.h).  kp_lock_acquired fires for every
 * acquisition with the wait measured by the runtime, so no contended ->
 * acquired pairing is needed here.  Locks are named by the runtime's
 * sequence number, not their address.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
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

static const struct kplock_val zero_val;

SEC("raw_tp/kp_lock_init")
int BPF_PROG(kplock_init, __u64 lock, __u64 caller, const char *owner)
{
	struct kplock_name n = {};

	/* the tracepoint copies at most KP_OWNER_LEN - 1 bytes + NUL */
	bpf_probe_read_kernel_str(n.owner, sizeof(n.owner), owner);
	n.init_caller = caller;
	n.live = 1;
	bpf_map_update_elem(&kplock_names, &lock, &n, BPF_ANY);
	return 0;
}

SEC("raw_tp/kp_lock_acquired")
int BPF_PROG(kplock_acquired, __u64 lock, __u64 caller, __u64 wait_ns,
	     __u32 contended)
{
	struct kplock_key key = { .lock = lock, .caller = caller };
	struct kplock_val *v;

	v = kps_lookup_init(&kplock_stats, &key, &zero_val);
	if (!v)
		return 0;
	v->acquired++;
	if (contended) {
		v->contended++;
		kps_hist_add(&v->wait, wait_ns, targ_us, kps_epoch);
	}
	return 0;
}

SEC("raw_tp/kp_lock_uninit")
int BPF_PROG(kplock_uninit, __u64 lock)
{
	struct kplock_name *n = bpf_map_lookup_elem(&kplock_names, &lock);

	/* keep the name for the report; a later kp_lock_init overwrites it */
	if (n)
		n->live = 0;
	return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
