/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* table: a copy of one BPF hash map (per-CPU or not), sorted by key. */
#ifndef KPS_TABLE_H
#define KPS_TABLE_H

#include <stddef.h>

typedef int (*kps_cmp_fn)(const void *a, const void *b);

struct kps_table {
	size_t ksz;		/* key size */
	size_t vsz;		/* value size (one CPU's) */
	size_t vstride;		/* vsz rounded up to 8, as the kernel copies */
	int ncpus;		/* values per key: possible CPUs, or 1 */
	size_t n;		/* keys */
	unsigned char *keys;	/* n * ksz, sorted with cmp */
	unsigned char *vals;	/* n * ncpus * vstride */
	kps_cmp_fn cmp;
};

/* Reads map @fd; @ncpus is 1 for a shared map.  Returns 0 or -errno. */
int kps_table_read(struct kps_table *t, int fd, size_t ksz, size_t vsz,
		   int ncpus, kps_cmp_fn cmp);
void kps_table_free(struct kps_table *t);

static inline const void *kps_table_key(const struct kps_table *t, size_t i)
{
	return t->keys + i * t->ksz;
}

static inline const void *kps_table_val(const struct kps_table *t, size_t i,
					int cpu)
{
	return t->vals + (i * t->ncpus + cpu) * t->vstride;
}

/* Index of @key or -1. */
long kps_table_find(const struct kps_table *t, const void *key);

#endif /* KPS_TABLE_H */
