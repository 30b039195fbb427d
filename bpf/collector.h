/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * A collector is one BPF object (or, for the runtime's sysfs counters,
 * none) and what kpstat reads and reports from it.  Only the parts that
 * differ are written per collector: opening the typed skeleton (rodata,
 * autoload), reading its maps into a snapshot, and turning two snapshots
 * into report rows for its views (report.h).  Loading, attaching, epochs,
 * error and recursion counts, pinning and destruction go through libbpf's
 * generic skeleton API, once (collector.c, pin.c).
 */
#ifndef KPS_COLLECTOR_H
#define KPS_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include "kpstat.h"

struct bpf_object_skeleton;
struct kps_snap;
struct kps_report;
struct kps_rowset;
struct kps_irqset;
struct kps_view;

struct kps_collector {
	const char *name;
	/* Opens the skeleton (not loaded), sets rodata and autoload, binds
	 * it with KPS_BIND.  NULL: no BPF object. */
	int  (*open)(struct kps_collector *c, const struct kps_env *env);
	/* Reads the maps (or files) into @s. */
	int  (*snap)(const struct kps_collector *c, const struct kps_env *env,
		     struct kps_snap *s);
	/* The rows of every view: one per key of snapshot table @table,
	 * filled by @sum_row (report.h), with per-CPU rows if @per_cpu; or,
	 * if set, built by @rows (e.g. nested rows). */
	int table;
	void (*sum_row)(const struct kps_report *r, size_t i, int cpu,
			void *out);
	bool per_cpu;
	int  (*rows)(const struct kps_collector *c, const struct kps_report *r,
		     int view, struct kps_rowset *rs);
	/* Optional, for the snapshots' consistency with /proc/interrupts:
	 * the IRQs this collector counts, how many events it has for one,
	 * and the IRQs it saw busy between two reads @a and @b. */
	void (*track)(const struct kps_snap *s, const struct kps_env *env,
		      struct kps_irqset *set);
	unsigned long long (*irq_count)(const struct kps_snap *s, int irq);
	void (*busy)(const struct kps_snap *a, const struct kps_snap *b,
		     struct kps_irqset *set);
	const struct kps_view *views;
	int nviews;

	/* set by KPS_BIND */
	void *obj;				/* the typed skeleton */
	struct bpf_object_skeleton *skel;
	void **bss;				/* &obj->bss (mmapped on load) */
	size_t epoch_off, errors_off;		/* kps.bpf.h's globals in it */
	size_t nerrors;				/* kps_errors[] entries */
};

/* Binds typed skeleton @s (struct <name>_bpf *) to collector @c. */
#define KPS_BIND(c, s) do {						\
	(c)->obj = (s);							\
	(c)->skel = (s)->skeleton;					\
	(c)->bss = (void **)&(s)->bss;					\
	(c)->epoch_off = offsetof(__typeof__(*(s)->bss), kps_epoch);	\
	(c)->errors_off = offsetof(__typeof__(*(s)->bss), kps_errors);	\
	(c)->nerrors = sizeof((s)->bss->kps_errors) /			\
		       sizeof((s)->bss->kps_errors[0]);			\
} while (0)

/* Opens, loads and attaches every collector; 0 or -1 (message printed). */
int kps_collectors_start(struct kps_collector *const *c, int n,
			 const struct kps_env *env);
void kps_collectors_stop(struct kps_collector *const *c, int n);
/* The rows of c->views[@view] for report @r; 0 or -errno. */
int kps_collector_rows(const struct kps_collector *c,
		       const struct kps_report *r, int view,
		       struct kps_rowset *rs);
void kps_collectors_set_epoch(struct kps_collector *const *c, int n,
			      unsigned long long epoch);
/* Events lost because a map was full. */
unsigned long long kps_collectors_errors(struct kps_collector *const *c,
					 int n);
/* Runs the kernel skipped because the program was already running there. */
unsigned long long kps_collectors_misses(struct kps_collector *const *c,
					 int n);

extern struct kps_collector kpbatch_collector, kplock_collector,
	kpsysfs_collector, allirqs_collector;

#endif /* KPS_COLLECTOR_H */
