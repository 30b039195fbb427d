// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Snapshots.  The BPF maps are cumulative; every report is the difference
 * of two snapshots.  A snapshot reads /proc/interrupts around the maps so
 * that kpstat can print, per IRQ, the /proc/interrupts delta of exactly
 * its own window, and say for which IRQs its counts must equal it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "collector.h"
#include "snap.h"

#define SNAP_ATTEMPTS 8

double kps_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void kps_irqset_add(struct kps_irqset *s, int irq)
{
	int *nv;

	if (kps_irqset_has(s, irq))
		return;
	if (s->n == s->cap) {
		int cap = s->cap ? 2 * s->cap : 16;

		nv = realloc(s->v, cap * sizeof(*nv));
		if (!nv)
			return;		/* the IRQ just stays untracked */
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n++] = irq;
}

bool kps_irqset_has(const struct kps_irqset *s, int irq)
{
	for (int i = 0; i < s->n; i++)
		if (s->v[i] == irq)
			return true;
	return false;
}

void kps_snap_free(struct kps_snap *s)
{
	for (int i = 0; i < T_MAX; i++)
		kps_table_free(&s->tab[i]);
	procirq_free(&s->proc);
	free(s->stable);
	memset(s, 0, sizeof(*s));
}

static int read_all(struct kps_snap *s, struct kps_collector *const *c,
		    int n, const struct kps_env *env)
{
	for (int i = 0; i < n; i++) {
		int err = c[i]->snap(c[i], env, s);

		if (err) {
			fprintf(stderr, "kpstat: reading %s: %s\n", c[i]->name,
				strerror(-err));
			return err;
		}
	}
	return 0;
}

static unsigned long long irq_count(const struct kps_snap *s,
				    struct kps_collector *const *c, int n,
				    int irq)
{
	unsigned long long sum = 0;

	for (int i = 0; i < n; i++)
		if (c[i]->irq_count)
			sum += c[i]->irq_count(s, irq);
	return sum;
}

static unsigned long long proc_total(const struct procirq *p, int irq)
{
	const struct procirq_ent *e = procirq_find(p, irq);

	return e ? e->total : 0;
}

/*
 * /proc/interrupts (P1), maps (M1), 1 ms, maps (M2), /proc/interrupts (P2).
 * An IRQ is "stable" when P1 == P2, M1 == M2 for it and no collector saw
 * it busy (e.g. a DPC still pending): no event was in flight, so M2 and
 * P2 count the same interrupts.  Up to SNAP_ATTEMPTS tries; the one with
 * the most stable IRQs wins.
 */
int kps_snap_take(struct kps_snap *out, struct kps_collector *const *c,
		  int n, const struct kps_env *env, __u64 epoch)
{
	struct kps_snap best = {}, a, m1;
	struct procirq p1;
	bool have_best = false;
	int err = 0;

	for (int att = 0; att < SNAP_ATTEMPTS && !err; att++) {
		struct kps_irqset set = {}, busy = {};
		bool done;

		memset(&a, 0, sizeof(a));
		memset(&m1, 0, sizeof(m1));
		err = procirq_read(&p1, env->ncpus);
		if (err)
			break;
		err = read_all(&m1, c, n, env);
		if (!err) {
			usleep(1000);
			err = read_all(&a, c, n, env);
		}
		if (!err)
			err = procirq_read(&a.proc, env->ncpus);
		if (err) {
			procirq_free(&p1);
			kps_snap_free(&m1);
			kps_snap_free(&a);
			break;
		}
		for (int i = 0; i < n; i++) {
			if (c[i]->track)
				c[i]->track(&a, env, &set);
			if (c[i]->busy)
				c[i]->busy(&m1, &a, &busy);
		}
		a.stable = calloc(set.n + 1, sizeof(int));
		for (int i = 0; a.stable && i < set.n; i++) {
			int irq = set.v[i];

			if (proc_total(&p1, irq) == proc_total(&a.proc, irq) &&
			    irq_count(&m1, c, n, irq) ==
			    irq_count(&a, c, n, irq) &&
			    !kps_irqset_has(&busy, irq))
				a.stable[a.nstable++] = irq;
		}
		done = a.nstable == set.n;
		free(set.v);
		free(busy.v);
		procirq_free(&p1);
		kps_snap_free(&m1);
		if (!have_best || a.nstable > best.nstable) {
			if (have_best)
				kps_snap_free(&best);
			best = a;
			have_best = true;
		} else {
			kps_snap_free(&a);
		}
		if (done)
			break;
	}
	if (err) {
		if (have_best)
			kps_snap_free(&best);
		return err;
	}
	best.t = kps_now();
	best.epoch = epoch;
	*out = best;
	return 0;
}

static bool stable(const struct kps_snap *s, int irq)
{
	for (int i = 0; i < s->nstable; i++)
		if (s->stable[i] == irq)
			return true;
	return false;
}

long long kps_proc_delta(const struct kps_report *r, int irq, int cpu)
{
	const struct procirq_ent *c = procirq_find(&r->cur->proc, irq);
	const struct procirq_ent *b = procirq_find(&r->base->proc, irq);

	if (!c)
		return -1;
	if (cpu >= 0)
		return (long long)(c->cpu[cpu] - (b ? b->cpu[cpu] : 0));
	return (long long)(c->total - (b ? b->total : 0));
}

bool kps_proc_exact(const struct kps_report *r, int irq)
{
	/* an IRQ allocated during the window had nothing in flight at its
	 * start; one freed before its end has no delta */
	return stable(r->cur, irq) && procirq_find(&r->cur->proc, irq) &&
	       (stable(r->base, irq) || !procirq_find(&r->base->proc, irq));
}
