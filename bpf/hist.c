// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Histogram arithmetic and the text histograms (see hist.h). */
#include <math.h>
#include <string.h>
#include "hist.h"

void kps_hsum_add(struct kps_hsum *out, const struct kps_hist *cur,
		  const struct kps_hist *base, __u64 epoch)
{
	unsigned long long n = cur->count - (base ? base->count : 0), m;

	out->count += n;
	out->sum_ns += cur->sum_ns - (base ? base->sum_ns : 0);
	for (int i = 0; i < KPS_SLOTS; i++)
		out->slots[i] += cur->slots[i] - (base ? base->slots[i] : 0);
	if (!n)
		return;		/* no event of this CPU in the window */
	/*
	 * Interval: the maximum of the epoch kpstat set for it.  An event that
	 * landed between the previous snapshot and the epoch switch carries
	 * the previous epoch: its maximum is then an upper bound.
	 */
	if (epoch)
		m = cur->epoch == epoch || cur->epoch + 1 == epoch ?
			cur->imax_ns : cur->max_ns;
	else
		m = cur->max_ns;
	if (m > out->max_ns)
		out->max_ns = m;
}

void kps_hsum_merge(struct kps_hsum *out, const struct kps_hsum *h)
{
	out->count += h->count;
	out->sum_ns += h->sum_ns;
	if (h->max_ns > out->max_ns)
		out->max_ns = h->max_ns;
	for (int i = 0; i < KPS_SLOTS; i++)
		out->slots[i] += h->slots[i];
}

const char *kps_unit_long(bool us)
{
	return us ? "usecs" : "nsecs";
}

const char *kps_unit(bool us)
{
	return us ? "us" : "ns";
}

double kps_ns_to_unit(unsigned long long ns, bool us)
{
	return us ? ns / 1000.0 : (double)ns;
}

double kps_hsum_mean(const struct kps_hsum *h, bool us)
{
	return h->count ? kps_ns_to_unit(h->sum_ns, us) / h->count : 0;
}

double kps_hsum_pct(const struct kps_hsum *h, double p, bool us)
{
	unsigned long long total = 0, acc = 0, rank;
	double max = kps_ns_to_unit(h->max_ns, us);

	for (int i = 0; i < KPS_SLOTS; i++)
		total += h->slots[i];
	if (!total)
		return 0;
	rank = (unsigned long long)ceil(p * total);
	if (!rank)
		rank = 1;
	for (int i = 0; i < KPS_SLOTS; i++) {
		acc += h->slots[i];
		if (acc >= rank) {
			double hi = (double)((1ULL << (i + 1)) - 1);

			/* max may be 0 for an interval missing its maximum */
			return max > 0 && max < hi ? max : hi;
		}
	}
	return max;
}

static void bar(FILE *f, unsigned long long v, unsigned long long vmax,
		int width)
{
	int n = vmax ? (int)((v * width + vmax - 1) / vmax) : 0;

	fputc('|', f);
	for (int i = 0; i < width; i++)
		fputc(i < n ? '*' : ' ', f);
	fputc('|', f);
}

void kps_hist_print(FILE *f, const struct kps_hsum *h, bool us,
		    const char *title)
{
	const char *u = kps_unit(us);
	unsigned long long vmax = 0;
	int first = -1, last = -1;

	fprintf(f, "%s: count %llu, mean %.3f %s, max %.3f %s, "
		"p50 <= %.0f %s, p99 <= %.0f %s\n", title, h->count,
		kps_hsum_mean(h, us), u, kps_ns_to_unit(h->max_ns, us), u,
		kps_hsum_pct(h, 0.50, us), u, kps_hsum_pct(h, 0.99, us), u);
	for (int i = 0; i < KPS_SLOTS; i++) {
		if (!h->slots[i])
			continue;
		if (first < 0)
			first = i;
		last = i;
		if (h->slots[i] > vmax)
			vmax = h->slots[i];
	}
	if (first < 0)
		return;
	fprintf(f, "%12s%17s : count    distribution\n", kps_unit_long(us),
		"");
	for (int i = first; i <= last; i++) {
		unsigned long long lo = i ? 1ULL << i : 0;
		unsigned long long hi = (1ULL << (i + 1)) - 1;

		fprintf(f, "%12llu -> %-12llu : %-8llu ", lo, hi, h->slots[i]);
		bar(f, h->slots[i], vmax, 40);
		fputc('\n', f);
	}
}

void kps_lin_print(FILE *f, const unsigned long long *slots, int n,
		   const char *vname, const char *cname)
{
	unsigned long long vmax = 0;

	for (int i = 0; i < n; i++)
		if (slots[i] > vmax)
			vmax = slots[i];
	if (!vmax)
		return;
	fprintf(f, "%12s : %-8s distribution\n", vname, cname);
	for (int i = 0; i < n; i++) {
		char lab[24];

		if (!slots[i])
			continue;
		snprintf(lab, sizeof(lab), i == n - 1 ? ">= %d" : "%d", i);
		fprintf(f, "%12s : %-8llu ", lab, slots[i]);
		bar(f, slots[i], vmax, 40);
		fputc('\n', f);
	}
}
