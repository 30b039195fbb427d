// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* allirqs user side: per-IRQ handler runs and time (kpstat --all-irqs). */
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "kpstat.h"
#include "allirqs.h"
#include "allirqs.skel.h"

static struct allirqs_bpf *skel;
static const struct kps_env *env;

static int key_cmp(const void *a, const void *b)
{
	const struct allirq_key *x = a, *y = b;

	if (x->irq != y->irq)
		return x->irq < y->irq ? -1 : 1;
	return strncmp(x->name, y->name, sizeof(x->name));
}

static int allirqs_open(const struct kps_env *e)
{
	env = e;
	skel = allirqs_bpf__open();
	if (!skel)
		return -errno;
	skel->rodata->targ_us = e->us;
	if (e->irq >= 0) {
		skel->rodata->filter_irq = true;
		skel->rodata->targ_irq = e->irq;
	}
	return allirqs_bpf__load(skel);
}

static int allirqs_attach(void)
{
	return allirqs_bpf__attach(skel);
}

static struct bpf_object_skeleton *allirqs_skeleton(void)
{
	return skel->skeleton;
}

static int allirqs_snap(struct kps_snap *s)
{
	return kps_table_read(&s->tab[T_ALL],
			      bpf_map__fd(skel->maps.allirq_stats),
			      sizeof(struct allirq_key),
			      sizeof(struct allirq_val), env->ncpus, key_cmp);
}

static void allirqs_set_epoch(__u64 epoch)
{
	skel->bss->kps_epoch = epoch;
}

static unsigned long long allirqs_errors(void)
{
	return skel->bss->kps_errors;
}

unsigned long long allirqs_irq_count(const struct kps_table *t, int irq)
{
	unsigned long long n = 0;

	for (size_t i = 0; i < t->n; i++) {
		const struct allirq_key *k = kps_table_key(t, i);

		if (k->irq != irq)
			continue;
		for (int c = 0; c < t->ncpus; c++) {
			const struct allirq_val *v = kps_table_val(t, i, c);

			n += v->count;
		}
	}
	return n;
}

struct row {
	unsigned long long count, handled;
	struct kps_hsum time;
};

static void sum_row(const struct kps_report *r, size_t i, int cpu,
		    struct row *out)
{
	const struct kps_table *t = &r->cur->tab[T_ALL];
	const struct kps_table *bt = &r->base->tab[T_ALL];
	long bi = kps_table_find(bt, kps_table_key(t, i));

	memset(out, 0, sizeof(*out));
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
}

static void report_text(const struct kps_report *r)
{
	const struct kps_table *t = &r->cur->tab[T_ALL];
	bool us = r->env->us;
	char title[160];
	struct row row;
	int shown = 0;

	fprintf(r->out, "%5s %-24s %s%10s %10s %12s %10s %10s   (times in "
		"%s)\n", "IRQ", "NAME", r->env->percpu ? "  CPU " : "", "COUNT",
		"HANDLED", "TOTAL", "AVG", "MAX", kps_unit_long(us));
	for (size_t i = 0; i < t->n; i++) {
		const struct allirq_key *k = kps_table_key(t, i);

		for (int c = r->env->percpu ? 0 : -1;
		     c < (r->env->percpu ? t->ncpus : 0); c++) {
			char cpu[16] = "";

			sum_row(r, i, c, &row);
			if (!row.count)
				continue;
			if (c >= 0)
				snprintf(cpu, sizeof(cpu), "%5d ", c);
			fprintf(r->out, "%5d %-24.*s %s%10llu %10llu %12.1f "
				"%10.3f %10.3f\n", k->irq,
				(int)sizeof(k->name), k->name, cpu, row.count,
				row.handled,
				kps_ns_to_unit(row.time.sum_ns, us),
				kps_hsum_mean(&row.time, us),
				kps_ns_to_unit(row.time.max_ns, us));
			shown++;
		}
	}
	if (!shown)
		fprintf(r->out, "(no interrupts)\n");
	if (r->env->hist) {
		for (size_t i = 0; i < t->n; i++) {
			const struct allirq_key *k = kps_table_key(t, i);

			sum_row(r, i, -1, &row);
			if (!row.time.count)
				continue;
			snprintf(title, sizeof(title), "\nHandler time, irq %d "
				 "(%.*s)", k->irq, (int)sizeof(k->name),
				 k->name);
			kps_hist_print(r->out, &row.time, us, title);
		}
	}
	fputc('\n', r->out);
}

static void report_json(const struct kps_report *r)
{
	const struct kps_table *t = &r->cur->tab[T_ALL];
	struct jw *w = r->jw;
	char name[ALLIRQS_NAME_LEN + 1];
	struct row row;

	jw_arr(w, "irqs");
	for (size_t i = 0; i < t->n; i++) {
		const struct allirq_key *k = kps_table_key(t, i);

		sum_row(r, i, -1, &row);
		snprintf(name, sizeof(name), "%.*s", (int)sizeof(k->name),
			 k->name);
		jw_obj(w, NULL);
		jw_i64(w, "irq", k->irq);
		jw_str(w, "name", name);
		jw_u64(w, "count", row.count);
		jw_u64(w, "handled", row.handled);
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
	const struct kps_table *t = &r->cur->tab[T_ALL];
	char name[ALLIRQS_NAME_LEN + 1], esc[2 * ALLIRQS_NAME_LEN + 2];
	char lab[160];
	struct row row;

	prom_help(r->out, "kpstat_irq_handler_runs_total", "counter",
		  "Hard-IRQ handler runs (irq:irq_handler_entry)");
	for (size_t i = 0; i < t->n; i++) {
		const struct allirq_key *k = kps_table_key(t, i);

		snprintf(name, sizeof(name), "%.*s", (int)sizeof(k->name),
			 k->name);
		prom_esc(name, esc, sizeof(esc));
		for (int c = r->env->percpu ? 0 : -1;
		     c < (r->env->percpu ? t->ncpus : 0); c++) {
			sum_row(r, i, c, &row);
			if (c >= 0 && !row.count)
				continue;
			fprintf(r->out, "kpstat_irq_handler_runs_total{irq=\"%d\","
				"name=\"%s\"", k->irq, esc);
			if (c >= 0)
				fprintf(r->out, ",cpu=\"%d\"", c);
			fprintf(r->out, "} %llu\n", row.count);
		}
	}
	prom_help(r->out, "kpstat_irq_handler_seconds", "histogram",
		  "Hard-IRQ handler time (irq_handler_entry -> exit)");
	for (size_t i = 0; i < t->n; i++) {
		const struct allirq_key *k = kps_table_key(t, i);

		snprintf(name, sizeof(name), "%.*s", (int)sizeof(k->name),
			 k->name);
		sum_row(r, i, -1, &row);
		snprintf(lab, sizeof(lab), "irq=\"%d\",name=\"%s\"", k->irq,
			 prom_esc(name, esc, sizeof(esc)));
		prom_hist(r->out, "kpstat_irq_handler_seconds", lab, &row.time,
			  r->env->us);
	}
}

static void allirqs_report(const struct kps_report *r)
{
	switch (r->env->fmt) {
	case FMT_TEXT: report_text(r); break;
	case FMT_JSON: report_json(r); break;
	case FMT_PROM: report_prom(r); break;
	}
}

static void allirqs_destroy(void)
{
	allirqs_bpf__destroy(skel);
	skel = NULL;
}

const struct kps_collector allirqs_collector = {
	.name = "allirqs",
	.open = allirqs_open,
	.attach = allirqs_attach,
	.skeleton = allirqs_skeleton,
	.snap = allirqs_snap,
	.set_epoch = allirqs_set_epoch,
	.errors = allirqs_errors,
	.report = allirqs_report,
	.destroy = allirqs_destroy,
};
