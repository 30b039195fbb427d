// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* kplock user side: KP_SPINLOCK contention per lock and call site. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "collector.h"
#include "ksyms.h"
#include "report.h"
#include "kplock.h"
#include "kplock.skel.h"

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

static int kplock_open(struct kps_collector *c, const struct kps_env *env)
{
	struct kplock_bpf *skel = kplock_bpf__open();

	if (!skel)
		return -errno;
	KPS_BIND(c, skel);
	skel->rodata->targ_us = env->us;
	return 0;
}

static int kplock_snap(const struct kps_collector *c,
		       const struct kps_env *env, struct kps_snap *s)
{
	struct kplock_bpf *skel = c->obj;
	int err;

	err = kps_table_read(&s->tab[T_LOCK],
			     bpf_map__fd(skel->maps.kplock_stats),
			     sizeof(struct kplock_key),
			     sizeof(struct kplock_val), env->ncpus, key_cmp,
			     NULL);
	if (err)
		return err;
	return kps_table_read(&s->tab[T_LOCKNAME],
			      bpf_map__fd(skel->maps.kplock_names),
			      sizeof(__u64), sizeof(struct kplock_name), 1,
			      lock_cmp, NULL);
}

/* A lock (the parent rows) or one of its call sites (the children). */
struct row {
	struct kps_row h;
	__u64 lock;
	char owner[KP_OWNER_LEN];
	char site[KSYMS_LEN + 8];	/* call site; of a lock: "init <site>" */
	char init_site[KSYMS_LEN];
	char caller[24];		/* --show-addresses */
	bool live;
	unsigned long long acquired, contended;
	struct kps_hsum wait;
};

/* kps_sum_row_fn: a call site (all CPUs: locks have no per-CPU rows) */
static void sum_row(const struct kps_report *r, size_t i, int cpu, void *p)
{
	struct row *out = p;
	const struct kps_table *t = &r->cur->tab[T_LOCK];
	const struct kps_table *bt = &r->base->tab[T_LOCK];
	const struct kplock_key *k = kps_table_key(t, i);
	long bi = kps_table_find(bt, k);

	out->lock = k->lock;
	ksyms_format(k->caller, out->site, sizeof(out->site),
		     r->env->show_addresses);
	snprintf(out->caller, sizeof(out->caller), "0x%llx",
		 (unsigned long long)k->caller);
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

/* The parent row of @lock: who created it, where. */
static void lock_row(const struct kps_report *r, __u64 lock, struct row *out)
{
	const struct kps_table *nt = &r->cur->tab[T_LOCKNAME];
	long ni = kps_table_find(nt, &lock);
	const struct kplock_name *n = ni >= 0 ? kps_table_val(nt, ni, 0) : NULL;
	char sym[KSYMS_LEN];

	out->lock = lock;
	snprintf(out->owner, sizeof(out->owner), "%s",
		 n && n->owner[0] ? n->owner : "?");
	snprintf(out->h.label, sizeof(out->h.label), "lock %llu (%s)",
		 (unsigned long long)lock, out->owner);
	if (n) {
		ksyms_format(n->init_caller, sym, sizeof(sym),
			     r->env->show_addresses);
		snprintf(out->init_site, sizeof(out->init_site), "%s", sym);
		snprintf(out->site, sizeof(out->site), "init %s", sym);
		snprintf(out->caller, sizeof(out->caller), "0x%llx",
			 (unsigned long long)n->init_caller);
		out->live = n->live;
	} else {
		snprintf(out->init_site, sizeof(out->init_site), "?");
		snprintf(out->site, sizeof(out->site), "(init before kpstat)");
	}
}

static int kplock_rows(const struct kps_collector *c,
		       const struct kps_report *r, int view,
		       struct kps_rowset *rs)
{
	const struct kps_table *t = &r->cur->tab[T_LOCK];

	/* keys are sorted by lock: a run of keys is one lock's call sites */
	for (size_t i = 0; i < t->n;) {
		__u64 lock = ((const struct kplock_key *)
			      kps_table_key(t, i))->lock;
		struct row *row = kps_rows_add(&rs->rows);

		if (!row)
			return -ENOMEM;
		lock_row(r, lock, row);
		row->h.kid_first = rs->kids.n;
		for (; i < t->n && ((const struct kplock_key *)
				    kps_table_key(t, i))->lock == lock; i++) {
			struct row *kid = kps_rows_add(&rs->kids);

			if (!kid)
				return -ENOMEM;
			sum_row(r, i, -1, kid);
			row->acquired += kid->acquired;
			row->contended += kid->contended;
			kps_hsum_merge(&row->wait, &kid->wait);
			row->h.nkid++;
		}
	}
	return 0;
}

static bool active(const void *p)
{
	return ((const struct row *)p)->acquired;
}

#define F(f) offsetof(struct row, f)
#define COUNTS(acq, cont)						\
	{ "ACQUIRED", 10, 0, "acquired", acq,				\
	  "KP_SPINLOCK acquisitions per lock and call site", K_U64, 0,	\
	  F(acquired) },						\
	{ "CONTENDED", 10, 0, "contended", cont,			\
	  "KP_SPINLOCK acquisitions that had to wait", K_U64, 0,	\
	  F(contended) },						\
	{ "WAIT_TOTAL", 12, 3, NULL, NULL, NULL, K_TIME, 0,		\
	  F(wait.sum_ns) },						\
	{ "WAIT_MAX", 12, 3, NULL, NULL, NULL, K_TIME, 0, F(wait.max_ns) }, \
	{ NULL, 0, 0, "wait_total_ns", NULL, NULL, K_U64, 0,		\
	  F(wait.sum_ns) },						\
	{ NULL, 0, 0, "wait_max_ns", NULL, NULL, K_U64, 0, F(wait.max_ns) }

static const struct kps_col site_cols[] = {
	COUNTS("kpstat_kp_lock_acquisitions_total",
	       "kpstat_kp_lock_contended_total"),
	{ "CALL SITE", 0, 0, "site", "site", NULL, K_STR, C_KEY | C_LEFT,
	  F(site) },
	{ NULL, 0, 0, "caller", NULL, NULL, K_STR, C_ADDR, F(caller) },
};

static const struct kps_col lock_cols[] = {
	{ "LOCK", 8, 0, "lock", "lock", NULL, K_U64, C_KEY, F(lock) },
	{ "OWNER", 16, 0, "owner", "owner", NULL, K_STR, C_KEY | C_LEFT,
	  F(owner) },
	COUNTS(NULL, NULL),
	{ "CALL SITE", 0, 0, NULL, NULL, NULL, K_STR, C_LEFT, F(site) },
	{ NULL, 0, 0, "init_site", NULL, NULL, K_STR, 0, F(init_site) },
	{ NULL, 0, 0, "init_caller", NULL, NULL, K_STR, C_ADDR, F(caller) },
	{ NULL, 0, 0, "live", NULL, NULL, K_BOOL, 0, F(live) },
	{ "Wait time of contended acquisitions", 0, 0, "wait",
	  "kpstat_kp_lock_wait_seconds",
	  "Wait of contended KP_SPINLOCK acquisitions", K_HIST, 0, F(wait) },
};
#undef COUNTS
#undef F

static const struct kps_view site_view = {
	.json = "sites", KPS_COLS(site_cols), .rowsz = sizeof(struct row),
	.active = active,
};

static const struct kps_view views[] = {
	{ .json = "locks", .title = "KP_SPINLOCK  (CONTENDED = had to wait)",
	  .empty = "(no KP_SPINLOCK acquisitions)", KPS_COLS(lock_cols),
	  .rowsz = sizeof(struct row), .child = &site_view,
	  .active = active },
};

struct kps_collector kplock_collector = {
	.name = "kplock",
	.open = kplock_open,
	.snap = kplock_snap,
	.table = T_LOCK,
	.rows = kplock_rows,
	.views = views,
	.nviews = 1,
};
