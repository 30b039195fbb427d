// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * libkp: what the host knows about a device's interrupts - its IRQ
 * numbers (sysfs) and their counts (/proc/interrupts) - one parser for
 * the tools, the tests and the benchmarks.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "libkp.h"

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

int kp_dev_irqs(const char *bdf, int *irqs, int max)
{
	char path[256];
	struct dirent *de;
	int n = 0, irq;
	DIR *d;
	FILE *f;

	if (!bdf || strchr(bdf, '/') || max < 0 || (max && !irqs))
		return -EINVAL;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/msi_irqs", bdf);
	d = opendir(path);
	if (d) {
		int *all = NULL, cap = 0;

		while ((de = readdir(d))) {
			if (!isdigit((unsigned char)de->d_name[0]))
				continue;
			if (n == cap) {
				int *tmp;

				cap = cap ? 2 * cap : 32;
				tmp = realloc(all, cap * sizeof(*all));
				if (!tmp) {
					free(all);
					closedir(d);
					return -ENOMEM;
				}
				all = tmp;
			}
			all[n++] = atoi(de->d_name);
		}
		closedir(d);
		if (n) {
			qsort(all, n, sizeof(*all), cmp_int);
			memcpy(irqs, all, (n < max ? n : max) * sizeof(*all));
			free(all);
			return n;
		}
		free(all);
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/irq", bdf);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fscanf(f, "%d", &irq) != 1)
		irq = 0;
	fclose(f);
	if (irq <= 0)
		return 0;
	if (max)
		irqs[0] = irq;
	return 1;
}

int kp_proc_interrupts(int irq, uint64_t *count)
{
	char line[4096];
	FILE *f;
	int err = -ENOENT;

	if (irq < 0 || !count)
		return -EINVAL;
	f = fopen("/proc/interrupts", "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		char *p = line, *end;
		uint64_t sum = 0;
		long n;

		while (*p == ' ')
			p++;
		n = strtol(p, &end, 10);
		if (end == p || *end != ':' || n != irq)
			continue;
		p = end + 1;
		for (;;) {
			unsigned long long v;

			while (*p == ' ')
				p++;
			if (!isdigit((unsigned char)*p))
				break;
			v = strtoull(p, &end, 10);
			sum += v;
			p = end;
		}
		*count = sum;
		err = 0;
		break;
	}
	fclose(f);
	return err;
}
