// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * kpbatch user side: the kp interrupt and DPC tables.  A snapshot folds
 * the slot array and the spill hash into one table keyed by vector
 * (device, vector, IRQ), so the report subtracts like for any map.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "collector.h"
#include "kpdev.h"
#include "report.h"
#include "kpbatch.h"
#include "kpbatch.skel.h"

static int key_cmp(const void *a, const void *b)
{
	const struct kpb_key *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->vector != y->vector)
		return x->vector < y->vector ? -1 : 1;
	return x->irq < y->irq ? -1 : x->irq > y->irq;
}

static int slot_cmp(const void *a, const void *b)
{
	const __u32 *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

/* Slots no vector ever used on any CPU are not copied. */
static bool slot_used(const void *vals, int ncpus, size_t stride)
{
	for (int c = 0; c < ncpus; c++)
		if (((const struct kpb_val *)((const char *)vals +
					      c * stride))->used)
			return true;
	return false;
}

static int kpbatch_open(struct kps_collector *c, const struct kps_env *env)
{
	struct kpbatch_bpf *skel = kpbatch_bpf__open();

	if (!skel)
		return -errno;
	KPS_BIND(c, skel);
	skel->rodata->targ_us = env->us;
	if (env->dev_minor >= 0) {
		skel->rodata->filter_dev = true;
		skel->rodata->targ_dev = env->dev_minor;
	}
	return 0;
}

/* Adds one CPU's values of vector @key into @t. */
static int fold(struct kps_table *t, const struct kpb_key *key, int cpu,
		const struct kpb_val *v)
{
	char *vals = kps_table_get(t, key);

	if (!vals)
		return -ENOMEM;
	kpb_merge((struct kpb_val *)(vals + cpu * t->vstride), v);
	return 0;
}

static int kpbatch_snap(const struct kps_collector *c,
			const struct kps_env *env, struct kps_snap *s)
{
	struct kpbatch_bpf *skel = c->obj;
	struct kps_table *t = &s->tab[T_BATCH], slots, spill;
	int err;

	err = kps_table_read(&slots, bpf_map__fd(skel->maps.kpb_slots),
			     sizeof(__u32), sizeof(struct kpb_val), env->ncpus,
			     slot_cmp, slot_used);
	if (err)
		return err;
	err = kps_table_read(&spill, bpf_map__fd(skel->maps.kpb_spill),
			     sizeof(struct kpb_key), sizeof(struct kpb_val),
			     env->ncpus, key_cmp, NULL);
	if (err) {
		kps_table_free(&slots);
		return err;
	}
	kps_table_init(t, sizeof(struct kpb_key), sizeof(struct kpb_val),
		       env->ncpus, key_cmp);
	for (size_t i = 0; !err && i < slots.n; i++)
		for (int cpu = 0; !err && cpu < env->ncpus; cpu++) {
			const struct kpb_val *v = kps_table_val(&slots, i, cpu);

			if (v->used)
				err = fold(t, &v->key, cpu, v);
		}
	for (size_t i = 0; !err && i < spill.n; i++)
		for (int cpu = 0; !err && cpu < env->ncpus; cpu++)
			err = fold(t, kps_table_key(&spill, i), cpu,
				   kps_table_val(&spill, i, cpu));
	if (!err)
		err = kps_table_sort(t);
	kps_table_free(&slots);
	kps_table_free(&spill);
	return err;
}

static void kpbatch_track(const struct kps_snap *s, const struct kps_env *env,
			  struct kps_irqset *set)
{
	const struct kps_table *t = &s->tab[T_BATCH];

	kpdev_irqs(env->dev_minor, set);
	for (size_t i = 0; i < t->n; i++)
		kps_irqset_add(set, ((const struct kpb_key *)
				     kps_table_key(t, i))->irq);
}

static unsigned long long kpbatch_irq_count(const struct kps_snap *s, int irq)
{
	const struct kps_table *t = &s->tab[T_BATCH];
	unsigned long long n = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct kpb_key *k = kps_table_key(t, i);

		for (int c = 0; (int)k->irq == irq && c < t->ncpus; c++)
			n += ((const struct kpb_val *)
			      kps_table_val(t, i, c))->irqs;
	}
	return n;
}

/* One row of both views: a vector, over all CPUs or one. */
struct row {
	struct kps_row h;
	char device[KPDEV_NAME_LEN];
	__u32 dev, vector, irq;
	unsigned long long batches, count, handled, dpc_req;
	struct kps_hsum time;
	long long proc_delta;
	bool proc_exact;
	unsigned long long dpcs, dw_sum, ret_sum;
	struct kps_hsum lat, run;
	unsigned long long coal[KPB_COAL_SLOTS];
};

/* kps_sum_row_fn: a vector */
static void sum_row(const struct kps_report *r, size_t i, int cpu,
		    void *row)
{
	struct row *out = row;
	const struct kps_table *t = &r->cur->tab[T_BATCH];
	const struct kps_table *bt = &r->base->tab[T_BATCH];
	const struct kpb_key *k = kps_table_key(t, i);
	long bi = kps_table_find(bt, k);

	out->h.cpu = cpu;
	kpdev_name(k->dev, out->device, sizeof(out->device));
	snprintf(out->h.label, sizeof(out->h.label), "%s vector %u (irq %u)",
		 out->device, k->vector, k->irq);
	out->dev = k->dev;
	out->vector = k->vector;
	out->irq = k->irq;
	for (int c = 0; c < t->ncpus; c++) {
		const struct kpb_val *v = kps_table_val(t, i, c);
		const struct kpb_val *b = bi >= 0 ?
			kps_table_val(bt, bi, c) : NULL;

		if (cpu >= 0 && c != cpu)
			continue;
#define D(f) (v->f - (b ? b->f : 0))
		out->batches += D(batches);
		out->count += D(irqs);
		out->handled += D(handled);
		out->dpcs += D(dpcs);
		out->dw_sum += D(dw_count_sum);
		out->ret_sum += D(ret_sum);
		for (int s = 0; s < KPB_COAL_SLOTS; s++)
			out->coal[s] += D(coal[s]);
#undef D
		kps_hsum_add(&out->time, &v->irq_time,
			     b ? &b->irq_time : NULL, r->epoch);
		kps_hsum_add(&out->lat, &v->latency, b ? &b->latency : NULL,
			     r->epoch);
		kps_hsum_add(&out->run, &v->run, b ? &b->run : NULL, r->epoch);
	}
	/* every DPC request is served by one DPC, with dwCount counting it */
	out->dpc_req = out->dw_sum;
	out->proc_delta = kps_proc_delta(r, k->irq, cpu);
	out->proc_exact = kps_proc_exact(r, k->irq);
}

static bool irq_active(const void *p)
{
	const struct row *row = p;

	return row->batches || row->proc_delta > 0;
}

static bool dpc_active(const void *p)
{
	return ((const struct row *)p)->dpcs;
}

#define F(f) offsetof(struct row, f)
#define KEYS								\
	{ "DEVICE", 12, 0, "device", "device", NULL, K_STR,		\
	  C_KEY | C_LEFT, F(device) },					\
	{ NULL, 0, 0, "dev", NULL, NULL, K_U32, 0, F(dev) },		\
	{ "VEC", 4, 0, "vector", "vector", NULL, K_U32, C_KEY, F(vector) }, \
	{ "IRQ", 5, 0, "irq", "irq", NULL, K_U32, C_KEY, F(irq) }

static const struct kps_col irq_cols[] = {
	KEYS,
	{ "COUNT", 10, 0, "count", "kpstat_kp_interrupts_total",
	  "Hard IRQs of kp_runtime's handler (kp:kp_irq_batch irqs)", K_U64,
	  C_CPU | C_EXACT, F(count) },
	{ "HANDLED", 10, 0, "handled", "kpstat_kp_irq_handled_total",
	  "Hard IRQs the plugin claimed", K_U64, C_EXACT, F(handled) },
	{ "DPC_REQ", 10, 0, "dpc_requests", "kpstat_kp_dpc_requests_total",
	  "DPC requests (served: the sum of dwCount)", K_U64, C_EXACT,
	  F(dpc_req) },
	{ "SAMPLES", 10, 0, NULL, NULL, NULL, K_U64, C_SAMPLED | C_CPU,
	  F(batches) },
	{ NULL, 0, 0, "batches", "kpstat_kp_irq_batches_total",
	  "kp:kp_irq_batch events counted (sampled ones when sampling)",
	  K_U64, C_CPU, F(batches) },
	{ "HARDIRQ_AVG", 12, 3, NULL, NULL, NULL, K_MEAN, 0, F(time) },
	{ "HARDIRQ_MAX", 12, 3, NULL, NULL, NULL, K_TIME, 0, F(time.max_ns) },
	{ NULL, 0, 0, "proc_delta", NULL, NULL, K_I64, C_CPU, F(proc_delta) },
	{ NULL, 0, 0, "proc_exact", NULL, NULL, K_BOOL, 0, F(proc_exact) },
	{ "Hard-IRQ handler time", 0, 0, "time", "kpstat_kp_hardirq_seconds",
	  "kp_runtime hard-IRQ handler time (a batch: its mean, per IRQ)",
	  K_HIST, 0, F(time) },
};

static const struct kps_col dpc_cols[] = {
	KEYS,
	{ "DPCS", 10, 0, "dpcs", "kpstat_kp_dpcs_total",
	  "DPCs run (kp:kp_irq_batch with dwCount > 0)", K_U64, C_EXACT,
	  F(dpcs) },
	{ "DW_SUM", 10, 0, "dw_count_sum", NULL, NULL, K_U64, C_EXACT,
	  F(dw_sum) },
	{ "RET_SUM", 10, 0, "ret_sum", "kpstat_kp_dpc_notifications_total",
	  "Notifications the DPCs returned", K_U64, C_EXACT, F(ret_sum) },
	{ "SAMPLES", 10, 0, NULL, NULL, NULL, K_U64, C_SAMPLED, F(dpcs) },
	{ "LAT_AVG", 10, 3, NULL, NULL, NULL, K_MEAN, 0, F(lat) },
	{ "LAT_MAX", 10, 3, NULL, NULL, NULL, K_TIME, 0, F(lat.max_ns) },
	{ "RUN_AVG", 10, 3, NULL, NULL, NULL, K_MEAN, 0, F(run) },
	{ "RUN_MAX", 10, 3, NULL, NULL, NULL, K_TIME, 0, F(run.max_ns) },
	{ "DPC latency (first pending request -> DPC start)", 0, 0,
	  "latency", "kpstat_kp_dpc_latency_seconds",
	  "First pending DPC request to DPC start", K_HIST, 0, F(lat) },
	{ "DPC run time", 0, 0, "run", "kpstat_kp_dpc_run_seconds",
	  "DPC (IntAtDpc) run time", K_HIST, 0, F(run) },
	{ "DPC coalescing", 0, 0, "coalescing", "kpstat_kp_dpc_dwcount",
	  "Requests coalesced into one DPC (dwCount)", K_LIN, 0, F(coal),
	  KPB_COAL_SLOTS, F(dw_sum), { "dwCount", "DPCs" },
	  { "dw_count", "dpcs" } },
};
#undef KEYS
#undef F

static const struct kps_view views[] = {
	{ .json = "irqs", .empty = "(no kp interrupts)", KPS_COLS(irq_cols),
	  .rowsz = sizeof(struct row), .active = irq_active },
	{ .json = "dpc", .empty = "(no DPCs)", KPS_COLS(dpc_cols),
	  .rowsz = sizeof(struct row), .active = dpc_active },
};

struct kps_collector kpbatch_collector = {
	.name = "kpbatch",
	.open = kpbatch_open,
	.snap = kpbatch_snap,
	.table = T_BATCH,
	.sum_row = sum_row,
	.per_cpu = true,
	.track = kpbatch_track,
	.irq_count = kpbatch_irq_count,
	.views = views,
	.nviews = 2,
};
