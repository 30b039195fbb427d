/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* kpstat: options, snapshots and the report context shared by the parts. */
#ifndef KPSTAT_H
#define KPSTAT_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "procirq.h"
#include "report.h"
#include "table.h"

#define KPS_PIN_DIR "/sys/fs/bpf/kp"

enum kps_fmt { FMT_TEXT, FMT_JSON, FMT_PROM };

struct kps_env {
	bool all_irqs;		/* generic mode (--all-irqs) */
	bool percpu;		/* -C */
	bool us;		/* histogram unit: usecs (default) or nsecs (-N) */
	bool hist;		/* print histograms in text mode */
	bool verbose;
	bool have_sched;	/* the runtime has kp:kp_dpc_schedule */
	enum kps_fmt fmt;
	int dev_minor;		/* -d: tracepoint dev, -1 = all */
	const char *dev_name;
	int irq;		/* --irq: IRQ filter of --all-irqs, -1 = all */
	int ncpus;		/* possible CPUs */
};

/* One reading of every map, with /proc/interrupts taken around it. */
enum { T_IRQ, T_DPC, T_LOCK, T_LOCKNAME, T_ALL, T_MAX };

struct kps_snap {
	double t;			/* CLOCK_MONOTONIC seconds */
	__u64 epoch;			/* epoch the maps were written under */
	struct kps_table tab[T_MAX];
	struct procirq proc;
	int nstable;
	int *stable;			/* IRQs whose count did not move */
};

bool kps_snap_stable(const struct kps_snap *s, int irq);

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

/* The collectors (one BPF object each): kpirq.c, kpdpc.c, kplock.c, allirqs.c */
struct bpf_object_skeleton;
struct kps_collector {
	const char *name;
	int  (*open)(const struct kps_env *env);	/* open, configure, load */
	int  (*attach)(void);
	struct bpf_object_skeleton *(*skeleton)(void);
	int  (*snap)(struct kps_snap *s);		/* read the maps */
	void (*set_epoch)(__u64 epoch);
	unsigned long long (*errors)(void);		/* failed map inserts */
	void (*report)(const struct kps_report *r);
	void (*destroy)(void);
};

extern const struct kps_collector kpirq_collector, kpdpc_collector,
	kplock_collector, allirqs_collector;

/* IRQ -> events counted, used to check snapshot consistency. */
unsigned long long kpirq_irq_count(const struct kps_table *t, int irq);
unsigned long long allirqs_irq_count(const struct kps_table *t, int irq);

/* pin.c */
int kps_pin(const struct kps_collector *const *c, int n);
int kps_unpin(void);

#endif /* KPSTAT_H */
