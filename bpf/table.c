// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Copies of BPF maps as sorted arrays (see table.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "table.h"

void kps_table_init(struct kps_table *t, size_t ksz, size_t vsz, int ncpus,
		    kps_cmp_fn cmp)
{
	memset(t, 0, sizeof(*t));
	t->ksz = ksz;
	t->vsz = vsz;
	t->vstride = (vsz + 7) & ~(size_t)7;
	t->ncpus = ncpus;
	t->cmp = cmp;
}

static size_t row_size(const struct kps_table *t)
{
	return t->vstride * t->ncpus;
}

/* Room for one more key. */
static int grow(struct kps_table *t)
{
	size_t cap = t->cap ? 2 * t->cap : 16;
	unsigned char *k, *v;

	if (t->n < t->cap)
		return 0;
	k = realloc(t->keys, cap * t->ksz);
	if (!k)
		return -ENOMEM;
	t->keys = k;
	v = realloc(t->vals, cap * row_size(t));
	if (!v)
		return -ENOMEM;
	t->vals = v;
	t->cap = cap;
	return 0;
}

static void *append(struct kps_table *t, const void *key)
{
	void *v;

	if (grow(t))
		return NULL;
	memcpy(t->keys + t->n * t->ksz, key, t->ksz);
	v = t->vals + t->n * row_size(t);
	memset(v, 0, row_size(t));
	t->n++;
	return v;
}

void *kps_table_get(struct kps_table *t, const void *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (!memcmp(kps_table_key(t, i), key, t->ksz))
			return kps_table_val(t, i, 0);
	return append(t, key);
}

static kps_cmp_fn sort_cmp;
static size_t sort_ksz;

static int idx_cmp(const void *a, const void *b, void *keys)
{
	const unsigned char *k = keys;

	return sort_cmp(k + *(const size_t *)a * sort_ksz,
			k + *(const size_t *)b * sort_ksz);
}

int kps_table_sort(struct kps_table *t)
{
	size_t n = t->n, row = row_size(t), *idx;
	unsigned char *keys, *vals;

	idx = malloc((n ? n : 1) * sizeof(*idx));
	keys = malloc((n ? n : 1) * t->ksz);
	vals = malloc((n ? n : 1) * row);
	if (!idx || !keys || !vals) {
		free(idx);
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	/* through an index: value rows are large */
	for (size_t i = 0; i < n; i++)
		idx[i] = i;
	sort_cmp = t->cmp;
	sort_ksz = t->ksz;
	qsort_r(idx, n, sizeof(*idx), idx_cmp, t->keys);
	for (size_t i = 0; i < n; i++) {
		memcpy(keys + i * t->ksz, t->keys + idx[i] * t->ksz, t->ksz);
		memcpy(vals + i * row, t->vals + idx[i] * row, row);
	}
	free(idx);
	free(t->keys);
	free(t->vals);
	t->keys = keys;
	t->vals = vals;
	t->cap = n;
	return 0;
}

int kps_table_read(struct kps_table *t, int fd, size_t ksz, size_t vsz,
		   int ncpus, kps_cmp_fn cmp, kps_keep_fn keep)
{
	unsigned char *cur, *prev, *v;
	bool have_prev = false;
	int ret, err = 0;

	kps_table_init(t, ksz, vsz, ncpus, cmp);
	cur = malloc(ksz);
	prev = malloc(ksz);
	if (!cur || !prev) {
		err = -ENOMEM;
		goto out;
	}
	while ((ret = bpf_map_get_next_key(fd, have_prev ? prev : NULL,
					   cur)) == 0) {
		memcpy(prev, cur, ksz);
		have_prev = true;
		v = append(t, cur);
		if (!v) {
			err = -ENOMEM;
			goto out;
		}
		/* deleted meanwhile, or not worth keeping: drop it again */
		if (bpf_map_lookup_elem(fd, cur, v) ||
		    (keep && !keep(v, ncpus, t->vstride)))
			t->n--;
	}
	if (ret != -ENOENT)
		err = ret < 0 ? ret : -EIO;
	else
		err = kps_table_sort(t);
out:
	free(cur);
	free(prev);
	if (err)
		kps_table_free(t);
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
