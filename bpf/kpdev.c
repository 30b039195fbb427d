// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* kp devices from /sys/class/kp (see kpdev.h). */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include "libkp.h"
#include "kpdev.h"
#include "snap.h"

#define KPDEV_MAX 64

static struct kpdev devs[KPDEV_MAX];
static int ndevs;

static int read_u64(const char *name, const char *attr, __u64 *v)
{
	char path[128];
	unsigned long long x;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/sys/class/kp/%.*s/%s",
		 KPDEV_NAME_LEN, name, attr);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fscanf(f, "%llu", &x);
	fclose(f);
	if (n != 1)
		return -EINVAL;
	*v = x;
	return 0;
}

/* The minor of /dev/kp/<name> from its "dev" attribute (major:minor). */
static int read_minor(const char *name, unsigned int *minor)
{
	char path[128];
	unsigned int maj;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/sys/class/kp/%.*s/dev",
		 KPDEV_NAME_LEN, name);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fscanf(f, "%u:%u", &maj, minor);
	fclose(f);
	return n == 2 ? 0 : -EINVAL;
}

int kpdev_scan(void)
{
	struct kp_dev_entry ents[KPDEV_MAX];
	int n = kp_list(ents, KPDEV_MAX);

	ndevs = 0;
	if (n < 0)
		return n;
	for (int i = 0; i < n && i < KPDEV_MAX; i++) {
		struct kpdev *d = &devs[ndevs];
		int k;

		memset(d, 0, sizeof(*d));
		if (read_minor(ents[i].name, &d->minor))
			continue;	/* removed meanwhile */
		snprintf(d->name, sizeof(d->name), "%.*s",
			 (int)sizeof(d->name) - 1, ents[i].name);
		snprintf(d->bdf, sizeof(d->bdf), "%.*s",
			 (int)sizeof(d->bdf) - 1, ents[i].bdf);
		k = kp_dev_irqs(d->bdf, d->irqs, KPDEV_MAX_IRQS);
		d->nirqs = k < 0 ? 0 : k < KPDEV_MAX_IRQS ? k : KPDEV_MAX_IRQS;
		ndevs++;
	}
	return ndevs;
}

int kpdev_count(void)
{
	return ndevs;
}

const struct kpdev *kpdev_at(int i)
{
	return i >= 0 && i < ndevs ? &devs[i] : NULL;
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

void kpdev_irqs(int minor, struct kps_irqset *set)
{
	for (int i = 0; i < ndevs; i++)
		for (int j = 0; j < devs[i].nirqs; j++)
			if (minor < 0 || devs[i].minor == (unsigned int)minor)
				kps_irqset_add(set, devs[i].irqs[j]);
}

int kpdev_counters(const struct kpdev *d, struct kpdev_counters *c)
{
	static const struct {
		const char *attr;
		size_t off;
	} attrs[] = {
#define A(f) { #f, offsetof(struct kpdev_counters, f) }
		A(interrupts), A(spurious), A(dpc_requests), A(dpcs),
		A(dpc_count_sum), A(notifications), A(lost), A(calls),
		A(storms),
#undef A
	};

	memset(c, 0, sizeof(*c));
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		int err = read_u64(d->name, attrs[i].attr,
				   (__u64 *)((char *)c + attrs[i].off));

		if (err)
			return err;
	}
	return 0;
}
