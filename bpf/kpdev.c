// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Reads /sys/class/kp/<name>/{dev,bdf} and the PCI device's IRQs. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "kpdev.h"

#define KPDEV_MAX 64

static struct kpdev devs[KPDEV_MAX];
static int ndevs;

static int read_line(const char *path, char *buf, int len)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -1;
	ok = fgets(buf, len, f) != NULL;
	fclose(f);
	if (!ok)
		return -1;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

static void add_irq(struct kpdev *d, int irq)
{
	if (irq <= 0 || d->nirqs >= KPDEV_MAX_IRQS)
		return;
	for (int i = 0; i < d->nirqs; i++)
		if (d->irqs[i] == irq)
			return;
	d->irqs[d->nirqs++] = irq;
}

static void scan_irqs(struct kpdev *d)
{
	char path[256], buf[32];
	struct dirent *e;
	DIR *dir;

	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/irq", d->bdf);
	if (!read_line(path, buf, sizeof(buf)))
		add_irq(d, atoi(buf));
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/msi_irqs",
		 d->bdf);
	dir = opendir(path);
	if (!dir)
		return;
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.')
			add_irq(d, atoi(e->d_name));
	closedir(dir);
}

int kpdev_scan(void)
{
	DIR *dir = opendir("/sys/class/kp");
	struct dirent *e;

	ndevs = 0;
	if (!dir)
		return 0;
	while ((e = readdir(dir)) && ndevs < KPDEV_MAX) {
		struct kpdev *d = &devs[ndevs];
		char path[512], buf[64];
		unsigned int maj, min;

		if (e->d_name[0] == '.')
			continue;
		memset(d, 0, sizeof(*d));
		snprintf(path, sizeof(path), "/sys/class/kp/%s/dev", e->d_name);
		if (read_line(path, buf, sizeof(buf)) ||
		    sscanf(buf, "%u:%u", &maj, &min) != 2)
			continue;
		snprintf(d->name, sizeof(d->name), "%s", e->d_name);
		d->minor = min;
		snprintf(path, sizeof(path), "/sys/class/kp/%s/bdf", e->d_name);
		if (!read_line(path, d->bdf, sizeof(d->bdf)))
			scan_irqs(d);
		ndevs++;
	}
	closedir(dir);
	return ndevs;
}

const struct kpdev *kpdev_by_name(const char *name)
{
	for (int i = 0; i < ndevs; i++)
		if (!strcmp(devs[i].name, name))
			return &devs[i];
	return NULL;
}

const char *kpdev_name(unsigned int minor, char *buf, int len)
{
	for (int i = 0; i < ndevs; i++)
		if (devs[i].minor == minor) {
			snprintf(buf, len, "%s", devs[i].name);
			return buf;
		}
	snprintf(buf, len, "dev%u", minor);
	return buf;
}

void kpdev_for_each_irq(void (*fn)(int irq, void *arg), void *arg)
{
	for (int i = 0; i < ndevs; i++)
		for (int j = 0; j < devs[i].nirqs; j++)
			fn(devs[i].irqs[j], arg);
}
