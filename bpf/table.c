// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copies a BPF hash map into a sorted array (see table.h). */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "table.h"

static kps_cmp_fn sort_cmp;
static size_t sort_ksz;

static int idx_cmp(const void *a, const void *b, void *keys)
{
	const unsigned char *k = keys;

	return sort_cmp(k + *(const size_t *)a * sort_ksz,
			k + *(const size_t *)b * sort_ksz);
}

int kps_table_read(struct kps_table *t, int fd, size_t ksz, size_t vsz,
		   int ncpus, kps_cmp_fn cmp)
{
	size_t cap = 64, n = 0, vstride = (vsz + 7) & ~(size_t)7;
	size_t row = vstride * ncpus;
	unsigned char *keys, *vals, *prev, *cur;
	bool have_prev = false;
	int ret;
	unsigned char *skeys = NULL, *svals = NULL;
	size_t *idx = NULL;
	int err = 0;

	memset(t, 0, sizeof(*t));
	keys = malloc(cap * ksz);
	vals = malloc(cap * row);
	cur = malloc(ksz);
	prev = malloc(ksz);
	if (!keys || !vals || !cur || !prev) {
		err = -ENOMEM;
		goto out;
	}
	while ((ret = bpf_map_get_next_key(fd, have_prev ? prev : NULL,
					   cur)) == 0) {
		if (n == cap) {
			unsigned char *nk, *nv;

			cap *= 2;
			nk = realloc(keys, cap * ksz);
			if (nk)
				keys = nk;
			nv = realloc(vals, cap * row);
			if (nv)
				vals = nv;
			if (!nk || !nv) {
				err = -ENOMEM;
				goto out;
			}
		}
		memcpy(keys + n * ksz, cur, ksz);
		if (bpf_map_lookup_elem(fd, cur, vals + n * row) == 0)
			n++;	/* else deleted meanwhile: skip it */
		memcpy(prev, cur, ksz);
		have_prev = true;
	}
	if (ret != -ENOENT) {
		err = ret < 0 ? ret : -EIO;
		goto out;
	}

	/* sort through an index: values rows are large */
	idx = malloc((n ? n : 1) * sizeof(*idx));
	skeys = malloc((n ? n : 1) * ksz);
	svals = malloc((n ? n : 1) * row);
	if (!idx || !skeys || !svals) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	sort_cmp = cmp;
	sort_ksz = ksz;
	qsort_r(idx, n, sizeof(*idx), idx_cmp, keys);
	for (size_t i = 0; i < n; i++) {
		memcpy(skeys + i * ksz, keys + idx[i] * ksz, ksz);
		memcpy(svals + i * row, vals + idx[i] * row, row);
	}
	t->ksz = ksz;
	t->vsz = vsz;
	t->vstride = vstride;
	t->ncpus = ncpus;
	t->n = n;
	t->keys = skeys;
	t->vals = svals;
	t->cmp = cmp;
	skeys = svals = NULL;
out:
	free(idx);
	free(skeys);
	free(svals);
	free(keys);
	free(vals);
	free(cur);
	free(prev);
	return err;
}

void kps_table_free(struct kps_table *t)
{
	free(t->keys);
	free(t->vals);
	memset(t, 0, sizeof(*t));
}

long kps_table_find(const struct kps_table *t, const void *key)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = t->cmp(key, kps_table_key(t, mid));

		if (!c)
			return mid;
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}
