// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Histogram arithmetic and output writers (see report.h). */
#include <math.h>
#include <string.h>
#include "report.h"

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

/* ---- JSON ---------------------------------------------------------- */

void jw_start(struct jw *w, FILE *f)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
}

void jw_end(struct jw *w)
{
	fputc('\n', w->f);
	fflush(w->f);
}

static void jw_raw_str(struct jw *w, const char *s)
{
	fputc('"', w->f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p == '"' || *p == '\\')
			fprintf(w->f, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(w->f, "\\u%04x", *p);
		else
			fputc(*p, w->f);
	}
	fputc('"', w->f);
}

static void jw_sep(struct jw *w, const char *key)
{
	if (w->need_comma[w->depth])
		fputc(',', w->f);
	w->need_comma[w->depth] = true;
	if (key) {
		jw_raw_str(w, key);
		fputc(':', w->f);
	}
}

static void jw_open(struct jw *w, const char *key, char c)
{
	jw_sep(w, key);
	fputc(c, w->f);
	if (w->depth < 31)
		w->depth++;
	w->need_comma[w->depth] = false;
}

void jw_obj(struct jw *w, const char *key) { jw_open(w, key, '{'); }
void jw_arr(struct jw *w, const char *key) { jw_open(w, key, '['); }

void jw_obj_end(struct jw *w)
{
	w->depth--;
	fputc('}', w->f);
}

void jw_arr_end(struct jw *w)
{
	w->depth--;
	fputc(']', w->f);
}

void jw_u64(struct jw *w, const char *key, unsigned long long v)
{
	jw_sep(w, key);
	fprintf(w->f, "%llu", v);
}

void jw_i64(struct jw *w, const char *key, long long v)
{
	jw_sep(w, key);
	fprintf(w->f, "%lld", v);
}

void jw_dbl(struct jw *w, const char *key, double v)
{
	jw_sep(w, key);
	if (isfinite(v))
		fprintf(w->f, "%.6g", v);
	else
		fputs("null", w->f);
}

void jw_bool(struct jw *w, const char *key, bool v)
{
	jw_sep(w, key);
	fputs(v ? "true" : "false", w->f);
}

void jw_str(struct jw *w, const char *key, const char *s)
{
	jw_sep(w, key);
	jw_raw_str(w, s);
}

void jw_hist(struct jw *w, const char *key, const struct kps_hsum *h, bool us)
{
	jw_obj(w, key);
	jw_str(w, "unit", kps_unit(us));
	jw_u64(w, "count", h->count);
	jw_u64(w, "sum_ns", h->sum_ns);
	jw_dbl(w, "mean", kps_hsum_mean(h, us));
	jw_u64(w, "max_ns", h->max_ns);
	jw_dbl(w, "max", kps_ns_to_unit(h->max_ns, us));
	jw_dbl(w, "p50", kps_hsum_pct(h, 0.50, us));
	jw_dbl(w, "p99", kps_hsum_pct(h, 0.99, us));
	jw_arr(w, "buckets");
	for (int i = 0; i < KPS_SLOTS; i++) {
		if (!h->slots[i])
			continue;
		jw_obj(w, NULL);
		jw_u64(w, "lo", i ? 1ULL << i : 0);
		jw_u64(w, "hi", (1ULL << (i + 1)) - 1);
		jw_u64(w, "count", h->slots[i]);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
}

/* ---- Prometheus ---------------------------------------------------- */

void prom_help(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void prom_hist(FILE *f, const char *name, const char *labels,
	       const struct kps_hsum *h, bool us)
{
	unsigned long long acc = 0;
	double scale = us ? 1e-6 : 1e-9;
	int last = -1;

	for (int i = 0; i < KPS_SLOTS; i++)
		if (h->slots[i])
			last = i;
	/* slot i holds integer unit values up to 2^(i+1)-1: le = 2^(i+1) */
	for (int i = 0; i <= last; i++) {
		acc += h->slots[i];
		fprintf(f, "%s_bucket{%s%sle=\"%.9g\"} %llu\n", name, labels,
			*labels ? "," : "", (double)(1ULL << (i + 1)) * scale,
			acc);
	}
	fprintf(f, "%s_bucket{%s%sle=\"+Inf\"} %llu\n", name, labels,
		*labels ? "," : "", acc);
	fprintf(f, "%s_sum{%s} %.9f\n", name, labels, h->sum_ns * 1e-9);
	fprintf(f, "%s_count{%s} %llu\n", name, labels, acc);
}

const char *prom_esc(const char *s, char *buf, int len)
{
	int o = 0;

	for (; *s && o < len - 2; s++) {
		if (*s == '"' || *s == '\\' || *s == '\n') {
			buf[o++] = '\\';
			buf[o++] = *s == '\n' ? 'n' : *s;
		} else {
			buf[o++] = *s;
		}
	}
	buf[o] = 0;
	return buf;
}
