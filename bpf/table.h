/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* table: a copy of one BPF map (per-CPU or not), sorted by key. */
#ifndef KPS_TABLE_H
#define KPS_TABLE_H

#include <stdbool.h>
#include <stddef.h>

typedef int (*kps_cmp_fn)(const void *a, const void *b);
/* Keeps a key whose @ncpus values (at @stride) are worth a copy. */
typedef bool (*kps_keep_fn)(const void *vals, int ncpus, size_t stride);

struct kps_table {
	size_t ksz;		/* key size */
	size_t vsz;		/* value size (one CPU's) */
	size_t vstride;		/* vsz rounded up to 8, as the kernel copies */
	int ncpus;		/* values per key: possible CPUs, or 1 */
	size_t n;		/* keys */
	size_t cap;		/* keys allocated */
	unsigned char *keys;	/* n * ksz, sorted with cmp */
	unsigned char *vals;	/* n * ncpus * vstride */
	kps_cmp_fn cmp;
};

/*
 * Reads map @fd; @ncpus is 1 for a shared map; @keep (may be NULL) drops
 * keys, e.g. never used array slots.  Returns 0 or -errno.
 */
int kps_table_read(struct kps_table *t, int fd, size_t ksz, size_t vsz,
		   int ncpus, kps_cmp_fn cmp, kps_keep_fn keep);
/* An empty table for keys and values built in user space. */
void kps_table_init(struct kps_table *t, size_t ksz, size_t vsz, int ncpus,
		    kps_cmp_fn cmp);
/*
 * The values (CPU 0's, the others follow) of @key in a table being built,
 * appended zeroed if it is missing (a linear search: small tables); NULL
 * when out of memory.
 */
void *kps_table_get(struct kps_table *t, const void *key);
/* Sorts a table built with kps_table_get; 0 or -ENOMEM. */
int kps_table_sort(struct kps_table *t);
void kps_table_free(struct kps_table *t);

static inline const void *kps_table_key(const struct kps_table *t, size_t i)
{
	return t->keys + i * t->ksz;
}

static inline void *kps_table_val(const struct kps_table *t, size_t i,
				  int cpu)
{
	return t->vals + (i * t->ncpus + cpu) * t->vstride;
}

/* Index of @key or -1. */
long kps_table_find(const struct kps_table *t, const void *key);

#endif /* KPS_TABLE_H */
