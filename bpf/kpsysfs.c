// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The runtime's exact counters per kp device (/sys/class/kp/<name>/, the
 * per-CPU kp_stats summed): the source of kpstat's counts when it samples
 * (--sample), in JSON and Prometheus always.  No BPF object.  Read before
 * the maps of every snapshot, they also tell whether a DPC was still
 * pending (requests not yet served), which would make a BPF count lag.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "collector.h"
#include "kpdev.h"
#include "report.h"

static int minor_cmp(const void *a, const void *b)
{
	const __u32 *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

static int kpsysfs_snap(const struct kps_collector *c,
			const struct kps_env *env, struct kps_snap *s)
{
	struct kps_table *t = &s->tab[T_DEV];
	int n = kpdev_scan();

	kps_table_init(t, sizeof(__u32), sizeof(struct kpdev_counters), 1,
		       minor_cmp);
	for (int i = 0; i < n; i++) {
		const struct kpdev *d = kpdev_at(i);
		struct kpdev_counters *v;
		__u32 minor = d->minor;

		if (env->dev_minor >= 0 && d->minor != (unsigned)env->dev_minor)
			continue;
		v = kps_table_get(t, &minor);
		if (!v)
			return -ENOMEM;
		if (kpdev_counters(d, v))
			t->n--;		/* removed meanwhile */
	}
	return kps_table_sort(t);
}

/* Devices whose counters moved between @a and @b, or with a DPC pending. */
static void kpsysfs_busy(const struct kps_snap *a, const struct kps_snap *b,
			 struct kps_irqset *set)
{
	const struct kps_table *ta = &a->tab[T_DEV], *tb = &b->tab[T_DEV];

	for (size_t i = 0; i < tb->n; i++) {
		const struct kpdev_counters *y = kps_table_val(tb, i, 0);
		long j = kps_table_find(ta, kps_table_key(tb, i));
		const struct kpdev_counters *x = j >= 0 ?
			kps_table_val(ta, j, 0) : NULL;

		if (!x || memcmp(x, y, sizeof(*x)) ||
		    y->dpc_requests != y->dpc_count_sum)
			kpdev_irqs(*(const __u32 *)kps_table_key(tb, i), set);
	}
}

struct row {
	struct kps_row h;
	char device[KPDEV_NAME_LEN];
	__u32 dev;
	struct kpdev_counters n;
};

/* kps_sum_row_fn: a device (@cpu: the counters are not per CPU) */
static void sum_row(const struct kps_report *r, size_t i, int cpu,
		    void *p)
{
	const struct kps_table *t = &r->cur->tab[T_DEV];
	const struct kps_table *bt = &r->base->tab[T_DEV];
	const __u32 *minor = kps_table_key(t, i);
	long bi = kps_table_find(bt, minor);
	const __u64 *v = kps_table_val(t, i, 0);
	const __u64 *b = bi >= 0 ? kps_table_val(bt, bi, 0) : NULL;
	struct row *out = p;
	__u64 *o = (__u64 *)&out->n;

	out->dev = *minor;
	kpdev_name(*minor, out->device, sizeof(out->device));
	snprintf(out->h.label, sizeof(out->h.label), "%s", out->device);
	for (size_t k = 0; k < sizeof(out->n) / sizeof(__u64); k++)
		o[k] = v[k] - (b ? b[k] : 0);
}

#define F(f) offsetof(struct row, f)
#define N(f) offsetof(struct row, n.f)
static const struct kps_col cols[] = {
	{ "DEVICE", 12, 0, "device", "device", NULL, K_STR, C_KEY | C_LEFT,
	  F(device) },
	{ NULL, 0, 0, "dev", NULL, NULL, K_U32, 0, F(dev) },
	{ "INTERRUPTS", 10, 0, "interrupts",
	  "kpstat_kp_device_interrupts_total",
	  "Interrupts the runtime handled (sysfs interrupts)", K_U64, 0,
	  N(interrupts) },
	{ "SPURIOUS", 10, 0, "spurious", "kpstat_kp_device_spurious_total",
	  "Interrupts not the device's (sysfs spurious)", K_U64, 0,
	  N(spurious) },
	{ "DPC_REQ", 10, 0, "dpc_requests",
	  "kpstat_kp_device_dpc_requests_total", "DPC requests (sysfs)",
	  K_U64, 0, N(dpc_requests) },
	{ "DPCS", 10, 0, "dpcs", "kpstat_kp_device_dpcs_total",
	  "DPCs run (sysfs)", K_U64, 0, N(dpcs) },
	{ "DW_SUM", 10, 0, "dpc_count_sum",
	  "kpstat_kp_device_dpc_count_sum_total",
	  "Sum of the DPCs' dwCount (sysfs dpc_count_sum)", K_U64, 0,
	  N(dpc_count_sum) },
	{ "NOTIFIED", 10, 0, "notifications",
	  "kpstat_kp_device_notifications_total",
	  "Notifications queued to user mode (sysfs)", K_U64, 0,
	  N(notifications) },
	{ "LOST", 10, 0, "lost", "kpstat_kp_device_lost_total",
	  "Notifications dropped by max_backlog (sysfs)", K_U64, 0, N(lost) },
	{ NULL, 0, 0, "calls", "kpstat_kp_device_calls_total",
	  "KP_Calls (sysfs)", K_U64, 0, N(calls) },
	{ NULL, 0, 0, "storms", "kpstat_kp_device_storms_total",
	  "Interrupt storms contained (sysfs)", K_U64, 0, N(storms) },
};
#undef N
#undef F

static const struct kps_view views[] = {
	{ .json = "devices", .title = "kp_runtime counters (exact, from "
	  "/sys/class/kp)", .empty = "(no kp devices)", KPS_COLS(cols),
	  .rowsz = sizeof(struct row), .text_sampled_only = true },
};

struct kps_collector kpsysfs_collector = {
	.name = "kpsysfs",
	.snap = kpsysfs_snap,
	.table = T_DEV,
	.sum_row = sum_row,
	.busy = kpsysfs_busy,
	.views = views,
	.nviews = 1,
};
