// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* allirqs user side: per-IRQ handler runs and time (kpstat --all-irqs). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "collector.h"
#include "report.h"
#include "allirqs.h"
#include "allirqs.skel.h"

static int key_cmp(const void *a, const void *b)
{
	const struct allirq_key *x = a, *y = b;

	if (x->irq != y->irq)
		return x->irq < y->irq ? -1 : 1;
	return strncmp(x->name, y->name, sizeof(x->name));
}

static int allirqs_open(struct kps_collector *c, const struct kps_env *env)
{
	struct allirqs_bpf *skel = allirqs_bpf__open();

	if (!skel)
		return -errno;
	KPS_BIND(c, skel);
	skel->rodata->targ_us = env->us;
	if (env->irq >= 0) {
		skel->rodata->filter_irq = true;
		skel->rodata->targ_irq = env->irq;
	}
	return 0;
}

static int allirqs_snap(const struct kps_collector *c,
			const struct kps_env *env, struct kps_snap *s)
{
	struct allirqs_bpf *skel = c->obj;

	return kps_table_read(&s->tab[T_ALL],
			      bpf_map__fd(skel->maps.allirq_stats),
			      sizeof(struct allirq_key),
			      sizeof(struct allirq_val), env->ncpus, key_cmp,
			      NULL);
}

static void allirqs_track(const struct kps_snap *s, const struct kps_env *env,
			  struct kps_irqset *set)
{
	for (int i = 0; i < s->proc.n; i++)
		if (env->irq < 0 || s->proc.v[i].irq == env->irq)
			kps_irqset_add(set, s->proc.v[i].irq);
}

static unsigned long long allirqs_irq_count(const struct kps_snap *s, int irq)
{
	const struct kps_table *t = &s->tab[T_ALL];
	unsigned long long n = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct allirq_key *k = kps_table_key(t, i);

		for (int c = 0; k->irq == irq && c < t->ncpus; c++)
			n += ((const struct allirq_val *)
			      kps_table_val(t, i, c))->count;
	}
	return n;
}

struct row {
	struct kps_row h;
	int irq;
	char name[ALLIRQS_NAME_LEN + 1];
	unsigned long long count, handled;
	struct kps_hsum time;
	long long proc_delta;
	bool proc_exact;
};

/* kps_sum_row_fn: an IRQ (and handler name) */
static void sum_row(const struct kps_report *r, size_t i, int cpu,
		    void *row)
{
	struct row *out = row;
	const struct kps_table *t = &r->cur->tab[T_ALL];
	const struct kps_table *bt = &r->base->tab[T_ALL];
	const struct allirq_key *k = kps_table_key(t, i);
	long bi = kps_table_find(bt, k);

	out->h.cpu = cpu;
	snprintf(out->h.label, sizeof(out->h.label), "irq %d (%.*s)", k->irq,
		 (int)sizeof(k->name), k->name);
	out->irq = k->irq;
	snprintf(out->name, sizeof(out->name), "%.*s", (int)sizeof(k->name),
		 k->name);
	for (int c = 0; c < t->ncpus; c++) {
		const struct allirq_val *v = kps_table_val(t, i, c);
		const struct allirq_val *b = bi >= 0 ?
			kps_table_val(bt, bi, c) : NULL;

		if (cpu >= 0 && c != cpu)
			continue;
		out->count += v->count - (b ? b->count : 0);
		out->handled += v->handled - (b ? b->handled : 0);
		kps_hsum_add(&out->time, &v->time, b ? &b->time : NULL,
			     r->epoch);
	}
	out->proc_delta = kps_proc_delta(r, k->irq, cpu);
	out->proc_exact = kps_proc_exact(r, k->irq);
}

static bool active(const void *p)
{
	const struct row *row = p;

	return row->count || row->proc_delta > 0;
}

#define F(f) offsetof(struct row, f)
static const struct kps_col cols[] = {
	{ "IRQ", 5, 0, "irq", "irq", NULL, K_INT, C_KEY, F(irq) },
	{ "NAME", 24, 0, "name", "name", NULL, K_STR, C_KEY | C_LEFT,
	  F(name) },
	{ "COUNT", 10, 0, "count", "kpstat_irq_handler_runs_total",
	  "Hard-IRQ handler runs (irq:irq_handler_entry)", K_U64, C_CPU,
	  F(count) },
	{ "HANDLED", 10, 0, "handled", "kpstat_irq_handled_total",
	  "Handler runs returning IRQ_HANDLED", K_U64, 0, F(handled) },
	{ "TOTAL", 12, 1, NULL, NULL, NULL, K_TIME, 0, F(time.sum_ns) },
	{ "AVG", 10, 3, NULL, NULL, NULL, K_MEAN, 0, F(time) },
	{ "MAX", 10, 3, NULL, NULL, NULL, K_TIME, 0, F(time.max_ns) },
	{ NULL, 0, 0, "proc_delta", NULL, NULL, K_I64, C_CPU, F(proc_delta) },
	{ NULL, 0, 0, "proc_exact", NULL, NULL, K_BOOL, 0, F(proc_exact) },
	{ "Handler time", 0, 0, "time", "kpstat_irq_handler_seconds",
	  "Hard-IRQ handler time (irq_handler_entry -> exit)", K_HIST, 0,
	  F(time) },
};
#undef F

static const struct kps_view views[] = {
	{ .json = "irqs", .empty = "(no interrupts)", KPS_COLS(cols),
	  .rowsz = sizeof(struct row), .active = active },
};

struct kps_collector allirqs_collector = {
	.name = "allirqs",
	.open = allirqs_open,
	.snap = allirqs_snap,
	.table = T_ALL,
	.sum_row = sum_row,
	.per_cpu = true,
	.track = allirqs_track,
	.irq_count = allirqs_irq_count,
	.views = views,
	.nviews = 1,
};
