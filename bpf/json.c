// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* A compact one-line JSON writer (see json.h). */
#include <math.h>
#include <string.h>
#include "json.h"

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
