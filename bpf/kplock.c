// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* kplock user side: KP_SPINLOCK contention per lock and call site. */
#include <errno.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "kpstat.h"
#include "ksyms.h"
#include "kplock.h"
#include "kplock.skel.h"

static struct kplock_bpf *skel;
static const struct kps_env *env;

static int key_cmp(const void *a, const void *b)
{
	const struct kplock_key *x = a, *y = b;

	if (x->lock != y->lock)
		return x->lock < y->lock ? -1 : 1;
	return x->caller < y->caller ? -1 : x->caller > y->caller;
}

static int lock_cmp(const void *a, const void *b)
{
	const __u64 *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

static int kplock_open(const struct kps_env *e)
{
	env = e;
	skel = kplock_bpf__open();
	if (!skel)
		return -errno;
	skel->rodata->targ_us = e->us;
	return kplock_bpf__load(skel);
}

static int kplock_attach(void)
{
	return kplock_bpf__attach(skel);
}

static struct bpf_object_skeleton *kplock_skeleton(void)
{
	return skel->skeleton;
}

static int kplock_snap(struct kps_snap *s)
{
	int err;

	err = kps_table_read(&s->tab[T_LOCK],
			     bpf_map__fd(skel->maps.kplock_stats),
			     sizeof(struct kplock_key),
			     sizeof(struct kplock_val), env->ncpus, key_cmp);
	if (err)
		return err;
	return kps_table_read(&s->tab[T_LOCKNAME],
			      bpf_map__fd(skel->maps.kplock_names),
			      sizeof(__u64), sizeof(struct kplock_name), 1,
			      lock_cmp);
}

static void kplock_set_epoch(__u64 epoch)
{
	skel->bss->kps_epoch = epoch;
}

static unsigned long long kplock_errors(void)
{
	return skel->bss->kps_errors;
}

struct row {
	unsigned long long acquired, contended;
	struct kps_hsum wait;
};

static void sum_row(const struct kps_report *r, size_t i, struct row *out)
{
	const struct kps_table *t = &r->cur->tab[T_LOCK];
	const struct kps_table *bt = &r->base->tab[T_LOCK];
	long bi = kps_table_find(bt, kps_table_key(t, i));

	for (int c = 0; c < t->ncpus; c++) {
		const struct kplock_val *v = kps_table_val(t, i, c);
		const struct kplock_val *b = bi >= 0 ?
			kps_table_val(bt, bi, c) : NULL;

		out->acquired += v->acquired - (b ? b->acquired : 0);
		out->contended += v->contended - (b ? b->contended : 0);
		kps_hsum_add(&out->wait, &v->wait, b ? &b->wait : NULL,
			     r->epoch);
	}
}

/* Keys are sorted by lock: [i, *end) is one lock's call sites. */
static void lock_span(const struct kps_table *t, size_t i, size_t *end)
{
	const struct kplock_key *k = kps_table_key(t, i);
	size_t j = i + 1;

	while (j < t->n &&
	       ((const struct kplock_key *)kps_table_key(t, j))->lock == k->lock)
		j++;
	*end = j;
}

static const struct kplock_name *lock_name(const struct kps_report *r,
					   __u64 lock)
{
	const struct kps_table *nt = &r->cur->tab[T_LOCKNAME];
	long ni = kps_table_find(nt, &lock);

	return ni >= 0 ? kps_table_val(nt, ni, 0) : NULL;
}

static const char *owner_of(const struct kplock_name *n)
{
	return n && n->owner[0] ? n->owner : "?";
}

static void report_text(const struct kps_report *r)
{
	const struct kps_table *t = &r->cur->tab[T_LOCK];
	bool us = r->env->us;
	char sym[256], title[400];
	int shown = 0;

	fprintf(r->out, "KP_SPINLOCK  (wait in %s; CONTENDED = had to "
		"wait)\n%-20s %-16s %10s %10s %12s %12s  %s\n",
		kps_unit_long(us), "LOCK", "OWNER", "ACQUIRED", "CONTENDED",
		"WAIT_TOTAL", "WAIT_MAX", "CALL SITE");
	for (size_t i = 0, end; i < t->n; i = end) {
		const struct kplock_key *k = kps_table_key(t, i);
		const struct kplock_name *n = lock_name(r, k->lock);
		struct row all = {}, row;

		lock_span(t, i, &end);
		for (size_t j = i; j < end; j++)
			sum_row(r, j, &all);
		if (!all.acquired)
			continue;
		shown++;
		fprintf(r->out, "0x%-18llx %-16.16s %10llu %10llu %12.3f "
			"%12.3f  init %s\n", (unsigned long long)k->lock,
			owner_of(n), all.acquired, all.contended,
			kps_ns_to_unit(all.wait.sum_ns, us),
			kps_ns_to_unit(all.wait.max_ns, us),
			n ? ksyms_format(n->init_caller, sym, sizeof(sym)) :
			"(before kpstat)");
		for (size_t j = i; j < end; j++) {
			const struct kplock_key *kj = kps_table_key(t, j);

			memset(&row, 0, sizeof(row));
			sum_row(r, j, &row);
			if (!row.acquired)
				continue;
			fprintf(r->out, "%-20s %-16s %10llu %10llu %12.3f "
				"%12.3f  %s\n", "", "", row.acquired,
				row.contended,
				kps_ns_to_unit(row.wait.sum_ns, us),
				kps_ns_to_unit(row.wait.max_ns, us),
				ksyms_format(kj->caller, sym, sizeof(sym)));
		}
		if (r->env->hist && all.wait.count) {
			snprintf(title, sizeof(title), "Wait time of contended "
				 "acquisitions, lock 0x%llx (%s)",
				 (unsigned long long)k->lock, owner_of(n));
			kps_hist_print(r->out, &all.wait, us, title);
		}
	}
	if (!shown)
		fprintf(r->out, "(no KP_SPINLOCK acquisitions)\n");
	fputc('\n', r->out);
}

static void report_json(const struct kps_report *r)
{
	const struct kps_table *t = &r->cur->tab[T_LOCK];
	struct jw *w = r->jw;
	char buf[256];

	jw_arr(w, "locks");
	for (size_t i = 0, end; i < t->n; i = end) {
		const struct kplock_key *k = kps_table_key(t, i);
		const struct kplock_name *n = lock_name(r, k->lock);
		struct row all = {}, row;

		lock_span(t, i, &end);
		for (size_t j = i; j < end; j++)
			sum_row(r, j, &all);
		jw_obj(w, NULL);
		snprintf(buf, sizeof(buf), "0x%llx",
			 (unsigned long long)k->lock);
		jw_str(w, "lock", buf);
		jw_str(w, "owner", owner_of(n));
		if (n) {
			jw_str(w, "init_site", ksyms_format(n->init_caller, buf,
							     sizeof(buf)));
			jw_bool(w, "live", n->live);
		}
		jw_u64(w, "acquired", all.acquired);
		jw_u64(w, "contended", all.contended);
		jw_u64(w, "wait_total_ns", all.wait.sum_ns);
		jw_u64(w, "wait_max_ns", all.wait.max_ns);
		jw_hist(w, "wait", &all.wait, r->env->us);
		jw_arr(w, "sites");
		for (size_t j = i; j < end; j++) {
			const struct kplock_key *kj = kps_table_key(t, j);

			memset(&row, 0, sizeof(row));
			sum_row(r, j, &row);
			jw_obj(w, NULL);
			snprintf(buf, sizeof(buf), "0x%llx",
				 (unsigned long long)kj->caller);
			jw_str(w, "caller", buf);
			jw_str(w, "site", ksyms_format(kj->caller, buf,
						       sizeof(buf)));
			jw_u64(w, "acquired", row.acquired);
			jw_u64(w, "contended", row.contended);
			jw_u64(w, "wait_total_ns", row.wait.sum_ns);
			jw_u64(w, "wait_max_ns", row.wait.max_ns);
			jw_obj_end(w);
		}
		jw_arr_end(w);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void report_prom(const struct kps_report *r)
{
	const struct kps_table *t = &r->cur->tab[T_LOCK];
	static const char *const names[] = {
		"kpstat_kp_lock_acquisitions_total",
		"kpstat_kp_lock_contended_total",
	};
	static const char *const helps[] = {
		"KP_SPINLOCK acquisitions per lock and call site",
		"KP_SPINLOCK acquisitions that had to wait",
	};
	char sym[256], own[128], lab[512];

	for (int m = 0; m < 2; m++) {
		prom_help(r->out, names[m], "counter", helps[m]);
		for (size_t i = 0; i < t->n; i++) {
			const struct kplock_key *k = kps_table_key(t, i);
			struct row row = {};

			sum_row(r, i, &row);
			prom_esc(owner_of(lock_name(r, k->lock)), own,
				 sizeof(own));
			fprintf(r->out, "%s{lock=\"0x%llx\",owner=\"%s\","
				"site=\"%s\"} %llu\n", names[m],
				(unsigned long long)k->lock, own,
				ksyms_format(k->caller, sym, sizeof(sym)),
				m ? row.contended : row.acquired);
		}
	}
	prom_help(r->out, "kpstat_kp_lock_wait_seconds", "histogram",
		  "Wait of contended KP_SPINLOCK acquisitions");
	for (size_t i = 0, end; i < t->n; i = end) {
		const struct kplock_key *k = kps_table_key(t, i);
		struct row all = {};

		lock_span(t, i, &end);
		for (size_t j = i; j < end; j++)
			sum_row(r, j, &all);
		snprintf(lab, sizeof(lab), "lock=\"0x%llx\",owner=\"%s\"",
			 (unsigned long long)k->lock,
			 prom_esc(owner_of(lock_name(r, k->lock)), own,
				  sizeof(own)));
		prom_hist(r->out, "kpstat_kp_lock_wait_seconds", lab,
			  &all.wait, r->env->us);
	}
}

static void kplock_report(const struct kps_report *r)
{
	switch (r->env->fmt) {
	case FMT_TEXT: report_text(r); break;
	case FMT_JSON: report_json(r); break;
	case FMT_PROM: report_prom(r); break;
	}
}

static void kplock_destroy(void)
{
	kplock_bpf__destroy(skel);
	skel = NULL;
}

const struct kps_collector kplock_collector = {
	.name = "kplock",
	.open = kplock_open,
	.attach = kplock_attach,
	.skeleton = kplock_skeleton,
	.snap = kplock_snap,
	.set_epoch = kplock_set_epoch,
	.errors = kplock_errors,
	.report = kplock_report,
	.destroy = kplock_destroy,
};
