// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kpt_kmem.h"

static void write_one(const char *path)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);

	/* a cache that cannot shrink is read as it is */
	if (fd >= 0) {
		ssize_t n = write(fd, "1", 1);

		(void)n;
		close(fd);
	}
}

static long long read_first_ll(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "re");

	if (f) {
		if (fscanf(f, "%lld", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

void kpt_kmem_snapshot(struct kpt_kmem *s)
{
	static char names[KPT_MAX_CACHES][64];
	char path[PATH_MAX], real[PATH_MAX];
	char *seen[KPT_MAX_CACHES];
	struct dirent *de;
	int n = 0, nseen = 0, i, j;
	char *line = NULL;
	size_t cap = 0;
	DIR *d;
	FILE *f;

	usleep(200000);	/* let RCU-deferred frees of the last cycle run */
	d = opendir("/sys/kernel/slab");
	while (d && (de = readdir(d)) && n < KPT_MAX_CACHES) {
		if (strncmp(de->d_name, "kmalloc-", 8))
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%.200s",
			 de->d_name);
		if (!realpath(path, real))
			continue;
		/* merged aliases point at one cache: count it once */
		for (j = 0; j < nseen; j++)
			if (!strcmp(seen[j], real))
				break;
		if (j < nseen)
			continue;
		seen[nseen++] = strdup(real);
		snprintf(names[n++], sizeof(names[0]), "%.63s", de->d_name);
	}
	if (d)
		closedir(d);
	for (j = 0; j < nseen; j++)
		free(seen[j]);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/sys/kernel/slab/%.63s/shrink",
			 names[i]);
		write_one(path);
	}
	s->n = n;
	for (i = 0; i < n; i++) {
		memcpy(s->name[i], names[i], sizeof(names[i]));
		snprintf(path, sizeof(path), "/sys/kernel/slab/%.63s/objects",
			 names[i]);
		s->objects[i] = read_first_ll(path);
	}
	s->vmalloc_kp = 0;
	f = fopen("/proc/vmallocinfo", "re");
	while (f && getline(&line, &cap, f) > 0)
		if (strstr(line, "[kp_"))
			s->vmalloc_kp++;
	if (f)
		fclose(f);
	free(line);
}

long long kpt_kmem_max_delta(const struct kpt_kmem *a,
			     const struct kpt_kmem *b, const char **name)
{
	long long d, maxd = 0;
	int i;

	if (name)
		*name = "";
	for (i = 0; i < a->n && i < b->n; i++) {
		if (strcmp(a->name[i], b->name[i]))
			continue;
		d = b->objects[i] - a->objects[i];
		if (d > maxd) {
			maxd = d;
			if (name)
				*name = b->name[i];
		}
	}
	return maxd;
}
