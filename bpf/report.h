/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * report: the text, JSON and Prometheus writers, driven by column
 * descriptors.  A collector describes each of its views (a table: kp
 * interrupts, DPCs, locks, ...) as a list of columns naming a field of its
 * row struct and where the field goes: a text column, a JSON key, a
 * Prometheus metric or label, a histogram.  It then only builds rows.
 */
#ifndef KPS_REPORT_H
#define KPS_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include "hist.h"
#include "snap.h"

enum kps_kind {
	K_STR,		/* char[] */
	K_INT,		/* int */
	K_U32,		/* __u32 */
	K_U64,		/* __u64 / unsigned long long: a count */
	K_I64,		/* long long */
	K_BOOL,		/* bool */
	K_TIME,		/* unsigned long long ns, shown in the unit */
	K_MEAN,		/* struct kps_hsum: its mean, in the unit */
	K_HIST,		/* struct kps_hsum: a log2 histogram */
	K_LIN,		/* unsigned long long[nlin]: a linear distribution */
};

/* column flags */
#define C_KEY		0x01	/* names the row: Prometheus label, text
				   columns before CPU, blank in child rows */
#define C_CPU		0x02	/* in per-CPU rows too (-C) */
#define C_EXACT		0x04	/* an exact count: not when sampling */
#define C_SAMPLED	0x08	/* only when sampling */
#define C_ADDR		0x10	/* only with --show-addresses */
#define C_LEFT		0x20	/* text: left-aligned */

struct kps_col {
	const char *title;	/* text column (K_HIST/K_LIN: the heading) */
	int width;		/* text width */
	int prec;		/* text decimals (K_TIME, K_MEAN) */
	const char *json;	/* JSON key */
	const char *prom;	/* Prometheus metric (C_KEY: label name) */
	const char *help;	/* Prometheus HELP */
	enum kps_kind kind;
	unsigned int flags;
	size_t off;		/* offsetof(row struct, field) */
	/* K_LIN: entries; the field holding their sum (Prometheus _sum);
	 * names of value and count in text and JSON */
	int nlin;
	size_t sum_off;
	const char *lin_text[2], *lin_json[2];
};

/* Every row struct starts with this. */
struct kps_row {
	char label[128];	/* text: "<col title>, <label>" above histograms */
	int cpu;		/* -1: summed over CPUs */
	size_t cpu_first, ncpu;	/* its per-CPU rows in kps_rowset.cpus */
	size_t kid_first, nkid;	/* its child rows in kps_rowset.kids */
};

struct kps_rows {
	unsigned char *v;
	size_t n, cap, sz;	/* sz: the row struct's size */
};

struct kps_rowset {
	struct kps_rows rows, cpus, kids;
};

struct kps_view {
	const char *json;		/* JSON array key */
	const char *title;		/* text: line above the table, or NULL */
	const char *empty;		/* text: no row has events */
	const struct kps_col *cols;
	int ncols;
	size_t rowsz;			/* the row struct (its children's too) */
	const struct kps_view *child;	/* rows under each row */
	bool (*active)(const void *row);	/* has events (text, -C) */
	bool text_sampled_only;		/* text only when sampling */
};

#define KPS_COLS(a) .cols = (a), .ncols = (int)(sizeof(a) / sizeof((a)[0]))

void kps_rowset_init(struct kps_rowset *rs, size_t sz);
void kps_rowset_free(struct kps_rowset *rs);
/* A zeroed row appended to @r (cpu -1), or NULL. */
void *kps_rows_add(struct kps_rows *r);

/*
 * Every collector's sum_row: fills the zeroed row @out with key @i of the
 * report's table, summed over CPUs (@cpu -1) or of one CPU.
 */
typedef void (*kps_sum_row_fn)(const struct kps_report *r, size_t i,
			       int cpu, void *out);
/* One row per key, each with its @ncpus per-CPU rows when -C (0: none). */
int kps_rows_by_key(const struct kps_report *r, struct kps_rowset *rs,
		    size_t nkeys, int ncpus, kps_sum_row_fn sum_row);

static inline void *kps_rows_at(const struct kps_rows *r, size_t i)
{
	return r->v + i * r->sz;
}

/*
 * Writes one view's rows in r->env->fmt.  Text: returns true if it
 * printed a histogram (kpstat adds the p50/p99 note once).
 */
bool kps_view_write(const struct kps_report *r, const struct kps_view *v,
		    const struct kps_rowset *rs);

/* For the report's frame (kpstat.c). */
void prom_help(FILE *f, const char *name, const char *type,
	       const char *help);
void jw_hist(struct jw *w, const char *key, const struct kps_hsum *h,
	     bool us, unsigned int sample);

#endif /* KPS_REPORT_H */
