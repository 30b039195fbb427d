// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The column-driven text, JSON and Prometheus writers (see report.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "json.h"
#include "report.h"

/* ---- rows ---------------------------------------------------------- */

void kps_rowset_init(struct kps_rowset *rs, size_t sz)
{
	memset(rs, 0, sizeof(*rs));
	rs->rows.sz = rs->cpus.sz = rs->kids.sz = sz;
}

static void rows_free(struct kps_rows *r)
{
	free(r->v);
	r->v = NULL;
	r->n = r->cap = 0;
}

void kps_rowset_free(struct kps_rowset *rs)
{
	rows_free(&rs->rows);
	rows_free(&rs->cpus);
	rows_free(&rs->kids);
}

void *kps_rows_add(struct kps_rows *r)
{
	struct kps_row *row;

	if (r->n == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 16;
		unsigned char *v = realloc(r->v, cap * r->sz);

		if (!v)
			return NULL;
		r->v = v;
		r->cap = cap;
	}
	row = kps_rows_at(r, r->n++);
	memset(row, 0, r->sz);
	row->cpu = -1;
	return row;
}

int kps_rows_by_key(const struct kps_report *r, struct kps_rowset *rs,
		    size_t nkeys, int ncpus, kps_sum_row_fn sum_row)
{
	for (size_t i = 0; i < nkeys; i++) {
		struct kps_row *row = kps_rows_add(&rs->rows);

		if (!row)
			return -ENOMEM;
		sum_row(r, i, -1, row);
		row->cpu_first = rs->cpus.n;
		for (int cpu = 0; r->env->percpu && cpu < ncpus; cpu++) {
			void *cr = kps_rows_add(&rs->cpus);

			if (!cr)
				return -ENOMEM;
			/* rows and cpus are separate arrays: row stays */
			sum_row(r, i, cpu, cr);
			row->ncpu++;
		}
	}
	return 0;
}

/* ---- columns --------------------------------------------------------- */

static bool col_on(const struct kps_env *e, const struct kps_col *c)
{
	if ((c->flags & C_EXACT) && kps_sampled(e))
		return false;
	if ((c->flags & C_SAMPLED) && !kps_sampled(e))
		return false;
	if ((c->flags & C_ADDR) && !e->show_addresses)
		return false;
	return true;
}

static bool is_table(const struct kps_col *c)
{
	return c->title && c->kind != K_HIST && c->kind != K_LIN;
}

static const void *fld(const void *row, const struct kps_col *c)
{
	return (const char *)row + c->off;
}

static unsigned long long u64_of(const void *row, const struct kps_col *c)
{
	switch (c->kind) {
	case K_INT:
		return (unsigned long long)*(const int *)fld(row, c);
	case K_U32:
		return *(const __u32 *)fld(row, c);
	case K_BOOL:
		return *(const bool *)fld(row, c);
	default:
		return *(const unsigned long long *)fld(row, c);
	}
}

static bool has_cpu_cols(const struct kps_view *v)
{
	for (int i = 0; i < v->ncols; i++)
		if (v->cols[i].flags & C_CPU)
			return true;
	return false;
}

static bool percpu(const struct kps_report *r, const struct kps_view *v)
{
	return r->env->percpu && has_cpu_cols(v);
}

static bool active(const struct kps_view *v, const void *row)
{
	return !v->active || v->active(row);
}

/* ---- text ------------------------------------------------------------ */

static void text_cell(FILE *f, const struct kps_report *r,
		      const struct kps_col *c, const void *row, bool last)
{
	bool us = r->env->us;
	int w = c->width;

	switch (c->kind) {
	case K_STR:
		if ((c->flags & C_LEFT) && last)
			fprintf(f, "%s", (const char *)fld(row, c));
		else if (c->flags & C_LEFT)
			fprintf(f, "%-*.*s", w, w, (const char *)fld(row, c));
		else
			fprintf(f, "%*s", w, (const char *)fld(row, c));
		break;
	case K_INT:
		fprintf(f, "%*d", w, *(const int *)fld(row, c));
		break;
	case K_I64:
		fprintf(f, "%*lld", w, *(const long long *)fld(row, c));
		break;
	case K_BOOL:
		fprintf(f, "%*s", w, *(const bool *)fld(row, c) ? "yes" : "no");
		break;
	case K_TIME:
		fprintf(f, "%*.*f", w, c->prec, kps_ns_to_unit(
			*(const unsigned long long *)fld(row, c), us));
		break;
	case K_MEAN:
		fprintf(f, "%*.*f", w, c->prec, kps_hsum_mean(fld(row, c), us));
		break;
	default:
		fprintf(f, "%*llu", w, u64_of(row, c));
		break;
	}
}

/* The child's column printed under parent column @pc, if it has one. */
static const struct kps_col *child_col(const struct kps_report *r,
				       const struct kps_view *child,
				       const struct kps_col *pc)
{
	for (int i = 0; child && i < child->ncols; i++) {
		const struct kps_col *c = &child->cols[i];

		if (is_table(c) && col_on(r->env, c) &&
		    !strcmp(c->title, pc->title))
			return c;
	}
	return NULL;
}

/*
 * One line of the table: @row under @v's columns, or (@kid) a child row:
 * the child's columns under the parent's titles, the others blank.
 */
static void text_line(const struct kps_report *r, const struct kps_view *v,
		      const void *row, bool kid)
{
	const struct kps_row *h = row;
	bool cpu_col = percpu(r, v), sep = false;
	FILE *f = r->out;
	int last = -1;

	for (int i = 0; i < v->ncols; i++)
		if (is_table(&v->cols[i]) && col_on(r->env, &v->cols[i]))
			last = i;
	for (int i = 0; i <= last; i++) {
		const struct kps_col *c = &v->cols[i];
		const struct kps_col *kc;

		if (!is_table(c) || !col_on(r->env, c))
			continue;
		if (cpu_col && !(c->flags & C_KEY)) {
			if (sep)
				fputc(' ', f);
			if (row)
				fprintf(f, "%5d", h->cpu);
			else
				fprintf(f, "%5s", "CPU");
			sep = true;
			cpu_col = false;
		}
		if (sep)
			fputc(' ', f);
		sep = true;
		if (!row) {
			if (c->flags & C_LEFT)
				fprintf(f, "%-*s", i == last ? 0 : c->width,
					c->title);
			else
				fprintf(f, "%*s", c->width, c->title);
			continue;
		}
		kc = kid ? child_col(r, v->child, c) : c;
		if (kc)
			text_cell(f, r, kc, row, i == last);
		else
			fprintf(f, "%*s", c->width, "");
	}
}

static bool has_times(const struct kps_report *r, const struct kps_view *v)
{
	for (int i = 0; i < v->ncols; i++)
		if ((v->cols[i].kind == K_TIME || v->cols[i].kind == K_MEAN) &&
		    is_table(&v->cols[i]) && col_on(r->env, &v->cols[i]))
			return true;
	return false;
}

static const char *sample_note(const struct kps_report *r, char *buf,
			       size_t len)
{
	*buf = 0;
	if (kps_sampled(r->env))
		snprintf(buf, len, ", sampled 1 in %u batches",
			 r->env->sample);
	return buf;
}

static bool text_hists(const struct kps_report *r, const struct kps_view *v,
		       const void *row)
{
	const struct kps_row *h = row;
	char title[320], note[48];
	bool printed = false;

	sample_note(r, note, sizeof(note));
	for (int i = 0; i < v->ncols; i++) {
		const struct kps_col *c = &v->cols[i];
		const unsigned long long *lin = fld(row, c);
		bool any = false;

		if (!c->title || !col_on(r->env, c))
			continue;
		if (c->kind == K_HIST) {
			const struct kps_hsum *hs = fld(row, c);

			if (!hs->count)
				continue;
			snprintf(title, sizeof(title), "\n%s, %s%s", c->title,
				 h->label, note);
			kps_hist_print(r->out, hs, r->env->us, title);
			printed = true;
		} else if (c->kind == K_LIN) {
			for (int s = 0; s < c->nlin; s++)
				any |= lin[s] != 0;
			if (!any)
				continue;
			fprintf(r->out, "\n%s, %s%s\n", c->title, h->label,
				note);
			kps_lin_print(r->out, lin, c->nlin, c->lin_text[0],
				      c->lin_text[1]);
			printed = true;
		}
	}
	return printed;
}

static bool text_view(const struct kps_report *r, const struct kps_view *v,
		      const struct kps_rowset *rs)
{
	FILE *f = r->out;
	bool printed = false;
	int shown = 0;

	if (v->text_sampled_only && !kps_sampled(r->env))
		return false;
	if (v->title)
		fprintf(f, "%s\n", v->title);
	text_line(r, v, NULL, false);
	if (has_times(r, v))
		fprintf(f, "   (times in %s)", kps_unit_long(r->env->us));
	fputc('\n', f);
	for (size_t i = 0; i < rs->rows.n; i++) {
		const struct kps_row *row = kps_rows_at(&rs->rows, i);

		if (!active(v, row))
			continue;
		if (percpu(r, v)) {
			for (size_t j = 0; j < row->ncpu; j++) {
				const void *cr = kps_rows_at(&rs->cpus,
							     row->cpu_first + j);

				if (!active(v, cr))
					continue;
				text_line(r, v, cr, false);
				fputc('\n', f);
				shown++;
			}
		} else {
			text_line(r, v, row, false);
			fputc('\n', f);
			shown++;
		}
		for (size_t j = 0; v->child && j < row->nkid; j++) {
			const void *kr = kps_rows_at(&rs->kids,
						     row->kid_first + j);

			if (!active(v->child, kr))
				continue;
			text_line(r, v, kr, true);
			fputc('\n', f);
		}
	}
	if (!shown && v->empty)
		fprintf(f, "%s\n", v->empty);
	if (!r->env->hist)
		return false;
	for (size_t i = 0; i < rs->rows.n; i++) {
		const void *row = kps_rows_at(&rs->rows, i);

		if (active(v, row))
			printed |= text_hists(r, v, row);
	}
	if (printed)
		fputc('\n', f);
	return printed;
}

/* ---- JSON ------------------------------------------------------------ */

void jw_hist(struct jw *w, const char *key, const struct kps_hsum *h,
	     bool us, unsigned int sample)
{
	jw_obj(w, key);
	jw_str(w, "unit", kps_unit(us));
	if (sample > 1)
		jw_u64(w, "sample", sample);
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

static void json_lin(struct jw *w, const struct kps_col *c,
		     const unsigned long long *lin)
{
	jw_arr(w, c->json);
	for (int s = 0; s < c->nlin; s++) {
		if (!lin[s])
			continue;
		jw_obj(w, NULL);
		jw_u64(w, c->lin_json[0], s);
		jw_bool(w, "or_more", s == c->nlin - 1);
		jw_u64(w, c->lin_json[1], lin[s]);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static void json_fields(const struct kps_report *r, const struct kps_view *v,
			const void *row, bool cpu_row)
{
	unsigned int sample = kps_sampled(r->env) ? r->env->sample : 1;
	struct jw *w = r->jw;

	for (int i = 0; i < v->ncols; i++) {
		const struct kps_col *c = &v->cols[i];

		if (!c->json || !col_on(r->env, c) ||
		    (cpu_row && !(c->flags & C_CPU)))
			continue;
		switch (c->kind) {
		case K_STR:
			jw_str(w, c->json, fld(row, c));
			break;
		case K_INT:
			jw_i64(w, c->json, *(const int *)fld(row, c));
			break;
		case K_I64:
			jw_i64(w, c->json, *(const long long *)fld(row, c));
			break;
		case K_BOOL:
			jw_bool(w, c->json, *(const bool *)fld(row, c));
			break;
		case K_MEAN:
			jw_dbl(w, c->json, kps_hsum_mean(fld(row, c),
							 r->env->us));
			break;
		case K_HIST:
			jw_hist(w, c->json, fld(row, c), r->env->us, sample);
			break;
		case K_LIN:
			json_lin(w, c, fld(row, c));
			break;
		default:	/* K_U32, K_U64, K_TIME (ns) */
			jw_u64(w, c->json, u64_of(row, c));
			break;
		}
	}
}

static void json_view(const struct kps_report *r, const struct kps_view *v,
		      const struct kps_rowset *rs)
{
	struct jw *w = r->jw;

	jw_arr(w, v->json);
	for (size_t i = 0; i < rs->rows.n; i++) {
		const struct kps_row *row = kps_rows_at(&rs->rows, i);

		jw_obj(w, NULL);
		json_fields(r, v, row, false);
		if (v->child) {
			jw_arr(w, v->child->json);
			for (size_t j = 0; j < row->nkid; j++) {
				jw_obj(w, NULL);
				json_fields(r, v->child, kps_rows_at(&rs->kids,
					    row->kid_first + j), false);
				jw_obj_end(w);
			}
			jw_arr_end(w);
		}
		if (percpu(r, v)) {
			jw_arr(w, "cpus");
			for (size_t j = 0; j < row->ncpu; j++) {
				const struct kps_row *cr = kps_rows_at(&rs->cpus,
							row->cpu_first + j);

				if (!active(v, cr))
					continue;
				jw_obj(w, NULL);
				jw_i64(w, "cpu", cr->cpu);
				json_fields(r, v, cr, true);
				jw_obj_end(w);
			}
			jw_arr_end(w);
		}
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

/* ---- Prometheus ------------------------------------------------------ */

void prom_help(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void prom_esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* name="value",... of @row's key columns; @sep: one was written before */
static bool prom_labels(FILE *f, const struct kps_report *r,
			const struct kps_view *v, const void *row, bool sep)
{
	for (int i = 0; i < v->ncols; i++) {
		const struct kps_col *c = &v->cols[i];

		if (!(c->flags & C_KEY) || !c->prom || !col_on(r->env, c))
			continue;
		fprintf(f, "%s%s=\"", sep ? "," : "", c->prom);
		if (c->kind == K_STR)
			prom_esc(f, fld(row, c));
		else if (c->kind == K_INT)
			fprintf(f, "%d", *(const int *)fld(row, c));
		else
			fprintf(f, "%llu", u64_of(row, c));
		fputc('"', f);
		sep = true;
	}
	return sep;
}

/* The labels of a series: the parent's (@pv, @prow), the row's, a CPU. */
static void prom_series(FILE *f, const struct kps_report *r,
			const char *name, const char *suffix,
			const struct kps_view *pv, const void *prow,
			const struct kps_view *v, const void *row,
			const char *extra)
{
	const struct kps_row *h = row;
	bool sep = false;

	fprintf(f, "%s%s{", name, suffix);
	if (pv)
		sep = prom_labels(f, r, pv, prow, sep);
	sep = prom_labels(f, r, v, row, sep);
	if (h->cpu >= 0) {
		fprintf(f, "%scpu=\"%d\"", sep ? "," : "", h->cpu);
		sep = true;
	}
	if (extra)
		fprintf(f, "%s%s", sep ? "," : "", extra);
	fputs("} ", f);
}

static void prom_value(const struct kps_report *r, const struct kps_col *c,
		       const struct kps_view *pv, const void *prow,
		       const struct kps_view *v, const void *row)
{
	double scale = r->env->us ? 1e-6 : 1e-9;
	unsigned long long acc = 0;
	FILE *f = r->out;
	char le[64];
	int last = -1;

	if (c->kind == K_HIST) {
		const struct kps_hsum *h = fld(row, c);

		for (int i = 0; i < KPS_SLOTS; i++)
			if (h->slots[i])
				last = i;
		/* slot i holds integer unit values up to 2^(i+1)-1 */
		for (int i = 0; i <= last; i++) {
			acc += h->slots[i];
			snprintf(le, sizeof(le), "le=\"%.9g\"",
				 (double)(1ULL << (i + 1)) * scale);
			prom_series(f, r, c->prom, "_bucket", pv, prow, v, row,
				    le);
			fprintf(f, "%llu\n", acc);
		}
		prom_series(f, r, c->prom, "_bucket", pv, prow, v, row,
			    "le=\"+Inf\"");
		fprintf(f, "%llu\n", acc);
		prom_series(f, r, c->prom, "_sum", pv, prow, v, row, NULL);
		fprintf(f, "%.9f\n", h->sum_ns * 1e-9);
		prom_series(f, r, c->prom, "_count", pv, prow, v, row, NULL);
		fprintf(f, "%llu\n", acc);
	} else if (c->kind == K_LIN) {
		const unsigned long long *lin = fld(row, c);

		for (int s = 0; s < c->nlin - 1; s++) {
			acc += lin[s];
			if (!lin[s])
				continue;
			snprintf(le, sizeof(le), "le=\"%d\"", s);
			prom_series(f, r, c->prom, "_bucket", pv, prow, v, row,
				    le);
			fprintf(f, "%llu\n", acc);
		}
		acc += lin[c->nlin - 1];
		prom_series(f, r, c->prom, "_bucket", pv, prow, v, row,
			    "le=\"+Inf\"");
		fprintf(f, "%llu\n", acc);
		prom_series(f, r, c->prom, "_sum", pv, prow, v, row, NULL);
		fprintf(f, "%llu\n", *(const unsigned long long *)
			((const char *)row + c->sum_off));
		prom_series(f, r, c->prom, "_count", pv, prow, v, row, NULL);
		fprintf(f, "%llu\n", acc);
	} else {
		prom_series(f, r, c->prom, "", pv, prow, v, row, NULL);
		if (c->kind == K_I64)
			fprintf(f, "%lld\n", *(const long long *)fld(row, c));
		else
			fprintf(f, "%llu\n", u64_of(row, c));
	}
}

static bool prom_metric(const struct kps_report *r, const struct kps_col *c)
{
	return c->prom && !(c->flags & C_KEY) && col_on(r->env, c);
}

static void prom_help_col(const struct kps_report *r, const struct kps_col *c)
{
	prom_help(r->out, c->prom,
		  c->kind == K_HIST || c->kind == K_LIN ? "histogram" :
		  "counter", c->help ? c->help : c->prom);
}

static void prom_view(const struct kps_report *r, const struct kps_view *v,
		      const struct kps_rowset *rs)
{
	const struct kps_view *k = v->child;

	for (int i = 0; i < v->ncols; i++) {
		const struct kps_col *c = &v->cols[i];

		if (!prom_metric(r, c))
			continue;
		prom_help_col(r, c);
		for (size_t j = 0; j < rs->rows.n; j++) {
			const struct kps_row *row = kps_rows_at(&rs->rows, j);

			if (!(percpu(r, v) && (c->flags & C_CPU))) {
				prom_value(r, c, NULL, NULL, v, row);
				continue;
			}
			for (size_t n = 0; n < row->ncpu; n++) {
				const void *cr = kps_rows_at(&rs->cpus,
							     row->cpu_first + n);

				if (active(v, cr))
					prom_value(r, c, NULL, NULL, v, cr);
			}
		}
	}
	for (int i = 0; k && i < k->ncols; i++) {
		const struct kps_col *c = &k->cols[i];

		if (!prom_metric(r, c))
			continue;
		prom_help_col(r, c);
		for (size_t j = 0; j < rs->rows.n; j++) {
			const struct kps_row *row = kps_rows_at(&rs->rows, j);

			for (size_t n = 0; n < row->nkid; n++)
				prom_value(r, c, v, row, k,
					   kps_rows_at(&rs->kids,
						       row->kid_first + n));
		}
	}
}

bool kps_view_write(const struct kps_report *r, const struct kps_view *v,
		    const struct kps_rowset *rs)
{
	switch (r->env->fmt) {
	case FMT_TEXT:
		return text_view(r, v, rs);
	case FMT_JSON:
		json_view(r, v, rs);
		break;
	case FMT_PROM:
		prom_view(r, v, rs);
		break;
	}
	return false;
}
