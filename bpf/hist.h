/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* hist: histograms summed over CPUs and an interval, and their text form. */
#ifndef KPS_HIST_SUM_H
#define KPS_HIST_SUM_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "kps_hist.h"

/* A histogram summed over CPUs and over an interval. */
struct kps_hsum {
	unsigned long long count;
	unsigned long long sum_ns;
	unsigned long long max_ns;
	unsigned long long slots[KPS_SLOTS];
};

/*
 * Adds one CPU's @cur minus @base (NULL: zero) into @out.  @epoch 0 takes
 * the all-time maximum (of CPUs with events in the window), else the
 * maximum of that epoch (an interval).
 */
void kps_hsum_add(struct kps_hsum *out, const struct kps_hist *cur,
		  const struct kps_hist *base, __u64 epoch);
/* Adds a summed histogram into another (a lock = its call sites). */
void kps_hsum_merge(struct kps_hsum *out, const struct kps_hsum *h);
double kps_hsum_mean(const struct kps_hsum *h, bool us);
/* Upper bound of the log2 bucket holding the p-quantile, capped at max. */
double kps_hsum_pct(const struct kps_hsum *h, double p, bool us);

/* Unit helpers: "usecs"/"nsecs", "us"/"ns", ns -> unit. */
const char *kps_unit_long(bool us);
const char *kps_unit(bool us);
double kps_ns_to_unit(unsigned long long ns, bool us);

/* Text: summary line and log2 bars. */
void kps_hist_print(FILE *f, const struct kps_hsum *h, bool us,
		    const char *title);
/* Linear distribution (dwCount): slot i = value i, the last one ">=". */
void kps_lin_print(FILE *f, const unsigned long long *slots, int n,
		   const char *vname, const char *cname);

#endif /* KPS_HIST_SUM_H */
