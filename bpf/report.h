/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* report: histogram arithmetic and the text / JSON / Prometheus writers. */
#ifndef KPS_REPORT_H
#define KPS_REPORT_H

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

/* Compact one-line JSON writer. */
struct jw {
	FILE *f;
	int depth;
	bool need_comma[32];
};

void jw_start(struct jw *w, FILE *f);
void jw_end(struct jw *w);		/* newline after the top value */
void jw_obj(struct jw *w, const char *key);	/* key NULL in arrays */
void jw_obj_end(struct jw *w);
void jw_arr(struct jw *w, const char *key);
void jw_arr_end(struct jw *w);
void jw_u64(struct jw *w, const char *key, unsigned long long v);
void jw_i64(struct jw *w, const char *key, long long v);
void jw_dbl(struct jw *w, const char *key, double v);
void jw_str(struct jw *w, const char *key, const char *s);
void jw_bool(struct jw *w, const char *key, bool v);
/* {"count","sum_ns","mean","max_ns","max","p50","p99","buckets":[...]} */
void jw_hist(struct jw *w, const char *key, const struct kps_hsum *h, bool us);

/* Prometheus text format (node_exporter textfile collector). */
void prom_help(FILE *f, const char *name, const char *type, const char *help);
/* name_bucket{labels,le=...}, name_sum (seconds), name_count */
void prom_hist(FILE *f, const char *name, const char *labels,
	       const struct kps_hsum *h, bool us);
/* Escapes a label value into @buf. */
const char *prom_esc(const char *s, char *buf, int len);

#endif /* KPS_REPORT_H */
