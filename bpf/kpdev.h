/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * kpdev: kp devices - name <-> the tracepoints' dev (the minor), their
 * IRQs and the runtime's exact counters - from /sys/class/kp, through
 * libkp (kp_list, kp_dev_irqs) where it has the reader.
 */
#ifndef KPS_KPDEV_H
#define KPS_KPDEV_H

#include <linux/types.h>

#define KPDEV_NAME_LEN 32	/* struct kp_dev_entry's name[] */
#define KPDEV_MAX_IRQS 64

struct kps_irqset;

struct kpdev {
	char name[KPDEV_NAME_LEN];	/* kp_edu0 */
	unsigned int minor;		/* the tracepoints' dev */
	char bdf[16];
	int nirqs;
	int irqs[KPDEV_MAX_IRQS];	/* MSI/MSI-X IRQs, else the INTx line */
};

/* /sys/class/kp/<name>/<counter>: struct kp_stats, summed over CPUs. */
struct kpdev_counters {
	__u64 interrupts, spurious, dpc_requests, dpcs, dpc_count_sum,
	      notifications, lost, calls, storms;
};

/* Rescans /sys/class/kp; returns the number of devices or -errno. */
int kpdev_scan(void);
int kpdev_count(void);
const struct kpdev *kpdev_at(int i);
const struct kpdev *kpdev_by_name(const char *name);
/* Writes the device name for @minor into @buf ("dev<minor>" if unknown). */
const char *kpdev_name(unsigned int minor, char *buf, int len);
/* Adds the IRQs of device @minor (-1: of every device) to @set. */
void kpdev_irqs(int minor, struct kps_irqset *set);
/* Reads the counters of @d; 0 or -errno. */
int kpdev_counters(const struct kpdev *d, struct kpdev_counters *c);

#endif /* KPS_KPDEV_H */
