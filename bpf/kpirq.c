// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* kpirq user side: interrupts and hard-IRQ time per kp device and vector. */
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "kpstat.h"
#include "kpdev.h"
#include "kpirq.h"
#include "kpirq.skel.h"

static struct kpirq_bpf *skel;
static const struct kps_env *env;

static int key_cmp(const void *a, const void *b)
{
	const struct kpirq_key *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->vector != y->vector)
		return x->vector < y->vector ? -1 : 1;
	return x->irq < y->irq ? -1 : x->irq > y->irq;
}

static int kpirq_open(const struct kps_env *e)
{
	env = e;
	skel = kpirq_bpf__open();
	if (!skel)
		return -errno;
	skel->rodata->targ_us = e->us;
	if (e->dev_minor >= 0) {
		skel->rodata->filter_dev = true;
		skel->rodata->targ_dev = e->dev_minor;
	}
	return kpirq_bpf__load(skel);
}

static int kpirq_attach(void)
{
	return kpirq_bpf__attach(skel);
}

static struct bpf_object_skeleton *kpirq_skeleton(void)
{
	return skel->skeleton;
}

static int kpirq_snap(struct kps_snap *s)
{
	return kps_table_read(&s->tab[T_IRQ],
			      bpf_map__fd(skel->maps.kpirq_stats),
			      sizeof(struct kpirq_key),
			      sizeof(struct kpirq_val), env->ncpus, key_cmp);
}

static void kpirq_set_epoch(__u64 epoch)
{
	skel->bss->kps_epoch = epoch;
}

static unsigned long long kpirq_errors(void)
{
	return skel->bss->kps_errors;
}

unsigned long long kpirq_irq_count(const struct kps_table *t, int irq)
{
	unsigned long long n = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct kpirq_key *k = kps_table_key(t, i);

		if ((int)k->irq != irq)
			continue;
		for (int c = 0; c < t->ncpus; c++) {
			const struct kpirq_val *v = kps_table_val(t, i, c);

			n += v->count;
		}
	}
	return n;
}

/* One row: a key summed over CPUs (cpu -1) or for one CPU. */
struct row {
	unsigned long long count, handled, dpc;
	struct kps_hsum time;
};

static void sum_row(const struct kps_report *r, size_t i, int cpu,
		    struct row *out)
{
	const struct kps_table *t = &r->cur->tab[T_IRQ];
	const struct kps_table *bt = &r->base->tab[T_IRQ];
	long bi = kps_table_find(bt, kps_table_key(t, i));

	memset(out, 0, sizeof(*out));
	for (int c = 0; c < t->ncpus; c++) {
		const struct kpirq_val *v = kps_table_val(t, i, c);
		const struct kpirq_val *b = bi >= 0 ?
			kps_table_val(bt, bi, c) : NULL;

		if (cpu >= 0 && c != cpu)
			continue;
		out->count += v->count - (b ? b->count : 0);
		out->handled += v->handled - (b ? b->handled : 0);
		out->dpc += v->dpc - (b ? b->dpc : 0);
		kps_hsum_add(&out->time, &v->time, b ? &b->time : NULL,
			     r->epoch);
	}
}

static void report_text(const struct kps_report *r)
{
	const struct kps_table *t = &r->cur->tab[T_IRQ];
	char name[64], title[160];
	struct row row;
	int shown = 0;

	fprintf(r->out, "%-12s %4s %5s %s%10s %10s %10s %12s %12s   (times in "
		"%s)\n", "DEVICE", "VEC", "IRQ", r->env->percpu ? "  CPU " : "",
		"COUNT", "HANDLED", "DPC_REQ", "HARDIRQ_AVG", "HARDIRQ_MAX",
		kps_unit_long(r->env->us));
	for (size_t i = 0; i < t->n; i++) {
		const struct kpirq_key *k = kps_table_key(t, i);

		kpdev_name(k->dev, name, sizeof(name));
		for (int c = r->env->percpu ? 0 : -1;
		     c < (r->env->percpu ? t->ncpus : 0); c++) {
			char cpu[16] = "";

			sum_row(r, i, c, &row);
			if (!row.count && !row.handled)
				continue;
			if (c >= 0)
				snprintf(cpu, sizeof(cpu), "%5d ", c);
			fprintf(r->out, "%-12s %4u %5u %s%10llu %10llu %10llu "
				"%12.3f %12.3f\n", name, k->vector, k->irq,
				cpu, row.count, row.handled, row.dpc,
				kps_hsum_mean(&row.time, r->env->us),
				kps_ns_to_unit(row.time.max_ns, r->env->us));
			shown++;
		}
	}
	if (!shown)
		fprintf(r->out, "(no kp interrupts)\n");
	if (!r->env->hist)
		return;
	for (size_t i = 0; i < t->n; i++) {
		const struct kpirq_key *k = kps_table_key(t, i);

		sum_row(r, i, -1, &row);
		if (!row.time.count)
			continue;
		snprintf(title, sizeof(title),
			 "\nHard-IRQ handler time, %s vector %u (irq %u)",
			 kpdev_name(k->dev, name, sizeof(name)), k->vector,
			 k->irq);
		kps_hist_print(r->out, &row.time, r->env->us, title);
	}
	fputc('\n', r->out);
}

static void report_json(const struct kps_report *r)
{
	const struct kps_table *t = &r->cur->tab[T_IRQ];
	struct jw *w = r->jw;
	char name[64];
	struct row row;

	jw_arr(w, "irqs");
	for (size_t i = 0; i < t->n; i++) {
		const struct kpirq_key *k = kps_table_key(t, i);

		sum_row(r, i, -1, &row);
		jw_obj(w, NULL);
		jw_str(w, "device", kpdev_name(k->dev, name, sizeof(name)));
		jw_u64(w, "dev", k->dev);
		jw_u64(w, "vector", k->vector);
		jw_u64(w, "irq", k->irq);
		jw_u64(w, "count", row.count);
		jw_u64(w, "handled", row.handled);
		jw_u64(w, "dpc_requests", row.dpc);
		jw_i64(w, "proc_delta", kps_proc_delta(r, k->irq, -1));
		jw_bool(w, "proc_exact", kps_proc_exact(r, k->irq));
		jw_hist(w, "time", &row.time, r->env->us);
		if (r->env->percpu) {
			jw_arr(w, "cpus");
			for (int c = 0; c < t->ncpus; c++) {
				long long pd = kps_proc_delta(r, k->irq, c);

				sum_row(r, i, c, &row);
				if (!row.count && pd <= 0)
					continue;
				jw_obj(w, NULL);
				jw_i64(w, "cpu", c);
				jw_u64(w, "count", row.count);
				jw_i64(w, "proc_delta", pd);
				jw_obj_end(w);
			}
			jw_arr_end(w);
		}
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void report_prom(const struct kps_report *r)
{
	const struct kps_table *t = &r->cur->tab[T_IRQ];
	char name[64], lab[160];
	struct row row;

	prom_help(r->out, "kpstat_kp_interrupts_total", "counter",
		  "Interrupts seen by kp_runtime's handler (kp:kp_irq_entry)");
	for (size_t i = 0; i < t->n; i++) {
		const struct kpirq_key *k = kps_table_key(t, i);

		kpdev_name(k->dev, name, sizeof(name));
		for (int c = r->env->percpu ? 0 : -1;
		     c < (r->env->percpu ? t->ncpus : 0); c++) {
			sum_row(r, i, c, &row);
			if (c >= 0 && !row.count)
				continue;
			fprintf(r->out, "kpstat_kp_interrupts_total{device=\"%s\","
				"vector=\"%u\",irq=\"%u\"", name, k->vector,
				k->irq);
			if (c >= 0)
				fprintf(r->out, ",cpu=\"%d\"", c);
			fprintf(r->out, "} %llu\n", row.count);
		}
	}
	prom_help(r->out, "kpstat_kp_irq_handled_total", "counter",
		  "Interrupts the handler claimed (kp:kp_irq_exit handled)");
	for (size_t i = 0; i < t->n; i++) {
		const struct kpirq_key *k = kps_table_key(t, i);

		sum_row(r, i, -1, &row);
		fprintf(r->out, "kpstat_kp_irq_handled_total{device=\"%s\","
			"vector=\"%u\",irq=\"%u\"} %llu\n",
			kpdev_name(k->dev, name, sizeof(name)), k->vector,
			k->irq, row.handled);
	}
	prom_help(r->out, "kpstat_kp_dpc_requests_total", "counter",
		  "Interrupts whose IntAtIrql requested a DPC");
	for (size_t i = 0; i < t->n; i++) {
		const struct kpirq_key *k = kps_table_key(t, i);

		sum_row(r, i, -1, &row);
		fprintf(r->out, "kpstat_kp_dpc_requests_total{device=\"%s\","
			"vector=\"%u\",irq=\"%u\"} %llu\n",
			kpdev_name(k->dev, name, sizeof(name)), k->vector,
			k->irq, row.dpc);
	}
	prom_help(r->out, "kpstat_kp_hardirq_seconds", "histogram",
		  "kp_runtime hard-IRQ handler time");
	for (size_t i = 0; i < t->n; i++) {
		const struct kpirq_key *k = kps_table_key(t, i);

		sum_row(r, i, -1, &row);
		snprintf(lab, sizeof(lab), "device=\"%s\",vector=\"%u\","
			 "irq=\"%u\"", kpdev_name(k->dev, name, sizeof(name)),
			 k->vector, k->irq);
		prom_hist(r->out, "kpstat_kp_hardirq_seconds", lab, &row.time,
			  r->env->us);
	}
}

static void kpirq_report(const struct kps_report *r)
{
	switch (r->env->fmt) {
	case FMT_TEXT: report_text(r); break;
	case FMT_JSON: report_json(r); break;
	case FMT_PROM: report_prom(r); break;
	}
}

static void kpirq_destroy(void)
{
	kpirq_bpf__destroy(skel);
	skel = NULL;
}

const struct kps_collector kpirq_collector = {
	.name = "kpirq",
	.open = kpirq_open,
	.attach = kpirq_attach,
	.skeleton = kpirq_skeleton,
	.snap = kpirq_snap,
	.set_epoch = kpirq_set_epoch,
	.errors = kpirq_errors,
	.report = kpirq_report,
	.destroy = kpirq_destroy,
};
