/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* json: a compact one-line JSON writer. */
#ifndef KPS_JSON_H
#define KPS_JSON_H

#include <stdbool.h>
#include <stdio.h>

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

#endif /* KPS_JSON_H */
