// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* kpdpc user side: DPC latency, run time and coalescing per device+vector. */
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "kpstat.h"
#include "kpdev.h"
#include "kpdpc.h"
#include "kpdpc.skel.h"

static struct kpdpc_bpf *skel;
static const struct kps_env *env;

static int key_cmp(const void *a, const void *b)
{
	const struct kpdpc_key *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	return x->vector < y->vector ? -1 : x->vector > y->vector;
}

static int kpdpc_open(const struct kps_env *e)
{
	env = e;
	skel = kpdpc_bpf__open();
	if (!skel)
		return -errno;
	skel->rodata->targ_us = e->us;
	if (e->dev_minor >= 0) {
		skel->rodata->filter_dev = true;
		skel->rodata->targ_dev = e->dev_minor;
	}
	/* latency starts at kp_dpc_schedule, or kp_irq_exit(dpc) without it */
	bpf_program__set_autoload(skel->progs.kpdpc_sched, e->have_sched);
	bpf_program__set_autoload(skel->progs.kpdpc_irq_exit, !e->have_sched);
	return kpdpc_bpf__load(skel);
}

static int kpdpc_attach(void)
{
	return kpdpc_bpf__attach(skel);
}

static struct bpf_object_skeleton *kpdpc_skeleton(void)
{
	return skel->skeleton;
}

static int kpdpc_snap(struct kps_snap *s)
{
	return kps_table_read(&s->tab[T_DPC],
			      bpf_map__fd(skel->maps.kpdpc_stats),
			      sizeof(struct kpdpc_key),
			      sizeof(struct kpdpc_val), env->ncpus, key_cmp);
}

static void kpdpc_set_epoch(__u64 epoch)
{
	skel->bss->kps_epoch = epoch;
}

static unsigned long long kpdpc_errors(void)
{
	return skel->bss->kps_errors;
}

struct row {
	unsigned long long dpcs, dw_sum, ret_sum;
	struct kps_hsum lat, run;
	unsigned long long coal[KPDPC_COAL_SLOTS];
};

static void sum_row(const struct kps_report *r, size_t i, struct row *out)
{
	const struct kps_table *t = &r->cur->tab[T_DPC];
	const struct kps_table *bt = &r->base->tab[T_DPC];
	long bi = kps_table_find(bt, kps_table_key(t, i));

	memset(out, 0, sizeof(*out));
	for (int c = 0; c < t->ncpus; c++) {
		const struct kpdpc_val *v = kps_table_val(t, i, c);
		const struct kpdpc_val *b = bi >= 0 ?
			kps_table_val(bt, bi, c) : NULL;

		out->dpcs += v->dpcs - (b ? b->dpcs : 0);
		out->dw_sum += v->dw_count_sum - (b ? b->dw_count_sum : 0);
		out->ret_sum += v->ret_sum - (b ? b->ret_sum : 0);
		kps_hsum_add(&out->lat, &v->latency, b ? &b->latency : NULL,
			     r->epoch);
		kps_hsum_add(&out->run, &v->run, b ? &b->run : NULL, r->epoch);
		for (int s = 0; s < KPDPC_COAL_SLOTS; s++)
			out->coal[s] += v->coal[s] - (b ? b->coal[s] : 0);
	}
}

static void report_text(const struct kps_report *r)
{
	const struct kps_table *t = &r->cur->tab[T_DPC];
	bool us = r->env->us;
	char name[64], title[200];
	struct row row;
	int shown = 0;

	fprintf(r->out, "%-12s %4s %10s %10s %10s %10s %10s %10s %10s   (times "
		"in %s)\n", "DEVICE", "VEC", "DPCS", "DW_SUM", "RET_SUM",
		"LAT_AVG", "LAT_MAX", "RUN_AVG", "RUN_MAX", kps_unit_long(us));
	for (size_t i = 0; i < t->n; i++) {
		const struct kpdpc_key *k = kps_table_key(t, i);

		sum_row(r, i, &row);
		if (!row.dpcs)
			continue;
		fprintf(r->out, "%-12s %4u %10llu %10llu %10llu %10.3f "
			"%10.3f %10.3f %10.3f\n",
			kpdev_name(k->dev, name, sizeof(name)), k->vector,
			row.dpcs, row.dw_sum, row.ret_sum,
			kps_hsum_mean(&row.lat, us),
			kps_ns_to_unit(row.lat.max_ns, us),
			kps_hsum_mean(&row.run, us),
			kps_ns_to_unit(row.run.max_ns, us));
		shown++;
	}
	if (!shown)
		fprintf(r->out, "(no DPCs)\n");
	if (!r->env->hist)
		return;
	for (size_t i = 0; i < t->n; i++) {
		const struct kpdpc_key *k = kps_table_key(t, i);

		sum_row(r, i, &row);
		if (!row.dpcs)
			continue;
		kpdev_name(k->dev, name, sizeof(name));
		snprintf(title, sizeof(title), "\nDPC latency (first pending "
			 "request -> DPC start), %s vector %u", name,
			 k->vector);
		kps_hist_print(r->out, &row.lat, us, title);
		snprintf(title, sizeof(title), "\nDPC run time, %s vector %u",
			 name, k->vector);
		kps_hist_print(r->out, &row.run, us, title);
		fprintf(r->out, "\nDPC coalescing, %s vector %u: %llu DPCs "
			"served %llu requests\n", name, k->vector, row.dpcs,
			row.dw_sum);
		kps_lin_print(r->out, row.coal, KPDPC_COAL_SLOTS, "dwCount",
			      "DPCs");
	}
	fprintf(r->out, "(p50/p99: upper bound of the log2 bucket holding "
		"the percentile)\n\n");
}

static void report_json(const struct kps_report *r)
{
	const struct kps_table *t = &r->cur->tab[T_DPC];
	struct jw *w = r->jw;
	char name[64];
	struct row row;

	jw_arr(w, "dpc");
	for (size_t i = 0; i < t->n; i++) {
		const struct kpdpc_key *k = kps_table_key(t, i);

		sum_row(r, i, &row);
		jw_obj(w, NULL);
		jw_str(w, "device", kpdev_name(k->dev, name, sizeof(name)));
		jw_u64(w, "dev", k->dev);
		jw_u64(w, "vector", k->vector);
		jw_u64(w, "dpcs", row.dpcs);
		jw_u64(w, "dw_count_sum", row.dw_sum);
		jw_u64(w, "ret_sum", row.ret_sum);
		jw_hist(w, "latency", &row.lat, r->env->us);
		jw_hist(w, "run", &row.run, r->env->us);
		jw_arr(w, "coalescing");
		for (int s = 1; s < KPDPC_COAL_SLOTS; s++) {
			if (!row.coal[s])
				continue;
			jw_obj(w, NULL);
			jw_u64(w, "dw_count", s);
			jw_bool(w, "or_more", s == KPDPC_COAL_SLOTS - 1);
			jw_u64(w, "dpcs", row.coal[s]);
			jw_obj_end(w);
		}
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void report_prom(const struct kps_report *r)
{
	const struct kps_table *t = &r->cur->tab[T_DPC];
	char name[64], lab[128];
	struct row row;

	prom_help(r->out, "kpstat_kp_dpcs_total", "counter",
		  "DPCs run (kp:kp_dpc_entry with dwCount > 0)");
	for (size_t i = 0; i < t->n; i++) {
		const struct kpdpc_key *k = kps_table_key(t, i);

		sum_row(r, i, &row);
		fprintf(r->out, "kpstat_kp_dpcs_total{device=\"%s\",vector="
			"\"%u\"} %llu\n", kpdev_name(k->dev, name,
			sizeof(name)), k->vector, row.dpcs);
	}
	prom_help(r->out, "kpstat_kp_dpc_latency_seconds", "histogram",
		  "First pending DPC request to DPC start");
	for (size_t i = 0; i < t->n; i++) {
		const struct kpdpc_key *k = kps_table_key(t, i);

		sum_row(r, i, &row);
		snprintf(lab, sizeof(lab), "device=\"%s\",vector=\"%u\"",
			 kpdev_name(k->dev, name, sizeof(name)), k->vector);
		prom_hist(r->out, "kpstat_kp_dpc_latency_seconds", lab,
			  &row.lat, r->env->us);
	}
	prom_help(r->out, "kpstat_kp_dpc_run_seconds", "histogram",
		  "DPC (IntAtDpc) run time");
	for (size_t i = 0; i < t->n; i++) {
		const struct kpdpc_key *k = kps_table_key(t, i);

		sum_row(r, i, &row);
		snprintf(lab, sizeof(lab), "device=\"%s\",vector=\"%u\"",
			 kpdev_name(k->dev, name, sizeof(name)), k->vector);
		prom_hist(r->out, "kpstat_kp_dpc_run_seconds", lab, &row.run,
			  r->env->us);
	}
	prom_help(r->out, "kpstat_kp_dpc_dwcount", "histogram",
		  "Requests coalesced into one DPC (dwCount)");
	for (size_t i = 0; i < t->n; i++) {
		const struct kpdpc_key *k = kps_table_key(t, i);
		unsigned long long acc = 0;

		sum_row(r, i, &row);
		kpdev_name(k->dev, name, sizeof(name));
		for (int s = 1; s < KPDPC_COAL_SLOTS - 1; s++) {
			acc += row.coal[s];
			if (row.coal[s])
				fprintf(r->out, "kpstat_kp_dpc_dwcount_bucket{"
					"device=\"%s\",vector=\"%u\",le=\"%d\"}"
					" %llu\n", name, k->vector, s, acc);
		}
		acc += row.coal[KPDPC_COAL_SLOTS - 1];
		fprintf(r->out, "kpstat_kp_dpc_dwcount_bucket{device=\"%s\","
			"vector=\"%u\",le=\"+Inf\"} %llu\n", name, k->vector,
			acc);
		fprintf(r->out, "kpstat_kp_dpc_dwcount_sum{device=\"%s\","
			"vector=\"%u\"} %llu\n", name, k->vector, row.dw_sum);
		fprintf(r->out, "kpstat_kp_dpc_dwcount_count{device=\"%s\","
			"vector=\"%u\"} %llu\n", name, k->vector, acc);
	}
}

static void kpdpc_report(const struct kps_report *r)
{
	switch (r->env->fmt) {
	case FMT_TEXT: report_text(r); break;
	case FMT_JSON: report_json(r); break;
	case FMT_PROM: report_prom(r); break;
	}
}

static void kpdpc_destroy(void)
{
	kpdpc_bpf__destroy(skel);
	skel = NULL;
}

const struct kps_collector kpdpc_collector = {
	.name = "kpdpc",
	.open = kpdpc_open,
	.attach = kpdpc_attach,
	.skeleton = kpdpc_skeleton,
	.snap = kpdpc_snap,
	.set_epoch = kpdpc_set_epoch,
	.errors = kpdpc_errors,
	.report = kpdpc_report,
	.destroy = kpdpc_destroy,
};
