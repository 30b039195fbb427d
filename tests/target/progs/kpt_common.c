// SPDX-License-Identifier: GPL-2.0
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kpt_common.h"

int kpt_dev_name(struct kp_dev *dev, char *name, size_t len, char *bdf,
		 size_t bdflen)
{
	struct kp_device_info info;
	int err = kp_get_info(dev, &info);

	if (err)
		return err;
	snprintf(name, len, "%.16s%u", info.driver, info.index);
	if (bdf)
		snprintf(bdf, bdflen, "%.16s", info.bdf);
	return 0;
}

static int read_u64(const char *path, uint64_t *v)
{
	FILE *f = fopen(path, "re");
	int ok;

	if (!f)
		return -errno;
	ok = fscanf(f, "%" SCNu64, v) == 1;
	fclose(f);
	return ok ? 0 : -EINVAL;
}

int kpt_read_sysfs(const char *name, struct kpt_counters *c)
{
	static const char *const attrs[] = {
		"interrupts", "spurious", "dpc_requests", "dpcs",
		"dpc_count_sum", "notifications", "lost", "calls",
	};
	uint64_t *v = &c->interrupts;
	char path[256];
	unsigned int i;
	int err;

	for (i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		snprintf(path, sizeof(path), "/sys/class/kp/%s/%s", name,
			 attrs[i]);
		err = read_u64(path, &v[i]);
		if (err)
			return err;
	}
	return 0;
}

void kpt_from_stats(const struct kp_stats *s, struct kpt_counters *c)
{
	c->interrupts = s->interrupts;
	c->spurious = s->spurious;
	c->dpc_requests = s->dpc_requests;
	c->dpcs = s->dpcs;
	c->dpc_count_sum = s->dpc_count_sum;
	c->notifications = s->notifications;
	c->lost = s->lost;
	c->calls = s->calls;
}

void kpt_sub(struct kpt_counters *d, const struct kpt_counters *a,
	     const struct kpt_counters *b)
{
	d->interrupts = a->interrupts - b->interrupts;
	d->spurious = a->spurious - b->spurious;
	d->dpc_requests = a->dpc_requests - b->dpc_requests;
	d->dpcs = a->dpcs - b->dpcs;
	d->dpc_count_sum = a->dpc_count_sum - b->dpc_count_sum;
	d->notifications = a->notifications - b->notifications;
	d->lost = a->lost - b->lost;
	d->calls = a->calls - b->calls;
}

void kpt_print_counters(FILE *f, const char *key,
			const struct kpt_counters *c)
{
	fprintf(f, "\"%s\": {\"interrupts\": %" PRIu64 ", \"spurious\": %"
		PRIu64 ", \"dpc_requests\": %" PRIu64 ", \"dpcs\": %" PRIu64
		", \"dpc_count_sum\": %" PRIu64 ", \"notifications\": %" PRIu64
		", \"lost\": %" PRIu64 ", \"calls\": %" PRIu64 "}", key,
		c->interrupts, c->spurious, c->dpc_requests, c->dpcs,
		c->dpc_count_sum, c->notifications, c->lost, c->calls);
}

int kpt_device_irqs(const char *bdf, uint32_t mode, int *irqs, int max)
{
	char path[256];
	struct dirent *de;
	uint64_t v;
	DIR *d;
	int n = 0, err;

	if (mode == KP_INT_MODE_INTX) {
		snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/irq",
			 bdf);
		err = read_u64(path, &v);
		if (err)
			return err;
		irqs[0] = (int)v;
		return 1;
	}
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/msi_irqs", bdf);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)) && n < max) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		irqs[n++] = atoi(de->d_name);
	}
	closedir(d);
	return n;
}

int64_t kpt_proc_interrupts(const int *irqs, int n)
{
	char *line = NULL, *p, *end;
	size_t cap = 0;
	int64_t total = 0;
	int found = 0, i, irq;
	FILE *f = fopen("/proc/interrupts", "re");

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		p = line;
		while (*p == ' ')
			p++;
		irq = strtol(p, &end, 10);
		if (end == p || *end != ':')
			continue;
		for (i = 0; i < n; i++)
			if (irqs[i] == irq)
				break;
		if (i == n)
			continue;
		found++;
		p = end + 1;
		for (;;) {
			unsigned long long c = strtoull(p, &end, 10);

			if (end == p)
				break;
			total += c;
			p = end;
		}
	}
	free(line);
	fclose(f);
	return found == n ? total : -1;
}

double kpt_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

const char *kpt_errname(int err)
{
	if (err < 0)
		err = -err;
	switch (err) {
	case 0: return "OK";
	case EPERM: return "EPERM";
	case ENOENT: return "ENOENT";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	case ENXIO: return "ENXIO";
	case E2BIG: return "E2BIG";
	case EBADF: return "EBADF";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EACCES: return "EACCES";
	case EFAULT: return "EFAULT";
	case EBUSY: return "EBUSY";
	case EEXIST: return "EEXIST";
	case ENODEV: return "ENODEV";
	case EINVAL: return "EINVAL";
	case ENOSPC: return "ENOSPC";
	case ENOTTY: return "ENOTTY";
	case ERANGE: return "ERANGE";
	case ENOSYS: return "ENOSYS";
	case EOVERFLOW: return "EOVERFLOW";
	case EBADFD: return "EBADFD";
	case ENOTCONN: return "ENOTCONN";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case ENOTSUPP_LINUX: return "ENOTSUPP";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EALREADY: return "EALREADY";
	case EDEADLK: return "EDEADLK";
	case ESRCH: return "ESRCH";
	default: return "E?";
	}
}
