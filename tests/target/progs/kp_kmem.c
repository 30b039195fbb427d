// SPDX-License-Identifier: GPL-2.0
/*
 * kp_kmem - the kernel's allocations before and after a test, for leak
 * checks that span several guest commands (kpt_kmem.h says what is
 * counted).
 *
 *   kp_kmem snap FILE    saves a snapshot
 *   kp_kmem diff FILE    compares a new one with FILE; one JSON line:
 *                        per-cache growth, the largest, the kp_ vmalloc
 *                        areas' growth
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kpt_kmem.h"

static struct kpt_kmem before, now;

int main(int argc, char **argv)
{
	const char *maxname;
	long long maxd;
	FILE *f;
	int i, first = 1;

	if (argc != 3 || (strcmp(argv[1], "snap") && strcmp(argv[1], "diff"))) {
		fprintf(stderr, "usage: kp_kmem snap|diff FILE\n");
		return 2;
	}
	if (!strcmp(argv[1], "snap")) {
		kpt_kmem_snapshot(&now);
		f = fopen(argv[2], "we");
		if (!f || fwrite(&now, sizeof(now), 1, f) != 1) {
			perror(argv[2]);
			return 1;
		}
		return fclose(f) ? 1 : 0;
	}
	f = fopen(argv[2], "re");
	if (!f || fread(&before, sizeof(before), 1, f) != 1) {
		perror(argv[2]);
		return 1;
	}
	fclose(f);
	kpt_kmem_snapshot(&now);
	maxd = kpt_kmem_max_delta(&before, &now, &maxname);
	printf("{\"caches\": {");
	for (i = 0; i < before.n && i < now.n; i++) {
		if (strcmp(before.name[i], now.name[i]))
			continue;
		printf("%s\"%s\": %lld", first ? "" : ", ", now.name[i],
		       now.objects[i] - before.objects[i]);
		first = 0;
	}
	printf("}, \"max_cache_delta\": %lld, \"max_cache\": \"%s\", "
	       "\"vmalloc_kp_delta\": %lld}\n", maxd, maxname,
	       now.vmalloc_kp - before.vmalloc_kp);
	return 0;
}
