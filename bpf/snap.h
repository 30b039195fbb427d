/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * snap: one reading of every collector's maps with /proc/interrupts taken
 * around it, and what a report covers (the difference of two readings).
 */
#ifndef KPS_SNAP_H
#define KPS_SNAP_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "kpstat.h"
#include "procirq.h"
#include "table.h"

struct kps_collector;
struct jw;

/* The tables of a snapshot, one or two per collector. */
enum { T_BATCH, T_LOCK, T_LOCKNAME, T_DEV, T_ALL, T_MAX };

struct kps_snap {
	double t;			/* CLOCK_MONOTONIC seconds */
	__u64 epoch;			/* epoch the maps were written under */
	struct kps_table tab[T_MAX];
	struct procirq proc;
	int nstable;
	int *stable;			/* IRQs no event was in flight for */
};

/* A set of IRQ numbers. */
struct kps_irqset {
	int n, cap;
	int *v;
};

void kps_irqset_add(struct kps_irqset *s, int irq);
bool kps_irqset_has(const struct kps_irqset *s, int irq);

/*
 * Reads every collector into @out under @epoch (see snap.c for how it is
 * made consistent with /proc/interrupts).  0 or -errno (message printed).
 */
int kps_snap_take(struct kps_snap *out, struct kps_collector *const *c,
		  int n, const struct kps_env *env, __u64 epoch);
void kps_snap_free(struct kps_snap *s);
double kps_now(void);

/* What a report covers: cur minus base. */
struct kps_report {
	const struct kps_env *env;
	const struct kps_snap *cur, *base;
	bool total;			/* base is the first snapshot */
	__u64 epoch;			/* 0 for totals: all-time maxima */
	double secs;
	FILE *out;
	struct jw *jw;			/* FMT_JSON */
};

/* /proc/interrupts delta of @irq over the report (@cpu -1: all CPUs). */
long long kps_proc_delta(const struct kps_report *r, int irq, int cpu);
/* True if both ends of the report read @irq while it was quiet. */
bool kps_proc_exact(const struct kps_report *r, int irq);

#endif /* KPS_SNAP_H */
