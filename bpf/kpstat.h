/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* kpstat: the options every part reads (set once by kpstat.c). */
#ifndef KPSTAT_H
#define KPSTAT_H

#include <stdbool.h>

#define KPS_PIN_DIR "/sys/fs/bpf/kp"

enum kps_fmt { FMT_TEXT, FMT_JSON, FMT_PROM };

struct kps_env {
	bool all_irqs;		/* generic mode (--all-irqs) */
	bool percpu;		/* -C */
	bool us;		/* histogram unit: usecs (default) or nsecs (-N) */
	bool hist;		/* print histograms in text mode */
	bool verbose;
	bool show_addresses;	/* --show-addresses: raw kernel addresses too */
	enum kps_fmt fmt;
	int dev_minor;		/* -d: tracepoint dev, -1 = all */
	const char *dev_name;
	int irq;		/* --irq: IRQ filter of --all-irqs, -1 = all */
	int ncpus;		/* possible CPUs */
	unsigned int sample;	/* kp mode: one kp_irq_batch in N fires */
};

/* Counts are the runtime's (sysfs) and the histograms statistical. */
static inline bool kps_sampled(const struct kps_env *env)
{
	return !env->all_irqs && env->sample > 1;
}

#endif /* KPSTAT_H */
